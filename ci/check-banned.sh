#!/usr/bin/env bash
# check-banned.sh - fail on calls to functions we do not use (STYLE.md 10):
# unbounded string writers and parsers without error reporting.
set -eu
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|strncpy|gets|atoi|atol|strtok)[[:space:]]*\('
if git ls-files '*.c' '*.h' | xargs -r grep -nE "$pattern" | grep -v 'banned-ok'; then
  echo "banned: the calls above use functions that STYLE.md bans" >&2
  exit 1
fi
echo "banned: none"
