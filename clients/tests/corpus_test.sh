#!/usr/bin/env bash
# corpus_test.sh - stagectl over the whole parquet corpus (../shared/corpus)
# against `stagemock serve`: every file the manifest says a stage accepts
# goes up and comes back byte-identical (sha256 as in the manifest); every
# file it rejects is reported with the server's message, its status and exit
# 1. Each file goes alone into its own stage (the manifest's standalone
# verdict, deep validation), then stage A's sequence runs in order in one
# stage, where later files with another schema must be refused. By default
# every rejected file and an eighth of the accepted ones run (each is a
# process); SM_CORPUS_ALL=1 or SM_BIG=1 runs all 135. Skips (counted as
# skipped) where the corpus is absent.
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
corpus=${SM_CORPUS_DIR:-$top/../shared/corpus}
if [ ! -f "$corpus/manifest.json" ]; then
  echo "skipping: no parquet corpus at $corpus (a user's clone has none)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
. "$top/tests/support/need.sh"
sm_need /usr/bin/python3
exec /usr/bin/python3 - "$build" "$corpus" <<'PY'
import concurrent.futures, hashlib, json, os, re, shutil, subprocess, sys, tempfile, urllib.request

build, corpus = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(corpus, "manifest.json")))
work = tempfile.mkdtemp()
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


args = [os.path.join(build, "stagemock"), "serve", "--key", "k1", "--stage", "A"]
srv = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    url = None
    for line in srv.stdout:
        m = re.search(r"serving at (http://[0-9.:]+)", line)
        if m:
            url = m.group(1)
            break
    for i in range(len(manifest)):  # serve takes 64 --stage at most: the admin API
        urllib.request.urlopen(urllib.request.Request(
            url + "/_stagemock/stages", data=json.dumps({"name": "c%d" % i}).encode(),
            method="POST", headers={"Content-Type": "application/json"}), timeout=10).read()
    env = dict(os.environ, STAGE_API_URL=url, STAGE_API_KEY="k1", STAGE_API_TIMEOUT="30")
    ctl = os.path.join(build, "stagectl")

    def run(*a):
        p = subprocess.run([ctl, "--json", *a], env=env, capture_output=True, text=True)
        return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

    def judge(m, stage, want, rc, lines):
        name = m["file"]
        line = lines[0] if len(lines) == 1 else {}
        if want == "accept":
            check(name + ": accepted", rc == 0 and line.get("ok") is True and line.get("file_id"),
                  str(lines))
            out = os.path.join(work, stage + ".copy")
            drc, _ = run("download", "--stage", stage, "--name", os.path.basename(name),
                         "--out", out)
            same = drc == 0 and hashlib.sha256(open(out, "rb").read()).hexdigest() == m["sha256"]
            check(name + ": byte-identical", same)
            if os.path.exists(out):
                os.unlink(out)
        else:
            check(name + ": rejected with the server's message",
                  rc == 1 and line.get("ok") is False and line.get("status") == 400
                  and line.get("message") and "file_id" not in line, str(lines))

    def one(i):
        m = manifest[i]
        rc, lines = run("upload", "--stage", "c%d" % i, os.path.join(corpus, m["file"]))
        judge(m, "c%d" % i, standalone(m), rc, lines)

    # Every rejected file and every 8th accepted one by default (each run is a
    # process: the whole corpus is ~250 of them); all with SM_CORPUS_ALL=1 or SM_BIG=1.
    full = os.environ.get("SM_CORPUS_ALL") == "1" or os.environ.get("SM_BIG") == "1"
    picked = [i for i, m in enumerate(manifest)
              if full or standalone(m) != "accept" or i % 8 == 0]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one, picked))
    print("standalone: %d of %d corpus files" % (len(picked), len(manifest)))

    seq = sorted((m for m in manifest if m.get("stage") == "A"), key=lambda m: m["stage_step"])
    rc, lines = run("upload", "--stage", "A", *[os.path.join(corpus, m["file"]) for m in seq])
    check("stage A: one line per file", len(lines) == len(seq), str(len(lines)))
    for m, line in zip(seq, lines):
        ok = line.get("ok") is (m["expected"] == "accept")
        if m["reason"] == "schema-mismatch":
            msg = line.get("message", "")
            ok = ok and ("schema" in msg or "column" in msg)
        check("stage A step %d %s: %s" % (m["stage_step"], m["file"], m["expected"]), ok, str(line))
    rc, listed = run("list", "--stage", "A")
    want = [os.path.basename(m["file"]) for m in seq if m["expected"] == "accept"]
    check("stage A: listing in upload order", [l["name"] for l in listed] == want, str(listed))
finally:
    srv.terminate()
    srv.wait()
    shutil.rmtree(work)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
