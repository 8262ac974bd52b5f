#!/usr/bin/env bash
# check-format.sh - fail when a tracked .c/.h file is not as clang-format
# (.clang-format) would write it. `make format` fixes them.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
