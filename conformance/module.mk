# The conformance runner (runner/, conf_*) behind `stagemock conform` and
# `stagemock probe`, its cases (cases/*.case) and its own tests.
LIBCONF_SRCS := $(wildcard conformance/runner/*.c)
LIBS         += $(LIBCONF)
$(LIBCONF): $(call obj,$(LIBCONF_SRCS))

CONF_TESTS := $(wildcard conformance/tests/test_*.c)
$(foreach t,$(CONF_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard conformance/tests/*_test.sh))
