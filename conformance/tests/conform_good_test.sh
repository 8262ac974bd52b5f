#!/usr/bin/env bash
# conform_good_test.sh - the correct adapter (adapters/good.sh) passes every
# case, MUST and SHOULD (--strict), and the run's reports hold up: the JUnit
# XML validates against tests/junit.xsd, TAP counts every result, the JSON
# report carries its schema and version, and every rule of RULES.md and every
# client obligation has cases at the level RULES.md gives it.
. "$(dirname "$0")/testlib.sh"

"$bin" conform --list > "$work/list" 2>&1
check "--list exits 0" test $? -eq 0
n_cases=$(ls conformance/cases/*.case | wc -l)
check "--list shows every case file" grep -q "^$n_cases cases$" "$work/list"
for r in parquet-only codec one-file-per-request unique-names same-schema order error-json bytes auth client-names; do
  check "rule $r has MUST cases" grep -Eq "^$r-[0-9]+ +MUST +$r " "$work/list"
done
for r in client-non-json client-retry-after client-timeout client-lost-response client-multipart; do
  check "obligation $r has SHOULD cases" grep -Eq "^$r-[0-9]+ +SHOULD +$r " "$work/list"
done

"$bin" conform --adapter "good=$ad/good.sh" --strict --color never \
  --junit "$work/r.xml" --tap "$work/r.tap" --json "$work/r.json" --artifact "$work/art.json" \
  > "$work/out" 2>&1
rc=$?
check "good adapter: exit 0 with --strict" test $rc -eq 0
check "good adapter: closing line" grep -q "^$n_cases passed, 0 failed, 0 skipped$" "$work/out"
[ $rc -eq 0 ] || sed -n '/^FAIL\|^WARN\|^ERROR/,+12p' "$work/out" | head -80
validate() { xmllint --noout --schema conformance/tests/junit.xsd "$1" 2> "$work/xmllint.log" || { cat "$work/xmllint.log"; false; }; }
if sm_have xmllint; then check "junit validates" validate "$work/r.xml"; else skipped=$((skipped + 1)); fi
check "junit: one testsuite per rule" test "$(grep -c '<testsuite ' "$work/r.xml")" -eq 15
check "tap plan" grep -q "^1\\.\\.$n_cases$" "$work/r.tap"
check "tap: no not-ok" sh -c "! grep -q '^not ok' '$work/r.tap'"
check "json schema and version" test "$(jq -r '"\(.schema) \(.version)"' "$work/r.json")" = "stagemock-conform-report 1"
check "json summary" test "$(jq -r '"\(.summary.passed) \(.summary.exit_status)"' "$work/r.json")" = "$n_cases 0"
check "json: journal kept as JSON" test "$(jq -r '.cases[0].results[0].journal.entries | length > 0' "$work/r.json")" = true
check "artifact: seed and schedule" test "$(jq -r '[.schema, (.seed|type), ([.results[] | select(.fault_schedule != null)] | length > 0)] | join(" ")' "$work/art.json")" = "stagemock-conform-artifact number true"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
