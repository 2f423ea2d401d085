# 满意台账 — build, run and test. `make run` and `make test` are all a newcomer needs.

PKGS     := libmicrohttpd sqlite3 jansson libsodium libmagic gdlib libjpeg xlsxwriter libzip expat libcurl
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror
LAYERS   := lib store domain http web
CPPFLAGS := -std=c11 -D_GNU_SOURCE $(LAYERS:%=-Isrc/%)
DEPFLAGS  = -MMD -MP

BUILD    ?= build
SAN      :=
SRC      := $(wildcard src/*.c $(LAYERS:%=src/%/*.c))
LIBSRC   := $(filter-out src/main.c,$(SRC))
# Unit tests mirror src/: tests/<layer>/test_<name>.c, each built into $(BUILD)/test_<name>.
TEST_SRC := $(wildcard $(LAYERS:%=tests/%/test_*.c))
TESTS    := $(notdir $(TEST_SRC:.c=))
DB       ?= ledger.db
PORT     ?= 8080

.PHONY: all run test asan valgrind fuzz bench deps test-deps clean
.SECONDARY:

all: $(BUILD)/ledger

# Missing packages are installed once; the stamp is refreshed when the script changes.
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh build
	@touch $@

$(BUILD)/.test-deps: scripts/deps.sh tests/http/package.json tests/http/package-lock.json
	@mkdir -p $(BUILD)
	@scripts/deps.sh test
	@cd tests/http && npm ci --no-audit --no-fund --silent
	@touch $@

# The holiday notices (npm chinese-days, pinned in calendar/package-lock.json): `ledger init`
# loads them from calendar/node_modules.
$(BUILD)/.calendar: calendar/package.json calendar/package-lock.json $(BUILD)/.deps
	@cd calendar && npm ci --no-audit --no-fund --silent
	@touch $@

deps: $(BUILD)/.deps
test-deps: $(BUILD)/.test-deps

# Flags from pkg-config are read only after the dependencies are installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lzxcvbn -lpthread -lm
# The server's allocator: tcmalloc's per-thread caches (see README, Dependencies). Sanitizer
# and valgrind builds keep their own allocator.
ALLOC_LIBS = $(if $(SAN)$(NO_TCMALLOC),,-l:libtcmalloc_minimal.so.4)

$(BUILD)/obj/%.o: src/%.c $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(CFLAGS) $(SAN) $(WARN) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: tests/%.c $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(DEPFLAGS) $(CFLAGS) $(SAN) $(WARN) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libledger.a: $(LIBSRC:src/%.c=$(BUILD)/obj/%.o)
	ar rcs $@ $^

$(BUILD)/ledger: $(BUILD)/obj/main.o $(BUILD)/libledger.a
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(ALLOC_LIBS)

define test_rule
$(BUILD)/$(notdir $(1)): $(BUILD)/tobj/$(1).o $(BUILD)/libledger.a
	$$(CC) $$(SAN) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TEST_SRC:tests/%.c=%),$(eval $(call test_rule,$(t))))

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d $(BUILD)/tobj/*/*.d)

# Fuzz targets (libFuzzer, clang): every parser of outside input. They have a build of their own.
FUZZ_BUILD   := build/fuzz
FUZZ_TARGETS := fuzz_form fuzz_tmpl fuzz_json fuzz_csv fuzz_multipart fuzz_xlsx
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60

$(FUZZ_BUILD)/obj/%.o: src/%.c $(BUILD)/.deps
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(DEPFLAGS) -O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(WARN) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIBSRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)
	clang $(CPPFLAGS) -Itests/fuzz -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) $(WARN) $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(wildcard $(FUZZ_BUILD)/obj/*.d $(FUZZ_BUILD)/obj/*/*.d)

# Explore each target for FUZZ_SECONDS; new inputs land in build/fuzz/work-*, crashes in build/fuzz/crashes/.
fuzz: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
	@for t in $(FUZZ_TARGETS); do n=$${t#fuzz_}; mkdir -p $(FUZZ_BUILD)/work-$$n $(FUZZ_BUILD)/crashes; \
	  echo "== $$t for $(FUZZ_SECONDS) s"; \
	  LEDGER_ROOT=$(CURDIR) $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$n- $(FUZZ_BUILD)/work-$$n tests/fuzz/corpus/$$n || exit 1; done

# The benchmark (bench/run.sh): seeded ledgers of 100,000 and 1,000,000 tickets, measured with
# wrk beside the bare server in bench/bare.c. Not part of `make test`: it takes a while.
$(BUILD)/.bench-deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh bench
	@touch $@

$(BUILD)/bench-bare: bench/bare.c $(BUILD)/.deps
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) $(ALLOC_LIBS)

bench: $(BUILD)/ledger $(BUILD)/bench-bare $(BUILD)/.bench-deps $(BUILD)/.calendar
	@BUILD=$(BUILD) bench/run.sh

# Build, create ledger.db with the demo district and its tickets if it is missing, and serve.
run: $(BUILD)/ledger $(BUILD)/.calendar
	@scripts/run.sh $(BUILD) $(DB) $(PORT)

# Every test: unit tests of the core, then HTTP tests against the real server.
test: $(BUILD)/ledger $(TESTS:%=$(BUILD)/%) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%) $(BUILD)/.test-deps $(BUILD)/.calendar
	@BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) tests/run.sh

# The same tests on a build with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

# Unit tests and the HTTP suite with everything under valgrind's leak checker (slower), on a
# build of its own with the system allocator: valgrind follows malloc, not tcmalloc.
VG := build/valgrind
valgrind: $(BUILD)/.test-deps $(BUILD)/.calendar
	$(MAKE) BUILD=$(VG) NO_TCMALLOC=1 $(VG)/ledger $(TESTS:%=$(VG)/%)
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_tmpl ../shared/mustache-spec .
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_router
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_migrate migrations
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_util
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_org
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_fields
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_authz
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_audit
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_workflow
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_search
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_score
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_merkle
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_xlsx
	valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_workdays calendar/node_modules/chinese-days/dist/years
	LEDGER_VALGRIND=1 valgrind -q --leak-check=full --error-exitcode=9 $(VG)/test_thumb
	LEDGER_BIN=$(CURDIR)/$(VG)/ledger LEDGER_VALGRIND=1 node tests/http/run.mjs

clean:
	rm -rf build
