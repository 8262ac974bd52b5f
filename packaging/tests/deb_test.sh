#!/usr/bin/env bash
# deb_test.sh - `make deb` (docs/INSTALL.md): both packages are built with
# the version of include/stagemock/version.h, hold what they should (the
# runtime package no headers, the -dev one no programs), carry Depends:
# computed from the binaries, and lintian reports no error on them. A copy of
# the runtime package without its copyright file must make lintian report an
# error, so a lintian that checks nothing cannot pass this test. Installing
# a package changes the machine, so that is left to ci/check-deb.sh.
# Skipped, with a message, where dpkg-deb, dpkg-shlibdeps or lintian are
# missing. Reuses the suite's build (MODE is passed on).
set -u
. "${SM_TOP:-$PWD}/packaging/tests/preamble.sh" # $top $build $mode $T, the lock, check
for tool in dpkg-deb dpkg-shlibdeps lintian; do
  if ! command -v "$tool" > /dev/null; then
    echo "SKIP: $tool is not installed (apt-get install dpkg-dev lintian)"
    echo "0 passed, 0 failed, 1 skipped"; exit 0
  fi
done
version=$(ver_part MAJOR).$(ver_part MINOR).$(ver_part PATCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

if ! make --no-print-directory MODE="$mode" BUILDDIR="$build" DEB_OUT="$T/deb" deb > "$T/make.log" 2>&1; then
  echo "FAIL: make deb"; tail -30 "$T/make.log"; echo "0 passed, 1 failed"; exit 1
fi
rt=$T/deb/stagemock_${version}_$arch.deb dev=$T/deb/stagemock-dev_${version}_$arch.deb
check "make deb prints $rt" grep -qx "$rt" "$T/make.log"
check "make deb prints $dev" grep -qx "$dev" "$T/make.log"
check "runtime package built" test -s "$rt"
check "dev package built" test -s "$dev"
dpkg-deb -c "$rt" | awk '{print $6}' > "$T/rt.list"
dpkg-deb -c "$dev" | awk '{print $6}' > "$T/dev.list"
for f in ./usr/bin/stagemock ./usr/bin/stagectl ./usr/share/man/man1/stagemock.1.gz \
  ./usr/share/stagemock/cases/auth-01.case ./usr/share/doc/stagemock/copyright \
  ./usr/share/doc/stagemock/changelog.gz "./usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libstagemock.so.$version"; do
  check "runtime package holds $f" grep -qxF "$f" "$T/rt.list"
done
for f in ./usr/include/stagemock/server.h ./usr/share/man/man3/libstagemock.3.gz \
  ./usr/share/doc/stagemock-dev/copyright; do
  check "dev package holds $f" grep -qxF "$f" "$T/dev.list"
done
check "dev package holds stagemock.pc" grep -q '/pkgconfig/stagemock.pc$' "$T/dev.list"
check "dev package holds libstagemock.a" grep -q '/libstagemock.a$' "$T/dev.list"
check "runtime package holds no header" test -z "$(grep '/include/' "$T/rt.list")"
check "dev package holds no program" test -z "$(grep '/bin/' "$T/dev.list")"
check "version is version.h's" test "$(dpkg-deb -f "$rt" Version)" = "$version"
depends=$(dpkg-deb -f "$rt" Depends)
check "Depends computed from the binaries: libmicrohttpd ($depends)" grep -q 'libmicrohttpd' <<< "$depends"
check "Depends computed from the binaries: libcurl" grep -q 'libcurl' <<< "$depends"
check "dev depends on the exact runtime version" grep -qF "stagemock (= $version)" <<< "$(dpkg-deb -f "$dev" Depends)"
check "runtime package declares its shared libraries" grep -q "^libstagemock 0 stagemock" <(dpkg-deb -I "$rt" shlibs)

lintian --fail-on error --tag-display-limit 0 "$rt" "$dev" > "$T/lintian.out" 2>&1
rc=$?
check "lintian: no error" test $rc = 0
grep -E '^[EW]: ' "$T/lintian.out"
# The case that must fail: the same package without its copyright file.
dpkg-deb -R "$rt" "$T/broken"
rm "$T/broken/usr/share/doc/stagemock/copyright"
sed -i '/usr\/share\/doc\/stagemock\/copyright/d' "$T/broken/DEBIAN/md5sums"
dpkg-deb --root-owner-group --build "$T/broken" "$T/broken.deb" > /dev/null
lintian --fail-on error "$T/broken.deb" > "$T/lintian-broken.out" 2>&1
rc=$?
check "lintian: an error for a package without copyright (exit $rc)" test $rc != 0
check "lintian: names no-copyright-file" grep -q 'E: stagemock: no-copyright-file' "$T/lintian-broken.out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
