#!/usr/bin/env bash
# datadir.sh - the data-dir benchmark of `make bench` (bench/bench_datadir.c):
# commit latency in a stage of 10 files against one of 10,000 (target: within
# 2x), and 4 KiB uploads/s from 32 clients into a data-dir server beside a
# single-thread write+fdatasync loop on the same disk (target: at least 3x,
# issue 16) and beside the same load on a memory-only server.
# Prints a Markdown section. Loopback only; the run is bounded (about 30 s).
set -u
B=${SM_BENCH_BUILD:-build/release}
T=${SM_BENCH_TMP:-$(mktemp -d)}
PASSES=${SM_BENCH_PASSES:-3}
DUR=${SM_BENCH_SECONDS:-4}
dir=$(mktemp -d "$T/datadir-XXXXXX")
r=$T/datadir.txt
kv() { sed -n "s/^$1=//p" "$r"; }
verdict() { if awk -v x="$1" -v op="$2" -v y="$3" 'BEGIN { exit !(op == "<=" ? x <= y : x >= y) }'; then echo met; else echo "NOT met"; fi; }

echo "## Data dir (\`--data-dir\`): commit cost and group commit"
echo
fs=$(stat -f -c %T "$dir" 2>/dev/null)
if [ "$fs" = tmpfs ] || [ "$fs" = ramfs ]; then
  echo "n/a ($dir is on $fs, where fdatasync costs nothing: set TMPDIR to a directory on disk)"
  exit 0
fi
if ! timeout 300 "$B/bench/bench_datadir" "$dir" --files 10000 --seconds "$DUR" --passes "$PASSES" \
     > "$r" 2> "$T/datadir.err"; then
  echo "n/a (bench_datadir failed: $(head -c 200 "$T/datadir.err"))"
  exit 0
fi
rm -rf "$dir"
ratio=$(kv lat_ratio); group=$(kv group_ratio)
passes=$(for p in $(seq 1 "$PASSES"); do
  echo "| $p | $(kv "pass${p}_fdatasync_per_s") | $(kv "pass${p}_datadir_per_s") | $(kv "pass${p}_memory_per_s") |"
done)
cat <<MD

Each stage is an append-only log (docs/SERVER.md, "Persistence"); the filesystem is $fs.

### Commit latency against the stage's size

One commit = \`sm_server_preload\` of a $(kv file_bytes)-byte file: spool, deep check, one
record appended under the server lock, its \`fdatasync\` waited for outside it. Commits alternate
between a stage that starts at 10 files and one that starts at $(kv fill_files) (filled first
by 32 threads at $(kv fill_per_s) commits/s); $(kv lat_rounds) commits each.

| stage | median | p90 |
|---|---|---|
| 10 files (10 → $(( 10 + $(kv lat_rounds) ))) | $(kv lat_ten_us) µs | $(kv lat_ten_p90_us) µs |
| $(kv fill_files) files | $(kv lat_many_us) µs | $(kv lat_many_p90_us) µs |

Large / small: **${ratio}x** (target: within 2x, $(verdict "$ratio" "<=" 2)). Before the log, a
commit rewrote and fsynced the whole \`index.json\`: 1.8 ms at 10 files, 20 ms at 4,000.
A restart reads that data dir ($(kv restart_files) files in two stages) back in $(kv restart_ms) ms.

### 4 KiB uploads/s: $(kv clients) keep-alive clients vs one write + fdatasync loop

$(kv seconds) s per figure, $(kv passes) passes alternated; HTTP uploads under fresh names into one
stage (the data dir on the same disk as the loop's file), and the same load without a data dir.

| pass | write(4 KiB) + fdatasync loop, 1 thread | data-dir uploads, $(kv clients) clients | memory-only uploads, $(kv clients) clients |
|---|---|---|---|
$passes
| median | $(kv fdatasync_per_s) | $(kv datadir_per_s) | $(kv memory_per_s) |

Group commit: data-dir uploads/s = **${group}x** the fdatasync loop (passes: $(kv group_ratio_min)–$(kv group_ratio_max);
target: at least 3x, $(verdict "$group" ">=" 3)). One \`fdatasync\` covers every record appended
before it started, and uploads wait for it with their connections suspended, so the two MHD
threads keep serving while the disk syncs.
MD
