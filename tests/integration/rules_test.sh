#!/usr/bin/env bash
# rules_test.sh - docs/RULES.md, the rule table (include/stagemock/rules.h) and
# the rule ids in use agree (ci/check-rules.py), and the checker rejects what it
# must: RULES.md with any one id removed, an id nothing uses, a table row whose
# id, status, kind or meaning disagrees with RULES.md, an id RULES.md lists but
# the table lacks, fake uses of unknown ids in each position it reads (an
# sm_err_set argument, an array of rule ids, a designated .rule, a comparison, a
# default, a case's rule line), a status (literal id or enum) or level that
# disagrees, an unknown id cited in a doc, and a doc that mentions RULES.md
# without linking it. Each must-fail variant runs on a copy of the sources it
# reads, in a temp dir.
set -u
top=${SM_TOP:-$PWD}
. "$top/tests/support/need.sh"
sm_need python3
py=/usr/bin/python3
[ -x "$py" ] || py=python3
checker=$top/ci/check-rules.py
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...

# The tree as it is: no problem.
"$py" "$checker" --top "$top" > "$work/real.out" 2>&1
rc=$?
cat "$work/real.out"
check "the tree passes (exit 0)" test $rc -eq 0
ids=$(sed -n 's/^| `\([a-z0-9-]*\)` | .*/\1/p' "$top/docs/RULES.md")
n_ids=$(printf '%s\n' "$ids" | grep -c .)
check "docs/RULES.md lists at least the 9 documented rules and 5 obligations ($n_ids ids)" test "$n_ids" -ge 14
check "the summary counts the same ids" grep -q "^check-rules: $n_ids ids in docs/RULES.md" "$work/real.out"

# A pristine copy of what the checker reads; each variant starts from it.
mkdir -p "$work/tree/conformance" "$work/tree/fixtures" "$work/tree/ci"
for d in docs mock_server include tests clients README.md; do cp -r "$top/$d" "$work/tree/"; done
cp -r "$top/conformance/cases" "$top/conformance/runner" "$work/tree/conformance/"
cp -r "$top/fixtures/gen" "$work/tree/fixtures/"
rm -rf "$work/tree/mock_server/fuzz" "$work/tree/tests/integration/"*.out
check "the copy passes too" "$py" "$checker" --top "$work/tree" > /dev/null

# must_fail NAME REGEX: run the checker on $work/t (prepared by the caller);
# it must exit 1 and print a line matching REGEX.
must_fail() {
  local name=$1 want=$2 out rc
  out=$("$py" "$checker" --top "$work/t" ${rules:+--rules "$rules"} 2>&1); rc=$?
  if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qE "$want"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: must fail: $name (exit $rc, wanted /$want/)"; printf '%s\n' "$out" | tail -5
  fi
}
fresh() { rm -rf "$work/t"; cp -r "$work/tree" "$work/t"; rules=; }

# Every id, removed from a copy of RULES.md, is reported as in use but missing.
fresh
for id in $ids; do
  grep -v "^| \`$id\` |" "$top/docs/RULES.md" > "$work/rules-no-$id.md"
  rules=$work/rules-no-$id.md must_fail "RULES.md without $id" "rule id '$id' is in use but missing"
done

fresh
{ cat "$top/docs/RULES.md"; echo; echo '| id | status | meaning | our default |'; echo '|---|---|---|---|'
  echo '| `never-used` | 400 | an id nothing uses | none |'; } > "$work/t/docs/RULES.md"
must_fail "an id nothing uses" "id 'never-used' is used nowhere"

fresh
sed 's/^| `auth` | 401, 403, 404 |/| `auth` | 401, 404 |/' \
  "$top/docs/RULES.md" > "$work/t/docs/RULES.md"
must_fail "a status sm_err_set uses is missing from the status cell" "gives 'auth' status 403"

fresh
sed -i 's/X(SM_RULE_CODEC, "codec",/X(SM_RULE_CODEC, "codecs",/' "$work/t/include/stagemock/rules.h"
must_fail "the rule table renames an id" "rules.h:[0-9]+: rule id 'codecs' is in use but missing"

fresh
sed -i '/X(SM_RULE_IO, "io"/,+1d' "$work/t/include/stagemock/rules.h"
must_fail "an id RULES.md lists but the rule table lacks" "id 'io' is not in the rule table"

fresh
sed -i 's/X(SM_RULE_CODEC, "codec", 400,/X(SM_RULE_CODEC, "codec", 415,/' "$work/t/include/stagemock/rules.h"
must_fail "a table status RULES.md's status cell lacks" "the rule table gives 'codec' status 415"

fresh
sed -i 's/X(SM_RULE_CODEC, "codec", 400, SM_RULE_KIND_DOCUMENTED/X(SM_RULE_CODEC, "codec", 400, SM_RULE_KIND_OWN/' \
  "$work/t/include/stagemock/rules.h"
must_fail "a table row of the wrong kind" "gives 'codec' kind SM_RULE_KIND_OWN"

fresh
sed -i 's/"Snappy compression is supported."/"Snappy compression is supported, mostly."/' "$work/t/include/stagemock/rules.h"
must_fail "a table meaning that drifted from RULES.md" "the meaning of 'codec' differs"

fresh
sed -i 's/^    X(SM_RULE_IO, "io"/    X(SM_RULE_NEVER, "never-used", 400, SM_RULE_KIND_OWN, "An id nothing uses.")                 \\\n&/' \
  "$work/t/include/stagemock/rules.h"
{ cat "$top/docs/RULES.md"; echo; echo '### Ids of the mock'"'"'s own, more'; echo
  echo '| id | status | meaning | our default |'; echo '|---|---|---|---|'
  echo '| `never-used` | 400 | An id nothing uses. | none |'; } > "$work/t/docs/RULES.md"
must_fail "a table row (and RULES.md row) nothing uses" "id 'never-used' is used nowhere"
check "  ... and the row itself was read (no 'not in the rule table')" \
  eval '! "$py" "$checker" --top "$work/t" | grep -q "not in the rule table"'

fresh
printf 'static enum sm_code f(struct sm_error *err)\n{\n    return sm_err_set(err, SM_E_ARG,\n                      400, "made-up-rule", "x");\n}\n' \
  >> "$work/t/mock_server/src/upload.c"
must_fail "sm_err_set with an unknown id (call over two lines)" "upload.c:[0-9]+: rule id 'made-up-rule'"

fresh
printf 'static void t(struct sm_error *e, const char *f) { (void)sm_err_set(e, SM_E_ARG, 400,\n    strcmp(f, "file_name") == 0 ? "unique-names" : "branch-rule", "x"); }\n' \
  >> "$work/t/mock_server/src/form.c"
must_fail "a ternary's result is an id, its condition's literal is not" "rule id 'branch-rule'"
check "  ... and the condition's literal is not taken for an id" \
  eval '! "$py" "$checker" --top "$work/t" | grep -q "file_name"'

fresh
printf 'static void u(void) { const char *rule = "upload:nth=1:status=503"; (void)rule; }\n' \
  >> "$work/t/mock_server/src/admin.c"
check "a variable named rule holding a --fault spec is not an id" "$py" "$checker" --top "$work/t" > /dev/null

fresh
printf '#define FAKE_RULE "macro-rule"\nstatic void g(struct sm_error *e) { (void)sm_err_set(e, SM_E_ARG, 400, FAKE_RULE, "x"); }\n' \
  >> "$work/t/mock_server/src/admin.c"
must_fail "sm_err_set with a macro naming an unknown id" "rule id 'macro-rule'"

fresh
printf 'static void h(struct sm_error *e) { (void)sm_err_set(e, SM_E_ARG, 418, "codec", "x"); }\n' \
  >> "$work/t/mock_server/src/admin.c"
must_fail "sm_err_set with a status RULES.md does not give" "gives 'codec' status 418"

fresh
printf 'static void h(struct sm_error *e) { (void)sm_err_set(e, SM_E_ARG, 418, SM_RULE_CODEC, "x"); }\n' \
  >> "$work/t/mock_server/src/admin.c"
must_fail "sm_err_set naming the rule by enum, with a status RULES.md does not give" \
  "admin.c:[0-9]+: sm_err_set gives 'codec' status 418"

fresh
printf '#define MY_RULE SM_RULE_AUTH\nstatic void h(struct sm_error *e) { (void)sm_err_set(e, SM_E_ARG, 402, MY_RULE, "x"); }\n' \
  >> "$work/t/mock_server/src/admin.c"
must_fail "sm_err_set with a macro defined to an enum, status not given" "gives 'auth' status 402"

fresh
printf 'static const char *const extra_rules[] = {"codec", "report-only-rule"};\n' \
  >> "$work/t/conformance/runner/report_common.c"
must_fail "an unknown id in an array of rule ids" "report_common.c:[0-9]+: rule id 'report-only-rule'"

fresh
sed -i 's/{.rule = "codec", .expected = "accept"/{.rule = "codex", .expected = "accept"/' "$work/t/fixtures/gen/gen_set_rules.c"
must_fail "a fixture filed under an unknown id (.rule =)" "gen_set_rules.c:[0-9]+: rule id 'codex'"

fresh
sed -i 's/strcmp(rule, "one-file-per-request")/strcmp(rule, "one-file-per-upload")/' "$work/t/conformance/runner/verify.c"
must_fail "a comparison with an unknown id" "verify.c:[0-9]+: rule id 'one-file-per-upload'"

fresh
printf 'static const char *d(const char *rule) { return rule ? rule : "unreadable"; }\n' \
  >> "$work/t/mock_server/bin/inspect.c"
must_fail "a default of an unknown id" "inspect.c:[0-9]+: rule id 'unreadable'"

fresh
sed -i 's/assert_string_equal(e.rule, "parquet-only")/assert_string_equal(e.rule, "parquet-ony")/' "$work/t/clients/tests/test_client.c"
must_fail "a test asserting an unknown id" "test_client.c:[0-9]+: rule id 'parquet-ony'"

fresh
sed 's/^rule = order$/rule = ordering/' "$top/conformance/cases/order-01.case" > "$work/t/conformance/cases/order-99.case"
must_fail "a case with an unknown rule id" "order-99.case:[0-9]+: rule id 'ordering'"

fresh
sed -i 's/^level = MUST$/level = SHOULD/' "$work/t/conformance/cases/client-names-02.case"
must_fail "an obligation's case at another level" "client-names-02.case: level SHOULD"

fresh
sed -i 's/^level = INFO$/level = MUST/' "$work/t/conformance/cases/client-multipart-04.case"
must_fail "an INFO case of an obligation made MUST" "client-multipart-04.case: level MUST"

fresh
sed -i 's/`auth` (requests/`authn` (requests/' "$work/t/clients/broken/no_key.patch"
must_fail "a broken client's patch citing an unknown id" "no_key.patch:[0-9]+: cites rule id 'authn'"

fresh
printf '\nSee RULES.md %s for why.\n' '`no-such-rule`' >> "$work/t/docs/SERVER.md"
must_fail "a doc citing an unknown id" "SERVER.md:[0-9]+: cites rule id 'no-such-rule'"

fresh
printf '\n| situation | rule id |\n|---|---|\n| x | `tabled-rule` |\n' >> "$work/t/docs/ERRORS.md"
must_fail "a doc table's rule id column with an unknown id" "ERRORS.md:[0-9]+: cites rule id 'tabled-rule'"

fresh
sed -i 's/"rule":"auth"/"rule":"authz"/' "$work/t/docs/ADAPTER.md"
must_fail "a doc's JSON example with an unknown rule" "ADAPTER.md:[0-9]+: cites rule id 'authz'"

fresh
sed -i 's/\[RULES.md\](RULES.md)/RULES.md/g' "$work/t/docs/ERRORS.md"
must_fail "a doc that mentions RULES.md without a link" "ERRORS.md: mentions RULES.md but has no link"

fresh
sed -i 's/\[docs\/RULES.md\](docs\/RULES.md)/[docs\/RULES.md](..\/shared\/spec\/RULES.md)/g' "$work/t/README.md"
must_fail "a link to another RULES.md" "README.md: mentions RULES.md but has no link"

fresh
sed -i 's/^| `bytes` | 404, 500 |/| bytes | 404, 500 |/' "$work/t/docs/RULES.md"
must_fail "a row whose id is not backticked" "the id cell 'bytes' is not one backticked rule id"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
