# stagemock - one non-recursive Makefile. Each component lists its sources in
# its own module.mk; this file holds the flags, the modes and the top targets.
#
#   make [MODE=debug|asan|release|tsan|coverage] [all|test|run|fuzz|bench|check|format|clean]
#   make coverage   (MODE=coverage test, then the line-coverage table of
#                    mock_server/src; docs/COVERAGE.md)
#   make [MODE=...] [PREFIX=/usr/local] [DESTDIR=...] install|uninstall
#   make deb    (MODE=release unless MODE is given)
#
# Objects go to build/$(MODE)/ (override with BUILDDIR=...), so debug, asan and
# release builds live side by side and `make clean` is `rm -rf build`.

MODE     ?= debug
BUILDDIR ?= build/$(MODE)
B        := $(BUILDDIR)
CC       ?= cc
WERROR   ?= -Werror

WARNINGS := -Wall -Wextra $(WERROR) -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wformat=2 -Wundef -Wvla -Wimplicit-fallthrough \
	-Wconversion -Wsign-conversion

MODE_debug   := -O0 -g
MODE_asan    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
MODE_release := -O2 -g -D_FORTIFY_SOURCE=2 -DNDEBUG
MODE_tsan    := -O1 -g -fsanitize=thread
MODE_coverage := -O0 -g --coverage
ifeq ($(origin MODE_$(MODE)),undefined)
$(error MODE must be debug, asan, release, tsan or coverage, not '$(MODE)')
endif

CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS   += -std=c11 -fPIC -fvisibility=hidden $(WARNINGS) $(MODE_$(MODE)) -MMD -MP
LDFLAGS  += $(filter -fsanitize=% --coverage,$(MODE_$(MODE)))
LDLIBS   := -lmicrohttpd -lcurl -lcrypto -lxxhash -lcjson -lsnappy -lzstd -lz -lpthread -lm
TESTLIBS := -lcmocka

.DEFAULT_GOAL := all
DEPS_PURPOSES := run build test ci bench
.PHONY: all test test-build run fuzz bench check format format-check tidy cppcheck \
	analyze clean deps fixtures coverage $(addprefix deps-,$(DEPS_PURPOSES))

# Component variables filled in by the module.mk files below.
LIBS :=
PROGRAMS :=
TEST_BINS :=
TEST_SCRIPTS :=
FUZZERS :=
# Targets `make install` / `make uninstall` also run (packaging/install.mk):
# a module.mk appends its own, e.g. INSTALL_EXTRA += install-python.
INSTALL_EXTRA :=
UNINSTALL_EXTRA :=

# The libraries, named here so every module.mk can link against any of them.
LIBSM     := $(B)/libstagemock.a
LIBSM_SO  := $(B)/libstagemock.so
LIBSMC    := $(B)/libstagemock-client.a
LIBSMC_SO := $(B)/libstagemock-client.so
LIBPQW    := $(B)/libpqw.a
LIBCONF   := $(B)/libconform.a
LIBSMX    := $(B)/libsmcommon.a
# Link order for programs and tests: dependants before what they depend on.
ALL_ARCHIVES := $(LIBCONF) $(LIBPQW) $(LIBSMC) $(LIBSM) $(LIBSMX)

# Object path for a source file.
obj = $(patsubst %.c,$(B)/%.o,$(1))

# $(call cmocka_test,PATH,SOURCES,ARCHIVES): one CMocka binary at $(B)/PATH.
define cmocka_test
TEST_BINS += $(B)/$(1)
$(call obj,$(foreach s,$(2),$(if $(findstring /tests/,/$(s)),$(s)))): | build/.deps-test.stamp
$(B)/$(1): $(call obj,$(2)) $(B)/libsmtest.a $(3)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(B)/libsmtest.a $(3) $$(TESTLIBS) $$(LDLIBS)
endef

include common/module.mk
include tests/module.mk
include tests/hostile/module.mk
include mock_server/module.mk
include fixtures/module.mk
include clients/module.mk
include conformance/module.mk
include bench/module.mk
# install, uninstall, deb, the version and the compiled-in data dir; last, so
# it sees every module's variables.
include packaging/install.mk

all: deps-build $(LIBS) $(PROGRAMS)
$(call obj,$(SMTEST_SRCS)): | build/.deps-test.stamp

# `make V=1` shows whole command lines. Every object waits (order-only) for the
# build dependency stamp, test objects (cmocka.h) for the test one, so `make -j`
# on a fresh machine installs headers first.
Q := $(if $(V),,@)
$(B)/%.o: %.c | build/.deps-build.stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# Set-up by purpose (ci/install-deps.sh run|build|test|ci|bench): each target
# installs only what it needs (apt as root, `sudo -n` as a user, else the
# command to run). One stamp per purpose, so `make test` after `make run`
# still installs the test tools; the script itself is idempotent.
deps: deps-build
$(addprefix deps-,$(DEPS_PURPOSES)): deps-%: build/.deps-%.stamp
build/.deps-%.stamp: ci/install-deps.sh $(wildcard fixtures/oracle/package-lock.json bench/package-lock.json)
	bash ci/install-deps.sh $*
	@mkdir -p build && touch $@

test-build: deps-test $(LIBS) $(PROGRAMS) $(TEST_BINS)

# What `make test` runs: everything, except under ThreadSanitizer, where it is
# the CMocka binaries of the server, client, runner, integration and
# allocation-failure tests (the fixture writer's are single-threaded; the
# hostile parquet test asserts RSS bounds, which TSan's shadow memory breaks)
# and no script tests: their servers run the code the binaries run in
# process, at several times the cost (docs/ASSURANCE.md). SM_TSAN_ALL=1 runs
# everything.
TEST_RUN_BINS    = $(TEST_BINS)
TEST_RUN_SCRIPTS = $(TEST_SCRIPTS)
TSAN_SKIP        = $(B)/fixtures/% $(B)/tests/hostile/test_hostile_parquet
ifeq ($(MODE)$(SM_TSAN_ALL),tsan)
TEST_RUN_BINS    = $(filter-out $(TSAN_SKIP),$(TEST_BINS))
TEST_RUN_SCRIPTS =
endif

test: test-build
	@SM_BUILD=$(B) SM_MODE=$(MODE) bash tests/run-all.sh $(TEST_RUN_BINS) -- $(TEST_RUN_SCRIPTS)

run: all
	@$(B)/stagemock serve

fuzz: deps-ci
	@$(MAKE) --no-print-directory -f fuzz.mk run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30)

bench: deps-bench
	@$(MAKE) --no-print-directory MODE=release all
	bash bench/run.sh

# Line coverage of libstagemock (mock_server/src, the parquet reader included)
# after the whole test suite: counters are zeroed first, so the table is this
# run's. gcovr merges the .gcda files of every test process.
coverage: deps
	@find build/coverage -name '*.gcda' -delete 2>/dev/null || true
	@$(MAKE) --no-print-directory MODE=coverage test; st=$$?; \
	gcovr --root . --object-directory build/coverage --filter 'mock_server/src/' --filter 'common/' \
		--sort-percentage --txt build/coverage/coverage.txt && \
	cat build/coverage/coverage.txt && exit $$st

fixtures: all
	$(B)/stagemock fixtures --out $(B)/fixtures

SRC_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')

format: deps-ci
	clang-format -i $(SRC_FILES)

format-check: deps-ci
	bash ci/check-format.sh

tidy: deps-ci
	bash ci/check-tidy.sh

cppcheck: deps-ci
	cppcheck -q --enable=warning,performance,portability --std=c11 --error-exitcode=1 \
		--inline-suppr -Iinclude -D_POSIX_C_SOURCE=200809L common mock_server clients fixtures conformance

analyze:
	$(MAKE) --no-print-directory MODE=debug BUILDDIR=build/analyze CFLAGS=-fanalyzer all

check: deps-ci format-check cppcheck
	bash ci/check-banned.sh
	python3 ci/check-include-cycles.py
	$(MAKE) --no-print-directory MODE=asan test
	bash ci/check-symbols.sh build/asan

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
