#!/usr/bin/env bash
# The data pipeline's two long acceptance checks on the full real MNIST
# (minutes, so not part of `meson test`; the test png-roundtrip of suite data
# runs check 1 on a subset in seconds):
#  1. a PNG folder exported from MNIST and trained on gives the same test
#     accuracy as training on the IDX files with the same seed;
#  2. digitnet, 10 epochs, augmented with rotation 5 and crop 28 padding 2,
#     with a 0.1 validation split, reaches >= 98.8% on the MNIST test set.
#   tests/data/acceptance_mnist.sh [BUILD_DIR] [png|augment|all]
# Needs MNIST in ./data (tools/fetch-data.sh). Prints the figures and ends
# with PASS or FAIL per check.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
which=${2:-all}
dlab=$build/engine/cli/dlab
data=${DLAB_DATA:-$PWD/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
# Same seed and thread count: the same numbers on the CPU.
common=(--model digitnet --optimizer adam --lr 1e-3 --batch-size 64 --seed 1 --threads 2)

if [ "$which" = png ] || [ "$which" = all ]; then
  png_epochs=${PNG_EPOCHS:-2}
  "$dlab" data export --data "$data" --out "$tmp/mnist-png" || exit 1
  "$dlab" train --data "$data" "${common[@]}" --epochs "$png_epochs" --out "$tmp/idx.safetensors" --quiet || exit 1
  # The folder has no published statistics: give MNIST's, as the IDX run uses.
  "$dlab" train --dataset "folder:$tmp/mnist-png" --transform normalize:0.1307:0.3081 "${common[@]}" \
    --epochs "$png_epochs" --out "$tmp/png.safetensors" --quiet || exit 1
  idx_eval=$("$dlab" eval --data "$data" --model "$tmp/idx.safetensors" --threads 2 | head -2 | tr '\n' ' ')
  png_eval=$("$dlab" eval --model "$tmp/png.safetensors" --threads 2 | head -2 | tr '\n' ' ')
  echo "IDX files:  $idx_eval"
  echo "PNG folder: $png_eval"
  if [ "$idx_eval" = "$png_eval" ]; then echo "PASS png-folder equals idx ($png_epochs epochs of digitnet)"
  else echo "FAIL png-folder differs from idx"; status=1; fi
fi

if [ "$which" = augment ] || [ "$which" = all ]; then
  "$dlab" train --data "$data" "${common[@]}" --epochs 10 --transform rotate:5,crop:28:2 \
    --val-split 0.1 --split-seed 42 --save-best val_acc --out "$tmp/aug.safetensors" --log "$tmp/log" || exit 1
  last=$("$dlab" eval --data "$data" --model "$tmp/aug.safetensors" --threads 2 | awk '/^accuracy/ {print $2}')
  best=$("$dlab" eval --data "$data" --model "$tmp/aug.best.safetensors" --threads 2 | awk '/^accuracy/ {print $2}')
  echo "digitnet, 10 epochs, rotate:5,crop:28:2, val-split 0.1: test accuracy $last (last epoch), $best (best on validation)"
  if awk -v a="$last" 'BEGIN { exit !(a >= 0.988) }'; then echo "PASS augmented digitnet >= 0.988"
  else echo "FAIL augmented digitnet $last < 0.988"; status=1; fi
fi
exit $status
