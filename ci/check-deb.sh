#!/usr/bin/env bash
# check-deb.sh - the Debian packages as a user meets them: `make deb`
# (release), lintian with no error, `dpkg -i` of both packages, then the
# installed programs run from /usr: `stagemock --version`, a conformance run
# of the installed stagectl with no --cases flag (the compiled-in
# /usr/share/stagemock), a C program built with `pkg-config --cflags --libs
# stagemock` against /usr; then `dpkg -r` and `dpkg -P` and a check that
# nothing of the packages is left.
#
# This changes the machine (it installs and removes packages), so it is a CI
# step of its own, never part of `make test`. Needs root, or sudo without a
# password; otherwise it says so and exits 0. Refuses to run when a
# stagemock package is already installed, to leave that one alone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif sudo -n true 2> /dev/null; then
  as_root=(sudo -n)
else
  echo "check-deb: SKIP: installing packages needs root or passwordless sudo"; exit 0
fi
for tool in dpkg-deb dpkg-shlibdeps lintian; do
  command -v "$tool" > /dev/null || { echo "check-deb: $tool missing (ci/install-deps.sh)" >&2; exit 1; }
done
for p in stagemock stagemock-dev; do
  if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'installed'; then
    echo "check-deb: $p is installed on this machine already; not touching it" >&2; exit 1
  fi
done
out=build/deb
rm -rf "$out"
make --no-print-directory deb DEB_OUT="$out"
debs=("$out"/stagemock_*.deb "$out"/stagemock-dev_*.deb)
version=$(dpkg-deb -f "${debs[0]}" Version)
echo "check-deb: built ${debs[*]}"

echo "check-deb: lintian"
lintian --fail-on error --tag-display-limit 0 "${debs[@]}"

T=$(mktemp -d)
cleanup() {
  "${as_root[@]}" dpkg -P stagemock-dev stagemock > /dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT
echo "check-deb: dpkg -i"
"${as_root[@]}" dpkg -i "${debs[@]}"

test "$(/usr/bin/stagemock --version)" = "stagemock $version"
test "$(/usr/bin/stagectl --version)" = "stagectl $version"
echo "check-deb: stagemock --version: $(/usr/bin/stagemock --version)"
(cd "$T" && env -u STAGEMOCK_CASES -u STAGEMOCK_DATADIR /usr/bin/stagemock conform \
  --adapter "/usr/bin/stagectl --json" --rule auth --rule unique-names --color never --artifact -)
echo "check-deb: conform from /usr/share/stagemock passed"
/usr/bin/stagemock fixtures --out "$T/fx" > /dev/null
# shellcheck disable=SC2046
cc -std=c11 -o "$T/embed" packaging/tests/embed.c $(pkg-config --cflags --libs stagemock)
"$T/embed" "$T/fx/parquet-only/valid/physical_types.snappy.parquet"
man -w stagemock stagectl libstagemock > /dev/null

echo "check-deb: dpkg -r, dpkg -P"
files=$(dpkg -L stagemock stagemock-dev | sort -u)
"${as_root[@]}" dpkg -r stagemock-dev stagemock
# A package with no conffiles is gone after -r; purge what dpkg still knows.
for p in stagemock-dev stagemock; do
  if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'config-files'; then
    "${as_root[@]}" dpkg -P "$p"
  fi
done
left=0
while IFS= read -r f; do
  # Shared directories (/usr, /usr/bin...) stay; anything of ours must go.
  if [ -e "$f" ] && ! [ -d "$f" ]; then echo "check-deb: left behind: $f" >&2; left=1; fi
done <<< "$files"
for d in /usr/share/stagemock /usr/include/stagemock /usr/share/doc/stagemock /usr/share/doc/stagemock-dev; do
  if [ -e "$d" ]; then echo "check-deb: left behind: $d" >&2; left=1; fi
done
if dpkg-query -W stagemock > /dev/null 2>&1 && dpkg-query -W -f='${Status}' stagemock | grep -qv 'not-installed'; then
  echo "check-deb: dpkg still knows stagemock" >&2; left=1
fi
[ $left = 0 ]
echo "check-deb: removal clean; ok"
