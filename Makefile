# sioc - top-level Makefile.
#
#   make            build the runtime (build/lib), sioc (build/bin) and the
#                   examples (build/examples)
#   make run        build and serve the example on 127.0.0.1
#   make test       build and run every test suite, plain then under
#                   AddressSanitizer + UBSan; ends with "N passed, N failed"
#   make fuzz       run each libFuzzer target for FUZZ_RUNS runs
#   make soak       churn clients through the chat for SOAK_SECONDS (1800)
#                   and watch its memory and descriptors (make test runs
#                   60 seconds of it)
#   make install    PREFIX=/usr/local: headers, libraries, libsio.pc
#   make deps       install what is missing (Debian packages, npm packages)
#   make clean
#
# SAN=1 builds everything into build/san with the sanitizers.

SHELL := /bin/bash
PREFIX ?= /usr/local
CC ?= cc
FUZZ_CC ?= clang
FUZZ_RUNS ?= 20000
SONAME_MAJOR := 0
VERSION := 0.1.0

ifeq ($(SAN),1)
B := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
OPT := -O1
else
B := build
SANFLAGS :=
OPT := -O2
endif

PKGS := libwebsockets jansson hiredis msgpack
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC \
	-Iruntime/include $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lev -lcrypto -lz -lpthread

# ---- runtime: libsio ---------------------------------------------------
# One folder per layer under runtime/src; a layer sees the internal
# headers of the layers it may use and no others, so a forbidden include
# does not compile. ext/ holds the core's extension interface, the one
# core header web sees. cluster/ (Redis) uses the public API and the
# codec only. app/ (sio_app.h: the process around a server) sees the
# public headers only. Examples and generated code see runtime/include only.
RT_LAYERS := util codec transport core web admin cluster app
RT_SEES_util := util
RT_SEES_codec := util codec
RT_SEES_transport := util codec transport
RT_SEES_core := util codec ext core
RT_SEES_web := util codec ext web
RT_SEES_cluster := util codec cluster
RT_SEES_app := app
# admin: the public API only (sio.h, eio.h), like an application.
RT_SEES_admin := util admin
RT_INTERNAL_INC := $(RT_LAYERS:%=-Iruntime/src/%) -Iruntime/src/ext

RT_SRC := $(wildcard $(RT_LAYERS:%=runtime/src/%/*.c))
RT_OBJ := $(RT_SRC:runtime/src/%.c=$(B)/obj/runtime/%.o)
LIB_A := $(B)/lib/libsio.a
LIB_SO := $(B)/lib/libsio.so.$(VERSION)

define rt_layer
$(B)/obj/runtime/$(1)/%.o: runtime/src/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(RT_SEES_$(1):%=-Iruntime/src/%) -c $$< -o $$@
endef
$(foreach l,$(RT_LAYERS),$(eval $(call rt_layer,$(l))))

$(LIB_A): $(RT_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(RT_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libsio.so.$(SONAME_MAJOR) \
		-Wl,--version-script=runtime/libsio.map $(LDFLAGS_ALL) \
		-o $@ $^ $(LIBS)
	ln -sf libsio.so.$(VERSION) $(B)/lib/libsio.so.$(SONAME_MAJOR)
	ln -sf libsio.so.$(SONAME_MAJOR) $(B)/lib/libsio.so

lib: $(LIB_A) $(LIB_SO)

# ---- generator: sioc ----------------------------------------------------
GEN_RE := $(wildcard gen/*.re)
GEN_SRC := $(wildcard gen/*.c)
GEN_OBJ := $(GEN_SRC:gen/%.c=$(B)/obj/gen/%.o) \
	$(GEN_RE:gen/%.re=$(B)/obj/gen/%.o)
SIOC := $(B)/bin/sioc

$(B)/gen-src/%.c: gen/%.re
	@mkdir -p $(@D)
	re2c -W -Werror --no-generation-date -o $@ $<

$(B)/obj/gen/%.o: gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igen -c $< -o $@

$(B)/obj/gen/%.o: $(B)/gen-src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igen -c $< -o $@

$(SIOC): $(GEN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^

ifneq ($(GEN_SRC),)
GEN_TARGET := $(SIOC)
endif

# ---- examples -----------------------------------------------------------
EXAMPLES := $(notdir $(wildcard examples/*))
EXAMPLE_BINS := $(EXAMPLES:%=$(B)/examples/%)

# An example is every .c file of its folder, linked with libsio.a;
# examples/NAME/example.mk may add generated sources to EX_OBJ_NAME.
-include $(wildcard examples/*/example.mk)

# An example with a schema of its name (schemas/NAME.sio) is built from
# it: sioc writes $(B)/schema/NAME.sio.[ch], compiled into the example,
# whose sources include "NAME.sio.h".
SCHEMA_EXAMPLES := $(filter $(EXAMPLES),$(basename $(notdir $(wildcard schemas/*.sio))))
ALL_CFLAGS += -I$(B)/schema

$(B)/schema/%.sio.c $(B)/schema/%.sio.h: schemas/%.sio $(SIOC)
	@mkdir -p $(@D)
	$(SIOC) -o $(B)/schema $<

$(B)/obj/schema/%.sio.o: $(B)/schema/%.sio.c $(B)/schema/%.sio.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

define schema_example
EX_OBJ_$(1) += $(B)/obj/schema/$(1).sio.o
$(patsubst %.c,$(B)/obj/%.o,$(wildcard examples/$(1)/*.c)): $(B)/schema/$(1).sio.h
endef
$(foreach e,$(SCHEMA_EXAMPLES),$(eval $(call schema_example,$(e))))
# Generated files are outputs to keep (and to read), not intermediates.
.SECONDARY: $(foreach e,$(SCHEMA_EXAMPLES),$(B)/schema/$(e).sio.c \
	$(B)/schema/$(e).sio.h $(B)/obj/schema/$(e).sio.o)

# The chat page's client bundle: socket.io-client's dist/socket.io.js,
# from the npm packages of tests/ (scripts/deps.sh: the network), copied
# at build time. Plain make builds without it and says so.
CLIENT_JS_SRC := tests/node_modules/socket.io-client/dist/socket.io.js
CLIENT_JS := $(B)/chat/socket.io.js
$(CLIENT_JS): $(CLIENT_JS_SRC)
	@mkdir -p $(@D)
	cp $< $@
# Where sio_app finds it by default, as after make install: ../share/sioc
# from the directory of a program linked with libsio.a (build/examples).
SHARE_CLIENT_JS := $(B)/share/sioc/socket.io.js
$(SHARE_CLIENT_JS): $(CLIENT_JS_SRC)
	@mkdir -p $(@D)
	cp $< $@

.SECONDEXPANSION:
$(B)/examples/%: $$(addprefix $(B)/obj/,$$(subst .c,.o,$$(wildcard examples/$$*/*.c))) $$(EX_OBJ_$$*) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIB_A) $(LIBS)

$(B)/obj/examples/%.o: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# ---- unit tests (cmocka) -------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)

# Link-time seams some tests need (-Wl,--wrap=SYMBOL: the test defines
# __wrap_SYMBOL, e.g. a clock it sets).
UNIT_SEAMS_test_store := -Wl,--wrap=clock_gettime
ALLOC_SEAMS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
UNIT_SEAMS_test_rooms := $(ALLOC_SEAMS)
UNIT_SEAMS_test_sio_server := $(ALLOC_SEAMS)

# A test of generated code includes what sioc writes from
# tests/unit/schema/NAME.sio (into $(B)/tests/unit/schema).
UNIT_SCHEMA_test_typed_targets := $(B)/tests/unit/schema/targets.sio.c
$(B)/tests/unit/test_typed_targets: $(UNIT_SCHEMA_test_typed_targets)
$(B)/tests/unit/schema/%.sio.c: tests/unit/schema/%.sio $(SIOC)
	@mkdir -p $(@D)
	$(SIOC) -o $(@D) $<

$(B)/tests/unit/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(RT_INTERNAL_INC) -I$(B)/tests/unit/schema \
		-Wno-missing-prototypes -o $@ $< \
		$(LIB_A) $(LDFLAGS_ALL) $(UNIT_SEAMS_$*) $(LIBS) -lcmocka

# ---- the Redis suite's probe server (tests/redis/probe.c) ------------------
REDIS_PROBE := $(B)/tests/redis/probe
$(REDIS_PROBE): tests/redis/probe.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_A) $(LDFLAGS_ALL) $(LIBS)

# ---- fuzz targets ---------------------------------------------------------
# Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput; replay_NAME
# links it with a plain driver (gcc, sanitizers per SAN) so make test can
# replay tests/fuzz/corpus/NAME; fuzz_NAME is the libFuzzer build.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(B)/tests/fuzz/replay_%)

$(B)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(RT_INTERNAL_INC) -Wno-missing-prototypes -Igen \
		-o $@ $< tests/fuzz/replay.c $(LIB_A) $(LDFLAGS_ALL) $(LIBS)

# fuzz_schema compiles the generator's sources, re2c's output included,
# into itself (one translation unit: gen/ static names stay unique).
$(B)/tests/fuzz/replay_schema: $(B)/gen-src/lexer.c $(GEN_SRC) $(wildcard gen/*.h)
$(B)/tests/fuzz/replay_schema: ALL_CFLAGS += -I$(B)/gen-src
build/fuzz/fuzz_schema: build/gen-src/lexer.c
FUZZ_EXTRA_schema := -Ibuild/gen-src

# The runtime is compiled once for libFuzzer (coverage, ASan, UBSan) and
# linked into every target.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iruntime/include \
	$(RT_INTERNAL_INC) -Igen $(PKG_CFLAGS) -MMD -MP
FUZZ_RT_OBJ := $(RT_SRC:runtime/src/%.c=build/fuzz/obj/%.o)
FUZZ_BINS := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_RT_OBJ)

build/fuzz/obj/%.o: runtime/src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_RT_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(FUZZ_RT_OBJ) $(FUZZ_EXTRA_$*) $(LIBS)

fuzz: $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz $$n: $(FUZZ_RUNS) runs"; \
		build/fuzz/fuzz_$$n -runs=$(FUZZ_RUNS) -max_len=4096 \
			build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# ---- top-level targets ------------------------------------------------------
all: lib $(GEN_TARGET) examples

examples: $(EXAMPLE_BINS) client-js

client-js:
ifneq ($(wildcard $(CLIENT_JS_SRC)),)
client-js: $(CLIENT_JS) $(SHARE_CLIENT_JS)
else
	@echo "note: the chat page's client bundle is not built: it comes" \
		"from npm ($(CLIENT_JS_SRC)); run 'make deps' (make run and" \
		"make test do)" >&2
endif

test-build: all $(UNIT_BINS) $(REPLAY_BINS) $(REDIS_PROBE)

# The fuzz suite's short campaign runs once, on the plain build's turn.
ifneq ($(SAN),1)
ifneq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
test-build: $(FUZZ_BINS)
endif
endif

deps:
	@scripts/deps.sh

# make test: deps, plain build and run, then the sanitized build and run.
test:
	@scripts/deps.sh --quiet
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory SAN=1 test-build
	@scripts/run-tests.sh build build/san

# The long soak; tests/soak/run.sh is the short one make test runs.
SOAK_SECONDS ?= 1800
SOAK_CLIENTS ?= 300
soak:
	@scripts/deps.sh --quiet
	@$(MAKE) --no-print-directory all
	@SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CLIENTS=$(SOAK_CLIENTS) \
		tests/soak/run.sh $(B)

# One pass only (no deps check), for quick iterations: make check [SAN=1]
check: test-build
	@scripts/run-tests.sh $(B)

RUN_EXAMPLE ?= $(if $(wildcard examples/chat),chat,conformance)
run:
	@scripts/deps.sh --quiet
	@$(MAKE) --no-print-directory all
	@exec $(B)/examples/$(RUN_EXAMPLE) --host 127.0.0.1 \
		$(if $(filter chat,$(RUN_EXAMPLE)),--www examples/chat/www --client-js $(CLIENT_JS))

-include mk/install.mk

format:
	clang-format -i runtime/include/*.h runtime/src/*/*.[ch] \
		$(wildcard gen/*.[ch]) $(wildcard examples/*/*.c)

clean:
	rm -rf build

FORCE:
.PHONY: all lib examples client-js test test-build check run deps fuzz soak \
	format clean FORCE
.DEFAULT_GOAL := all

# make bench / bench-tools: the load generator and its peers (docs/bench.md).
-include tests/bench/bench.mk
test-build: bench-tools

# The allocation counter the interop suite preloads into the bench server
# (tests/interop/alloc.test.mjs); not under the sanitizers, whose runtime
# must come first.
ALLOC_COUNT_SO := $(B)/tests/interop/alloc_count.so
$(ALLOC_COUNT_SO): tests/interop/alloc_count.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -fPIC -shared -o $@ $<
ifneq ($(SAN),1)
test-build: $(ALLOC_COUNT_SO)
endif

# The server of tests/interop/hooks.test.mjs, from tests/interop/hooks.sio
# (socket data, disconnect handler and middleware, as clients see them).
HOOKS_SERVER := $(B)/tests/interop/hooks_server
$(B)/tests/interop/hooks.sio.c $(B)/tests/interop/hooks.sio.h: tests/interop/hooks.sio $(SIOC)
	@mkdir -p $(@D)
	$(SIOC) -o $(@D) $<
$(HOOKS_SERVER): tests/interop/hooks_server.c $(B)/tests/interop/hooks.sio.c $(B)/tests/interop/hooks.sio.h $(LIB_A)
	$(CC) $(ALL_CFLAGS) -I$(@D) $(LDFLAGS_ALL) -o $@ $< $(@D)/hooks.sio.c $(LIB_A) $(LIBS)
test-build: $(HOOKS_SERVER)

-include $(RT_OBJ:.o=.d) $(GEN_OBJ:.o=.d) $(FUZZ_RT_OBJ:.o=.d) \
	$(FUZZ_BINS:=.d) $(UNIT_BINS:=.d) $(REPLAY_BINS:=.d) \
	$(wildcard $(B)/obj/examples/*/*.d $(B)/obj/schema/*.d)
