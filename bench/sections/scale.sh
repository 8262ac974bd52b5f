#!/usr/bin/env bash
# scale.sh - the scale section of `make bench`: what a stage's size costs, as
# growth from 1,000 to SM_BENCH_SCALE_FILES (default 1,000,000) stored 4 KiB
# files in one stage, memory mode (bench/bench_scale.c, in-process, loopback).
# Prints a Markdown section.
set -u
B=${SM_BENCH_BUILD:-build/release}
T=${SM_BENCH_TMP:-$(mktemp -d)}
N=${SM_BENCH_SCALE_FILES:-1000000}
mkdir -p "$T/scale"
"$B/bench/bench_files" "$T/scale" > /dev/null
out=$T/scale.txt
if ! timeout 600 "$B/bench/bench_scale" "$T/scale/4k.parquet" "$N" > "$out" 2> "$T/scale.err"; then
  echo "## Scale"
  echo
  echo "n/a (bench_scale failed: $(head -c 200 "$T/scale.err"))"
  exit 0
fi
kv() { sed -n "s/^$1=//p" "$out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
met() { awk -v x="$1" -v op="$2" -v y="$3" 'BEGIN { ok = (op == "<=") ? (x + 0 <= y + 0) : (x + 0 >= y + 0); print ok ? "met" : "NOT met" }'; }
grow=$(ratio "$(kv large_upload_p50_us)" "$(kv small_upload_p50_us)")
per=$(kv bytes_per_file)
cat <<MD
## Scale: one stage from $(kv small_files) to $(kv large_files) files

\`bench/bench_scale.c\`: one in-process server, one stage, memory mode. At each size, 2000
sequential uploads of a 4 KiB file with fresh names over one keep-alive connection (libcurl),
then one list of the whole stage. Between the sizes the stage is filled with
\`sm_server_preload\` (the upload path without HTTP) in $(kv fill_s) s, all with the same
bytes, which a stage stores once: so RSS growth per file is what a stage keeps per file beyond
its bytes (the entry, its 24-byte name and id, the indexes).

| files in the stage | upload p50 / p99 (µs) | list: first byte / whole (ms) | list size (MB) | RSS (MiB) |
|---|---|---|---|---|
| $(kv small_files) | $(kv small_upload_p50_us) / $(kv small_upload_p99_us) | $(kv small_list_first_ms) / $(kv small_list_total_ms) | $(kv small_list_mb) | $(kv rss_small_mib) |
| $(kv large_files) | $(kv large_upload_p50_us) / $(kv large_upload_p99_us) | $(kv large_list_first_ms) / $(kv large_list_total_ms) | $(kv large_list_mb) | $(kv rss_large_mib) |

| figure | value | target |
|---|---|---|
| upload p50 at $(kv large_files) files / at $(kv small_files) | $grow | at most 1.5: $(met "$grow" "<=" 1.5) |
| bytes kept per stored file beyond its bytes (24-byte names) | $per | at most 256 + name = 280: $(met "$per" "<=" 280) |
| list first byte at $(kv large_files) files | $(kv large_list_first_ms) ms | streamed: independent of the stage's size |
MD
