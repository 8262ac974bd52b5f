#!/usr/bin/env bash
# install_deps_test.sh - ci/install-deps.sh by purpose, against stand-ins for
# dpkg-query, apt-get, apt-cache, sudo, id and npm (nothing is installed):
#  - `build` asks for the compiler and -dev packages (libxxhash-dev among
#    them) and none of the test or CI tools; `test` adds CMocka, jq, xmllint,
#    python3-yaml, Chromium; `ci` adds clang-tidy, cppcheck, libclang-rt-dev;
#  - as a user without password-less sudo it installs nothing, prints the one
#    `sudo apt-get install` line and exits 1; with `sudo -n` it installs
#    through sudo; with everything present it calls neither apt nor sudo;
#  - Ubuntu 24.04 gets the t64 library names and no chromium deb, 22.04 no
#    libclang-rt-dev; an optional package the system does not offer is left
#    out; an unknown purpose exits 2.
set -u
top=${SM_TOP:-$PWD}
script=$top/ci/install-deps.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...

stubs=$work/bin
mkdir -p "$stubs"
# dpkg-query -W -f=FMT NAME...: "NAME ii " for each name listed in $STUB_INSTALLED
cat > "$stubs/dpkg-query" <<'EOF'
#!/bin/sh
shift 2
for n in "$@"; do grep -qx "$n" "$STUB_INSTALLED" && echo "$n ii "; done
exit 0
EOF
cat > "$stubs/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get ${STUB_VIA:-direct} $*" >> "$STUB_LOG"
EOF
# apt-cache policy NAME: no candidate for the names in $STUB_NOT_OFFERED
cat > "$stubs/apt-cache" <<'EOF'
#!/bin/sh
if grep -qx "$2" "$STUB_NOT_OFFERED"; then echo "  Candidate: (none)"; else echo "  Candidate: 1.0"; fi
EOF
cat > "$stubs/sudo" <<'EOF'
#!/bin/sh
[ "$1" = -n ] && shift
[ "$STUB_SUDO" = ok ] || { echo "sudo: a password is required" >&2; exit 1; }
[ "$1" = true ] && exit 0
STUB_VIA=sudo exec "$@"
EOF
printf '#!/bin/sh\necho "${STUB_UID:-1000}"\n' > "$stubs/id"
printf '#!/bin/sh\necho "npm $*" >> "$STUB_LOG"\n' > "$stubs/npm"
chmod +x "$stubs"/*
printf 'ID=debian\nVERSION_ID="12"\n' > "$work/debian12"
printf 'ID=ubuntu\nVERSION_ID="24.04"\n' > "$work/ubuntu2404"
printf 'ID=ubuntu\nVERSION_ID="22.04"\n' > "$work/ubuntu2204"
: > "$work/none"

# run OS PURPOSE... with $installed/$sudo/$uid/$offered set: output in
# $work/out, apt-get calls in $work/log, status echoed
run() {
  local os=$1; shift
  : > "$work/log"
  PATH=$stubs:$PATH SM_OS_RELEASE=$work/$os STUB_INSTALLED=${installed:-$work/none} \
    STUB_NOT_OFFERED=${offered:-$work/none} STUB_SUDO=${sudo:-no} STUB_UID=${uid:-1000} \
    STUB_LOG=$work/log SM_BENCH_DEPS=0 bash "$script" "$@" > "$work/out" 2>&1
  echo $?
}
line() { grep '^sudo apt-get install' "$work/out"; }
has() { line | tr ' ' '\n' | grep -qx "$1"; }
hasnt() { ! has "$1"; }
installs() { grep '^apt-get .* install' "$work/log" | tr ' ' '\n' | grep -qx "$1"; }
lacks() { ! installs "$1" && ! has "$1"; }

check "build as a user, no sudo: exit 1" test "$(run debian12 build)" = 1
check "build: one apt-get line" test "$(line | wc -l)" = 1
for p in build-essential libmicrohttpd-dev libcurl4-openssl-dev libxxhash-dev libcjson-dev libsnappy-dev libzstd-dev; do
  check "build needs $p" has "$p"
done
for p in libcmocka-dev jq chromium clang clang-tidy cppcheck llvm libclang-rt-dev python3-yaml wrk; do
  check "build does not need $p" hasnt "$p"
done
check "build: says why" grep -q 'not root and no password-less sudo' "$work/out"
check "build: nothing installed without sudo" test ! -s "$work/log"

check "test as a user, no sudo: exit 1" test "$(run debian12 test)" = 1
for p in libxxhash-dev libcmocka-dev jq curl libxml2-utils python3-yaml python3-requests chromium; do
  check "test needs $p" has "$p"
done
for p in clang-tidy cppcheck libclang-rt-dev wrk; do check "test does not need $p" hasnt "$p"; done

check "ci with sudo -n: exit 0" test "$(sudo=ok run debian12 ci)" = 0
check "ci: apt-get update through sudo" grep -q '^apt-get sudo update' "$work/log"
check "ci: install through sudo" grep -q '^apt-get sudo install' "$work/log"
for p in clang-tidy cppcheck libclang-rt-dev libcmocka-dev libxxhash-dev chromium; do
  check "ci installs $p" installs "$p"
done
check "ci: the DuckDB oracle's npm ci" sh -c "grep -q '^npm ci' '$work/log' || test -d '$top/fixtures/oracle/node_modules'"

check "as root: exit 0" test "$(uid=0 run debian12 build)" = 0
check "as root: apt-get without sudo" grep -q '^apt-get direct install' "$work/log"

run debian12 ci > /dev/null
tr ' ' '\n' < <(line | sed 's/^sudo apt-get install -y --no-install-recommends //') > "$work/all"
check "everything present: exit 0" test "$(installed=$work/all run debian12 ci)" = 0
check "everything present: no apt-get, no sudo" test ! -s "$work/log"

check "Ubuntu 24.04 ci: exit 0" test "$(sudo=ok run ubuntu2404 ci)" = 0
for p in libcurl4t64 libmicrohttpd12t64 libssl3t64 libxxhash-dev libcjson-dev libclang-rt-dev; do
  check "Ubuntu 24.04 installs $p" installs "$p"
done
for p in libcurl4 chromium; do check "Ubuntu 24.04 does not ask for $p" lacks "$p"; done
check "Ubuntu 22.04 ci: exit 0" test "$(sudo=ok run ubuntu2204 ci)" = 0
check "Ubuntu 22.04 installs libcurl4" installs libcurl4
check "Ubuntu 22.04: no libclang-rt-dev" lacks libclang-rt-dev

printf 'chromium\n' > "$work/nochromium"
check "optional not offered: exit 0" test "$(sudo=ok offered=$work/nochromium run debian12 test)" = 0
check "optional not offered: left out" lacks chromium
check "optional not offered: said so" grep -q 'optional chromium: not offered here' "$work/out"

grep -vx chromium "$work/all" > "$work/allbutchromium"
check "only an optional one missing, no sudo: exit 0" test "$(installed=$work/allbutchromium run debian12 test)" = 0
check "only an optional one missing: named" grep -q 'optional, not installed.*chromium' "$work/out"

check "unknown purpose: exit 2" test "$(run debian12 tests)" = 2
check "unknown purpose: named" grep -q "unknown purpose 'tests'" "$work/out"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
