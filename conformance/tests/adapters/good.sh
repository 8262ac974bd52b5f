#!/bin/sh
# good.sh - a correct stage API adapter (POSIX sh + curl + jq): the suite's
# proof that a conforming client passes every case.
#
#   good.sh upload --stage S FILE...      one request per file, in order
#   good.sh download --stage S --name N --out P
#   good.sh list --stage S
#
# Environment: STAGE_API_URL, STAGE_API_KEY, STAGE_API_TIMEOUT (seconds).
# Output: one JSON line per file (docs/ADAPTER.md); exit 0 when all are ok.
# Correct because: the key on every request; one file part per upload, one
# upload at a time, in order; names passed through curl's quoted filename=;
# any non-2xx, transport error or 200 without a file id is a failure with the
# server's message (or a description when the body is not JSON); 429/503
# retried after Retry-After at most 3 times; a transport error never retried
# blindly; downloads land in a temp file renamed only on success (base64
# text from a download_encoding=base64 server is decoded); curl's
# --max-time is the adapter's own timeout.
. "$(dirname "$0")/lib.sh"
adapter_main "$@"
