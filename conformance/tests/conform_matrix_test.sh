#!/usr/bin/env bash
# conform_matrix_test.sh - many clients in one run, baselines, replays:
#  - --adapter repeated gives one client x case matrix (terminal and JSON);
#  - a baseline taken with a broken client makes the identical run pass, and
#    a run with one more failing case fail, naming only the new one;
#  - a case failed under seeded faults replays from the run artifact with the
#    same outcome, and a replay never overwrites its artifact;
#  - with several adapters in the artifact, --replay replays the first that
#    failed under its own name and says which others failed; --adapter NAME
#    picks another (its recorded outcome beside), and an unknown one is an
#    error naming those the case ran with.
. "$(dirname "$0")/testlib.sh"
c() { "$bin" conform --color never -j 2 "$@"; }

# the matrix
c --adapter "good=$ad/good.sh" --adapter "names=$ad/broken-names.sh" --adapter "batch=$ad/broken-batch.sh" \
  --rule client-names --json "$work/m.json" --artifact - > "$work/m.out" 2>&1
check "matrix: exit 1" test $? -eq 1
check "matrix: header has every client" grep -Eq '^case +level +good +names +batch' "$work/m.out"
check "matrix: one row per case" grep -Eq '^client-names-01 +MUST +PASS +FAIL +FAIL' "$work/m.out"
check "matrix: json has a result per client" test "$(jq '[.cases[].results | length] | unique | join(",")' -r "$work/m.json")" = 3
check "matrix: good passes every case" test "$(jq '[.cases[].results[] | select(.adapter == "good" and .outcome != "pass")] | length' "$work/m.json")" = 0

# baselines
c --adapter "names=$ad/broken-names.sh" --case client-names-01 --json "$work/base.json" --artifact - > "$work/b1.out" 2>&1
check "baseline run fails" test $? -eq 1
c --adapter "names=$ad/broken-names.sh" --case client-names-01 --baseline "$work/base.json" --artifact - > "$work/b2.out" 2>&1
check "identical run with the baseline passes" test $? -eq 0
check "known failure shown" grep -Eq '^KNOWN +MUST +client-names-01' "$work/b2.out"
c --adapter "names=$ad/broken-names.sh" --case 'client-names-0[12]' --baseline "$work/base.json" --artifact - > "$work/b3.out" 2>&1
check "one more failing case fails the run" test $? -eq 1
check "the new failure is counted" grep -Eq '^FAIL +MUST +client-names-02' "$work/b3.out"
check "the old one is still known" grep -Eq '^KNOWN +MUST +client-names-01' "$work/b3.out"
check "a bad baseline is a setup error" sh -c "'$bin' conform --adapter '$ad/good.sh' --case auth-01 --baseline /dev/null --artifact - > /dev/null 2>&1; test \$? -eq 2"

# replay: find a seed under which the seeded 503s make the broken client fail
found=
for seed in 1 2 3 4 5 6 7 8; do
  c --adapter "$ad/broken-ignore-status.sh" --case client-retry-after-04 --strict --seed $seed \
    --artifact "$work/art.json" > "$work/r.out" 2>&1
  if [ $? -eq 1 ]; then found=$seed; break; fi
done
check "a seed makes the seeded faults fire" test -n "$found"
if [ -n "$found" ]; then
  cp "$work/art.json" "$work/art.orig"
  check "artifact records the seed" test "$(jq .seed "$work/art.json")" = "$found"
  check "artifact records the fault schedule" test "$(jq -r '.results[0].fault_schedule | length' "$work/art.json")" -ge 1
  for i in 1 2; do
    "$bin" conform --replay "$work/art.json" --case client-retry-after-04 --strict --color never > "$work/rp$i.out" 2>&1
    check "replay $i fails again" test $? -eq 1
    check "replay $i reports the same outcome" grep -q "^replay of client-retry-after-04 (seed $found, adapter broken-ignore-status.sh): fail; the artifact recorded fail$" "$work/rp$i.out"
  done
  check "replay left the artifact alone" cmp -s "$work/art.json" "$work/art.orig"

  # several adapters: good passes, two named copies of the broken one fail
  c --adapter "good=$ad/good.sh" --adapter "ign1=$ad/broken-ignore-status.sh" \
    --adapter "ign2=$ad/broken-ignore-status.sh" --case client-retry-after-04 --strict \
    --seed "$found" --artifact "$work/multi.json" > "$work/multi.out" 2>&1
  check "multi: the run fails" test $? -eq 1
  rp() { "$bin" conform --replay "$work/multi.json" --case client-retry-after-04 --strict --color never "$@"; }
  rp > "$work/mr1.out" 2>&1
  check "multi replay: fails again" test $? -eq 1
  check "multi replay: names the first failing adapter, not the first one" \
    grep -q "^replay of client-retry-after-04 (seed $found, adapter ign1): fail; the artifact recorded fail$" "$work/mr1.out"
  check "multi replay: the run itself is labelled with that adapter" grep -q "x 1 adapter (ign1)," "$work/mr1.out"
  check "multi replay: says the other failing adapters" \
    grep -q "^in the artifact client-retry-after-04 failed with: ign1, ign2 (replay another with --adapter NAME)$" "$work/mr1.out"
  [ "$(grep -c '^replay of' "$work/mr1.out")" = 1 ] || cat "$work/mr1.out"
  rp --adapter ign2 > "$work/mr2.out" 2>&1
  check "multi replay --adapter ign2: that one, by name" \
    grep -q "^replay of client-retry-after-04 (seed $found, adapter ign2): fail; the artifact recorded fail$" "$work/mr2.out"
  rp --adapter good > "$work/mr3.out" 2>&1
  check "multi replay --adapter good: passes, as recorded" test $? -eq 0
  check "multi replay --adapter good: labelled good, recorded pass" \
    grep -q "^replay of client-retry-after-04 (seed $found, adapter good): pass; the artifact recorded pass$" "$work/mr3.out"
  rp --adapter "$ad/good.sh" > "$work/mr4.out" 2>&1
  check "multi replay --adapter CMD finds it by command" grep -q "adapter good): pass" "$work/mr4.out"
  rp --adapter nosuch > "$work/mr5.out" 2>&1
  check "multi replay --adapter nosuch: exit 2" test $? -eq 2
  check "multi replay --adapter nosuch: names the adapters it ran with" \
    grep -q "has no result for adapter 'nosuch' (it ran with: good, ign1, ign2)" "$work/mr5.out"
fi
c --replay "$work/nonexistent.json" --case x > /dev/null 2>&1
check "replay of a missing artifact: exit 2" test $? -eq 2

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
