#!/usr/bin/env bash
# The tutorials' recipes, trained with dlab and with PyTorch one after the
# other on this machine, printed as the README's markdown table.
#
#   bench/recipes.sh [BUILD_DIR] [--no-torch]
#
# Needs the MNIST and Fashion-MNIST files under ./data (tools/fetch-data.sh)
# and, for the PyTorch column, Debian's python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
torch=1
[ "${2:-}" = "--no-torch" ] && torch=0
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
seed=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name | dataset | model | optimizer | lr | momentum | batch | epochs
recipes=(
  "lenet-fashion fashion-mnist lenet adam 1e-3 0 256 10"
  "digitnet-mnist mnist digitnet adam 1e-3 0 64 10"
  "emnistnet-mnist mnist emnistnet sgd 1e-3 0.9 4 2"
  "mlp-mnist mnist mlp sgd 0.01 0.5 64 10"
)

echo "| recipe | network | optimizer | batch | epochs | PyTorch accuracy | dlab accuracy | PyTorch s | dlab s |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${recipes[@]}"; do
  read -r name dataset model optim lr momentum batch epochs <<<"$r"
  start=$(date +%s.%N)
  "$dlab" train --data "$data" --dataset "$dataset" --model "$model" --optimizer "$optim" --lr "$lr" \
    --momentum "$momentum" --batch-size "$batch" --epochs "$epochs" --seed "$seed" \
    --out "$out/$name.safetensors" >"$out/$name.log"
  dlab_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  dlab_acc=$("$dlab" eval --data "$data" --model "$out/$name.safetensors" | awk '/^accuracy/ {print $2}')
  torch_acc="-" torch_s="-"
  if [ $torch = 1 ]; then
    read -r _ _ torch_acc _ torch_s < <(/usr/bin/python3 bench/recipes_torch.py "$name" "$data" "$seed")
  fi
  opt_text="$optim $lr"
  [ "$optim" = sgd ] && opt_text="$opt_text m $momentum"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.1f |\n' "$name" "$model" "$opt_text" "$batch" \
    "$epochs" "$torch_acc" "$dlab_acc" "$torch_s" "$dlab_s"
done
