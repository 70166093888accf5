#!/usr/bin/env bash
# The tutorials' recipes: `dlab recipes` lists them, `dlab train --recipe`
# runs exactly their settings with later options overriding, and each recipe
# trains on files in its dataset's real format (CIFAR-10 and EMNIST cannot be
# downloaded here: small files written by this test stand in for them).
# TAP output. Usage: test_recipes.sh PATH/TO/dlab
set -u
dlab=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"

# --- listing ----------------------------------------------------------------
"$dlab" recipes >"$tmp/out" 2>"$tmp/err"
for name in mlp-mnist lenet-fashion lenet3x3-fashion cifarnet-cifar10 digitnet-png emnistnet-emnist speedrun \
  best-mnist best-fashion; do
  if grep -q "^$name$" "$tmp/out"; then ok "dlab recipes lists $name"
  else not_ok "dlab recipes lists $name" "$(head -c 400 "$tmp/out")"; fi
done
"$dlab" recipes mlp-mnist >"$tmp/out" 2>&1
check "the MLP recipe is the tutorial's: normalize 0.5/0.5, SGD 0.01 momentum 0.5, stepstart:5:0.1, batch 64, 20 epochs" \
  grep -qF -- "--dataset mnist --model mlp --transform normalize:0.5:0.5 --optimizer sgd --lr 0.01 --momentum 0.5 --schedule stepstart:5:0.1 --batch-size 64 --epochs 20" "$tmp/out"
"$dlab" recipes digitnet-png >"$tmp/out" 2>&1
check "the PNG-folder recipe keeps the best validation loss on a 0.9/0.1 split with seed 42" \
  grep -qF -- "--val-split 0.1 --split-seed 42 --save-best val_loss" "$tmp/out"
check "the PNG-folder recipe names what its tutorial reports" grep -qF "98.15%" "$tmp/out"
"$dlab" recipes cifarnet-cifar10 >"$tmp/out" 2>&1
check "the CIFAR-10 recipe keeps the tutorial's unshuffled batches of 16" \
  grep -qF -- "--batch-size 16 --no-shuffle" "$tmp/out"
"$dlab" recipes speedrun >"$tmp/out" 2>&1
check "the speedrun recipe is Adam one-cycle to 0.01, label smoothing 0.1, batch 128, 3 epochs" \
  grep -qF -- "--optimizer adam --lr 0.01 --schedule onecycle --label-smoothing 0.1 --batch-size 128 --epochs 3" "$tmp/out"
if grep -q "tutorial:" "$tmp/out"; then not_ok "the speedrun recipe names no tutorial" "$(cat "$tmp/out")"
else ok "the speedrun recipe names no tutorial"; fi
# The command it prints runs as pasted (its network spec is quoted), here on a
# tiny MNIST: 100 images, one step of 128 per epoch.
. "$(dirname "$0")/tiny_mnist.sh"
make_tiny_mnist "$tmp/tiny"
command=$(tail -n 1 "$tmp/out" | sed 's/^ *dlab train //')
eval "\"\$dlab\" train $command --data \"\$tmp/tiny\" --out \"\$tmp/speedrun.safetensors\" --log \"\$tmp/speedrun-log\"" \
  >"$tmp/run" 2>&1
check "the speedrun command trains LeNet-5's 44,426 parameters as pasted" \
  grep -q "training a custom network (44426 parameters) on mnist: 100 train" "$tmp/run"
lrs=$(awk -F, 'NR > 1 && $3 != "" { printf "%s%.3g", sep, $3; sep = " " }' "$tmp/speedrun-log/metrics.csv" 2>/dev/null)
case $lrs in
  "0.0"[0-9]*" 0.0"[0-9]*" "*"e-0"[5-9]) ok "...one step per epoch, the learning rate one-cycle down to almost nothing: $lrs" ;;
  *) not_ok "...one step per epoch, the learning rate one-cycle down to almost nothing" "got: $lrs" ;;
esac
# The record recipes (issue 16): each command as pasted parses and builds its
# network; one step of 128 on the tiny sets, not a real run. best-fashion
# must stay within a million parameters.
mkdir -p "$tmp/tiny/FashionMNIST"
cp -r "$tmp/tiny/MNIST/raw" "$tmp/tiny/FashionMNIST/raw"
for recipe in best-mnist best-fashion; do
  "$dlab" recipes "$recipe" >"$tmp/out" 2>&1
  if grep -q "tutorial:" "$tmp/out"; then not_ok "the $recipe recipe names no tutorial" "$(cat "$tmp/out")"
  else ok "the $recipe recipe names no tutorial"; fi
  command=$(tail -n 1 "$tmp/out" | sed 's/^ *dlab train //')
  case $command in
    *--val-split*) not_ok "the $recipe recipe trains on all the training images" "$command" ;;
    *) ok "the $recipe recipe trains on all the training images (no validation split)" ;;
  esac
  eval "\"\$dlab\" train $command --epochs 1 --data \"\$tmp/tiny\" --out \"\$tmp/\$recipe.safetensors\"" >"$tmp/run" 2>&1
  params=$(sed -n 's/^training a custom network (\([0-9]*\) parameters) on .*: 100 train.*/\1/p' "$tmp/run")
  if [ -n "$params" ] && [ -s "$tmp/$recipe.safetensors" ]; then ok "the $recipe command trains as pasted ($params parameters)"
  else not_ok "the $recipe command trains as pasted" "$(tail -n 5 "$tmp/run")"; fi
  case $recipe in
    best-mnist)
      check "...on MNIST, rotated, shifted, scaled and sheared" grep -q "on mnist: .*" "$tmp/run"
      check "...with the Train page's rotation, shift and scale/shear switches" \
        grep -q "^transforms: rotate:10.*,crop:28:2.*,affine:0:0/0:0.9/1.1:8" "$tmp/run" ;;
    best-fashion)
      check "...on Fashion-MNIST, shifted and mirrored" grep -q "on fashion-mnist: .*" "$tmp/run"
      check "...with the Train page's shift and mirror switches" grep -q "^transforms: crop:28:2.*,hflip" "$tmp/run"
      if [ -n "$params" ] && [ "$params" -le 1000000 ]; then ok "...with at most 1,000,000 parameters: $params"
      else not_ok "...with at most 1,000,000 parameters" "got: ${params:-none}"; fi ;;
  esac
done
expect_error "an unknown recipe lists the known ones" "lenet-fashion" "$dlab" train --recipe lenet-fahsion
expect_error "--recipe without a name" "needs a name" "$dlab" train --recipe
expect_error "two recipes" "once" "$dlab" train --recipe mlp-mnist --recipe lenet-fashion

# --- small files in the real formats ------------------------------------------
mkdir -p "$tmp/data/cifar-10-batches-bin" "$tmp/data/EMNIST/raw"
"$py" - "$tmp/data" <<'PY'
import gzip, os, random, struct, sys
root = sys.argv[1]
rng = random.Random(7)
def record(label):
    # class k: a bright square in a class-dependent place, on noise
    px = bytearray(rng.randrange(40) for _ in range(3 * 32 * 32))
    x0 = (label % 5) * 6
    y0 = (label // 5) * 14
    for c in range(3):
        for y in range(y0, y0 + 10):
            for x in range(x0, x0 + 6):
                px[c * 1024 + y * 32 + x] = 220
    return bytes([label]) + bytes(px)
cifar = os.path.join(root, "cifar-10-batches-bin")
for name, n in [("data_batch_%d.bin" % i, 40) for i in range(1, 6)] + [("test_batch.bin", 50)]:
    with open(os.path.join(cifar, name), "wb") as f:
        for i in range(n):
            f.write(record(i % 10))
def idx(path, dims, data):
    with gzip.open(path + ".gz", "wb") as f:
        f.write(struct.pack(">HBB", 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data)
raw = os.path.join(root, "EMNIST", "raw")
for split, n in (("train", 200), ("test", 100)):
    labels = bytes(i % 10 for i in range(n))
    images = bytearray()
    for label in labels:
        img = bytearray(28 * 28)
        for y in range(4, 24):
            img[y * 28 + 4 + 2 * label] = 255
        images += img
    idx(os.path.join(raw, "emnist-mnist-%s-images-idx3-ubyte" % split), (n, 28, 28), bytes(images))
    idx(os.path.join(raw, "emnist-mnist-%s-labels-idx1-ubyte" % split), (n,), labels)
PY

"$dlab" train --recipe cifarnet-cifar10 --data "$tmp/data" --epochs 1 --out "$tmp/cifar.safetensors" \
  --log "$tmp/cifar-log" >"$tmp/out" 2>"$tmp/err"
check "the CIFAR-10 recipe trains cifarnet on CIFAR-10 batches" grep -q "training cifarnet .* on cifar10: 200 train" "$tmp/out"
check "the CIFAR-10 recipe runs at the tutorial's learning rate 0.01" \
  awk -F, 'NR > 1 && $3 != "" { d = $3 - 0.01; if (d * d > 1e-16) bad = 1; n++ } END { exit !(n == 13 && !bad) }' "$tmp/cifar-log/metrics.csv"

"$dlab" train --recipe emnistnet-emnist --data "$tmp/data" --epochs 1 --limit 40 --out "$tmp/emnist.safetensors" \
  >"$tmp/out" 2>"$tmp/err"
check "the EMNIST recipe trains emnistnet on emnist-mnist with batches of 4" grep -q "training emnistnet .* on emnist-mnist: 40 train" "$tmp/out"
"$dlab" eval --model "$tmp/emnist.safetensors" --data "$tmp/data" >"$tmp/out" 2>"$tmp/err"
check "its checkpoint keeps EMNIST's stored orientation and evaluates with a standard error" \
  grep -qE "^accuracy [01]\.[0-9]+ ± 0\.[0-9]+ \(standard error over 100 images\)" "$tmp/out"

# --- MNIST and Fashion-MNIST: the recipes themselves, shortened ---------------
if "$dlab" data info --dataset mnist >/dev/null 2>&1; then
  "$dlab" train --recipe mlp-mnist --limit 64 --epochs 11 --out "$tmp/mlp.safetensors" --log "$tmp/mlp-log" \
    >"$tmp/out" 2>"$tmp/err"
  # One step per epoch: column 3 is the learning rate of each step.
  lrs=$(awk -F, 'NR > 1 && $3 != "" { printf "%s%.6g", sep, $3; sep = " " }' "$tmp/mlp-log/metrics.csv")
  want="0.001 0.001 0.001 0.001 0.001 0.0001 0.0001 0.0001 0.0001 0.0001 1e-05"
  if [ "$lrs" = "$want" ]; then ok "the MLP recipe cuts the learning rate at epochs 0, 5 and 10: $lrs"
  else not_ok "the MLP recipe's learning rate per epoch" "got:  $lrs" "want: $want"; fi
  "$dlab" train --recipe digitnet-png --limit 600 --epochs 2 --out "$tmp/digit.safetensors" >"$tmp/out" 2>"$tmp/err"
  check "the PNG-folder recipe splits off 10% for validation and keeps the best validation loss" \
    grep -q "best: epoch [12], val_loss" "$tmp/out"
  check "...and augments with rotation and a padded crop" grep -q "transforms: .*rotate" "$tmp/out"
else
  skip "the MLP recipe's learning rates" "MNIST is not in \$DLAB_DATA (tools/fetch-data.sh)"
  skip "the PNG-folder recipe's validation split" "no MNIST"
  skip "the PNG-folder recipe's augmentation" "no MNIST"
fi
if "$dlab" data info --dataset fashion-mnist >/dev/null 2>&1; then
  "$dlab" train --recipe lenet-fashion --epochs 1 --limit 512 --batch-size 128 --out "$tmp/lenet.safetensors" \
    --log "$tmp/lenet-log" >"$tmp/out" 2>"$tmp/err"
  check "options after --recipe override it: 1 epoch of batch 128 instead of 10 of 256" \
    grep -q "^epoch 1/1 .* ± " "$tmp/out"
  check "...four steps of 128" awk -F, 'NR > 1 && $3 != "" { n++ } END { exit !(n == 4) }' "$tmp/lenet-log/metrics.csv"
else
  skip "options after --recipe override it" "Fashion-MNIST is not in \$DLAB_DATA"
  skip "four steps of 128" "no Fashion-MNIST"
fi

tap_done
