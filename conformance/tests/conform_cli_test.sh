#!/usr/bin/env bash
# conform_cli_test.sh - the command line's contract: exit 2 for usage and
# setup errors (no adapter, unknown option, a case file with an error named
# by file and line, no case matching the filters, an adapter that cannot run),
# --case and --rule select, --help exits 0, --tap - writes to stdout, and a
# case with a setup error is reported as ERROR with exit 2. No adapter needs
# curl here except the one real run.
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
status() { "$@" > "$work/o" 2>&1; echo $?; }
cd "$top"

check "--help exits 0" test "$(status "$bin" conform --help)" = 0
check "no adapter: exit 2" test "$(status "$bin" conform --case auth-01)" = 2
check "says why" grep -q "give the client to test with --adapter" "$work/o"
check "unknown option: exit 2" test "$(status "$bin" conform --adapter x --frobnicate 1)" = 2
check "bad -j: exit 2" test "$(status "$bin" conform --adapter x -j 0)" = 2
check "no case matches: exit 2" test "$(status "$bin" conform --adapter x --case 'nope-*')" = 2
check "--case glob selects" test "$(status "$bin" conform --list --case 'auth-0[12]')" = 0
check "--case glob lists two" grep -q "^2 cases$" "$work/o"
check "--rule selects" test "$(status "$bin" conform --list --rule bytes)" = 0
check "--rule lists the bytes cases" test "$(grep -c '^bytes-' "$work/o")" -eq "$(ls conformance/cases/bytes-*.case | wc -l)"

mkdir -p "$work/cases"
printf '[case]\nid = x-01\nrule = x\nlevel = MUST\ntitle = t\nwhy = w\n[step]\nrun = upload --stage s1 @valid-a\nexitt = 0\n' > "$work/cases/x-01.case"
check "bad case file: exit 2" test "$(status "$bin" conform --adapter true --cases "$work/cases")" = 2
check "bad case file: file and line named" grep -q "x-01.case:9: unknown check in \[step\]" "$work/o"

printf '[case]\nid = y-01\nrule = y\nlevel = MUST\ntitle = t\nwhy = w\n[step]\nrun = upload --stage s1 @no-such-fixture\nexit = 0\n' > "$work/cases/x-01.case"
check "missing fixture: exit 2" test "$(status "$bin" conform --adapter true --cases "$work/cases" --artifact -)" = 2
check "missing fixture: ERROR line" grep -Eq "^ERROR +MUST +y-01" "$work/o"
check "missing fixture: named" grep -q "fixture 'no-such-fixture' not found" "$work/o"

printf '[case]\nid = z-01\nrule = z\nlevel = SHOULD\ntitle = t\nwhy = w\n[step]\nrun = list --stage s1\nexit = 0\n' > "$work/cases/x-01.case"
check "failing SHOULD: exit 0" test "$(status "$bin" conform --adapter false --cases "$work/cases" --artifact -)" = 0
check "failing SHOULD: WARN" grep -Eq "^WARN +SHOULD +z-01" "$work/o"
check "failing SHOULD with --strict: exit 1" test "$(status "$bin" conform --adapter false --cases "$work/cases" --strict --artifact -)" = 1
check "--tap -: TAP on stdout" test "$(status "$bin" conform --adapter false --cases "$work/cases" --strict --artifact - --tap -)" = 1
check "--tap -: not ok line" grep -q "^not ok 1 - false \[SHOULD\] z-01" "$work/o"

printf '[case]\nid = t-01\nrule = t\nlevel = MUST\ntitle = t\nwhy = w\n[setup]\ntime-limit = 1\n[step]\nrun = list --stage s1\nfinishes\n' > "$work/cases/x-01.case"
t0=$(date +%s)
check "hanging adapter: exit 1" test "$(status "$bin" conform --adapter 'sleep 30; true' --cases "$work/cases" --artifact -)" = 1
check "hanging adapter: killed at the limit" grep -q "still running at the time limit" "$work/o"
check "hanging adapter: within seconds" test $(( $(date +%s) - t0 )) -lt 10

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
