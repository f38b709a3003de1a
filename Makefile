# SPDX-License-Identifier: Apache-2.0
# qberg — one GNU Makefile. Targets: all (default), test, demo, asan, tsan, valgrind, bench, fuzz, install,
# check-style, headertest, clean. Sources are discovered: add a .c file and it is built.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
OPT     ?= -O2 -g
SAN     ?=
PKGS    := libcurl openssl json-c libzstd liblz4 libbrotlienc libbrotlidec zlib

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Wno-unused-parameter
CPPFLAGS_ALL := -Iinclude -Isrc -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS_ALL   := -std=c11 $(WARN) $(OPT) $(SAN) -fPIC -fvisibility=hidden -pthread $(CFLAGS)
# libcurl is not linked: src/io/http.c loads it on first use (dlopen), so its headers are needed, not its library
LINK_PKGS := libcrypto json-c libzstd liblz4 libbrotlienc libbrotlidec zlib
LDLIBS_ALL   := $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null) -lsnappy -ldl -lpthread -lm $(LDLIBS)
LDFLAGS_ALL  := $(SAN) -pthread $(LDFLAGS)

LIB_SRC   := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(shell find tests -name 'test_*.c'))
TSUP_SRC  := tests/harness.c $(sort $(wildcard tests/support/*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
TOOL_SRC  := $(sort $(wildcard tests/tools/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TSUP_OBJ  := $(TSUP_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN  := $(foreach t,$(TEST_SRC),$(BUILD)/tests/$(basename $(notdir $(t))))
FUZZ_BIN  := $(foreach f,$(FUZZ_SRC),$(BUILD)/fuzz/replay_$(patsubst fuzz_%,%,$(basename $(notdir $(f)))))
TOOL_BIN  := $(foreach t,$(TOOL_SRC),$(BUILD)/tools/$(basename $(notdir $(t))))
BENCH_BIN := $(foreach b,$(BENCH_SRC),$(BUILD)/bench/$(basename $(notdir $(b))))

.SECONDARY:
.PHONY: all lib test test-only demo asan tsan valgrind bench fuzz install check-style headertest clean deps tests-bin
all: $(BUILD)/qberg $(BUILD)/libqberg.a $(BUILD)/libqberg.so $(BUILD)/qberg.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo 'CC $<'
	@$(CC) $(CPPFLAGS_ALL) -Itests $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libqberg.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libqberg.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS_ALL) -Wl,-soname,libqberg.so.0 -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/qberg: $(CLI_OBJ) $(BUILD)/libqberg.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(BUILD)/libqberg.a $(LDLIBS_ALL)

$(BUILD)/qberg.pc: Makefile
	@mkdir -p $(dir $@)
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: qberg\nDescription: Apache Iceberg tables in C\nVersion: %s\nRequires.private: %s\nLibs: -L$${libdir} -lqberg\nLibs.private: -lsnappy -ldl -lpthread -lm\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' "$$(sed -n 's/^#define QB_VERSION "\(.*\)"/\1/p' include/qberg/common.h)" '$(LINK_PKGS)' > $@

# One test binary per tests/<layer>/test_<module>.c, linked with the harness and the static library.
define TEST_RULE
$(BUILD)/tests/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(TSUP_OBJ) $(BUILD)/libqberg.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL)
endef
$(foreach t,$(TEST_SRC),$(eval $(call TEST_RULE,$(t))))

# fuzz/replay.c + fuzz_<target>.c: feeds every file of fuzz/corpus/<target>/ (runs under gcc in make test).
define FUZZ_RULE
$(BUILD)/fuzz/replay_$(patsubst fuzz_%,%,$(basename $(notdir $(1)))): $(BUILD)/obj/$(1:.c=.o) $(BUILD)/obj/fuzz/replay.o $(BUILD)/libqberg.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL)
endef
$(foreach f,$(FUZZ_SRC),$(eval $(call FUZZ_RULE,$(f))))

# Helper programs of the script tests (tests/tools/<name>.c -> $(BUILD)/tools/<name>) and benchmark
# programs (bench/<name>.c -> $(BUILD)/bench/<name>); script tests find them under $QB_BUILD.
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libqberg.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libqberg.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# the benchmark programs too: they use internal vtables (bench/commit_bench.c), so a change there must not
# leave them unbuildable until someone runs `make bench`
tests-bin: all $(TEST_BIN) $(FUZZ_BIN) $(TOOL_BIN) $(BENCH_BIN)

deps:
	@scripts/deps.sh

# make test: install what is missing, build, run every test; the last line is "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory tests-bin
	@$(MAKE) --no-print-directory headertest check-style
	@tests/run.sh $(BUILD)

test-only: tests-bin
	@tests/run.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' CFLAGS='-DQB_DEBUG_ARENA' tests-bin
	@ASAN_OPTIONS=detect_leaks=1 QB_SANITIZED=1 tests/run.sh build-asan

# ThreadSanitizer (clang) over the tests of the code that runs on two threads: the ingest's writer thread
# (s3.sh: raw files read from S3 while the writer thread writes to an S3 warehouse) and the ML job's worker
# (util/worker.c; threads.sh runs qberg features on two threads, test_ml_faults under warehouse faults), and
# a catalog lease's renewal thread (test_lease; one_batch_s3.sh: the ingest's lease on radosgw).
TSAN_BINS    ?= test_ingest_writer test_worker test_ml_faults test_lease
TSAN_SCRIPTS ?= tests/pipeline/threads.sh tests/pipeline/s3.sh tests/pipeline/one_batch_s3.sh
tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=clang OPT='-O1 -g' SAN='-fsanitize=thread' \
	  build-tsan/qberg $(TSAN_BINS:%=build-tsan/tests/%)
	@set -e; export TSAN_OPTIONS='halt_on_error=1 exitcode=66' QBERG=$(CURDIR)/build-tsan/qberg \
	  QB_BUILD=$(CURDIR)/build-tsan QB_TEST_DATA=$(CURDIR)/tests/data QB_ROOT=$(CURDIR) \
	  QB_ORACLES=$(CURDIR)/tests/oracles; \
	for t in $(TSAN_BINS); do build-tsan/tests/$$t; done; \
	for s in $(TSAN_SCRIPTS); do d=$$(mktemp -d); TMPDIR=$$d bash $$s; rm -rf $$d; done

valgrind: tests-bin
	@QB_VALGRIND=1 tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

bench: all $(BENCH_BIN)
	@for b in bench/*.sh; do echo "== $$b"; BUILD=$(BUILD) $$b || exit 1; done

fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT='-O1 -g' \
	  SAN='-fsanitize=fuzzer-no-link,address,undefined' lib-fuzz

.PHONY: lib-fuzz
lib-fuzz: $(BUILD)/libqberg.a
	@mkdir -p $(BUILD)/fuzzers
	@for f in $(FUZZ_SRC); do t=$$(basename $$f .c); \
	  echo "clang $$t"; clang $(CPPFLAGS_ALL) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined $$f \
	    $(BUILD)/libqberg.a $(LDLIBS_ALL) -o $(BUILD)/fuzzers/$$t || exit 1; done
	@echo "fuzzers in $(BUILD)/fuzzers; run e.g. $(BUILD)/fuzzers/fuzz_x fuzz/corpus/x -runs=1000000"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/qberg
	install -m 755 $(BUILD)/qberg $(DESTDIR)$(PREFIX)/bin/qberg
	install -m 644 $(BUILD)/libqberg.a $(DESTDIR)$(PREFIX)/lib/libqberg.a
	install -m 755 $(BUILD)/libqberg.so $(DESTDIR)$(PREFIX)/lib/libqberg.so.0
	ln -sf libqberg.so.0 $(DESTDIR)$(PREFIX)/lib/libqberg.so
	install -m 644 include/qberg/*.h $(DESTDIR)$(PREFIX)/include/qberg/
	install -m 644 $(BUILD)/qberg.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/qberg.pc

# Each public header compiles alone under -pedantic (libgit2 headertest).
headertest:
	@for h in include/qberg/*.h; do \
	  printf '#include "%s"\nint main(void){return 0;}\n' "$${h#include/}" | \
	  $(CC) -std=c11 -pedantic -Werror -Wall -Iinclude -x c - -o /dev/null || { echo "headertest: $$h"; exit 1; }; done

# What clang-format cannot see: printing/exiting in the library, and includes of a higher layer.
check-style:
	@scripts/check-style.sh

clean:
	rm -rf build build-asan build-fuzz build-tsan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
