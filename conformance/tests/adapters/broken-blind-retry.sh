#!/bin/sh
# broken-blind-retry.sh - DEFECT: when the connection fails, the same upload
# is sent again at once (up to 3 times), without asking whether the server
# already stored it. Breaks: `client-lost-response` (SHOULD: fails with --strict).
. "$(dirname "$0")/lib.sh"
with_retry() {
  n=0
  while :; do
    code=$(call "$@")
    case $code in 000|429|503) ;; *) break ;; esac
    [ $n -lt 3 ] || break
    [ "$code" = 000 ] || sleep "$(retry_wait)"
    n=$((n + 1))
  done
  printf '%s' "$code"
}
adapter_main "$@"
