#!/usr/bin/env bash
# e2e: what a hostile or busy link does to pikaos. SMP=2 on a 2-queue
# virtio-net tap in a private namespace, httpd and echo on both cores:
#   - pings of 16,000 bytes (fragmented both ways) while UDP echo datagrams
#     are checked byte for byte: nothing else in netd's packet pool is hurt;
#   - 100,000 short connections: every core's free frames come back;
#   - 10,000 connections held at once, more refused at once (a RST, not a
#     time-out) beyond the limit, echo answering meanwhile, and every held
#     connection served;
#   - a SYN flood from spoofed sources of our own subnet (nobody answers ARP
#     for them) with a client alongside: its requests keep succeeding, and
#     a second after the flood they are as fast as before it.
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

require_netns python3 wrk ping curl
GUEST=10.0.5.15
HOST=10.0.5.1
GUEST_MAC=52:54:00:12:34:56
E2E_WORK=$(mktemp -d)
work=$E2E_WORK
make_tap_netns pika-wire-$$ $HOST
nsx ip link set tap0 up
nsx sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
mkdir -p "$B/e2e"
gcc -O2 -Wall -Wextra -Werror tests/e2e/rawsend.c -o "$B/e2e/rawsend" || exit 1

# lb=naive: connections stay on the core RSS gives them. With the default
# balancer, 10,000 held connections sending at once left 1,763 of 11,202
# unserved in 300 s (forwarded segments dropped when a peer's ring and the
# 512-frame wait queue are full, tcp_nomem): see the closing note of session 25.
# accept_timeout=5000: with the default 50 ms, httpd taking 7,000 connections
# a core in a few seconds was late to claim, so naive handed its connections
# to the other core, and one CI run left 602 of 14,336 unserved that way (880
# given away, tcp_nomem 3,123): the same open bug, noted for issue 17
boot_interactive "$B/test-logs/e2e_wire.log" 2 \
	"start=netd@all,httpd@all,echo@all ip=$GUEST/24,gw=$HOST lb=naive accept_timeout=5000" tap:tap0:2
wait_for 'httpd: core 1: serving port 80' 180
wait_for 'echo: core 1: tcp and udp port 7' 60
wait_for 'pika> ' 60
servers_up() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -acE '(httpd: core [01]: serving port 80|echo: core [01]: tcp and udp port 7)' "$E2E_LOG")" = 4 ] &&
			return 0
		sleep 0.1
	done
	return 1
}
check "httpd and echo started on both cores" servers_up
client() { nsx python3 tests/e2e/sockclient.py "$@"; }

# ---------------------------------------------------------------- big pings
client udpcheck "$GUEST" 7 300 1400 > "$work/udp.out" &
udp_pid=$!
nsx ping -q -s 16000 -c 10 -i 0.2 -W 3 "$GUEST" > "$work/ping.out" 2>&1
wait "$udp_pid"
check "ping -s 16000: 10 of 10 replies ($(grep -ao '[0-9]* received' "$work/ping.out"))" \
	grep -aq ' 10 received' "$work/ping.out"
check "UDP echo checked byte for byte alongside: $(cat "$work/udp.out")" \
	grep -aq '^intact 300 of 300, corrupted 0$' "$work/udp.out"
guard_ok() {
	local out
	out=$(shell_cmd netstat)
	[ "$(echo "$out" | grep -ac 'pkt_guard_broken 0$')" = 2 ] && echo "$out" | grep -aq 'frags_out [1-9]'
}
check "every packet buffer's guard intact, the replies left in fragments" guard_ok

# ---------------------------------------------------------------- frames
frames() { shell_cmd stats | awk '$1 == "core" && $3 == "frames" {printf "%s ", $4}'; }
# "core/name/pid frames" of every process: which one a difference is in
proc_frames() { shell_cmd ps | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {print $1 "/" $11 "/" $2, $10}' | sort; }
frames_moved() { # processes whose frames differ between two proc_frames lists
	join -a1 -a2 -e- -o 0,1.2,2.2 "$1" "$2" | awk '$2 != $3 {printf "%s %s->%s; ", $1, $2, $3}'
}
short_conns() { # seconds: wrk with Connection: close; prints the requests done
	nsx wrk -t2 -c32 -d"$1"s --timeout 10s -H "Connection: close" "http://$GUEST/" 2> /dev/null |
		awk '/requests in/ {print $1}'
}
# connections until at least $1 are done, then up to 15 s for the servers
# to give idle pools back (after a second without work); sets done, after
conns_then_frames() {
	local i n
	done=0
	for ((i = 0; i < 12 && done < $1; i++)); do
		n=$(short_conns 15)
		done=$((done + ${n:-0}))
	done
	sleep 2
	for ((waited = 3; waited <= 15; waited++)); do
		sleep 1
		after=$(frames)
		[ "$after" = "$2" ] && break
	done
}
short_conns 3 > /dev/null # the pools and sets reach their size for 32 at once
sleep 3
before=$(frames)
proc_frames > "$work/procs.before"
conns_then_frames 100000 "$before"
total=$done
first=$after
proc_frames > "$work/procs.after"
moved=$(frames_moved "$work/procs.before" "$work/procs.after")
# A leak loses frames with every connection (it was one per 60). A heap
# that grew once because more connections than ever were open at once on a
# slow host (seen once in CI: 32 frames on core 0, never locally) does not
# grow again: then 50,000 more connections must leave the count where it is.
again=same
if [ "$first" != "$before" ]; then
	conns_then_frames 50000 "$first"
	again="$after after $done more"
fi
check "$total short connections (>= 100,000)" test "$total" -ge 100000
check "every core's free frames back to their start value (before: $before; after: $first, ${waited} s after the last; processes: ${moved:-none moved}; again: $again)" \
	test "$first" = "$before" -o "$after" = "$first"

# ---------------------------------------------------------------- 10,000 connections
# before the flood: right after one (its half-open connections still in the
# SYN queues, cookies answering) opening them took 21 s instead of 0.5 and a
# few never got an answer; see the closing note of session 24
client hold "$GUEST" 80 10000 7 > "$work/hold.out" 2>&1
res=$(cat "$work/hold.out")
held_ok() {
	local held asked refused slowest echo served all
	read -r held asked refused slowest echo served all < <(echo "$res" | sed -E \
		's/^held ([0-9]+) of ([0-9]+) .* until ([0-9]+) refused \(slowest refusal ([0-9.]+) s, .*echo ([a-z]+), served ([0-9]+) of ([0-9]+)$/\1 \2 \3 \4 \5 \6 \7/')
	# refused by a RST, never a time-out: at most one SYN retransmission
	# (1 s), for a SYN that met a full accept queue before the port was full
	[ "$held" = 10000 ] && [ "$refused" -ge 50 ] && awk -v s="$slowest" 'BEGIN {exit !(s < 3.0)}' &&
		[ "$echo" = ok ] && [ "$served" = "$all" ] &&
		[ "$(echo "$res" | grep -o 'timeouts [0-9]*' | tr '\n' ' ')" = "timeouts 0 timeouts 0 " ]
}
shell_cmd netstat > /dev/null # the counters go to the log, for a failure's post-mortem
check "10,000 connections held, refused at once beyond the limit, echo answers, all served: $res" held_ok

# ---------------------------------------------------------------- SYN flood
t0=$(date +%s.%N)
client latency "$GUEST" 80 9 > "$work/lat.out" &
lat_pid=$!
sleep 1
fs=$(date +%s.%N)
nsx "$B/e2e/rawsend" tap0 $GUEST_MAC $HOST $GUEST synflood 25000 5 > "$work/flood.out"
fe=$(date +%s.%N)
wait "$lat_pid"
flood_s=$(echo "$fs $fe $t0" | awk '{printf "%.1f-%.1f", $1 - $3, $2 - $3}')
end_s=$(echo "$fe $t0" | awk '{print $1 - $2}')
lat_failed=$(grep -ac failed "$work/lat.out")
lat_n=$(grep -ac . "$work/lat.out")
check "a client's $lat_n requests during and after a flood of $(cat "$work/flood.out") SYNs (s $flood_s) all succeed ($lat_failed failed)" \
	test "$lat_failed" = 0 -a "$lat_n" -gt 10
# normal is a few ms; a lost SYN, SYN-ACK or response costs the client a
# retransmission of 200 ms or more
after=$(awk -v e="$end_s" '$1 > e + 1 {n++; if ($2 > m) m = $2} END {printf "%d %.3f", n, m}' "$work/lat.out")
after_n=${after% *}
after_max=${after#* }
check "latency back to normal within a second of the flood's end: $after_n requests after it, slowest $after_max s" \
	awk -v n="$after_n" -v m="$after_max" 'BEGIN { exit !(n >= 3 && m < 0.15) }'

http_after() { [ "$(nsx curl -s -m 20 "http://$GUEST/")" = pika ]; }
check "httpd answers a new connection afterwards" http_after
check "no kernel fault or panic" sh -c "! grep -aq '!!! ' '$E2E_LOG'"
finish
