#!/usr/bin/env python3
"""check-include-cycles.py - fail on an #include cycle between components,
between folders, or between headers.

    python3 ci/check-include-cycles.py [--root DIR] [--quiet]

Reads every tracked .c and .h file under DIR (default: the repository this
script is in; `git ls-files` where DIR is a git work tree, else a walk that
skips build/), resolves each #include the way the build does (quoted: the
including file's folder first, then include/; angle brackets: include/
only; anything else, such as <stdio.h>, is not ours and is ignored) and
checks three graphs, each of which must have no cycle:

  components  the top folders (mock_server, conformance, fixtures, clients,
              common, include, bench, packaging, ...); a tests/ or fuzz/
              folder is a component of its own (mock_server/tests,
              conformance/fuzz, tests/support, tests/integration, ...),
              because tests depend on what they test, never the reverse.
              This is the graph where `mock_server -> conformance ->
              mock_server` was a cycle: the program in mock_server/bin
              included the runner's private conform.h while the runner
              included mock_server/src/sha256.h.
  folders     every folder holding a source file: mock_server/src and
              mock_server/src/scenario are two nodes, so the scenario code
              may include ../internal.h, and the core must not include
              scenario/ back.
  headers     .h files: a.h including b.h including a.h.

A cycle is printed with the include line behind each step (file:line), and
the exit status is 1; 0 when all three graphs are acyclic, 2 on bad usage.
tests/integration/include_cycles_test.sh runs it on the tree (must pass) and
on copies with a cycle planted at each level (each must fail).
"""
import os
import re
import subprocess
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
CONSUMER_DIRS = ("tests", "fuzz")


def list_sources(root):
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--", "*.c", "*.h"],
            check=True, capture_output=True).stdout.decode()
        files = [f for f in out.split("\0") if f]
        if files:
            return sorted(f for f in files if os.path.isfile(os.path.join(root, f)))
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, subdirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        subdirs[:] = [s for s in subdirs if not (rel == "." and s == "build") and s != ".git"]
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.normpath(os.path.join(rel, n)))
    return sorted(files)


def resolve(root, src, quote, target, known):
    """The repository path an #include names, or None when it is not ours."""
    candidates = []
    if quote == '"':
        candidates.append(os.path.normpath(os.path.join(os.path.dirname(src), target)))
    candidates.append(os.path.normpath(os.path.join("include", target)))
    for c in candidates:
        if c in known:
            return c
    return None


def component(path):
    parts = path.split("/")
    if len(parts) == 1:
        return "."
    if parts[0] in CONSUMER_DIRS:  # top-level tests/: tests/support, tests/integration, ...
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    for i, p in enumerate(parts[:-1]):
        if p in CONSUMER_DIRS:
            return "/".join(parts[: i + 1])
    return parts[0]


def folder(path):
    return os.path.dirname(path) or "."


def find_cycle(edges):
    """One cycle (a list of nodes, first == last) in {node: {succ: why}}, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = {}
    for start in sorted(edges):
        if color.get(start, WHITE) != WHITE:
            continue
        stack = [(start, iter(sorted(edges.get(start, {}))))]
        path = [start]
        color[start] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = BLACK
                stack.pop()
                path.pop()
                continue
            c = color.get(nxt, WHITE)
            if c == GREY:
                return path[path.index(nxt):] + [nxt]
            if c == WHITE:
                color[nxt] = GREY
                path.append(nxt)
                stack.append((nxt, iter(sorted(edges.get(nxt, {})))))
    return None


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    quiet = False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--root" and args:
            root = args.pop(0)
        elif a == "--quiet":
            quiet = True
        else:
            print("usage: check-include-cycles.py [--root DIR] [--quiet]", file=sys.stderr)
            return 2
    if not os.path.isdir(root):
        print(f"check-include-cycles: --root {root}: not a directory", file=sys.stderr)
        return 2
    files = list_sources(root)
    known = set(files)
    includes = []  # (src, line number, dst)
    for src in files:
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE_RE.match(line)
                if m:
                    dst = resolve(root, src, m.group(1), m.group(2), known)
                    if dst is not None and dst != src:
                        includes.append((src, n, dst))

    graphs = [
        ("components", component, lambda s, d: True),
        ("folders", folder, lambda s, d: True),
        ("headers", lambda p: p, lambda s, d: s.endswith(".h") and d.endswith(".h")),
    ]
    failed = False
    for name, node_of, wanted in graphs:
        edges = {}
        for src, n, dst in includes:
            if not wanted(src, dst):
                continue
            a, b = node_of(src), node_of(dst)
            if a == b:
                continue
            edges.setdefault(a, {}).setdefault(b, f"{src}:{n} includes {dst}")
        cycle = find_cycle(edges)
        if cycle is None:
            if not quiet:
                n_nodes = len(set(edges) | {b for s in edges.values() for b in s})
                print(f"include cycles: {name}: none ({n_nodes} nodes, "
                      f"{sum(len(s) for s in edges.values())} edges)")
            continue
        failed = True
        print(f"include cycle between {name}: {' -> '.join(cycle)}", file=sys.stderr)
        for a, b in zip(cycle, cycle[1:]):
            print(f"  {a} -> {b}: {edges[a][b]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
