#!/bin/sh
# broken-parallel.sh - DEFECT: uploads all files at once (one background
# request per file), so a slow response lets a later file commit first.
# Breaks: `order` (stage order, journal no-overlap).
. "$(dirname "$0")/lib.sh"
do_upload() {
  s=$1; shift
  i=0
  for f in "$@"; do
    i=$((i + 1))
    (tmp=$(mktemp -d) && upload_one "$s" "$f" > "$tmp.out"; rm -rf "$tmp"; echo "$tmp.out" > "$TMPL.$i") &
  done
  wait
  r=0 j=0
  while [ $j -lt $i ]; do
    j=$((j + 1)); o=$(cat "$TMPL.$j"); cat "$o"; grep -q '"ok":true' "$o" || r=1; rm -f "$o" "$TMPL.$j"
  done
  return $r
}
TMPL=$tmp/job
adapter_main "$@"
