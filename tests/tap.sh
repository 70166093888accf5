# TAP for the shell tests (tests/cli/*.sh, tests/data/*.sh). Source it once
# $tmp is a scratch directory: check and expect_error keep the command's
# output in $tmp/out and $tmp/err. End the script with tap_done.
n=0 failed=0

# dlab writes '.' in every locale; mawk reads numbers in the caller's, so
# under a decimal-comma locale (the suites run under de_DE.UTF-8 too) it
# would read 0.001 as 0. The tests' own arithmetic is done in C.
awk() { LC_ALL=C command awk "$@"; }

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# not_ok NAME [DIAGNOSTIC...]: each diagnostic line becomes a "# " comment.
not_ok() {
  n=$((n + 1)) failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for l in "$@"; do echo "# $l"; done
}

# check NAME CMD...: ok when CMD succeeds; otherwise shows $tmp/out and $tmp/err.
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"
  else not_ok "$name" "stdout: $(head -c 300 "$tmp/out" 2>/dev/null)" "stderr: $(head -c 500 "$tmp/err" 2>/dev/null)"; fi
}

# expect_error_lines MAX NAME NEEDLE CMD...: CMD must exit 1 or 2 (not
# crash) and say NEEDLE on stderr, in at most MAX lines.
expect_error_lines() {
  local max=$1 name=$2 needle=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ge 1 ] && [ $rc -le 2 ] && grep -qF -- "$needle" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -le "$max" ]; then
    ok "$name: $(head -c 240 "$tmp/err")"
  else
    not_ok "$name" "exit $rc, expected at most $max lines containing: $needle" "stderr: $(head -c 400 "$tmp/err")"
  fi
}

# expect_error NAME NEEDLE CMD...: the message and a hint at most.
expect_error() { expect_error_lines 2 "$@"; }

tap_done() {
  echo "1..$n"
  [ "$failed" -eq 0 ]
}
