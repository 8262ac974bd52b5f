#!/usr/bin/env bash
# adapters_test.sh - stagectl and the Python, Node and shell adapters against
# `stagemock serve`, each in its own stage, through the adapter protocol
# (docs/ADAPTER.md): upload in order with an awkward name, list, a
# byte-identical download, a rejection with the server's message and exit 1,
# a failed download that leaves nothing, a 503 retried, and a lost upload
# answer that does not become a second upload. Then the ctypes wrapper
# (the stagemock package in clients/python) runs the Python adapter against an
# in-process server. Node or requests missing: those checks are skipped.
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
. "$top/tests/support/need.sh"
sm_need curl jq
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...

"$build/clients/tests/gen_big_parquet" "$work/a.parquet" 20000 || exit 1
awk_name='sp ace "q" 50%+&=ü.parquet'
cp "$work/a.parquet" "$work/$awk_name"
cp "$work/a.parquet" "$work/b.parquet"
cp "$work/a.parquet" "$work/c.parquet"
cp "$work/a.parquet" "$work/d.parquet"
printf 'not parquet' > "$work/bad.parquet"

"$build/stagemock" serve --key k1 --stage s0 > "$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'serving at' "$work/serve.out" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
export STAGE_API_URL=$url STAGE_API_KEY=k1 STAGE_API_TIMEOUT=5
admin() { curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$2" "$url/_stagemock/$1"; }
uploads_of() { # stage name: upload requests the journal holds for it
  curl -sS "$url/_stagemock/journal" |
    jq --arg s "$1" --arg n "$2" '[.entries[] | select(.path == "/upload-to-stage" and .stage == $s and .file_name == $n)] | length'
}

# Each adapter runs in the background in its own stage (faults are matched
# on the stage), writing "ok NAME" / "FAIL NAME" lines to $work/LABEL.res.
rcheck() { # name, command...
  local name=$1; shift
  if "$@"; then echo "ok $name"; else echo "FAIL $name"; fi
}
run_adapter() { # label, command words...
  local label=$1; shift
  local st=st-$label
  admin stages "{\"name\":\"$st\"}"
  admin scenario/fault "upload:stage=$st:file=c.parquet:nth=1:status=503:retry-after=0"
  admin scenario/fault "upload:stage=$st:file=d.parquet:nth=1:lose-response"
  cd "$work" || return
  "$@" upload --stage "$st" "$awk_name" b.parquet bad.parquet > "$label.up" 2> "$label.err"
  rcheck "$label: a rejection among uploads exits 1" test $? -eq 1
  rcheck "$label: ok, ok, rejected, in order" \
    test "$(jq -r '[.file, .ok, (.file_id | length > 0)] | @tsv' "$label.up" | tr '\t\n' ',|')" = \
    "$awk_name,true,true|b.parquet,true,true|bad.parquet,false,false|"
  rcheck "$label: the rejection carries the server's message" \
    test "$(jq -r 'select(.ok == false and .status == 400) | .message' "$label.up")" != ""
  "$@" download --stage "$st" --name "$awk_name" --out "$label.copy" > "$label.down"
  rcheck "$label: download exits 0" test $? -eq 0
  rcheck "$label: bytes identical" cmp -s "$awk_name" "$label.copy"
  "$@" download --stage "$st" --name missing.parquet --out "$label.missing" > "$label.miss"
  rcheck "$label: missing download exits 1" test $? -eq 1
  rcheck "$label: nothing left behind" test ! -e "$label.missing" -a ! -e "$label.missing.part"
  "$@" upload --stage "$st" c.parquet d.parquet > "$label.faults"
  rcheck "$label: 503 and a lost answer survived" test $? -eq 0
  rcheck "$label: 503 retried once" test "$(uploads_of "$st" c.parquet)" = 2
  rcheck "$label: lost answer not re-uploaded" test "$(uploads_of "$st" d.parquet)" = 1
  "$@" list --stage "$st" > "$label.list"
  rcheck "$label: list in upload order" \
    test "$(jq -r .name "$label.list" | tr '\n' '|')" = "$awk_name|b.parquet|c.parquet|d.parquet|"
}

run_adapter c "$build/stagectl" --json > "$work/c.res" 2>&1 &
if /usr/bin/python3 -c 'import requests' 2>/dev/null; then
  run_adapter py /usr/bin/python3 "$top/clients/python/stagectl.py" > "$work/py.res" 2>&1 &
else
  echo "skipping python: /usr/bin/python3 has no requests"; skipped=$((skipped + 1))
fi
if command -v node > /dev/null && [ "$(node -p 'process.versions.node.split(".")[0] >= 20')" = true ]; then
  run_adapter node node "$top/clients/node/stagectl.mjs" > "$work/node.res" 2>&1 &
else
  echo "skipping node: Node 20 or later not found"; skipped=$((skipped + 1))
fi
run_adapter sh sh "$top/clients/shell/stagectl.sh" > "$work/sh.res" 2>&1 &
wait $(jobs -p | grep -v "^$pid\$")
for r in "$work"/*.res; do
  grep -v '^ok ' "$r"
  passed=$((passed + $(grep -c '^ok ' "$r")))
  failed=$((failed + $(grep -c '^FAIL ' "$r")))
done

# The ctypes wrapper: an in-process server inside python, the Python adapter
# against it, with a lost answer. A sanitizer build's .so cannot be loaded
# into an uninstrumented python, so that mode skips it.
if [ "${SM_MODE:-debug}" = asan ] || [ "${SM_MODE:-debug}" = tsan ]; then
  echo "skipping the stagemock package: $SM_MODE library"; skipped=$((skipped + 1))
elif ! sm_have /usr/bin/python3; then
  skipped=$((skipped + 1))
else
  STAGEMOCK_LIB=$build/libstagemock.so PYTHONPATH=$top/clients/python /usr/bin/python3 - \
    "$top/clients/python/stagectl.py" "$work/a.parquet" > "$work/ctypes.out" 2>&1 <<'EOF'
import os, subprocess, sys
import stagemock
with stagemock.Server(stages=["s1", "s2"], keys={"k1": None, "k2": ["s2"]}) as srv:
    srv.fault("upload:nth=1:lose-response")
    env = dict(os.environ, STAGE_API_URL=srv.url, STAGE_API_KEY=srv.key)
    out = subprocess.run([sys.executable, sys.argv[1], "upload", "--stage", "s1", sys.argv[2]],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out
    assert [f["name"] for f in srv.files("s1")] == ["a.parquet"]
    # one upload (its answer lost) and the list that checks, no second upload; the
    # journal is in completion order, and the lost answer's entry may land last
    paths = sorted(e["path"] for e in srv.journal()["entries"])
    assert paths == ["/list-stage-files", "/upload-to-stage"], paths
    env["STAGE_API_KEY"] = "k2"
    out = subprocess.run([sys.executable, sys.argv[1], "list", "--stage", "s1"],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 1 and '"status": 404' in out.stdout, out
print("ctypes ok")
EOF
  check "stagemock package: in-process server, lost answer, key scope" grep -q 'ctypes ok' "$work/ctypes.out"
  grep -q 'ctypes ok' "$work/ctypes.out" || cat "$work/ctypes.out"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
