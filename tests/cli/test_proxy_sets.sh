#!/usr/bin/env bash
# The held-out proxy sets and their scorer (issue 16, tools/ink/README.md
# "Proxy sets"): proxy-sets writes enough digits in enough styles, enough
# non-digits, enough unseen non-digits (none named as a first-set one) and
# enough final non-digits (none named as one of the other sets'), named by
# the convention, the same bytes for the same seed, every file readable by
# the strokes parser; ink-assess counts what
# an independent reading (dlab predict) counts, gives the exact figures for
# models whose every answer is known, and stops with one line naming the
# file for a missing folder, a bad or empty drawing, a misnamed file or a
# model that does not read digits. TAP output.
# Usage: test_proxy_sets.sh PATH/TO/proxy-sets PATH/TO/ink-assess PATH/TO/dlab
set -u
# Absolute paths: dlab predict runs inside the set's folder.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
proxy_sets=$(abs "$1") ink_assess=$(abs "$2") dlab=$(abs "$3")
py=/usr/bin/python3
# In memory where there is some: writing the sets is mostly waiting for
# each file to reach the disk (the writes are atomic and synced).
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
src=${DLAB_SOURCE_ROOT:-$(dirname "$0")/../..}
model=$src/resources/default-model.safetensors
drawn=$src/tests/data/strokes
reported="1-flag 4-opentop 7-hook 9-gtail"

# --- the sets -------------------------------------------------------------------
check "proxy-sets writes the sets" sh -c '"$0" "$1" >"$2/out" 2>"$2/err"' "$proxy_sets" "$tmp/a" "$tmp"
ls "$tmp/a/digits" >"$tmp/digits.txt" 2>/dev/null
ls "$tmp/a/nondigits" >"$tmp/nondigits.txt" 2>/dev/null
ls "$tmp/a/unseen" >"$tmp/unseen.txt" 2>/dev/null
ls "$tmp/a/final" >"$tmp/final.txt" 2>/dev/null
n_digits=$(wc -l <"$tmp/digits.txt")
n_nondigits=$(wc -l <"$tmp/nondigits.txt")
n_unseen=$(wc -l <"$tmp/unseen.txt")
n_final=$(wc -l <"$tmp/final.txt")
if [ "$n_digits" -ge 600 ] && [ "$n_nondigits" -ge 300 ] && [ "$n_unseen" -ge 300 ] && [ "$n_final" -ge 400 ]; then
  ok "$n_digits digits, $n_nondigits non-digits, $n_unseen unseen non-digits, $n_final final ones"
else not_ok "at least 600 digits, 300 non-digits, 300 unseen ones and 400 final ones" "$n_digits, $n_nondigits, $n_unseen, $n_final"; fi

nondigit_name='^x-(letter|shape|scribble)-[A-Za-z0-9-]+-[0-9]{2}\.strokes$'
bad=$(grep -vE '^[0-9]-[a-z0-9-]+-[0-9]{2}\.strokes$' "$tmp/digits.txt"; grep -vE "$nondigit_name" "$tmp/nondigits.txt" "$tmp/unseen.txt" "$tmp/final.txt")
if [ -z "$bad" ]; then ok "every file named <label>-<style>-<nn> or x-<kind>-<nn>"
else not_ok "every file named <label>-<style>-<nn> or x-<kind>-<nn>" "$(echo "$bad" | head -n 5)"; fi

few=
for d in 0 1 2 3 4 5 6 7 8 9; do
  styles=$(grep "^$d-" "$tmp/digits.txt" | sed 's/-[0-9]*\.strokes$//' | sort -u | wc -l)
  [ "$styles" -ge 6 ] || few="$few $d:$styles"
done
if [ -z "$few" ]; then ok "every digit in at least 6 styles"; else not_ok "every digit in at least 6 styles" "$few"; fi
few=
for f in $reported; do
  drawings=$(grep -c "^${f}[-.]" "$tmp/digits.txt")
  [ "$drawings" -ge 50 ] || few="$few $f:$drawings"
done
if [ -z "$few" ]; then ok "the reported styles well represented (50 or more each)"
else not_ok "the reported styles well represented" "$few"; fi
for set in nondigits unseen final; do
  for kind in letter shape scribble; do
    drawings=$(grep -c "^x-$kind-" "$tmp/$set.txt")
    if [ "$drawings" -ge 50 ]; then ok "$set: $drawings of kind $kind"; else not_ok "$set: 50 or more of kind $kind" "$drawings"; fi
  done
done
# The unseen set is a set of its own designs: no template of the first
# non-digit set again, not even by name.
stems() { sed 's/-[0-9]*\.strokes$//' "$1" | sort -u; }
shared=$(comm -12 <(stems "$tmp/nondigits.txt") <(stems "$tmp/unseen.txt"))
if [ -z "$shared" ]; then ok "no unseen drawing named as a first-set one"
else not_ok "no unseen drawing named as a first-set one" "$(echo "$shared" | head -n 5)"; fi
# The final set is designed unlike all three others: no template of theirs.
shared=$(comm -12 <(cat "$tmp/nondigits.txt" "$tmp/unseen.txt" | stems /dev/stdin) <(stems "$tmp/final.txt"))
if [ -z "$shared" ]; then ok "no final drawing named as one of the other sets'"
else not_ok "no final drawing named as one of the other sets'" "$(echo "$shared" | head -n 5)"; fi

# The same seed, the same bytes: some of the styles again (each drawing's
# randomness is its own, so a part of the set is drawn as in the whole;
# these have arcs, curves, strokes that may be reversed or reordered, and
# made-up paths), and another seed changes them. A second whole run would
# only add time.
subset=9-gtail,4-opentop-loop,1-flag-twostroke,x-shape-spiral,x-scribble-tangle,x-scribble-hatch
# and of the unseen set: arcs and reversible strokes, reordered strokes,
# made-up paths
subset=$subset,x-shape-sun,x-letter-cursive-it,x-scribble-shading,x-scribble-maze,x-scribble-signature
# and of the final set: curves, arcs, reversible strokes, made-up paths
subset=$subset,x-letter-kana-a,x-letter-han-wang,x-shape-car,x-scribble-dashes,x-scribble-knot,x-scribble-crack
check "proxy-sets --only again" sh -c '"$0" "$1" --only "$2" >"$3/out" 2>"$3/err"' "$proxy_sets" "$tmp/b" "$subset" "$tmp"
same=0 differ=
for f in "$tmp"/b/digits/* "$tmp"/b/nondigits/* "$tmp"/b/unseen/* "$tmp"/b/final/*; do
  rel=${f#"$tmp/b/"}
  if cmp -s "$f" "$tmp/a/$rel"; then same=$((same + 1)); else differ="$differ $rel"; fi
done
n_subset_unseen=$(ls "$tmp/b/unseen" | wc -l)
n_subset_final=$(ls "$tmp/b/final" | wc -l)
if [ -z "$differ" ] && [ "$same" -ge 200 ] && [ "$n_subset_unseen" -ge 50 ] && [ "$n_subset_final" -ge 50 ]; then
  ok "a second run writes the same bytes ($same files, $n_subset_unseen unseen, $n_subset_final final)"
else not_ok "a second run writes the same bytes" "$same the same; differ:$(echo "$differ" | head -c 300)"; fi
"$proxy_sets" "$tmp/c" --seed 17 --only 9-gtail >/dev/null 2>&1
if ! cmp -s "$tmp/c/digits/9-gtail-01.strokes" "$tmp/a/digits/9-gtail-01.strokes"; then ok "another seed, other drawings"
else not_ok "another seed, other drawings"; fi

# Every file through the strokes parser of dlab, which reads one line per
# drawing (the model's reading of it, used below). Not the final set: no
# real model reads it here (it is read back below, by a model that knows
# nothing).
(cd "$tmp/a" && "$dlab" predict --model "$model" --strokes digits/* nondigits/* unseen/*) >"$tmp/predict.txt" 2>"$tmp/err"
lines=$(wc -l <"$tmp/predict.txt")
files=$((n_digits + n_nondigits + n_unseen))
if [ "$lines" = "$files" ]; then ok "dlab predict --strokes reads every file ($lines)"
else not_ok "dlab predict --strokes reads every file" "$lines lines for $files files" "$(head -c 300 "$tmp/err")"; fi

# --- ink-assess against an independent reading ----------------------------------
assess() { "$ink_assess" "$@" >"$tmp/out" 2>"$tmp/err"; }
check "ink-assess scores the first two sets with the built-in model" \
  assess --model "$model" --digits "$tmp/a/digits" --nondigits "$tmp/a/nondigits" --csv
cp "$tmp/out" "$tmp/score2.csv"
check "ink-assess scores the three sets with the built-in model" \
  assess --model "$model" --digits "$tmp/a/digits" --nondigits "$tmp/a/nondigits" --unseen "$tmp/a/unseen" --csv
cp "$tmp/out" "$tmp/score.csv"
# The unseen set's rows come after the others, which stay as they were.
if grep -v '^unseen,' "$tmp/score.csv" | cmp -s - "$tmp/score2.csv" && [ "$(tail -n 1 "$tmp/score.csv" | cut -d, -f1)" = unseen ]; then
  ok "--unseen adds its rows and changes none of the others"
else not_ok "--unseen adds its rows and changes none of the others" "$(diff "$tmp/score2.csv" "$tmp/score.csv" | head -n 5)"; fi
value() { awk -F, -v k="$1" '$1 "," $2 "," $3 == k { print $5 "/" $6 }' "$tmp/score.csv"; }
right=$(awk -F'\t' '$1 ~ /^digits\// { n++; if (substr($1, 8, 1) == $2) r++ } END { print r + 0 "/" n + 0 }' "$tmp/predict.txt")
if [ "$(value digits,all,accuracy)" = "$right" ]; then ok "accuracy counts what dlab predict reads ($right)"
else not_ok "accuracy counts what dlab predict reads" "ink-assess $(value digits,all,accuracy), dlab predict $right"; fi
# dlab predict rounds to 4 decimals: drawings within a rounding of the
# threshold may fall either way.
for set in nondigits unseen; do
  read -r below near < <(awk -F'\t' -v set="$set" 'index($1, set "/") == 1 { if ($3 < 0.5999) b++; else if ($3 <= 0.6001) n++ } END { print b + 0, n + 0 }' "$tmp/predict.txt")
  got=$(value "$set,all,not_sure")
  total=${got#*/} got=${got%/*}
  if [ -n "$got" ] && [ "$got" -ge "$below" ] && [ "$got" -le $((below + near)) ] && [ "$total" = "$(wc -l <"$tmp/$set.txt")" ]; then
    ok "$set read Not sure: $got of $total, as dlab predict's probabilities say"
  else not_ok "$set read Not sure as dlab predict's probabilities say" "ink-assess ${got:-none} of ${total:-none}, dlab predict $below (+$near)"; fi
done
for f in $reported; do
  if [ -n "$(value "digits,$f,accuracy")" ]; then ok "a row for $f"; else not_ok "a row for $f" "$(head -n 5 "$tmp/score.csv")"; fi
done

# --- exact figures from models whose answers are known --------------------------
# write_model OUT CLASSES P TOP: "flatten | linear CLASSES" with zero
# weights, so that every drawing gets the probabilities softmax(bias):
# P for class TOP, the rest shared evenly.
write_model() {
  "$py" - "$@" <<'PY'
import json, math, struct, sys
out, classes, p, top = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
bias = [math.log((1 - p) / (classes - 1))] * classes
bias[top] = math.log(p)
header, blobs, offset = {"__metadata__": {"dlab.arch": "flatten | linear %d" % classes, "dlab.input": "1x28x28"}}, [], 0
for name, values, shape in (("1.weight", [0.0] * classes * 784, [classes, 784]), ("1.bias", bias, [classes])):
    blob = struct.pack("<%df" % len(values), *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
open(out, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
PY
}
write_model "$tmp/three.safetensors" 10 0.7 3
write_model "$tmp/eight.safetensors" 10 0.5 8
write_model "$tmp/abc.safetensors" 3 0.5 0
mkdir -p "$tmp/tiny/digits" "$tmp/tiny/nondigits" "$tmp/tiny/unseen" "$tmp/tiny/final"
cp "$drawn/3-round.strokes" "$tmp/tiny/digits/3-round-01.strokes"
cp "$drawn/3-flat-top.strokes" "$tmp/tiny/digits/3-flattop-01.strokes"
cp "$drawn/7-plain.strokes" "$tmp/tiny/digits/7-plain-01.strokes"
cp "$drawn/9-hooked.strokes" "$tmp/tiny/digits/9-gtail-01.strokes"
cp "$drawn/1-flag.strokes" "$tmp/tiny/digits/1-flag-01.strokes"
cp "$drawn/0-oval.strokes" "$tmp/tiny/nondigits/x-letter-A-01.strokes"
cp "$drawn/8-wide.strokes" "$tmp/tiny/nondigits/x-shape-star-01.strokes"
cp "$drawn/2-angular.strokes" "$tmp/tiny/nondigits/x-scribble-zigzag-01.strokes"
cp "$drawn/5-round.strokes" "$tmp/tiny/unseen/x-letter-han-ren-01.strokes"
cp "$drawn/6-curve.strokes" "$tmp/tiny/unseen/x-scribble-dots-01.strokes"
cp "$drawn/4-open.strokes" "$tmp/tiny/final/x-letter-kana-a-01.strokes"
cp "$drawn/9-hooked.strokes" "$tmp/tiny/final/x-shape-car-01.strokes"
cp "$drawn/1-flag.strokes" "$tmp/tiny/final/x-scribble-knot-01.strokes"
echo "not a drawing, and not named like one" >"$tmp/tiny/digits/README"
# Neither a link (which could lead out of the folder) nor a hidden file is read.
ln -s "$drawn/7-plain.strokes" "$tmp/tiny/digits/7-link-01.strokes"
cp "$drawn/7-plain.strokes" "$tmp/tiny/digits/.7-hidden-01.strokes"
tiny=(--digits "$tmp/tiny/digits" --nondigits "$tmp/tiny/nondigits" --unseen "$tmp/tiny/unseen" --final "$tmp/tiny/final")

# has_rows NAME ROW...: every ROW is a line of $tmp/out.
has_rows() {
  local name=$1 missing=
  shift
  for row in "$@"; do grep -qxF -- "$row" "$tmp/out" || missing="$missing $row"; done
  if [ -z "$missing" ]; then ok "$name"; else not_ok "$name" "missing:$missing" "$(head -c 600 "$tmp/out")"; fi
}
# Every final drawing read back through the strokes parser and the
# predictor by the model that reads everything as 3 (it knows nothing, so
# that no real model's figure on the final set is ever seen here).
check "ink-assess --final reads the whole final set (a model that knows nothing)" \
  assess --model "$tmp/three.safetensors" --final "$tmp/a/final" --csv
has_rows "every final drawing read ($n_final), by kind" "final,all,not_sure,0.000000,0,$n_final" \
  "final,all,read_3,1.000000,$n_final,$n_final" \
  "final,letter,not_sure,0.000000,0,$(grep -c '^x-letter-' "$tmp/final.txt")" \
  "final,shape,not_sure,0.000000,0,$(grep -c '^x-shape-' "$tmp/final.txt")" \
  "final,scribble,not_sure,0.000000,0,$(grep -c '^x-scribble-' "$tmp/final.txt")"
check "ink-assess: every drawing read as 3 at 70%" assess --model "$tmp/three.safetensors" "${tiny[@]}" --csv
has_rows "the figures of a model that reads 3 at 70%" \
  "digits,all,accuracy,0.400000,2,5" "digits,all,sure,1.000000,5,5" "digits,all,sure_accuracy,0.400000,2,5" \
  "digits,all,ece,0.300000,,5" "digits,3-round,accuracy,1.000000,1,1" "digits,7-plain,accuracy,0.000000,0,1" \
  "digits,3,read_3,1.000000,2,2" "digits,7,read_3,1.000000,1,1" "digits,7,read_7,0.000000,0,1" \
  "nondigits,all,not_sure,0.000000,0,3" "nondigits,letter,not_sure,0.000000,0,1" "nondigits,all,read_3,1.000000,3,3" \
  "unseen,all,not_sure,0.000000,0,2" "unseen,letter,not_sure,0.000000,0,1" "unseen,all,read_3,1.000000,2,2" \
  "final,all,not_sure,0.000000,0,3" "final,shape,not_sure,0.000000,0,1" "final,all,read_3,1.000000,3,3"
cp "$tmp/out" "$tmp/four.csv"
# The final set's rows come last, and change none of the others.
assess --model "$tmp/three.safetensors" "${tiny[@]:0:6}" --csv
if grep -v '^final,' "$tmp/four.csv" | cmp -s - "$tmp/out" && [ "$(tail -n 1 "$tmp/four.csv" | cut -d, -f1)" = final ]; then
  ok "--final adds its rows last and changes none of the others"
else not_ok "--final adds its rows last and changes none of the others" "$(diff "$tmp/out" "$tmp/four.csv" | head -n 5)"; fi
check "ink-assess: every drawing read as 8 at 50%" assess --model "$tmp/eight.safetensors" "${tiny[@]}" --csv
has_rows "the figures of a model that reads 8 at 50%" \
  "digits,all,accuracy,0.000000,0,5" "digits,all,sure,0.000000,0,5" "digits,all,ece,0.500000,,5" \
  "digits,9,read_8,1.000000,1,1" "nondigits,all,not_sure,1.000000,3,3" "nondigits,scribble,not_sure,1.000000,1,1" \
  "unseen,all,not_sure,1.000000,2,2" "unseen,scribble,not_sure,1.000000,1,1" "unseen,all,read_8,0.000000,0,0" \
  "final,all,not_sure,1.000000,3,3" "final,letter,not_sure,1.000000,1,1" "final,scribble,not_sure,1.000000,1,1"
check "ink-assess --threshold 0.45" assess --model "$tmp/eight.safetensors" "${tiny[@]}" --csv --threshold 0.45
has_rows "--threshold moves what is sure" "digits,all,sure,1.000000,5,5" "nondigits,all,not_sure,0.000000,0,3" \
  "unseen,all,not_sure,0.000000,0,2" "final,all,not_sure,0.000000,0,3"

check "ink-assess prints the report" assess --model "$tmp/three.safetensors" "${tiny[@]}"
if grep -q 'accuracy  *40\.00%  (2/5)' "$tmp/out" && grep -q 'expected calibration error  *30\.00%' "$tmp/out" &&
  grep -q 'read "Not sure" (top < 0\.60)  *0\.00%  (0/3)' "$tmp/out" && grep -qE '^ +3 +0 +0 +0 +2 +0 +0 +0 +0 +0 +0$' "$tmp/out" &&
  grep -qF "unseen non-digits ($tmp/tiny/unseen): 2 drawings" "$tmp/out" && grep -q 'read "Not sure" (top < 0\.60)  *0\.00%  (0/2)' "$tmp/out" &&
  grep -qE '^ +7 +0 +0 +0 +1 +0 +0 +0 +0 +0 +0$' "$tmp/out" && grep -qE '^  9-gtail .* 1 +0\.00%$' "$tmp/out" &&
  [ "$(grep -E '^[a-z -]+ \(' "$tmp/out" | tail -n 1)" = "final non-digits ($tmp/tiny/final): 3 drawings" ] &&
  grep -q 'read "Not sure" (top < 0\.60)  *0\.00%  (0/3)' "$tmp/out"; then
  ok "the report: accuracy, calibration, Not sure (the three non-digit sets, the final last), confusion rows by the digit written, the reported styles"
else not_ok "the report's figures" "$(head -c 1500 "$tmp/out")"; fi
check "ink-assess --list" assess --model "$tmp/three.safetensors" "${tiny[@]}" --list
if grep -q '7-plain-01.strokes: read as 3 (70%)' "$tmp/out" && grep -q 'x-shape-star-01.strokes: read as 3' "$tmp/out" &&
  grep -A2 '^unseen non-digits read as sure:' "$tmp/out" | grep -q 'x-scribble-dots-01.strokes: read as 3' &&
  grep -A3 '^final non-digits read as sure:' "$tmp/out" | grep -q 'x-shape-car-01.strokes: read as 3' &&
  ! grep -q '3-round-01.strokes: read' "$tmp/out"; then ok "--list names the misread digits and the sure non-digits of every set"
else not_ok "--list names the misread digits and the sure non-digits" "$(head -c 600 "$tmp/out")"; fi

# --- mistakes: one line naming the file ------------------------------------------
expect_error "a missing folder" "$tmp/none: cannot open the folder" "$ink_assess" --model "$model" --digits "$tmp/none"
mkdir -p "$tmp/empty"
expect_error "a folder without drawings" "$tmp/empty: no .strokes files" "$ink_assess" --model "$model" --digits "$tmp/empty"
bad_set() { rm -rf "$tmp/bad" && mkdir -p "$tmp/bad" && cp "$drawn/3-round.strokes" "$tmp/bad/3-round-01.strokes"; }
bad_set && printf 'garbage\n' >"$tmp/bad/3-broken-01.strokes"
expect_error "a corrupt drawing" "$tmp/bad/3-broken-01.strokes: line 1" "$ink_assess" --model "$model" --digits "$tmp/bad"
bad_set && printf '# canvas 400 400\n' >"$tmp/bad/3-empty-01.strokes"
expect_error "a drawing without ink" "$tmp/bad/3-empty-01.strokes: nothing is drawn" "$ink_assess" --model "$model" --digits "$tmp/bad"
bad_set && head -c 3000 /dev/urandom >"$tmp/bad/4-noise-01.strokes"
expect_error "a binary file" "$tmp/bad/4-noise-01.strokes" "$ink_assess" --model "$model" --digits "$tmp/bad"
bad_set && cp "$drawn/7-plain.strokes" "$tmp/bad/seven.strokes"
expect_error "a digit without a label" "$tmp/bad/seven.strokes: not named <digit>-" "$ink_assess" --model "$model" --digits "$tmp/bad"
expect_error "a digit among the non-digits" "$tmp/bad/3-round-01.strokes: not named x-" "$ink_assess" --model "$model" --nondigits "$tmp/bad"
expect_error "a digit among the unseen non-digits" "$tmp/bad/3-round-01.strokes: not named x-" "$ink_assess" --model "$model" --unseen "$tmp/bad"
expect_error "a missing unseen folder" "$tmp/none: cannot open the folder" "$ink_assess" --model "$model" --digits "$tmp/tiny/digits" --unseen "$tmp/none"
# (toy models from here on: no real model reads the final set)
expect_error "a digit among the final non-digits" "$tmp/bad/3-round-01.strokes: not named x-" "$ink_assess" --model "$tmp/three.safetensors" --final "$tmp/bad"
expect_error "a missing final folder" "$tmp/none: cannot open the folder" "$ink_assess" --model "$tmp/three.safetensors" --final "$tmp/none"
expect_error "a missing model" "$tmp/none.safetensors" "$ink_assess" --model "$tmp/none.safetensors" --digits "$tmp/tiny/digits"
printf 'not a checkpoint' >"$tmp/bad.safetensors"
expect_error "a corrupt model" "$tmp/bad.safetensors" "$ink_assess" --model "$tmp/bad.safetensors" --digits "$tmp/tiny/digits"
expect_error "a model of three classes" "$tmp/abc.safetensors: reads 3 classes" "$ink_assess" --model "$tmp/abc.safetensors" --digits "$tmp/tiny/digits"
expect_error "a threshold out of range" "--threshold 1.5: expected a number in (0, 1]" "$ink_assess" --model "$model" --digits "$tmp/tiny/digits" --threshold 1.5
expect_error "a threshold that is not a number" "--threshold 0.6x" "$ink_assess" --model "$model" --digits "$tmp/tiny/digits" --threshold 0.6x
"$ink_assess" --model "$model" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && head -n 1 "$tmp/err" | grep -q '^usage: ink-assess'; then ok "no folder to score: the usage, exit 2"
else not_ok "no folder to score: the usage, exit 2" "exit $rc" "$(head -n 1 "$tmp/err")"; fi
: >"$tmp/file"
expect_error "proxy-sets: OUT is a file" "$tmp/file: cannot create the folder: a file is in the way" "$proxy_sets" "$tmp/file"
expect_error "proxy-sets --only that selects nothing" "--only zz" "$proxy_sets" "$tmp/d" --only zz
if [ ! -e "$tmp/d" ]; then ok "nothing written when nothing is selected"; else not_ok "nothing written when nothing is selected"; fi

tap_done
