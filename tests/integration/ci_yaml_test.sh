#!/usr/bin/env bash
# ci_yaml_test.sh - the CI YAML files users copy are checked by
# ci/action_yaml.py (PyYAML): action.yml (composite, every run step has a
# shell, inputs used exist and inputs declared are used, none pasted into a
# script, outputs point at steps), the GitHub workflow example (uses the
# action, step ids it refers to exist) and the GitLab example (Debian image,
# build deps only, JUnit report kept). Each must pass, and copies broken on
# purpose, one defect each, must be refused with the defect named. Then
# `action_yaml.py run` runs a small composite action's steps as a runner
# would (inputs and defaults substituted, GITHUB_OUTPUT between steps,
# working-directory, a failing step stops the run with its status).
# ci/check-action.sh runs the real action.yml that way, as a non-root user.
set -u
top=${SM_TOP:-$PWD}
. "$top/tests/support/need.sh"
sm_need_py yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
cd "$top" || exit 1
ay() { /usr/bin/python3 ci/action_yaml.py "$@" > "$work/out" 2>&1; echo $?; }

check "action.yml passes" test "$(ay action action.yml)" = 0
[ "$(cat "$work/out")" = "action: action.yml: ok" ] || cat "$work/out"
check "github example passes" test "$(ay workflow ci/examples/github-actions-conform.yml)" = 0
check "gitlab example passes" test "$(ay gitlab ci/examples/gitlab-ci-conform.yml)" = 0

# must_fail KIND NAME 'sed script' ORIGINAL 'message': a copy with one defect
must_fail() {
  local kind=$1 name=$2 sedscript=$3 orig=$4 msg=$5 f
  f=$work/$name.yml
  sed "$sedscript" "$orig" > "$f"
  if cmp -s "$f" "$orig"; then check "$name: the defect was made" false; return; fi
  check "$name: refused" test "$(ay "$kind" "$f")" = 1
  check "$name: named" grep -q -- "$msg" "$work/out"
}
must_fail action bad-syntax '0,/^inputs:/s//inputs: [/' action.yml "not readable YAML"
must_fail action no-shell '0,/^      shell: bash$/{//d}' action.yml "needs 'shell'"
must_fail action not-composite 's/using: composite/using: node20/' action.yml "not 'composite'"
must_fail action undeclared-input 's/inputs\.strict }}/inputs.strictness }}/' action.yml "inputs.strictness is used but not declared"
must_fail action unused-input 's/inputs\.html }}/inputs.junit }}/' action.yml "input 'html' is declared but never used"
must_fail action pasted-input 's/^      run: bash "\$SM_ACTION_PATH\/ci\/install-deps.sh" build$/      run: echo ${{ inputs.adapter }}/' action.yml "script injection"
must_fail action bad-output 's/steps\.conform\.outputs\.junit/steps.conformance.outputs.junit/' action.yml "output 'junit' refers to"
must_fail action unquoted-default 's/default: "false"/default: false/' action.yml "is not a string"
must_fail workflow no-action 's|YOUR-ORG/stagemock@v0|actions/setup-node@v4|' ci/examples/github-actions-conform.yml "no step uses the stagemock action"
must_fail workflow bad-step-ref 's/id: conform$/id: conformance/' ci/examples/github-actions-conform.yml "which no step has as id"
must_fail gitlab no-junit '/junit: conform.xml/d' ci/examples/gitlab-ci-conform.yml "no artifacts:reports:junit"
must_fail gitlab test-deps 's/install-deps.sh build/install-deps.sh test/' ci/examples/gitlab-ci-conform.yml "installs more than the build deps"
must_fail gitlab clang 's/git ca-certificates/git ca-certificates clang/' ci/examples/gitlab-ci-conform.yml "test-only tool (clang)"
must_fail gitlab ubuntu-image 's/image: debian:12/image: ubuntu:24.04/' ci/examples/gitlab-ci-conform.yml "is not a Debian image"

# the runner: a small composite action
mkdir -p "$work/act" "$work/ws/sub"
cat > "$work/act/action.yml" <<'EOF'
name: t
description: t
inputs:
  lines:
    description: several lines
    required: true
  flag:
    description: a default
    default: "no"
  code:
    description: the last step's exit status
    default: "0"
outputs:
  first:
    description: from step one
    value: ${{ steps.one.outputs.first }}
  second:
    description: from step two
    value: ${{ steps.two.outputs.second }}
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      env:
        LINES_IN: ${{ inputs.lines }}
        FLAG: ${{ inputs.flag }}
        AP: ${{ github.action_path }}
      run: |
        echo "first=$(printf '%s' "$LINES_IN" | wc -l)/$FLAG/$([ "$AP" = "$GITHUB_ACTION_PATH" ] && echo ap)" >> "$GITHUB_OUTPUT"
        echo "input-$(env | grep -c '^INPUT_')" >> "$GITHUB_WORKSPACE/trace"
    - id: two
      shell: bash
      working-directory: sub
      env:
        FROM_ONE: ${{ steps.one.outputs.first }}
        CODE: ${{ inputs.code }}
      run: |
        echo "second=$FROM_ONE@$(basename "$PWD")" >> "$GITHUB_OUTPUT"
        echo two >> "$GITHUB_WORKSPACE/trace"
        exit "$CODE"
    - shell: bash
      run: echo three >> "$GITHUB_WORKSPACE/trace"
EOF
runact() { (cd "$work/ws" && rm -f trace && /usr/bin/python3 "$top/ci/action_yaml.py" run "$work/act/action.yml" \
  --outputs "$work/ws/outputs" "$@" > "$work/run.out" 2>&1; echo $?); }
check "runner: the small action passes the checks" test "$(ay action "$work/act/action.yml")" = 0
check "runner: exit 0" test "$(runact --input "lines=a
b")" = 0
check "runner: inputs, default, action path, outputs between steps" grep -qx 'first=1/no/ap' "$work/ws/outputs"
check "runner: working-directory and a step's output in the next step's env" grep -qx 'second=1/no/ap@sub' "$work/ws/outputs"
check "runner: no INPUT_ variables, every step ran" test "$(tr '\n' ' ' < "$work/ws/trace")" = "input-0 two three "
check "runner: a failing step's status" test "$(runact --input lines=x --input flag=yes --input code=3)" = 3
check "runner: the steps after it do not run" test "$(tr '\n' ' ' < "$work/ws/trace")" = "input-0 two "
check "runner: given input replaces the default" grep -qx 'first=0/yes/ap' "$work/ws/outputs"
check "runner: a required input missing" test "$(runact)" = 1
check "runner: says which" grep -q "input 'lines' is required" "$work/run.out"
check "runner: an unknown input" test "$(runact --input lines=x --input nope=1)" = 1
check "runner: names it" grep -q "no input 'nope'" "$work/run.out"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
