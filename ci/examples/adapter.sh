#!/bin/sh
# adapter.sh - an example adapter for the CI examples: it turns the
# conformance runner's three calls into your client's command line and its
# answers into one JSON line per file (docs/ADAPTER.md). Replace the body
# with your client; this one wraps stagemock's own stagectl.
#
#   adapter.sh upload --stage S FILE...
#   adapter.sh download --stage S --name N --out P
#   adapter.sh list --stage S
#
# STAGE_API_URL, STAGE_API_KEY and STAGE_API_TIMEOUT come from the runner.
exec stagectl --json --no-progress "$@"
