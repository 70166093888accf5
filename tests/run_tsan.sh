#!/bin/sh
# Runs a test built with ThreadSanitizer (tests/unit/meson.build). TSan
# cannot start where the kernel maps memory where it does not expect it
# (vm.mmap_rnd_bits above 28 with older runtimes): that is a skip, not a
# failure. A race found makes TSan exit with 66 after its report.
out=$(mktemp) || exit 99
"$@" 2>"$out"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "unexpected memory mapping\|failed to allocate.*shadow" "$out"; then
  echo "1..0 # SKIP ThreadSanitizer cannot run here: $(grep -m1 -i "threadsanitizer\|fatal" "$out")"
  rm -f "$out"
  exit 77
fi
cat "$out" >&2
rm -f "$out"
exit "$rc"
