#!/bin/sh
# broken-textmode.sh - DEFECT: the downloaded body is treated as text: CR
# bytes are dropped on the way to the file. Breaks: `bytes`.
. "$(dirname "$0")/lib.sh"
save_download() {
  case $3 in
    2??) [ "$(cat "$tmp/rc")" = 0 ] && tr -d '\r' < "$tmp/body" > "$1" ;;
    *) return 1 ;;
  esac
}
adapter_main "$@"
