#!/usr/bin/env bash
# conform.sh - the conformance benchmark of `make bench`: the whole suite,
# wall time, against each reference client (the target: under 10 s against
# stagectl on 2 cores), and one matrix run over all of them.
# Prints a Markdown section. Loopback only; every run has a time limit.
set -u
B=${SM_BENCH_BUILD:-build/release}
PASSES=${SM_BENCH_PASSES:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)]}'; }

declare -A CMD=(
  [stagectl]="$B/stagectl --json"
  [python]="/usr/bin/python3 clients/python/stagectl.py"
  [node]="node clients/node/stagectl.mjs"
  [shell]="sh clients/shell/stagectl.sh"
)
order=(stagectl python node shell)
declare -A WALL LINE
for name in "${order[@]}"; do
  ts=()
  runs=1; [ "$name" = stagectl ] && runs=$PASSES # the target is on stagectl; others once
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    timeout 300 "$B/stagemock" conform --adapter "${CMD[$name]}" --artifact - --color never \
      > "$T/$name.out" 2>&1
    ts+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  done
  WALL[$name]=$(printf '%s\n' "${ts[@]}" | median | awk '{printf "%.1f", $1 / 1000}')
  LINE[$name]=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/$name.out" | tail -1)
done
t0=$(date +%s%N)
matrix_args=()
for name in "${order[@]}"; do matrix_args+=(--adapter "$name=${CMD[$name]}"); done
timeout 600 "$B/stagemock" conform "${matrix_args[@]}" --artifact - --color never > "$T/matrix.out" 2>&1
matrix_s=$(awk -v t="$(( ($(date +%s%N) - t0) / 1000000 ))" 'BEGIN {printf "%.1f", t / 1000}')
matrix_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/matrix.out" | tail -1)
met=$(awk -v x="${WALL[stagectl]}" 'BEGIN { print (x + 0 < 10) ? "met" : "NOT met" }')

cat <<MD
## Conformance suite (\`stagemock conform\`, every case, default \`-j\` = $(nproc) cores)

Wall time of one whole run against each reference client (stagectl: median of $PASSES runs;
the others: one run each); each case
gets its own in-process server, and stall cases use \`STAGE_API_TIMEOUT\` so they end in seconds.

| adapter | wall time (s) | result line |
|---|---|---|
$(for name in "${order[@]}"; do echo "| $name (\`${CMD[$name]}\`) | ${WALL[$name]} | ${LINE[$name]:-n/a} |"; done)
| all four as one matrix (\`--adapter\` repeated) | $matrix_s | ${matrix_line:-n/a} |

Against \`stagectl\`: **${WALL[stagectl]} s** (target: under 10 s, $met).
MD
