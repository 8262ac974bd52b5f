#!/usr/bin/env bash
# verify_cmocka_test.sh - what stagemock/cmocka_verify.h prints when a CMocka
# test's expectation is not met (docs/VERIFY.md): tools/verify_fail_demo
# fails two of its three tests on purpose; the diff must be printed exactly,
# the failure must point at the caller's line, and an expectation that does
# not parse must fail the test with the parser's message.
set -u
top=${SM_TOP:-$PWD}
demo=$top/${SM_BUILD:-build/debug}/tests/integration/tools/verify_fail_demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
CMOCKA_MESSAGE_OUTPUT=stdout "$demo" > "$work/out" 2> "$work/err"
rc=$?
# shown indented: tests/run-all.sh reads CMocka's own summary lines as this script's
cat "$work/out" "$work/err" | sed 's/^/  | /'
check "the demo fails (exit 2: two tests failed)" test "$rc" -eq 2
check "one test passed" grep -qx '\[  PASSED  \] 1 test(s)\.' "$work/out" "$work/err"
check "the order test failed" grep -qx '\[  FAILED  \] test_uploads_in_name_order' "$work/out"
check "the typo test failed" grep -qx '\[  FAILED  \] test_typo' "$work/out"
cat > "$work/want" <<'DIFF'
stagemock verify: 1 of 1 statement not met (2 requests in the journal, in request order)
FAIL  line 1: in order { upload file=a.parquet; upload file=b.parquet }
      2 patterns, 2 requests match them
      first divergence: expected upload file=a.parquet, actual #1 upload stage=s1 file=b.parquet status=200
        expected               | actual
      > upload file=a.parquet  | #1 upload stage=s1 file=b.parquet status=200
      ! upload file=b.parquet  | #2 upload stage=s1 file=a.parquet status=200
DIFF
head -n 7 "$work/err" > "$work/got"
check "the diff is printed exactly" diff -u "$work/want" "$work/got"
# the line of the expectation that is not met, read from the demo's source
line=$(grep -n 'upload file=a.parquet; upload file=b.parquet' \
  "$top/tests/integration/tools/verify_fail_demo.c" | cut -d: -f1)
check "the failure points at the test's own line" \
  grep -q "tests/integration/tools/verify_fail_demo.c:$line: error: Failure!" "$work/err"
check "a typo fails with the parser's message" grep -qF \
  "stagemock verify: SM_E_MALFORMED: verify: line 1, column 19: unknown rule 'unique-name' (rules:" \
  "$work/err"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
