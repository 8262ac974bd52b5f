#!/bin/sh
# broken-names.sh - DEFECT: names are "sanitised" before upload: anything but
# letters, digits, '.', '-' and '_' becomes '_'. Breaks: `client-names`.
. "$(dirname "$0")/lib.sh"
form_name() { printf '%s' "$1" | LC_ALL=C sed 's/[^A-Za-z0-9._-]/_/g'; }
adapter_main "$@"
