#!/usr/bin/env bash
# deb.sh ROOT OUTDIR VERSION MULTIARCH - split a staged `make install`
# (DESTDIR=ROOT PREFIX=/usr LIBDIR=/usr/lib/MULTIARCH) into two Debian
# binary packages, as `make deb` asks (docs/INSTALL.md):
#
#   stagemock_VERSION_ARCH.deb      programs, shared libraries, stagemock(1),
#                                   stagectl(1), /usr/share/stagemock, the docs
#   stagemock-dev_VERSION_ARCH.deb  headers, static libraries, the .so links,
#                                   pkg-config files, libstagemock(3)
#
# How: plain dpkg-dev tools, no debhelper. The ELF files are stripped, man
# pages and the changelog compressed with gzip -9n; dpkg-shlibdeps computes
# Depends: from the binaries and shared libraries, and dpkg-gencontrol
# writes DEBIAN/control from packaging/debian/control (with the version of
# include/stagemock/version.h, through a changelog generated here). The
# runtime package declares its libraries (DEBIAN/shlibs) and the ldconfig
# trigger. Prints the two .deb paths. Not here: lintian (deb_test.sh,
# ci/check-deb.sh).
set -euo pipefail
root=$1 out=$2 version=$3 multiarch=$4
here=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
major=${version%%.*}
mkdir -p "$out"
root=$(cd "$root" && pwd) out=$(cd "$out" && pwd)
work=$(dirname "$root")/deb-work
rm -rf "$work"
mkdir -p "$work/src/debian"
rt=$work/stagemock dev=$work/stagemock-dev
lib=usr/lib/$multiarch

# --- split the staged tree ----------------------------------------------------
move() { # from-package-root to-package-root path...
  local from=$1 to=$2 p; shift 2
  for p in "$@"; do
    mkdir -p "$to/$(dirname "$p")"
    mv "$from/$p" "$to/$p"
  done
}
cp -a "$root" "$rt"
mkdir -p "$dev"
move "$rt" "$dev" usr/include "$lib/pkgconfig" usr/share/man/man3 \
  "$lib/libstagemock.a" "$lib/libstagemock-client.a" \
  "$lib/libstagemock.so" "$lib/libstagemock-client.so"

# How to build and install from source is no use to a package's user
# (lintian: package-contains-upstream-installation-documentation).
rm -f "$rt/usr/share/doc/stagemock/INSTALL.md"

# --- strip (as dh_strip does), compress (as dh_compress does) ---------------
for f in "$rt"/usr/bin/*; do
  strip --remove-section=.comment --remove-section=.note "$f"
done
for f in "$rt/$lib"/lib*.so.*; do
  [ -L "$f" ] || strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
done
for f in "$dev/$lib"/*.a; do
  strip --strip-debug --remove-section=.comment --remove-section=.note \
    --enable-deterministic-archives "$f"
done
find "$rt/usr/share/man" "$dev/usr/share/man" -type f -exec gzip -9n {} +

# --- docs: copyright and changelog in each package --------------------------
# The changelog entry is written from the version (one place: version.h) and
# dated by the last commit, so the same tree makes the same packages.
when=$(git -C "$here/.." log -1 --format=%ct 2> /dev/null || date +%s)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$when} # dpkg-deb clamps file times to it
{
  printf 'stagemock (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * stagemock %s, packaged by make deb from the source tree.\n\n' "$version"
  printf ' -- stagemock maintainers <stagemock@example.org>  %s\n' "$(date -R -u -d "@$when")"
} > "$work/src/debian/changelog"
cp "$here/debian/control" "$work/src/debian/control"
for p in "$rt" "$dev"; do
  d=$p/usr/share/doc/$(basename "$p")
  mkdir -p "$d"
  install -m 0644 "$here/copyright" "$d/copyright"
  gzip -9n < "$work/src/debian/changelog" > "$d/changelog.gz"
  chmod 0644 "$d/changelog.gz"
done

# --- control files -------------------------------------------------------------
mkdir -p "$rt/DEBIAN" "$dev/DEBIAN"
printf 'libstagemock %s stagemock (>= %s)\nlibstagemock-client %s stagemock (>= %s)\n' \
  "$major" "$version" "$major" "$version" > "$rt/DEBIAN/shlibs"
printf 'activate-noawait ldconfig\n' > "$rt/DEBIAN/triggers"
chmod 0644 "$rt/DEBIAN/shlibs" "$rt/DEBIAN/triggers"
(
  cd "$work/src"
  # Depends of the programs and libraries, from the ELF files themselves.
  dpkg-shlibdeps -Tdebian/stagemock.substvars "$rt"/usr/bin/* "$rt/$lib"/lib*.so."$version"
  echo 'misc:Depends=' >> debian/stagemock.substvars
  echo 'misc:Depends=' > debian/stagemock-dev.substvars
  dpkg-gencontrol -pstagemock -P"$rt" -Tdebian/stagemock.substvars
  dpkg-gencontrol -pstagemock-dev -P"$dev" -Tdebian/stagemock-dev.substvars
)
for p in "$rt" "$dev"; do
  (cd "$p" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0r md5sum > DEBIAN/md5sums)
  chmod 0644 "$p/DEBIAN/md5sums"
done

# --- build ---------------------------------------------------------------------
for p in "$rt" "$dev"; do
  deb=$out/$(basename "$p")_${version}_$arch.deb
  dpkg-deb --root-owner-group -Zxz --build "$p" "$deb" > /dev/null
  echo "$deb"
done
