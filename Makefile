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

SRC := $(wildcard server/*.c)
OBJ := $(patsubst server/%.c,$(BUILD)/obj/%.o,$(SRC)) $(BUILD)/obj/embedded.o
LIB_OBJ := $(filter-out $(BUILD)/obj/main.o,$(OBJ))
EMBED_FILES := $(sort $(wildcard db/migrations/*.sql) $(wildcard db/seed/*.json) \
               $(wildcard db/seed/claims/*.json) $(wildcard db/sources/*.txt))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
HELPER_OBJ := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%.o,$(wildcard tests/helpers/*.c))
DEPS_STAMP := $(BUILD)/.deps-build
TEST_DEPS_STAMP := $(BUILD)/.deps-test

.SECONDARY:
.PHONY: all run test test-run check asan lint format format-check check-layers deps clean db

all: $(BUILD)/marsad $(BUILD)/marsad.db

$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@sh scripts/deps.sh build
	@touch $@

$(TEST_DEPS_STAMP):
	@mkdir -p $(BUILD)
	@sh scripts/deps.sh test
	@touch $@

deps: $(DEPS_STAMP) $(TEST_DEPS_STAMP)

$(BUILD)/embed: tools/embed.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(EMBED_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ $(EMBED_FILES)

$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c include/embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(OPT) -c -o $@ $<

$(BUILD)/obj/%.o: server/%.c $(wildcard include/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/marsad: $(OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $(OBJ) $(PKG_LIBS)

# The default database, built deterministically from db/.
$(BUILD)/marsad.db: $(BUILD)/marsad $(EMBED_FILES)
	@rm -f $@ $@-wal $@-shm
	$(BUILD)/marsad build-db --out $@

db: $(BUILD)/marsad.db

run: all
	$(BUILD)/marsad serve --host $(HOST) --port $(PORT) --db $(BUILD)/marsad.db

$(BUILD)/tests/helpers/%.o: tests/helpers/%.c $(wildcard tests/helpers/*.h) $(wildcard include/*.h) | $(TEST_DEPS_STAMP) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/helpers -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB_OBJ) $(HELPER_OBJ) $(wildcard tests/helpers/*.h) | $(TEST_DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/helpers -o $@ $< $(HELPER_OBJ) $(LIB_OBJ) \
	    $(LDFLAGS_ALL) $(PKG_LIBS) $(TEST_LIBS)

# Runs every test binary of this build; tests find the server binary and data through env.
test-run: $(TEST_DEPS_STAMP) $(BUILD)/marsad $(BUILD)/marsad.db $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do \
	    echo "== $$t"; \
	    MARSAD_BIN=$(BUILD)/marsad MARSAD_TEST_DB=$(BUILD)/marsad.db $$t; \
	done
	@echo "== all tests passed ($(BUILD))"

asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 test-run

test: $(TEST_DEPS_STAMP)
	$(MAKE) test-run
	$(MAKE) asan

LINT_BANNED := '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets)[[:space:]]*\('
lint:
	@if grep -nE $(LINT_BANNED) server/*.c include/*.h tests/*.c tests/helpers/*.[ch] tools/*.c; then \
	    echo "lint: banned function used (see STYLE rule 7)"; exit 1; fi
	@echo "lint: no banned functions"

FORMAT_FILES = $(wildcard server/*.c include/*.h tests/*.c tests/helpers/*.[ch] tools/*.c)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: clean"

check-layers:
	@sh scripts/check-layers.sh

check: test lint format-check check-layers

clean:
	rm -rf build
