#!/usr/bin/env bash
# check-tidy.sh [FILE...] - clang-tidy (.clang-tidy) over the library and
# program sources, two files at a time. Tests and fuzz targets are left out:
# CMocka's macros trip checks meant for production code.
set -eu
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(git ls-files 'common/*.c' 'mock_server/src/*.c' 'mock_server/bin/*.c' 'clients/lib/*.c' \
    'clients/cli/*.c' 'fixtures/pqwrite/*.c' 'fixtures/gen/*.c' 'conformance/runner/*.c')
fi
[ ${#files[@]} -gt 0 ] || exit 0
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 sh -c \
  'clang-tidy --quiet "$@" -- -std=c11 -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE' _
echo "tidy: ${#files[@]} files clean"
