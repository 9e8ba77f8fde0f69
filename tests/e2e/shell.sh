#!/usr/bin/env bash
# e2e: the serial shell on core 0 talks to the monitors of every core.
# Boots SMP=2 with kvd on both cores, types commands, checks the answers.
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

# Two start items are wrong on purpose: the argument after the core, and a
# core the machine does not have. Both are refused by name; kvd still starts.
boot_interactive "$B/test-logs/e2e_shell.log" 2 "start=hello@all:exit=3,kvd@all,hello@2"
check "shell prompt on the serial line" wait_for 'pika> ' 120
check "start item with the argument after the core is refused" \
	wait_for "monitor: start item 'hello@all:exit=3': want PROG\\[:ARG\\.\\.\\.\\]@CORE, CORE all or 0-1" 5
check "start item on a missing core is refused" wait_for "monitor: start item 'hello@2': want" 5
check "kvd registered on both cores" wait_for 'kvd: serving kv@1' 30
type_line "cores"
check "cores: a line per core" wait_for '^\[c0\]    1 +[0-9]+ +[0-9]+ +[0-9]+' 30
type_line "ps"
check "ps: the monitor of core 1" wait_for '^\[c0\]    1 +1000001 .* monitor \(monitor\)' 30
check "ps: kvd on core 1" wait_for '^\[c0\]    1 +[0-9]+ .* kvd' 30
type_line "services"
check "services: kv@0 and kv@1" wait_for '^\[c0\] kv@1  pid 1' 30
check "services: kv@0" wait_for '^\[c0\] kv@0  pid ' 5
type_line "spawn hello@1 exit=7"
check "spawn on another core" wait_for 'started hello on core 1: pid 1[0-9]{6}' 30
check "its monitor reports the exit status" wait_for 'monitor: core 1: hello \(pid [0-9]+\) exited with status 7' 30
# A command line of several monitor messages (40 bytes each): exit=5 comes
# after 200 bytes of padding, so status 5 means all of it crossed cores.
pad=$(printf 'x%.0s' $(seq 200))
type_line "spawn hello@1 pad=$pad exit=5"
check "spawn with a 220-byte command line on another core" \
	wait_for 'monitor: core 1: hello \(pid [0-9]+\) exited with status 5' 30
# 264 bytes of arguments: they reach core 1, whose kernel refuses them.
type_line "spawn hello@1 pad=$pad${pad:0:60}"
check "arguments over the kernel's 255 bytes: E2BIG from core 1" \
	wait_for 'spawn hello@1: Argument list too long' 30
type_line "spawn httpd@1 port=0"
check "a server refuses a bad port and exits 2" wait_for "httpd: bad port '0' \\(1-65535\\)" 30
check "its monitor reports status 2" wait_for 'monitor: core 1: httpd \(pid [0-9]+\) exited with status 2' 30
type_line "spawn nosuchprogram@1"
check "spawn of a missing program fails cleanly" wait_for 'spawn nosuchprogram@1: No such file' 30
type_line "stats 1"
check "stats of core 1" wait_for '^\[c0\] core 1: uptime [0-9]+ ms' 30
type_line "bogus"
check "unknown command" wait_for 'bogus: unknown command' 30
finish
