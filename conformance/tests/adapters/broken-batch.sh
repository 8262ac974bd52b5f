#!/bin/sh
# broken-batch.sh - DEFECT: all files of one call go in one multipart
# request (one `file` part each). Breaks: `one-file-per-request`.
. "$(dirname "$0")/lib.sh"
do_upload() {
  s=$1; shift
  [ $# -gt 1 ] || { upload_one "$s" "$1"; return; }
  i=0
  for f in "$@"; do
    i=$((i + 1)); cp "$f" "$tmp/u$i.bin"
  done
  # build the -F list positionally
  j=0
  for f in "$@"; do
    j=$((j + 1))
    set -- "$@" -F "file=@$tmp/u$j.bin;filename=\"$(form_name "${f##*/}")\""
  done
  shift "$i"
  code=$(call -F "stage_id=$s" "$@" "$STAGE_API_URL/upload-to-stage")
  r=0
  for a in "$@"; do
    case $a in file=*) ;; *) continue ;; esac
    nm=${a#*filename=\"}; nm=${nm%\"}
    case $code in
      2??) id=$(jq -r '.file_id // empty' "$tmp/body"); printf '{"file":%s,"ok":true,"file_id":%s}\n' "$(jstr "$nm")" "$(jstr "$id")" ;;
      *) fail_line "$nm" "$code"; r=1 ;;
    esac
  done
  return $r
}
adapter_main "$@"
