# fuzz.mk - libFuzzer targets, built with clang apart from the main build
# (make fuzz). Every */fuzz/fuzz_<name>.c is a target linked with the library
# sources; ci/fuzz.sh runs each for FUZZ_SECONDS from its committed corpus,
# */fuzz/corpus/<name>/ (SM_FUZZ_MERGE=1 folds what a run found back into it,
# minimised; docs/ASSURANCE.md).
B        := build/fuzz
CC       := clang
CPPFLAGS := -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DSM_FUZZING
CFLAGS   := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
LDLIBS   := -lmicrohttpd -lcurl -lcrypto -lxxhash -lcjson -lsnappy -lzstd -lz -lpthread -lm
FUZZ_SRCS := $(wildcard */fuzz/fuzz_*.c)
FUZZERS   := $(patsubst %.c,$(B)/%,$(notdir $(FUZZ_SRCS)))
LIB_SRCS  := $(wildcard common/*.c mock_server/src/*.c mock_server/src/parquet/*.c mock_server/src/scenario/*.c fixtures/pqwrite/*.c \
	fixtures/gen/*.c conformance/runner/*.c \
	clients/lib/*.c)
LIB_OBJS  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS))

.PHONY: run
run: $(FUZZERS)
	bash ci/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

define fuzzer
$(B)/$(basename $(notdir $(1))): $(B)/obj/$(1:.c=.o) $(LIB_OBJS)
	$$(CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $$(LDLIBS)
endef
$(foreach f,$(FUZZ_SRCS),$(eval $(call fuzzer,$(f))))
