#!/usr/bin/env bash
# Where each zoo network's training step goes (issue 15): bench_train
# --profile for the networks and settings of bench/run.sh, at one thread
# and at two, a fraction of an epoch: per layer group (a fused conv +
# activation + pool counts as one) its forward and backward seconds, its
# share of the step and the GFLOP/s of its convolution or linear layer,
# then the batch, the loss and the optimizer, against one core's FP32 peak
# or both cores' (bench/peak.sh, as bench/run.sh works it out). Then a reference
# for this share and for bench/run.sh's (2 threads, both cores' peak): the
# step's matrix products alone, run by OpenBLAS at 1 and 2 threads
# (bench_products: no im2col, pooling, activation, batch or optimizer),
# the share of the peak a step of nothing but these products would reach
# with the library; and the same on the engine's own dlab_gemm, where the
# processor runs it (AVX-512), for the products it can take. A timing:
# read it with the load printed at the top.
#
#   bench/profile.sh [BUILD_DIR] [NETWORK...]   (default ./build, all five)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ $# -gt 0 ] && shift
bench=$build/bench/bench_train
products=$build/bench/bench_products
data=${DLAB_DATA:-$PWD/data}
for b in "$bench" "$products"; do [ -x "$b" ] || { echo "profile.sh: $b not found; build first" >&2; exit 1; }; done
. "$(dirname "$0")/peak.sh"
. "$(dirname "$0")/cores.sh"
peak_gflops "$build/bench/bench_peak"
peak=$PEAK_CORE
peak_all=$PEAK
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')," \
  "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
cores_state "$build/bench/bench_cores"
# name | batch | optimizer | lr | momentum | fraction (as bench/run.sh --quick)
networks=(
  "mlp 64 sgd 0.01 0.9 0.1"
  "lenet 256 adam 0.001 0 0.1"
  "digitnet 64 adam 0.001 0 0.1"
  "emnistnet 4 sgd 0.001 0.9 0.05"
  "cifarnet 16 sgd 0.01 0 0.02"
)
for n in "${networks[@]}"; do
  read -r name batch optim lr momentum fraction <<<"$n"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  for threads in 1 2; do
    echo
    out=$("$bench" "$name" --batch "$batch" --optim "$optim" --lr "$lr" --momentum "$momentum" \
      --threads "$threads" --fraction "$fraction" --data "$data" --profile)
    gflops=$(head -1 <<<"$out" | sed 's/.* gflops=\([0-9.]*\).*/\1/')
    if [ "$threads" = 1 ]; then
      of_peak=$peak whose="one core's" label="1 thread"
    else
      of_peak=$peak_all whose="both cores'" label="2 threads"
    fi
    echo "## $name, batch $batch, $optim, $label: $(awk -v g="$gflops" -v p="$of_peak" -v whose="$whose" \
      'BEGIN {printf "%.2f GFLOP/s, %.0f%% of %s peak", g, 100 * g / p, whose}')"
    tail -n +2 <<<"$out" | sed 's/^# //'
  done
  p1=$("$products" "$name" --batch "$batch" --threads 1 | tail -1 | sed 's/.* gflops=\([0-9.]*\).*/\1/')
  p2=$("$products" "$name" --batch "$batch" --threads 2 | tail -1 | sed 's/.* gflops=\([0-9.]*\).*/\1/')
  awk -v p1="$p1" -v p2="$p2" -v pc="$peak" -v pa="$peak_all" 'BEGIN {
    printf "its products alone in OpenBLAS: %.1f GFLOP/s at 1 thread (%.0f%% of a core), %.1f at 2 (%.0f%% of both cores)\n",
      p1, 100 * p1 / pc, p2, 100 * p2 / pa }'
  if d1=$("$products" "$name" --batch "$batch" --threads 1 --gemm dlab 2>/dev/null); then
    d2=$("$products" "$name" --batch "$batch" --threads 2 --gemm dlab)
    awk -v p1="$(tail -1 <<<"$d1" | sed 's/.* gflops=\([0-9.]*\).*/\1/')" \
      -v p2="$(tail -1 <<<"$d2" | sed 's/.* gflops=\([0-9.]*\).*/\1/')" -v pc="$peak" -v pa="$peak_all" 'BEGIN {
      printf "on dlab_gemm where it can (the rest OpenBLAS): %.1f GFLOP/s at 1 thread (%.0f%% of a core), %.1f at 2 (%.0f%% of both cores)\n",
        p1, 100 * p1 / pc, p2, 100 * p2 / pa }'
  fi
done
