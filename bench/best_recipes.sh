#!/usr/bin/env bash
# The record recipes (issue 16): `dlab train --recipe best-mnist` and
# `--recipe best-fashion`, each for the given seeds, one run after the other,
# each timed by /usr/bin/time from the process's start to its exit after the
# saved checkpoint (data loading and the test evaluation of every epoch
# included).
#
#   bench/best_recipes.sh [BUILD_DIR] [SEEDS] [RECIPES]
#
# BUILD_DIR: default ./build. SEEDS: comma-separated, default 1,2,3.
# RECIPES: comma-separated, default best-mnist,best-fashion. KEEP=DIR keeps
# every run's output, metrics and checkpoint in DIR (default: thrown away).
# Needs BUILD_DIR/engine/cli/dlab and MNIST and Fashion-MNIST under
# $DLAB_DATA or ./data. Every run uses --threads 2 (the recipes' machine has
# 2 cores; more threads would make the times incomparable).
#
# Prints the machine, the date and the load average, then per recipe and
# seed: the parameters, the wall and CPU seconds (user + system, all
# threads), the load average (1 minute) at the start and the end of the run,
# and the last epoch's test accuracy; then per recipe the medians and
# whether the targets are met: best-mnist >= 99.7% median test accuracy,
# best-fashion >= 93.5% with at most 1,000,000 parameters, each within
# 30 minutes (1800 s) of wall time. The test set chooses nothing here: it
# is evaluated after the fixed number of epochs each recipe trains.
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in -h|--help) sed -n '2,25p' "$0"; exit 0 ;; esac
build=${1:-build}
seeds=${2:-1,2,3}
recipes=${3:-best-mnist,best-fashion}
dlab="$build/engine/cli/dlab"
data=${DLAB_DATA:-$PWD/data}
[ -x "$dlab" ] || { echo "best_recipes.sh: $dlab not found; build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "best_recipes.sh: /usr/bin/time is needed (Debian's time package)" >&2; exit 1; }
case $seeds in *[!0-9,]*|"") echo "best_recipes.sh: SEEDS must be numbers separated by commas, not '$seeds'" >&2; exit 2 ;; esac
if [ -n "${KEEP:-}" ]; then out=$KEEP; mkdir -p "$out"
else out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
load1() { cut -d' ' -f1 /proc/loadavg; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before: $(load)"

# target RECIPE: "accuracy seconds params" (params 0: no limit)
target() {
  case $1 in
    best-mnist) echo "0.997 1800 0" ;;
    best-fashion) echo "0.935 1800 1000000" ;;
    *) echo "0 1800 0" ;;
  esac
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

missed=0
for recipe in ${recipes//,/ }; do
  "$dlab" recipes "$recipe" >"$out/$recipe.recipe" ||
    { echo "best_recipes.sh: no recipe $recipe in this build" >&2; exit 1; }
  epochs=$(sed -n 's/.* --epochs \([0-9]*\).*/\1/p' "$out/$recipe.recipe" | tail -n 1)
  echo
  echo "recipe: $(tail -n 1 "$out/$recipe.recipe" | sed 's/^ *//')"
  printf '%-5s %9s %8s %8s %6s %6s %9s\n' seed params "wall s" "cpu s" "load<" "load>" "test acc"
  : >"$out/$recipe.results"
  for seed in ${seeds//,/ }; do
    run="$out/$recipe-$seed"
    before=$(load1)
    /usr/bin/time -f '%e %U %S' -o "$run.time" "$dlab" train --recipe "$recipe" --seed "$seed" --threads 2 \
      --data "$data" --out "$run.safetensors" --log "$run-log" >"$run.out" 2>&1 ||
      { echo "best_recipes.sh: $recipe failed for seed $seed:" >&2; tail -n 5 "$run.out" >&2; exit 1; }
    after=$(load1)
    params=$(sed -n 's/^training .*(\([0-9]*\) parameters).*/\1/p' "$run.out")
    acc=$(sed -n "s/^epoch $epochs\/$epochs .*test loss [0-9.]* acc \([0-9.]*\).*/\1/p" "$run.out")
    [ -n "$acc" ] && [ -n "$params" ] ||
      { echo "best_recipes.sh: no epoch $epochs or parameter count in the output for seed $seed" >&2; exit 1; }
    read -r wall user sys <"$run.time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
    printf '%-5s %9s %8.1f %8s %6s %6s %9s\n' "$seed" "$params" "$wall" "$cpu" "$before" "$after" "$acc"
    echo "$acc $wall $params" >>"$out/$recipe.results"
  done
  read -r want_acc want_s max_params <<<"$(target "$recipe")"
  med_acc=$(cut -d' ' -f1 "$out/$recipe.results" | median)
  med_s=$(cut -d' ' -f2 "$out/$recipe.results" | median)
  params=$(cut -d' ' -f3 "$out/$recipe.results" | sort -g | tail -n 1)
  printf 'median %9s %8.1f %8s %6s %6s %9s\n' "" "$med_s" "" "" "" "$med_acc"
  if awk -v a="$med_acc" -v s="$med_s" -v p="$params" -v wa="$want_acc" -v ws="$want_s" -v mp="$max_params" \
    'BEGIN { exit !(a >= wa && s <= ws && (mp == 0 || p <= mp)) }'; then
    echo "target met: median test accuracy >= $want_acc within $want_s s$([ "$max_params" = 0 ] || echo ", <= $max_params parameters")"
  else
    echo "target missed: median test accuracy >= $want_acc within $want_s s$([ "$max_params" = 0 ] || echo ", <= $max_params parameters")"
    missed=$((missed + 1))
  fi
done
echo
echo "load average after: $(load)"
echo "wall s: from the process's start to the saved checkpoint; load< and load>: 1-minute load average at the run's start and end"
exit $((missed > 0))
