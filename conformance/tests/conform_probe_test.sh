#!/usr/bin/env bash
# conform_probe_test.sh - `stagemock probe` against our own server:
#  - with the default profile it reports all nine rules enforced, no
#    difference, exit 0, and writes a profile with no overrides;
#  - against a server whose profile changes two defaults (the codec and
#    unique-names statuses) it reports exactly those two, and the profile it
#    writes, loaded into a fresh server, is probed back to the same two;
#  - usage errors and an unreachable server exit 2.
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
. "$top/tests/support/need.sh"
sm_need jq
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
# start a server (extra args), set $url
serve() { # tag, args...
  local tag=$1; shift
  "$bin" serve --stage s1 --key k1 "$@" > "$work/$tag.srv" 2>&1 &
  pids+=($!)
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$tag.srv" | head -1)
    [ -n "$url" ] && break
    sleep 0.05
  done
}
probe() { # tag, args...
  local tag=$1; shift
  "$bin" probe --url "$url" --key k1 --stage s1 "$@" > "$work/$tag.out" 2>&1
  echo $? > "$work/$tag.rc"
}

serve default
probe default --write-profile "$work/default.json"
check "default: exit 0" test "$(cat "$work/default.rc")" = 0
check "default: every rule enforced" grep -q "^9 of 9 rules enforced; 0 differences from our defaults$" "$work/default.out"
for r in parquet-only codec one-file-per-request unique-names same-schema order error-json bytes auth; do
  check "default: $r enforced" grep -Eq "^$r +yes " "$work/default.out"
done
check "default: profile has no overrides" test "$(jq -c 'del(.comment)' "$work/default.json")" = "{}"
[ "$(cat "$work/default.rc")" = 0 ] || cat "$work/default.out"

printf '{"status": {"codec": 415, "unique-names": 400}}\n' > "$work/two.json"
serve two --profile "$work/two.json"
probe two --write-profile "$work/written.json"
check "two: exit 0 (still enforced)" test "$(cat "$work/two.rc")" = 0
check "two: exactly the two differences" grep -q "^9 of 9 rules enforced; 2 differences from our defaults: codec unique-names$" "$work/two.out"
check "two: codec 415 vs 400" grep -Eq "^codec +yes +415 +400 +DIFFERS" "$work/two.out"
check "two: unique-names 400 vs 409" grep -Eq "^unique-names +yes +400 +409 +DIFFERS" "$work/two.out"
check "two: written profile" test "$(jq -c '.status' "$work/written.json")" = '{"codec":415,"unique-names":400}'
[ "$(cat "$work/two.rc")" = 0 ] || cat "$work/two.out"

serve again --profile "$work/written.json"
probe again
check "written profile reproduces the two" grep -q "^9 of 9 rules enforced; 2 differences from our defaults: codec unique-names$" "$work/again.out"

printf '{"download_encoding": "base64", "file_id_field": "id"}\n' > "$work/enc.json"
serve enc --profile "$work/enc.json"
probe enc --write-profile "$work/enc-written.json"
check "base64 and id field seen" test "$(jq -c 'del(.comment)' "$work/enc-written.json")" = '{"file_id_field":"id","download_encoding":"base64"}'

"$bin" probe --url http://127.0.0.1:1 --key k1 > "$work/nostage.out" 2>&1
rc=$?
check "missing --stage: exit 2" test $rc -eq 2
check "missing --stage: says so" grep -q "are required" "$work/nostage.out"
[ $rc -eq 2 ] || { echo "exit $rc"; cat "$work/nostage.out"; }
"$bin" probe --url http://127.0.0.1:1 --key k1 --stage s1 --timeout 2 > "$work/down.out" 2>&1
check "unreachable server: exit 2" test $? -eq 2
check "unreachable server: says why" grep -q "refused" "$work/down.out"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
