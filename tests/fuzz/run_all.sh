#!/usr/bin/env bash
# CI's fuzz job: builds the engine with clang (libFuzzer, ASan, UBSan) in its
# own build directory and fuzzes every parser for $DLAB_FUZZ_SECONDS seconds
# (60 by default), two targets at a time. Crashing inputs are kept in
# BUILD/fuzz-artifacts/. The last line is meson's summary.
#   tests/fuzz/run_all.sh [BUILD_DIR]        (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
if ! command -v clang >/dev/null; then
  echo "clang is not installed (tools/setup.sh installs it); no fuzzing"
  exit 77
fi
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dgui=disabled
fi
meson compile -C "$build"
export DLAB_FUZZ_SECONDS=${DLAB_FUZZ_SECONDS:-60}
meson test -C "$build" --setup fuzz --suite fuzz --num-processes 2 --print-errorlogs
