#!/usr/bin/env bash
# Acceptance of the data pipeline on the real MNIST: a PNG folder exported
# from MNIST (`dlab data export`) and trained on gives exactly the same test
# accuracy and loss as training on the IDX files with the same seed. A subset
# (the first 4000 training and 2000 test images, written here as IDX files)
# keeps it to seconds; tests/data/acceptance_mnist.sh does the full set.
# Usage: test_png_roundtrip.sh PATH/TO/dlab. TAP output; skipped without
# MNIST in $DLAB_DATA (tools/fetch-data.sh).
set -u
dlab=$1
py=/usr/bin/python3
raw=${DLAB_DATA:-data}/MNIST/raw
if [ ! -f "$raw/train-images-idx3-ubyte" ] && [ ! -f "$raw/train-images-idx3-ubyte.gz" ]; then
  echo "1..0 # SKIP MNIST is not in $raw (tools/fetch-data.sh)"
  exit 77
fi
[ -x "$py" ] || { echo "1..0 # SKIP $py is absent"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
run() { "$@" >"$tmp/out" 2>&1 || { not_ok "$*" "$(head -c 600 "$tmp/out")"; echo "1..$n"; exit 1; }; }

# The first N images and labels of each split, in the official IDX format.
run "$py" - "$raw" "$tmp/idx/MNIST/raw" <<'PY'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
def read(name):
    p = os.path.join(src, name)
    return open(p, 'rb').read() if os.path.exists(p) else gzip.open(p + '.gz').read()
for split, count in [('train', 4000), ('t10k', 2000)]:
    images, labels = read(f'{split}-images-idx3-ubyte'), read(f'{split}-labels-idx1-ubyte')
    magic, _, h, w = struct.unpack('>IIII', images[:16])
    open(os.path.join(dst, f'{split}-images-idx3-ubyte'), 'wb').write(
        struct.pack('>IIII', magic, count, h, w) + images[16:16 + count * h * w])
    open(os.path.join(dst, f'{split}-labels-idx1-ubyte'), 'wb').write(
        struct.pack('>II', 0x801, count) + labels[8:8 + count])
PY
idx=$tmp/idx

run "$dlab" data export --data "$idx" --out "$tmp/png"
if grep -q "wrote 4000 train and 2000 test PNGs" "$tmp/out"; then ok "export: $(head -c 120 "$tmp/out")"
else not_ok "export writes 4000 train and 2000 test PNGs" "$(head -c 400 "$tmp/out")"; fi

# Same seed, thread count and normalization: the same arithmetic on the CPU.
common=(--model digitnet --optimizer adam --lr 1e-3 --batch-size 64 --epochs 2 --seed 7 --threads 2 --quiet)
run "$dlab" train --dataset mnist --data "$idx" "${common[@]}" --out "$tmp/idx.safetensors"
# The folder has no published statistics: give MNIST's, which the IDX run uses.
run "$dlab" train --dataset "folder:$tmp/png" --transform normalize:0.1307:0.3081 "${common[@]}" \
  --out "$tmp/png.safetensors"
run "$dlab" eval --data "$idx" --model "$tmp/idx.safetensors" --threads 2
head -2 "$tmp/out" >"$tmp/idx_eval"
run "$dlab" eval --model "$tmp/png.safetensors" --threads 2
head -2 "$tmp/out" >"$tmp/png_eval"

acc=$(awk '/^accuracy/ {print $2}' "$tmp/idx_eval")
# A network that learned nothing would also match: make sure this one learned.
if awk -v a="${acc:-0}" 'BEGIN { exit !(a >= 0.8) }'; then ok "the IDX run learned: test accuracy $acc"
else not_ok "the IDX run reaches 0.8 test accuracy" "$(cat "$tmp/idx_eval")"; fi
if [ -s "$tmp/idx_eval" ] && cmp -s "$tmp/idx_eval" "$tmp/png_eval"; then
  ok "PNG folder and IDX files give the same test accuracy and loss: $(tr '\n' ' ' <"$tmp/png_eval")"
else
  not_ok "PNG folder and IDX files give the same test accuracy and loss" \
    "idx: $(tr '\n' ' ' <"$tmp/idx_eval")" "png: $(tr '\n' ' ' <"$tmp/png_eval")"
fi
tap_done
