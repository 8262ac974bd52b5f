# libstagemock-client (lib/, smc_*), the stagectl CLI (cli/), adapters in
# other languages (python/, node/, shell/) and the broken clients (broken/:
# one patch each on shell/stagectl.sh, built into $(B)/broken/NAME.sh).
LIBSMC_SRCS := $(wildcard clients/lib/*.c)
LIBS        += $(LIBSMC) $(LIBSMC_SO)
# Both carry the common/ helpers they use (smx_*, hidden in the .so).
$(LIBSMC): $(call obj,$(LIBSMC_SRCS)) $(LIBSMX_OBJS)
# Shared: soname libstagemock-client.so.MAJOR, linked with libcurl and cJSON.
$(LIBSMC_SO): $(call obj,$(LIBSMC_SRCS)) $(LIBSMX)
	$(CC) -shared $(LDFLAGS) $(SO_LDFLAGS) -Wl,-soname,libstagemock-client.so.$(SM_VERSION_MAJOR) \
		-o $@ $^ -lcurl -lcjson

STAGECTL_SRCS := $(wildcard clients/cli/*.c)
STAGECTL      := $(B)/stagectl
PROGRAMS      += $(STAGECTL)
$(STAGECTL): $(call obj,$(STAGECTL_SRCS)) $(LIBSMC)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The broken clients: the reference shell adapter with one patch each
# (docs/CLIENTS.md); a patch that no longer fits it fails the build.
BROKEN_PATCHES := $(sort $(wildcard clients/broken/*.patch))
BROKEN_CLIENTS := $(patsubst clients/broken/%.patch,$(B)/broken/%.sh,$(BROKEN_PATCHES))
PROGRAMS       += $(BROKEN_CLIENTS)
$(B)/broken/%.sh: clients/broken/%.patch clients/shell/stagectl.sh clients/broken/build.sh
	@mkdir -p $(@D)
	@$(if $(Q),echo "  PATCH   $@")
	$(Q)sh clients/broken/build.sh $< $@

SMC_TESTS := $(wildcard clients/tests/test_*.c)
$(foreach t,$(SMC_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t) $(filter-out clients/cli/main.c,$(STAGECTL_SRCS)),$(ALL_ARCHIVES))))
TEST_SCRIPTS += $(sort $(wildcard clients/tests/*_test.sh))

# A generator of large valid parquet files for the SM_BIG=1 transfer test.
GEN_BIG_PQ := $(B)/clients/tests/gen_big_parquet
PROGRAMS   += $(GEN_BIG_PQ)
$(GEN_BIG_PQ): $(call obj,clients/tests/tools/gen_big_parquet.c) $(LIBPQW) $(LIBSM)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The Python package: install-python / uninstall-python (docs/PYTHON.md).
include clients/python/python.mk
