#!/usr/bin/env bash
# run.sh - the whole CI, as `.ci/run` calls it on a fresh clone:
#   deps -> format and static checks -> debug and asan builds (-Werror) ->
#   make test under ASan/UBSan -> symbol check -> fuzz smoke.
# Each step prints a banner; the first failure stops the run with its status.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
bash ci/install-deps.sh

step "format and static checks"
bash ci/check-format.sh
bash ci/check-banned.sh
make --no-print-directory cppcheck
bash ci/check-tidy.sh

step "build: debug (-Werror)"
make --no-print-directory -j"$jobs" MODE=debug all

step "build: asan (-Werror)"
make --no-print-directory -j"$jobs" MODE=asan test-build

step "symbols"
bash ci/check-symbols.sh build/asan

step "fuzz smoke"
make --no-print-directory fuzz FUZZ_SECONDS="${SM_FUZZ_SECONDS:-60}"

step "tests (asan)"
make --no-print-directory MODE=asan test
