#!/usr/bin/env bash
# run.sh - the whole CI, as `.ci/run` calls it on a fresh clone:
#   deps (ci/install-deps.sh ci) -> format and static checks -> debug and asan builds (-Werror) ->
#   symbol check -> fuzz smoke -> make test under ASan/UBSan, then under
#   ThreadSanitizer -> the action's steps as a non-root user
#   (ci/check-action.sh) -> stagectl over
#   the whole corpus -> the
#   conformance suite against every reference client (one matrix run, then
#   the same over HTTPS) ->
#   the Debian packages (built, lintian, installed, run, removed).
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
python3 ci/check-include-cycles.py # components, folders, headers (tests/integration/include_cycles_test.sh)
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

step "tests (tsan)"
# The server, client and runner test binaries under ThreadSanitizer; races,
# also in the processes a test starts, land in build/tsan/test-logs/ and fail
# it (docs/ASSURANCE.md). About 2-4 minutes on 2 cores, build included.
make --no-print-directory -j"$jobs" MODE=tsan test-build
make --no-print-directory MODE=tsan test

step "the GitHub Action's steps as a non-root user on a fresh clone"
# action.yml run by ci/action_yaml.py as a throwaway user with sudo -n, as a
# hosted runner runs it: 0 for stagectl, 1 for a broken client, JUnit kept.
bash ci/check-action.sh

step "stagectl over the whole shared corpus"
# make test runs a sample (every rejected file, an eighth of the accepted
# ones); CI runs all of them. Skips itself where ../shared is absent.
SM_CORPUS_ALL=1 SM_BUILD=build/debug bash clients/tests/corpus_test.sh

step "conformance: the reference clients, one matrix, over HTTP and HTTPS"
# Every MUST case must pass for the C client (stagectl) and the Python, Node
# and shell adapters; the reports land in build/ci/ for the CI system to keep.
# Python without requests or Node before 20 (optional tools): left out, said.
mkdir -p build/ci
adapters=(--adapter "stagectl=build/debug/stagectl --json" --adapter "shell=sh clients/shell/stagectl.sh")
if /usr/bin/python3 -c 'import requests' 2> /dev/null; then
  adapters+=(--adapter "python=/usr/bin/python3 clients/python/stagectl.py")
else
  echo "skipping the python adapter: /usr/bin/python3 has no requests (python3-requests)"
fi
if command -v node > /dev/null && [ "$(node -p 'process.versions.node.split(".")[0] >= 20')" = true ]; then
  adapters+=(--adapter "node=node clients/node/stagectl.mjs")
else
  echo "skipping the node adapter: Node 20 or later not found"
fi
build/debug/stagemock conform --color never --artifact build/ci/conform-artifact.json \
  --junit build/ci/conform.xml --html build/ci/conform.html "${adapters[@]}"
# The same matrix over HTTPS: every case's server with a generated CA, handed
# to the clients as STAGE_API_CA (and CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE,
# SSL_CERT_FILE, NODE_EXTRA_CA_CERTS). About as long as the run above (2-3 min).
build/debug/stagemock conform --tls --color never --artifact build/ci/conform-tls-artifact.json \
  --junit build/ci/conform-tls.xml "${adapters[@]}"

step "Debian packages: make deb, lintian, dpkg -i, run, dpkg -r/-P"
# Installs and removes the packages on this machine (root or sudo -n; it
# skips itself otherwise), which is why it is not part of make test.
bash ci/check-deb.sh
