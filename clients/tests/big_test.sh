#!/usr/bin/env bash
# big_test.sh - a 1 GiB parquet file up and down through stagectl against
# `stagemock serve`, byte-identical, with stagectl's peak RSS (GNU time's %M)
# under 32 MiB each way. Slow and disk-hungry (3 GiB in $TMPDIR), so it runs
# only with SM_BIG=1 and otherwise reports itself skipped. SM_BIG_BYTES
# changes the size (default 1073741824).
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
if [ "${SM_BIG:-0}" != 1 ]; then
  echo "skipping: set SM_BIG=1 for the 1 GiB transfer test"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
. "$top/tests/support/need.sh"
sm_need /usr/bin/time
bytes=${SM_BIG_BYTES:-1073741824}
limit_kib=$((32 * 1024))
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

"$build/clients/tests/gen_big_parquet" "$work/big.parquet" "$bytes"
size=$(stat -c %s "$work/big.parquet")
echo "file: $size bytes"
"$build/stagemock" serve --stage s1 --key k1 --max-upload $((bytes * 2)) > "$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'serving at' "$work/serve.out" && break; sleep 0.1; done
export STAGE_API_URL=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
export STAGE_API_KEY=k1 STAGE_API_TIMEOUT=120

start=$(date +%s%N)
/usr/bin/time -f %M -o "$work/up.rss" "$build/stagectl" --json upload --stage s1 "$work/big.parquet" > "$work/up.out"
check "upload exits 0" test $? -eq 0
mid=$(date +%s%N)
/usr/bin/time -f %M -o "$work/down.rss" "$build/stagectl" --json download --stage s1 \
  --name big.parquet --out "$work/copy.parquet" > "$work/down.out"
check "download exits 0" test $? -eq 0
end=$(date +%s%N)
up=$(tail -1 "$work/up.rss") down=$(tail -1 "$work/down.rss")
echo "upload:   peak RSS ${up} KiB, $(((mid - start) / 1000000)) ms"
echo "download: peak RSS ${down} KiB, $(((end - mid) / 1000000)) ms"
check "upload line ok" grep -q '"ok":true' "$work/up.out"
check "upload peak RSS < 32 MiB" test "$up" -lt "$limit_kib"
check "download peak RSS < 32 MiB" test "$down" -lt "$limit_kib"
check "bytes identical" cmp -s "$work/big.parquet" "$work/copy.parquet"
check "no .part left" test ! -e "$work/copy.parquet.part"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
