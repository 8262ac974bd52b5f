#!/bin/sh
# stagectl.sh - a stage API client in POSIX sh with curl (and jq for JSON),
# speaking the adapter protocol (docs/ADAPTER.md).
#
#   stagectl.sh upload --stage S FILE...
#   stagectl.sh download --stage S --name N [--out PATH]
#   stagectl.sh list --stage S
#
# Environment: STAGE_API_URL, STAGE_API_KEY, STAGE_API_TIMEOUT (seconds: the
# connect timeout, and how long a transfer may crawl below 1 KiB/s; curl
# averages its speed over the last 5 s, hence a limit well above one byte a
# second: a stall right after a fast megabyte is noticed up to ~5 s late).
# Output: one JSON line per file. Exit: 0 ok, 1 rejected, 2 usage,
# 3 transport/timeout, 4 local file error (the largest wins).
#
# Why it is correct: the key on every request; one curl per file, one after
# another, in the order given; the file goes through a symlink so any path
# works in -F, and the name is passed as a quoted filename= (curl escapes `"`
# as %22); any non-2xx or a 2xx without file_id is a failure with the server's
# message; 429/503 retried at most 3 times after Retry-After (capped at 5 s);
# a lost upload answer is checked against the listing before a retry;
# downloads go to PATH.part, renamed only after a complete 200 (a text answer
# is base64 of the file and is decoded), and an error body never stays on disk.
set -u
T=${STAGE_API_TIMEOUT:-30}
T=${T%%.*}; [ -n "$T" ] && [ "$T" -gt 0 ] 2>/dev/null || T=1
KEY=${STAGE_API_KEY-}
tmp=$(mktemp -d) || exit 4
trap 'rm -rf "$tmp"' EXIT INT TERM

usage() { echo "stagectl.sh: $1" >&2; echo "usage: stagectl.sh upload|download|list --stage S ..." >&2; exit 2; }

verb=${1-}; [ $# -gt 0 ] && shift
stage= name= out=
# options first or among the files; files collected in order into $tmp/files
: > "$tmp/files"
while [ $# -gt 0 ]; do
  case $1 in
    --stage|--name|--out)
      [ $# -ge 2 ] || usage "$1 needs a value"
      case $1 in --stage) stage=$2 ;; --name) name=$2 ;; --out) out=$2 ;; esac
      shift 2 ;;
    *) printf '%s\n' "$1" >> "$tmp/files"; shift ;;
  esac
done
[ -n "${STAGE_API_URL-}" ] || usage "STAGE_API_URL is not set"
[ -n "$stage" ] || usage "--stage is required"
URL=${STAGE_API_URL%/}
[ -z "${STAGE_API_CA-}" ] || export CURL_CA_BUNDLE="$STAGE_API_CA" # https: the CA to trust (curl reads it)

# call PATH CURL-ARGS...: body in $tmp/body, headers in $tmp/hdr, status on
# stdout (000: no answer), curl's exit code in $tmp/rc.
call() {
  p=$1; shift
  curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -H 'Expect:' \
    --connect-timeout "$T" --speed-limit 1024 --speed-time "$T" \
    -H "Authorization: Key $KEY" "$@" "$URL$p" 2>"$tmp/cerr"
  echo $? > "$tmp/rc"
}

# call with up to 3 retries on 429/503, waiting Retry-After (at most 5 s)
call_retry() {
  i=0
  while :; do
    code=$(call "$@")
    case $code in 429|503) [ $i -lt 3 ] || break ;; *) break ;; esac
    ra=$(sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]: *\([0-9]*\).*/\1/p' "$tmp/hdr" | tail -n 1)
    [ -n "$ra" ] || ra=1
    [ "$ra" -le 5 ] || ra=5
    sleep "$ra"
    i=$((i + 1))
  done
  printf '%s' "$code"
}

# message STATUS: the server's message, or what came back instead
message() {
  m=$(jq -er '.message | select(type == "string" and . != "")' "$tmp/body" 2>/dev/null)
  if [ -n "$m" ]; then printf '%s' "$m"
  elif [ "$1" = 000 ] || [ "$1" = 0 ]; then printf 'no complete answer from the server: %s' "$(tr '\n' ' ' < "$tmp/cerr")"
  else printf 'HTTP %s with a body that is not a JSON error: %s' "$1" \
    "$(head -c 160 "$tmp/body" | tr -d '\000' | tr '\r\n' '  ')"
  fi
}

rule() { sed -n 's/^[Xx]-[Ss]tagemock-[Rr]ule: *\([^[:space:]]*\).*/\1/p' "$tmp/hdr" | tail -n 1; }

# fail KEY WHAT STATUS CODE: print the failure line, remember the exit code
worst=0
fail() {
  jq -cn --arg k "$1" --arg w "$2" --argjson s "$(printf '%d' "$3")" --arg m "$(message "$3")" \
    --arg r "$(rule)" '{($k): $w, ok: false, status: $s, message: $m, rule: (if $r == "" then null else $r end)}'
  [ "$4" -le "$worst" ] || worst=$4
}

# in_stage NAME SIZE: print the file id when the stage holds NAME of SIZE bytes
in_stage() {
  code=$(call /list-stage-files --data-urlencode "stage_id=$stage")
  [ "$code" = 200 ] || return 1
  jq -r --arg n "$1" --argjson s "$2" \
    '.files[] | select(.name == $n and .size == $s) | .file_id' "$tmp/body" 2>/dev/null | head -n 1
}

upload_one() {
  f=$1; base=${f##*/}
  [ -f "$f" ] && [ -r "$f" ] || { printf 'cannot read %s' "$f" > "$tmp/cerr"; : > "$tmp/body"; : > "$tmp/hdr"; fail file "$base" 0 4; return; }
  size=$(wc -c < "$f" | tr -d ' ')
  case $f in /*) abs=$f ;; *) abs=$PWD/$f ;; esac
  ln -sf "$abs" "$tmp/upload.bin"
  q=$(printf '%s' "$base" | sed 's/[\\"]/\\&/g')
  tries=0
  while :; do
    code=$(call_retry /upload-to-stage -F "stage_id=$stage" -F "file=@$tmp/upload.bin;filename=\"$q\";type=application/octet-stream")
    if [ "$code" = 000 ] && [ "$(cat "$tmp/rc")" != 28 ]; then
      # no answer: the server may have stored it; look before trying again
      cp "$tmp/cerr" "$tmp/cerr.up"
      id=$(in_stage "$base" "$size") || { cp "$tmp/cerr.up" "$tmp/cerr"; : > "$tmp/body"; fail file "$base" 0 3; return; }
      if [ -n "$id" ]; then jq -cn --arg f "$base" --arg i "$id" '{file: $f, ok: true, file_id: $i}'; return; fi
      cp "$tmp/cerr.up" "$tmp/cerr"; : > "$tmp/body"
      tries=$((tries + 1)); [ $tries -le 3 ] || { fail file "$base" 0 3; return; }
      continue
    fi
    break
  done
  case $code in
    000) fail file "$base" 0 3 ;;
    2??) id=$(jq -er '.file_id | select(type == "string" and . != "")' "$tmp/body" 2>/dev/null)
         if [ -n "$id" ]; then jq -cn --arg f "$base" --arg i "$id" '{file: $f, ok: true, file_id: $i}'
         else printf '{"message":"answer has no file_id"}' > "$tmp/body"; fail file "$base" "$code" 1; fi ;;
    *) fail file "$base" "$code" 1 ;;
  esac
}

case $verb in
upload)
  while IFS= read -r f; do upload_one "$f"; done < "$tmp/files" ;;
download)
  [ -n "$name" ] || usage "download needs --name"
  [ -n "$out" ] || out=$name
  part=$out.part
  code=$(call_retry /download-from-stage --data-urlencode "stage_id=$stage" --data-urlencode "file_name=$name")
  # a text answer is base64 of the file (RULES.md download_encoding)
  bad=
  if [ "$code" = 200 ] && grep -qi '^content-type: *text/' "$tmp/hdr"; then
    if base64 -d < "$tmp/body" > "$tmp/decoded" 2>/dev/null; then mv "$tmp/decoded" "$tmp/body"
    else printf '{"message":"download answered text that is not base64"}' > "$tmp/body"; bad=1; fi
  fi
  if [ -z "$bad" ] && [ "$code" = 200 ] && [ "$(cat "$tmp/rc")" = 0 ] && cp "$tmp/body" "$part" && mv "$part" "$out"; then
    jq -cn --arg f "$name" --argjson s "$(wc -c < "$out" | tr -d ' ')" '{file: $f, ok: true, size: $s}'
  else
    rm -f "$part"
    if [ -n "$bad" ]; then fail file "$name" 200 1; else
      case $code in 000|200) fail file "$name" 0 3 ;; *) fail file "$name" "$code" 1 ;; esac
    fi
  fi ;;
list)
  code=$(call_retry /list-stage-files --data-urlencode "stage_id=$stage")
  case $code in
    200) jq -c '.files[] | {name, file_id, size}' "$tmp/body" || fail stage "$stage" "$code" 1 ;;
    000) fail stage "$stage" 0 3 ;;
    *) fail stage "$stage" "$code" 1 ;;
  esac ;;
*) usage "unknown command '$verb'" ;;
esac
exit $worst
