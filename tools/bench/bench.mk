# tools/bench/bench.mk - make bench: pikaos against a Linux guest, side by side
# (included from the top-level Makefile; tools/bench/README says what it does).
#
#   make bench [SMP_LIST="1 2"] [RUNS=3] [DURATION=10] [CONC="8 32"] [KA_CONC=32]
#              [OFFLOADS=common|device] [ACCEL=tcg] [MEM=512M] [ONLY=bulk,keepalive_c32]
# Results: bench/results/<UTC timestamp>/ (CSV, tables, plots; not in git).
# Needs root (a network namespace and a tap device). Not part of make test,
# which runs tests/e2e/bench_smoke.sh (one 2-second run per side) instead.
SMP_LIST ?= 1 2
RUNS     ?= 3
DURATION ?= 10
CONC     ?= 8 32
KA_CONC  ?= 32
OFFLOADS ?= common

.PHONY: bench
bench: deps kernel user
	B=$(B) tools/bench/bench --smp-list "$(SMP_LIST)" --runs $(RUNS) --duration $(DURATION) \
		--conc "$(CONC)" --ka-conc $(KA_CONC) --offloads $(OFFLOADS) --accel $(ACCEL) --mem $(MEM) \
		$(if $(ONLY),--only $(ONLY))
