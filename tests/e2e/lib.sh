# tests/e2e/lib.sh - helpers for end-to-end tests (sourced). Each test prints
# TAP on stdout; tools/test-all counts it.
#
#   boot_interactive LOG SMP CMDLINE [NET]
#                                      boot pikaos with the serial line on a fifo
#                                      (inside network namespace $E2E_NS when set)
#   wait_for PATTERN SECONDS           until an extended regexp shows in the log
#   type_line TEXT                     type a line on the serial console
#   check NAME COMMAND...              one TAP result
#   finish                             power off QEMU, print the plan
#   plan_and_status                    print the plan (tests that boot no QEMU of their own)
#   require_netns [COMMAND...]         skip the whole test (TAP "1..0 # SKIP") unless
#                                      root, /dev/net/tun and every COMMAND are there
#   make_tap_netns NS HOST_ADDR        a namespace with tap0 (up to the caller: more
#                                      addresses, MTU, link up); nsx CMD runs in it
B=${B:-build}

require_netns() {
	if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
		echo "1..0 # SKIP needs root and /dev/net/tun"
		exit 0
	fi
	local c
	for c in "$@"; do
		command -v "$c" > /dev/null || { echo "1..0 # SKIP $c is not installed (tools/deps installs it)"; exit 0; }
	done
}
# A private network namespace $E2E_NS (deleted on exit, with the files of
# any $E2E_WORK directory) holding a multiqueue tap0 with HOST_ADDR/24 and no
# IPv6 (no router solicitations on the wire the test watches). nsx runs a
# command inside it.
make_tap_netns() {
	E2E_NS=$1
	local host_addr=$2
	trap 'ip netns del "$E2E_NS" 2> /dev/null; [ -n "${E2E_WORK:-}" ] && rm -rf "$E2E_WORK"' EXIT
	ip netns add "$E2E_NS"
	nsx ip link set lo up
	nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx ip tuntap add dev tap0 mode tap multi_queue
	nsx ip addr add "$host_addr/24" dev tap0
}
nsx() { ip netns exec "$E2E_NS" "$@"; }

ACCEL=${ACCEL:-tcg}
E2E_N=0
E2E_FAILED=0

boot_interactive() {
	E2E_LOG=$1
	local smp=$2 cmdline=$3 net=${4:-none}
	E2E_FIFO=$(mktemp -u)
	mkfifo "$E2E_FIFO"
	mkdir -p "$(dirname "$E2E_LOG")"
	local prefix=()
	[ -n "${E2E_NS:-}" ] && prefix=(ip netns exec "$E2E_NS")
	"${prefix[@]}" tools/qemu run --kernel "$B/kernel.elf" --modules-dir "$B/user" --smp "$smp" \
		--accel "$ACCEL" --net "$net" --cmdline "$cmdline" < "$E2E_FIFO" > "$E2E_LOG" 2>&1 &
	E2E_QEMU=$!
	exec 7> "$E2E_FIFO"
}

wait_for() {
	local pattern=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -aEq -- "$pattern" "$E2E_LOG" && return 0
		kill -0 "$E2E_QEMU" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

type_line() {
	printf '%s\r' "$1" >&7
}

# Types a shell command and waits until its output is complete (the next
# prompt); prints the output lines (without the "[cN] " prefixes).
shell_cmd() {
	local before after i
	before=$(grep -ac 'pika> ' "$E2E_LOG")
	type_line "$1"
	for ((i = 0; i < 300; i++)); do
		after=$(grep -ac 'pika> ' "$E2E_LOG")
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	awk -v n="$before" '/pika> / {seen++; next} seen > n - 1 && seen == n {print}' "$E2E_LOG" |
		sed 's/^\[c[0-9]*\] //' | tr -d '\r'
}

check() {
	local name=$1
	shift
	E2E_N=$((E2E_N + 1))
	if "$@"; then
		echo "ok $E2E_N - $name"
	else
		echo "not ok $E2E_N - $name"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

# The TAP plan; the status says whether every check passed.
plan_and_status() {
	echo "1..$E2E_N"
	[ "$E2E_FAILED" = 0 ]
}

finish() {
	printf '\001x' >&7 2> /dev/null # Ctrl-A x: QEMU quits
	exec 7>&-
	sleep 1
	kill "$E2E_QEMU" 2> /dev/null
	pkill -P "$E2E_QEMU" 2> /dev/null
	wait "$E2E_QEMU" 2> /dev/null
	rm -f "$E2E_FIFO"
	plan_and_status
}
