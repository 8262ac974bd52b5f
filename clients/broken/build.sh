#!/bin/sh
# build.sh PATCH OUT - make one broken client (clients/module.mk runs it for
# every clients/broken/*.patch into build/<mode>/broken/NAME.sh).
#
# OUT is the reference shell adapter, clients/shell/stagectl.sh, with PATCH
# applied, under a banner that names the patch and copies its text (the lines
# before the diff: which rule it breaks, what the defect is). The patch must
# fit exactly (no fuzz): one that no longer matches the reference client
# fails the build, naming itself, instead of planting its defect elsewhere.
# The result must parse (sh -n). Nothing is left behind on failure.
set -eu
[ $# -eq 2 ] || { echo "usage: build.sh PATCH OUT" >&2; exit 2; }
patch_file=$1 out=$2
ref=$(dirname "$0")/../shell/stagectl.sh
name=$(basename "$out")
tmp=$out.tmp.$$
trap 'rm -f "$tmp" "$tmp.body"' EXIT
[ -r "$patch_file" ] || { echo "build.sh: cannot read $patch_file" >&2; exit 1; }
if ! patch -s -N -F 0 -r - --no-backup-if-mismatch -o "$tmp.body" "$ref" < "$patch_file" > /dev/null 2>&1; then
  echo "build.sh: $patch_file does not apply exactly to $ref (update the patch)" >&2
  exit 1
fi
{
  head -n 1 "$tmp.body"
  echo "# $name - BROKEN ON PURPOSE: clients/shell/stagectl.sh with one defect,"
  echo "# $patch_file, applied at build time (clients/broken/build.sh), so the"
  echo "# conformance suite has a real failure to find. Never use it as a client."
  awk '/^--- /{exit} {print ($0 == "" ? "#" : "# " $0)}' "$patch_file"
  echo "# The reference client's own description follows; the patch is the difference."
  tail -n +2 "$tmp.body"
} > "$tmp"
sh -n "$tmp" || { echo "build.sh: $out would not parse (sh -n)" >&2; exit 1; }
chmod 0755 "$tmp"
mv "$tmp" "$out"
