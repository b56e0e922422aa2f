#!/bin/sh
# Fills fuzz/corpus/check_and_score with the bundled levels, alone and joined
# to each of their solutions by byte 0xFF (the target's input format).
set -eu
cd "$(dirname "$0")/.."
out=fuzz/corpus/check_and_score
mkdir -p "$out"
for dir in levels/*/; do
    name=$(basename "$dir")
    cp "$dir/level.ron" "$out/$name"
    for sol in "$dir"*.ron; do
        [ "$(basename "$sol")" = level.ron ] && continue
        { cat "$dir/level.ron"; printf '\377'; cat "$sol"; } > "$out/$name-$(basename "$sol" .ron)"
    done
done
echo "$(ls "$out" | wc -l) seeds in $out"
