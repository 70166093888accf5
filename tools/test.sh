#!/usr/bin/env bash
# Builds Digit Lab and runs every test suite. Extra arguments go to
# `meson test` (e.g. `tools/test.sh --suite unit`). The last line is the
# summary "N passed, N failed" taken from meson's test log (the skipped
# count is printed on the line before it).
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=${DLAB_BUILDDIR:-build}

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" || exit 1
fi
meson compile -C "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?

log="$builddir/meson-logs/testlog.json"
count() { grep -c "\"result\": \"$1\"" "$log" 2>/dev/null || true; }
passed=$(( $(count OK) + $(count EXPECTEDFAIL) ))
failed=$(( $(count FAIL) + $(count TIMEOUT) + $(count ERROR) + $(count UNEXPECTEDPASS) ))
skipped=$(count SKIP)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$skipped skipped (a test skips when what it needs is absent; meson's log says why)"
echo "$passed passed, $failed failed"
exit "$status"
