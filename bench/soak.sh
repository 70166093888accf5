#!/usr/bin/env bash
# The application's soak run (not in CI): the real window, under Xvfb,
# trains a network for N minutes while drawings are fed to the Draw page,
# and the run is stopped and resumed every few epochs. Every few seconds it
# prints the resident memory; at the end it checks that memory stayed flat,
# that nothing logged a GLib warning or critical, that each run's
# metrics.csv holds every epoch's row once and that every resume went on
# after the last finished epoch. The last line is PASS or FAIL.
#
#   bench/soak.sh [--minutes N] [--threads N] [--build DIR] [SOAK OPTIONS]
#        --minutes N   how long to train (30)
#        --threads N   training threads (0, the default: all cores)
#        --build DIR   the meson build directory (./build)
#   Other options go to the driver (tests/gui/soak.c): --model NAME (lenet),
#   --limit N (6000 training images), --stop-every N (3), --sample-seconds N
#   (5), --max-growth MIB (16).
#
# Needs MNIST under $DLAB_DATA or ./data (tools/fetch-data.sh), xvfb-run,
# and a build with the application (BUILD/tests/gui/soak). Its whole output
# is kept in BUILD/soak.log, the driver's stderr in BUILD/soak-stderr.log.
set -uo pipefail
cd "$(dirname "$0")/.."
build=build
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#--build=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
driver=$build/tests/gui/soak
if [ ! -x "$driver" ]; then
  echo "soak: $driver is missing (meson compile -C $build, with the application)"
  exit 2
fi
if ! command -v xvfb-run >/dev/null; then
  echo "soak: xvfb-run is missing (Debian: xvfb)"
  exit 2
fi
export DLAB_DATA=${DLAB_DATA:-$PWD/data}
# As the GUI tests run (tests/gui/meson.build), but warnings are counted,
# not fatal.
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$PWD/$build/resources GSK_RENDERER=cairo GDK_BACKEND=x11 \
  GTK_A11Y=none NO_AT_BRIDGE=1 DLAB_SOURCE_ROOT=$PWD
log=$build/soak.log errlog=$build/soak-stderr.log
xvfb-run -a -s "-screen 0 1280x800x24" "$driver" --strokes tests/data/strokes "${args[@]}" \
  2> >(tee "$errlog" >&2) | tee "$log"
status=${PIPESTATUS[0]}
# The driver counts what GLib logs; this also catches what reaches stderr
# another way.
if grep -qE "WARNING|CRITICAL" "$errlog"; then
  echo "soak: warnings on stderr ($errlog):"
  grep -E "WARNING|CRITICAL" "$errlog" | sort | uniq -c | head -20
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
