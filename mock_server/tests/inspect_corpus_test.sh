#!/usr/bin/env bash
# inspect_corpus_test.sh - `stagemock inspect --json` over every file of
# ../shared/corpus, in footer and in deep mode, compared with manifest.json:
# verdict, rule (and the codec or "encrypted" named in the reason), rows, row
# groups, leaf columns, codecs and the schema text. Also checks that a file
# altered on purpose is caught, so the comparison itself can fail.
# Skips (counted as skipped) where the corpus is absent.
set -u
top=${SM_TOP:-$PWD}
bin=$top/${SM_BUILD:-build/debug}/stagemock
corpus=${SM_CORPUS_DIR:-$top/../shared/corpus}
if [ ! -f "$corpus/manifest.json" ]; then
  echo "skipping: no parquet corpus at $corpus (a user's clone has none)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
. "$top/tests/support/need.sh"
sm_need /usr/bin/python3
exec /usr/bin/python3 - "$bin" "$corpus" <<'PY'
import json, subprocess, sys, os, tempfile, shutil
bin, corpus = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(corpus, "manifest.json")))
files = [m["file"] for m in manifest]
passed = failed = 0

def run(mode_flags, paths):
    p = subprocess.run([bin, "inspect", "--json", *mode_flags, *paths], cwd=corpus,
                       capture_output=True, text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

def rule_of(reason):
    if reason.startswith("unsupported-codec:"):
        return "codec", reason.split(":", 1)[1]
    if reason == "encrypted":
        return "parquet-only", "encrypted"
    if reason == "page-crc-mismatch":
        return "parquet-only", "CRC"
    return "parquet-only", None

def judge(m, got, deep):
    exp, why = m["expected"], m["reason"]
    if deep and "expected_deep" in m:
        exp, why = m["expected_deep"], m["reason_deep"]
    if why == "schema-mismatch":   # a stage-level verdict: standalone it is accepted
        exp = "accept"
    problems = []
    if exp == "accept":
        if got["verdict"] != "accept":
            problems.append(f"expected accept, got {got['rule']}: {got['reason']}")
    else:
        rule, word = rule_of(why)
        if got["verdict"] != "reject" or got["rule"] != rule or (word and word not in got["reason"]):
            problems.append(f"expected {rule} ({why}), got {got['verdict']} {got['rule']}: {got['reason']}")
    if not deep and got.get("schema") is not None:
        for k in ("rows", "row_groups", "leaf_columns"):
            if m.get(k) is not None and got.get(k) != m[k]:
                problems.append(f"{k}: {got.get(k)} != {m[k]}")
        if sorted(got["codecs"]) != sorted(m["codecs"]) or got["codec_chunks"] != m["codec_chunks"]:
            problems.append(f"codecs {got['codec_chunks']} != {m['codec_chunks']}")
        want = m.get("schema_raw_thrift") or m.get("schema")
        if want is not None and got["schema"] != want:
            problems.append("schema text differs")
    return problems

for deep, flags in ((False, ["--footer-only"]), (True, [])):
    rc, out = run(flags, files)
    if len(out) != len(files):
        print(f"FAIL {'deep' if deep else 'footer'}: {len(out)} lines for {len(files)} files")
        failed += 1
        continue
    any_reject = False
    for m, got in zip(manifest, out):
        probs = judge(m, got, deep)
        any_reject |= got["verdict"] == "reject"
        if probs:
            failed += 1
            print(f"FAIL {'deep' if deep else 'footer'} {m['file']}: {'; '.join(probs)}")
        else:
            passed += 1
    if rc != (1 if any_reject else 0):
        failed += 1
        print(f"FAIL exit status {rc}")
    else:
        passed += 1

# The comparison can fail: flip a byte of a snappy page of an accepted file.
tmp = tempfile.mkdtemp()
try:
    src = os.path.join(corpus, "duckdb/stage_a_01.snappy.parquet")
    dst = os.path.join(tmp, "damaged.parquet")
    data = bytearray(open(src, "rb").read())
    for i in range(40, 80):
        data[i] ^= 0xff
    open(dst, "wb").write(data)
    rc, out = run([], [dst])
    m = next(x for x in manifest if x["file"] == "duckdb/stage_a_01.snappy.parquet")
    if rc == 1 and out and judge(m, out[0], True):
        passed += 1
    else:
        failed += 1
        print("FAIL a damaged file was not told apart from the manifest's verdict")
finally:
    shutil.rmtree(tmp)
print(f"inspect corpus: {len(files)} files x 2 modes")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
