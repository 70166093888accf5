#!/usr/bin/env bash
# The data side of the dlab command line: `dlab data info|stats|grid|export`,
# the dataset names (EMNIST, CIFAR-10, folders of PNGs) in train and eval,
# transforms, the validation split and best-checkpoint saving, on small
# datasets written here in the official formats. TAP output.
# Usage: test_data_cli.sh PATH/TO/dlab
set -u
dlab=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"



# --- small datasets in the official formats ------------------------------------
"$py" - "$tmp" <<'PY'
import gzip, os, struct, sys
root = sys.argv[1]
def idx_images(n, side=28, seed=0):
    # digit-like blobs: class k lights up column band k, so a network can learn it
    data = bytearray()
    for i in range(n):
        k = (i + seed) % 10
        for y in range(side):
            for x in range(side):
                v = 200 if (x // 3 == k and 4 <= y < 24) else (i * 7 + x * 3 + y) % 40
                data.append(v)
    return struct.pack('>IIII', 0x803, n, side, side) + bytes(data)
def idx_labels(n, seed=0, classes=10, offset=0):
    return struct.pack('>II', 0x801, n) + bytes((i + seed) % classes + offset for i in range(n))
raw = os.path.join(root, 'idx', 'MNIST', 'raw'); os.makedirs(raw)
for name, data in [('train-images-idx3-ubyte', idx_images(300)), ('train-labels-idx1-ubyte', idx_labels(300)),
                   ('t10k-images-idx3-ubyte', idx_images(60, seed=3)), ('t10k-labels-idx1-ubyte', idx_labels(60, seed=3))]:
    open(os.path.join(raw, name), 'wb').write(data)
# EMNIST letters: labels 1..26, images stored transposed
em = os.path.join(root, 'em', 'EMNIST', 'raw'); os.makedirs(em)
for part, n in [('train', 104), ('test', 26)]:
    open(os.path.join(em, f'emnist-letters-{part}-images-idx3-ubyte'), 'wb').write(idx_images(n))
    with gzip.open(os.path.join(em, f'emnist-letters-{part}-labels-idx1-ubyte.gz'), 'wb') as f:
        f.write(idx_labels(n, classes=26, offset=1))
# CIFAR-10 binary batches: label byte, then R, G, B planes
cf = os.path.join(root, 'cf', 'cifar-10-batches-bin'); os.makedirs(cf)
def batch(n, seed):
    out = bytearray()
    for i in range(n):
        out.append((i + seed) % 10)
        out += bytes(((i + seed) * 11 + c * 60 + p) % 256 for c in range(3) for p in range(1024))
    return bytes(out)
for b in range(1, 6):
    open(os.path.join(cf, f'data_batch_{b}.bin'), 'wb').write(batch(8, b))
open(os.path.join(cf, 'test_batch.bin'), 'wb').write(batch(10, 0))
open(os.path.join(cf, 'batches.meta.txt'), 'w').write('\n'.join(
    ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']) + '\n\n')
PY
idx=$tmp/idx

# --- dlab data info / stats / grid ----------------------------------------------
"$dlab" data info --data "$idx" >"$tmp/out" 2>&1
check "data info: counts and per-class table" grep -q "samples      300 train, 60 test" "$tmp/out"
check "data info: 30 training images of class 9" grep -qE "^ +9 +9 +30 +6$" "$tmp/out"
"$dlab" data info --data "$idx" --val-split 0.1 --split-seed 7 >"$tmp/out" 2>&1
check "data info --val-split: 270 train, 30 validation" grep -q "270 train, 30 validation" "$tmp/out"
"$dlab" data stats --data "$idx" >"$tmp/out" 2>&1
want=$("$py" - "$idx/MNIST/raw/train-images-idx3-ubyte" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()[16:]
m = sum(d) / len(d) / 255
s = (sum((v / 255 - m) ** 2 for v in d) / len(d)) ** 0.5
print(f"mean {m:.4f}\nstd {s:.4f}")
PY
)
check "data stats: mean and std of the training split, as Python computes them" \
  bash -c "grep -q '^$(echo "$want" | head -1)\$' '$tmp/out' && grep -q '^$(echo "$want" | tail -1)\$' '$tmp/out' && grep -q '^--transform normalize:' '$tmp/out'"
"$dlab" data grid --data "$idx" --out "$tmp/grid.png" --count 10 --columns 5 --scale 2 >"$tmp/out" 2>&1
size=$("$py" -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print(*struct.unpack('>II', d[16:24]))" "$tmp/grid.png" 2>/dev/null)
# 5 tiles of 56 px + 2 px padding around; rows of 56 px, a 9 px label strip and padding
check "data grid: a 292x136 PNG for 10 samples in 5 columns at scale 2 ($size)" test "$size" = "292 136"
"$dlab" data grid --data "$idx" --out "$tmp/aug.png" --transform rotate:20,crop:28:2 --random 3 --count 8 >"$tmp/out" 2>&1
check "data grid --transform previews augmented random samples" test -s "$tmp/aug.png"
expect_error "data grid without --out" "--out" "$dlab" data grid --data "$idx"
expect_error "unknown data subcommand" "info, stats, grid or export" "$dlab" data show --data "$idx"
expect_error "bad transform in a grid" "unknown transform" "$dlab" data grid --data "$idx" --out "$tmp/x.png" --transform twist:3

# --- export, and training on the export equals training on the IDX files ---------
"$dlab" data export --data "$idx" --out "$tmp/png" >"$tmp/out" 2>&1
check "data export writes PNGs, train.txt, test.txt and classes.txt" \
  bash -c "[ -s '$tmp/png/train/00299.png' ] && [ \$(wc -l <'$tmp/png/train.txt') = 300 ] && [ \$(wc -l <'$tmp/png/test.txt') = 60 ] && head -1 '$tmp/png/train.txt' | grep -qP '^train/00000.png\t0$'"
"$dlab" data info --dataset "folder:$tmp/png" >"$tmp/out" 2>&1
check "the export loads as folder:DIR with the same counts" grep -q "samples      300 train, 60 test" "$tmp/out"
expect_error "export into a folder that is not empty" "not empty" "$dlab" data export --data "$idx" --out "$tmp/png"
"$dlab" data export --data "$idx" --out "$tmp/png_classes" --layout folders >"$tmp/out" 2>&1
check "data export --layout folders: one folder per class" test -s "$tmp/png_classes/train/7/00007.png"
common=(--model lenet --epochs 2 --batch-size 32 --seed 5 --threads 1 --quiet)
"$dlab" train --data "$idx" "${common[@]}" --out "$tmp/idx.safetensors" >"$tmp/out" 2>&1
"$dlab" train --dataset "folder:$tmp/png" --transform normalize:0.1307:0.3081 "${common[@]}" \
  --out "$tmp/png.safetensors" >>"$tmp/out" 2>&1
"$dlab" eval --model "$tmp/idx.safetensors" --data "$idx" --threads 1 | head -2 >"$tmp/idx_eval"
"$dlab" eval --model "$tmp/png.safetensors" --threads 1 | head -2 >"$tmp/png_eval"
if [ -s "$tmp/idx_eval" ] && cmp -s "$tmp/idx_eval" "$tmp/png_eval"; then
  ok "trained on the PNG export, the same test accuracy and loss as on the IDX files: $(tr '\n' ' ' <"$tmp/idx_eval")"
else not_ok "PNG export and IDX train the same" "idx: $(cat "$tmp/idx_eval")" "png: $(cat "$tmp/png_eval")" "$(head -c 400 "$tmp/out")"; fi

# --- validation split, best checkpoint, transforms, CSV ------------------------------
"$dlab" train --data "$idx" --model lenet --epochs 3 --batch-size 32 --val-split 0.1 --split-seed 42 \
  --save-best val_acc --transform rotate:5,crop:28:2 --out "$tmp/run.safetensors" --log "$tmp/log" >"$tmp/out" 2>&1
check "train --val-split: 270 train, 30 validation images" grep -q "270 train, 30 validation, 60 test" "$tmp/out"
check "a validation line after each epoch" test "$(grep -c '^  val loss' "$tmp/out")" = 3
check "--save-best val_acc writes RUN.best.safetensors and says which epoch" \
  bash -c "[ -s '$tmp/run.best.safetensors' ] && grep -q '^best: epoch [123], val_acc' '$tmp/out'"
check "the transforms are echoed" grep -q "^transforms: rotate:5:0,crop:28:2:0" "$tmp/out"
check "metrics.csv keeps its columns and adds val_loss, val_accuracy" \
  bash -c "head -1 '$tmp/log/metrics.csv' | grep -q '^epoch,step,lr,loss,accuracy,train_loss,train_accuracy,test_loss,test_accuracy,images_per_sec,seconds,val_loss,val_accuracy$' && tail -1 '$tmp/log/metrics.csv' | grep -qE ',0\\.[0-9]+,[01](\\.[0-9]+)?$'"
"$dlab" eval --model "$tmp/run.best.safetensors" --data "$idx" --split val --val-split 0.1 --split-seed 42 >"$tmp/out" 2>&1
check "eval --split val evaluates the same 30 validation images" \
  bash -c "grep -qE '^accuracy [01]\\.[0-9]{4} ± 0\\.[0-9]{4} \\(standard error over 30 images\\)$' '$tmp/out' && [ \$(grep -cE '^ +[0-9] +( +[0-9]+){10}' '$tmp/out') = 10 ]"
expect_error "--save-best without a validation split" "--val-split" "$dlab" train --data "$idx" --save-best val_acc --out "$tmp/x.safetensors"
expect_error "--save-best with an unknown metric" "val_loss or val_acc" "$dlab" train --data "$idx" --val-split 0.1 --save-best accuracy --out "$tmp/x.safetensors"
expect_error "--val-split out of range" "--val-split 1.5" "$dlab" train --data "$idx" --val-split 1.5 --epochs 1 --out "$tmp/x.safetensors"
expect_error "a malformed transform" "rotate:x" "$dlab" train --data "$idx" --transform rotate:x --out "$tmp/x.safetensors"
expect_error "a crop that changes the size" "crop:24" "$dlab" train --data "$idx" --transform crop:24 --epochs 1 --out "$tmp/x.safetensors"
expect_error "eval --split val without the split" "--val-split" "$dlab" eval --model "$tmp/run.safetensors" --data "$idx" --split val
expect_error "an unknown dataset lists the known ones" "cifar10, folder:DIR" "$dlab" train --dataset cifar100 --out "$tmp/x.safetensors"
[ ! -e "$tmp/x.safetensors" ] && ok "failed runs leave no checkpoint" || not_ok "failed runs leave no checkpoint"

# --- EMNIST letters and CIFAR-10 through the CLI ----------------------------------------
"$dlab" data info --dataset emnist-letters --data "$tmp/em" >"$tmp/out" 2>&1
check "emnist-letters: 27 classes (N/A, a..z), upright" \
  bash -c "grep -q '^classes      27' '$tmp/out' && grep -qE '^ +0 +N/A +0 +0$' '$tmp/out' && grep -q 'normal' '$tmp/out'"
letters="conv 6 5 | relu | maxpool 2 | flatten | linear 27"
"$dlab" train --dataset emnist-letters --data "$tmp/em" --model "$letters" --epochs 1 --keep-transposed \
  --out "$tmp/em.safetensors" --quiet >"$tmp/out" 2>&1
orient=$("$py" -c "
import json, struct, sys
raw = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', raw[:8])[0]
m = json.loads(raw[8:8 + n])['__metadata__']; print(m['dlab.orientation'], m['dlab.dataset'])" "$tmp/em.safetensors" 2>&1)
check "--keep-transposed: the checkpoint records dlab.orientation transposed ($orient)" test "$orient" = "transposed emnist-letters"
"$dlab" eval --model "$tmp/em.safetensors" --data "$tmp/em" >"$tmp/out" 2>&1
check "eval finds emnist-letters from the checkpoint and reads it transposed" grep -qE '^accuracy' "$tmp/out"
"$dlab" train --dataset cifar10 --data "$tmp/cf" --model cifarnet --epochs 1 --batch-size 8 \
  --transform hflip,crop:32:4 --out "$tmp/cf.safetensors" >"$tmp/out" 2>&1
check "cifar10: cifarnet trains on 40 + 10 images with hflip and crop" grep -q "on cifar10: 40 train, 10 test" "$tmp/out"
"$dlab" data grid --dataset cifar10 --data "$tmp/cf" --out "$tmp/cf.png" --count 4 >"$tmp/out" 2>&1
check "a CIFAR grid is an RGB PNG" "$py" -c "import sys; d=open(sys.argv[1],'rb').read(26); sys.exit(d[25] != 2)" "$tmp/cf.png"

# --- folders of PNGs with other sizes --------------------------------------------------
mkdir -p "$tmp/mixed/train/a" "$tmp/mixed/train/b" "$tmp/mixed/test/a"
"$py" - "$tmp/mixed" <<'PY'
import struct, sys, zlib
def png(path, w, h):
    raw = b''.join(b'\x00' + bytes((x * 9 + y) % 256 for x in range(w)) for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
r = sys.argv[1]
png(r + '/train/a/1.png', 28, 28); png(r + '/train/b/2.png', 28, 28); png(r + '/train/b/3.png', 40, 30)
png(r + '/test/a/4.png', 28, 28)
PY
expect_error "a PNG of another size names the file" "3.png: 40x30" "$dlab" train --dataset "folder:$tmp/mixed" --model "conv 2 3 | flatten | linear 2" --epochs 1 --out "$tmp/x.safetensors"
"$dlab" train --dataset "folder:$tmp/mixed" --resize 28x28 --model "conv 2 3 | flatten | linear 2" --epochs 1 \
  --out "$tmp/mixed.safetensors" >"$tmp/out" 2>&1
check "--resize 28x28 scales it and trains" grep -q "3 train, 1 test" "$tmp/out"

tap_done
