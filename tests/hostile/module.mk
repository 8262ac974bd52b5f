# tests/hostile/ - the hostile-client suite (issue 13): each test replays one
# attack against an in-process server or `stagemock serve` on loopback,
# bounded in time, and asserts the bound that defeats it (RSS, seconds to
# answer, bytes read, status and JSON body), printing the figure it measured.
# tests/hostile/README.md has the conventions.
#
# Tests are discovered, as elsewhere in the tree, so adding one is adding a
# file and no line here:
#   test_<topic>.c   one CMocka binary, linked like tests/integration/
#                    (libsmtest.a + every library archive);
#   <topic>_test.sh  a script ending with "N passed, N failed".
# A C test that needs more (extra sources, -Wl,--wrap=...) gets one
# HOSTILE_CUSTOM line and one eval line in the block below, one pair per test.

# -- tests with their own link line (keep one pair per test) --
HOSTILE_CUSTOM :=
# HOSTILE_CUSTOM += tests/hostile/test_hostile_x.c
# $(eval $(call cmocka_test,tests/hostile/test_hostile_x,tests/hostile/test_hostile_x.c extra.c,$(ALL_ARCHIVES)))

# -- discovered tests --
HOSTILE_TESTS := $(filter-out $(HOSTILE_CUSTOM),$(wildcard tests/hostile/test_*.c))
$(foreach t,$(HOSTILE_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard tests/hostile/*_test.sh))
