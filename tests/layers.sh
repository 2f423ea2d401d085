#!/usr/bin/env bash
# The layers of src/ include only from below: lib < store < domain < http < web (main.c
# above all). Each #include "x.h" of a file in src/LAYER/ must name a header of its own layer
# or of one below it. Usage: tests/layers.sh [ROOT] — ROOT holds src/ (default: this tree).
# Ends with "layers: N passed, M failed"; before the tree it checks itself on a made-up tree
# with one include that goes up, which must be found.
set -u
LAYERS=(lib store domain http web)

rank_of() { # the rank of a layer name, or -1
  local i
  for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo -1
}

# check ROOT COUNTFILE: prints one line per include that goes up; writes how many files it read.
check() {
  local root=$1 files=0 layer file inc where up
  for layer in "${LAYERS[@]}"; do
    local own; own=$(rank_of "$layer")
    for file in "$root/src/$layer"/*.[ch]; do
      [ -e "$file" ] || continue
      files=$((files + 1))
      while read -r inc; do
        where=$(ls "$root"/src/*/"$inc" 2>/dev/null | head -n 1)
        [ -n "$where" ] || continue # a system or library header
        up=$(rank_of "$(basename "$(dirname "$where")")")
        if [ "$up" -gt "$own" ]; then
          echo "${file#$root/} includes $inc from src/${LAYERS[$up]}/, a layer above ${layer}/"
        fi
      done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
    done
  done
  echo "$files" > "$2"
}

passed=0
failed=0

# The checker finds an include that goes up.
tmp=$(mktemp -d)
mkdir -p "$tmp/src/lib" "$tmp/src/web"
printf '#include "handlers.h"\n' > "$tmp/src/lib/bad.c"
printf '#include "bad.h"\n' > "$tmp/src/web/handlers.h"
touch "$tmp/src/lib/bad.h"
found=$(check "$tmp" "$tmp/count")
rm -rf "$tmp"
if echo "$found" | grep -q 'src/lib/bad.c includes handlers.h from src/web/'; then
  passed=$((passed + 1))
else
  echo "FAIL: the checker missed an include that goes up"; failed=$((failed + 1))
fi

# This tree: one check per file.
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
countfile=$(mktemp)
bad=$(check "$root" "$countfile")
files=$(cat "$countfile")
rm -f "$countfile"
nbad=0
if [ -n "$bad" ]; then
  echo "$bad" | sed 's/^/FAIL: /'
  nbad=$(echo "$bad" | cut -d' ' -f1 | sort -u | wc -l)
fi
passed=$((passed + files - nbad))
failed=$((failed + nbad))
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
