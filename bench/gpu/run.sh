#!/usr/bin/env bash
# Digit Lab's CUDA backend against PyTorch eager on the same GPU, side by
# side in one run: seconds per training epoch of
#   lenet     batch 256, Adam 1e-3       (MNIST, or random images of its shape)
#   digitnet  batch 64,  Adam 1e-3       (the same)
#   cifarnet  batch 16 and 512, SGD 0.01 (50,000 random images of CIFAR-10's shape)
# with the training set held on the GPU for both, and dlab/torch ratios.
#
#   bench/gpu/run.sh [--epochs N] [--tf32 0|1] [--device cuda:N] [BUILD_DIR]
#
# BUILD_DIR (default ./build) must be a CUDA build (meson -Dcuda=enabled):
# it holds bench/bench_gpu. The PyTorch column needs a torch with CUDA
# (python3 from $PYTHON, default /usr/bin/python3). Each figure is the
# fastest of N timed epochs (default 3) after a warm-up epoch; TF32 is on for
# both by default (dlab's default; torch is told to match).
# Without a CUDA device it says so and exits 3.
set -euo pipefail
cd "$(dirname "$0")/../.."

epochs=3
tf32=1
device=cuda
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift ;;
    --tf32) tf32=$2; shift ;;
    --device) device=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) build=$1 ;;
  esac
  shift
done
bench="$build/bench/bench_gpu"
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
python=${PYTHON:-/usr/bin/python3}

[ -x "$dlab" ] || { echo "run.sh: $dlab not found; build first (meson setup $build -Dcuda=enabled && ninja -C $build)" >&2; exit 1; }
if ! why=$("$dlab" devices --check "$device" 2>&1); then
  echo "run.sh: no CUDA device: ${why#dlab devices: }" >&2
  exit 3
fi
[ -x "$bench" ] || { echo "run.sh: $bench not found: $build is not a CUDA build (meson configure $build -Dcuda=enabled)" >&2; exit 1; }
torch=1
if ! torch_why=$("$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "torch " + torch.__version__ + " sees no CUDA device")' 2>&1); then
  torch=0
  echo "note: $python: ${torch_why##*$'\n'}; the PyTorch column is left empty"
fi

# value KEY LINE: the value of key=value in a result line
value() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; exit }'; }

echo "== Digit Lab (CUDA) vs PyTorch eager, $(date -u +%Y-%m-%dT%H:%MZ)"
"$dlab" devices | grep -E "^($device |cuda:0 )|^CUDA" | head -2 || true
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
[ $torch = 1 ] && "$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'
echo "load before: $(uptime | sed 's/.*load average/load average/')"
echo "fastest of $epochs epochs after a warm-up; TF32 $([ "$tf32" = 1 ] && echo on || echo off) for both; data on the GPU"
echo

# name | batch | optimizer | lr | momentum
runs=(
  "lenet 256 adam 0.001 0"
  "digitnet 64 adam 0.001 0"
  "cifarnet 16 sgd 0.01 0"
  "cifarnet 512 sgd 0.01 0"
)
printf '| %-8s | %5s | %-4s | %-6s | %6s | %11s | %12s | %10s | %13s |\n' network batch opt data steps \
  "dlab s/epoch" "torch s/epoch" "torch/dlab" "dlab images/s"
echo "|---|---|---|---|---|---|---|---|---|"
status=0
for r in "${runs[@]}"; do
  read -r name batch optim lr momentum <<<"$r"
  args=(--batch "$batch" --optim "$optim" --lr "$lr" --momentum "$momentum" --epochs "$epochs" --tf32 "$tf32"
        --device "$device" --data "$data")
  if ! dl=$("$bench" "$name" "${args[@]}"); then status=1; continue; fi
  tt=""
  if [ $torch = 1 ]; then
    tt=$("$python" bench/gpu/torch_gpu.py "$name" "${args[@]}") || { status=1; tt=""; }
  fi
  awk -v name="$name" -v batch="$batch" -v opt="$optim" -v src="$(value data "$dl")" -v steps="$(value steps "$dl")" \
    -v d="$(value epoch_s "$dl")" -v t="$(value epoch_s "$tt")" 'BEGIN {
      tcol = t == "" ? "-" : sprintf("%.4f", t)
      ratio = t == "" ? "-" : sprintf("%.2fx", t / d)
      n = name == "cifarnet" ? 50000 : 60000
      printf "| %-8s | %5d | %-4s | %-6s | %6d | %12.4f | %13s | %10s | %13.0f |\n",
        name, batch, opt, src, steps, d, tcol, ratio, n / d
    }'
done
echo
echo "targets (issue 7): lenet at batch 256 under 0.1 s per MNIST epoch; torch/dlab at least 3x for every row"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
exit $status
