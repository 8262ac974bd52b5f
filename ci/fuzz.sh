#!/usr/bin/env bash
# fuzz.sh SECONDS FUZZER... - run each libFuzzer target for SECONDS from its
# seeds: the committed ones in <component>/fuzz/seeds/<name>/ and, for the
# parquet targets, the files of ../shared/corpus when it is there. A crash,
# leak or sanitizer report fails the run and leaves the input in build/fuzz/.
set -euo pipefail
secs=$1; shift
for fz in "$@"; do
  name=$(basename "$fz")          # fuzz_footer
  short=${name#fuzz_}
  work=build/fuzz/corpus/$short
  mkdir -p "$work"
  seeds=()
  for d in */fuzz/seeds/"$short"; do [ -d "$d" ] && seeds+=("$d"); done
  case $short in
    footer|tcompact|pages|parquet*) [ -d ../shared/corpus ] && seeds+=(../shared/corpus/parquet-testing/data ../shared/corpus/duckdb ../shared/corpus/derived) ;;
  esac
  echo "fuzz: $name for ${secs}s (seeds: ${seeds[*]:-none})"
  "$fz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build/fuzz/"$short"- "$work" "${seeds[@]}" 2>&1 | tail -n 12
done
