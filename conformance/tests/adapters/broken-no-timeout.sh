#!/bin/sh
# broken-no-timeout.sh - DEFECT: STAGE_API_TIMEOUT is ignored; curl waits as
# long as the server does. Breaks: `client-timeout` (SHOULD: fails with --strict).
STAGE_API_TIMEOUT=3600
export STAGE_API_TIMEOUT
. "$(dirname "$0")/lib.sh"
adapter_main "$@"
