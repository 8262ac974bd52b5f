#!/usr/bin/env python3
"""check-scenario-calls.py - the scenario code's calls go one way, read from
the built objects with nm, not from the text.

    python3 ci/check-scenario-calls.py OBJDIR [EXTRA.o...]

OBJDIR is the build folder of mock_server/src (build/debug/mock_server/src).
The objects checked are those of the sources git tracks under mock_server/src
(so a stale object of a moved file does not count), plus any EXTRA objects
(path relative to OBJDIR, as name=path; the tests plant some). Two rules:

  1. No object outside scenario/ refers to a function defined in scenario/,
     except sm_scn_admin: the admin route is the one name the core calls; the
     request path reaches scenario_run.c through struct sm_scn_hooks.
  2. The calls between the files of scenario/ form no cycle (reply.c <->
     scenario_run.c and scenario_parse.c <-> scenario_model.c used to).

Prints each offending call or the cycle; exit 1 on any, 0 when clean (with a
summary line), 2 on bad usage. tests/integration/scenario_calls_test.sh runs
it on the build and on planted objects that must fail.
"""
import os
import subprocess
import sys

ALLOWED = {"sm_scn_admin"}


def nm(path, *flags):
    out = subprocess.run(["nm", *flags, path], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def objects(objdir, extras):
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    srcs = subprocess.run(["git", "-C", top, "ls-files", "mock_server/src/*.c"],
                          capture_output=True, text=True).stdout.split()
    if not srcs:  # not a git tree: every object there
        found = {}
        for d, _, names in os.walk(objdir):
            for n in names:
                if n.endswith(".o"):
                    p = os.path.join(d, n)
                    found[os.path.relpath(p, objdir)] = p
        return found
    found = {}
    for s in srcs:
        rel = os.path.relpath(s, "mock_server/src")[:-2] + ".o"
        found[rel] = os.path.join(objdir, rel)
    for e in extras:
        rel, _, path = e.partition("=")
        found[rel] = path
    return found


def find_cycle(edges):
    state = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(edges.get(start, ())))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, ()))))
    return None


def main(argv):
    if not argv or not os.path.isdir(argv[0]):
        print("usage: check-scenario-calls.py OBJDIR [NAME=EXTRA.o...]", file=sys.stderr)
        return 2
    objs = objects(argv[0], argv[1:])
    missing = [p for p in objs.values() if not os.path.isfile(p)]
    if missing:
        print(f"check-scenario-calls: not built: {missing[0]} (make test-build)", file=sys.stderr)
        return 2
    defined = {}  # symbol -> object (relative)
    for rel, path in objs.items():
        for f in nm(path, "--defined-only", "-g"):
            if len(f) == 3 and f[1] in "TDRB":
                defined.setdefault(f[2], rel)
    bad = 0
    edges = {}
    n_calls = 0
    for rel, path in sorted(objs.items()):
        in_scn = rel.startswith("scenario/")
        for f in nm(path, "-u"):
            sym = f[-1]
            owner = defined.get(sym)
            if owner is None or owner == rel or not owner.startswith("scenario/"):
                continue
            if not in_scn:
                if sym not in ALLOWED:
                    print(f"core calls scenario/ by name: {rel} -> {sym} ({owner})")
                    bad = 1
                continue
            n_calls += 1
            edges.setdefault(rel, set()).add(owner)
    cycle = find_cycle(edges)
    if cycle:
        print("call cycle between files of scenario/: " + " -> ".join(cycle))
        bad = 1
    for a in sorted(edges):
        print(f"  {a} -> {' '.join(sorted(edges[a]))}")
    if not bad:
        print(f"scenario calls: one way ({len(objs)} objects, {n_calls} calls between "
              f"scenario files, {sum(len(v) for v in edges.values())} file edges)")
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
