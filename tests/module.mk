# Shared test harness: the CMocka include wrapper, guard-page buffers and
# loopback helpers, linked into every test binary. Cross-component tests live
# in tests/integration/ (one CMocka binary per test_*.c file).
SMTEST_SRCS := $(wildcard tests/support/*.c)
$(B)/libsmtest.a: $(call obj,$(SMTEST_SRCS))

INTEG_TESTS := $(wildcard tests/integration/test_*.c)
$(foreach t,$(INTEG_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard tests/integration/*_test.sh))
