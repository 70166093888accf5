#!/usr/bin/env bash
# dlab train --patience N (early stopping): the run ends N epochs after the
# best --save-best epoch, also across a resume, and asks for --save-best.
# TAP output. Usage: test_patience.sh PATH/TO/dlab
set -u
dlab=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"

. "$(dirname "$0")/tiny_mnist.sh"
make_tiny_mnist "$tmp/tiny"
# A learning rate so small that the validation accuracy cannot change: the
# best stays epoch 1 (val_acc must be strictly better to count).
train() {
  "$dlab" train --data "$tmp/tiny" --model "flatten | linear 10" --batch-size 20 --threads 1 --lr 1e-9 --optimizer sgd \
    --val-split 0.2 --save-best val_acc "$@"
}
# The epoch rows of metrics.csv (the step rows leave train_loss empty).
rows() { awk -F, 'NR > 1 && $6 != ""' "$1/metrics.csv" | wc -l; }
# is GOT WANT NAME: ok when GOT equals WANT.
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', wanted '$2'"; fi; }

out=$(train --epochs 10 --patience 2 --out "$tmp/a.safetensors" --log "$tmp/a" 2>&1)
is "$(grep -c 'stopped early after epoch 3' <<<"$out")" 1 "--patience 2: stops after epoch 3 of 10 (best epoch 1): $(tail -1 <<<"$out")"
is "$(rows "$tmp/a")" 3 "metrics.csv holds the 3 epochs trained"
is "$(grep -c -- '--patience 2' "$tmp/a/command.txt")" 1 "command.txt repeats --patience"

out=$(train --epochs 10 --out "$tmp/b.safetensors" --log "$tmp/b" 2>&1)
is "$(grep -c 'stopped early' <<<"$out"),$(rows "$tmp/b")" "0,10" "without --patience all 10 epochs run"

# Across a resume: 2 epochs, then --resume with --patience 2 stops after
# epoch 3, as the uninterrupted run did (the best epoch survives the resume).
train --epochs 2 --out "$tmp/c.safetensors" --log "$tmp/c" --quiet
out=$(train --epochs 10 --patience 2 --out "$tmp/c.safetensors" --log "$tmp/c" --resume 2>&1)
is "$(grep -c 'stopped early after epoch 3' <<<"$out"),$(rows "$tmp/c")" "1,3" \
  "resumed after epoch 2, --patience 2 stops after epoch 3: $(tail -1 <<<"$out")"

out=$("$dlab" train --data "$tmp/tiny" --patience 2 --epochs 2 --out "$tmp/d.safetensors" 2>&1)
is "$?,$(grep -c -- '--patience needs --save-best' <<<"$out")" "1,1" "--patience without --save-best: $out"
is "$([ -e "$tmp/d.safetensors" ] && echo written || echo none)" none "and nothing is written"
out=$("$dlab" train --data "$tmp/tiny" --patience -1 2>&1)
is "$(grep -c -- '--patience -1' <<<"$out")" 1 "--patience -1 is refused with its range: $out"
tap_done
