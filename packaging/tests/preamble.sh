# preamble.sh - sourced first by install_test.sh and deb_test.sh: $top
# (cwd), $build and $mode (the suite's own, passed on to make), $T (a scratch
# dir removed on exit), the counters and check() (tests/support/check.sh),
# and the lock: both run `make install-files` into this build dir, and
# run-all.sh starts them in parallel, so they take turns.
top=${SM_TOP:-$PWD}
build=${SM_BUILD:-build/debug}
mkdir -p "$build" && exec 9> "$build/.install-tests.lock" && flock 9
mode=${SM_MODE:-debug}
cd "$top" || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$top/tests/support/check.sh"
# A recursive make from a test is not part of the parent's job server.
unset MAKEFLAGS MFLAGS MAKELEVEL
ver_part() { sed -n "s/^#define SM_VERSION_$1 *\([0-9]*\)$/\1/p" include/stagemock/version.h; }
