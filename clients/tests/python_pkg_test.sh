#!/usr/bin/env bash
# python_pkg_test.sh - clients/python as an installable package (docs/PYTHON.md):
# pip builds and installs it offline (system setuptools, no index) into a temp
# --target dir without touching the source tree; the installed package carries
# the binding, the pytest plugin and its pytest11 entry point; the binding
# finds libstagemock.so through STAGEMOCK_LIB, or in the lib folder of the
# prefix it is installed under (make install-python, then uninstall-python),
# and otherwise fails naming where it looked. Then Debian's pytest runs
# clients/python/tests/test_stagemock_plugin.py against the installed package:
# exactly one test fails (on purpose, with the fixture's assertion message),
# the rest pass; test_stagemock_binding.py the same, its failure printing a
# verification's diff; without the package the fixture is not found.
set -u
top=${SM_TOP:-$PWD}
build=$top/${SM_BUILD:-build/debug}
py=/usr/bin/python3
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
. "$top/tests/support/check.sh" # passed, failed, skipped; check NAME CMD...
has() { grep -qE -- "$2" "$1" || { echo "--- $1:"; tail -20 "$1"; return 1; }; }

. "$top/tests/support/need.sh"
sm_need_py pip setuptools
pip_install() { # DEST SRC: the offline install the Makefile does
  "$py" -m pip install --quiet --no-build-isolation --no-deps --no-index --no-cache-dir \
    --root-user-action=ignore --disable-pip-version-check --target "$1" "$2"
}

# 1. pip install from a copy (pip builds in the folder it is given).
cp -r "$top/clients/python" "$work/src"
rm -rf "$work/src/build" "$work/src"/*.egg-info
pip_install "$work/site" "$work/src" > "$work/pip.out" 2>&1
check "pip install --no-build-isolation --no-index succeeds" test $? -eq 0
check "the package is installed: binding and plugin" \
  test -f "$work/site/stagemock/__init__.py" -a -f "$work/site/stagemock/pytest_plugin.py"
check "the pytest11 entry point is registered" \
  grep -qx 'stagemock = stagemock.pytest_plugin' "$work/site"/stagemock-*.dist-info/entry_points.txt
check "the reference adapter stays out of the package" test ! -e "$work/site/stagectl.py"
check "the source tree gets no build output" \
  test ! -e "$top/clients/python/build" -a -z "$(ls -d "$top"/clients/python/*.egg-info 2>/dev/null)"
pyproject_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$top/clients/python/pyproject.toml")
check "stagemock.__version__ is pyproject's version ($pyproject_version)" \
  test "$(PYTHONPATH=$work/site "$py" -c 'import stagemock; print(stagemock.__version__)')" = "$pyproject_version"
if [ -f "$top/include/stagemock/version.h" ]; then
  v=$(sed -n 's/^#define SM_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\)$/\2/p' "$top/include/stagemock/version.h" | paste -sd.)
  check "pyproject's version is version.h's ($v)" test "$pyproject_version" = "$v"
fi

# 2. Where the binding finds the library.
where() { "$py" -c 'import stagemock; print(stagemock.find_library())' 2>&1; }
check "STAGEMOCK_LIB names the library" \
  test "$(STAGEMOCK_LIB=$build/libstagemock.so PYTHONPATH=$work/site where)" = "$build/libstagemock.so"
check "a STAGEMOCK_LIB that does not exist is an error naming it" \
  eval '[ "$(STAGEMOCK_LIB=$work/nope.so PYTHONPATH=$work/site where | tail -1)" = "stagemock.StagemockError: STAGEMOCK_LIB=$work/nope.so: no such file" ]'
if [ -z "$("$py" -c 'import ctypes.util; print(ctypes.util.find_library("stagemock") or "")')" ]; then
  out=$(cd "$work" && unset STAGEMOCK_LIB && PYTHONPATH=$work/site where)
  check "no library anywhere: the error names STAGEMOCK_LIB and where it looked" \
    eval 'printf "%s\n" "$out" | grep -q "libstagemock.so not found (tried .*$work/site.*STAGEMOCK_LIB"'
else
  echo "skipping the not-found message: a libstagemock is installed system-wide"; skipped=$((skipped + 1))
fi
make -C "$top" --no-print-directory -s install-python DESTDIR="$work/root" PREFIX=/opt/sm \
  > "$work/inst.out" 2>&1
check "make install-python DESTDIR PREFIX=/opt/sm" has "$work/inst.out" "PIP +stagemock -> $work/root/opt/sm/lib/python3"
site=$(ls -d "$work"/root/opt/sm/lib/python3*/*-packages 2>/dev/null | head -1)
check "installed under DESTDIR/PREFIX/lib/python3.*" test -f "$site/stagemock/pytest_plugin.py"
mkdir -p "$work/root/opt/sm/lib" && cp "$build/libstagemock.so" "$work/root/opt/sm/lib/"
if [ "${SM_MODE:-debug}" != asan ] && [ "${SM_MODE:-debug}" != tsan ]; then
  check "load_library loads what find_library names" test "$(cd "$work" && unset STAGEMOCK_LIB &&
    PYTHONPATH=$site "$py" -c 'import stagemock; print(stagemock.load_library()._name)')" = \
    "$work/root/opt/sm/lib/libstagemock.so"
fi
check "the binding finds PREFIX/lib/libstagemock.so beside its install" \
  test "$(cd "$work" && unset STAGEMOCK_LIB && PYTHONPATH=$site where)" = "$work/root/opt/sm/lib/libstagemock.so"
make -C "$top" --no-print-directory -s uninstall-python DESTDIR="$work/root" PREFIX=/opt/sm > /dev/null 2>&1
check "make uninstall-python removes the package and its metadata" \
  test -z "$(ls -A "$site")"

# 3. pytest with the installed plugin.
if [ "${SM_MODE:-debug}" = asan ] || [ "${SM_MODE:-debug}" = tsan ]; then
  echo "skipping pytest: a $SM_MODE libstagemock.so cannot load into a plain python"
  skipped=$((skipped + 1))
elif ! "$py" -c 'import pytest, requests' 2> /dev/null; then
  echo "skipping pytest: $py lacks pytest or requests (Debian packages python3-pytest,"\
    "python3-requests; ci/install-deps.sh test installs them)"
  skipped=$((skipped + 1))
else
  "$build/stagemock" fixtures --out "$work/fx" > /dev/null || exit 1
  mkdir "$work/t" && cp "$top/clients/python/tests/test_stagemock_plugin.py" "$work/t/"
  run_pytest() { # PYTHONPATH, pytest args...
    local pp=$1; shift
    (cd "$work/t" && STAGEMOCK_LIB=$build/libstagemock.so STAGEMOCK_FIXTURES=$work/fx \
      PYTHONPATH=$pp PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -p no:cacheprovider --rootdir . \
      test_stagemock_plugin.py "$@")
  }
  run_pytest "$work/site" -q -rf > "$work/pytest.out" 2>&1
  rc=$?
  grep -E '^(FAILED|[0-9]+ (passed|failed))|^E +AssertionError' "$work/pytest.out"
  check "pytest exits 1 (a test failed)" test $rc -eq 1
  check "pytest reports 1 failed, 5 passed" has "$work/pytest.out" '^=* ?1 failed, 5 passed'
  check "the failed test is test_expected_failure" \
    has "$work/pytest.out" '^FAILED test_stagemock_plugin.py::test_expected_failure - AssertionError'
  check "the fixture's assertion says what the stage holds" \
    has "$work/pytest.out" "stage 's1' holds \['a.parquet'\], expected \['a.parquet', 'b.parquet'\]"
  run_pytest "$work/site" -q -k 'not expected_failure' > "$work/pytest-ok.out" 2>&1
  check "without it: exit 0, 5 passed" eval "[ $? -eq 0 ] && has '$work/pytest-ok.out' '^=* ?5 passed'"
  # the binding beyond the fixture (verify, journal order, reset, scenario, profile, preload)
  cp "$top/clients/python/tests/test_stagemock_binding.py" "$work/t/"
  (cd "$work/t" && STAGEMOCK_LIB=$build/libstagemock.so STAGEMOCK_FIXTURES=$work/fx \
    PYTHONPATH=$work/site PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -p no:cacheprovider \
    --rootdir . test_stagemock_binding.py -q -rf > "$work/pytest-binding.out" 2>&1)
  rc=$?
  grep -E '^(FAILED|[0-9]+ (passed|failed))|^E +(AssertionError|>)' "$work/pytest-binding.out"
  check "binding: pytest exits 1 (the verify failure on purpose)" test $rc -eq 1
  check "binding: 1 failed, 6 passed" has "$work/pytest-binding.out" '^=* ?1 failed, 6 passed'
  check "binding: the failed test is test_verify_failure_shows_diff" has "$work/pytest-binding.out" \
    '^FAILED test_stagemock_binding.py::test_verify_failure_shows_diff'
  check "binding: pytest prints the diff, first divergence marked" has "$work/pytest-binding.out" \
    '^E +> upload file=a\.parquet  \| #1 upload stage=s1 file=b\.parquet status=200$'
  check "binding: and the row after it" has "$work/pytest-binding.out" \
    '^E +! upload file=b\.parquet  \| #2 upload stage=s1 file=a\.parquet status=200$'
  check "binding: the report points at the test's line, not the binding's" has \
    "$work/pytest-binding.out" '^test_stagemock_binding.py:[0-9]+: AssertionError$'
  printf 'def test_uses_it(stagemock_server):\n    pass\n' > "$work/t/test_none.py"
  (cd "$work/t" && PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -p no:cacheprovider --rootdir . -q \
    test_none.py > "$work/pytest-none.out" 2>&1)
  check "without the package the fixture is not found" \
    has "$work/pytest-none.out" "fixture 'stagemock_server' not found"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
