# testlib.sh - sourced by the conformance script tests that drive the test
# adapters: paths, a work dir removed on exit, pass/fail counting, and the
# skip (tests/support/need.sh) where the adapters' curl and jq are missing.
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
. "$top/tests/support/need.sh"
sm_need curl jq # the test adapters' tools
cd "$top"
