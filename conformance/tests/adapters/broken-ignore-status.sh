#!/bin/sh
# broken-ignore-status.sh - DEFECT: any HTTP answer counts as success: the
# status is never looked at, and the file id is whatever the body holds.
# Breaks: `error-json`, and every rule whose rejection it hides
# (parquet-only, codec, unique-names, same-schema, auth).
. "$(dirname "$0")/lib.sh"
upload_one() {
  base=${2##*/}
  cp "$2" "$tmp/upload.bin" || return 1
  call -F "stage_id=$1" -F "file=@$tmp/upload.bin;filename=\"$(form_name "$base")\"" \
    "$STAGE_API_URL/upload-to-stage" > /dev/null
  id=$(jq -r '.file_id // "unknown"' "$tmp/body" 2>/dev/null || echo unknown)
  printf '{"file":%s,"ok":true,"file_id":%s}\n' "$(jstr "$base")" "$(jstr "$id")"
}
adapter_main "$@"
