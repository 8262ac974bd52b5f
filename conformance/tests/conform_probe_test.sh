#!/usr/bin/env bash
# conform_probe_test.sh - `stagemock probe` against our own server:
#  - with the default profile it reports all nine rules enforced, no
#    difference, exit 0, and writes a profile with no overrides;
#  - against a server whose profile changes two defaults (the codec and
#    unique-names statuses) it reports exactly those two, and the profile it
#    writes, loaded into a fresh server, is probed back to the same two;
#  - round trip over every profile key (docs/PROFILE.md): a profile changing
#    every key the probe can detect -> a server with it -> probe -> the same
#    profile back; each key it cannot detect is listed below with the reason
#    (and in docs/CONFORMANCE.md), and a key in neither list fails the test;
#  - a list shape with renamed fields ("items") is reported, not missed;
#  - usage errors and an unreachable server exit 2, the latter saying so.
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

# The list shape alone: an "items" array is detected and written back.
printf '{"list_files_field": "items"}\n' > "$work/items.json"
serve items --profile "$work/items.json"
probe items --write-profile "$work/items-written.json"
check "items: the renamed list array is reported" grep -Eq '^\(list_files_field\) +DIFFERS: "items"$' "$work/items.out"
check "items: and counted" grep -q "^9 of 9 rules enforced; 1 difference from our defaults: list_files_field$" "$work/items.out"
check "items: written back" test "$(jq -c 'del(.comment)' "$work/items-written.json")" = '{"list_files_field":"items"}'

# Round trip over every profile key. Keys the probe cannot detect, and why
# (docs/CONFORMANCE.md "Probe mode" lists the same):
undetectable=(
  "max_upload: finding a size limit means sending a body larger than it (1 GiB by default)"
  "limits: the parquet reader's limits take files that exceed them (200,000 schema elements, 512 MiB pages), and a refusal does not say which limit"
  "max_connections: counting a connection limit means holding hundreds of connections open against a live service"
  "max_connections_per_ip: the same, from one address"
  "head_timeout_s: measuring it means stalling a request head until the server gives up (10 s by default)"
  "min_body_rate: measuring it means dribbling a body below the rate for longer than head_timeout_s"
  "comment: a note for people; no answer shows it"
  "\$schema: a note for editors; no answer shows it"
)
full='{"status": {"parquet-only": 415, "codec": 422, "one-file-per-request": 406,
  "unique-names": 412, "same-schema": 417, "order": 428, "error-json": 410, "bytes": 451,
  "auth": 403},
 "file_id_field": "id", "list_files_field": "items", "list_name_field": "n",
 "list_id_field": "fid", "list_size_field": "bytes", "validation": "footer",
 "codecs": ["UNCOMPRESSED", "SNAPPY", "ZSTD"], "download_encoding": "base64"}'
printf '%s\n' "$full" > "$work/full.json"
documented=$(sed -n 's/^| `\([a-z_$]*\)` |.*/\1/p; s/^| `comment`, `\$schema` |.*/comment\n$schema/p' "$top/docs/PROFILE.md" | sort -u)
covered=$( { jq -r 'keys[]' "$work/full.json"; for u in "${undetectable[@]}"; do echo "${u%%:*}"; done; } | sed 's/^\\//' | sort -u)
check "round trip: docs/PROFILE.md lists $(echo "$documented" | wc -l) keys, each changed or listed as undetectable" \
  test "$documented" = "$covered"
[ "$documented" = "$covered" ] || diff <(echo "$documented") <(echo "$covered")
check "round trip: every documented rule's status is changed" \
  test "$(jq -r '.status | keys | length' "$work/full.json")" = 9
for u in "${undetectable[@]}"; do
  k=${u%%:*}; k=${k#\\}
  case $k in comment|\$schema) continue ;; esac
  check "round trip: docs/CONFORMANCE.md names undetectable $k" grep -q "\`$k\`" "$top/docs/CONFORMANCE.md"
done
serve full --profile "$work/full.json"
probe full --write-profile "$work/full-written.json"
check "round trip: the same profile comes back" \
  test "$(jq -S -c 'del(.comment)' "$work/full-written.json")" = "$(jq -S -c . "$work/full.json")"
[ "$(jq -S -c 'del(.comment)' "$work/full-written.json")" = "$(jq -S -c . "$work/full.json")" ] ||
  { cat "$work/full.out"; diff <(jq -S . "$work/full.json") <(jq -S 'del(.comment)' "$work/full-written.json"); }
check "round trip: still every rule enforced" grep -q "^9 of 9 rules enforced; 16 differences" "$work/full.out"
serve full2 --profile "$work/full-written.json"
probe full2 --write-profile "$work/full-again.json"
check "round trip: the written profile probes back to itself" \
  test "$(jq -S -c 'del(.comment)' "$work/full-again.json")" = "$(jq -S -c 'del(.comment)' "$work/full-written.json")"

"$bin" probe --url http://127.0.0.1:1 --key k1 > "$work/nostage.out" 2>&1
rc=$?
check "missing --stage: exit 2" test $rc -eq 2
check "missing --stage: says so" grep -q "are required" "$work/nostage.out"
[ $rc -eq 2 ] || { echo "exit $rc"; cat "$work/nostage.out"; }
"$bin" probe --url http://127.0.0.1:1 --key k1 --stage s1 --timeout 2 > "$work/down.out" 2>&1
check "unreachable server: exit 2" test $? -eq 2
check "unreachable server: says it cannot reach it" \
  grep -q "^stagemock probe: cannot reach http://127.0.0.1:1: Couldn't connect" "$work/down.out"
check "unreachable server: no talk of a refused file" eval '! grep -q "refused" "$work/down.out"'
[ "$(wc -l < "$work/down.out")" -eq 1 ] || cat "$work/down.out"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
