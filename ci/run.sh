#!/usr/bin/env bash
# run.sh - the whole CI, as `.ci/run` calls it on a fresh clone:
#   deps (ci/install-deps.sh ci) -> format and static checks -> debug and asan builds (-Werror) ->
#   symbol check -> fuzz smoke -> make test under ASan/UBSan -> stagectl over
#   the whole corpus -> the
#   conformance suite against every reference client (one matrix run).
# Each step prints a banner; the first failure stops the run with its status.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
bash ci/install-deps.sh ci

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

step "stagectl over the whole shared corpus"
# make test runs a sample (every rejected file, an eighth of the accepted
# ones); CI runs all of them. Skips itself where ../shared is absent.
SM_CORPUS_ALL=1 SM_BUILD=build/debug bash clients/tests/corpus_test.sh

step "conformance: the reference clients, one matrix"
# Every MUST case must pass for the C client (stagectl) and the Python, Node
# and shell adapters; the reports land in build/ci/ for the CI system to keep.
mkdir -p build/ci
build/debug/stagemock conform --color never --artifact build/ci/conform-artifact.json \
  --junit build/ci/conform.xml --html build/ci/conform.html \
  --adapter "stagectl=build/debug/stagectl --json" \
  --adapter "python=/usr/bin/python3 clients/python/stagectl.py" \
  --adapter "node=node clients/node/stagectl.mjs" \
  --adapter "shell=sh clients/shell/stagectl.sh"
