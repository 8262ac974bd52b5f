#!/usr/bin/env bash
# stagectl_tty_test.sh - stagectl draws a progress bar for a transfer of at
# least 1 MiB only when stderr is a terminal (a pty from script(1)), never
# with --json or --no-progress, and never into a pipe. Skipped without
# script(1).
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
if ! command -v script > /dev/null; then
  echo "skipping: no script(1) to make a terminal"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
"$build/clients/tests/gen_big_parquet" "$work/two.parquet" 2100000 || exit 1
"$build/stagemock" serve --stage s1 --key k1 > "$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'serving at' "$work/serve.out" && break; sleep 0.1; done
export STAGE_API_URL=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1) STAGE_API_KEY=k1
ctl=$build/stagectl
cd "$work" || exit 1

script -qec "'$ctl' upload --stage s1 two.parquet" /dev/null > tty.out 2>&1
check "upload on a terminal exits 0" grep -q 'two.parquet: uploaded' tty.out
check "upload on a terminal draws the bar" grep -q "$(printf '\r')two.parquet \[#" tty.out
check "the bar reaches 100%" grep -q '100%' tty.out
script -qec "'$ctl' --no-progress download --stage s1 --name two.parquet --out a.parquet" /dev/null > np.out 2>&1
check "--no-progress: no bar" test "$(grep -c "$(printf '\r')two" np.out)" = 0
script -qec "'$ctl' --json download --stage s1 --name two.parquet --out b.parquet" /dev/null > js.out 2>&1
check "--json: no bar" test "$(grep -c '%' js.out)" = 0
"$ctl" download --stage s1 --name two.parquet --out c.parquet > pipe.out 2> pipe.err
check "into a pipe: no bar" test ! -s pipe.err
check "downloads identical" cmp -s two.parquet c.parquet
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
