#!/usr/bin/env bash
# Runs one fuzz target on a fresh seed corpus (make_seeds.py).
#   run_fuzz.sh TARGET_EXE NAME fuzz|replay
# fuzz:   libFuzzer for $DLAB_FUZZ_SECONDS seconds (default 60), leaks and
#         sanitizer reports fatal; a crashing input is kept in
#         $DLAB_FUZZ_ARTIFACTS (default the build's fuzz-artifacts/).
# replay: each seed once (builds without libFuzzer).
set -euo pipefail
exe=$1 name=$2 mode=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/make_seeds.py" "$work/seeds"
corpus=$work/seeds/$name
if [ "$mode" = replay ]; then
  exec "$exe" "$corpus"/*
fi
artifacts=${DLAB_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# libFuzzer's own failure code is 77, which meson reads as "skipped".
exec "$exe" -max_total_time="${DLAB_FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus"
