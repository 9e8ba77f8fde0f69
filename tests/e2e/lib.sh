# tests/e2e/lib.sh - helpers for end-to-end tests (sourced). Each test prints
# TAP on stdout; tools/test-all counts it.
#
#   boot_interactive LOG SMP CMDLINE   boot pikaos with the serial line on a fifo
#   wait_for PATTERN SECONDS           until an extended regexp shows in the log
#   type_line TEXT                     type a line on the serial console
#   check NAME COMMAND...              one TAP result
#   finish                             power off QEMU, print the plan
B=${B:-build}
ACCEL=${ACCEL:-tcg}
E2E_N=0
E2E_FAILED=0

boot_interactive() {
	E2E_LOG=$1
	local smp=$2 cmdline=$3
	E2E_FIFO=$(mktemp -u)
	mkfifo "$E2E_FIFO"
	mkdir -p "$(dirname "$E2E_LOG")"
	tools/qemu run --kernel "$B/kernel.elf" --modules-dir "$B/user" --smp "$smp" --accel "$ACCEL" \
		--cmdline "$cmdline" < "$E2E_FIFO" > "$E2E_LOG" 2>&1 &
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

finish() {
	printf '\001x' >&7 2> /dev/null # Ctrl-A x: QEMU quits
	exec 7>&-
	sleep 1
	kill "$E2E_QEMU" 2> /dev/null
	pkill -P "$E2E_QEMU" 2> /dev/null
	wait "$E2E_QEMU" 2> /dev/null
	rm -f "$E2E_FIFO"
	echo "1..$E2E_N"
	[ "$E2E_FAILED" = 0 ]
}
