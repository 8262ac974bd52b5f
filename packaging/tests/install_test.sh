#!/usr/bin/env bash
# install_test.sh - `make install` as a user meets it (docs/INSTALL.md):
#  1. install DESTDIR=$T/root PREFIX=/usr: the files, the soname links, the
#     versions of both programs against include/stagemock/version.h;
#  2. a C program built with nothing but `pkg-config --cflags --libs
#     stagemock` (PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR into $T) starts a
#     server, uploads a fixture written by the installed `stagemock fixtures`
#     with the installed client library, and stops it;
#  3. the installed `stagemock conform` with the installed `stagectl --json`
#     passes with no --cases flag, twice: from the DESTDIR tree with
#     STAGEMOCK_DATADIR (DESTDIR moves files, not the compiled-in path), and
#     from an install with PREFIX=$T/prefix, no flag and no variable, which
#     exercises the compiled-in data dir; with that dir gone it fails and the
#     error names --cases and STAGEMOCK_DATADIR;
#  4. the man pages render without warnings and name every subcommand,
#     option and exported function;
#  5. install and uninstall run the INSTALL_EXTRA / UNINSTALL_EXTRA targets
#     other parts of the build hook in; uninstall leaves no file behind.
# Reuses the build's objects: MODE and BUILDDIR are the suite's own, and the
# installed stagemock is relinked in $T (only datadir.c is compiled again).
set -u
. "${SM_TOP:-$PWD}/packaging/tests/preamble.sh" # $top $build $mode $T, the lock, check
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
finish() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit $?; }
mk() { make --no-print-directory MODE="$mode" BUILDDIR="$build" "$@"; }

major=$(ver_part MAJOR)
version=$major.$(ver_part MINOR).$(ver_part PATCH)

# --- 1. install into a staging dir --------------------------------------------
if ! mk install DESTDIR="$T/root" PREFIX=/usr SM_INST="$T/obj-usr" > "$T/install.log" 2>&1; then
  echo "FAIL: make install DESTDIR=\$T/root PREFIX=/usr"; cat "$T/install.log"
  failed=$((failed + 1)); finish
fi
passed=$((passed + 1))
R=$T/root/usr
for f in bin/stagemock bin/stagectl include/stagemock/server.h include/stagemock/client.h \
  include/stagemock/version.h lib/pkgconfig/stagemock.pc lib/pkgconfig/stagemock-client.pc \
  share/man/man1/stagemock.1 share/man/man1/stagectl.1 share/man/man3/libstagemock.3 \
  share/stagemock/adapters/stagectl.sh share/stagemock/adapters/test/good.sh \
  share/doc/stagemock/README.md; do
  check "installed: $f" test -s "$R/$f"
done
# the program's views of libconform and libpqw, which are not installed
for f in include/stagemock/conform.h include/stagemock/fixtures.h; do
  check "not installed: $f" test ! -e "$R/$f"
done
count() { find "$@" -type f | wc -l; }
check "installed: the CI examples" test "$(count "$R/share/stagemock/ci")" = "$(count ci/examples)"
check "installed: every case" test "$(count "$R/share/stagemock/cases")" = "$(count conformance/cases -name '*.case')"
for lib in libstagemock libstagemock-client; do
  check "$lib.so.$version is a file" test -f "$R/lib/$lib.so.$version" -a ! -L "$R/lib/$lib.so.$version"
  check "$lib.so.$major -> $lib.so.$version" test "$(readlink "$R/lib/$lib.so.$major")" = "$lib.so.$version"
  check "$lib.so -> $lib.so.$major" test "$(readlink "$R/lib/$lib.so")" = "$lib.so.$major"
  check "$lib.a installed" test -s "$R/lib/$lib.a"
  check "$lib soname is $lib.so.$major" \
    grep -q "Library soname: \[$lib.so.$major\]" <(readelf -d "$R/lib/$lib.so.$version")
done
check "libstagemock.a holds sm_server_new" grep -q ' T sm_server_new$' <(nm "$R/lib/libstagemock.a")
check "stagemock --version is version.h's" test "$("$R/bin/stagemock" --version)" = "stagemock $version"
check "stagectl --version is version.h's" test "$("$R/bin/stagectl" --version)" = "stagectl $version"
check "stagemock.pc has version.h's version" grep -qx "Version: $version" "$R/lib/pkgconfig/stagemock.pc"
check "man page carries the version" grep -q "stagemock $version" "$R/share/man/man1/stagemock.1"

# --- 2. a program built with pkg-config alone ---------------------------------
if command -v pkg-config > /dev/null; then
  export PKG_CONFIG_PATH=$R/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$T/root
  flags=$(pkg-config --cflags --libs stagemock)
  check "pkg-config stagemock names both libraries" \
    grep -qE -- "-lstagemock( .*)? -lstagemock-client" <<< "$flags"
  check "pkg-config stagemock-client alone: no -lstagemock" \
    test -z "$(pkg-config --libs stagemock-client | tr ' ' '\n' | grep -x -- -lstagemock)"
  # An instrumented build's libraries need the sanitizer runtime in the program.
  san=()
  case $mode in asan) san=(-fsanitize=address,undefined) ;; tsan) san=(-fsanitize=thread) ;; esac
  # shellcheck disable=SC2086
  if cc -std=c11 "${san[@]}" -o "$T/embed" packaging/tests/embed.c $flags > "$T/cc.log" 2>&1; then
    passed=$((passed + 1))
    "$R/bin/stagemock" fixtures --out "$T/fx" > /dev/null
    out=$(LD_LIBRARY_PATH=$R/lib "$T/embed" "$T/fx/parquet-only/valid/physical_types.snappy.parquet" 2>&1)
    check "pkg-config program: server up, upload, stop ($out)" grep -q "^embed: ok $version http://127.0.0.1:" <<< "$out"
    check "pkg-config program: linked to the installed shared libraries" \
      grep -q "libstagemock.so.$major => $R/lib/libstagemock.so.$major" <(LD_LIBRARY_PATH=$R/lib ldd "$T/embed")
  else
    failed=$((failed + 1)); echo "FAIL: cc embed.c \$(pkg-config --cflags --libs stagemock)"; cat "$T/cc.log"
  fi
  unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
else
  skip "pkg-config is not installed"
fi

# --- 3. conform finds its cases with no flag ----------------------------------
unset STAGEMOCK_CASES STAGEMOCK_DATADIR
conform() { # out-file, stagemock, stagectl, extra env...
  local out=$1 sm=$2 ctl=$3; shift 3
  (cd "$T" && env "$@" "$sm" conform --adapter "$ctl --json" -j 4 --color never --artifact - > "$out" 2>&1)
}
conform "$T/c1.out" "$R/bin/stagemock" "$R/bin/stagectl" STAGEMOCK_DATADIR="$R/share/stagemock"
rc=$?
check "conform (DESTDIR tree, STAGEMOCK_DATADIR): exit 0" test $rc = 0
check "conform (DESTDIR tree): every case ran" grep -q "every MUST case passed" "$T/c1.out"
[ $rc = 0 ] || tail -20 "$T/c1.out"

if mk install PREFIX="$T/prefix" SM_INST="$T/obj-prefix" > "$T/install2.log" 2>&1; then
  P=$T/prefix
  conform "$T/c2.out" "$P/bin/stagemock" "$P/bin/stagectl"
  rc=$?
  check "conform (PREFIX=\$T/prefix, compiled-in data dir, no flag, no variable): exit 0" test $rc = 0
  n_cases=$(ls conformance/cases/*.case | wc -l)
  check "conform (compiled-in): $n_cases cases passed" grep -q "^$n_cases passed, 0 failed" "$T/c2.out"
  [ $rc = 0 ] || tail -20 "$T/c2.out"
  mv "$P/share/stagemock/cases" "$P/share/stagemock/cases.away"
  conform "$T/c3.out" "$P/bin/stagemock" "$P/bin/stagectl"
  rc=$?
  check "conform without its data dir: exit 2" test $rc = 2
  check "conform without its data dir: names the dir" grep -q "$P/share/stagemock/cases" "$T/c3.out"
  check "conform without its data dir: names --cases" grep -q -- "--cases" "$T/c3.out"
  check "conform without its data dir: names STAGEMOCK_DATADIR" grep -q "STAGEMOCK_DATADIR" "$T/c3.out"
  mv "$P/share/stagemock/cases.away" "$P/share/stagemock/cases"
  mk uninstall PREFIX="$T/prefix" > "$T/uninstall2.log" 2>&1
  check "uninstall PREFIX=\$T/prefix: no file left" test -z "$(find "$P" -type f -o -type l)"
else
  failed=$((failed + 1)); echo "FAIL: make install PREFIX=\$T/prefix"; cat "$T/install2.log"
fi

# --- 4. man pages --------------------------------------------------------------
if command -v man > /dev/null; then
  for m in "$R"/share/man/man1/stagemock.1 "$R"/share/man/man1/stagectl.1 "$R"/share/man/man3/libstagemock.3; do
    w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 > /dev/null)
    check "man ${m##*/}: renders without warnings${w:+: $w}" test -z "$w"
  done
else
  skip "man is not installed: pages not rendered"
fi
# The man source spells options with \- ; compare with plain hyphens.
plain() { sed 's/\\-/-/g; s/\\e/\\/g' "$1"; }
plain "$R/share/man/man1/stagemock.1" > "$T/stagemock.1.txt"
cmds=$("$R/bin/stagemock" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
check "stagemock --help lists commands" test -n "$cmds"
for c in $cmds; do
  check "stagemock(1) has a section for '$c'" grep -qx "\.SS $c" "$T/stagemock.1.txt"
  for o in $("$R/bin/stagemock" "$c" --help | grep -oE -- '(^|[ [])--?[a-z][a-z-]*' | tr -d ' [' | sort -u); do
    check "stagemock(1) documents $c $o" grep -qF -- "$o" "$T/stagemock.1.txt"
  done
done
plain "$R/share/man/man1/stagectl.1" > "$T/stagectl.1.txt"
for o in $("$R/bin/stagectl" --help | grep -oE -- '(^|[ [])--?[a-z][a-z-]*' | tr -d ' [' | sort -u); do
  check "stagectl(1) documents $o" grep -qF -- "$o" "$T/stagectl.1.txt"
done
plain "$R/share/man/man3/libstagemock.3" > "$T/libstagemock.3.txt"
for lib in libstagemock libstagemock-client; do
  syms=$(nm -D --defined-only "$R/lib/$lib.so.$version" | awk '$2 == "T" {print $3}')
  check "$lib exports functions" test -n "$syms"
  for s in $syms; do
    check "libstagemock(3) names $s" grep -qw -- "$s" "$T/libstagemock.3.txt"
  done
done

# --- the hooks other parts of the build use -------------------------------------
hook=$(mk -n install uninstall DESTDIR="$T/root" PREFIX=/usr SM_INST="$T/obj-usr" \
  INSTALL_EXTRA=sm-hook-install UNINSTALL_EXTRA=sm-hook-uninstall 2>&1)
check "install depends on \$(INSTALL_EXTRA)" grep -q "No rule to make target 'sm-hook-install'" <<< "$hook"
hook=$(mk -n uninstall DESTDIR="$T/root" PREFIX=/usr UNINSTALL_EXTRA=sm-hook-uninstall 2>&1)
check "uninstall depends on \$(UNINSTALL_EXTRA)" grep -q "No rule to make target 'sm-hook-uninstall'" <<< "$hook"

# --- 5. uninstall ---------------------------------------------------------------
mk uninstall DESTDIR="$T/root" PREFIX=/usr > "$T/uninstall.log" 2>&1
check "make uninstall: exit 0" test $? = 0
left=$(find "$T/root" -type f -o -type l)
check "make uninstall DESTDIR PREFIX=/usr: no file left${left:+: $left}" test -z "$left"
finish
