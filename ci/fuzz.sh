#!/usr/bin/env bash
# fuzz.sh SECONDS FUZZER... - run each libFuzzer target for SECONDS from its
# corpus: the committed one in <component>/fuzz/corpus/<name>/ (read, never
# written, in a normal run) and, for the parquet targets, the files of
# ../shared/corpus when it is there. New inputs go to build/fuzz/corpus/<name>/.
# A crash, leak or sanitizer report fails the run and leaves the input in
# build/fuzz/.
#
# SM_FUZZ_MERGE=1 then minimises (-merge=1) the committed corpus together with
# the new inputs into the committed directory: the set of inputs that keeps
# all the coverage both had (less any input over 64 KiB), to be reviewed and
# committed (docs/ASSURANCE.md).
set -euo pipefail
secs=$1; shift
for fz in "$@"; do
  name=$(basename "$fz")          # fuzz_footer
  short=${name#fuzz_}
  work=build/fuzz/corpus/$short
  mkdir -p "$work"
  intree=()
  for d in */fuzz/corpus/"$short"; do
    case $d in build/*) continue ;; esac   # build/fuzz/corpus/ is $work
    [ -d "$d" ] && intree+=("$d")
  done
  seeds=("${intree[@]}")
  case $short in
    footer|tcompact|pages|parquet*) [ -d ../shared/corpus ] && seeds+=(../shared/corpus/parquet-testing/data ../shared/corpus/duckdb ../shared/corpus/derived) ;;
  esac
  echo "fuzz: $name for ${secs}s (corpus: ${seeds[*]:-none})"
  "$fz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build/fuzz/"$short"- "$work" "${seeds[@]}" 2>&1 | tail -n 12
  if [ "${SM_FUZZ_MERGE:-0}" = 1 ] && [ ${#intree[@]} = 1 ]; then
    merged=build/fuzz/merged/$short
    rm -rf "$merged"; mkdir -p "$merged"
    "$fz" -merge=1 -timeout=10 -rss_limit_mb=2048 "$merged" "${intree[0]}" "$work" 2>&1 | tail -n 2
    rm -f "${intree[0]}"/*
    cp "$merged"/* "${intree[0]}"/
    # keep the tree small: inputs over 64 KiB stay out (the parquet targets
    # get large files from ../shared/corpus when it is there)
    find "${intree[0]}" -type f -size +64k -delete
    echo "fuzz: $short corpus now $(find "${intree[0]}" -type f | wc -l) files, $(du -sk "${intree[0]}" | cut -f1) KiB"
  fi
done
