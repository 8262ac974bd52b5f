#!/usr/bin/env bash
# run-all.sh - run every test program and add up their results.
#
#   tests/run-all.sh CMOCKA_BINARY... -- SCRIPT_TEST...
#
# CMocka binaries report "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
# / "[  SKIPPED ] N test(s)"; script tests (*_test.sh) end with a line
# "N passed, N failed[, N skipped]". A program that dies without such a line
# (a crash, a sanitizer report, a timeout) counts as one failure. Programs run
# SM_TEST_JOBS at a time (default: the core count); each one's output is kept
# in $SM_BUILD/test-logs/ and shown whole when it failed.
#
# Under SM_MODE=tsan each program and every process it starts (the stagemock
# servers the script tests run, the conformance runner) writes ThreadSanitizer
# reports to $SM_BUILD/test-logs/<program>.tsan.<pid>, so a race in a child
# whose stderr a script throws away still fails that program; the reports are
# shown with its log. tests/tsan.supp holds the suppressions, each with its
# reason.
set -u
build=${SM_BUILD:-build/debug}
logs=$build/test-logs
mkdir -p "$logs"
jobs=${SM_TEST_JOBS:-$(nproc)}
per_test_timeout=${SM_TEST_TIMEOUT:-900}

bins=(); scripts=(); seen_sep=0
for a in "$@"; do
  if [ "$a" = "--" ]; then seen_sep=1; continue; fi
  if [ $seen_sep = 0 ]; then bins+=("$a"); else scripts+=("$a"); fi
done

export SM_TOP=${SM_TOP:-$PWD}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=stdout
tsan_base=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:history_size=4}
tsan_base=$tsan_base:suppressions=$SM_TOP/tests/tsan.supp
rm -f "$logs"/*.tsan.*

run_one() {
  local prog=$1 name log
  name=$(echo "$prog" | tr '/' '_')
  log=$logs/$name.log
  TSAN_OPTIONS="$tsan_base:log_path=$logs/$name.tsan" \
    timeout -k 10 "$per_test_timeout" "$prog" > "$log" 2>&1
  echo "exit=$?" >> "$log"
}
export -f run_one
export logs per_test_timeout tsan_base

printf '%s\n' "${bins[@]}" "${scripts[@]}" | grep -v '^$' |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}

total_pass=0; total_fail=0; total_skip=0
for prog in "${bins[@]}" "${scripts[@]}"; do
  [ -n "$prog" ] || continue
  log=$logs/$(echo "$prog" | tr '/' '_').log
  code=$(sed -n 's/^exit=\([0-9]*\)$/\1/p' "$log" | tail -1)
  p=0; f=0; s=0
  if grep -q '^\[==========\]' "$log"; then
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  else
    line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -n "$line" ]; then
      p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
      f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
      s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p'); s=${s:-0}
    fi
  fi
  if [ "${code:-1}" != 0 ] && [ "$f" = 0 ]; then
    f=1   # died without saying what failed: a crash, a sanitizer or a timeout
  fi
  races=$(find "$logs" -maxdepth 1 -name "$(basename "$log" .log).tsan.*" 2>/dev/null | sort)
  if [ -n "$races" ] && [ "$f" = 0 ]; then
    f=1   # a ThreadSanitizer report, maybe from a child process
  fi
  status=ok; [ "$f" != 0 ] && status=FAIL
  printf '%-4s %-60s %4d passed %3d failed %3d skipped\n' "$status" "$prog" "$p" "$f" "$s"
  if [ "$f" != 0 ]; then
    echo "----- $log"; tail -n 80 "$log"; echo "-----"
    for r in $races; do echo "----- $r"; head -n 60 "$r"; echo "-----"; done
  fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
done
echo
if [ "$total_skip" -gt 0 ]; then
  echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
  echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" = 0 ]
