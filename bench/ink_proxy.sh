#!/usr/bin/env bash
# The sketchpad's models on the held-out proxy sets (issue 16; tools/ink/
# README.md "Proxy sets"): proxy-sets draws its digits, its non-digits, its
# unseen non-digits and its final non-digits into a temporary folder,
# ink-assess scores each model on them, and one table compares the models. Accuracy and readings, not timings: any machine
# gives the same figures for the same files.
#
#   bench/ink_proxy.sh [BUILD_DIR] [MODEL...]
#       BUILD_DIR: default ./build (taken as BUILD_DIR when it is a folder)
#       MODEL: checkpoints, default resources/default-model.safetensors
#       THRESHOLD=T in the environment: "sure" from T on (default 0.6, the
#       application's not-sure-threshold)
#
# Columns: accuracy on the digits, then on the four styles tablet writers
# reported as misread (9 with a "g" tail, open-top 4 in one stroke, hooked
# 7, flagged 1); the share of digits read with a top probability >= T
# (sure) and the accuracy among those; the expected calibration error
# (15 bins); the share of non-digits read "Not sure", overall and for
# letters, shapes and scribbles; the same for the unseen non-digits
# (designed unlike the default model's training drawings; columns u-...)
# and for the final non-digits (the test figure nothing is chosen with;
# columns final, f-...). `ink-assess --list` names the drawings behind
# each figure.
set -euo pipefail

case ${1:-} in -h | --help) sed -n '2,23p' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
if [ $# -gt 0 ] && [ -d "$1" ]; then
  build=$(cd "$1" && pwd)
  shift
fi
models=()
for m in "$@"; do
  [ -f "$m" ] || { echo "ink_proxy.sh: $m: no such model file" >&2; exit 1; }
  models+=("$(cd "$(dirname "$m")" && pwd)/$(basename "$m")")
done
[ ${#models[@]} -gt 0 ] || models=("$root/resources/default-model.safetensors")
threshold=${THRESHOLD:-0.6}
proxy_sets=$build/tools/ink/proxy-sets
ink_assess=$build/tools/ink/ink-assess
for tool in "$proxy_sets" "$ink_assess"; do
  [ -x "$tool" ] || { echo "ink_proxy.sh: $tool not found; build first (meson setup build && ninja -C build)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$proxy_sets" "$tmp/sets" >"$tmp/sets.out"
n_digits=$(ls "$tmp/sets/digits" | wc -l)
n_nondigits=$(ls "$tmp/sets/nondigits" | wc -l)
n_unseen=$(ls "$tmp/sets/unseen" | wc -l)
n_final=$(ls "$tmp/sets/final" | wc -l)
echo "# ink_proxy: held-out proxy sets (proxy-sets, seed 16): $n_digits digits, $n_nondigits non-digits," \
  "$n_unseen unseen non-digits, $n_final final non-digits; sure: top probability >= $threshold"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores;" \
  "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
printf '%-28s %7s %7s %9s %7s %7s %7s %9s %6s %9s %7s %7s %8s %7s %8s %7s %10s %7s %8s %7s %10s\n' model digits \
  9-gtail 4-opentop 7-hook 1-flag sure "acc sure" ECE "not sure" letter shape scribble unseen u-letter u-shape \
  u-scribble final f-letter f-shape f-scribble
for m in "${models[@]}"; do
  "$ink_assess" --model "$m" --digits "$tmp/sets/digits" --nondigits "$tmp/sets/nondigits" \
    --unseen "$tmp/sets/unseen" --final "$tmp/sets/final" --threshold "$threshold" --csv >"$tmp/score.csv"
  # One cell: the value of set,group,metric as a percentage ("-" when absent).
  LC_ALL=C awk -F, -v name="$(basename "$m")" '
    NR > 1 { v[$1 "," $2 "," $3] = $4 }
    function cell(key) { return key in v ? sprintf("%.2f", 100 * v[key]) : "-" }
    END {
      printf "%-28s %7s %7s %9s %7s %7s %7s %9s %6s %9s %7s %7s %8s %7s %8s %7s %10s %7s %8s %7s %10s\n",
        substr(name, 1, 28),
        cell("digits,all,accuracy"), cell("digits,9-gtail,accuracy"), cell("digits,4-opentop,accuracy"),
        cell("digits,7-hook,accuracy"), cell("digits,1-flag,accuracy"), cell("digits,all,sure"),
        cell("digits,all,sure_accuracy"), cell("digits,all,ece"), cell("nondigits,all,not_sure"),
        cell("nondigits,letter,not_sure"), cell("nondigits,shape,not_sure"), cell("nondigits,scribble,not_sure"),
        cell("unseen,all,not_sure"), cell("unseen,letter,not_sure"), cell("unseen,shape,not_sure"),
        cell("unseen,scribble,not_sure"), cell("final,all,not_sure"), cell("final,letter,not_sure"),
        cell("final,shape,not_sure"), cell("final,scribble,not_sure")
    }' "$tmp/score.csv"
done
echo
echo "# every figure in %; models:"
for m in "${models[@]}"; do echo "#   $m ($(sha256sum "$m" | cut -c1-16))"; done
