#!/usr/bin/env bash
# e2e: a 2-second smoke of the side-by-side benchmark (tools/bench/bench; the
# real one is make bench, too slow for make test). Checks the refusal logic
# on made-up results, then boots pikaos and the Linux guest once each at
# SMP=1 with 2-second workloads and checks the harness produced a table and
# CSV with both sides, and a ratio or a refusal that says which side failed
# for every row. About a minute with TCG.
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

require_netns wrk python3 qemu-system-x86_64 gcc
if ! ls /boot/vmlinuz-* > /dev/null 2>&1 || [ ! -x /bin/busybox ]; then
	echo "1..0 # SKIP the Linux guest needs linux-image-amd64 and busybox-static (tools/deps installs them)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

selftest() { tools/bench/bench --selftest > "$work/selftest.txt" 2>&1; }
check "the harness refuses a ratio when a side failed, and says why (selftest)" selftest
sed 's/^/# /' "$work/selftest.txt"

out=$work/res
ip netns list | awk '/^pika-bench-/ {print $1}' | sort > "$work/ns-before"
B=$B timeout -k 10 240 tools/bench/bench --smp-list 1 --runs 1 --duration 2 --conc 8 --ka-conc 8 \
	--boot-timeout 120 --out "$out" > "$work/bench.txt" 2>&1
status=$?
sed 's/^/# /' "$work/bench.txt"
check "the harness ran (exit 0: every ratio; 3: some refused), status $status" \
	test "$status" = 0 -o "$status" = 3

tables() {
	local w
	for w in boot short_c8 keepalive_c8 bulk; do
		grep -q "($w)\$" "$out/tables.txt" || { echo "# no table for $w"; return 1; }
	done
	grep -qE '^  per s +1  ' "$out/tables.txt"
}
check "a table per workload (boot, short, keep-alive, bulk)" tables
both_sides() {
	local s
	for s in pikaos linux; do
		[ "$(awk -F, -v s=$s '$3 == s' "$out/runs.csv" | wc -l)" -gt 0 ] || { echo "# no $s rows"; return 1; }
	done
	[ "$(wc -l < "$out/summary.csv")" -gt 1 ]
}
check "runs.csv and summary.csv hold both sides" both_sides
ratio_or_refusal() { # every summary row: a ratio, or a refusal naming the side that failed
	python3 - "$out/summary.csv" <<'PY'
import csv, re, sys
bad = 0
for r in csv.DictReader(open(sys.argv[1])):
    ok = (r["ratio"] and r["status"] == "ok") or (not r["ratio"] and re.match(
        r"refused: .*(pikaos|linux) (FAILED|has no)", r["status"]))
    if not ok:
        print("# bad row:", r)
        bad = 1
sys.exit(bad)
PY
}
check "every row has a ratio or says which side failed" ratio_or_refusal
grep 'refused' "$out/summary.csv" | sed 's/^/# REFUSED: /'
no_leftovers() { # namespaces of other harness runs may exist; none of this one
	ip netns list | awk '/^pika-bench-/ {print $1}' | sort | comm -13 "$work/ns-before" - | grep -q . && return 1
	return 0
}
check "the harness removed its network namespace" no_leftovers
plan_and_status
