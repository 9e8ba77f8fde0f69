# tests/fuzz/netd/: libFuzzer targets for netd's socket service and the
# monitor protocol (hostile clients and peers). Included by the Makefile
# after net/net.mk (they run over the stack and the net test harness).
#
#   make fuzz-netd     both targets for FUZZ_SECONDS each (seeds in tests/fuzz/netd/seeds/)
# make test replays the seeds and saved findings (the unit tests below) and
# runs each target for FUZZ_TEST_SECONDS (tools/test-all).

NETD_FUZZ_SOCK_SRC := tests/fuzz/netd/fuzz_sock.c tests/fuzz/netd/world.c user/netd/sock.c user/netd/sockshm.c user/netd/cm.c \
	user/netd/lb.c user/netd/pin.c
NETD_FUZZ_MON_SRC := tests/fuzz/netd/fuzz_monitor.c
NETD_FUZZ_HDR := $(wildcard user/netd/*.h libc/include/pikaos/*.h) monitor/monitor.c

$(B)/unit/netd/sock_fuzz_test: UNIT_CFLAGS += -DFUZZ_TARGET=sock -DSRC_ROOT='"$(CURDIR)"'
$(eval $(call unit_test,netd/sock_fuzz_test,tests/unit/netd/fuzz_replay_test.c $(NETD_FUZZ_SOCK_SRC) $(NET_UNIT_DEPS)))
$(B)/unit/netd/monitor_fuzz_test: UNIT_CFLAGS += -DFUZZ_TARGET=monitor -DSRC_ROOT='"$(CURDIR)"'
$(eval $(call unit_test,netd/monitor_fuzz_test,tests/unit/netd/fuzz_replay_test.c $(NETD_FUZZ_MON_SRC)))
$(B)/unit/netd/sock_fuzz_test $(B)/unit/netd/monitor_fuzz_test: $(NETD_FUZZ_HDR)
# PIKA's claims in the socket service, on the same world (tests/unit/netd/claim_test.c)
$(eval $(call unit_test,netd/claim_test,tests/unit/netd/claim_test.c $(filter-out tests/fuzz/netd/fuzz_sock.c,$(NETD_FUZZ_SOCK_SRC)) $(NET_UNIT_DEPS)))
$(B)/unit/netd/claim_test: $(NETD_FUZZ_HDR) tests/fuzz/netd/world.h

NETD_FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. \
	-idirafter libc/include -DNETD_FUZZ_MAIN
$(B)/fuzz/netd_sock: $(NETD_FUZZ_SOCK_SRC) $(NET_TEST_HARNESS) $(NET_SRC) $(NET_HDR) $(NETD_FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(NETD_FUZZ_FLAGS) $(NETD_FUZZ_SOCK_SRC) $(NET_TEST_HARNESS) $(NET_SRC) -o $@
$(B)/fuzz/monitor: $(NETD_FUZZ_MON_SRC) $(NETD_FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(NETD_FUZZ_FLAGS) $(NETD_FUZZ_MON_SRC) -o $@

.PHONY: fuzz-netd fuzzers
fuzzers: $(B)/fuzz/net_rx $(B)/fuzz/netd_sock $(B)/fuzz/monitor
fuzz-netd: $(B)/fuzz/netd_sock $(B)/fuzz/monitor
	@mkdir -p $(B)/fuzz/crashes
	for t in netd_sock:sock monitor:monitor; do \
		bin=$${t%%:*}; seeds=$${t##*:}; mkdir -p $(B)/fuzz/corpus-$$bin; \
		$(B)/fuzz/$$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/crashes/$$bin- $(B)/fuzz/corpus-$$bin tests/fuzz/netd/seeds/$$seeds \
			> $(B)/fuzz/$$bin.log 2>&1 || { tail -40 $(B)/fuzz/$$bin.log; exit 1; }; \
	done
