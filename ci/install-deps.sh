#!/usr/bin/env bash
# install-deps.sh [PURPOSE...] - install what one purpose needs, and no more.
#
#   run    the shared libraries the built programs load (a copied build tree)
#   build  run + compiler and -dev packages: `make all`, `make run`, action.yml
#   test   build + what `make test` drives (CMocka, curl, jq, xmllint, python3
#          with requests and yaml; Node and Chromium where the system has them)
#          and `npm ci` for the DuckDB oracle test and the HAR validator (tests/har)
#   ci     test + the static checks, fuzzing and action test of ci/run.sh
#   bench  build + the load generators and references of `make bench`
#
# No purpose means ci. Several may be named. Only missing packages are
# installed: as root with apt-get, as another user with `sudo -n apt-get` when
# password-less sudo works; otherwise it prints the one command to run and
# exits 1. Everything present: one dpkg-query call, no apt, exit 0.
# A test whose optional tool is still absent skips itself with a message.
# SM_NO_DEPS=1 skips all of this (packagers, machines set up by other means).
#
# The lists hold Debian 12 names, one package per line; a trailing `?` marks
# a package installed when the system offers it and skipped otherwise.
# pkg_name() maps the names that differ on Ubuntu 22.04/24.04 and Debian 13.
set -eu
cd "$(dirname "$0")/.."

run_pkgs=(
  libmicrohttpd12
  libcurl4
  libssl3
  libxxhash0
  libcjson1
  libsnappy1v5
  libzstd1
  zlib1g
)
build_pkgs=(
  build-essential
  patch
  pkg-config
  libmicrohttpd-dev
  libcurl4-openssl-dev
  libssl-dev
  libxxhash-dev
  libcjson-dev
  libsnappy-dev
  zlib1g-dev
  libzstd-dev
)
test_pkgs=(
  libcmocka-dev
  python3
  python3-requests
  python3-pytest
  python3-setuptools
  python3-yaml
  curl
  jq
  libxml2-utils
  dpkg-dev
  lintian
  chromium?
  nodejs?
  npm?
  gcovr?
)
ci_pkgs=(
  clang
  clang-format
  clang-tidy
  cppcheck
  llvm
  libclang-rt-dev
  git
  sudo
)
bench_pkgs=(
  wrk
  nginx-light
  openjdk-17-jre-headless
  hyperfine
  time
)

say() { echo "install-deps: $*" >&2; }

purposes=("$@")
[ ${#purposes[@]} -gt 0 ] || purposes=(ci)
[ "${SM_BENCH_DEPS:-0}" = 1 ] && purposes+=(bench)
if [ "${SM_NO_DEPS:-0}" = 1 ]; then
  say "SM_NO_DEPS=1: not checking ${purposes[*]} packages"
  exit 0
fi

want=() npm_dirs=()
add() { # purpose: its list and the ones it includes
  case $1 in
    run) want+=("${run_pkgs[@]}") ;;
    build) add run; want+=("${build_pkgs[@]}") ;;
    test) add build; want+=("${test_pkgs[@]}"); npm_dirs+=(fixtures/oracle tests/har) ;;
    ci) add test; want+=("${ci_pkgs[@]}") ;;
    bench) add build; want+=("${bench_pkgs[@]}"); npm_dirs+=(bench) ;;
    *) say "unknown purpose '$1' (run, build, test, ci or bench)"; exit 2 ;;
  esac
}
for p in "${purposes[@]}"; do add "$p"; done

if ! command -v dpkg-query > /dev/null; then
  say "no dpkg here: install the equivalents of these Debian packages yourself:"
  say "  ${want[*]//\?/}"
  say "(or set SM_NO_DEPS=1 to silence this)"
  exit 0
fi

osr=${SM_OS_RELEASE:-/etc/os-release} # another file: tests/integration/install_deps_test.sh
os_id=$(sed -n 's/^ID=//p' "$osr" 2>/dev/null | tr -d '"')
os_ver=$(sed -n 's/^VERSION_ID=//p' "$osr" 2>/dev/null | tr -d '"')
newer() { [ -n "$os_ver" ] && dpkg --compare-versions "$os_ver" ge "$1"; }
t64=0 # the 64-bit time_t transition renamed some library packages
if { [ "$os_id" = ubuntu ] && newer 24.04; } || { [ "$os_id" = debian ] && newer 13; }; then t64=1; fi
noble=0; [ "$os_id" = ubuntu ] && newer 24.04 && noble=1

pkg_name() { # Debian 12 name -> $pn, the name here, empty when there is none
  pn=$1
  case $os_id:$1 in
    ubuntu:chromium) pn= ;; # a snap on Ubuntu: the browser checks skip
    ubuntu:libclang-rt-dev) [ $noble = 1 ] || pn= ;; # 22.04: clang's libclang-common-14-dev has it
    *:libmicrohttpd12 | *:libcurl4 | *:libssl3) [ $t64 = 0 ] || pn=${1}t64 ;;
  esac
}
cmd_of() { # -> $pc: a command whose presence counts as the package's (Node from elsewhere)
  case $1 in nodejs) pc=node ;; npm) pc=npm ;; *) pc= ;; esac
}

names=() optional=()
declare -A seen=()
for w in "${want[@]}"; do
  opt=0; [ "${w%\?}" != "$w" ] && opt=1
  pkg_name "${w%\?}"; n=$pn
  [ -n "$n" ] && [ -z "${seen[$n]:-}" ] || continue
  seen[$n]=1
  cmd_of "$n"
  if [ -n "$pc" ] && command -v "$pc" > /dev/null; then continue; fi
  names+=("$n"); [ $opt = 1 ] && optional+=("$n")
done

declare -A have=()
if [ ${#names[@]} -gt 0 ]; then
  while read -r n st; do
    [ "$st" = ii ] && have[${n%%:*}]=1
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${names[@]}" 2>/dev/null || true)
fi
missing=()
for n in "${names[@]}"; do [ -n "${have[$n]:-}" ] || missing+=("$n"); done

is_optional() { local o; for o in "${optional[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }

if [ ${#missing[@]} -gt 0 ]; then
  can_install=1
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    sudo=(sudo -n)
  else
    required=()
    for n in "${missing[@]}"; do is_optional "$n" || required+=("$n"); done
    can_install=0
    if [ ${#required[@]} -eq 0 ]; then
      say "optional, not installed (their tests will skip): ${missing[*]}"
    else
      say "missing for ${purposes[*]}: ${missing[*]}"
      say "not root and no password-less sudo; run this, then try again:"
      echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
      exit 1
    fi
  fi
  if [ $can_install = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    say "installing for ${purposes[*]}: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    install=()
    for n in "${missing[@]}"; do
      # an optional package this system does not offer is left out
      if is_optional "$n" && ! apt-cache policy "$n" 2> /dev/null | grep -q 'Candidate: [^(]'; then
        say "optional $n: not offered here, its tests will skip"
        continue
      fi
      install+=("$n")
    done
    if [ ${#install[@]} -gt 0 ]; then
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${install[@]}" > /dev/null
    fi
  fi
fi

# npm packages for tests only (never used at run time), pinned by lockfile.
for dir in "${npm_dirs[@]}"; do
  if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
    if ! command -v npm > /dev/null; then
      say "no npm: $dir/node_modules not installed, the tests that need it will skip"
      continue
    fi
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
exit 0
