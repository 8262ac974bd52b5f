#!/usr/bin/env bash
# lint_test.sh - multipart lint against real clients (docs/CONFORMANCE.md,
# "Multipart lint"): the reference clients (stagectl, the Python, Node and
# shell adapters) pass every client-multipart case under --strict with no
# note at all, and each upload they make journals an empty lint; the broken
# client with a framing defect (build/<mode>/broken/file_first.sh, the file
# part before stage_id) fails client-multipart-02: --strict exits 1, a plain
# run 0 with the case shown as WARN and the evidence naming the code.
# Python without requests or Node before 20 are left out with a note.
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
. "$top/tests/support/need.sh"
sm_need curl jq
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
conform() { "$build/stagemock" conform --rule client-multipart -j 4 --color never --artifact - "$@"; }

refs=(--adapter "stagectl=$build/stagectl --json --no-progress" --adapter "sh=sh $top/clients/shell/stagectl.sh")
names="stagectl sh"
if /usr/bin/python3 -c 'import requests' 2> /dev/null; then
  refs+=(--adapter "python=/usr/bin/python3 $top/clients/python/stagectl.py"); names="$names python"
else
  echo "skipping python: /usr/bin/python3 has no requests"; skipped=$((skipped + 1))
fi
if command -v node > /dev/null && [ "$(node -p 'process.versions.node.split(".")[0] >= 20')" = true ]; then
  refs+=(--adapter "node=node $top/clients/node/stagectl.mjs"); names="$names node"
else
  echo "skipping node: Node 20 or later not found"; skipped=$((skipped + 1))
fi

# the reference clients and the broken one, in one run each way
ff=(--adapter "file_first=sh $build/broken/file_first.sh")
conform "${refs[@]}" "${ff[@]}" --strict --json "$work/strict.json" > "$work/strict.out" 2>&1
echo $? > "$work/strict.rc"
conform "${ff[@]}" --json "$work/plain.json" > "$work/plain.out" 2>&1
echo $? > "$work/plain.rc"

outcome() { # json case adapter
  jq -r --arg c "$2" --arg a "$3" '.cases[] | select(.id == $c) | .results[] | select(.adapter == $a) | .outcome' "$1"
}
n_cases=$(jq '.cases | length' "$work/strict.json")
check "five client-multipart cases ran ($n_cases)" test "$n_cases" = 5
for a in $names; do
  bad=$(jq -r --arg a "$a" '[.cases[] | .id as $id | .results[] | select(.adapter == $a and .outcome != "pass") | $id] | join(" ")' "$work/strict.json")
  check "$a: every client-multipart case passes, INFO ones too (${bad:-none failed})" test -z "$bad"
  linted=$(jq -r --arg a "$a" '[.cases[].results[] | select(.adapter == $a) | .journal.entries[] | select(.path == "/upload-to-stage") | (.lint // ["(no lint field)"])[]] | unique | join(" ")' "$work/strict.json")
  check "$a: its uploads journal no lint code (${linted:-none})" test -z "$linted"
done
check "file_first: fails client-multipart-02" test "$(outcome "$work/strict.json" client-multipart-02 file_first)" = fail
check "file_first: passes the other four" test "$(jq -r '[.cases[] | select(.id != "client-multipart-02") | .results[] | select(.adapter == "file_first") | .outcome] | unique | join(" ")' "$work/strict.json")" = pass
check "file_first: evidence names the code" grep -q 'multipart lint on #[0-9]*: \["field-after-file"\]' "$work/strict.out"
check "--strict: exit 1" test "$(cat "$work/strict.rc")" = 1
check "without --strict: exit 0" test "$(cat "$work/plain.rc")" = 0
check "without --strict: shown as WARN" grep -Eq '^WARN +SHOULD +client-multipart-02 ' "$work/plain.out"
check "without --strict: not counted" test "$(jq -r '.summary.counted' "$work/plain.json")" = 0
[ "$(cat "$work/strict.rc")" = 1 ] || tail -30 "$work/strict.out"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
