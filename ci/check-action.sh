#!/usr/bin/env bash
# check-action.sh - action.yml works for a user as a hosted runner has one:
# a throwaway non-root user with password-less `sudo -n` (a sudoers.d entry
# removed afterwards), a fresh `git clone` of this tree's committed HEAD as
# the action's checkout (github.action_path), and the action's `run:` steps
# run by ci/action_yaml.py (inputs substituted as Actions does for composite
# actions) under `runuser`:
#   1. adapter `stagectl --json` (the reference client the action built):
#      exit 0, the JUnit report present and valid;
#   2. a broken client (build/release/broken/no_key.sh, which the action's
#      release build makes from clients/broken/no_key.patch): exit 1, exit-status
#      output 1, its JUnit report present with failures;
#   3. a baseline that does not exist: exit 2, the input named.
# Needs root (or sudo -n) to make the user; otherwise it says so and skips.
# Takes a full release build: a CI step (ci/run.sh), not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
if [ "$(id -u)" != 0 ]; then
  if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    exec sudo -n bash "$top/ci/check-action.sh" "$@"
  fi
  echo "check-action: SKIP: making a throwaway user needs root or password-less sudo"
  exit 0
fi
for t in sudo runuser useradd git python3; do
  command -v "$t" > /dev/null || { echo "check-action: needs $t (ci/install-deps.sh ci installs it)" >&2; exit 1; }
done
python3 -c 'import yaml' 2> /dev/null || { echo "check-action: needs python3-yaml" >&2; exit 1; }

t0=$(date +%s)
user=smact$$
tmp=$(mktemp -d /tmp/check-action.XXXXXX)
sudoers=/etc/sudoers.d/$user
cleanup() {
  rm -f "$sudoers"
  id "$user" > /dev/null 2>&1 && userdel -r "$user" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

useradd --create-home --shell /bin/bash "$user"
mkdir -p /etc/sudoers.d
echo "$user ALL=(ALL) NOPASSWD: ALL" > "$sudoers"
chmod 0440 "$sudoers"
visudo -cqf "$sudoers"

head=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "check-action: note: testing the committed HEAD ${head:0:12}; uncommitted changes are not in it"
fi
git clone -q "$top" "$tmp/stagemock"
git -C "$tmp/stagemock" checkout -q --detach "$head"
mkdir -p "$tmp/ws"
chown -R "$user:" "$tmp"
act=$tmp/stagemock ws=$tmp/ws

as_user() { # run a command as the user, in the workspace, with a runner-like environment
  runuser -u "$user" -- env -i HOME="/home/$user" USER="$user" LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GITHUB_WORKSPACE="$ws" bash -c 'cd "$GITHUB_WORKSPACE" && "$@"' _ "$@"
}
run_action() { # tag, --input NAME=VALUE...: status in $tmp/TAG.rc, outputs in $ws/TAG.outputs
  local tag=$1; shift
  local rc=0
  as_user python3 "$act/ci/action_yaml.py" run "$act/action.yml" --action-path "$act" \
    --outputs "$ws/$tag.outputs" "$@" > "$tmp/$tag.log" 2>&1 || rc=$?
  echo "$rc" > "$tmp/$tag.rc"
  mkdir -p "$top/build/ci" && cp "$tmp/$tag.log" "$top/build/ci/check-action-$tag.log"
  echo "check-action: $tag: exit $rc ($(($(date +%s) - t0)) s since start; log in build/ci/check-action-$tag.log)"
  grep -E '^action_yaml.py run: |^[0-9]+ passed, [0-9]+ failed' "$tmp/$tag.log" | sed 's/^/  /' || true
}
out() { sed -n "s/^$2=//p" "$ws/$1.outputs"; }

check "the user is not root" test "$(as_user id -u)" != 0
check "the user has sudo -n" as_user sudo -n true

run_action stagectl --input "adapter=stagectl=$act/build/release/stagectl --json --no-progress" \
  --input junit=reports/stagectl.xml --input html=reports/stagectl.html
check "stagectl: exit 0" test "$(cat "$tmp/stagectl.rc")" = 0
check "stagectl: exit-status output 0" test "$(out stagectl exit-status)" = 0
check "stagectl: junit output is the absolute path" test "$(out stagectl junit)" = "$ws/reports/stagectl.xml"
check "stagectl: JUnit report present" test -s "$ws/reports/stagectl.xml"
check "stagectl: HTML report present" test -s "$ws/reports/stagectl.html"
check "stagectl: JUnit has no failure" sh -c "grep -q '<testsuite ' '$ws/reports/stagectl.xml' && ! grep -Eq 'failures=\"[1-9]' '$ws/reports/stagectl.xml'"
if command -v xmllint > /dev/null; then
  check "stagectl: JUnit validates" xmllint --noout --schema conformance/tests/junit.xsd "$ws/reports/stagectl.xml"
fi
check "built by the user, in the action's checkout" test "$(stat -c %U "$act/build/release/stagemock")" = "$user"
check "stagemock output names the binary" test "$(out stagectl stagemock)" = "$act/build/release/stagemock"
[ "$(cat "$tmp/stagectl.rc")" = 0 ] || tail -40 "$tmp/stagectl.log"

run_action broken --input "adapter=no-key=sh $act/build/release/broken/no_key.sh" --input junit=reports/broken.xml
check "broken client: exit 1" test "$(cat "$tmp/broken.rc")" = 1
check "broken client: exit-status output 1" test "$(out broken exit-status)" = 1
check "broken client: JUnit report present" test -s "$ws/reports/broken.xml"
check "broken client: JUnit names the auth rule's failure" grep -Eq '<testsuite name="auth" [^>]*failures="[1-9]' "$ws/reports/broken.xml"
check "broken client: the error annotation" grep -q '^::error title=stagemock conformance::a MUST case failed' "$tmp/broken.log"
[ "$(cat "$tmp/broken.rc")" = 1 ] || tail -40 "$tmp/broken.log"

run_action nobaseline --input "adapter=stagectl=$act/build/release/stagectl --json" --input baseline=none.json
check "missing baseline: exit 2" test "$(cat "$tmp/nobaseline.rc")" = 2
check "missing baseline: named" grep -q "input baseline: no file 'none.json'" "$tmp/nobaseline.log"

echo "check-action: ran as $user (uid $(id -u "$user")) in $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
