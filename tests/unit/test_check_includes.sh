#!/usr/bin/env bash
# tools/check-includes.py on a small tree of its own: clean, it passes; each
# kind of fault it is there for (an include climbing out with ../, a folder
# including one above it, the application including an engine-private
# header, a public header including a private one, a header cycle, a circle
# of calls between objects) makes it fail and name the file.
# TAP output. Usage: test_check_includes.sh PATH/TO/check-includes.py
set -u
checker=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"

# core/ at the bottom, nn/ above it; a public header of each.
make_tree() {
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/engine/include/dlab" "$tmp/t/engine/src/core" "$tmp/t/engine/src/nn" "$tmp/t/engine/cli" "$tmp/t/src"
  cd "$tmp/t" || exit 1
  printf '#include "core/numtext.h"\n#include "dlab/error.h"\n' >engine/src/core/error.c
  printf '/* private */\n' >engine/src/core/numtext.h
  printf '/* public */\n' >engine/include/dlab/error.h
  printf '#include "dlab/error.h"\n' >engine/include/dlab/model.h
  printf '#include "core/numtext.h"\n#include "dlab/model.h"\n#include "nn_internal.h"\n' >engine/src/nn/model.c
  printf '#include "dlab/model.h"\n' >engine/src/nn/nn_internal.h
  printf '#include "dlab/model.h"\n' >engine/cli/main.c
  printf '#include "dlab/model.h"\n' >src/dlab-window.c
  cd - >/dev/null || exit 1
}

# fails NAME NEEDLE: the checker exits 1 and says NEEDLE.
fails() {
  "$py" "$checker" "$tmp/t" "${@:3}" >"$tmp/out" 2>&1
  local rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$2" "$tmp/out"; then ok "$1"
  else not_ok "$1" "exit $rc, expected 1 and: $2" "$(grep -v '^#   [a-z/]*/ ->' "$tmp/out" | head -20)"; fi
}

make_tree
"$py" "$checker" "$tmp/t" >"$tmp/out" 2>&1
check "a clean tree passes" test $? -eq 0
check "it lists each folder's includes" grep -qF "nn/ -> core/" "$tmp/out"

make_tree
printf '#include "../core/numtext.h"\n' >>"$tmp/t/engine/src/nn/model.c"
fails 'an include climbing out with "../" fails' 'engine/src/nn/model.c: #include "../core/numtext.h"'

make_tree
printf '#include "dlab/model.h"\n' >>"$tmp/t/engine/src/core/error.c"
fails "core/ including nn/, above it, fails" "engine/src/core/error.c: \"dlab/model.h\": core/ includes nn/, a layer above it"

make_tree
mkdir -p "$tmp/t/engine/src/extra"
printf '#include "dlab/error.h"\n' >"$tmp/t/engine/src/extra/x.c"
fails "a folder missing from LAYERS fails" "extra/: not in LAYERS"

make_tree
printf '#include "core/numtext.h"\n' >>"$tmp/t/src/dlab-window.c"
fails "the application including an engine-private header fails" \
  "src/dlab-window.c: \"core/numtext.h\" is one of the engine's own headers"

make_tree
printf '#include "core/numtext.h"\n' >>"$tmp/t/engine/include/dlab/error.h"
fails "a public header including a private one fails" \
  "engine/include/dlab/error.h: \"core/numtext.h\" is one of the engine's own headers"

make_tree
printf '#include "dlab/model.h"\n' >>"$tmp/t/engine/include/dlab/error.h"
fails "a header cycle fails" "engine/include/dlab/error.h -> engine/include/dlab/model.h"

# Two objects of a program that call each other; a library of them.
if command -v cc >/dev/null && command -v nm >/dev/null && command -v ar >/dev/null; then
  make_tree
  mkdir -p "$tmp/prog.p"
  printf 'int b(void);\nint a(void) { return b(); }\n' >"$tmp/a.c"
  printf 'int a(void);\nint b(void) { return 0; }\nint c(void) { return a(); }\n' >"$tmp/b.c"
  cc -c "$tmp/a.c" -o "$tmp/prog.p/a.c.o" && cc -c "$tmp/b.c" -o "$tmp/prog.p/b.c.o"
  fails "a circle of calls between a program's objects fails" "a.c.o <-> b.c.o" --objects "$tmp/prog"
  ar rcs "$tmp/lib.a" "$tmp/prog.p/a.c.o" "$tmp/prog.p/b.c.o"
  fails "a circle of calls between a library's objects fails" "a.c.o <-> b.c.o" --objects "$tmp/lib.a"
  rm "$tmp/prog.p/b.c.o"
  "$py" "$checker" "$tmp/t" --objects "$tmp/prog" >"$tmp/out" 2>&1
  check "objects without a circle pass" test $? -eq 0

  # One class in two files that share its private header (x.c and
  # x-actions.c, as editor-page.c and editor-page-actions.c) is one file.
  make_tree
  rm -rf "$tmp/prog.p" && mkdir -p "$tmp/prog.p"
  printf '#include "x-private.h"\nint b(void);\nint a(void) { return b(); }\n' >"$tmp/t/src/x.c"
  printf '#include "x-private.h"\nint a(void);\nint b(void) { return 0; }\nint c(void) { return a(); }\n' \
    >"$tmp/t/src/x-actions.c"
  printf '/* x */\n' >"$tmp/t/src/x-private.h"
  cc -c "$tmp/t/src/x.c" -o "$tmp/prog.p/x.c.o" && cc -c "$tmp/t/src/x-actions.c" -o "$tmp/prog.p/x-actions.c.o"
  "$py" "$checker" "$tmp/t" --objects "$tmp/prog" >"$tmp/out" 2>&1
  check "a class split across files that share its private header passes" test $? -eq 0
  sed -i '/x-private.h/d' "$tmp/t/src/x-actions.c"
  fails "the same calls without the shared private header fail" "x-actions.c <-> " --objects "$tmp/prog"
else
  skip "circles of calls between objects" "no cc, nm or ar"
fi
tap_done
