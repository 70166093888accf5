# The processor's FP32 peak, for bench/run.sh and bench/profile.sh (sourced):
# peak_gflops prints how it was worked out from lscpu and sets PEAK (GFLOP/s
# of all cores) and PEAK_CORE (of one core).
peak_gflops() {
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
  echo "FP32 peak: $cores cores x $ghz GHz x $per_cycle FLOP/cycle = $PEAK GFLOP/s"
  echo "  GHz from $how; $isa x 2 (multiply-add) x $fma_pipes FMA pipes per core"
  echo "  (CPU family $family, vendor $vendor)"
}
