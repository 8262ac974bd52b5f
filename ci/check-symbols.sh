#!/usr/bin/env bash
# check-symbols.sh BUILD_DIR - every symbol a library defines globally carries
# its prefix: sm_ for libstagemock, smc_ for libstagemock-client. The static
# archives also carry the internal helpers of common/ (smx_, curl's curlx_
# idea); the shared libraries must export only the public API (SM_API,
# SMC_API), all of it under the prefix, and no smx_. Neither libstagemock
# carries the test-only sm_test_* accessors (they are in libsmtest.a).
set -eu
b=${1:-build/debug}
bad=0
check() { # archive-or-so prefix (an extended regex)
  local lib=$1 prefix=$2 out
  [ -f "$lib" ] || { echo "symbols: $lib missing" >&2; bad=1; return; }
  out=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' |
        grep -vE "^($prefix)" | grep -vE '^(_init|_fini|_edata|_end|__bss_start|__odr_asan\..*)$' || true)
  if [ -n "$out" ]; then
    echo "symbols: $lib defines globals outside '$prefix':" >&2; echo "$out" | head -20 >&2; bad=1
  else
    echo "symbols: $lib clean ($prefix)"
  fi
}
check "$b/libstagemock.a" 'sm_|smx_'
# Test-only accessors (tests/support/test_access.c) belong in libsmtest.a,
# never in the library that is installed.
for lib in "$b/libstagemock.a" "$b/libstagemock.so"; do
  if [ -f "$lib" ] && nm -g --defined-only "$lib" 2>/dev/null | grep -q ' sm_test_'; then
    echo "symbols: $lib carries test-only sm_test_* symbols" >&2; bad=1
  fi
done
check "$b/libstagemock.so" sm_
check "$b/libstagemock-client.a" 'smc_|smx_'
check "$b/libstagemock-client.so" smc_
exit $bad
