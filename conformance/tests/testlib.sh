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
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
. "$top/tests/support/need.sh"
sm_need curl jq # the test adapters' tools
cd "$top"
