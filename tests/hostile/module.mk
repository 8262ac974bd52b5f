# Hostile-input tests (tests/hostile/): one CMocka binary per test_*.c, each
# replaying an attack of issue 13 against an in-process server on loopback.
# (Only the reader's test lives here so far; the assure room adds the frame.)
HOSTILE_TESTS := $(wildcard tests/hostile/test_*.c)
$(foreach t,$(HOSTILE_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
