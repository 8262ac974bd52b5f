#!/usr/bin/env bash
# json_strict_test.sh - every JSON document stagemock writes parses under a
# strict reader (tests/support/json_strict.py): valid UTF-8, and every number
# written as a plain integer (no 1.79e+15, no 3.0) over the whole 64-bit
# range. Collected from one session: a server with a seed above 2^53, a data
# dir, --log json, uploads (some with hostile names: invalid UTF-8, NUL,
# 400 x 'é', a 30 KB unknown path) and the answers to all of them, the admin
# API (journal, stages, rules, scenario report), stagectl --json, stagemock
# inspect --json, the fixtures manifest, and a
# conform run (JSON report and artifact) whose printed seed is above 2^63,
# replayed with --seed and --replay. Also: the checker itself refuses an
# exponent and invalid UTF-8 (must-fail cases).
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
bin=$top/$build/stagemock
ctl=$top/$build/stagectl
strict="python3 $top/tests/support/json_strict.py"
work=${SM_KEEP_WORK:-$(mktemp -d)}
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null; wait 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
not() { ! "$@"; }
if ! command -v curl > /dev/null || ! command -v python3 > /dev/null; then
  echo "SKIP: needs curl and python3"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
cd "$work" || exit 1
out=$work/out; mkdir -p "$out"

# The checker refuses what it must.
printf '{"start_us":1.79632414690576e+15}' > bad-exp.json
printf '{"n":3.0}' > bad-frac.json
printf '{"name":"\xc3"}' > bad-utf8.json
printf '{"probability":0.25,"seed":18446744073709551615}' > good.json
check "checker refuses an exponent" not $strict bad-exp.json > /dev/null
check "checker refuses a fraction" not $strict bad-frac.json > /dev/null
check "checker refuses invalid UTF-8" not $strict bad-utf8.json > /dev/null
check "checker accepts integers up to 2^64-1" $strict good.json

# Fixtures and their manifest; inspect --json on every fixture.
"$bin" fixtures --out fx > /dev/null 2>&1
cp fx/manifest.json "$out/fixtures-manifest.json" 2> /dev/null
good=fx/parquet-only/valid/physical_types.snappy.parquet
check "fixtures written" test -s "$good"
"$bin" inspect --json $(find fx -name '*.parquet' | sort | head -200) > "$out/inspect.jsonl" 2> /dev/null

# A server with a seed above 2^53, a data dir and JSON log lines.
seed=18446744073709551557
"$bin" serve --port 0 --stage s1 --stage 'é-stage' --key k1 --seed $seed --data-dir data \
  --log json > serve.out 2> serve.err &
srv_pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^stagemock serving at //p' serve.out | head -1)
  [ -n "$url" ] && break
  sleep 0.05
done
check "server started" test -n "$url"
n=0
req() { # curl args... -> body in $out/answer-N.json, status in $status
  n=$((n + 1))
  status=$(curl -s -o "$out/answer-$n.json" -w '%{http_code}' "$@")
}
up() { # stage, file, filename
  req -H 'Authorization: Key k1' -F "stage_id=$1" -F "file=@$2;filename=$3" "$url/upload-to-stage"
}
up s1 "$good" a.parquet
check "upload answered 200" test "$status" = 200
up 'é-stage' "$good" 'ünï cödé.parquet'
check "upload to a non-ASCII stage answered 200" test "$status" = 200
long=$(printf 'é%.0s' $(seq 400))
up s1 "$good" "$long"
check "a 400 x 'é' name is accepted" test "$status" = 200
up s1 "$good" "$long"
check "the same name again is 409" test "$status" = 409
up s1 "$good" "$(printf 'bad\xff\xfe.parquet')"
check "a name that is not UTF-8 is 400" test "$status" = 400
check "... and the message says so" grep -q 'not valid UTF-8' "$out/answer-$n.json"
req -H 'Authorization: Key k1' -F "stage_id=$(printf 's1\xc3')" -F "file=@$good;filename=x.parquet" "$url/upload-to-stage"
check "a stage_id that is not UTF-8 is 400" test "$status" = 400
printf -- '--BoundaryXyZ\r\nContent-Disposition: form-data; name="stage_id"\r\n\r\ns1\0junk\r\n--BoundaryXyZ\r\nContent-Disposition: form-data; name="file"; filename="n.parquet"\r\n\r\n' > nul-body
cat "$good" >> nul-body
printf -- '\r\n--BoundaryXyZ--\r\n' >> nul-body
req -H 'Authorization: Key k1' -H 'Content-Type: multipart/form-data; boundary=BoundaryXyZ' --data-binary @nul-body "$url/upload-to-stage"
check "stage_id=s1\\0junk (multipart) is 400" test "$status" = 400
check "... naming stage_id and NUL" grep -q 'stage_id contains NUL' "$out/answer-$n.json"
req -H 'Authorization: Key k1' --data-binary 'stage_id=s1%00junk&file_name=a.parquet' "$url/download-from-stage"
check "stage_id=s1%00junk (urlencoded download) is 400" test "$status" = 400
req -H 'Authorization: Key k1' -H 'Content-Type: application/json' --data-binary '{"stage_id":"s1","file_name":"a.parquet\u0000x"}' "$url/download-from-stage"
check "file_name with \\u0000 (JSON download) is 400" test "$status" = 400
check "... naming file_name" grep -q 'file_name contains NUL' "$out/answer-$n.json"
req -H 'Authorization: Key k1' --data-binary 'stage_id=s1&file_name=%FF.parquet' "$url/download-from-stage"
check "a file_name that is not UTF-8 is 400" test "$status" = 400
req -H 'Authorization: Key k1' --data-binary 'stage_id=s1' "$url/list-stage-files"
check "list answered 200" test "$status" = 200
curl -s -o dl-long.parquet -H 'Authorization: Key k1' --data-binary "stage_id=s1&file_name=$long" \
  "$url/download-from-stage"
check "the 400 x 'é' name downloads" cmp -s dl-long.parquet "$good"
req "$url/$(head -c 30000 /dev/zero | tr '\0' 'x')%FF%C3"
check "a 30 KB unknown path without a key is 414 (JSON)" test "$status" = 414
req -X POST "$url/upload-to-stage"
check "no key is 401" test "$status" = 401
req -H 'Authorization: Key nope' -X POST --data-binary 'stage_id=s1' "$url/list-stage-files"
check "a wrong key is 401" test "$status" = 401
req -H 'Authorization: Key k1' --data-binary 'stage_id=nope' "$url/list-stage-files"
req -H 'Authorization: Key k1' -X PUT "$url/upload-to-stage"
"$ctl" --url "$url" --key k1 --json upload --stage s1 "$good" > "$out/stagectl-upload.jsonl" 2> /dev/null
"$ctl" --url "$url" --key k1 --json list --stage s1 > "$out/stagectl-list.jsonl" 2> /dev/null
"$ctl" --url "$url" --key k1 --json download --stage s1 --name nope --out dl.parquet > "$out/stagectl-fail.jsonl" 2> /dev/null
check "stagectl --json wrote lines" test -s "$out/stagectl-list.jsonl"
curl -s -X POST -H 'Content-Type: application/json' \
  --data-binary '{"name":"p","match":{"endpoint":"list","probability":0.5},"action":{"status":503,"headers":{"Retry-After":"1"}}}' \
  "$url/_stagemock/rules" > "$out/admin-rule-added.json"
req -H 'Authorization: Key k1' --data-binary 'stage_id=s1' "$url/list-stage-files"
for a in journal stages rules scenario; do
  curl -s "$url/_stagemock/$a" > "$out/admin-$a.json"
done
check "admin journal fetched" grep -q '"entries"' "$out/admin-journal.json"
check "journal seed exact ($seed)" grep -q "\"seed\":$seed" "$out/admin-journal.json"
check "journal has start_us as integers" grep -Eq '"start_us":[0-9]{16},' "$out/admin-journal.json"
check "journal counts dropped entries" grep -q '"dropped":0' "$out/admin-journal.json"
kill "$srv_pid"; wait "$srv_pid" 2> /dev/null; srv_pid=
grep '^{' serve.out > "$out/serve-log.jsonl" # the banner's lines are text
check "--log json wrote a line per request" test "$(wc -l < "$out/serve-log.jsonl")" -ge 20
# (the data dir keeps an append-only binary log now, no JSON index)

# conform: a seed above 2^63 round-trips through the report, the artifact,
# --seed and --replay.
cseed=12345678901234567890
"$bin" conform --adapter "$ctl --json --no-progress" --case 'auth-0*' --case 'bytes-01' \
  --seed $cseed -j 2 --color never --fixtures fx --json "$out/conform-report.json" \
  --artifact "$out/conform-artifact.json" > conform.out 2>&1
check "conform ran" test -s "$out/conform-report.json"
check "report seed exact" grep -q "\"seed\":[[:space:]]*$cseed" "$out/conform-report.json"
printed=$(sed -n 's/.*seed \([0-9]*\).*/\1/p' conform.out | head -1)
check "conform prints its seed ($printed)" test "$printed" = $cseed
"$bin" conform --adapter "$ctl --json --no-progress" --case 'auth-01' --seed "$printed" \
  --fixtures fx --color never --artifact - > reseed.out 2>&1
check "the printed seed is accepted by --seed" grep -q "seed $cseed" reseed.out
"$bin" conform --replay "$out/conform-artifact.json" --case auth-01 --fixtures fx --color never \
  --artifact - > replay.out 2>&1
check "--replay reads the artifact's seed exactly" grep -q "seed $cseed" replay.out

# Everything collected, strictly.
docs=() lines=()
for f in "$out"/*; do
  [ -s "$f" ] || continue
  case $f in
    *.jsonl) lines+=("$f") ;;
    *) docs+=("$f") ;;
  esac
done
echo "checked: ${#docs[@]} documents, ${#lines[@]} line files"
check "every JSON document is strict" $strict "${docs[@]}"
check "every JSON line is strict" $strict --lines "${lines[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
