#!/bin/sh
# broken-nokey.sh - DEFECT: the list request is sent without the
# Authorization header (uploads and downloads carry it).
# Breaks: `auth` (journal key on every request), and every list step.
. "$(dirname "$0")/lib.sh"
do_list() {
  code=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time "$STAGE_API_TIMEOUT" \
    --data-urlencode "stage_id=$1" "$STAGE_API_URL/list-stage-files" 2>"$tmp/cerr")
  case $code in
    2??) jq -c '.files[] | {name, file_id}' "$tmp/body" 2>/dev/null && return 0 ;;
  esac
  fail_line "" "$code"
  return 1
}
adapter_main "$@"
