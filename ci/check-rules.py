#!/usr/bin/env python3
"""check-rules.py - docs/RULES.md and the rule ids the project uses agree.

    ci/check-rules.py [--top DIR] [--rules FILE] [--list]

Reads the id column of every table in docs/RULES.md whose header is
`| id | status | meaning | our default |`, collects every rule id in use, and
prints one line per disagreement, then a summary; exit 1 when there is any.

The rule table, SM_RULE_TABLE in include/stagemock/rules.h (one row per rule:
enum name, id, default status, kind, meaning), must hold exactly RULES.md's
ids, each with a status its status cell allows (0 where the cell is MUST,
SHOULD or -), the kind of the RULES.md table it is listed in, and RULES.md's
meaning cell word for word. A row alone is not a use.

An id is in use (docs/RULES.md, "How the ids are kept honest") when it is
- a table row's enum name (SM_RULE_CODEC) anywhere in the C sources under
  CODE_DIRS outside the table, or a macro defined to one;
- a C string literal in a rule position, in the C sources under CODE_DIRS:
  the argument for a parameter named `rule` of a function declared in those
  sources (sm_err_set, ...; a macro defined to a literal counts as that
  literal), an element of an array whose name contains `rule`, or a literal
  assigned to a member named `rule` (`.rule = "x"`), compared with (`strcmp(rule, "x")`,
  `assert_string_equal(e.rule, "x")`) or defaulting (`rule ? rule : "x"`)
  something named `rule`;
- the value of `rule = ID` in a conformance case (conformance/cases/*.case).
It also checks the statuses sm_err_set pairs with an id, the levels of the
client obligations' cases, ids cited in docs, cases and comments, and that
every page mentioning RULES.md links docs/RULES.md.

Standard library only; it reads C by tokens (comments dropped, literals
kept), which is enough for the positions above, not a C parser.
"""
import argparse
import os
import re
import sys

CODE_DIRS = ["mock_server", "conformance/runner", "clients", "fixtures/gen", "include", "tests"]
SCRIPT_EXTS = (".sh", ".py", ".mjs", ".patch")
HEADER = ["id", "status", "meaning", "our default"]
ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
LEVELS = ("MUST", "SHOULD")

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<pp>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<str>"(?:\\.|[^"\\\n])*")
  | (?P<chr>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>[0-9][A-Za-z0-9_.]*)
  | (?P<op>->|==|!=|<=|>=|&&|\|\||.)
""", re.VERBOSE | re.DOTALL | re.MULTILINE)
DEFINE_RE = re.compile(r'#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+"((?:\\.|[^"\\])*)"\s*$')
DEFINE_ID_RE = re.compile(r'#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(SM_RULE_[A-Z0-9_]+)\s*$')
TABLE_FILE = "include/stagemock/rules.h"
TABLE_MACRO = "SM_RULE_TABLE"
KINDS = {"SM_RULE_KIND_DOCUMENTED": "Documented rules", "SM_RULE_KIND_OBLIGATION": "Client obligations",
         "SM_RULE_KIND_OWN": "Ids of the mock's own"}


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line


def tokenize(text):
    """C tokens (str tokens without their quotes) and the file's string #defines."""
    toks, defines, line = [], {}, 1
    for m in TOKEN_RE.finditer(text):
        kind, val = m.lastgroup, m.group()
        if kind == "pp":
            d = DEFINE_RE.match(val.strip()) or DEFINE_ID_RE.match(val.strip())
            if d:
                defines[d.group(1)] = d.group(2)
        elif kind == "str":
            toks.append(Tok("str", val[1:-1], line))
        elif kind in ("ident", "num", "op", "chr"):
            toks.append(Tok(kind, val, line))
        line += val.count("\n")
    return toks, defines


def matching(toks, i, open_, close):
    """Index of the token closing the group opened at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == open_:
            depth += 1
        elif toks[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def split_args(toks, i, j):
    """The comma-separated arguments between toks[i] '(' and toks[j] ')'."""
    args, cur, depth = [], [], 0
    for t in toks[i + 1:j]:
        if t.text in "([{" and t.kind == "op":
            depth += 1
        elif t.text in ")]}" and t.kind == "op":
            depth -= 1
        if depth == 0 and t.kind == "op" and t.text == ",":
            args.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur or args:
        args.append(cur)
    return args


class Checker:
    def __init__(self, top, rules_path):
        self.top = top
        self.rules_path = rules_path
        self.problems = []
        self.rules = {}      # id -> {"status": cell, "line": n, "section": title}
        self.uses = {}       # id -> [where, ...]
        self.statuses = []   # (id, status, where) from sm_err_set
        self.levels = {}     # id -> {level: [case file, ...]}
        self.table = {}      # enum name -> {"id", "status", "kind", "meaning", "where"}

    def rel(self, path):
        return os.path.relpath(path, self.top)

    def problem(self, msg):
        self.problems.append(msg)

    # ---- docs/RULES.md -------------------------------------------------
    def read_rules(self):
        try:
            with open(self.rules_path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except OSError as e:
            self.problem("%s: cannot read: %s" % (self.rules_path, e.strerror))
            return
        where = self.rel(self.rules_path) if self.rules_path.startswith(self.top) else self.rules_path
        section, in_table = "", False
        for n, line in enumerate(lines, 1):
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
            if cells is None:
                in_table = False
                continue
            if [c.lower() for c in cells] == HEADER:
                in_table = True
                continue
            if not in_table or set(line.replace("|", "").strip()) <= set("-: "):
                continue
            if len(cells) != len(HEADER):
                self.problem("%s:%d: a rule row has %d cells, not %d" % (where, n, len(cells), len(HEADER)))
                continue
            m = re.match(r"^`([^`]+)`$", cells[0])
            if not m or not ID_RE.match(m.group(1)):
                self.problem("%s:%d: the id cell %r is not one backticked rule id" % (where, n, cells[0]))
                continue
            rid = m.group(1)
            if rid in self.rules:
                self.problem("%s:%d: id '%s' is listed twice (first on line %d)"
                             % (where, n, rid, self.rules[rid]["line"]))
                continue
            status = cells[1]
            if not (status in LEVELS or status == "-" or re.match(r"^[1-5][0-9][0-9](, [1-5][0-9][0-9])*$", status)):
                self.problem("%s:%d: id '%s': status %r is not MUST, SHOULD, - or a list of HTTP statuses"
                             % (where, n, rid, status))
            if not cells[2] or not cells[3]:
                self.problem("%s:%d: id '%s' has an empty meaning or default" % (where, n, rid))
            self.rules[rid] = {"status": status, "line": n, "section": section, "meaning": cells[2]}
        if not self.rules:
            self.problem("%s: no table with the header | %s |" % (where, " | ".join(HEADER)))

    # ---- the rule table (include/stagemock/rules.h) ---------------------------
    def read_table(self):
        path = os.path.join(self.top, TABLE_FILE)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.problem("%s: cannot read: %s" % (TABLE_FILE, e.strerror))
            return
        m = re.search(r"^[ \t]*#[ \t]*define[ \t]+" + TABLE_MACRO + r"\(X\)((?:\\\n|[^\n])*)", text, re.M)
        if not m:
            self.problem("%s: no #define %s(X)" % (TABLE_FILE, TABLE_MACRO))
            return
        first = text.count("\n", 0, m.start()) + 1
        toks, _ = tokenize(m.group(1).replace("\\\n", " \n"))
        i = 0
        while i < len(toks):
            if toks[i].text == "X" and i + 1 < len(toks) and toks[i + 1].text == "(":
                j = matching(toks, i + 1, "(", ")")
                args = split_args(toks, i + 1, j)
                line = first + toks[i].line - 1
                where = "%s:%d" % (TABLE_FILE, line)
                ok = len(args) == 5 and len(args[0]) == 1 and len(args[1]) == 1 and args[1][0].kind == "str" \
                    and len(args[2]) == 1 and args[2][0].kind == "num" and len(args[3]) == 1 \
                    and args[4] and all(t.kind == "str" for t in args[4])
                if not ok:
                    self.problem("%s: a table row is not X(ENUM, \"id\", status, kind, \"meaning\")" % where)
                else:
                    self.table[args[0][0].text] = {
                        "id": args[1][0].text, "status": args[2][0].text, "kind": args[3][0].text,
                        "meaning": "".join(t.text for t in args[4]).replace('\\"', '"'), "where": where}
                i = j
            i += 1
        if not self.table:
            self.problem("%s: %s has no rows" % (TABLE_FILE, TABLE_MACRO))

    def check_table(self):
        ids = {}
        for name, row in self.table.items():
            rid, where = row["id"], row["where"]
            if rid in ids:
                self.problem("%s: id '%s' has two rows (%s and %s)" % (where, rid, ids[rid], name))
            ids[rid] = name
            r = self.rules.get(rid)
            if r is None:
                self.problem("%s: rule id '%s' is in use but missing from docs/RULES.md" % (where, rid))
                continue
            cell = r["status"]
            if row["status"] == "0":
                if cell not in LEVELS and cell != "-":
                    self.problem("%s: the rule table gives '%s' no status (0), but docs/RULES.md's status cell is %s"
                                 % (where, rid, cell))
            elif row["status"] not in re.findall(r"[0-9]{3}", cell):
                self.problem("%s: the rule table gives '%s' status %s, which docs/RULES.md's status cell (%s) lacks"
                             % (where, rid, row["status"], cell))
            want = KINDS.get(row["kind"])
            if want is None or not r["section"].startswith(want):
                self.problem("%s: the rule table gives '%s' kind %s, but docs/RULES.md lists it under '%s'"
                             % (where, rid, row["kind"], r["section"]))
            if row["meaning"] != r["meaning"]:
                self.problem("%s: the meaning of '%s' differs from docs/RULES.md's meaning cell:\n    table: %s\n    docs:  %s"
                             % (where, rid, row["meaning"], r["meaning"]))
        for rid, r in self.rules.items():
            if self.table and rid not in ids:
                self.problem("docs/RULES.md:%d: id '%s' is not in the rule table (%s)" % (r["line"], rid, TABLE_FILE))

    # ---- uses in C ---------------------------------------------------------
    def c_files(self):
        out = []
        for d in CODE_DIRS:
            for root, dirs, files in os.walk(os.path.join(self.top, d)):
                dirs[:] = sorted(x for x in dirs if x not in ("node_modules", "build"))
                out += [os.path.join(root, f) for f in sorted(files) if f.endswith((".c", ".h"))]
        return out

    def use(self, rid, where):
        if re.search(r"[A-Za-z]", rid):  # "-" or "?" stand for "no rule", not for an id
            self.uses.setdefault(rid, []).append(where)

    def scan_c(self):
        parsed = []
        protos = {}   # function name -> index of its `rule` parameter
        defines = {}
        for path in self.c_files():
            with open(path, encoding="utf-8", errors="replace") as f:
                toks, defs = tokenize(f.read())
            parsed.append((path, toks, defs))
            defines.update(defs)
            for i in range(len(toks) - 1):
                if toks[i].kind == "ident" and toks[i + 1].text == "(":
                    j = matching(toks, i + 1, "(", ")")
                    for k, a in enumerate(split_args(toks, i + 1, j)):
                        if len(a) >= 2 and a[-1].text == "rule" and any(t.text in ("char", "sm_rule") for t in a):
                            protos[toks[i].text] = k
        for path, toks, defs in parsed:
            self.scan_tokens(self.rel(path), toks, protos, dict(defines, **defs))

    def scan_tokens(self, rel, toks, protos, defines):
        calls = []  # stack of (name of the called function or None) per open paren
        n = len(toks)

        enum_ids = {name: row["id"] for name, row in self.table.items()}

        def literal_ids(arg):
            for t in arg:
                if t.kind == "str":
                    yield t.text, t.line, False
                elif t.kind == "ident" and t.text in enum_ids:
                    yield enum_ids[t.text], t.line, True
                elif t.kind == "ident" and t.text in defines:
                    d = defines[t.text]
                    yield enum_ids.get(d, d), t.line, d in enum_ids

        for i, t in enumerate(toks):
            # a table row's enum name, or a macro defined to one
            if t.kind == "ident":
                name = defines.get(t.text, t.text)
                if name in enum_ids:
                    self.use(enum_ids[name], "%s:%d" % (rel, t.line))
            if t.text == "(" and t.kind == "op":
                calls.append(toks[i - 1].text if i > 0 and toks[i - 1].kind == "ident" else None)
            elif t.text == ")" and t.kind == "op" and calls:
                calls.pop()
            # a call of a function with a `rule` parameter
            if t.kind == "ident" and t.text in protos and i + 1 < n and toks[i + 1].text == "(":
                j = matching(toks, i + 1, "(", ")")
                args = split_args(toks, i + 1, j)
                k = protos[t.text]
                is_decl = k < len(args) and any(x.text in ("char", "sm_rule") for x in args[k])
                if k < len(args) and not is_decl:
                    arg = args[k]
                    top_q = [q for q, x in enumerate(arg) if x.text == "?" and
                             sum(1 if y.text in "([" else -1 if y.text in ")]" else 0
                                 for y in arg[:q] if y.kind == "op") == 0]
                    if top_q:  # cond ? "a" : "b": the condition's literals are not ids
                        arg = arg[top_q[0] + 1:]
                    for rid, line, by_enum in literal_ids(arg):
                        if not by_enum:  # an enum name was counted above
                            self.use(rid, "%s:%d" % (rel, line))
                        st = args[k - 1] if t.text == "sm_err_set" and k >= 1 else None
                        if st and len(st) == 1 and st[0].kind == "num":
                            self.statuses.append((rid, st[0].text, "%s:%d" % (rel, line)))
            # an array whose name contains "rule": NAME [ ... ] = { "a", ... }
            if t.kind == "ident" and "rule" in t.text.lower() and i + 1 < n and toks[i + 1].text == "[":
                j = matching(toks, i + 1, "[", "]")
                if j + 2 < n and toks[j + 1].text == "=" and toks[j + 2].text == "{":
                    e = matching(toks, j + 2, "{", "}")
                    for x in toks[j + 3:e]:
                        if x.kind == "str":
                            self.use(x.text, "%s:%d" % (rel, x.line))
            if t.kind == "ident" and t.text == "rule" and i + 2 < n:
                nxt, after = toks[i + 1], toks[i + 2]
                # .rule = "x", e->rule = "x" (a member: a plain variable named rule
                # may hold a scenario rule, e.g. a --fault spec)
                if nxt.text == "=" and after.kind == "str" and i > 0 and toks[i - 1].text in (".", "->"):
                    self.use(after.text, "%s:%d" % (rel, after.line))
                # strcmp(rule, "x"), assert_string_equal(e.rule, "x")
                if nxt.text == "," and after.kind == "str" and calls and calls[-1] and \
                        re.search(r"cmp|equal", calls[-1]):
                    self.use(after.text, "%s:%d" % (rel, after.line))
                # rule ? ... : "x"
                if nxt.text == "?":
                    depth = 0
                    for j in range(i + 2, min(n - 1, i + 40)):
                        x = toks[j]
                        if x.text in "([" and x.kind == "op":
                            depth += 1
                        elif x.text in ")]" and x.kind == "op":
                            depth -= 1
                        elif x.text == ":" and depth == 0:
                            if toks[j + 1].kind == "str":
                                self.use(toks[j + 1].text, "%s:%d" % (rel, toks[j + 1].line))
                            break
                        if depth < 0 or x.text == ";":
                            break

    # ---- uses in cases ------------------------------------------------------
    def scan_cases(self):
        d = os.path.join(self.top, "conformance", "cases")
        names = sorted(f for f in os.listdir(d) if f.endswith(".case")) if os.path.isdir(d) else []
        if not names:
            self.problem("conformance/cases: no .case files")
        for f in names:
            path = os.path.join(d, f)
            rule, level, rline = None, None, 0
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    m = re.match(r"^(rule|level)\s*=\s*(.*?)\s*$", line)
                    if m and m.group(1) == "rule" and rule is None:
                        rule, rline = m.group(2), n
                    elif m and m.group(1) == "level" and level is None:
                        level = m.group(2)
            if rule is None:
                self.problem("%s: no `rule = ID` line" % self.rel(path))
                continue
            self.use(rule, "%s:%d" % (self.rel(path), rline))
            self.levels.setdefault(rule, {}).setdefault(level, []).append(self.rel(path))

    # ---- ids cited in prose -------------------------------------------------
    def prose_files(self):
        out = [os.path.join(self.top, "README.md")]
        docs = os.path.join(self.top, "docs")
        if os.path.isdir(docs):
            out += [os.path.join(docs, f) for f in sorted(os.listdir(docs)) if f.endswith(".md")]
        cases = os.path.join(self.top, "conformance", "cases")
        if os.path.isdir(cases):
            out += [os.path.join(cases, f) for f in sorted(os.listdir(cases)) if f.endswith(".case")]
        out += self.c_files()
        for d in CODE_DIRS:
            for root, dirs, files in os.walk(os.path.join(self.top, d)):
                dirs[:] = sorted(x for x in dirs if x not in ("node_modules", "build"))
                out += [os.path.join(root, f) for f in sorted(files) if f.endswith(SCRIPT_EXTS)]
        return [p for p in out if os.path.isfile(p)]

    def cited(self, rid, where):
        if rid not in self.rules:
            self.problem("%s: cites rule id '%s', which docs/RULES.md does not list" % (where, rid))

    def scan_prose(self):
        cite = re.compile(r"RULES\.md(?:\]\([^)]*\))?\)?[ \t\n]+\(?((?:`[^`\n]+`(?:[ \t\n]*(?:,|/|and|or)[ \t\n]*)?)+)")
        for path in self.prose_files():
            rel = self.rel(path)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if os.path.abspath(path) == os.path.join(self.top, "docs", "RULES.md"):
                continue  # the page itself (or, with --rules, the page it stands in for)
            for m in cite.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                for rid in re.findall(r"`([^`]+)`", m.group(1)):
                    self.cited(rid, "%s:%d" % (rel, line))
            own = (os.path.abspath(self.rules_path), os.path.join(self.top, "docs", "RULES.md"))
            if not path.endswith(".md") or os.path.abspath(path) in own:
                continue
            self.scan_md_tables(rel, text)
            if not rel.endswith("SCENARIOS.md"):  # there "rule" is a scenario rule's name
                for m in re.finditer(r'"rule"\s*:\s*"([^"]*)"', text):
                    self.cited(m.group(1), "%s:%d" % (rel, text.count("\n", 0, m.start()) + 1))
            if "RULES.md" in text:
                self.check_link(path, rel, text)

    def scan_md_tables(self, rel, text):
        cols = None
        for n, line in enumerate(text.split("\n"), 1):
            if not line.startswith("|"):
                cols = None
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cols is None:
                cols = [k for k, c in enumerate(cells) if c.lower() in ("rule", "rule id", "rule it breaks")]
                continue
            if set(line.replace("|", "").strip()) <= set("-: "):
                continue
            for k in cols:
                if k >= len(cells) or not cells[k]:
                    continue
                ids = re.findall(r"`([^`]+)`", cells[k])
                if not ids and ID_RE.match(cells[k]):
                    ids = [cells[k]]
                for rid in ids:
                    self.cited(rid, "%s:%d" % (rel, n))

    def check_link(self, path, rel, text):
        want = os.path.abspath(os.path.join(self.top, "docs", "RULES.md"))
        for m in re.finditer(r"\]\(([^)#\s]*RULES\.md)(?:#[^)]*)?\)", text):
            if os.path.abspath(os.path.join(os.path.dirname(path), m.group(1))) == want:
                return
        self.problem("%s: mentions RULES.md but has no link to docs/RULES.md" % rel)

    # ---- verdict ------------------------------------------------------------
    def compare(self):
        for rid in sorted(self.uses):
            if rid not in self.rules:
                self.problem("%s: rule id '%s' is in use but missing from docs/RULES.md"
                             % (self.uses[rid][0], rid))
        for rid, r in self.rules.items():
            if rid not in self.uses:
                self.problem("docs/RULES.md:%d: id '%s' is used nowhere (no code, case or report names it)"
                             % (r["line"], rid))
        for rid, st, where in self.statuses:
            r = self.rules.get(rid)
            if r is not None and st not in re.findall(r"[0-9]{3}", r["status"]):
                self.problem("%s: sm_err_set gives '%s' status %s, which docs/RULES.md's status cell (%s) lacks"
                             % (where, rid, st, r["status"]))
        for rid, r in self.rules.items():
            if r["status"] not in LEVELS:
                continue
            for level, files in sorted(self.levels.get(rid, {}).items(), key=lambda x: str(x[0])):
                if level != r["status"] and level != "INFO":  # INFO never fails a run
                    self.problem("%s: level %s, but docs/RULES.md gives client obligation '%s' the level %s"
                                 % (files[0], level, rid, r["status"]))


def main():
    ap = argparse.ArgumentParser(description="docs/RULES.md against the rule ids in use")
    ap.add_argument("--top", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--rules", help="the rules page to check (default: TOP/docs/RULES.md)")
    ap.add_argument("--list", action="store_true", help="print each id with its first use")
    o = ap.parse_args()
    top = os.path.abspath(o.top)
    c = Checker(top, os.path.abspath(o.rules) if o.rules else os.path.join(top, "docs", "RULES.md"))
    c.read_rules()
    c.read_table()
    c.check_table()
    c.scan_c()
    c.scan_cases()
    c.scan_prose()
    c.compare()
    if o.list:
        for rid in c.rules:
            print("%-22s %-24s %s" % (rid, c.rules[rid]["status"], (c.uses.get(rid) or ["-"])[0]))
    for p in c.problems:
        print("check-rules: " + p)
    n_uses = sum(len(v) for v in c.uses.values())
    print("check-rules: %d ids in docs/RULES.md, %d uses of %d ids, %d problem%s"
          % (len(c.rules), n_uses, len(c.uses), len(c.problems), "" if len(c.problems) == 1 else "s"))
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
