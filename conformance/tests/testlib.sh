# testlib.sh - sourced by the conformance script tests that drive the test
# adapters: paths, a work dir removed on exit, pass/fail counting, and the
# skip (counted, with the reason) where the adapters' curl and jq are missing.
# After sourcing: $top, $bin (stagemock), $ad (the adapters), $work, check().
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
ad=$top/conformance/tests/adapters
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
if ! command -v jq > /dev/null || ! command -v curl > /dev/null; then
  echo "SKIP: the test adapters need curl and jq"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
cd "$top"
