#!/usr/bin/env bash
# check-banned.sh - fail on calls to functions we do not use (STYLE.md 10):
# unbounded string writers and parsers without error reporting.
set -eu
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|strncpy|gets|atoi|atol|strtok)[[:space:]]*\('
# Comment lines are prose ("which rule an error gets (the ...") and do not count.
if git ls-files '*.c' '*.h' | xargs -r grep -nE "$pattern" | grep -v 'banned-ok' |
   grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)'; then
  echo "banned: the calls above use functions that STYLE.md bans" >&2
  exit 1
fi
echo "banned: none"
