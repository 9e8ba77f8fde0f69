#!/usr/bin/env bash
# e2e: an incremental build recompiles what includes a changed header. Without
# the compiler's dependency files, netd's objects once kept an old layout of
# struct disp and struct net_stats after a header change: netd crashed and
# printed nonsense counters. Asks make what it would do if a header were
# newer (make -n -W), without touching anything.
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

[ -e "$B/user/netd" ] && [ -e "$B/user/monitor" ] || { echo "1..0 # SKIP build first (make)"; exit 0; }
rebuilds() { # header target source...: make would recompile every source
	local header=$1 target=$2 plan src
	shift 2
	plan=$(make -n -W "$header" B="$B" V=1 "$target" 2> /dev/null)
	for src in "$@"; do
		grep -q -- "-c $src " <<< "$plan" || { echo "# $src would not be recompiled"; return 1; }
	done
}
check "net/net.h: netd's own files and the stack recompile" \
	rebuilds net/net.h "$B/user/netd" user/netd/netd.c user/netd/sock.c net/tcp_in.c
check "pikaos/dispatch.h: the monitor recompiles" \
	rebuilds libc/include/pikaos/dispatch.h "$B/user/monitor" monitor/monitor.c
check "drivers/netdev.h: the drivers recompile" \
	rebuilds drivers/netdev.h "$B/user/netd" drivers/virtio/virtio_net.c
plan_and_status
