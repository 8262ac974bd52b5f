#!/usr/bin/env bash
# install-deps.sh - make this Debian 12 machine able to build and test
# stagemock. Installs only what is missing: Debian packages with apt-get when
# run as root (otherwise it names the missing packages and stops), then the
# npm packages the DuckDB oracle test pins (fixtures/oracle/package-lock.json).
# Safe to run again: a machine that has everything is left alone.
set -eu
cd "$(dirname "$0")/.."

# Build and test needs. chromium renders the HTML report in a test; wrk,
# nginx-light and the JVM drive the benchmarks (`make bench`).
pkgs=(
  build-essential pkg-config
  libmicrohttpd-dev libcurl4-openssl-dev libssl-dev libxxhash-dev libcjson-dev libcmocka-dev
  libsnappy-dev zlib1g-dev libzstd-dev
  python3 python3-requests curl jq
  clang clang-format clang-tidy cppcheck libclang-rt-14-dev llvm
  libxml2-utils chromium
)
if [ "${SM_BENCH_DEPS:-0}" = 1 ]; then
  pkgs+=(wrk nginx-light openjdk-17-jre-headless hyperfine)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js 20 may come from Debian or from NodeSource's nodejs (which carries
# npm itself): ask for the commands, and install Debian's only when absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for tests only (never used at run time), pinned by lockfile.
for dir in fixtures/oracle bench; do
  if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
    if [ "$dir" = bench ] && [ "${SM_BENCH_DEPS:-0}" != 1 ]; then
      continue
    fi
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
exit 0
