#!/usr/bin/env bash
# loadgen_test.sh - bench/loadgen.c reads answers the way the competitors of
# `make bench` send them: with Content-Length, chunked (WireMock, Mountebank),
# chunked with extensions and a trailer, and "Connection: close". A stub server
# in Python answers every request on 127.0.0.1; each run must count only ok
# answers. A malformed chunked answer and a body longer than its
# Content-Length must count as errors, never as answers.
set -u
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
case $build in /*) ;; *) build=$top/$build ;; esac
. "$top/tests/support/need.sh"
sm_need python3
py=/usr/bin/python3
[ -x "$py" ] || py=python3
lg=$build/bench/loadgen
work=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

# the stub: MODE picks the answer's framing; it reads each request whole first
cat > "$work/stub.py" <<'PY'
import socket, sys, threading
mode = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
print(srv.getsockname()[1], flush=True)
answers = {
    "length": b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"file_id\":\"f_1\"}",
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n{\"file_id\":\"f_1\"}\r\n0\r\n\r\n",
    "chunked-ext": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"a;x=y\r\n{\"file_id\"\r\n7\r\n:\"f_1\"}\r\n0\r\nX-Trailer: 1\r\n\r\n",
    "close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "too-long": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}xx",
}
answer = answers[mode]
def serve(c):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, _, buf = buf.partition(b"\r\n\r\n")
            n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
            while len(buf) < n:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            buf = buf[n:]
            c.sendall(answer)
            if mode == "close":
                return
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
printf 'PAR1 not parquet, loadgen only sends it\n' > "$work/f.bin"

run() { # mode count: starts the stub, runs loadgen for count requests, keeps its output
  local mode=$1 count=$2 port
  "$py" "$work/stub.py" "$mode" > "$work/port" & spid=$!
  for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  port=$(head -1 "$work/port")
  timeout 20 "$lg" "http://127.0.0.1:$port/upload-to-stage" --file "$work/f.bin" -c 2 -d 10 -n "$count" > "$work/$mode.out" 2>&1
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; : > "$work/port"
}
val() { sed -n "s/^$2=//p" "$work/$1.out"; }

for mode in length chunked chunked-ext close; do
  run "$mode" 40
  check "$mode: 40 answers, all ok" test "$(val "$mode" ok)" = 40
  check "$mode: no errors" test "$(val "$mode" errors)" = 0
done
for mode in bad-chunk too-long; do
  run "$mode" 10
  check "$mode: no answer counted ok" test "$(val "$mode" ok)" = 0
  check "$mode: counted as errors" test "$(val "$mode" errors)" -gt 0
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
