#!/usr/bin/env bash
# fixtures_roundtrip_test.sh - stagectl over every generated fixture
# (`stagemock fixtures`) against `stagemock serve`: each file alone in its own
# stage, judged as the manifest says a stage judges it on its own (deep
# validation); every accepted file comes back byte-identical (the manifest's
# sha256), every rejected one is reported with the server's message, no file
# id and exit 1. The project's own fixtures, so it runs in every clone.
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
. "$top/tests/support/need.sh"
sm_need /usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! "$build/stagemock" fixtures --out "$work/fx" > "$work/gen.log" 2>&1; then
  cat "$work/gen.log"
  echo "0 passed, 1 failed"
  exit 1
fi
exec /usr/bin/python3 - "$build" "$work" <<'PY'
import concurrent.futures, hashlib, json, os, re, subprocess, sys, urllib.request

build, work = sys.argv[1], sys.argv[2]
fx = os.path.join(work, "fx")
manifest = json.load(open(os.path.join(fx, "manifest.json")))
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


def standalone(m):
    v = m.get("expected_standalone") or m.get("expected_deep") or m["expected"]
    return v.split()[0]


srv = subprocess.Popen([os.path.join(build, "stagemock"), "serve", "--key", "k1", "--stage", "s"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    url = None
    for line in srv.stdout:  # bounded: serve prints its URL first, or exits
        m = re.search(r"serving at (http://[0-9.:]+)", line)
        if m:
            url = m.group(1)
            break
    for i in range(len(manifest)):
        urllib.request.urlopen(urllib.request.Request(
            url + "/_stagemock/stages", data=json.dumps({"name": "f%d" % i}).encode(),
            method="POST", headers={"Content-Type": "application/json"}), timeout=10).read()
    env = dict(os.environ, STAGE_API_URL=url, STAGE_API_KEY="k1", STAGE_API_TIMEOUT="30")
    ctl = os.path.join(build, "stagectl")

    def run(*a):
        p = subprocess.run([ctl, "--json", *a], env=env, capture_output=True, text=True,
                           timeout=120)
        return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

    def one(i):
        m = manifest[i]
        stage, name = "f%d" % i, m["file"]
        rc, lines = run("upload", "--stage", stage, os.path.join(fx, name))
        line = lines[0] if len(lines) == 1 else {}
        if standalone(m) == "accept":
            ok = rc == 0 and line.get("ok") is True and bool(line.get("file_id"))
            check(name + ": accepted", ok, str(lines))
            out = os.path.join(work, stage + ".copy")
            drc, _ = run("download", "--stage", stage, "--name", os.path.basename(name),
                         "--out", out)
            same = drc == 0 and hashlib.sha256(open(out, "rb").read()).hexdigest() == m["sha256"]
            check(name + ": byte-identical", same)
        else:
            ok = (rc == 1 and line.get("ok") is False and isinstance(line.get("status"), int)
                  and 400 <= line["status"] < 500 and line.get("message")
                  and "file_id" not in line)
            check(name + ": rejected with the server's message", ok, str(lines))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(len(manifest))))
    print("round trips: %d generated fixtures" % len(manifest))
finally:
    srv.terminate()
    srv.wait()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
