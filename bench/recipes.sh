#!/usr/bin/env bash
# The tutorials' recipes, trained with `dlab train --recipe` and with the
# tutorial's own PyTorch class and loop (bench/recipes_torch.py), one after the
# other on this machine; printed as README's per-tutorial table rows.
#
#   bench/recipes.sh [BUILD_DIR] [--no-torch] [RECIPE...]
#
# Runs the recipes whose data this machine has: mlp-mnist, lenet-fashion,
# lenet3x3-fashion (Fashion-MNIST) and digitnet-png (MNIST exported as a
# folder of PNGs with PaddleOCR label files, as that tutorial reads them).
# CIFAR-10 and EMNIST cannot be downloaded here; their recipes are tested on
# small files (tests/cli/test_recipes.sh). Needs ./data (tools/fetch-data.sh)
# and, for the PyTorch column, Debian's python3-torch and python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
torch=1
names=()
for arg in "$@"; do
  case $arg in
    --no-torch) torch=0 ;;
    -*) echo "bench/recipes.sh: unknown option $arg" >&2; exit 2 ;;
    *) if [ -d "$arg" ] && [ ${#names[@]} -eq 0 ] && [ "$build" = build ]; then build=$arg; else names+=("$arg"); fi ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=(mlp-mnist lenet-fashion lenet3x3-fashion digitnet-png)
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
seed=${SEED:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| recipe | the tutorial reports | PyTorch here (test acc.) | Digit Lab (test acc. ± s.e.) | PyTorch s | dlab s |"
echo "|---|---|---|---|---|---|"
for name in "${names[@]}"; do
  extra=()
  if [ "$name" = digitnet-png ]; then
    [ -f "$out/png/train.txt" ] || "$dlab" data export --data "$data" --dataset mnist --layout labels \
      --out "$out/png" >/dev/null
    extra=(--dataset "folder:$out/png")
  fi
  start=$(date +%s.%N)
  "$dlab" train --recipe "$name" --data "$data" "${extra[@]}" --seed "$seed" --quiet \
    --out "$out/$name.safetensors" >"$out/$name.log"
  dlab_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  # The checkpoint the recipe keeps: the best validation loss where it has one.
  kept="$out/$name.safetensors"
  [ -f "$out/$name.best.safetensors" ] && kept="$out/$name.best.safetensors"
  dlab_acc=$("$dlab" eval --data "$data" "${extra[@]}" --model "$kept" | awk '/^accuracy/ { print $2 " ± " $4 }')
  reported=$("$dlab" recipes "$name" | sed -n 's/^  the tutorial reports: //p')
  torch_acc="-" torch_s="-"
  if [ $torch = 1 ]; then
    read -r _ _ torch_acc _ torch_s < <(/usr/bin/python3 bench/recipes_torch.py "$name" "$data" "$seed")
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "${reported:--}" "$torch_acc" "$dlab_acc" "$torch_s" "$dlab_s"
done
echo "command: bench/recipes.sh $build (seed $seed); dlab s: the whole dlab train run, data loading included;"
echo "PyTorch s: its training loop only, data preloaded as tensors, $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo '-') on ${TORCH_THREADS:-2} threads"
