#!/usr/bin/env bash
# Samples of no class (label 255, DLAB_LABEL_NONE; the sketchpad model's
# drawings that are no digit): a training split may hold them, they train
# toward equal probabilities and count in no accuracy; a test split holding
# one is refused, naming the file; a folder export refuses them.
# TAP output. Usage: test_no_class.sh PATH/TO/dlab
set -u
dlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/tiny_mnist.sh"

# set_label FILE INDEX VALUE: one label byte of an IDX labels file.
set_label() { printf "\\$(printf '%03o' "$3")" | dd of="$1" bs=1 seek=$((8 + $2)) conv=notrunc status=none; }
# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', wanted '$2'"; fi; }

make_tiny_mnist "$tmp/tiny"
raw=$tmp/tiny/MNIST/raw
# Every fourth training image of no class: 25 of 100.
for i in $(seq 0 4 99); do set_label "$raw/train-labels-idx1-ubyte" "$i" 255; done

out=$("$dlab" data info --data "$tmp/tiny" --dataset mnist 2>&1)
is "$?" 0 "a training split with labels 255 opens"

# A rate too small to change anything: the accuracy of the training steps
# is that of dlab eval on the training split, over its 75 labelled images
# (a loop dividing by all 100 images would report three quarters of it).
out=$("$dlab" train --data "$tmp/tiny" --model "flatten | linear 10" --batch-size 25 --threads 1 --epochs 1 \
  --optimizer sgd --lr 1e-9 --seed 3 --out "$tmp/all.safetensors" --log "$tmp/all" 2>&1)
is "$?" 0 "training with samples of no class: $(tail -1 <<<"$out")"
train_acc=$(awk -F, 'NR > 1 && $6 != "" {print $7}' "$tmp/all/metrics.csv" | tail -1)
out=$("$dlab" eval --model "$tmp/all.safetensors" --data "$tmp/tiny" --split train 2>&1)
eval_acc=$(sed -n 's/^accuracy \([0-9.]*\) .*over 75 images.*/\1/p' <<<"$out")
same=$(awk -v a="$train_acc" -v b="$eval_acc" 'BEGIN { print (b != "" && a > 0 && a - b < 1e-3 && b - a < 1e-3) ? 1 : 0 }')
is "$same" 1 "training accuracy $train_acc = evaluation over the 75 labelled images ($eval_acc)"

"$dlab" train --data "$tmp/tiny" --model "flatten | linear 10" --batch-size 25 --threads 1 --epochs 1 \
  --optimizer sgd --lr 1e-9 --val-split 0.2 --out "$tmp/m.safetensors" --quiet
out=$("$dlab" eval --model "$tmp/m.safetensors" --data "$tmp/tiny" --split val --val-split 0.2 2>&1)
n_none=$(grep -c "of no class" <<<"$out")
is "$n_none" 1 "dlab eval --split val says how many images of no class it left out"
scored=$(sed -n 's/.*standard error over \([0-9]*\) images.*/\1/p' <<<"$out")
left=$(sed -n 's/^\([0-9]*\) images of no class.*/\1/p' <<<"$out")
is "$((scored + left))" 20 "the validation split's 20 images: $scored scored, $left of no class"
is "$(grep -c '^calibration_error [0-9.]*$' <<<"$out")" 1 "dlab eval prints the calibration error"

# The loss of a row of no class is lse(z) - mean(z): with all logits equal
# (zero weights would do; here: a model trained a moment) it is finite.
is "$(grep -c '^loss [0-9.]*$' <<<"$out")" 1 "the loss over rows of no class is finite"

out=$("$dlab" data export --data "$tmp/tiny" --dataset mnist --out "$tmp/png" 2>&1)
rc=$?
is "$rc,$(grep -c 'belongs to no class' <<<"$out")" "1,1" "export refuses a sample of no class: $out"

set_label "$raw/t10k-labels-idx1-ubyte" 3 255
out=$("$dlab" data info --data "$tmp/tiny" --dataset mnist 2>&1)
rc=$?
is "$rc,$(grep -c 't10k-labels-idx1-ubyte: label 255 of sample 3 is out of range' <<<"$out")" "1,1" \
  "a test split with label 255 is refused, naming the file: $out"

tap_done
