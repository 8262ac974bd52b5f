#!/usr/bin/env bash
# server.sh - the server benchmark of `make bench`: stagemock beside two
# ceilings of its own stack (bench/raw_mhd.c discarding, and keeping a copy of
# every file), the load generator's own ceiling (bench/sink.c), stagemock with
# a scenario loaded (same run, passes alternated), WireMock, Mountebank and
# nginx, each answering the same upload and download as closely as it can.
# Uploads are driven by bench/loadgen.c; wrk drives only 4 KiB downloads,
# where its per-request cost is small beside the server's.
# Prints a Markdown section; every figure is the median of PASSES passes.
# Only 127.0.0.1 is used; every wait is bounded.
set -u
B=${SM_BENCH_BUILD:-build/release}
T=${SM_BENCH_TMP:-$(mktemp -d)}
PASSES=${SM_BENCH_PASSES:-3}
DUR=${SM_BENCH_SECONDS:-4}
NODE_BIN=bench/node_modules/.bin
WIREMOCK_JAR=$(ls bench/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -1)
files=$T/files
mkdir -p "$files"
chmod a+rx "$T" "$files" # nginx's workers run as another user and must read the files
"$B/bench/bench_files" "$files" --large >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)]}'; }
rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo n/a; }
ms_now() { date +%s%3N; }

# wait until URL answers (any HTTP status); prints the startup time in ms.
# Bounded by the clock (60 s), not by a count of tries: a JVM starting on a
# busy machine took longer than 300 quick tries.
wait_up() { # start_ms url [method]
  local start=$1 url=$2
  while [ $(( $(ms_now) - start )) -lt 60000 ]; do
    if curl -s -o /dev/null -X "${3:-POST}" --max-time 1 "$url" 2>/dev/null; then
      echo $(( $(ms_now) - start )); return 0
    fi
    sleep 0.01
  done
  echo n/a; return 1
}
# why a competitor is missing from the table: its log's last line
why_down() { # name log pid
  kill -0 "$3" 2>/dev/null && return
  R[$1.note]="$1 exited before it answered: $(tail -n 3 "$2" | tr '\n' ' ' | cut -c1-200)"
}

# wrk: prints "rps p50_ms p99_ms non2xx"
wrk_run() { # url script args...
  local url=$1 script=$2; shift 2
  wrk -t2 -c"${CONNS:-32}" -d"${DUR}s" --latency -s "$script" "$url" -- "$@" 2>/dev/null |
    awk '/Requests\/sec/ {rps=$2}
         / 50% / {p50=$2} / 99% / {p99=$2}
         /Non-2xx/ {bad=$5}
         END {
           # wrk prints latencies with units: us, ms or s
           n = split(p50 " " p99, v, " ");
           for (i = 1; i <= 2; i++) {
             x = v[i];
             if (x ~ /us$/) { sub(/us$/, "", x); x = x / 1000 }
             else if (x ~ /ms$/) { sub(/ms$/, "", x) }
             else if (x ~ /s$/) { sub(/s$/, "", x); x = x * 1000 }
             out[i] = x
           }
           printf "%s %s %s %s\n", rps, out[1], out[2], bad + 0
         }'
}

# median over passes of wrk_run; prints "rps p50 p99 non2xx"
wrk_median() {
  local i rs=() p50s=() p99s=() bads=0 line
  for i in $(seq 1 "$PASSES"); do
    [ -n "${RESET_URL:-}" ] && curl -s -o /dev/null -X POST -H "Content-Type: application/json" "$RESET_URL"
    line=$(wrk_run "$@")
    rs+=("$(echo "$line" | cut -d' ' -f1)"); p50s+=("$(echo "$line" | cut -d' ' -f2)")
    p99s+=("$(echo "$line" | cut -d' ' -f3)"); bads=$((bads + $(echo "$line" | cut -d' ' -f4)))
  done
  echo "$(printf '%s\n' "${rs[@]}" | median) $(printf '%s\n' "${p50s[@]}" | median) $(printf '%s\n' "${p99s[@]}" | median) $bads"
}

# MB/s of downloading via curl (median over passes)
download_mbs() { # curl args...
  local i out=()
  for i in $(seq 1 "$PASSES"); do
    out+=("$(curl -s -o /dev/null -w '%{speed_download}' --max-time 60 "$@" | awk '{printf "%.0f", $1 / 1e6}')")
  done
  printf '%s\n' "${out[@]}" | median
}

declare -A R  # results: R[system.metric]

measure_stage_api() { # name base_url pid: loadgen (defined below), median of PASSES
  local name=$1 url=$2 pid=$3 i rs=() p50s=() p99s=() mbs=() bads=0 line
  R[$name.rss]=$(rss_mib "$pid")
  DUR=2 lg_run "$url" "$files/4k.parquet" 32 > /dev/null # warm-up, unmeasured
  for i in $(seq 1 "$PASSES"); do
    line=$(lg_run "$url" "$files/4k.parquet" 32)
    rs+=("$(field "$line" 1)"); p50s+=("$(field "$line" 2)"); p99s+=("$(field "$line" 3)")
    bads=$((bads + $(field "$line" 4)))
    mbs+=("$(field "$(lg_run "$url" "$files/1m.parquet" 8)" 5)")
  done
  R[$name.up_rps]=$(printf '%s\n' "${rs[@]}" | median); R[$name.up_p50]=$(printf '%s\n' "${p50s[@]}" | median)
  R[$name.up_p99]=$(printf '%s\n' "${p99s[@]}" | median); R[$name.up_bad]=$bads
  R[$name.up1m_mbs]=$(printf '%s\n' "${mbs[@]}" | median)
}

measure_downloads() { # name base_url [skip64]
  local name=$1 url=$2
  local d4; d4=$(wrk_median "$url" bench/lua/download.lua 4k.parquet s k)
  R[$name.dl4k_rps]=$(echo "$d4" | cut -d' ' -f1)
  if [ "${3:-}" != skip64 ]; then
    R[$name.dl64_mbs]=$(download_mbs -H 'Authorization: Key k' -d stage_id=s -d file_name=64m.parquet "$url/download-from-stage")
  fi
}

port=$((20000 + RANDOM % 20000))
# a fresh port for every server (a stopped one may still hold its own)
next_port() { port=$((port + 1)); }

start_stagemock() { # name binary [serve flags...]; sets R[name.url], R[name.pid], R[name.start]
  local name=$1 bin=$2; shift 2
  next_port
  local p=$port t0; t0=$(ms_now)
  "$bin" serve --port "$p" --stage s --key k "$@" > "$T/$name.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  R[$name.start]=$(wait_up "$t0" "http://127.0.0.1:$p/list-stage-files")
  R[$name.url]=http://127.0.0.1:$p; R[$name.pid]=$pid
}

# 1) Uploads. stagemock, a second identical stagemock (the noise band), stagemock
# with a scenario loaded, raw MHD that discards (ceiling 1), raw MHD that keeps a
# heap copy of every file (ceiling 2) and the sink (the load generator's own
# ceiling) are all up at once and take each workload in turn, pass by pass, so
# load from elsewhere on a shared machine falls on all of them alike. Ratios
# are medians of the per-pass ratios. Every upload figure comes from
# bench/loadgen.c (shared body via writev, fresh name per request).
start_stagemock stagemock "$B/stagemock"
start_stagemock again "$B/stagemock"
start_stagemock scenario "$B/stagemock" --fault download:status=500
start_raw() { # name [raw_mhd flags...]
  local name=$1; shift
  next_port; local t0; t0=$(ms_now)
  "$B/bench/raw_mhd" "$port" "$files/64m.parquet" --small "$files/4k.parquet" "$@" > /dev/null 2>&1 &
  local pid=$!; pids+=("$pid")
  R[$name.start]=$(wait_up "$t0" "http://127.0.0.1:$port/x"); R[$name.url]=http://127.0.0.1:$port; R[$name.pid]=$pid
}
start_raw raw
start_raw rawkeep --keep
next_port
"$B/bench/sink" "$port" > /dev/null 2>&1 & pid=$!; pids+=("$pid")
R[sink.url]=http://127.0.0.1:$port; R[sink.pid]=$pid
wait_up "$(ms_now)" "${R[sink.url]}/x" > /dev/null
sleep 0.3
for sys in stagemock again scenario raw rawkeep; do R[$sys.rss]=$(rss_mib "${R[$sys.pid]}"); done

# loadgen: prints "rps p50 p99 bad mbs p999" (bad = non-2xx + connection errors)
lg_run() { # url file conns [loadgen flags...]
  local url=$1 file=$2 conns=$3; shift 3
  "$B/bench/loadgen" "$url/upload-to-stage" --file "$file" -c "$conns" -d "$DUR" "$@" 2>/dev/null |
    awk -F= '{v[$1] = $2} END {printf "%s %s %s %d %s %s\n", v["rps"] + 0, v["p50_ms"] + 0,
             v["p99_ms"] + 0, v["non2xx"] + v["errors"], v["mbs"] + 0, v["p999_ms"] + 0}'
}
reset() { [ "$1" = raw ] || [ "$1" = sink ] || curl -s -o /dev/null -X POST -H "Content-Type: application/json" "${R[$1.url]}/_stagemock/reset"; }
# WORKLOADS: name file conns loadgen-flags systems
WORKLOADS=(
  "4s|$files/4k.parquet|32||stagemock again scenario raw rawkeep sink"
  "4u|$files/4k.parquet|32|--unique|stagemock raw rawkeep sink"
  "1u|$files/1m.parquet|8|--unique|stagemock raw rawkeep sink"
  "1s|$files/1m.parquet|8||stagemock raw rawkeep"
)
declare -A UP  # UP[workload.system.pass] = "rps p50 p99 bad mbs p999"
for sys in stagemock again scenario raw rawkeep; do # one unmeasured warm-up pass each
  DUR=2 lg_run "${R[$sys.url]}" "$files/4k.parquet" 32 > /dev/null; reset "$sys"
done
for i in $(seq 1 "$PASSES"); do
  for w in "${WORKLOADS[@]}"; do
    IFS='|' read -r wn wf wc wflags wsys <<< "$w"
    for sys in $wsys; do
      reset "$sys"
      # shellcheck disable=SC2086 # wflags is empty or one flag
      UP[$wn.$sys.$i]=$(lg_run "${R[$sys.url]}" "$wf" "$wc" $wflags)
    done
  done
done
for sys in stagemock again scenario raw rawkeep sink; do reset "$sys"; done
field() { echo "$1" | cut -d' ' -f"$2"; }
# med WORKLOAD SYSTEM FIELD: median over passes
med() { for i in $(seq 1 "$PASSES"); do [ -n "${UP[$1.$2.$i]:-}" ] && field "${UP[$1.$2.$i]}" "$3"; done | median; }
bad() { for i in $(seq 1 "$PASSES"); do field "${UP[$1.$2.$i]:-0 0 0 0}" 4; done | awk '{s+=$1} END {print s+0}'; }
# pass_ratio WORKLOAD A B [WORKLOAD_B]: median over passes of rps(A)/rps(B)
pass_ratio() {
  local wb=${4:-$1}
  for i in $(seq 1 "$PASSES"); do
    awk -v a="$(field "${UP[$1.$2.$i]}" 1)" -v b="$(field "${UP[$wb.$3.$i]}" 1)" 'BEGIN { if (b > 0) printf "%.3f\n", a / b }'
  done | median
}
passes() { for i in $(seq 1 "$PASSES"); do printf '%.0f ' "$(field "${UP[$1.$2.$i]}" 1)"; done; }
for sys in stagemock again scenario raw rawkeep; do
  R[$sys.up_rps]=$(med 4s "$sys" 1); R[$sys.up_p50]=$(med 4s "$sys" 2); R[$sys.up_p99]=$(med 4s "$sys" 3)
  R[$sys.up_bad]=$(bad 4s "$sys"); R[$sys.up1m_mbs]=$(med 1u "$sys" 5)
done
R[ratio.raw]=$(pass_ratio 4s stagemock raw)
R[ratio.unique]=$(pass_ratio 4u stagemock raw)
R[ratio.unique_keep]=$(pass_ratio 4u stagemock rawkeep)
R[ratio.big_keep]=$(pass_ratio 1u stagemock rawkeep)
R[ratio.big_raw]=$(pass_ratio 1u stagemock raw)
R[ratio.big_same]=$(pass_ratio 1s stagemock stagemock 1u)
R[ratio.rule]=$(pass_ratio 4s scenario stagemock)
R[ratio.again]=$(pass_ratio 4s again stagemock)
R[ratio.raw_sink4]=$(pass_ratio 4u raw sink)
R[ratio.raw_sink1]=$(pass_ratio 1u raw sink)
# within noise: the loaded rule moves the figure no further from 1 than a
# second identical instance does (or 5%, whichever is wider)
R[rule.verdict]=$(awk -v r="${R[ratio.rule]}" -v a="${R[ratio.again]}" 'BEGIN {
  dr = r - 1; if (dr < 0) dr = -dr; da = a - 1; if (da < 0) da = -da; if (da < 0.05) da = 0.05
  print (dr <= da) ? "within noise: met" : "outside noise: NOT met" }')
# downloads: the stored 4 KiB and 64 MiB files (stagemock), the fd response (raw)
url=${R[stagemock.url]}
curl -s -o /dev/null -X POST -H "Content-Type: application/json" "$url/_stagemock/reset"
for f in 4k 64m; do
  curl -s -o /dev/null -H 'Authorization: Key k' -F stage_id=s -F "file=@$files/$f.parquet;filename=$f.parquet" "$url/upload-to-stage"
done
measure_downloads stagemock "$url"
measure_downloads raw "${R[raw.url]}" skip64 # the same 4 KiB bytes from memory
R[raw.dl64_mbs]=$(download_mbs -d x=1 "${R[raw.url]}/download-from-stage")
# upload memory: 1 GiB streamed in, peak RSS growth
pid=${R[stagemock.pid]}
curl -s -o /dev/null -X POST -H "Content-Type: application/json" "$url/_stagemock/reset"
before=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"); peak=$before
curl -s -o /dev/null -H 'Authorization: Key k' -F stage_id=s -F "file=@$files/1g.parquet;filename=1g.parquet" "$url/upload-to-stage" &
cpid=$!
for _ in $(seq 1 6000); do # bounded: 5 minutes
  kill -0 "$cpid" 2>/dev/null || break
  now=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.05
done
wait "$cpid" 2>/dev/null
R[stagemock.gib_rss]=$(awk -v a="$peak" -v b="$before" 'BEGIN {printf "%.1f", (a - b) / 1024}')
for sys in stagemock again scenario raw rawkeep sink; do kill "${R[$sys.pid]}" 2>/dev/null; done
wait 2>/dev/null

# 3) WireMock (stubs answering the same requests)
if [ -n "$WIREMOCK_JAR" ] && command -v java >/dev/null; then
  wm=$T/wiremock; mkdir -p "$wm/mappings" "$wm/__files"
  cp "$files/4k.parquet" "$files/64m.parquet" "$wm/__files/"
  cat > "$wm/mappings/stubs.json" <<'JSON'
{"mappings": [
 {"request": {"method": "POST", "url": "/upload-to-stage"},
  "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{\"file_id\":\"f_1\"}"}},
 {"priority": 1, "request": {"method": "POST", "url": "/download-from-stage", "bodyPatterns": [{"contains": "file_name=64m"}]},
  "response": {"status": 200, "bodyFileName": "64m.parquet", "headers": {"Content-Type": "application/octet-stream"}}},
 {"priority": 5, "request": {"method": "POST", "url": "/download-from-stage"},
  "response": {"status": 200, "bodyFileName": "4k.parquet", "headers": {"Content-Type": "application/octet-stream"}}}]}
JSON
  next_port; p=$port; t0=$(ms_now)
  java -jar "$WIREMOCK_JAR" --port "$p" --root-dir "$wm" --disable-banner > "$T/wm.log" 2>&1 & pid=$!; pids+=("$pid")
  R[wiremock.start]=$(wait_up "$t0" "http://127.0.0.1:$p/upload-to-stage"); sleep 1
  why_down wiremock "$T/wm.log" "$pid"
  measure_stage_api wiremock "http://127.0.0.1:$p" "$pid"
  measure_downloads wiremock "http://127.0.0.1:$p"
  R[wiremock.rss_after]=$(rss_mib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null
fi

# 4) Mountebank (one imposter; the 4 KiB download as a base64 binary body).
# Its answers carry "Connection: close" unless a stub says otherwise; the
# stubs say keep-alive, so it serves the same keep-alive client as the others.
if [ -x "$NODE_BIN/mb" ]; then
  next_port; mbp=$port; next_port; p=$port
  b64=$(base64 -w0 "$files/4k.parquet")
  cat > "$T/imposters.json" <<JSON
{"imposters": [{"port": $p, "protocol": "http", "stubs": [
  {"predicates": [{"equals": {"method": "POST", "path": "/upload-to-stage"}}],
   "responses": [{"is": {"statusCode": 200, "headers": {"Content-Type": "application/json", "Connection": "keep-alive"}, "body": "{\"file_id\":\"f_1\"}"}}]},
  {"predicates": [{"equals": {"method": "POST", "path": "/download-from-stage"}}],
   "responses": [{"is": {"statusCode": 200, "headers": {"Connection": "keep-alive"}, "_mode": "binary", "body": "$b64"}}]}]}]}
JSON
  t0=$(ms_now)
  "$NODE_BIN/mb" start --port "$mbp" --configfile "$T/imposters.json" --noParse --nologfile --loglevel error --pidfile "$T/mb.pid" > "$T/mb.log" 2>&1 & pid=$!; pids+=("$pid")
  R[mountebank.start]=$(wait_up "$t0" "http://127.0.0.1:$p/upload-to-stage"); sleep 0.5
  why_down mountebank "$T/mb.log" "$pid"
  node_pid=$(pgrep -P "$pid" | head -1); node_pid=${node_pid:-$pid}
  measure_stage_api mountebank "http://127.0.0.1:$p" "$node_pid"
  measure_downloads mountebank "http://127.0.0.1:$p" skip64
  kill "$pid" "$node_pid" 2>/dev/null; wait "$pid" 2>/dev/null
fi

# 5) nginx: the download ceiling (GET of the same 64 MiB, sendfile on)
if command -v nginx >/dev/null; then
  ng=$T/nginx; mkdir -p "$ng"; next_port; p=$port
  cat > "$ng/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 2; pid $ng/nginx.pid; error_log $ng/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; default_type application/octet-stream;
  server { listen 127.0.0.1:$p; root $files; location / { } } }
CONF
  t0=$(ms_now)
  nginx -c "$ng/nginx.conf" -p "$ng" > /dev/null 2>&1 & pid=$!; pids+=("$pid")
  R[nginx.start]=$(wait_up "$t0" "http://127.0.0.1:$p/4k.parquet" GET); sleep 0.3
  R[nginx.rss]=$(rss_mib "$pid")
  R[nginx.dl64_mbs]=$(download_mbs "http://127.0.0.1:$p/64m.parquet")
  kill "$pid"; wait "$pid" 2>/dev/null
fi

inproc=$("$B/bench/bench_inprocess")
R[stagemock.inproc_us]=$(echo "$inproc" | sed -n 's/^inprocess_start_stop_us=//p')
R[stagemock.stop_idle_ms]=$(echo "$inproc" | sed -n 's/^inprocess_stop_idle_keepalive_ms=//p')

g() { echo "${R[$1]:-n/a}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
met() { awk -v x="$1" -v op="$2" -v y="$3" 'BEGIN { if (x == "n/a") { print "not measured"; exit } ok = (op == "<=") ? (x + 0 <= y + 0) : (x + 0 >= y + 0); print ok ? "met" : "NOT met" }'; }

cat <<MD
## Mock server (4 KiB and 1 MiB multipart uploads, downloads)

Uploads are driven by \`bench/loadgen.c\` (HTTP/1.1 keep-alive, the file's bytes shared by every
request and written with \`writev\`, a fresh file name per request; 32 connections for 4 KiB, 8
for 1 MiB; ${DUR} s per run), median of $PASSES passes, every system in this same run on
127.0.0.1. stagemock runs with validation on (deep) and the journal on, and its stage is reset
before every run; every upload is a real parquet file, so every one is judged, stored and
journaled. "Every upload's bytes different" (\`--unique\`) stamps sixteen letters of a string
page per request, so a server that stores equal bytes once must store every file.
Two ceilings of this stack run beside it (\`bench/raw_mhd.c\`, libmicrohttpd with the same
thread pool): **discard** parses the multipart and throws the file away; **keep** copies every
file part into a heap buffer and keeps it (the least any mock must do). The **sink**
(\`bench/sink.c\`, one epoll thread that skips bodies unread) is the load generator's own ceiling:
a server figure well below the sink's was not limited by the generator. All systems are up
side by side and take each workload in turn, pass by pass; ratios are medians of per-pass
ratios, so load from elsewhere on this shared machine falls on all of them alike.
WireMock and Mountebank answer canned stubs for the same requests; nginx serves the same
64 MiB with \`sendfile\` (GET). Each system first takes one unmeasured 2 s upload run.

| workload (req/s, median) | stagemock | raw MHD discard | raw MHD keep | sink (generator ceiling) |
|---|---|---|---|---|
| 4 KiB, same bytes | $(med 4s stagemock 1) | $(med 4s raw 1) | $(med 4s rawkeep 1) | $(med 4s sink 1) |
| 4 KiB, every request's bytes different | $(med 4u stagemock 1) | $(med 4u raw 1) | $(med 4u rawkeep 1) | $(med 4u sink 1) |
| 1 MiB, every request's bytes different | $(med 1u stagemock 1) ($(med 1u stagemock 5) MB/s) | $(med 1u raw 1) ($(med 1u raw 5) MB/s) | $(med 1u rawkeep 1) ($(med 1u rawkeep 5) MB/s) | $(med 1u sink 1) ($(med 1u sink 5) MB/s) |
| 1 MiB, same bytes | $(med 1s stagemock 1) ($(med 1s stagemock 5) MB/s) | $(med 1s raw 1) | $(med 1s rawkeep 1) | n/a |

p50 / p99 / p99.9 (ms), 4 KiB every request's bytes different: stagemock $(med 4u stagemock 2) /
$(med 4u stagemock 3) / $(med 4u stagemock 6); raw MHD discard $(med 4u raw 2) / $(med 4u raw 3) /
$(med 4u raw 6). Per-pass req/s, 4 KiB same bytes: stagemock $(passes 4s stagemock); a second
identical instance $(passes 4s again); + rule $(passes 4s scenario); raw MHD $(passes 4s raw).
Non-2xx or failed requests (must be 0 for stagemock): stagemock $(bad 4s stagemock) + $(bad 4u stagemock) + $(bad 1u stagemock) + $(bad 1s stagemock).

| system | start (ms) | idle RSS (MiB) | 4 KiB upload req/s | p50 / p99 (ms) | 1 MiB upload MB/s | 4 KiB download req/s | 64 MiB download MB/s |
|---|---|---|---|---|---|---|---|
| stagemock | $(g stagemock.start) | $(g stagemock.rss) | $(g stagemock.up_rps) | $(g stagemock.up_p50) / $(g stagemock.up_p99) | $(g stagemock.up1m_mbs) | $(g stagemock.dl4k_rps) | $(g stagemock.dl64_mbs) |
| stagemock + rule | $(g scenario.start) | $(g scenario.rss) | $(g scenario.up_rps) | $(g scenario.up_p50) / $(g scenario.up_p99) | n/a | n/a | n/a |
| raw MHD discard (ceiling) | $(g raw.start) | $(g raw.rss) | $(g raw.up_rps) | $(g raw.up_p50) / $(g raw.up_p99) | $(g raw.up1m_mbs) | $(g raw.dl4k_rps) | $(g raw.dl64_mbs) |
| raw MHD keep (ceiling) | $(g rawkeep.start) | $(g rawkeep.rss) | $(g rawkeep.up_rps) | $(g rawkeep.up_p50) / $(g rawkeep.up_p99) | $(g rawkeep.up1m_mbs) | n/a | n/a |
| WireMock $(basename "${WIREMOCK_JAR:-none}" .jar | sed 's/wiremock-standalone-//') | $(g wiremock.start) | $(g wiremock.rss) | $(g wiremock.up_rps) | $(g wiremock.up_p50) / $(g wiremock.up_p99) | $(g wiremock.up1m_mbs) | $(g wiremock.dl4k_rps) | $(g wiremock.dl64_mbs) |
| Mountebank | $(g mountebank.start) | $(g mountebank.rss) | $(g mountebank.up_rps) | $(g mountebank.up_p50) / $(g mountebank.up_p99) | $(g mountebank.up1m_mbs) | $(g mountebank.dl4k_rps) | n/a (a 64 MiB body must live in its JSON config) |
| nginx (GET, sendfile) | $(g nginx.start) | $(g nginx.rss) | n/a | n/a | n/a | n/a | $(g nginx.dl64_mbs) |

Upload columns are the 4 KiB same-bytes and 1 MiB different-bytes workloads. Non-2xx answers
during WireMock's and Mountebank's upload runs: $(g wiremock.up_bad), $(g mountebank.up_bad).
WireMock's RSS after the load: $(g wiremock.rss_after) MiB. WireMock and Mountebank answer with
chunked bodies, which the load generator reads like any HTTP/1.1 client.${R[wiremock.note]:+ ${R[wiremock.note]}.}${R[mountebank.note]:+ ${R[mountebank.note]}.}

| figure | value | target |
|---|---|---|
| 4 KiB upload, every request's bytes different, stagemock / raw MHD discard | $(g ratio.unique) | at least 0.80: $(met "$(g ratio.unique)" ">=" 0.80) |
| the same, stagemock / raw MHD keep | $(g ratio.unique_keep) | (for scale) |
| 4 KiB upload, same bytes, stagemock / raw MHD discard | $(g ratio.raw) | (for scale) |
| 1 MiB upload, every request's bytes different, stagemock / raw MHD keep | $(g ratio.big_keep) | at least 0.70: $(met "$(g ratio.big_keep)" ">=" 0.70) |
| the same, stagemock / raw MHD discard | $(g ratio.big_raw) | (for scale) |
| 1 MiB upload, stagemock same bytes / different bytes | $(g ratio.big_same) | at least 1.00 (equal bytes never slower): $(met "$(g ratio.big_same)" ">=" 1.00) |
| raw MHD discard / sink: how close the generator's ceiling is (4 KiB; 1 MiB) | $(g ratio.raw_sink4); $(g ratio.raw_sink1) | below 1: the generator was not the limit |
| 4 KiB upload req/s, stagemock / WireMock | $(ratio "$(g stagemock.up_rps)" "$(g wiremock.up_rps)") | far above 1 |
| 4 KiB upload req/s, stagemock / Mountebank | $(ratio "$(g stagemock.up_rps)" "$(g mountebank.up_rps)") | far above 1 |
| p99 of 4 KiB uploads, stagemock / WireMock | $(ratio "$(g stagemock.up_p99)" "$(g wiremock.up_p99)") | at most 0.05: $(met "$(ratio "$(g stagemock.up_p99)" "$(g wiremock.up_p99)")" "<=" 0.05) |
| 4 KiB upload req/s, stagemock (second instance) / stagemock: the noise band | $(g ratio.again) | (for scale) |
| 4 KiB upload req/s, stagemock + rule / stagemock | $(g ratio.rule) | no further from 1 than the noise band (or 5%): $(g rule.verdict) |
| 4 KiB download req/s, stagemock / raw MHD serving the same bytes from memory | $(ratio "$(g stagemock.dl4k_rps)" "$(g raw.dl4k_rps)") | (for scale) |
| 64 MiB download, stagemock / nginx | $(ratio "$(g stagemock.dl64_mbs)" "$(g nginx.dl64_mbs)") | at least 0.90: $(met "$(ratio "$(g stagemock.dl64_mbs)" "$(g nginx.dl64_mbs)")" ">=" 0.90) |
| in-process start + stop (\`bench/bench_inprocess.c\`, median of 400) | $(g stagemock.inproc_us) µs | under 1000 µs: $(met "$(g stagemock.inproc_us)" "<=" 1000) |
| stop with an idle keep-alive client (a reused libcurl handle; \`bench/bench_inprocess.c\`, median of 40) | $(g stagemock.stop_idle_ms) ms | under 2000 ms (was 10,000+): $(met "$(g stagemock.stop_idle_ms)" "<=" 2000) |
| idle RSS of \`stagemock serve\` | $(g stagemock.rss) MiB | under 10 MiB: $(met "$(g stagemock.rss)" "<=" 10) |
| RSS growth while a 1 GiB upload streams in | $(g stagemock.gib_rss) MiB | under 32 MiB: $(met "$(g stagemock.gib_rss)" "<=" 32) |
MD
