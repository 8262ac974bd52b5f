#!/usr/bin/env bash
# conform_html_test.sh - the --html report renders in a real browser:
# headless Chromium loads the page (a run of the correct and a broken
# adapter), the test asserts on the rendered DOM (the matrix, the failing
# case, its evidence and journal) and saves a screenshot beside the test
# logs. The page must fetch nothing: no external src or href. Without
# Chromium the browser checks are skipped, with a message.
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
bin=$top/$build/stagemock
ad=$top/conformance/tests/adapters
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
. "$top/tests/support/need.sh"
sm_need curl jq # the test adapters' tools
cd "$top"
"$bin" conform --adapter "good=$ad/good.sh" --adapter "names=$ad/broken-names.sh" \
  --rule client-names -j 2 --color never --html "$work/report.html" --artifact - > "$work/out" 2>&1
check "run exits 1" test $? -eq 1
check "html written" test -s "$work/report.html"
check "nothing fetched: no external src/href" sh -c "! grep -Eqi '(src|href)=\"(https?:)?//' '$work/report.html'"
check "no script or stylesheet links" sh -c "! grep -Eqi '<link |<script[^>]+src=' '$work/report.html'"

browser=
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" > /dev/null; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
  echo "SKIP: no headless Chromium installed; the browser checks need it (apt-get install chromium)"
  skipped=$((skipped + 1))
else
  flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
         --window-size=1200,1600)
  shot=$top/$build/test-logs/conform-report.png
  mkdir -p "$(dirname "$shot")"
  rm -f "$shot"
  timeout 60 "$browser" "${flags[@]}" "--user-data-dir=$work/p1" "--screenshot=$shot" "file://$work/report.html" > "$work/shot.log" 2>&1 &
  timeout 60 "$browser" "${flags[@]}" "--user-data-dir=$work/p2" --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/dom.log"
  check "chromium rendered the page" test -s "$work/dom.html"
  wait
  check "screenshot saved ($shot)" test -s "$shot"
  check "dom: title" grep -q "stagemock conformance report" "$work/dom.html"
  check "dom: matrix has both clients" grep -q '<th>good</th><th>names</th>' "$work/dom.html"
  counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$work/out")
  check "dom: the terminal's closing counts ($counts)" grep -q "$counts" "$work/dom.html"
  check "dom: the failing case" grep -q "FAIL client-names-01" "$work/dom.html"
  check "dom: expected vs seen" grep -q 'expected \["my file.parquet"' "$work/dom.html"
  check "dom: journal lines" grep -q 'POST /upload-to-stage stage=s1 file="my_file.parquet"' "$work/dom.html"
  [ "$failed" = 0 ] || { tail -5 "$work/dom.log"; grep -o '<h2>[^<]*</h2>' "$work/dom.html"; grep -E '^(FAIL|PASS|ERROR)' "$work/out"; }
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
