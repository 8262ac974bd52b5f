#!/usr/bin/env bash
# include_cycles_test.sh - ci/check-include-cycles.py passes on the tree and
# fails on a copy of the tree's sources with one cycle planted, at each level
# it checks: between components (the old one, mock_server/bin including the
# runner's private header while the runner includes mock_server/src, and one
# between the server library and the fixtures), between folders (the core
# including scenario/ back, which includes ../internal.h), between headers
# (two private headers including each other), and a cycle through a public
# header under include/. Each must-fail copy lives in a temp dir.
set -u
top=${SM_TOP:-$PWD}
. "$top/tests/support/need.sh"
sm_need python3
py=/usr/bin/python3
[ -x "$py" ] || py=python3
checker=$top/ci/check-include-cycles.py
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

# The tree as it is: no cycle at any level.
"$py" "$checker" --root "$top" > "$work/real.out" 2>&1
rc=$?
cat "$work/real.out"
check "the tree passes (exit 0)" test $rc -eq 0
for level in components folders headers; do
  check "the tree's $level graph was read (nodes and edges)" \
    grep -qE "^include cycles: $level: none \([1-9][0-9]* nodes, [1-9][0-9]* edges\)" "$work/real.out"
done

# A copy of the sources (not a git tree: the checker walks it).
mkdir -p "$work/tree"
(cd "$top" && git ls-files -z -- '*.c' '*.h' 2> /dev/null | xargs -0 -r cp --parents -t "$work/tree")
[ -f "$work/tree/mock_server/src/internal.h" ] ||
  (cd "$top" && find . -path ./build -prune -o -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$work/tree")
check "the copy passes too" "$py" "$checker" --root "$work/tree" --quiet

fresh() { rm -rf "$work/t"; cp -r "$work/tree" "$work/t"; }
# plant FILE LINE: add an include line at the top of FILE in the copy.
plant() { sed -i "1i $2" "$work/t/$1"; }
# must_fail NAME REGEX: the checker on $work/t exits 1 naming the cycle.
must_fail() {
  local name=$1 want=$2 out rc
  out=$("$py" "$checker" --root "$work/t" --quiet 2>&1); rc=$?
  if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qE "$want"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: must fail: $name (exit $rc, wanted /$want/)"
    printf '%s\n' "$out" | tail -5
  fi
}

# Components: the program including the runner's private header again, with
# the runner including the server library's private header.
fresh
plant mock_server/bin/main.c '#include "../../conformance/runner/run.h"'
plant conformance/runner/job.c '#include "../../mock_server/src/internal.h"'
must_fail "mock_server -> conformance -> mock_server" \
  'include cycle between components: .*mock_server.*conformance|include cycle between components: .*conformance.*mock_server'
# ... and the edge that makes the cycle is named with its file and line
out=$("$py" "$checker" --root "$work/t" --quiet 2>&1)
check "the cycle names main.c:1" grep -q 'mock_server/bin/main.c:1 includes conformance/runner/run.h' <<< "$out"

# Components: the server library including the fixture writer, which
# includes the server library.
fresh
plant mock_server/src/reply.c '#include "../../fixtures/pqwrite/pqw.h"'
plant fixtures/pqwrite/pqw.c '#include "../../mock_server/src/internal.h"'
must_fail "mock_server -> fixtures -> mock_server" 'include cycle between components: .*fixtures'

# Folders: the core including scenario/ back (reply.c <-> scenario_run.c as
# it was), inside one component.
fresh
plant mock_server/src/reply.c '#include "scenario/scenario.h"'
must_fail "mock_server/src -> mock_server/src/scenario -> mock_server/src" \
  'include cycle between folders: .*mock_server/src/scenario'

# Headers: two private headers including each other (one folder).
fresh
plant mock_server/src/scenario/scenario.h '#include "scenario_run.h"'
plant mock_server/src/scenario/scenario_run.h '#include "scenario.h"'
must_fail "scenario.h <-> scenario_run.h" \
  'include cycle between headers: .*scenario(_run)?\.h -> .*scenario(_run)?\.h'

# Through a public header: include/stagemock/server.h reaching into the
# library's private header, which includes it.
fresh
plant include/stagemock/server.h '#include "../../mock_server/src/internal.h"'
must_fail "include -> mock_server -> include" 'include cycle between components: .*include'

# A test including what it tests is no cycle (tests are consumers).
fresh
plant mock_server/tests/test_error.c '#include "../../conformance/runner/case.h"'
check "a test reaching across components is no cycle" "$py" "$checker" --root "$work/t" --quiet

# Bad usage is exit 2.
"$py" "$checker" --root "$work/does-not-exist" > /dev/null 2>&1
check "a missing --root is exit 2" test $? -eq 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
