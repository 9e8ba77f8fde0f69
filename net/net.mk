# net/: the portable TCP/IP stack. Included by the top-level Makefile.
#
#   make build/unit/net/<name>   one host unit test (ASan+UBSan, cmocka)
#   make fuzz                    libFuzzer on the receive path, FUZZ_SECONDS (600)
#   make bench-net               connection rate, bulk throughput, instructions/connection
#   make net-check               portability: gcc and clang, -std=c11 -pedantic, no writable statics

NET_SRC := $(wildcard net/*.c)
NET_HDR := $(wildcard net/*.h net/prot/*.h)
NET_TEST_HARNESS := tests/unit/net/harness.c

# the stack compiled once per build flavour with the unit-test flags, as an archive
NET_UNIT_OBJ := $(patsubst %.c,$(B)/unit/net/obj/%.o,$(NET_SRC))
$(B)/unit/net/obj/%.o: %.c $(NET_HDR)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@
$(B)/unit/net/libnet.a: $(NET_UNIT_OBJ)
	rm -f $@ && ar rcs $@ $^

NET_UNIT_DEPS := $(NET_TEST_HARNESS) $(B)/unit/net/libnet.a
$(eval $(call unit_test,net/basic_test,tests/unit/net/basic_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/dhcp_test,tests/unit/net/dhcp_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/tcp_script_test,tests/unit/net/tcp_script_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/tcp_wire_test,tests/unit/net/tcp_wire_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/tcp_churn_test,tests/unit/net/tcp_churn_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/mk_test,tests/unit/net/mk_test.c $(NET_UNIT_DEPS)))
$(eval $(call unit_test,net/pool_test,tests/unit/net/pool_test.c $(NET_UNIT_DEPS)))
# the replay test finds tests/fuzz/net/ from wherever it is run
$(B)/unit/net/fuzz_regress_test: UNIT_CFLAGS += -DNET_SRC_ROOT='"$(CURDIR)"'
$(eval $(call unit_test,net/fuzz_regress_test,tests/unit/net/fuzz_regress_test.c tests/fuzz/net/fuzz_rx.c $(NET_UNIT_DEPS)))

# ---------------------------------------------------------------- fuzzing
FUZZ_SECONDS ?= 600
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -DNET_FUZZ_MAIN
$(B)/fuzz/net_rx: tests/fuzz/net/fuzz_rx.c $(NET_TEST_HARNESS) $(NET_SRC) $(NET_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) tests/fuzz/net/fuzz_rx.c $(NET_TEST_HARNESS) $(NET_SRC) -o $@

.PHONY: fuzz bench-net net-check
fuzz: $(B)/fuzz/net_rx
	@mkdir -p $(B)/fuzz/corpus $(B)/fuzz/crashes
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	$(B)/fuzz/net_rx -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/crashes/ $(B)/fuzz/corpus tests/fuzz/net/seeds

# ---------------------------------------------------------------- benchmark
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -DNDEBUG
$(B)/bench-net/bench: tools/bench-net/bench.c $(NET_TEST_HARNESS) $(NET_SRC) $(NET_HDR)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(BENCH_CFLAGS) tools/bench-net/bench.c $(NET_TEST_HARNESS) $(NET_SRC) -o $@
bench-net: $(B)/bench-net/bench
	tools/bench-net/run $(B)/bench-net/bench

# ---------------------------------------------------------------- portability check
net-check:
	@set -e; for cc in gcc clang; do \
	  for f in $(NET_SRC); do \
	    $$cc -std=c11 -pedantic -Wall -Wextra -Werror -O2 -ffreestanding -fno-builtin -I. -c $$f -o $(B)/net-check.o; \
	    if objdump -h $(B)/net-check.o | awk '$$2 ~ /^\.(data|bss)$$/ && $$3 !~ /^0+$$/ {bad=1} END {exit !bad}'; then \
	      echo "net-check: $$f has writable static data"; exit 1; fi; \
	  done; done; rm -f $(B)/net-check.o
	@! grep -h '#include <' $(NET_SRC) $(NET_HDR) | grep -v -E '<(stdint|stddef|stdbool|string|limits)\.h>' || \
	  { echo "net-check: header outside the allowed set"; exit 1; }
	@echo "net-check: ok (gcc, clang; c11 pedantic; no writable statics; allowed headers only)"
