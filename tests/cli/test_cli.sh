#!/usr/bin/env bash
# The dlab command line as a user meets it: listings, training, evaluation,
# prediction, and a clear message (never a crash) for each kind of bad input.
# TAP output. Usage: test_cli.sh PATH/TO/dlab PATH/TO/dump_tfevents
set -u
dlab=$1
dump_tfevents=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"



# --- listings -------------------------------------------------------------
out=$("$dlab" models)
for pair in mlp:267410 lenet:44426 digitnet:65674 emnistnet:44426 cifarnet:145578; do
  name=${pair%%:*} count=${pair##*:}
  if echo "$out" | grep -qE "^$name +[0-9x]+ +$count "; then ok "dlab models lists $name with $count parameters"
  else not_ok "dlab models lists $name with $count parameters" "$out"; fi
done
if "$dlab" models "conv 8 3 pad 1 | relu | maxpool 2 | flatten | linear 10" | grep -q "total trainable parameters: 15770"; then
  ok "dlab models summarizes a custom spec"
else not_ok "dlab models summarizes a custom spec"; fi

# --- spec and option mistakes ---------------------------------------------
expect_error "unknown layer" "flaten" "$dlab" models "conv 6 5 | relu | flaten | linear 10"
expect_error "shapes that do not chain" "add \`flatten\`" "$dlab" models "conv 6 5 | linear 10"
expect_error "unknown option" "did you mean --lr" "$dlab" train --lrr 0.1
expect_error "unknown optimizer" "sgdd" "$dlab" train --optimizer sgdd
expect_error "bad schedule" "cosinus" "$dlab" train --schedule cosinus

# Every numeric option and transform argument is range-checked where it is
# parsed (issue 13: `--lr 1e300` trained with an infinite learning rate,
# `normalize:0:1e300` on zeros): exit 2 before any data is read, and the
# message gives the accepted range. Each line: NEEDLE<TAB>ARGUMENTS.
while IFS=$'\t' read -r needle args; do
  # shellcheck disable=SC2086 # the arguments are split on purpose
  expect_error "out of range: $args" "$needle" "$dlab" $args --data "$tmp/no-such-data"
done <<'EOF2'
--lr 1e300: must be in (0, 10]	train --lr 1e300
--lr 0: must be in (0, 10]	train --lr 0
--lr nan: must be in (0, 10]	train --lr nan
--lr inf: must be in (0, 10]	train --lr inf
--momentum 1: must be in [0, 1)	train --momentum 1
--dampening -0.5: must be in [0, 1]	train --dampening -0.5
--weight-decay 1e9: must be in [0, 1]	train --weight-decay 1e9
--beta1 1: must be in [0, 1)	train --beta1 1
--beta2 -1: must be in [0, 1)	train --beta2 -1
--label-smoothing 1: must be in [0, 1)	train --label-smoothing 1
--epochs 0: must be a whole number in [1, 100000]	train --epochs 0
--epochs 99999999999: must be a whole number in [1, 100000]	train --epochs 99999999999
--batch-size 0: must be a whole number in [1, 65536]	train --batch-size 0
--seed -1: must be a whole number in [0, 2147483647]	train --seed -1
--threads 100000: must be a whole number in [0, 256]	train --threads 100000
--workers 99: must be a whole number in [-1, 4]	train --workers 99
--limit -5: must be a whole number in [0, 2147483647]	train --limit -5
--val-split 1.5: must be in [0, 1)	train --val-split 1.5
--split-seed -1: must be a whole number in [0, 2147483647]	train --split-seed -1
--channels 7: must be a whole number in [0, 3]	train --channels 7
--transform normalize:0:1e300: std 1e+300 is outside [0.001, 10]	train --transform normalize:0:1e300
--transform normalize:1e300:1: mean 1e+300 is outside [-10, 10]	train --transform normalize:1e300:1
--transform rotate:1e300: degrees 1e+300 is outside [0, 180]	train --transform rotate:1e300
--transform elastic:1e39: alpha 1e+39 is outside [0, 1000]	train --transform elastic:1e39
--transform crop:1e300: size 1e+300 is outside [1, 16384]	train --transform crop:1e300
--transform hflip:nan: p nan is outside [0, 1]	train --transform hflip:nan
--batch-size 0: must be a whole number in [1, 65536]	eval --model x.safetensors --batch-size 0
--threads -1: must be a whole number in [0, 256]	eval --model x.safetensors --threads -1
--count 0: must be a whole number in [1, 100000]	data grid --count 0
--columns 0: must be a whole number in [1, 1000]	data grid --columns 0
--scale 1000: must be a whole number in [1, 64]	data grid --scale 1000
--padding -1: must be a whole number in [0, 256]	data grid --padding -1
--first -1: must be a whole number in [0, 2147483647]	data grid --first -1
--random -1: must be a whole number in [0, 2147483647]	data info --random -1
--retries 1000: must be a whole number in [0, 100]	fetch mnist --retries 1000
--max-mb 0: must be a whole number in [1, 1048576]	fetch --url http://127.0.0.1:9/x --out x --max-mb 0
EOF2

# --- bad dataset files ----------------------------------------------------
# write_idx DIR: a tiny valid MNIST in torchvision's layout (100 train, 20 test).
write_idx() {
  mkdir -p "$1/MNIST/raw"
  "$py" - "$1/MNIST/raw" <<'PY'
import struct, sys, os
d = sys.argv[1]
def images(n): return struct.pack('>IIII', 0x803, n, 28, 28) + bytes((i * 7) % 256 for i in range(n * 784))
def labels(n): return struct.pack('>II', 0x801, n) + bytes(i % 10 for i in range(n))
for name, data in [('train-images-idx3-ubyte', images(100)), ('train-labels-idx1-ubyte', labels(100)),
                   ('t10k-images-idx3-ubyte', images(20)), ('t10k-labels-idx1-ubyte', labels(20))]:
    open(os.path.join(d, name), 'wb').write(data)
PY
}
raw=$tmp/bad/MNIST/raw
write_idx "$tmp/bad"
"$py" -c "import sys; f=open(sys.argv[1],'r+b'); f.write(b'\x00\x00\x09\x99')" "$raw/train-images-idx3-ubyte"
expect_error "IDX with a wrong magic" "train-images-idx3-ubyte" "$dlab" train --data "$tmp/bad" --epochs 1 --out "$tmp/x.safetensors"
write_idx "$tmp/bad"
truncate -s 5000 "$raw/train-images-idx3-ubyte"
expect_error "truncated IDX" "truncated" "$dlab" train --data "$tmp/bad" --epochs 1 --out "$tmp/x.safetensors"
write_idx "$tmp/bad"
"$py" -c "
import struct, sys; open(sys.argv[1], 'wb').write(struct.pack('>II', 0x801, 99) + bytes(99))" "$raw/train-labels-idx1-ubyte"
expect_error "label count differs from image count" "99" "$dlab" train --data "$tmp/bad" --epochs 1 --out "$tmp/x.safetensors"
write_idx "$tmp/bad"
gzip -c "$raw/t10k-images-idx3-ubyte" | head -c 300 >"$raw/t10k-images-idx3-ubyte.gz"
rm "$raw/t10k-images-idx3-ubyte"
expect_error "corrupt .gz" "t10k-images-idx3-ubyte.gz" "$dlab" train --data "$tmp/bad" --epochs 1 --out "$tmp/x.safetensors"
[ ! -e "$tmp/x.safetensors" ] && ok "no checkpoint is left behind by failed runs" || not_ok "no checkpoint is left behind by failed runs"

# --- a small run end to end on the tiny dataset -----------------------------
write_idx "$tmp/tiny"
if "$dlab" train --data "$tmp/tiny" --model lenet --epochs 2 --batch-size 16 --out "$tmp/tiny.safetensors" \
     --log "$tmp/log" >"$tmp/out" 2>&1 && [ -s "$tmp/tiny.safetensors" ] && [ -s "$tmp/tiny.optim.safetensors" ]; then
  ok "dlab train writes the checkpoint and the optimizer state"
else not_ok "dlab train writes the checkpoint and the optimizer state" "$(cat "$tmp/out")"; fi
if [ "$(grep -c '^epoch [12]/2 ' "$tmp/out")" = 2 ]; then ok "one plain line per epoch when stdout is not a terminal"
else not_ok "one plain line per epoch when stdout is not a terminal" "$(cat "$tmp/out")"; fi
if head -1 "$tmp/log/metrics.csv" | grep -q '^epoch,step,lr,loss' && [ "$(wc -l <"$tmp/log/metrics.csv")" -eq 17 ]; then
  ok "metrics.csv has a header, 14 step rows and 2 epoch rows"
else not_ok "metrics.csv has a header, 14 step rows and 2 epoch rows" "$(wc -l <"$tmp/log/metrics.csv") lines"; fi
# TensorBoard's copy: every record framed and CRC-checked, one train/loss per
# step and the same losses as metrics.csv (the CSV prints them with %.6g).
if "$dump_tfevents" "$tmp/log" >"$tmp/events" 2>"$tmp/err" && [ "$(grep -c '^train/loss ' "$tmp/events")" -eq 14 ] &&
   [ "$(grep -c '^epoch/test_accuracy ' "$tmp/events")" -eq 2 ] && ! grep -q '^epoch/val_' "$tmp/events"; then
  ok "--log writes a TensorBoard event file with a train/loss per step and per-epoch scalars"
else not_ok "--log writes a TensorBoard event file with a train/loss per step and per-epoch scalars" "$(cat "$tmp/err")" "$(head -5 "$tmp/events")"; fi
csv_losses=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "loss") c = i; next } $2 != "" && $c != "" { printf "%.4f\n", $c }' "$tmp/log/metrics.csv" | head -14)
tb_losses=$(awk '$1 == "train/loss" { printf "%.4f\n", $3 }' "$tmp/events")
if [ -n "$tb_losses" ] && [ "$csv_losses" = "$tb_losses" ]; then ok "the event file's losses are metrics.csv's"
else not_ok "the event file's losses are metrics.csv's" "csv: $(echo $csv_losses)" "tb: $(echo $tb_losses)"; fi
"$dlab" train --data "$tmp/tiny" --model lenet --epochs 3 --batch-size 16 --out "$tmp/tiny.safetensors" --resume >"$tmp/out" 2>&1
if grep -q "resuming .* after epoch 2" "$tmp/out" && grep -q "^epoch 3/3 " "$tmp/out" && ! grep -q "^epoch 1/3" "$tmp/out"; then
  ok "--resume continues after the last saved epoch"
else not_ok "--resume continues after the last saved epoch" "$(cat "$tmp/out")"; fi
expect_error "NaN loss stops with a message" "loss is" "$dlab" train --data "$tmp/tiny" --model lenet --epochs 1 \
  --optimizer sgd --lr 10 --momentum 0.9 --batch-size 4 --out "$tmp/nan.safetensors"

# --- bad checkpoints ----------------------------------------------------------
cp "$tmp/tiny.safetensors" "$tmp/trunc.safetensors"
truncate -s 3000 "$tmp/trunc.safetensors"
expect_error "truncated checkpoint" "trunc.safetensors" "$dlab" eval --model "$tmp/trunc.safetensors" --data "$tmp/tiny"
cp "$tmp/tiny.safetensors" "$tmp/header.safetensors"
printf 'XXXX' | dd of="$tmp/header.safetensors" bs=1 seek=12 conv=notrunc 2>/dev/null
expect_error "checkpoint with a bad header" "header.safetensors" "$dlab" eval --model "$tmp/header.safetensors" --data "$tmp/tiny"
"$py" - "$tmp/tiny.safetensors" "$tmp/mismatch.safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
header['__metadata__']['dlab.arch'] = header['__metadata__']['dlab.arch'].replace('linear 120', 'linear 100')
h = json.dumps(header).encode()
h += b' ' * (-len(h) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(h)) + h + raw[8 + n:])
PY
expect_error "checkpoint that does not match its spec" "mismatch.safetensors" "$dlab" eval --model "$tmp/mismatch.safetensors" --data "$tmp/tiny"
expect_error "missing checkpoint" "nothing.safetensors" "$dlab" eval --model "$tmp/nothing.safetensors" --data "$tmp/tiny"

# --- eval and predict output formats ------------------------------------------
"$dlab" eval --model "$tmp/tiny.safetensors" --data "$tmp/tiny" >"$tmp/out" 2>&1
if grep -qE '^accuracy [01]\.[0-9]{4} ± 0\.[0-9]{4} \(standard error over [0-9]+ images\)$' "$tmp/out" && grep -qE '^loss [0-9]+\.[0-9]{4}$' "$tmp/out" && grep -q "confusion matrix" "$tmp/out"; then
  ok "dlab eval prints accuracy with its standard error, loss and a confusion matrix"
else not_ok "dlab eval prints accuracy, loss and a confusion matrix" "$(cat "$tmp/out")"; fi
"$py" - "$tmp" <<'PY'
import struct, sys, zlib
def png(path, w, h, pixels):
    raw = b''.join(b'\x00' + bytes(pixels[y * w:(y + 1) * w]) for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
png(sys.argv[1] + '/a.png', 28, 28, [(i * 7) % 256 for i in range(784)])
png(sys.argv[1] + '/big.png', 56, 40, [(i * 3) % 256 for i in range(56 * 40)])
open(sys.argv[1] + '/not.png', 'wb').write(b'hello')
PY
"$dlab" predict --model "$tmp/tiny.safetensors" "$tmp/a.png" "$tmp/big.png" >"$tmp/out" 2>"$tmp/err"
if [ "$(grep -cP '^[^\t]+\.png\t[0-9]\t[01]\.[0-9]{4}$' "$tmp/out")" = 2 ]; then ok "dlab predict prints path, class, probability for each image"
else not_ok "dlab predict prints path, class, probability for each image" "$(cat "$tmp/out" "$tmp/err")"; fi
"$dlab" predict --all --model "$tmp/tiny.safetensors" "$tmp/a.png" >"$tmp/out"
if [ "$(awk -F'\t' '{print NF}' "$tmp/out")" = 13 ]; then ok "dlab predict --all adds every class's probability"
else not_ok "dlab predict --all adds every class's probability" "$(cat "$tmp/out")"; fi
expect_error "predict on a file that is not a PNG" "not.png" "$dlab" predict --model "$tmp/tiny.safetensors" "$tmp/not.png"

# --- the real thing: one epoch of LeNet on Fashion-MNIST ----------------------
if "$dlab" train --dataset fashion-mnist --model lenet --epochs 1 --batch-size 64 --optimizer adam --lr 1e-3 \
     --seed 1 --out "$tmp/fashion.safetensors" >"$tmp/out" 2>"$tmp/err"; then
  acc=$("$dlab" eval --model "$tmp/fashion.safetensors" | awk '/^accuracy/ {print $2}')
  if awk -v a="$acc" 'BEGIN { exit !(a >= 0.80) }'; then ok "one epoch of lenet on Fashion-MNIST reaches $acc >= 0.80"
  else not_ok "one epoch of lenet on Fashion-MNIST reaches >= 0.80" "accuracy $acc"; fi
elif grep -q "not found\|no such\|looked in" "$tmp/err"; then
  n=$((n + 1)); echo "ok $n # SKIP Fashion-MNIST is not installed (tools/fetch-data.sh): $(head -c 200 "$tmp/err")"
else not_ok "one epoch of lenet on Fashion-MNIST" "$(cat "$tmp/err")"; fi

tap_done
