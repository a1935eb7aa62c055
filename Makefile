# Marsad — build, run and test. See README.md.
#
#   make            build build/marsad and the default database build/marsad.db
#   make run        the above, then serve on 127.0.0.1:8080
#   make test       every test, then again under AddressSanitizer + UBSan
#   make check      test + lint + format-check + check-layers (what CI runs)

CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
SANITIZE ?= 0
HOST ?= 127.0.0.1
PORT ?= 8080

LIBS_PKGS := libmicrohttpd jansson sqlite3 zlib
TEST_PKGS := cmocka libcurl

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings \
        -Wcast-qual -Wnull-dereference -Werror
BASE_CFLAGS := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -pthread
ifeq ($(SANITIZE),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OPT := -O2 -g
endif
# Recursive (=) so pkg-config runs after scripts/deps.sh has installed what is missing.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PKGS)) -lm
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(WARN) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) -pthread $(LDFLAGS)

# One folder per layer (README "Layers"): base, domain, store, http, api, app.
SRC := $(wildcard server/*/*.c)
OBJ := $(patsubst server/%.c,$(BUILD)/obj/%.o,$(SRC)) $(BUILD)/obj/embedded.o
MAIN_OBJ := $(BUILD)/obj/app/main.o
LIB_OBJ := $(filter-out $(MAIN_OBJ),$(OBJ))
# Everything but main() as one static library: the server, every test and (built with
# the fuzz flags) every fuzz target link it, and the linker takes the objects each needs.
LIB := $(BUILD)/libmarsad.a
# The explorer at / (explorer/, served by server/api/docs_handlers.c).
EXPLORER_FILES := explorer/index.html explorer/app.js explorer/app.css \
                  explorer/vendor/plot.umd.min.js explorer/vendor/d3.min.js
EMBED_FILES := $(sort $(wildcard db/migrations/*.sql) $(wildcard db/seed/*.json) \
               $(wildcard db/seed/claims/*.json) $(wildcard db/sources/*.txt) \
               openapi.yaml $(BUILD)/gen/openapi.json docs/index.html docs/vendor/redoc.standalone.js \
               $(EXPLORER_FILES))
# Tests mirror the layers: tests/unit/<layer>/ (one module, no server), tests/api/ (the
# route table without sockets), tests/system/ (the binary or a server over real sockets),
# tests/data/ (the curated database); plus fuzz/, soak/ and contract/.
TEST_SRC := $(wildcard tests/unit/*/test_*.c tests/api/test_*.c tests/system/test_*.c tests/data/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
HELPER_OBJ := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%.o,$(wildcard tests/helpers/*.c))
DEPS_STAMP := $(BUILD)/.deps-build
TEST_DEPS_STAMP := $(BUILD)/.deps-test

.SECONDARY:
.PHONY: all run test test-run check asan lint format format-check check-layers deps clean db

all: $(BUILD)/marsad $(BUILD)/marsad.db $(BUILD)/marsad-synth

$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@sh scripts/deps.sh build
	@touch $@

$(TEST_DEPS_STAMP):
	@mkdir -p $(BUILD)
	@sh scripts/deps.sh test
	@touch $@

deps: $(DEPS_STAMP) $(TEST_DEPS_STAMP)

# Build tools get the same warnings as the server.
$(BUILD)/embed: tools/embed.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(WARN) -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(EMBED_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ $(EMBED_FILES)

$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c include/embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(OPT) -c -o $@ $<

# Each object depends on the headers it includes, as the compiler lists them (-MMD -MP
# writes a .d file beside it; a deleted header leaves a phony target, not a broken build),
# and on this Makefile (its flags, and objects built before there were .d files).
$(BUILD)/obj/%.o: server/%.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

-include $(OBJ:.o=.d)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/marsad: $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(MAIN_OBJ) $(LIB) $(PKG_LIBS)

# The benchmark's database generator: a tool of its own (not in the server), built with
# the same flags and linked with the same library.
$(BUILD)/marsad-synth: tools/synth/synth.c tools/synth/synth.h $(LIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itools/synth -MMD -MP -o $@ $< $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS)

-include $(BUILD)/marsad-synth.d

# The default database, built deterministically from db/.
$(BUILD)/marsad.db: $(BUILD)/marsad $(EMBED_FILES)
	@rm -f $@ $@-wal $@-shm
	$(BUILD)/marsad build-db --out $@

db: $(BUILD)/marsad.db

run: all
	$(BUILD)/marsad serve --host $(HOST) --port $(PORT) --db $(BUILD)/marsad.db

$(BUILD)/tests/helpers/%.o: tests/helpers/%.c Makefile | $(TEST_DEPS_STAMP) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/helpers -MMD -MP -c -o $@ $<

-include $(HELPER_OBJ:.o=.d) $(TEST_BIN:=.d)

$(BUILD)/tests/%: tests/%.c $(LIB) $(HELPER_OBJ) Makefile | $(TEST_DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/helpers -MMD -MP -o $@ $< $(HELPER_OBJ) $(LIB) \
	    $(LDFLAGS_ALL) $(PKG_LIBS) $(TEST_LIBS)

# Runs every test binary of this build; tests find the server binary and data through env.
test-run: $(TEST_DEPS_STAMP) $(BUILD)/marsad $(BUILD)/marsad.db $(BUILD)/marsad-synth $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do \
	    echo "== $$t"; \
	    MARSAD_BIN=$(BUILD)/marsad MARSAD_SYNTH=$(BUILD)/marsad-synth MARSAD_TEST_DB=$(BUILD)/marsad.db $$t; \
	done
	@sh tests/test_deps.sh
	@echo "== all tests passed ($(BUILD))"

asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 test-run

test: $(TEST_DEPS_STAMP)
	$(MAKE) test-run
	$(MAKE) asan

LINT_BANNED := '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets)[[:space:]]*\('
lint:
	@if grep -nE $(LINT_BANNED) server/*/*.c include/*.h tests/unit/*/*.c tests/api/*.c tests/system/*.c tests/data/*.c tests/helpers/*.[ch] tools/*.c tools/synth/*.[ch]; then \
	    echo "lint: banned function used (see STYLE rule 7)"; exit 1; fi
	@echo "lint: no banned functions"

FORMAT_FILES = $(wildcard server/*/*.c include/*.h tests/unit/*/*.c tests/api/*.c tests/system/*.c tests/data/*.c tests/helpers/*.[ch] tools/*.c tools/synth/*.[ch])
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: clean"

check-layers: | $(DEPS_STAMP)
	@CC="$(CC)" LAYER_CFLAGS="$(BASE_CFLAGS) $(PKG_CFLAGS)" sh scripts/check-layers.sh

check: test lint format-check check-layers

clean:
	rm -rf build

# ---- Hardening: fuzzing, valgrind, soak (see SECURITY.md) -------------------
#
#   make fuzz       every libFuzzer target in tests/fuzz for FUZZ_SECONDS (default 60)
#                   each, built with Debian's clang and ASan + UBSan; FUZZ_SECONDS=0
#                   only replays the seed corpora (regression inputs included)
#   make valgrind   the integration tests, then the server binary, under memcheck
#   make soak       SOAK_SECONDS (default 120) of mixed load; $(BUILD)/soak/report.md

.PHONY: fuzz fuzz-build valgrind soak bench-extract

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_TARGETS ?= query router cursor write_json csv pdate json_escape extract consistency
FUZZ_STAMP := $(FUZZ_DIR)/.deps
FUZZ_SAN := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(BASE_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(shell $(PKG_CONFIG) --cflags jansson)
FUZZ_LIBS = $(shell $(PKG_CONFIG) --libs jansson) -lm
# The server's library built with the fuzz flags; each target takes from it what it needs.
FUZZ_LIB := $(FUZZ_DIR)/libmarsad.a
FUZZ_LIB_OBJ := $(patsubst server/%.c,$(FUZZ_DIR)/obj/%.o,$(filter-out server/app/main.c,$(SRC)))

$(FUZZ_STAMP):
	@mkdir -p $(dir $@)
	@FUZZ_CC=$(FUZZ_CC) sh tests/fuzz/deps.sh fuzz
	@touch $@

# Server code is held to -Werror by gcc; clang's opinion is shown, not fatal here.
$(FUZZ_DIR)/obj/%.o: server/%.c $(wildcard include/*.h) | $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) -Wno-error -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(wildcard include/*.h) | $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) -Itests/fuzz -c -o $@ $<

$(FUZZ_DIR)/gen/route_stubs.c: server/api/routes.c tests/fuzz/gen_route_stubs.sh
	@mkdir -p $(dir $@)
	sh tests/fuzz/gen_route_stubs.sh server/api/routes.c > $@

$(FUZZ_DIR)/obj/route_stubs.o: $(FUZZ_DIR)/gen/route_stubs.c | $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

define FUZZ_LINK_RULE
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_DIR)/obj/fuzz_$(1).o $(if $(filter router,$(1)),$(FUZZ_DIR)/obj/route_stubs.o) $(FUZZ_LIB)
	$$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_LINK_RULE,$(t))))

fuzz-build: $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))

# New inputs go to $(FUZZ_DIR)/corpus (the seeds in tests/fuzz/corpus stay as committed);
# crashes to $(FUZZ_DIR)/artifacts. Add each crash input to tests/fuzz/corpus/<target>/.
fuzz: fuzz-build
	@fails=""; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t $(FUZZ_DIR)/logs; \
	    if [ "$(FUZZ_SECONDS)" -gt 0 ]; then lim="-max_total_time=$(FUZZ_SECONDS)"; else lim="-runs=0"; fi; \
	    dict=""; [ -f tests/fuzz/dict/$$t.dict ] && dict="-dict=tests/fuzz/dict/$$t.dict"; \
	    echo "== fuzz_$$t ($(FUZZ_SECONDS)s)"; \
	    if ! $(FUZZ_DIR)/fuzz_$$t $$lim $$dict -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
	        $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_DIR)/logs/$$t.log 2>&1; then \
	        tail -n 60 $(FUZZ_DIR)/logs/$$t.log; \
	        echo "fuzz: fuzz_$$t failed; input in $(FUZZ_DIR)/artifacts/$$t/"; \
	        fails="$$fails $$t"; \
	    fi; \
	    grep -E '^Done' $(FUZZ_DIR)/logs/$$t.log | tail -n 1; \
	done; \
	if [ -n "$$fails" ]; then echo "== fuzz: FAILED:$$fails"; exit 1; fi
	@echo "== fuzz: no crash in $(FUZZ_TARGETS)"

VALGRIND ?= valgrind
VALGRIND_FLAGS ?= -q --tool=memcheck --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible \
    --num-callers=30 $(if $(wildcard tests/valgrind.supp),--suppressions=tests/valgrind.supp)
VALGRIND_TESTS = $(filter $(BUILD)/tests/system/test_http_server $(BUILD)/tests/system/test_process \
                 $(BUILD)/tests/api/test_api_% $(BUILD)/tests/system/test_hostile \
                 $(BUILD)/tests/system/test_slowloris $(BUILD)/tests/system/test_load_shedding,$(TEST_BIN))

# Valgrind and the sanitizers do not mix: use a plain build (SANITIZE=0).
valgrind: $(TEST_DEPS_STAMP) $(BUILD)/marsad $(BUILD)/marsad.db $(BUILD)/marsad-synth $(VALGRIND_TESTS)
	@if [ "$(SANITIZE)" = 1 ]; then echo "valgrind: needs SANITIZE=0"; exit 2; fi
	@sh tests/fuzz/deps.sh valgrind
	@fails=""; for t in $(VALGRIND_TESTS); do \
	    echo "== valgrind $$t"; \
	    MARSAD_VALGRIND=1 MARSAD_BIN=$(BUILD)/marsad MARSAD_SYNTH=$(BUILD)/marsad-synth \
	        MARSAD_TEST_DB=$(BUILD)/marsad.db \
	        $(VALGRIND) $(VALGRIND_FLAGS) $$t || fails="$$fails $$t"; \
	done; \
	echo "== valgrind $(BUILD)/marsad serve (tests/valgrind-server.sh)"; \
	VALGRIND="$(VALGRIND)" sh tests/valgrind-server.sh $(BUILD)/marsad $(BUILD)/marsad.db \
	    $(BUILD)/valgrind || fails="$$fails tests/valgrind-server.sh"; \
	if [ -n "$$fails" ]; then echo "== valgrind: FAILED:$$fails"; exit 1; fi
	@echo "== valgrind: no errors, no leaks ($(BUILD))"

SOAK_SECONDS ?= 120
soak: $(BUILD)/marsad $(BUILD)/marsad.db
	@sh tests/fuzz/deps.sh soak
	SOAK_SECONDS=$(SOAK_SECONDS) sh tests/soak/soak.sh $(BUILD)/marsad $(BUILD)/marsad.db $(BUILD)/soak

# Benchmarks (BENCHMARKS.md): Marsad vs a fixed-body MHD ceiling and Express + better-sqlite3
# on synthetic databases (marsad-synth, tools/synth/), always in build/bench. Loopback only.
BENCH_SECONDS ?= 10
BENCH_DIR := build/bench
.PHONY: bench bench-callgrind bench-deps bench-build
bench-deps:
	@sh scripts/deps.sh build
	@sh bench/deps.sh

bench-build: bench-deps
	$(MAKE) BUILD=$(BENCH_DIR) SANITIZE=0 $(BENCH_DIR)/marsad $(BENCH_DIR)/marsad-synth
	$(CC) $(BASE_CFLAGS) -O2 -g $(WARN) $(PKG_CFLAGS) -o $(BENCH_DIR)/ceiling bench/ceiling.c \
	    $(shell $(PKG_CONFIG) --libs libmicrohttpd)

bench: bench-build bench-extract
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_BUILD=$(BENCH_DIR) node bench/run.mjs

# The claim-candidate extractor: quality on the five documents and the time per document
# (fastest of 50 runs, pinned to one core), from the optimized build.
bench-extract: bench-deps
	$(MAKE) BUILD=$(BENCH_DIR) SANITIZE=0 $(BENCH_DIR)/marsad.db $(BENCH_DIR)/tests/unit/domain/test_extract
	MARSAD_EXTRACT_RUNS=50 MARSAD_TEST_DB=$(BENCH_DIR)/marsad.db \
	    taskset -c 0 $(BENCH_DIR)/tests/unit/domain/test_extract | grep '^extract:'

bench-callgrind: bench-build
	BENCH_BUILD=$(BENCH_DIR) node bench/run.mjs --callgrind

# ---- API contract: openapi.yaml, /openapi.json and /docs (see docs/) ----------------
#
#   make contract     lint openapi.yaml (Redocly CLI), then start a server on a free port and
#                     check it against the spec: every operation and response (ajv), negative
#                     cases generated from the spec, the README's curl examples, and /docs in
#                     headless Chromium. Installs its own tools (npm ci, Debian's chromium).
#   make docs-vendor  re-vendor docs/vendor/redoc.standalone.js (redoc pinned in docs/)
#   make docs-check   re-vendor into a scratch folder; fail unless the committed copy matches
#
# /openapi.json is generated from openapi.yaml at build time by tools/yaml2json.c (libyaml +
# jansson) and compiled in with the YAML, the page and the Redoc bundle (EMBED_FILES).

.PHONY: contract docs-vendor docs-check explorer-vendor explorer-check

YAML2JSON_PKGS := yaml-0.1 jansson

$(BUILD)/yaml2json: tools/yaml2json.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(WARN) $(shell $(PKG_CONFIG) --cflags $(YAML2JSON_PKGS)) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs $(YAML2JSON_PKGS))

$(BUILD)/gen/openapi.json: openapi.yaml $(BUILD)/yaml2json
	@mkdir -p $(dir $@)
	$(BUILD)/yaml2json openapi.yaml $@

contract: $(BUILD)/marsad $(BUILD)/marsad.db
	sh tests/contract/run.sh $(BUILD)

docs-vendor:
	sh scripts/vendor-docs.sh

docs-check:
	sh scripts/vendor-docs.sh --check

# The explorer's Observable Plot and d3 bundles (pinned in explorer/package.json).
explorer-vendor:
	sh scripts/vendor-explorer.sh

explorer-check:
	sh scripts/vendor-explorer.sh --check
