# tests/bench/bench.mk - the benchmark tools (issue 7), included by the
# top-level Makefile, whose B, CC, ALL_CFLAGS, LDFLAGS_ALL and PKG_CFLAGS
# it uses.
#
#   make bench-tools   the load generator and the bare lws peer, in $(B)/bench
#   make bench         scripts/bench.sh: every scenario against every server
#
# The tools link only libcrypto (loadgen) and libwebsockets with libev
# and libuv (lws_echo, on the loop --loop names): they do not use libsio,
# so they measure it from the outside.

BENCH_DIR := $(B)/bench
BENCH_LOADGEN := $(BENCH_DIR)/loadgen
BENCH_LWS_ECHO := $(BENCH_DIR)/lws_echo
BENCH_LG_SRC := tests/bench/loadgen.c $(wildcard tests/bench/lg_*.c)

$(BENCH_LOADGEN): $(BENCH_LG_SRC) tests/bench/lg.h tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(BENCH_LG_SRC) $(LDFLAGS_ALL) -lcrypto \
		-lpthread -lm

$(BENCH_LWS_ECHO): tests/bench/peers/lws_echo.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS_ALL) \
		$(shell pkg-config --libs libwebsockets 2>/dev/null) -lev -luv

bench-tools: $(BENCH_LOADGEN) $(BENCH_LWS_ECHO)

# BENCH_RUNS (3), BENCH_QUICK=1, BENCH_IDLE100K=1: see scripts/bench.sh.
bench:
	@BENCH_BUILD=$(B) scripts/bench.sh

.PHONY: bench bench-tools
