# check.sh - sourced by the script tests after they set $top: the counters
# every script test ends with ("N passed, N failed[, N skipped]", which
# tests/run-all.sh reads) and check NAME COMMAND..., which runs the command
# and counts it, printing "FAIL: NAME" when it fails.
passed=0 failed=0 skipped=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
