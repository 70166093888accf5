# How the two cores hand data to each other right now, for bench/run.sh and
# bench/profile.sh (sourced): cores_state [BENCH_CORES] prints one line from
# the build's bench/bench_cores, or nothing when it is missing or the
# machine has one core.
#
# A two-thread step hands data between cores at every layer, and on a
# virtual machine the host decides where the two vCPUs run: on the Zen 5
# guest of sessions 8-14 the SGD update over halves the other core wrote
# took 44-73 us in some minutes and 21-23 in others (19-22 over a
# thread's own). A two-thread figure is read with this line beside it.
cores_state() {
  local tool=${1:-} out
  [ -n "$tool" ] && [ -x "$tool" ] || return 0
  out=$("$tool" --reps 500 2>/dev/null) || return 0
  awk '
    /^bandwidth/ { for (i = 1; i <= NF; i++) if ($i ~ /^gb_s=/) bw[++n] = substr($i, 6) }
    /^sgd/ { for (i = 1; i <= NF; i++) { if ($i ~ /^halves=/) h = substr($i, 8); if ($i ~ /^us=/) us[h] = substr($i, 4) } }
    END {
      printf "cores (bench_cores): SGD update of mlp'"'"'s parameters %s us on 1 thread, %s on 2 over halves each wrote, %s over the other core'"'"'s; 2 MB passes %s GB/s on 1 thread, %s on 2\n",
        us["one"], us["own"], us["other"], bw[1], bw[2]
    }' <<<"$out"
}
