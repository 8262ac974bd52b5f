#!/usr/bin/env bash
# scenario_serve_test.sh - `stagemock serve --scenario/--fault` end to end:
# a --fault answers the 2nd upload 503 with Retry-After, the journal names the
# rule, a scenario file with an error is refused at start with the field
# named, and on SIGINT the report lists the rule that never fired.
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
. "$top/tests/support/need.sh"
sm_need curl
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
# a parquet file to upload: the demo file serve writes, else any in the corpus
printf '{"rules":[{"match":{"nth":0},"action":{"status":500}}]}' > "$work/bad.json"
"$bin" serve --stage s1 --key k1 --scenario "$work/bad.json" > "$work/bad.out" 2>&1
check "bad scenario exits 2" test $? -eq 2
check "bad scenario names the field" grep -q 'rules\[0\].match.nth: expected a positive integer' "$work/bad.out"
"$bin" serve --stage s1 --key k1 --fault 'upload:status=abc' > "$work/badf.out" 2>&1
check "bad fault names the item" grep -q "item 2 'status=abc'" "$work/badf.out"

"$bin" serve > "$work/demo.out" 2>&1 & pid=$!
for _ in $(seq 50); do grep -q 'filename=demo.parquet' "$work/demo.out" && break; sleep 0.1; done
pq=$(grep -o 'file=@[^;]*' "$work/demo.out" | head -1 | cut -c7-)
cp "$pq" "$work/x.parquet"
kill -INT $pid; wait $pid 2>/dev/null

"$bin" serve --stage s1 --key k1 --fault 'upload:nth=2:status=503:retry-after=1' \
  --fault 'download:name=never:status=500' > "$work/out" 2>&1 & pid=$!
for _ in $(seq 50); do grep -q 'serving at' "$work/out" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/out" | head -1)
up() { curl -sS -o "$work/body" -D "$work/hdr" -w '%{http_code}' -H 'Authorization: Key k1' \
  -F stage_id=s1 -F "file=@$work/x.parquet;filename=$1" "$url/upload-to-stage"; }
check "1st upload 200" test "$(up a.parquet)" = 200
check "2nd upload 503" test "$(up b.parquet)" = 503
check "Retry-After: 1" grep -qi '^Retry-After: 1' "$work/hdr"
check "3rd upload 200" test "$(up c.parquet)" = 200
curl -sS "$url/_stagemock/journal" > "$work/journal"
check "journal names the rule" grep -q '"rule":"--fault upload:nth=2:status=503:retry-after=1","action":"respond"' "$work/journal"
kill -INT $pid; wait $pid 2>/dev/null
check "report lists the unused rule" grep -q '"unused_rules":\["never"\]' "$work/out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
