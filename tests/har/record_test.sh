#!/usr/bin/env bash
# record_test.sh - `stagemock record` in front of a second stagemock with
# faults scripted on it (the 1st upload 503 with Retry-After, the 2nd
# download an HTML 502), then `stagemock serve --scenario` on what it wrote:
# a curl client sees the same statuses, bodies (the parquet download byte for
# byte) and headers through the replay as through the proxy, and a request
# beyond the recording gets a 500 saying so. session.har passes the HAR 1.2
# schema and holds no API key. An unreachable upstream is a JSON 502. Both
# directions stream: 64 MiB up and 64 MiB down go through a recorder whose
# peak RSS stays far below that (docs/SERVER.md "Recording").
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
here=$top/tests/har
. "$top/tests/support/need.sh"
sm_need curl python3
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
url_in() { # file pattern -> the first URL after it, waiting up to 5 s
  for _ in $(seq 100); do grep -q "$2" "$1" && break; sleep 0.05; done
  grep -o "$2 *http://[0-9.:]*" "$1" | head -1 | grep -o 'http://[0-9.:]*'
}
stop() { kill -INT "$1"; wait "$1" 2>/dev/null; }

"$bin" serve > "$work/demo.out" 2>&1 & demo=$!
for _ in $(seq 100); do grep -q 'filename=demo.parquet' "$work/demo.out" && break; sleep 0.05; done
cp "$(grep -o 'file=@[^;]*' "$work/demo.out" | head -1 | cut -c7-)" "$work/x.parquet"
stop $demo

# session BASE DIR: the client's requests; each step's status, body and
# headers into DIR
session() {
  local base=$1 d=$2 i=0
  mkdir -p "$d"
  step() { # curl args...
    i=$((i + 1))
    curl -sS -o "$d/$i.body" -D "$d/$i.hdr" -w '%{http_code}\n' "$@" >> "$d/statuses"
    grep -i -E '^(content-type|retry-after|x-stagemock-rule):' "$d/$i.hdr" | tr -d '\r' |
      tr 'A-Z' 'a-z' | sort > "$d/$i.h"
  }
  for _ in 1 2 3; do
    step -H 'Authorization: Key any' -F stage_id=s1 -F "file=@$work/x.parquet;filename=a.parquet" \
      "$base/upload-to-stage"
  done
  step -H 'Authorization: Key any' -d stage_id=s1 "$base/list-stage-files"
  step -H 'Authorization: Key any' -d stage_id=s1 -d file_name=a.parquet "$base/download-from-stage"
  step -H 'Authorization: Key any' -d stage_id=s1 -d file_name=a.parquet "$base/download-from-stage"
  step -H 'Authorization: Key any' -d stage_id=s1 -d file_name=nope.parquet "$base/download-from-stage"
  step -H 'Authorization: Key any' -d stage_id=s9 "$base/list-stage-files"
}

"$bin" serve --stage s1 --key k-secret-1 --seed 7 \
  --fault 'upload:nth=1:status=503:retry-after=1' \
  --fault 'download:nth=2:status=502:content-type=text/html:body=<h1>Bad Gateway</h1>' \
  > "$work/up.out" 2>&1 & up=$!; pids+=($up)
upstream=$(url_in "$work/up.out" 'serving at')
"$bin" record --upstream "$upstream/" --key k-secret-1 --out "$work/rec" > "$work/rec.out" 2>&1 &
rec=$!; pids+=($rec)
proxy=$(url_in "$work/rec.out" 'proxying')
check "record prints its URL" test -n "$proxy"
session "$proxy" "$work/through"
stop $rec
stop $up
want="503 200 409 200 200 502 404 404"
check "through the proxy: the upstream's statuses ($want)" \
  test "$(tr '\n' ' ' < "$work/through/statuses")" = "$want "
check "through the proxy: the download is the file" cmp -s "$work/through/5.body" "$work/x.parquet"
check "through the proxy: Retry-After passed on" grep -qx 'retry-after: 1' "$work/through/1.h"
check "record wrote session.har and scenario.json" \
  test -s "$work/rec/session.har" -a -s "$work/rec/scenario.json"
check "neither file holds the API key" sh -c "! grep -q k-secret-1 '$work/rec/session.har' '$work/rec/scenario.json'"
check "record says how many" grep -q '8 exchanges recorded' "$work/rec.out"
if sm_have node && [ -d "$here/node_modules/har-validator" ]; then
  check "session.har passes the HAR 1.2 schema" sh -c "node '$here/validate.js' '$work/rec/session.har' > /dev/null"
else
  echo "skipping the schema check of session.har: no node or har-validator"
fi
python3 - "$work/rec/session.har" > "$work/har.check" 2>&1 <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))['log']['entries']
assert [x['response']['status'] for x in e] == [503, 200, 409, 200, 200, 502, 404, 404], 'statuses'
assert all(x['request']['url'].startswith('http://127.0.0.1:') for x in e), 'upstream urls'
assert e[0]['request']['postData']['_encoding'] == 'base64', 'upload body kept'
assert e[4]['response']['content']['encoding'] == 'base64', 'download body kept'
PY
check "session.har holds the exchanges in order (${work##*/}/har.check)" test $? -eq 0

"$bin" serve --scenario "$work/rec/scenario.json" > "$work/replay.out" 2>&1 & rp=$!; pids+=($rp)
replay=$(url_in "$work/replay.out" 'serving at')
session "$replay" "$work/replayed"
code=$(curl -sS -o "$work/beyond" -w '%{http_code}' -H 'Authorization: Key any' -d stage_id=s1 \
  "$replay/list-stage-files")
stop $rp
check "replay: the same statuses" cmp -s "$work/through/statuses" "$work/replayed/statuses"
for i in 1 2 3 4 5 6 7 8; do
  check "replay step $i: the same body" cmp -s "$work/through/$i.body" "$work/replayed/$i.body"
  check "replay step $i: the same Content-Type, Retry-After, rule" \
    cmp -s "$work/through/$i.h" "$work/replayed/$i.h"
done
check "replay: a request beyond the recording is a 500 saying so" \
  sh -c "test $code = 500 && grep -q 'had 8 requests' '$work/beyond'"
# the comparison can fail: the upstream without its faults answers otherwise
"$bin" serve --stage s1 --key k-secret-1 > "$work/plain.out" 2>&1 & pl=$!; pids+=($pl)
plain=$(url_in "$work/plain.out" 'serving at')
"$bin" record --upstream "$plain" --key k-secret-1 --out "$work/rec2" > "$work/rec2.out" 2>&1 &
rec2=$!; pids+=($rec2)
session "$(url_in "$work/rec2.out" 'proxying')" "$work/plain"
stop $rec2
check "must differ: the same session without the faults" \
  sh -c "! cmp -s '$work/through/statuses' '$work/plain/statuses'"

# an upstream nobody listens on: a JSON 502 naming the error
"$bin" record --upstream http://127.0.0.1:1 --key k --out "$work/rec3" > "$work/rec3.out" 2>&1 &
rec3=$!; pids+=($rec3)
p3=$(url_in "$work/rec3.out" 'proxying')
code=$(curl -sS -o "$work/gw" -w '%{http_code}' -d stage_id=s1 "$p3/list-stage-files")
stop $rec3
check "unreachable upstream: 502" test "$code" = 502
check "unreachable upstream: JSON naming it" grep -q '"message":"stagemock record: upstream: ' "$work/gw"

# a stop with a transfer in flight that the upstream stalls: the recorder
# does not wait for it (generous bound: 5 s)
"$bin" serve --stage s1 --key k1 --fault 'list:response-stall=5' > "$work/st.out" 2>&1 & st=$!
pids+=($st)
ust=$(url_in "$work/st.out" 'serving at')
"$bin" record --upstream "$ust" --key k1 --out "$work/rec6" > "$work/rec6.out" 2>&1 & rec6=$!
pids+=($rec6)
p6=$(url_in "$work/rec6.out" 'proxying')
curl -sS -m 20 -o /dev/null -d stage_id=s1 "$p6/list-stage-files" 2> /dev/null & cl=$!
sleep 0.5
t0=$(date +%s%N)
stop $rec6
t1=$(date +%s%N)
wait $cl 2> /dev/null
check "stop with a stalled transfer in flight returns in under 5 s ($(((t1 - t0) / 1000000)) ms)" \
  test $(((t1 - t0) / 1000000)) -lt 5000
check "and still writes the session" test -s "$work/rec6/session.har"
stop $st

# streaming: 64 MiB up (an upload the upstream reads whole, then refuses) and
# 64 MiB down (a plain file server), recorded with 4 KiB of each body kept
head -c $((64 << 20)) /dev/urandom > "$work/big.bin"
mkdir -p "$work/www" && ln -s "$work/big.bin" "$work/www/big.bin"
python3 -m http.server --bind 127.0.0.1 0 --directory "$work/www" > "$work/www.out" 2>&1 &
www=$!; pids+=($www)
for _ in $(seq 100); do grep -q 'port' "$work/www.out" && break; sleep 0.05; done
wport=$(grep -o 'port [0-9]*' "$work/www.out" | head -1 | cut -d' ' -f2)
"$bin" record --upstream "http://127.0.0.1:$wport" --key k --out "$work/rec4" --body-max 4096 \
  > "$work/rec4.out" 2>&1 & rec4=$!; pids+=($rec4)
p4=$(url_in "$work/rec4.out" 'proxying')
curl -sS -o "$work/big.copy" "$p4/big.bin"
check "64 MiB down through the proxy, byte for byte" cmp -s "$work/big.bin" "$work/big.copy"
"$bin" serve --stage s1 --key k1 --max-upload $((128 << 20)) > "$work/up5.out" 2>&1 & up5=$!
pids+=($up5)
u5=$(url_in "$work/up5.out" 'serving at')
"$bin" record --upstream "$u5" --key k1 --out "$work/rec5" --body-max 4096 > "$work/rec5.out" 2>&1 &
rec5=$!; pids+=($rec5)
p5=$(url_in "$work/rec5.out" 'proxying')
code=$(curl -sS -o /dev/null -w '%{http_code}' -F stage_id=s1 -F "file=@$work/big.bin;filename=b.parquet" \
  "$p5/upload-to-stage")
check "64 MiB up through the proxy: the upstream judged all of it (400)" test "$code" = 400
got=$(curl -sS "$u5/_stagemock/journal" | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["size"])')
check "the upstream received every byte ($got)" test "$got" = $((64 << 20))
hwm4=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$rec4/status)
hwm5=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$rec5/status)
echo "recorder peak RSS: ${hwm4} kB (64 MiB down), ${hwm5} kB (64 MiB up)"
check "streams down: peak RSS under 48 MiB" test "$hwm4" -lt $((48 << 10))
check "streams up: peak RSS under 48 MiB" test "$hwm5" -lt $((48 << 10))
stop $rec4
stop $rec5
stop $up5
check "a body past --body-max is noted in the HAR" \
  grep -q 'the first 4096 of 67108864 bytes are kept' "$work/rec4/session.har"
check "and in the scenario rule's name, with a warning" \
  sh -c "grep -q 'body cut: first 4096 of 67108864 bytes' '$work/rec4/scenario.json' && grep -q 'replay sends them cut' '$work/rec4.out'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
