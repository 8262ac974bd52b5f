# lib.sh - the body of the test adapters (POSIX sh + curl + jq), sourced by
# good.sh and by each broken-*.sh, which redefines exactly one function to
# plant exactly one defect. See good.sh for the protocol and why each part
# is correct; adapter_main at the bottom dispatches the verb.
# shellcheck shell=sh

: "${STAGE_API_URL:?}" "${STAGE_API_TIMEOUT:=10}"
KEY=${STAGE_API_KEY-}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# a JSON string from $1 (jq does the escaping)
jstr() { printf '%s' "$1" | jq -Rs .; }

# curl with the key, the timeout, body to $tmp/body, headers to $tmp/hdr;
# prints the status (000 on a transport error), curl's exit in $tmp/rc.
# No Expect: 100-continue (curl's default above 1 MiB; client-multipart-05).
call() {
  : > "$tmp/body"
  curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -H 'Expect:' \
    --max-time "$STAGE_API_TIMEOUT" --connect-timeout "$STAGE_API_TIMEOUT" \
    -H "Authorization: Key $KEY" "$@" 2>"$tmp/cerr"
  echo $? > "$tmp/rc"
}

# seconds to wait before retry number $1 (Retry-After, capped at 5 s)
retry_wait() {
  ra=$(sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]: *\([0-9]*\).*/\1/p' "$tmp/hdr" | tail -1)
  [ -n "$ra" ] || ra=1
  [ "$ra" -le 5 ] || ra=5
  printf '%s' "$ra"
}

# call, retrying 429/503 after Retry-After, at most 3 retries; a transport
# error is not retried (the server may have acted on the request)
with_retry() {
  n=0
  while :; do
    code=$(call "$@")
    case $code in 429|503) ;; *) break ;; esac
    [ $n -lt 3 ] || break
    sleep "$(retry_wait)"
    n=$((n + 1))
  done
  printf '%s' "$code"
}

# the failure line: the server's message, or a description of what came
# back instead (a transport error, a body that is not a JSON error)
fail_line() { # file status
  jq -Rsc --arg f "$1" --arg s "$2" --arg cerr "$(tr '\n' ' ' < "$tmp/cerr" 2>/dev/null)" '
    ([try (fromjson | .message | select(type == "string" and . != "")) catch empty]
     | first) as $m
    | ($s | tonumber) as $st
    | {file: $f, ok: false, status: $st,
       message: ($m // (if $st == 0 then "transport error: " + $cerr
                        else "HTTP \($st) with a body that is not a JSON error: " + .[0:200]
                        end))}' "$tmp/body"
}

# the filename= value for curl -F: backslash before \ and " (curl then sends
# a quote as %22, which the server decodes)
form_name() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }

# upload one file; prints its line; returns non-zero when it failed
upload_one() { # stage path
  base=${2##*/}
  cp "$2" "$tmp/upload.bin" || return 1
  code=$(with_retry -F "stage_id=$1" -F "file=@$tmp/upload.bin;filename=\"$(form_name "$base")\"" \
    "$STAGE_API_URL/upload-to-stage")
  line=
  case $code in
    2??) line=$(jq -c --arg f "$base" 'select((.file_id | type) == "string" and .file_id != "")
      | {file: $f, ok: true, file_id}' "$tmp/body" 2>/dev/null) ;;
  esac
  if [ -n "$line" ]; then
    printf '%s\n' "$line"
  else
    fail_line "$base" "$code"
    return 1
  fi
}

# one request per file, in the order given, each finished before the next
do_upload() { # stage files...
  s=$1; shift
  r=0
  for f in "$@"; do upload_one "$s" "$f" || r=1; done
  return $r
}

# write the body to a temporary file beside the target, renamed on success
save_download() { # out name code
  case $3 in
    2??) [ "$(cat "$tmp/rc")" = 0 ] || return 1
         part=$(mktemp "$(dirname "$1")/.download.XXXXXX") || return 1
         body=$tmp/body
         # a server that sends base64 text (RULES.md, download_encoding): every
         # stored file is parquet, so a body without the magic that decodes to
         # one is that text
         if [ "$(head -c 4 "$body")" != PAR1 ] && base64 -d < "$body" > "$tmp/decoded" 2>/dev/null &&
            [ "$(head -c 4 "$tmp/decoded")" = PAR1 ]; then
           body=$tmp/decoded
         fi
         if cp "$body" "$part" && mv "$part" "$1"; then return 0; fi
         rm -f "$part"; return 1 ;;
  esac
  return 1
}

do_download() { # stage name out
  code=$(with_retry --data-urlencode "stage_id=$1" --data-urlencode "file_name=$2" \
    "$STAGE_API_URL/download-from-stage")
  if save_download "$3" "$2" "$code"; then
    jq -nc --arg f "$2" '{file: $f, ok: true}'
    return 0
  fi
  fail_line "$2" "$code"
  return 1
}

do_list() { # stage
  code=$(with_retry --data-urlencode "stage_id=$1" "$STAGE_API_URL/list-stage-files")
  case $code in
    2??) jq -c '.files[] | {name, file_id}' "$tmp/body" 2>/dev/null && return 0 ;;
  esac
  fail_line "" "$code"
  return 1
}

adapter_main() {
  verb=${1-}
  [ $# -gt 0 ] && shift
  stage= name= out=
  while [ $# -gt 0 ]; do
    case $1 in
      --stage) stage=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --out) out=$2; shift 2 ;;
      *) break ;;
    esac
  done
  case $verb in
    upload) do_upload "$stage" "$@" ;;
    download) do_download "$stage" "$name" "$out" ;;
    list) do_list "$stage" ;;
    *) echo "usage: ${0##*/} upload|download|list --stage S ..." >&2; return 2 ;;
  esac
}
