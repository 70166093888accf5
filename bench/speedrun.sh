#!/usr/bin/env bash
# Time to 99% on MNIST (issue 15): `dlab train --recipe speedrun --seed S`
# for S = 1..5, each timed by /usr/bin/time from the process's start to its
# exit after the saved checkpoint (data loading and the test evaluation of
# every epoch included), then the same recipe in PyTorch
# (bench/speedrun_torch.py: same network, optimizer, schedule, label
# smoothing, batch size and epochs, 2 threads, timed the same way, `import
# torch` included), one seed after the other in the same run.
#
#   bench/speedrun.sh [BUILD_DIR]        (BUILD_DIR: default ./build)
#
# Needs BUILD_DIR/engine/cli/dlab, MNIST under $DLAB_DATA or ./data, and
# Debian's python3-torch (/usr/bin/python3) for the PyTorch columns.
# Prints the machine and its load average before and after, and a table:
# seed, wall and CPU seconds (user + system, all threads) and the last
# epoch's test accuracy of each, and the ratio of the wall times. The CPU
# time moves much less than the wall time when other programs share the
# cores. The target: every seed >= 99.0% within 10 s of wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in -h|--help) sed -n '2,18p' "$0"; exit 0 ;; esac
build=${1:-build}
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
python=/usr/bin/python3
[ -x "$dlab" ] || { echo "speedrun.sh: $dlab not found; build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "speedrun.sh: /usr/bin/time is needed (Debian's time package)" >&2; exit 1; }
torch=1
$python -c 'import torch' 2>/dev/null || { torch=0; echo "note: /usr/bin/python3 cannot import torch; PyTorch columns are left empty"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"
echo "load average before: $(load)"
echo "recipe: $("$dlab" recipes speedrun | tail -n 1 | sed 's/^ *//')"

# timed FILE CMD...: run CMD with its output in FILE.out and "wall user sys"
# in FILE.time.
timed() {
  local file=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$file.time" "$@" >"$file.out" 2>&1
}
wall() { awk '{ printf "%.2f", $1 }' "$1.time"; }
cpu() { awk '{ printf "%.2f", $2 + $3 }' "$1.time"; }

printf '\n%-5s %8s %8s %8s %8s %8s %9s %7s\n' seed "dlab s" "cpu s" "dlab acc" "torch s" "cpu s" "torch acc" ratio
fails=0
for seed in 1 2 3 4 5; do
  d="$tmp/dlab-$seed"
  timed "$d" "$dlab" train --recipe speedrun --seed "$seed" --data "$data" --out "$d.safetensors" ||
    { echo "speedrun.sh: dlab failed for seed $seed:" >&2; tail -n 5 "$d.out" >&2; exit 1; }
  [ -s "$d.safetensors" ] || { echo "speedrun.sh: seed $seed saved no checkpoint" >&2; exit 1; }
  acc=$(sed -n 's/^epoch 3\/3 .*test loss [0-9.]* acc \([0-9.]*\).*/\1/p' "$d.out")
  [ -n "$acc" ] || { echo "speedrun.sh: no third epoch in dlab's output for seed $seed" >&2; exit 1; }
  awk -v a="$acc" -v t="$(wall "$d")" 'BEGIN { exit !(a >= 0.99 && t <= 10) }' || fails=$((fails + 1))
  t_wall=- t_cpu=- t_acc=- ratio=-
  if [ "$torch" = 1 ]; then
    p="$tmp/torch-$seed"
    timed "$p" "$python" bench/speedrun_torch.py "$data" "$seed" "$p.pt" ||
      { echo "speedrun.sh: PyTorch failed for seed $seed:" >&2; tail -n 5 "$p.out" >&2; exit 1; }
    t_wall=$(wall "$p") t_cpu=$(cpu "$p")
    t_acc=$(sed -n 's/^accuracy \([0-9.]*\) .*/\1/p' "$p.out")
    ratio=$(awk -v a="$t_wall" -v b="$(wall "$d")" 'BEGIN { printf "%.1fx", a / b }')
  fi
  printf '%-5s %8s %8s %8s %8s %8s %9s %7s\n' "$seed" "$(wall "$d")" "$(cpu "$d")" "$acc" "$t_wall" "$t_cpu" "$t_acc" "$ratio"
done
echo
echo "load average after: $(load)"
echo "ratio: PyTorch's wall time over dlab's; s: wall seconds from start to the saved checkpoint"
if [ "$fails" = 0 ]; then echo "target met: every seed >= 99.0% test accuracy within 10 s"
else echo "target missed by $fails of 5 seeds (>= 99.0% within 10 s)"; fi
