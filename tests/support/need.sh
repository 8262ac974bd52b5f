# need.sh - sourced by script tests that use optional tools (jq, curl,
# xmllint, node, python3 and its modules). `ci/install-deps.sh test` installs
# them; where one is still absent the test says so and is counted skipped
# (tests/run-all.sh reads the closing "N passed, N failed, N skipped").
#
#   sm_need TOOL...       a tool the whole test needs: when one is missing,
#                         print why and end the test as "0 passed, 0 failed,
#                         1 skipped" (exit 0)
#   sm_need_py MODULE...  the same for modules of /usr/bin/python3
#   sm_have TOOL...       for one part of a test: true when all are present,
#                         else print why that part is skipped and return 1
# A TOOL with a '/' is checked as that file; anything else on $PATH.

sm_pkg_of() {
  case $1 in
    xmllint) echo libxml2-utils ;;
    node) echo nodejs ;;
    */python3) echo python3 ;;
    /usr/bin/time) echo time ;;
    script) echo bsdutils ;;
    chromium) echo chromium ;;
    *) echo "${1##*/}" ;;
  esac
}

sm_have() {
  local t ok=0
  for t in "$@"; do
    if ! command -v "$t" > /dev/null 2>&1; then
      echo "skipping: needs $t (Debian package $(sm_pkg_of "$t"); ci/install-deps.sh test installs it)"
      ok=1
    fi
  done
  return $ok
}

sm_need() {
  sm_have "$@" && return 0
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

sm_need_py() {
  sm_need /usr/bin/python3
  local m
  for m in "$@"; do
    if ! /usr/bin/python3 -c "import $m" 2> /dev/null; then
      echo "skipping: needs the Python module $m (Debian package python3-$m)"
      echo "0 passed, 0 failed, 1 skipped"
      exit 0
    fi
  done
}
