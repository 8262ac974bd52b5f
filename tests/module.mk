# Shared test harness: the CMocka include wrapper, guard-page buffers and
# loopback helpers, linked into every test binary. Cross-component tests live
# in tests/integration/ (one CMocka binary per test_*.c file).
SMTEST_SRCS := $(wildcard tests/support/*.c)
$(B)/libsmtest.a: $(call obj,$(SMTEST_SRCS))

INTEG_TESTS := $(wildcard tests/integration/test_*.c)
$(foreach t,$(INTEG_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard tests/integration/*_test.sh))

# Allocation-failure tests (tests/oom/, docs/ASSURANCE.md): malloc, calloc,
# realloc and strdup are wrapped at link time in these binaries only, so
# tests/oom/oom.c can fail the Nth allocation; libstagemock itself has no
# allocator hook.
OOM_WRAP  := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
OOM_TESTS := $(wildcard tests/oom/test_oom_*.c)
$(foreach t,$(OOM_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t) tests/oom/oom.c,$(ALL_ARCHIVES))))
$(patsubst %.c,$(B)/%,$(OOM_TESTS)): LDFLAGS += $(OOM_WRAP)

# A CMocka program that fails on purpose (stagemock/cmocka_verify.h's output,
# docs/VERIFY.md): built with the programs, run only by verify_cmocka_test.sh.
VERIFY_DEMO := $(B)/tests/integration/tools/verify_fail_demo
PROGRAMS    += $(VERIFY_DEMO)
$(call obj,tests/integration/tools/verify_fail_demo.c): | build/.deps-test.stamp
$(VERIFY_DEMO): $(call obj,tests/integration/tools/verify_fail_demo.c) $(B)/libsmtest.a $(ALL_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(B)/libsmtest.a $(ALL_ARCHIVES) $(TESTLIBS) $(LDLIBS)

# HAR export and record/replay (tests/har/): script tests; the HAR 1.2 schema
# validator is an npm package installed there by ci/install-deps.sh test.
TEST_SCRIPTS += $(sort $(wildcard tests/har/*_test.sh))
