#!/bin/sh
# Regenerates resources/default-model.safetensors, the model the sketchpad
# and `dlab predict` use when no other is given (tools/ink/README.md).
#
#   tools/make-default-model.sh [BUILD_DIR]
#
# 1. ink-mnist turns every MNIST training digit into pen strokes (thinning)
#    and redraws each one through random writers (slant, rotation, shape,
#    stroke ends, tablet sampling, pressure), rendered by the engine's own
#    ink preprocessing, next to the original pictures; then adds digits in
#    the styles MNIST lacks (tools/ink/styles.c: g-tailed 9s, one-stroke
#    open 4s, hooked 7s, flagged 1s) and drawings that are no digit
#    (letters, shapes, scribbles; label 255: trained toward equal
#    probabilities, so that the model is unsure of them). The test split is
#    the MNIST test digits traced into strokes and rendered the same way.
# 2. `dlab train` trains the network below on that directory, holding out
#    a validation split (5%) on which the calibration is measured.
#
# Everything is seeded: on the same machine, the same SEED and THREADS give
# the same file, byte for byte. Environment overrides: MNIST (the raw IDX
# directory, default data/MNIST/raw), WORK (scratch directory, default a
# fresh temporary one, removed afterwards), SEED (1), THREADS (2), EPOCHS,
# COPIES (random writers per training digit), STYLES (style digits),
# NONDIGITS (drawings of no digit), OUT (the model file).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
mnist=${MNIST:-$root/data/MNIST/raw}
seed=${SEED:-1}
threads=${THREADS:-2}
epochs=${EPOCHS:-6}
copies=${COPIES:-3}
styles=${STYLES:-24000}
nondigits=${NONDIGITS:-40000}
out=${OUT:-$root/resources/default-model.safetensors}
spec='conv1: conv 32 3 | relu | maxpool 2 | conv2: conv 64 3 | relu | maxpool 2 | flatten | fc1: linear 128 | relu | dropout 0.3 | fc2: linear 10'

if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/dlab-default-model.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ ! -f "$mnist/$f" ] && [ ! -f "$mnist/$f.gz" ]; then
    echo "make-default-model: $mnist/$f: missing (tools/fetch-data.sh gets MNIST)" >&2
    exit 1
  fi
done

ninja -C "$build" tools/ink/ink-mnist engine/cli/dlab >/dev/null
start=$(date +%s)

"$build/tools/ink/ink-mnist" dataset --mnist "$mnist" --out "$work/ink" \
  --copies "$copies" --original 1 --styles "$styles" --nondigits "$nondigits" \
  --test plain --seed "$seed" --threads "$threads"

"$build/engine/cli/dlab" train --data "$work/ink" --dataset mnist --model "$spec" \
  --epochs "$epochs" --batch-size 64 --optimizer adam --lr 1e-3 --schedule cosine \
  --val-split 0.05 --split-seed 42 \
  --seed "$seed" --threads "$threads" --out "$work/model.safetensors"

# The calibration on the validation split it held out (the figure README
# reports: an expected calibration error of at most 1%).
"$build/engine/cli/dlab" eval --model "$work/model.safetensors" --data "$work/ink" --dataset mnist \
  --split val --val-split 0.05 --split-seed 42 --threads "$threads" | sed -n '1,4p'

mkdir -p "$(dirname "$out")"
cp "$work/model.safetensors" "$out.tmp"
mv "$out.tmp" "$out"
end=$(date +%s)
echo "wrote $out in $((end - start)) s"
sha256sum "$out"
