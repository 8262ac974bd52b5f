#!/usr/bin/env bash
# scenario_calls_test.sh - ci/check-scenario-calls.py on the built library
# passes (no core object calls scenario/ by name but the admin route; no call
# cycle between the files of scenario/, as reply.c <-> scenario_run.c and
# scenario_parse.c <-> scenario_model.c were), and fails with a planted
# object: a core file calling the engine by name, and two scenario files
# calling each other.
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
case $build in /*) ;; *) build=$top/$build ;; esac
. "$top/tests/support/need.sh"
sm_need python3 nm cc
py=/usr/bin/python3
[ -x "$py" ] || py=python3
checker=$top/ci/check-scenario-calls.py
objs=$build/mock_server/src
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

"$py" "$checker" "$objs" > "$work/real.out" 2>&1
rc=$?
cat "$work/real.out"
check "the built library: one-way scenario calls (exit 0)" test $rc -eq 0
check "the scenario files' calls were read" \
  grep -qE '^scenario calls: one way \([0-9]+ objects, [1-9][0-9]* calls' "$work/real.out"
check "scenario_run.o calls the engine" grep -qE '^  scenario/scenario_run.o -> .*scenario/scenario.o' "$work/real.out"
check "scenario_model.o calls no other scenario file" \
  test -z "$(grep '^  scenario/scenario_model.o ->' "$work/real.out")"

# plant NAME C-SOURCE: compile one object into $work/NAME.o
plant() { printf '%s\n' "$2" > "$work/$1.c" && cc -c -o "$work/$1.o" "$work/$1.c"; }
# must_fail NAME REGEX EXTRA...: the checker with planted objects exits 1 saying REGEX.
must_fail() {
  local name=$1 want=$2 out rc; shift 2
  out=$("$py" "$checker" "$objs" "$@" 2>&1); rc=$?
  if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qE "$want"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: must fail: $name (exit $rc, wanted /$want/)"
    printf '%s\n' "$out" | tail -5
  fi
}

plant core 'void sm_scn_hit_cleanup(void *h); void sm_reply_again(void *h) { sm_scn_hit_cleanup(h); }'
must_fail "a core file calling the engine by name" \
  'core calls scenario/ by name: reply_again.o -> sm_scn_hit_cleanup' "reply_again.o=$work/core.o"

plant cyc_a 'void sm_scn_cyc_b(void); void sm_scn_cyc_a(void) { sm_scn_cyc_b(); }'
plant cyc_b 'void sm_scn_cyc_a(void); void sm_scn_cyc_b(void) { sm_scn_cyc_a(); }'
must_fail "two scenario files calling each other" \
  'call cycle between files of scenario/: scenario/cyc_a.o -> scenario/cyc_b.o -> scenario/cyc_a.o' \
  "scenario/cyc_a.o=$work/cyc_a.o" "scenario/cyc_b.o=$work/cyc_b.o"

# an object folder that does not exist is a usage error
check "a missing object is exit 2" test "$("$py" "$checker" "$work/nowhere" > /dev/null 2>&1; echo $?)" -eq 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
