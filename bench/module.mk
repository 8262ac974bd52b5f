# Benchmarks are not tests: `make bench` builds these in release mode and
# bench/run.sh measures them beside the competitors, into docs/BENCHMARKS.md.
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
PROGRAMS   += $(BENCH_BINS)
$(B)/bench/%: $(B)/bench/%.o $(ALL_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
