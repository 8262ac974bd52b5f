# libstagemock: the mock server library (src/) with its parquet reader
# (src/parquet/), the `stagemock` program (bin/), unit tests (tests/) and
# libFuzzer targets (fuzz/, built by fuzz.mk).
LIBSM_SRCS := $(wildcard mock_server/src/*.c mock_server/src/parquet/*.c mock_server/src/scenario/*.c)
LIBS += $(LIBSM) $(LIBSM_SO)

# Both carry the common/ helpers they use (smx_*, hidden in the .so).
$(LIBSM): $(call obj,$(LIBSM_SRCS)) $(LIBSMX_OBJS)
# Shared: soname libstagemock.so.MAJOR (version.h), every dependency linked
# in so a consumer needs only pkg-config's -lstagemock.
$(LIBSM_SO): $(call obj,$(LIBSM_SRCS)) $(LIBSMX)
	$(CC) -shared $(LDFLAGS) $(SO_LDFLAGS) -Wl,-soname,libstagemock.so.$(SM_VERSION_MAJOR) \
		-o $@ $^ $(LDLIBS)

# The one program: subcommands inspect/serve/fixtures/conform/probe, each a
# thin call into its component.
STAGEMOCK_SRCS := $(wildcard mock_server/bin/*.c)
STAGEMOCK      := $(B)/stagemock
PROGRAMS       += $(STAGEMOCK)
$(STAGEMOCK): $(call obj,$(STAGEMOCK_SRCS)) $(ALL_ARCHIVES)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

SM_UNIT_TESTS := $(wildcard mock_server/tests/test_*.c)
$(foreach t,$(SM_UNIT_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard mock_server/tests/*_test.sh))

# test_store counts and fails the store's fdatasync calls (group commit, a
# failed sync answered 500): the seam is the linker's --wrap.
$(B)/mock_server/tests/test_store: LDFLAGS += -Wl,--wrap=fdatasync
