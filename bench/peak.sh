# The processor's FP32 peak, for bench/run.sh and bench/profile.sh (sourced):
# peak_gflops [BENCH_PEAK] prints how it was found and sets PEAK (GFLOP/s of
# all cores) and PEAK_CORE (of one core).
#
# Measured when BENCH_PEAK (the build's bench/bench_peak) runs: multiply-add
# throughput on the widest vectors the engine's kernels use, one core alone
# and all cores together. Otherwise worked out from lscpu, which in a virtual
# machine knows only the base clock: on the Zen 5 guest of 2026-12-07 that
# gave 134 GFLOP/s a core against 230 measured, and a share of a peak the
# machine exceeds means nothing. Both are printed.
peak_gflops() {
  local measured=${1:-}
  nominal_peak
  if [ -n "$measured" ] && [ -x "$measured" ]; then
    measured_peak "$measured" || echo "  ($measured gave no figure: the shares below are of the lscpu peak)"
  else
    echo "  (no bench_peak to measure with: the shares below are of this figure)"
  fi
}

nominal_peak() {
  local cores ghz flags family lanes fma_pipes how
  cores=$(lscpu | awk -F: '/^Core\(s\) per socket/ {c=$2} /^Socket\(s\)/ {s=$2} END {print c * s}')
  ghz=$(lscpu | awk -F: '/^CPU max MHz/ {gsub(/ /, "", $2); printf "%.2f", $2 / 1000; exit}')
  how="lscpu 'CPU max MHz'"
  if [ -z "$ghz" ]; then
    # No frequency in lscpu (virtual machines): BogoMIPS is twice the TSC
    # clock, which is the base clock; boost can be higher.
    ghz=$(lscpu | awk -F: '/^BogoMIPS/ {printf "%.2f", $2 / 2000; exit}')
    how="BogoMIPS / 2 (lscpu shows no MHz: base clock)"
  fi
  flags=$(lscpu | awk -F: '/^Flags/ {print $2}')
  family=$(lscpu | awk -F: '/^CPU family/ {gsub(/ /, "", $2); print $2}')
  vendor=$(lscpu | awk -F: '/^Vendor ID/ {gsub(/ /, "", $2); print $2}')
  fma_pipes=2 # two FMA units per core on every x86 core with AVX2 since Haswell and Zen
  if grep -qw avx512f <<<"$flags"; then
    lanes=16
    isa="AVX-512 (16 FP32 lanes)"
    if [ "$vendor" = AuthenticAMD ] && [ "$family" -lt 26 ]; then
      lanes=8 # Zen 4 runs 512-bit operations as two 256-bit halves
      isa="AVX-512 on Zen 4 (two 256-bit halves: 8 FP32 lanes per cycle and pipe)"
    fi
  elif grep -qw avx2 <<<"$flags" && grep -qw fma <<<"$flags"; then
    lanes=8
    isa="AVX2 + FMA (8 FP32 lanes)"
  else
    lanes=4
    fma_pipes=1
    isa="SSE (4 FP32 lanes, no FMA: counted as one add and one multiply)"
  fi
  local per_cycle=$((lanes * 2 * fma_pipes))
  PEAK=$(awk -v c="$cores" -v g="$ghz" -v f="$per_cycle" 'BEGIN { printf "%.1f", c * g * f }')
  PEAK_CORE=$(awk -v g="$ghz" -v f="$per_cycle" 'BEGIN { printf "%.1f", g * f }')
  echo "FP32 peak from lscpu: $cores cores x $ghz GHz x $per_cycle FLOP/cycle = $PEAK GFLOP/s"
  echo "  GHz from $how; $isa x 2 (multiply-add) x $fma_pipes FMA pipes per core"
  echo "  (CPU family $family, vendor $vendor)"
}

# Measured with bench_peak, replacing the lscpu figures when it runs.
measured_peak() {
  local line core all
  line=$("$1" 2>/dev/null) || return 1
  core=$(tr ' ' '\n' <<<"$line" | awk -F= '$1 == "core_gflops" { print $2 }')
  all=$(tr ' ' '\n' <<<"$line" | awk -F= '$1 == "all_gflops" { print $2 }')
  [ -n "$core" ] && [ -n "$all" ] || return 1
  PEAK=$all
  PEAK_CORE=$core
  echo "FP32 peak measured ($1: $line):"
  echo "  one core $PEAK_CORE GFLOP/s, all cores together $PEAK GFLOP/s: the shares below are of these"
}
