#!/usr/bin/env bash
# dlab inside: the pictures of every layer for a drawing or an image, and a
# clear message naming the file for a bad model, drawing or --out.
# TAP output. Usage: test_inside.sh PATH/TO/dlab
set -u
dlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
src=${DLAB_SOURCE_ROOT:-$(dirname "$0")/../..}
model=$src/resources/default-model.safetensors
seven=$src/tests/data/strokes/7-plain.strokes
inside() { "$dlab" inside "$@" >"$tmp/out" 2>"$tmp/err"; }

# A drawn 7 with the built-in model: one picture per layer, the filters,
# the saliency of the predicted class and the summary, in a folder created
# with its parents.
out=$tmp/new/inside
check "dlab inside --strokes writes into a new folder" inside --model "$model" --strokes "$seven" --out "$out"
layers=$(grep -cE '^[0-9]+ ' "$out/summary.txt" 2>/dev/null)
pngs=$(ls "$out" 2>/dev/null | grep -cE '^layer-[0-9]{2}-[a-z0-9]+\.png$')
if [ "${layers:-0}" -gt 0 ] && [ "$layers" = "$pngs" ]; then ok "one layer picture per layer ($pngs)"
else not_ok "one layer picture per layer" "summary lists ${layers:-0}, $pngs pictures" "$(ls "$out" 2>&1)"; fi
for f in input.png filters.png saliency-7.png summary.txt; do
  if [ -s "$out/$f" ]; then ok "writes $f"; else not_ok "writes $f" "$(ls "$out" 2>&1)"; fi
done
if grep -q '^predicted: 7$' "$out/summary.txt" && grep -q 'd logit\[7\] / d input' "$out/summary.txt"; then
  ok "the summary names the prediction and the saliency's logit"
else not_ok "the summary names the prediction and the saliency's logit" "$(cat "$out/summary.txt")"; fi
if ls -a "$out" | grep -q '\.tmp-'; then not_ok "no temporary file left" "$(ls -a "$out")"; else ok "no temporary file left"; fi

# An image, and the saliency of a class asked for.
check "dlab inside --image --class 3" inside --model "$model" --image "$out/input.png" --class 3 --out "$tmp/image"
if [ -s "$tmp/image/saliency-3.png" ]; then ok "writes saliency-3.png"; else not_ok "writes saliency-3.png" "$(ls "$tmp/image")"; fi

# An MLP (trained for a moment on MNIST, when it is here): its first linear
# layer's weights as 28x28 images.
if DLAB_DATA=${DLAB_DATA:-$src/data} "$dlab" train --model mlp --dataset mnist --limit 200 --epochs 1 \
    --out "$tmp/mlp.safetensors" >"$tmp/out" 2>"$tmp/err"; then
  check "dlab inside on an MLP" inside --model "$tmp/mlp.safetensors" --strokes "$seven" --out "$tmp/mlp"
  if [ -s "$tmp/mlp/filters.png" ] && grep -q '^7 .*linear' "$tmp/mlp/summary.txt"; then
    ok "an MLP's first-layer weights are pictured, its 8 layers listed"
  else not_ok "an MLP's first-layer weights are pictured" "$(ls "$tmp/mlp" 2>&1)"; fi
else
  skip "dlab inside on an MLP" "no MNIST to train one ($(head -c 200 "$tmp/err"))"
  skip "an MLP's first-layer weights are pictured" "no MNIST"
fi

# Mistakes: one message naming the file or the option, nothing written.
printf 'not a checkpoint' >"$tmp/bad.safetensors"
expect_error "a bad model" "$tmp/bad.safetensors" "$dlab" inside --model "$tmp/bad.safetensors" --strokes "$seven" --out "$tmp/o1"
printf 'garbage\n' >"$tmp/bad.strokes"
expect_error "a bad drawing" "$tmp/bad.strokes" "$dlab" inside --model "$model" --strokes "$tmp/bad.strokes" --out "$tmp/o2"
expect_error "a missing drawing" "$tmp/none.strokes" "$dlab" inside --model "$model" --strokes "$tmp/none.strokes" --out "$tmp/o3"
expect_error "a class the model lacks" "--class 10" "$dlab" inside --model "$model" --strokes "$seven" --class 10 --out "$tmp/o4"
expect_error "a negative class" "--class -1" "$dlab" inside --model "$model" --strokes "$seven" --class -1 --out "$tmp/o5"
: >"$tmp/file"
expect_error "--out is a file" "$tmp/file" "$dlab" inside --model "$model" --strokes "$seven" --out "$tmp/file"
expect_error "--out under a file" "$tmp/file" "$dlab" inside --model "$model" --strokes "$seven" --out "$tmp/file/sub"
expect_error "no input" "usage: dlab inside" "$dlab" inside --model "$model" --out "$tmp/o6"
expect_error "two inputs" "usage: dlab inside" "$dlab" inside --model "$model" --strokes "$seven" --image "$out/input.png" --out "$tmp/o7"
for d in o1 o2 o3 o4 o5 o6 o7; do
  if [ -e "$tmp/$d" ]; then not_ok "nothing written after a mistake ($d)"; continue 2; fi
done
ok "nothing written after a mistake"
if "$dlab" inside --help | grep -q -- "--class"; then ok "dlab inside --help lists --class"; else not_ok "dlab inside --help lists --class"; fi

tap_done
