#!/usr/bin/env bash
# conform_broken_test.sh - every broken adapter (adapters/broken-*.sh, one
# defect each) fails the suite, on the cases of the rule it breaks, and the
# reports name that rule with the evidence: the terminal summary's rule
# table, a JUnit testsuite for the rule with failures, and the evidence line.
# Each runs against the rules it breaks (--rule), all in parallel, so the
# test stays within seconds.
. "$(dirname "$0")/testlib.sh"

# adapter | --rule list | cases that must fail | extra flags
plan="parallel|order|order-01 order-02|
nokey|auth|auth-01|
ignore-status|error-json parquet-only|error-json-01 error-json-03 parquet-only-01 parquet-only-03|
blind-retry|client-lost-response|client-lost-response-01|--strict
batch|one-file-per-request|one-file-per-request-01|
textmode|bytes|bytes-01 bytes-03|
names|client-names|client-names-01 client-names-02|
no-timeout|client-timeout|client-timeout-01 client-timeout-02|--strict
keep-error|error-json|error-json-02 error-json-04|"

while IFS='|' read -r name rules must extra; do
  args=()
  for r in $rules; do args+=(--rule "$r"); done
  # shellcheck disable=SC2086
  ( "$bin" conform --adapter "$name=$ad/broken-$name.sh" "${args[@]}" $extra -j 2 --color never \
      --junit "$work/$name.xml" --json "$work/$name.json" --artifact - > "$work/$name.out" 2>&1
    echo $? > "$work/$name.rc" ) &
done <<< "$plan"
wait

while IFS='|' read -r name rules must extra; do
  check "$name: exit 1" test "$(cat "$work/$name.rc")" = 1
  for c in $must; do
    check "$name: fails $c" test "$(jq -r --arg c "$c" '.cases[] | select(.id == $c) | .results[0].outcome' "$work/$name.json")" = fail
    check "$name: $c counted with evidence" test "$(jq -r --arg c "$c" '.cases[] | select(.id == $c) | .results[0] | (.counts and (.evidence | length > 0))' "$work/$name.json")" = true
    check "$name: summary line for $c" grep -Eq "^FAIL +(MUST|SHOULD) +$c " "$work/$name.out"
  done
  r=${rules%% *}
  check "$name: rule table names $r" grep -Eq "^$r +.*${must%% *}" "$work/$name.out"
  check "$name: junit suite $r has failures" grep -Eq "<testsuite name=\"$r\" [^>]*failures=\"[1-9]" "$work/$name.xml"
  [ "$(cat "$work/$name.rc")" = 1 ] || cat "$work/$name.out"
done <<< "$plan"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
