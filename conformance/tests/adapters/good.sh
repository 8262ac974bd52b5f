#!/bin/sh
# good.sh - a correct stage API adapter in POSIX sh + curl (+ jq for JSON),
# the conformance suite's proof that a conforming client passes every case.
#
#   good.sh upload --stage S FILE...      one request per file, in order
#   good.sh download --stage S --name N --out P
#   good.sh list --stage S
#
# Environment: STAGE_API_URL, STAGE_API_KEY, STAGE_API_TIMEOUT (seconds).
# Output: one JSON line per file (docs/ADAPTER.md); exit 0 when all are ok.
# What makes it correct: the key on every request; one file part per upload,
# one upload at a time; names passed through curl's quoted filename= (curl
# escapes '"' as %22); any non-2xx, transport error or 200 without a file id
# is a failure carrying the server's message (or a made-up one when the body
# is not JSON); 429/503 retried after Retry-After at most 3 times; a transport
# error is never retried blindly (the server may have committed the file);
# downloads go to a temporary file renamed only on success.
set -u
: "${STAGE_API_URL:?}" "${STAGE_API_TIMEOUT:=10}"
KEY=${STAGE_API_KEY-}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
verb=${1-}; shift || true
stage= name= out=
files=
while [ $# -gt 0 ]; do
  case $1 in
    --stage) stage=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) break ;;
  esac
done

# JSON string from $1 (jq does the escaping)
jstr() { printf '%s' "$1" | jq -Rs .; }

# curl with the common options; writes body to $tmp/body, headers to $tmp/hdr,
# prints the status (000 on a transport error); curl's exit in $tmp/rc
call() {
  curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' \
    --max-time "$STAGE_API_TIMEOUT" --connect-timeout "$STAGE_API_TIMEOUT" \
    -H "Authorization: Key $KEY" "$@" 2>"$tmp/cerr"
  echo $? > "$tmp/rc"
}

# the server's message, or a description of what came back
message() { # status
  m=$(jq -er '.message | select(type == "string" and . != "")' "$tmp/body" 2>/dev/null)
  if [ -n "$m" ]; then printf '%s' "$m"; return; fi
  if [ "$1" = 000 ]; then printf 'transport error: %s' "$(tr '\n' ' ' < "$tmp/cerr")"; return; fi
  printf 'HTTP %s with a body that is not a JSON error: %s' "$1" \
    "$(head -c 200 "$tmp/body" | tr -d '\000' | tr '\r\n' '  ')"
}

# retry 429/503 honouring Retry-After (capped at 5 s), at most 3 retries
with_retry() {
  n=0
  while :; do
    code=$(call "$@")
    case $code in 429|503) ;; *) break ;; esac
    [ $n -lt 3 ] || break
    ra=$(sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]: *\([0-9]*\).*/\1/p' "$tmp/hdr" | tail -1)
    [ -n "$ra" ] || ra=1
    [ "$ra" -le 5 ] || ra=5
    sleep "$ra"
    n=$((n + 1))
  done
  printf '%s' "$code"
}

fail_line() { # file status
  printf '{"file":%s,"ok":false,"status":%s,"message":%s}\n' "$(jstr "$1")" \
    "$(printf '%d' "$2")" "$(jstr "$(message "$2")")"
}

rc=0
case $verb in
upload)
  for f in "$@"; do
    base=${f##*/}
    cp "$f" "$tmp/upload.bin" || { rc=1; continue; }
    q=$(printf '%s' "$base" | sed 's/[\\"]/\\&/g')
    code=$(with_retry -F "stage_id=$stage" -F "file=@$tmp/upload.bin;filename=\"$q\"" \
      "$STAGE_API_URL/upload-to-stage")
    id=
    case $code in 2??) id=$(jq -er '.file_id | select(type == "string" and . != "")' "$tmp/body" 2>/dev/null) ;; esac
    if [ -n "$id" ]; then
      printf '{"file":%s,"ok":true,"file_id":%s}\n' "$(jstr "$base")" "$(jstr "$id")"
    else
      fail_line "$base" "$code"; rc=1
    fi
  done ;;
download)
  dir=$(dirname "$out")
  part=$(mktemp "$dir/.download.XXXXXX") || exit 2
  code=$(with_retry --data-urlencode "stage_id=$stage" --data-urlencode "file_name=$name" \
    "$STAGE_API_URL/download-from-stage")
  case $code in
    2??) if [ "$(cat "$tmp/rc")" = 0 ]; then
           cp "$tmp/body" "$part" && mv "$part" "$out" &&
             printf '{"file":%s,"ok":true}\n' "$(jstr "$name")" && exit 0
         fi ;;
  esac
  rm -f "$part"
  fail_line "$name" "$code"; rc=1 ;;
list)
  code=$(with_retry --data-urlencode "stage_id=$stage" "$STAGE_API_URL/list-stage-files")
  case $code in
    2??) jq -c '.files[] | {name, file_id}' "$tmp/body" 2>/dev/null || { fail_line "" "$code"; rc=1; } ;;
    *) fail_line "" "$code"; rc=1 ;;
  esac ;;
*) echo "usage: $0 upload|download|list --stage S ..." >&2; exit 2 ;;
esac
exit $rc
