#!/usr/bin/env bash
# har_test.sh - the HAR 1.2 that `stagemock serve --har FILE` writes at stop
# and GET /_stagemock/har answers: both pass the HAR 1.2 JSON schema
# (har-validator from npm, tests/har/node_modules) and our own checks
# (validate.js: UTF-8, integers, timings that add up, base64 that decodes);
# three broken copies must fail the validator. The content is what was sent:
# the upload's multipart body in base64, cut at --har-body-max with a note,
# the 409's rule and message, the download's bytes, the query string. The
# file appears only at stop, whole (no temporary file left), and the admin
# GET follows the admin API's access rules. Node absent: skipped.
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
here=$top/tests/har
. "$top/tests/support/need.sh"
sm_need curl node python3
if [ ! -d "$here/node_modules/har-validator" ]; then
  echo "skipping: no har-validator (ci/install-deps.sh test runs npm ci in tests/har)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
valid() { node "$here/validate.js" "$1" > "$work/v.out" 2>&1 || { cat "$work/v.out"; return 1; }; }
serve_wait() { # out file -> $url
  for _ in $(seq 100); do grep -q 'serving at' "$1" && break; sleep 0.05; done
  url=$(grep -o 'http://[0-9.:]*' "$1" | head -1)
}
stop() { kill -INT $pid; wait $pid 2>/dev/null; pid=; }

# a parquet file: the demo file serve writes
"$bin" serve > "$work/demo.out" 2>&1 & pid=$!
for _ in $(seq 100); do grep -q 'filename=demo.parquet' "$work/demo.out" && break; sleep 0.05; done
cp "$(grep -o 'file=@[^;]*' "$work/demo.out" | head -1 | cut -c7-)" "$work/x.parquet"
stop

"$bin" serve --stage s1 --key k1 --har "$work/out.har" --har-body-max 1024 > "$work/srv.out" 2>&1 &
pid=$!
serve_wait "$work/srv.out"
up() { curl -sS -o "$work/up.body" -w '%{http_code}' -H 'Authorization: Key k1' \
  -F stage_id=s1 -F "file=@$work/x.parquet;filename=$1" "$url/upload-to-stage"; }
check "upload 200" test "$(up a.parquet)" = 200
check "again: 409" test "$(up a.parquet)" = 409
curl -sS -H 'Authorization: Key k1' -d stage_id=s1 "$url/list-stage-files?page=1&x" > /dev/null
curl -sS -H 'Authorization: Key k1' -d stage_id=s1 -d file_name=a.parquet \
  -o "$work/dl.parquet" "$url/download-from-stage"
curl -sS -o /dev/null "$url/no/such%20path%C3%A9"
curl -sS -o /dev/null -H 'Host: odd host' "$url/x" # the entry's url is still a URI
check "no HAR file before stop" test ! -e "$work/out.har"
curl -sS "$url/_stagemock/har" > "$work/admin.har"
check "GET /_stagemock/har passes the HAR 1.2 schema" valid "$work/admin.har"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$url/_stagemock/har")
check "GET har: a foreign Host is refused like the other admin GETs" test "$code" = 403
stop
check "serve --har wrote the file at stop" test -s "$work/out.har"
check "no temporary file left" test -z "$(ls "$work" | grep 'out.har.tmp' || true)"
check "the file passes the HAR 1.2 schema" valid "$work/out.har"
check "serve said where" grep -q "HAR written to $work/out.har" "$work/srv.out"

# what the entries hold (python reads the file: JSON and base64 both ways)
cat > "$work/content.py" <<'PY'
import base64, json, sys
har = json.load(open(sys.argv[1]))
pq = open(sys.argv[2], 'rb').read()
e = har['log']['entries']
fails = []
def want(cond, what):
    if not cond: fails.append(what)
want(har['log']['version'] == '1.2', 'version 1.2')
want([x['response']['status'] for x in e[:6]] == [200, 409, 200, 200, 404, 404], 'statuses in order')
want(e[5]['request']['url'] == 'http://odd%20host/x', 'Host header percent-encoded')
up = e[0]['request']
hdr = {h['name'].lower(): h['value'] for h in up['headers']}
want(hdr.get('authorization') == 'Key k1', 'request headers kept')
pd = up['postData']
want(pd['mimeType'].startswith('multipart/form-data; boundary='), 'postData mimeType')
want(pd.get('_encoding') == 'base64', 'binary upload body is base64')
raw = base64.b64decode(pd['text'], validate=True)
want(len(raw) == 1024 and raw.startswith(b'--'), 'upload body cut at --har-body-max')
want(up['bodySize'] > 1024 and 'first 1024 of %d bytes' % up['bodySize'] in pd.get('comment', ''), 'cut noted with both sizes')
want('file_id' in e[0]['response']['content']['text'], 'upload answer text')
want('rule unique-names' in e[1]['comment'], '409 names its rule')
rh = {h['name']: h['value'] for h in e[1]['response']['headers']}
want(rh.get('X-Stagemock-Rule') == 'unique-names', 'response headers kept')
want(e[2]['request']['url'].endswith('/list-stage-files?page=1&x'), 'url with query')
want(e[2]['request']['queryString'] == [{'name': 'page', 'value': '1'}, {'name': 'x', 'value': ''}], 'queryString')
dl = e[3]['response']['content']
want(dl.get('encoding') == 'base64' and base64.b64decode(dl['text']) == pq[:1024], 'download bytes')
want(dl['size'] == len(pq), 'download size is the whole file')
want(' ' not in e[4]['request']['url'], 'url percent-encoded')
print('\n'.join(fails))
sys.exit(1 if fails else 0)
PY
check "entries hold what was sent and answered" python3 "$work/content.py" "$work/out.har" "$work/x.parquet"

# the validator must be able to fail: a status as a string, a missing version
python3 -c "
import json,sys; h=json.load(open(sys.argv[1])); h['log']['entries'][0]['response']['status']='200'
json.dump(h, open(sys.argv[2],'w'))" "$work/out.har" "$work/bad1.har"
python3 -c "
import json,sys; h=json.load(open(sys.argv[1])); del h['log']['version']
json.dump(h, open(sys.argv[2],'w'))" "$work/out.har" "$work/bad2.har"
python3 -c "
import json,sys; h=json.load(open(sys.argv[1])); h['log']['entries'][0]['request']['url']='http://odd host/x'
json.dump(h, open(sys.argv[2],'w'))" "$work/out.har" "$work/bad3.har"
check "must fail: a url with a space" sh -c "! node '$here/validate.js' '$work/bad3.har' > /dev/null 2>&1"
check "must fail: status as a string" sh -c "! node '$here/validate.js' '$work/bad1.har' > /dev/null 2>&1"
check "must fail: no log.version" sh -c "! node '$here/validate.js' '$work/bad2.har' > /dev/null 2>&1"

# without --har: the admin GET still gives valid HAR, saying what it lacks
"$bin" serve --stage s1 --key k1 > "$work/plain.out" 2>&1 & pid=$!
serve_wait "$work/plain.out"
up b.parquet > /dev/null
curl -sS "$url/_stagemock/har" > "$work/plain.har"
stop
check "without --har: valid" valid "$work/plain.har"
check "without --har: says headers and bodies were not kept" grep -q 'not kept' "$work/plain.har"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
