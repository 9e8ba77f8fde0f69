# tools/bench/bench.mk - make bench: pikaos against a Linux guest, side by side
# (included from the top-level Makefile; tools/bench/README says what it does).
#
#   make bench [SMP_LIST="1 2"] [RUNS=3] [DURATION=10] [CONC="8 32"] [KA_CONC=32]
#              [OFFLOADS=common|device] [ACCEL=tcg] [MEM=512M] [ONLY=bulk,keepalive_c32]
#              [LOSSY_MB=100] [LOSSY_SEED=1] [LOSSY_OPTS="--loss 5 --dup 1 ..."]
# LOSSY_MB=0 leaves out the lossy workload (its relay, tools/bench/lossy.c,
# is built to $(B)/bench/lossy).
# Then PIKA's load-balancing evaluation (tools/bench/lb, SMP=LB_SMP with the
# open-loop client tools/bench/oload.c): LB=0 leaves it out, make bench-lb
# runs it alone.
#   [LB_SMP=4] [LB_RATE=200] [LB_DURATION=30] [LB_RUNS=1] [LB_SCHEMES="naive tournament:2 ..."]
# Results: bench/results/<UTC timestamp>/ (CSV, tables, plots; not in git).
# Needs root (a network namespace and a tap device). Not part of make test,
# which runs tests/e2e/bench_smoke.sh (one 2-second run per side) instead.
SMP_LIST ?= 1 2
RUNS     ?= 3
DURATION ?= 10
CONC     ?= 8 32
KA_CONC  ?= 32
OFFLOADS ?= common
LOSSY_MB ?= 100
LOSSY_SEED ?= 1
LOSSY_OPTS ?=
LB ?= 1
LB_SMP ?= 4
LB_RATE ?= 200
LB_DURATION ?= 30
LB_RUNS ?= 1
LB_SCHEMES ?= naive unfiltered:2 unfiltered:100 filtered:2 tournament:2
LB_RUN = B=$(B) tools/bench/lb --smp $(LB_SMP) --rate $(LB_RATE) --duration $(LB_DURATION) --runs $(LB_RUNS) \
	--schemes "$(LB_SCHEMES)" --accel $(ACCEL) --mem $(MEM)

.PHONY: bench bench-lb
bench: deps kernel user $(B)/bench/lossy $(B)/bench/oload
	B=$(B) tools/bench/bench --smp-list "$(SMP_LIST)" --runs $(RUNS) --duration $(DURATION) \
		--conc "$(CONC)" --ka-conc $(KA_CONC) --offloads $(OFFLOADS) --accel $(ACCEL) --mem $(MEM) \
		--lossy-mb $(LOSSY_MB) --lossy-seed $(LOSSY_SEED) --lossy-opts="$(LOSSY_OPTS)" \
		$(if $(ONLY),--only $(ONLY))
	$(if $(filter 1,$(LB)),$(LB_RUN))

bench-lb: deps kernel user $(B)/bench/oload
	$(LB_RUN)

# the lb workload's open-loop client (a host program)
$(B)/bench/oload: tools/bench/oload.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

# the lossy workload's relay (a host program)
$(B)/bench/lossy: tools/bench/lossy.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<
