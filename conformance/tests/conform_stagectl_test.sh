#!/usr/bin/env bash
# conform_stagectl_test.sh - the reference C client, stagectl (clients/cli,
# built beside stagemock), passes every MUST and SHOULD case of the suite
# (--strict); INFO findings may remain and are listed. Skipped, with a
# message, when stagectl has not been built.
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
bin=$top/$build/stagemock
ctl=$top/$build/stagectl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
. "$top/tests/support/need.sh"
sm_need jq xmllint # the reports are read with them
if [ ! -x "$ctl" ]; then
  echo "SKIP: $ctl is not built"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
cd "$top"
"$bin" conform --adapter "stagectl=$ctl --json --no-progress" --strict -j 8 --color never \
  --junit "$work/r.xml" --json "$work/r.json" --artifact - > "$work/out" 2>&1
rc=$?
check "stagectl: exit 0 with --strict" test $rc -eq 0
check "stagectl: no MUST or SHOULD failure" test "$(jq '[.cases[] | select(.level != "INFO") | .results[] | select(.outcome != "pass")] | length' "$work/r.json")" = 0
check "stagectl: junit validates" xmllint --noout --schema conformance/tests/junit.xsd "$work/r.xml"
[ $rc -eq 0 ] || grep -E -A10 '^(FAIL|WARN|ERROR)' "$work/out" | head -60
jq -r '.cases[] | select(.level == "INFO" and .results[0].outcome != "pass") | "INFO finding: \(.id): \(.results[0].evidence[0])"' "$work/r.json"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
