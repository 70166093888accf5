#!/usr/bin/env bash
# Devices on the dlab command line: `dlab devices`, `--device` in train and
# eval, and the errors of a GPU that cannot be used (a build without CUDA, a
# machine without a GPU or driver, a GPU number that is not there, a batch
# too large for the GPU's memory) - each a one-line message, never a crash.
# Where a GPU is usable it also trains there and checks that the checkpoint
# evaluates the same on the CPU and the GPU. TAP output.
# Usage: test_device_cli.sh PATH/TO/dlab
set -u
dlab=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"



# --- the device list ------------------------------------------------------------
"$dlab" devices >"$tmp/devices" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && sed -n 2p "$tmp/devices" | grep -q '^cpu '; then
  ok "dlab devices lists the CPU first: $(sed -n 2p "$tmp/devices" | tr -s ' ')"
else
  not_ok "dlab devices lists the CPU first" "exit $rc" "$(head -c 400 "$tmp/devices") $(head -c 200 "$tmp/err")"
fi
if grep -qE '^(CUDA runtime [0-9.]+, driver [0-9a-z.]+|built without CUDA)$' "$tmp/devices"; then
  ok "dlab devices names the CUDA versions: $(grep -E '^(CUDA|built)' "$tmp/devices")"
else
  not_ok "dlab devices names the CUDA versions" "$(cat "$tmp/devices")"
fi
gpus=$(grep -c '^cuda:' "$tmp/devices")
if [ "$gpus" -eq 0 ] && grep -q '^no GPU: .' "$tmp/devices"; then
  ok "without a GPU, dlab devices says why: $(grep '^no GPU' "$tmp/devices")"
elif [ "$gpus" -gt 0 ] && ! grep -q '^no GPU' "$tmp/devices"; then
  ok "dlab devices lists $gpus GPU(s): $(grep '^cuda:0' "$tmp/devices" | tr -s ' ')"
else
  not_ok "a GPU is listed, or the reason there is none" "$(cat "$tmp/devices")"
fi
built_without=0
grep -q '^built without CUDA$' "$tmp/devices" && built_without=1

if "$dlab" devices --check cpu >"$tmp/out" 2>&1 && grep -q '^cpu: ready$' "$tmp/out"; then
  ok "dlab devices --check cpu: ready"
else
  not_ok "dlab devices --check cpu" "$(cat "$tmp/out")"
fi
expect_error_lines 1 "devices --check with a bad name" "unknown device" "$dlab" devices --check tpu

# --- bad --device text, refused before any data is read -----------------------------
nodata="$tmp/no-such-dir"
expect_error_lines 1 "train --device tpu" "--device tpu: unknown device" \
  "$dlab" train --device tpu --data "$nodata" --epochs 1
expect_error_lines 1 "train --device cuda:x" "is not a device number" \
  "$dlab" train --device cuda:x --data "$nodata" --epochs 1
expect_error_lines 1 "eval --device gpu:-1" "is not a device number" \
  "$dlab" eval --device gpu:-1 --model "$tmp/none.safetensors"

# --- a GPU that cannot be used ---------------------------------------------------------
if [ "$gpus" -eq 0 ]; then
  if [ $built_without -eq 1 ]; then why="built without CUDA"; else why="--device cuda:0: "; fi
  expect_error_lines 1 "train --device cuda without a usable GPU" "$why" \
    "$dlab" train --device cuda --data "$nodata" --epochs 1 --out "$tmp/never.safetensors"
  if [ -e "$tmp/never.safetensors" ]; then not_ok "no checkpoint is written"; else ok "no checkpoint is written"; fi
  expect_error_lines 1 "eval --device cuda:0 without a usable GPU" "$why" \
    "$dlab" eval --device cuda:0 --model "$tmp/none.safetensors"
  expect_error_lines 1 "devices --check cuda without a usable GPU" "$why" "$dlab" devices --check cuda
  if [ $built_without -eq 0 ]; then
    # What is missing is said in words (no driver, no GPU), not as a bare code.
    if grep -qE 'driver|no CUDA-capable GPU' "$tmp/err"; then
      ok "the message says what is missing"
    else
      not_ok "the message says what is missing" "$(cat "$tmp/err")"
    fi
  else
    skip "the message says what is missing" "this dlab has no CUDA; checked above"
  fi
else
  expect_error_lines 1 "train --device cuda:$gpus (one past the last GPU)" "cuda:0" \
    "$dlab" train --device "cuda:$gpus" --data "$nodata" --epochs 1
fi

# --- on a GPU: train there, evaluate on both, run out of memory ---------------------------
if [ "$gpus" -eq 0 ]; then
  for t in "train on cuda" "the checkpoint evaluates the same on cpu and cuda" \
           "a CPU run resumes on the GPU" "a batch too large for the GPU gives a message"; do
    skip "$t" "no usable CUDA device"
  done
else
  "$py" - "$tmp" <<'PY'
import os, struct, sys
raw = os.path.join(sys.argv[1], 'MNIST', 'raw'); os.makedirs(raw)
def images(n, seed):
    data = bytearray()
    for i in range(n):
        k = (i + seed) % 10
        for y in range(28):
            for x in range(28):
                data.append(200 if (x // 3 == k and 4 <= y < 24) else (i * 7 + x * 3 + y) % 40)
    return struct.pack('>IIII', 0x803, n, 28, 28) + bytes(data)
def labels(n, seed):
    return struct.pack('>II', 0x801, n) + bytes((i + seed) % 10 for i in range(n))
for name, data in [('train-images-idx3-ubyte', images(600, 0)), ('train-labels-idx1-ubyte', labels(600, 0)),
                   ('t10k-images-idx3-ubyte', images(100, 3)), ('t10k-labels-idx1-ubyte', labels(100, 3))]:
    open(os.path.join(raw, name), 'wb').write(data)
PY
  ck="$tmp/gpu.safetensors"
  if "$dlab" train --device cuda --dataset mnist --data "$tmp" --model lenet --epochs 2 --batch-size 32 \
       --transform rotate:5,crop:28:2 --out "$ck" --quiet >"$tmp/out" 2>&1 && [ -s "$ck" ]; then
    ok "train on cuda: 2 epochs, checkpoint written"
  else
    not_ok "train on cuda" "$(head -c 600 "$tmp/out")"
  fi
  cpu_acc=$("$dlab" eval --device cpu --model "$ck" --data "$tmp" 2>&1 | sed -n 's/^accuracy //p')
  gpu_acc=$("$dlab" eval --device cuda --model "$ck" --data "$tmp" 2>&1 | sed -n 's/^accuracy //p')
  if [ -n "$cpu_acc" ] && [ "$cpu_acc" = "$gpu_acc" ]; then
    ok "the checkpoint evaluates the same on cpu and cuda: accuracy $cpu_acc"
  else
    not_ok "the checkpoint evaluates the same on cpu and cuda" "cpu '$cpu_acc', cuda '$gpu_acc'"
  fi
  # Checkpoints do not care where they were made: one epoch on the CPU, the
  # second (with the optimizer state) on the GPU.
  rs="$tmp/resume.safetensors"
  if "$dlab" train --device cpu --dataset mnist --data "$tmp" --epochs 1 --batch-size 50 --out "$rs" --quiet \
       >"$tmp/out" 2>&1 &&
     "$dlab" train --device cuda --dataset mnist --data "$tmp" --epochs 2 --batch-size 50 --out "$rs" --resume \
       >"$tmp/out2" 2>&1 && grep -q "resuming .* after epoch 1" "$tmp/out2" && grep -q "^epoch 2" "$tmp/out2"; then
    ok "a CPU run resumes on the GPU: $(grep '^epoch 2' "$tmp/out2" | head -c 160)"
  else
    not_ok "a CPU run resumes on the GPU" "$(head -c 300 "$tmp/out")" "$(head -c 600 "$tmp/out2")"
  fi
  expect_error_lines 1 "a batch too large for the GPU gives a message" "out of GPU memory" \
    "$dlab" train --device cuda --dataset mnist --data "$tmp" --epochs 1 --batch-size 2000000000 \
    --out "$tmp/oom.safetensors" --quiet
fi

tap_done
