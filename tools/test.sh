#!/usr/bin/env bash
# Builds Digit Lab and runs every test suite. Extra arguments go to
# `meson test` (e.g. `tools/test.sh --suite unit`). The last line is the
# summary "N passed, N failed" taken from meson's test logs (the skipped
# count is printed on the line before it).
#
# A full run (no extra arguments) then runs the fuzz suite (tests/fuzz): a
# second build with clang, libFuzzer and the sanitizers in $DLAB_FUZZ_BUILDDIR
# (build-fuzz), every parser fuzzed for $DLAB_FUZZ_SECONDS (60) seconds, two
# at a time. Without clang and libFuzzer it counts as one skipped test;
# DLAB_FUZZ=0 leaves it out.
#
# A full run also builds the engine and its tests a third time with
# AddressSanitizer and UndefinedBehaviorSanitizer in $DLAB_ASAN_BUILDDIR
# (build-asan) and runs the unit, cli and data suites there (about 4
# minutes on 2 cores); a sanitizer report fails the test that caused it.
# Without the sanitizer runtimes it counts as one skipped test; DLAB_ASAN=0
# leaves it out.
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=${DLAB_BUILDDIR:-build}
fuzzdir=${DLAB_FUZZ_BUILDDIR:-build-fuzz}
asandir=${DLAB_ASAN_BUILDDIR:-build-asan}

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" || exit 1
fi
meson compile -C "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?

count() { grep -c "\"result\": \"$1\"" "$2" 2>/dev/null || true; }
passed=0 failed=0 skipped=0
add_log() {
  passed=$(( passed + $(count OK "$1") + $(count EXPECTEDFAIL "$1") ))
  failed=$(( failed + $(count FAIL "$1") + $(count TIMEOUT "$1") + $(count ERROR "$1") + $(count UNEXPECTEDPASS "$1") ))
  skipped=$(( skipped + $(count SKIP "$1") ))
}
add_log "$builddir/meson-logs/testlog.json"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

# Whether clang can link a libFuzzer target with the sanitizers the suite uses.
have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  local t
  t=$(mktemp -d) || return 1
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$t/f.c"
  clang -fsanitize=fuzzer,address,undefined "$t/f.c" -o "$t/f" >/dev/null 2>&1
  local rc=$?
  rm -rf "$t"
  return $rc
}

run_fuzz_suite() {
  local log="$fuzzdir/meson-logs/testlog-fuzz.json"
  rm -f "$log"
  if [ ! -f "$fuzzdir/build.ninja" ]; then
    CC=clang meson setup "$fuzzdir" -Dgui=disabled -Dcuda=disabled || return 1
  fi
  meson compile -C "$fuzzdir" || return 1
  DLAB_FUZZ_SECONDS=${DLAB_FUZZ_SECONDS:-60} \
    meson test -C "$fuzzdir" --setup fuzz --suite fuzz --print-errorlogs --num-processes 2
  local rc=$?
  [ -f "$log" ] || return 1
  add_log "$log"
  return $rc
}

# Whether the C compiler can build and run a program with ASan and UBSan.
have_asan() {
  local t
  t=$(mktemp -d) || return 1
  printf 'int main(void) { return 0; }\n' >"$t/a.c"
  ${CC:-cc} -fsanitize=address,undefined "$t/a.c" -o "$t/a" >/dev/null 2>&1 && "$t/a" >/dev/null 2>&1
  local rc=$?
  rm -rf "$t"
  return $rc
}

# Distinct exit codes, so that a shell test expecting a command to fail
# with a message does not take a sanitizer's abort for it; reports go to
# stderr, which the tests show.
asan_env() {
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=86:allocator_may_return_null=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
    "$@"
}

run_asan_suites() {
  local log="$asandir/meson-logs/testlog-asan.json"
  rm -f "$log"
  if [ ! -f "$asandir/build.ninja" ]; then
    meson setup "$asandir" -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled -Dcuda=disabled \
      -Dbuildtype=debugoptimized || return 1
  fi
  meson compile -C "$asandir" || return 1
  asan_env meson test -C "$asandir" --suite unit --suite cli --suite data --logbase testlog-asan \
    --timeout-multiplier 3 --print-errorlogs --num-processes 2
  local rc=$?
  [ -f "$log" ] || return 1
  add_log "$log"
  # A report that a passing test let through (a command expected to fail).
  if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$asandir/meson-logs/testlog-asan.txt"; then
    echo "a sanitizer report is in $asandir/meson-logs/testlog-asan.txt"
    return 1
  fi
  return $rc
}

if [ $# -eq 0 ] && [ "${DLAB_ASAN:-1}" != 0 ]; then
  if have_asan; then
    before=$failed started=$SECONDS
    if ! run_asan_suites; then
      status=1
      if [ "$failed" -eq "$before" ]; then failed=$((failed + 1)); fi
    fi
    echo "sanitizer suites: $((SECONDS - started)) s (build and tests)"
  else
    echo "sanitizer suites skipped: ${CC:-cc} cannot build with -fsanitize=address,undefined (the gcc package's libasan and libubsan)"
    skipped=$((skipped + 1))
  fi
fi

if [ $# -eq 0 ] && [ "${DLAB_FUZZ:-1}" != 0 ]; then
  if have_libfuzzer; then
    before=$failed
    if ! run_fuzz_suite; then
      status=1
      if [ "$failed" -eq "$before" ]; then failed=$((failed + 1)); fi
    fi
  else
    echo "fuzz suite skipped: clang with libFuzzer is absent (tools/setup.sh installs clang and libclang-rt-14-dev)"
    skipped=$((skipped + 1))
  fi
fi

echo "$skipped skipped (a test skips when what it needs is absent; meson's log says why)"
echo "$passed passed, $failed failed"
exit "$status"
