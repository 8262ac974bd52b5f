# The internal helpers (common/, smx_*): whole-file reads with a cap, tree
# removal, base64, strict integers, SHA-256, array growth, freeing and copying,
# short-write bookkeeping and option tables, built as libsmcommon.a, which
# every program and test links (ALL_ARCHIVES). The installed libraries carry
# their own copy of these objects (mock_server/module.mk, clients/module.mk),
# hidden in the shared ones, so they stay self-contained. sm_json.h and
# sm_utf8.h beside them are header-only.
LIBSMX_SRCS := $(wildcard common/*.c)
LIBSMX_OBJS := $(call obj,$(LIBSMX_SRCS))
LIBS        += $(LIBSMX)
$(LIBSMX): $(LIBSMX_OBJS)

COMMON_TESTS := $(wildcard common/tests/test_*.c)
$(foreach t,$(COMMON_TESTS),$(eval $(call cmocka_test,$(basename $(t)),$(t),$(ALL_ARCHIVES))))
