#!/usr/bin/env python3
"""json_strict.py - refuse a JSON document that is not valid UTF-8 or whose
numbers are not plain integers.

    json_strict.py [--lines] FILE...

Every byte must be valid UTF-8 (strict decoding: no surrogates, no overlong
forms), and every number must be written as an integer: a fraction or an
exponent (1.79e+15, 3.0) fails, except under the keys in FRACTION_KEYS, which
hold probabilities. --lines reads one document per non-empty line (--log json,
stagectl --json). Prints one line per failure; exit 1 if any, else 0.
"""
import json
import sys

FRACTION_KEYS = {"probability"}


class Fraction(str):
    """A number literal with a fraction or an exponent, kept as written."""


def walk(v, where, key, bad):
    if isinstance(v, Fraction):
        if key not in FRACTION_KEYS:
            bad.append(f"{where}: {v} is not written as an integer")
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(x, f"{where}.{k}", k, bad)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, f"{where}[{i}]", key, bad)


def refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def check_text(raw, label, bad):
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        bad.append(f"{label}: not valid UTF-8 at byte {e.start}")
        return
    try:
        doc = json.loads(text, parse_float=Fraction, parse_constant=refuse_constant)
    except ValueError as e:
        bad.append(f"{label}: does not parse: {e}")
        return
    walk(doc, label, None, bad)


def main(argv):
    lines = "--lines" in argv
    files = [a for a in argv if a != "--lines"]
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bad = []
    for path in files:
        with open(path, "rb") as f:
            raw = f.read()
        if lines:
            for n, line in enumerate(raw.split(b"\n"), 1):
                if line.strip():
                    check_text(line, f"{path}:{n}", bad)
        else:
            check_text(raw, path, bad)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
