# The hostile-client suite (issue 13): attacks replayed against an in-process
# server or `stagemock serve` on loopback, bounded in time, each printing the
# figure it measured. One CMocka binary per test_*.c, and *_test.sh scripts.
HOSTILE_TESTS := $(wildcard tests/hostile/test_*.c)
$(foreach t,$(HOSTILE_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard tests/hostile/*_test.sh))
