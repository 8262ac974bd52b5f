#!/usr/bin/env python3
"""action_yaml.py - check stagemock's CI YAML files, and run action.yml's steps.

  action_yaml.py action FILE      a composite action (action.yml)
  action_yaml.py workflow FILE    a GitHub Actions workflow that uses the action
  action_yaml.py gitlab FILE      a GitLab CI job that builds with build deps only
  action_yaml.py run ACTION [--input NAME=VALUE]... [--action-path DIR]
                 [--outputs FILE]
      run the action's steps as a runner would: each `run:` in its shell with
      the step's env and working-directory, GITHUB_ACTION_PATH and a fresh
      GITHUB_OUTPUT per step; ${{ inputs.X }} (given or default),
      ${{ github.action_path }} and ${{ steps.ID.outputs.X }} substituted (a
      composite action sees inputs only as such expressions: INPUT_* variables
      are not set for it). Stops at the first failing step with its status;
      the action's outputs are written as NAME=VALUE lines to --outputs.

The checks print one line per problem, naming the file and the place, and
exit 1 when there is any (2 for usage). Needs PyYAML (Debian python3-yaml).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    print("action_yaml.py: needs PyYAML (Debian package python3-yaml)", file=sys.stderr)
    sys.exit(2)

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHELLS = {"bash", "sh", "python", "pwsh", "powershell", "cmd"}


def load(path, problems):
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.append(f"{path}: not readable YAML: {e}".replace("\n", " "))
        return None
    if not isinstance(doc, dict):
        problems.append(f"{path}: the top level is not a mapping")
        return None
    return doc


def on_document(check):
    """check(path, doc, problems) run on the YAML mapping at path, if it
    loads; the checker returned takes a path and returns the problems."""
    def run(path):
        problems = []
        doc = load(path, problems)
        if doc is not None:
            check(path, doc, problems)
        return problems
    return run


def strings_in(node):
    """Every string value under node (keys too), depth first."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings_in(v)


@on_document
def check_action(path, doc, problems):
    where = path
    for key in ("name", "description", "inputs", "runs"):
        if key not in doc:
            problems.append(f"{where}: no top-level '{key}'")
    inputs = doc.get("inputs") or {}
    if not isinstance(inputs, dict):
        problems.append(f"{where}: inputs is not a mapping")
        inputs = {}
    for name, spec in inputs.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"{where}: input '{name}' has no description")
            continue
        if "default" in spec and not isinstance(spec["default"], str):
            problems.append(f"{where}: input '{name}': default {spec['default']!r} is not a string "
                            "(inputs are strings; quote it)")
    runs = doc.get("runs") or {}
    if not isinstance(runs, dict):
        problems.append(f"{where}: runs is not a mapping")
        runs = {}
    if runs.get("using") != "composite":
        problems.append(f"{where}: runs.using is {runs.get('using')!r}, not 'composite'")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.append(f"{where}: runs.steps is not a non-empty list")
        steps = []
    ids = []
    for i, step in enumerate(steps):
        at = f"{where}: runs.steps[{i}]"
        if not isinstance(step, dict):
            problems.append(f"{at}: not a mapping")
            continue
        if ("run" in step) == ("uses" in step):
            problems.append(f"{at}: needs exactly one of 'run' and 'uses'")
        if "run" in step:
            if "shell" not in step:
                problems.append(f"{at}: a composite step with 'run' needs 'shell'")
            elif step["shell"] not in SHELLS:
                problems.append(f"{at}: unknown shell {step['shell']!r}")
            if not isinstance(step["run"], str) or not step["run"].strip():
                problems.append(f"{at}: 'run' is empty")
            elif any(m.group(1).startswith("inputs.") for m in EXPR.finditer(step["run"])):
                problems.append(f"{at}: an input is pasted into 'run'; pass it through env "
                                "(script injection)")
        if "env" in step and not isinstance(step["env"], dict):
            problems.append(f"{at}: env is not a mapping")
        if "id" in step:
            if step["id"] in ids:
                problems.append(f"{at}: id '{step['id']}' used twice")
            ids.append(step["id"])
        for s in strings_in(step):
            for m in EXPR.finditer(s):
                ref = re.match(r"steps\.([A-Za-z0-9_-]+)\.", m.group(1))
                if ref and ref.group(1) not in ids[: len(ids) - ("id" in step)]:
                    problems.append(f"{at}: uses steps.{ref.group(1)} before (or without) a step "
                                    "with that id")
    used = set()
    for s in strings_in(doc):
        for m in EXPR.finditer(s):
            for name in re.findall(r"\binputs\.([A-Za-z0-9_-]+)", m.group(1)):
                used.add(name)
    for name in sorted(used - set(inputs)):
        problems.append(f"{where}: inputs.{name} is used but not declared")
    for name in sorted(set(inputs) - used):
        problems.append(f"{where}: input '{name}' is declared but never used")
    outputs = doc.get("outputs") or {}
    for name, spec in (outputs.items() if isinstance(outputs, dict) else []):
        if not isinstance(spec, dict) or "value" not in spec or not spec.get("description"):
            problems.append(f"{where}: output '{name}' needs a description and a value")
            continue
        for m in EXPR.finditer(str(spec["value"])):
            ref = re.match(r"steps\.([A-Za-z0-9_-]+)\.outputs\.", m.group(1))
            if not ref or ref.group(1) not in ids:
                problems.append(f"{where}: output '{name}' refers to {m.group(1)!r}, "
                                "not to a step of this action")
    return problems


@on_document
def check_workflow(path, doc, problems):
    # YAML 1.1 reads a bare `on` key as true
    if "on" not in doc and True not in doc:
        problems.append(f"{path}: no 'on' (the events that start it)")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        problems.append(f"{path}: no jobs")
        return problems
    uses_action = False
    for jname, job in jobs.items():
        at = f"{path}: jobs.{jname}"
        if not isinstance(job, dict):
            problems.append(f"{at}: not a mapping")
            continue
        if "runs-on" not in job:
            problems.append(f"{at}: no runs-on")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append(f"{at}: no steps")
            continue
        ids = [s.get("id") for s in steps if isinstance(s, dict)]
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                problems.append(f"{at}.steps[{i}]: needs exactly one of 'run' and 'uses'")
                continue
            if "/stagemock@" in str(step.get("uses", "")):
                uses_action = True
                if "adapter" not in (step.get("with") or {}):
                    problems.append(f"{at}.steps[{i}]: the stagemock action needs with.adapter")
            for s in strings_in(step):
                for m in EXPR.finditer(s):
                    ref = re.match(r"steps\.([A-Za-z0-9_-]+)\.", m.group(1))
                    if ref and ref.group(1) not in ids:
                        problems.append(f"{at}.steps[{i}]: refers to steps.{ref.group(1)}, "
                                        "which no step has as id")
    if not uses_action:
        problems.append(f"{path}: no step uses the stagemock action (uses: OWNER/stagemock@REF)")
    return problems


@on_document
def check_gitlab(path, doc, problems):
    reserved = {"stages", "variables", "default", "include", "workflow", "image", "services",
                "before_script", "after_script", "cache"}
    jobs = {k: v for k, v in doc.items() if k not in reserved and not str(k).startswith(".")}
    if not jobs:
        problems.append(f"{path}: no job")
    for jname, job in jobs.items():
        at = f"{path}: {jname}"
        if not isinstance(job, dict):
            problems.append(f"{at}: not a mapping")
            continue
        image = str(job.get("image", ""))
        if not image.startswith("debian:"):
            problems.append(f"{at}: image {image!r} is not a Debian image")
        lines = []
        for key in ("before_script", "script"):
            part = job.get(key, [])
            if not isinstance(part, list) or not all(isinstance(x, str) for x in part):
                problems.append(f"{at}: {key} is not a list of strings")
                continue
            lines += part
        if not job.get("script"):
            problems.append(f"{at}: no script")
        text = "\n".join(lines)
        if not re.search(r"ci/install-deps\.sh\"? build\b", text):
            problems.append(f"{at}: does not install the build deps with ci/install-deps.sh build")
        for tool in ("clang", "chromium", "nodejs", "cppcheck", "libcmocka-dev"):
            if re.search(rf"apt-get install[^\n]*\b{tool}\b", text):
                problems.append(f"{at}: installs a test-only tool ({tool})")
        if re.search(r"install-deps\.sh\"?\s+(test|ci|bench)\b", text):
            problems.append(f"{at}: installs more than the build deps (install-deps.sh test/ci/bench)")
        if "stagemock conform" not in text and "stagemock\" conform" not in text:
            problems.append(f"{at}: never runs stagemock conform")
        junit = ((job.get("artifacts") or {}).get("reports") or {}).get("junit")
        if not junit:
            problems.append(f"{at}: no artifacts:reports:junit")
        elif str(junit) not in text:
            problems.append(f"{at}: the junit report {junit!r} is not written by the script")
        if (job.get("artifacts") or {}).get("when") != "always":
            problems.append(f"{at}: artifacts:when is not always (a red job would lose its reports)")
    return problems


def substitute(text, ctx, where):
    def one(m):
        e = m.group(1)
        if e in ctx:
            return ctx[e]
        raise SystemExit(f"action_yaml.py: {where}: cannot evaluate ${{{{ {e} }}}}")
    return EXPR.sub(one, text)


def run_action(argv):
    path = argv[0]
    given = {}
    action_path = os.path.dirname(os.path.abspath(path))
    outputs_file = None
    i = 1
    while i < len(argv):
        if argv[i] == "--input" and i + 1 < len(argv) and "=" in argv[i + 1]:
            k, v = argv[i + 1].split("=", 1)
            given[k] = v
        elif argv[i] == "--action-path" and i + 1 < len(argv):
            action_path = os.path.abspath(argv[i + 1])
        elif argv[i] == "--outputs" and i + 1 < len(argv):
            outputs_file = argv[i + 1]
        else:
            raise SystemExit(f"action_yaml.py run: unknown argument {argv[i]!r}")
        i += 2
    problems = check_action(path)
    if problems:
        print("\n".join(problems))
        return 2
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    inputs = doc.get("inputs") or {}
    for k in given:
        if k not in inputs:
            raise SystemExit(f"action_yaml.py run: the action has no input '{k}'")
    ctx = {"github.action_path": action_path}
    for k, spec in inputs.items():
        if k in given:
            ctx[f"inputs.{k}"] = given[k]
        elif spec.get("required") and "default" not in spec:
            raise SystemExit(f"action_yaml.py run: input '{k}' is required")
        else:
            ctx[f"inputs.{k}"] = str(spec.get("default", ""))
    workspace = os.environ.get("GITHUB_WORKSPACE", os.getcwd())
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, step in enumerate(doc["runs"]["steps"]):
            where = f"step {n} ({step.get('name', step.get('id', ''))})"
            if "uses" in step:
                raise SystemExit(f"action_yaml.py run: {where}: 'uses' steps are not run here")
            env = dict(os.environ)
            env["GITHUB_ACTION_PATH"] = action_path
            env["GITHUB_WORKSPACE"] = workspace
            out = os.path.join(tmp, f"output-{n}")
            open(out, "w").close()
            env["GITHUB_OUTPUT"] = out
            for k, v in (step.get("env") or {}).items():
                env[k] = substitute(str(v), ctx, where)
            cwd = os.path.join(workspace, substitute(str(step.get("working-directory", ".")),
                                                     ctx, where))
            script = os.path.join(tmp, f"step-{n}.sh")
            with open(script, "w", encoding="utf-8") as f:
                f.write(substitute(step["run"], ctx, where))
            shell = step["shell"]
            cmd = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                   "sh": ["sh", "-e", script], "python": ["python3", script]}.get(shell)
            if cmd is None:
                raise SystemExit(f"action_yaml.py run: {where}: shell {shell} is not run here")
            print(f"::group::{step.get('name', where)}", flush=True)
            t0 = time.monotonic()
            rc = subprocess.run(cmd, cwd=cwd, env=env).returncode
            print("::endgroup::", flush=True)
            print(f"action_yaml.py run: {where}: exit {rc} in {time.monotonic() - t0:.1f} s",
                  flush=True)
            if "id" in step:
                with open(out, encoding="utf-8") as f:
                    for line in f:
                        if "=" in line:
                            k, v = line.rstrip("\n").split("=", 1)
                            ctx[f"steps.{step['id']}.outputs.{k}"] = v
            if rc != 0:
                print(f"action_yaml.py run: {where} exited {rc}", file=sys.stderr)
                status = rc
                break
    if outputs_file:
        with open(outputs_file, "w", encoding="utf-8") as f:
            for k, spec in (doc.get("outputs") or {}).items():
                v = EXPR.sub(lambda m: ctx.get(m.group(1), ""), str(spec["value"]))
                f.write(f"{k}={v}\n")
    return status


def main(argv):
    if len(argv) >= 2 and argv[0] == "run":
        return run_action(argv[1:])
    checks = {"action": check_action, "workflow": check_workflow, "gitlab": check_gitlab}
    if len(argv) < 2 or argv[0] not in checks:
        print(__doc__.strip().split("\n\n")[0], file=sys.stderr)
        return 2
    problems = []
    for path in argv[1:]:
        problems += checks[argv[0]](path)
    for p in problems:
        print(p)
    if not problems:
        print(f"{argv[0]}: {' '.join(argv[1:])}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
