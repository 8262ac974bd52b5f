#!/usr/bin/env bash
# verify_admin_test.sh - POST /_stagemock/verify on `stagemock serve`, with
# curl (docs/VERIFY.md "Over HTTP"): a met expectation answers 200
# {"ok":true}; an unmet one 409 with the diff, compared exactly; a bad one 400
# naming line and column; and the admin API's own rules hold for the route
# (Content-Type application/json, no cross-site Origin).
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
. "$top/tests/support/need.sh"
sm_need curl jq
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
"$bin" fixtures --out "$work/fx" > /dev/null || exit 1
"$bin" serve --stage s1 --key k1 > "$work/out" 2>&1 & pid=$!
for _ in $(seq 50); do grep -q 'serving at' "$work/out" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/out" | head -1)
up() { curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Key k1' -F stage_id=s1 \
  -F "file=@$work/fx/order/step_0$2.parquet;filename=$1" "$url/upload-to-stage"; }
verify() { # EXPECTATION [curl args...]: the answer in $work/body, prints the status
  local e=$1; shift
  jq -n --arg e "$e" '{expect: $e}' > "$work/req"
  curl -sS -o "$work/body" -D "$work/hdr" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' "$@" --data-binary @"$work/req" "$url/_stagemock/verify"
}
check "upload b.parquet" test "$(up b.parquet 1)" = 200
check "upload a.parquet" test "$(up a.parquet 2)" = 200

check "met: 200" test "$(verify 'exactly 2 upload status=200; never list')" = 200
check "met: {\"ok\":true}" test "$(cat "$work/body")" = '{"ok":true}'

check "not met: 409" test "$(verify 'in order { upload file=a.parquet; upload file=b.parquet }')" = 409
check "not met: ok is false" test "$(jq -r .ok "$work/body")" = false
check "not met: the message names the statement" test "$(jq -r .message "$work/body")" = \
  "verify: 1 of 1 statement not met; the first: line 1: in order { upload file=a.parquet; upload file=b.parquet }"
jq -r .diff "$work/body" > "$work/got"
cat > "$work/want" <<'DIFF'
stagemock verify: 1 of 1 statement not met (3 requests in the journal, in request order)
FAIL  line 1: in order { upload file=a.parquet; upload file=b.parquet }
      2 patterns, 2 requests match them
      first divergence: expected upload file=a.parquet, actual #1 upload stage=s1 file=b.parquet status=200
        expected               | actual
      > upload file=a.parquet  | #1 upload stage=s1 file=b.parquet status=200
      ! upload file=b.parquet  | #2 upload stage=s1 file=a.parquet status=200

DIFF
check "not met: the diff, exactly" diff -u "$work/want" "$work/got"
cat "$work/got"

# the verify calls so far are journaled too, as admin requests
check "the two verify calls before are journaled as admin requests" \
  test "$(verify 'exactly 2 admin; exactly 2 any')" = 200

check "bad expectation: 400" test "$(verify 'upload fil=a.parquet')" = 400
check "bad expectation: the message names line, column and word" test "$(jq -r .message "$work/body")" = \
  "verify: line 1, column 8: unknown field 'fil' (fields: stage, file, status, rule, key)"
check "bad expectation: rule error-json" grep -qi '^X-Stagemock-Rule: error-json' "$work/hdr"
check "no expect field: 400" test "$(curl -sS -o "$work/body" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -d '{"expectation":"list"}' "$url/_stagemock/verify")" = 400
check "no expect field: says what to send" grep -q 'expected {\\"expect\\"' "$work/body"

# must fail: the admin API's rules apply to this route as to every other
check "without Content-Type application/json: 403" test "$(curl -sS -o "$work/body" -w '%{http_code}' \
  -X POST -H 'Content-Type: text/plain' -d '{"expect":"list"}' "$url/_stagemock/verify")" = 403
check "a cross-site Origin: 403" test "$(verify 'never list' -H 'Origin: http://evil.example')" = 403
kill -INT $pid; wait $pid 2>/dev/null; pid=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
