#!/usr/bin/env bash
# optional_tools_test.sh - a test whose optional tool is absent says so and
# counts as skipped, instead of failing: a few of the script tests and the
# CMocka test of the broken clients run with a $PATH that has every command
# of this machine's but the one taken away (jq, curl, xmllint, node,
# python3, chromium), and must end with a skipped count, no failure, and a
# line naming the tool. Tests with the tools present are the rest of make test.
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
cd "$top" || exit 1

# One directory links every command of $PATH (the first one found wins);
# without TOOL... prints it as a PATH after taking TOOL... out of it (the
# tests run one at a time, so the next call puts back what this one took).
pathdir=$work/path stash=$work/stash
mkdir -p "$pathdir" "$stash"
IFS=: read -ra dirs <<< "$PATH"
for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
  [ -d "${dirs[i]}" ] || continue
  find "${dirs[i]}" -maxdepth 1 \( -type f -o -type l \) -perm -u+x -print0 |
    xargs -0 -r ln -sf -t "$pathdir" 2> /dev/null
done
without() {
  local t
  for t in "$stash"/*; do [ -e "$t" ] || [ -L "$t" ] && mv "$t" "$pathdir/"; done
  for t in "$@"; do [ -L "$pathdir/$t" ] && mv "$pathdir/$t" "$stash/"; done
  echo "$pathdir"
}

# script TOOL TEST [skipped-count]: run TEST without TOOL
script_skips() {
  local tool=$1 t=$2 want=${3:-1} log
  log=$work/$(basename "$t").$tool.log
  PATH=$(without "$tool" chromium-browser google-chrome) timeout 120 bash "$t" > "$log" 2>&1
  local rc=$? last
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  check "$t without $tool: exit 0" test $rc -eq 0
  check "$t without $tool: skipped, none failed" \
    sh -c "echo '$last' | grep -Eq '^[0-9]+ passed, 0 failed, $want skipped$'"
  check "$t without $tool: names it" grep -Eqi "(skipping|SKIP).*$tool" "$log"
  [ $rc -eq 0 ] || tail -20 "$log"
}

script_skips jq conformance/tests/conform_probe_test.sh
script_skips jq conformance/tests/conform_matrix_test.sh
script_skips jq clients/tests/adapters_test.sh
script_skips curl mock_server/tests/scenario_serve_test.sh
script_skips xmllint conformance/tests/conform_stagectl_test.sh
script_skips node fixtures/tests/oracle_test.sh
script_skips python3 fixtures/tests/fixtures_sha256_test.sh
script_skips chromium conformance/tests/conform_html_test.sh

# the C test of the broken clients: every test that runs a shell client skips
bin=$build/clients/tests/test_broken
if [ -x "$bin" ]; then
  PATH=$(without jq) CMOCKA_MESSAGE_OUTPUT=stdout timeout 120 "$bin" > "$work/broken.log" 2>&1
  rc=$?
  check "test_broken without jq: exit 0" test $rc -eq 0
  check "test_broken without jq: tests skipped" grep -Eq '^\[  SKIPPED \] [1-9][0-9]* test' "$work/broken.log"
  check "test_broken without jq: none failed" sh -c "! grep -q '^\[  FAILED  \]' '$work/broken.log'"
  check "test_broken without jq: names it" grep -q 'skipping: needs jq' "$work/broken.log"
  [ $rc -eq 0 ] || tail -20 "$work/broken.log"
else
  check "test_broken is built" false
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
