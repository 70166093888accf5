#!/usr/bin/env bash
# Digit Lab against PyTorch on this machine, one network after the other in
# the same run: one training epoch of each tutorial network with its batch
# size and optimizer, single-image inference latency, and the peak memory of
# a full MNIST training run.
#
#   bench/run.sh [--quick] [--only NET[,NET...]] [--repeat N] [BUILD_DIR]
#                                        (BUILD_DIR: default ./build)
#
# Needs BUILD_DIR/bench/bench_train and BUILD_DIR/engine/cli/dlab (meson
# builds both), MNIST under $DLAB_DATA or ./data (tools/fetch-data.sh;
# random images of MNIST's shape otherwise) and, for the PyTorch column,
# Debian's python3-torch (/usr/bin/python3). --quick runs a tenth of each
# epoch (a fiftieth for cifarnet) and scales the time up, and trains the
# memory run on 6,000 images: for checks during development, not for
# figures. --only times the named networks alone (to repeat one that
# another program disturbed; ratios still come from one run each).
# --repeat N times every epoch N times, both sides alike, and keeps the
# fastest of each (and its CPU time): on a shared virtual machine one
# epoch can run 30% slower than the next while the host is busy, and the
# fastest is the one least disturbed. The default, 1, is one epoch each.
#
# Columns: seconds per epoch with 1 and 2 threads; dlab/PyTorch, each at
# its best thread count; the GFLOP/s that dlab's best time achieves (the
# convolutions' and linears' multiply-adds of forward, weight gradient and
# input gradient, as bench_train counts them) and that as a share of the
# processor's FP32 peak, measured below by bench_peak (bench/peak.sh). A
# second table gives the process CPU time per epoch (all threads), which
# moves much less than the wall time when other programs share the cores.
# PyTorch's thread count is set for torch and for the OpenBLAS it
# multiplies with (see torch_bench.py). Before the tables and after the
# run, a line from bench_cores (bench/cores.sh) says how costly data the
# other core wrote was then: it decides much of the two-thread column.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
build=build
only=
repeat=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only)
      [ $# -ge 2 ] || { echo "run.sh: --only needs a list of networks" >&2; exit 2; }
      only=",$2,"
      shift
      ;;
    --repeat)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --repeat needs a count >= 1" >&2; exit 2; }
      repeat=$2
      shift
      ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) build=$1 ;;
  esac
  shift
done
bench="$build/bench/bench_train"
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
python=/usr/bin/python3
for f in "$bench" "$dlab"; do
  [ -x "$f" ] || { echo "run.sh: $f not found; build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
done
torch=1
$python -c 'import torch' 2>/dev/null || { torch=0; echo "note: /usr/bin/python3 cannot import torch; PyTorch columns are left empty"; }

# value KEY LINE: the value of key=value in a result line
value() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; exit }'; }
# faster NEW OLD: NEW seconds beat OLD (or there is no OLD yet)
faster() { [ -z "$2" ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# ---- the processor's FP32 peak (bench/peak.sh: peak_gflops sets PEAK) ----
. "$(dirname "$0")/peak.sh"
# ---- how the cores hand data to each other, before and after (bench/cores.sh) ----
. "$(dirname "$0")/cores.sh"

echo "== Digit Lab vs PyTorch on $(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2}'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
peak_gflops "$build/bench/bench_peak"
cores_state "$build/bench/bench_cores"
# OpenBLAS picks its kernels when it loads, from the processor or from
# OPENBLAS_CORETYPE; both sides here load the same library with the same
# environment. (On a Zen 5 guest whose environment set Haswell, every
# matrix product ran on AVX2 kernels at half the AVX-512 speed.)
blas=$(value blas "$("$bench" mlp --fraction 0.001 --threads 1 --data "$data")")
echo "OpenBLAS kernels: ${blas:-?} (OPENBLAS_CORETYPE ${OPENBLAS_CORETYPE:-not set: OpenBLAS chose})"
[ $quick = 1 ] && echo "QUICK MODE: a fraction of each epoch, scaled up; not for figures"
[ "$repeat" -gt 1 ] && echo "each epoch timed $repeat times, dlab's and PyTorch's alike; the fastest of each is shown"
echo

# name | batch | optimizer | lr | momentum | fraction in --quick
networks=(
  "mlp 64 sgd 0.01 0.9 0.1"
  "lenet 256 adam 0.001 0 0.1"
  "digitnet 64 adam 0.001 0 0.1"
  "emnistnet 4 sgd 0.001 0.9 0.1"
  "cifarnet 16 sgd 0.01 0 0.02"
)

printf '| %-9s | %5s | %-4s | %9s | %9s | %10s | %10s | %11s | %7s | %6s | %s |\n' network batch opt \
  "dlab 1T s" "dlab 2T s" "torch 1T s" "torch 2T s" "dlab/torch" "GFLOP/s" "% peak" "2T < 1T"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
cpu_rows=()
for n in "${networks[@]}"; do
  read -r name batch optim lr momentum quick_fraction <<<"$n"
  [ -z "$only" ] || [[ $only == *",$name,"* ]] || continue
  fraction=1
  [ $quick = 1 ] && fraction=$quick_fraction
  declare -A dl=() tt=() dc=() tc=()
  gflop=0
  tt[1]="" tt[2]="" tc[1]="-" tc[2]="-"
  for ((r = 0; r < repeat; r++)); do
    for t in 1 2; do
      line=$("$bench" "$name" --batch "$batch" --optim "$optim" --lr "$lr" --momentum "$momentum" \
        --threads "$t" --fraction "$fraction" --data "$data")
      if faster "$(value epoch_s "$line")" "${dl[$t]:-}"; then
        dl[$t]=$(value epoch_s "$line")
        dc[$t]=$(value cpu_epoch_s "$line")
      fi
      gflop=$(value gflop "$line")
    done
    if [ $torch = 1 ]; then
      while read -r line; do
        t=$(value threads "$line")
        if faster "$(value epoch_s "$line")" "${tt[$t]}"; then
          tt[$t]=$(value epoch_s "$line")
          tc[$t]=$(value cpu_epoch_s "$line")
        fi
      done < <($python bench/torch_bench.py "$name" --batch "$batch" --optim "$optim" --lr "$lr" \
        --momentum "$momentum" --threads 1,2 --fraction "$fraction" --data "$data")
    fi
  done
  cpu_rows+=("$(printf '| %-9s | %9s | %9s | %10s | %10s |' "$name" "${dc[1]}" "${dc[2]}" "${tc[1]}" "${tc[2]}")")
  awk -v name="$name" -v batch="$batch" -v opt="$optim" -v d1="${dl[1]}" -v d2="${dl[2]}" \
    -v t1="${tt[1]}" -v t2="${tt[2]}" -v gflop="$gflop" -v peak="$PEAK" 'BEGIN {
      d = d1 < d2 ? d1 : d2
      ratio = "-"; tcol1 = "-"; tcol2 = "-"
      if (t1 != "" && t2 != "") {
        t = t1 < t2 ? t1 : t2
        ratio = sprintf("%.2f", d / t); tcol1 = sprintf("%.2f", t1); tcol2 = sprintf("%.2f", t2)
      }
      g = gflop / d
      faster = batch >= 64 ? (d2 < d1 ? "yes" : "NO") : (d2 < d1 ? "yes" : "no (batch < 64)")
      printf "| %-9s | %5d | %-4s | %9.2f | %9.2f | %10s | %10s | %11s | %7.1f | %5.1f%% | %s |\n",
        name, batch, opt, d1, d2, tcol1, tcol2, ratio, g, 100 * g / peak, faster
    }'
done
echo
# Process CPU time (all threads) per epoch: where other programs share the
# cores, wall times swing with their load, CPU times much less; a second
# thread that finds no free core shows as wall time, not as CPU time.
echo "CPU seconds per epoch (process CPU time, all threads):"
printf '| %-9s | %9s | %9s | %10s | %10s |\n' network "dlab 1T" "dlab 2T" "torch 1T" "torch 2T"
echo "|---|---|---|---|---|"
printf '%s\n' "${cpu_rows[@]}"
echo

# ---- single-image inference ----
line=$("$bench" lenet --latency 5000 --threads 1)
printf 'lenet single-image inference (forward + softmax, 1 thread, 5000 runs): dlab median %s us, p99 %s us' \
  "$(value median_us "$line")" "$(value p99_us "$line")"
if [ $torch = 1 ]; then
  line=$($python bench/torch_bench.py lenet --latency 2000 --threads 1)
  printf '; PyTorch median %s us, p99 %s us' "$(value median_us "$line")" "$(value p99_us "$line")"
fi
echo

# ---- peak memory of a full MNIST training run ----
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
limit=()
[ $quick = 1 ] && limit=(--limit 6000)
if /usr/bin/time -v true >/dev/null 2>&1; then
  rss_kb=$(/usr/bin/time -v "$dlab" train --dataset mnist --model lenet --batch-size 256 --optimizer adam \
    --epochs 1 --data "$data" --out "$out/lenet.safetensors" --quiet "${limit[@]}" 2>&1 >/dev/null |
    awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
  what="one epoch and the test evaluation"
  [ $quick = 1 ] && what="6,000 training images (--quick) and the test evaluation"
  printf 'peak resident memory of dlab train --dataset mnist --model lenet (%s): %.1f MB\n' "$what" \
    "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')"
else
  echo "peak resident memory: /usr/bin/time not found"
fi
echo "load after: $(uptime | sed 's/.*load average/load average/')"
cores_state "$build/bench/bench_cores"
