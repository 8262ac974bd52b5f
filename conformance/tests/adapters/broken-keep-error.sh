#!/bin/sh
# broken-keep-error.sh - DEFECT: the download body is written to --out
# whatever the status, so a 404's JSON error ends up as the "file".
# Breaks: `error-json` (nothing left behind on failure).
. "$(dirname "$0")/lib.sh"
save_download() {
  cp "$tmp/body" "$1"
  case $3 in 2??) return 0 ;; *) return 1 ;; esac
}
adapter_main "$@"
