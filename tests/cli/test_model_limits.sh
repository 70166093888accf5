#!/usr/bin/env bash
# Hostile specs and checkpoints on the dlab command line: an input shape
# whose size wrapped around in an int, a spec argument that changes when
# stored as a float, a 104-byte checkpoint describing a 2 GB network, NaN
# and infinite weights - each a one-line message, never a crash, a wrong
# answer or gigabytes of memory. TAP output.
# Usage: test_model_limits.sh PATH/TO/dlab
set -u
dlab=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"

# write_st OUT ARCH INPUT [NAME:D0xD1:BAD_INDEX:BAD_VALUE]...: a checkpoint
# with that metadata and zero-filled F32 tensors, one value of each replaced
# by BAD_VALUE (nan, inf, ...) when BAD_INDEX >= 0.
write_st() {
  "$py" - "$@" <<'PY'
import json, struct, sys
out, arch, shape_in = sys.argv[1:4]
header, blobs, offset = {"__metadata__": {"dlab.arch": arch, "dlab.input": shape_in}}, [], 0
for spec in sys.argv[4:]:
    name, dims, bad_index, bad_value = spec.split(":")
    shape = [int(d) for d in dims.split("x")]
    n = 1
    for d in shape:
        n *= d
    values = [0.0] * n
    if int(bad_index) >= 0:
        values[int(bad_index)] = float(bad_value)
    blob = struct.pack("<%df" % n, *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
open(out, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
PY
}

"$py" - "$tmp" <<'PY'
import struct, sys, zlib
def png(path, w, h, pixels):
    raw = b''.join(b'\x00' + bytes(pixels[y * w:(y + 1) * w]) for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
png(sys.argv[1] + '/a.png', 28, 28, [(i * 7) % 256 for i in range(784)])
PY

# --- item 7: input shapes whose size overflowed an int ------------------------
expect_error "dlab models --input 1x65536x65537" "a side of 65537 pixels, over the limit of 4096" \
  "$dlab" models "flatten | linear 10" --input 1x65536x65537
expect_error "dlab models --input with 20 digits" "over the limit" \
  "$dlab" models "flatten | linear 10" --input 1x99999999999999999999x2
expect_error "dlab models: an output of 4 G values" "4294967296 values per sample" \
  "$dlab" models "conv 4096 1 | flatten | linear 10" --input 1x1024x1024
# flatten used to report 65,536 features for 1x65536x65537: the checkpoint
# loaded and predict wrote 4.3 G values into a 65,536-float buffer.
write_st "$tmp/wide.safetensors" "flatten | linear 10" 1x65536x65537 1.weight:10x65536:-1:0 1.bias:10:-1:0
expect_error "dlab predict with a checkpoint whose input is 1x65536x65537" "dlab.input: input shape 1x65536x65537" \
  "$dlab" predict --model "$tmp/wide.safetensors" "$tmp/a.png"

# --- item 3: what the spec parser accepts, a checkpoint can store ------------------
expect_error "dropout 0.99999999 (1.0 as a float)" "it rounds to 1 in single precision" \
  "$dlab" models "flatten | dropout 0.99999999 | linear 10"
if "$dlab" models "flatten | dropout 0.99999994 | lrelu 0.0123456789 | linear 10" >"$tmp/out" 2>"$tmp/err" &&
   grep -qx "spec: flatten | dropout 0.99999994 | lrelu 0.012345679 | linear 10" "$tmp/out"; then
  ok "the canonical spec keeps every digit a float needs: $(head -1 "$tmp/out")"
else not_ok "the canonical spec keeps every digit a float needs" "$(cat "$tmp/out" "$tmp/err")"; fi

# --- item 5: a 104-byte checkpoint describing 238 M parameters ---------------------
write_st "$tmp/giant.safetensors" "flatten | linear 300000 | linear 10" 1x28x28
write_st "$tmp/zero.safetensors" "flatten | linear 10" 1x28x28 1.weight:10x784:-1:0 1.bias:10:-1:0
size=$(stat -c %s "$tmp/giant.safetensors")
# peak MODEL: dlab predict's exit status and peak memory in MiB, as the
# kernel counted them for the child (dlab's own start-up, OpenBLAS's
# buffers included, is the baseline: a small model's peak).
peak() {
  "$py" - "$dlab" "$1" "$tmp/a.png" 2>"$tmp/err" <<'PY'
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "predict", "--model", sys.argv[2], sys.argv[3]], capture_output=True, text=True)
sys.stderr.write(r.stderr)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}
read -r _ baseline < <(peak "$tmp/zero.safetensors")
read -r rc giant < <(peak "$tmp/giant.safetensors")
if [ "$rc" = 1 ] && grep -q "giant.safetensors: tensor 1.weight missing" "$tmp/err" && [ "$giant" -lt $((baseline + 100)) ]; then
  ok "a $size-byte checkpoint of a 238 M-parameter network: refused at a peak of $giant MiB ($baseline MiB for a small model): $(head -c 200 "$tmp/err")"
else not_ok "a $size-byte checkpoint of a 238 M-parameter network is refused small" \
  "exit $rc, peak $giant MiB (baseline $baseline MiB)" "$(head -c 300 "$tmp/err")"; fi
if "$dlab" models "flatten | linear 300000 | linear 10" >"$tmp/out" 2>"$tmp/err" &&
   grep -q "total trainable parameters: 238500010" "$tmp/out"; then
  ok "dlab models describes that network without building it"
else not_ok "dlab models describes that network without building it" "$(cat "$tmp/err")"; fi

# --- item 8: NaN and infinite weights --------------------------------------------
write_st "$tmp/nan.safetensors" "flatten | linear 10" 1x28x28 1.weight:10x784:5:nan 1.bias:10:-1:0
expect_error "dlab predict with one NaN weight" "tensor 1.weight holds NaN at index 5" \
  "$dlab" predict --model "$tmp/nan.safetensors" "$tmp/a.png"
write_st "$tmp/inf.safetensors" "flatten | linear 10" 1x28x28 1.weight:10x784:-1:0 1.bias:10:9:inf
expect_error "dlab predict with one +Inf bias" "tensor 1.bias holds +Inf at index 9" \
  "$dlab" predict --model "$tmp/inf.safetensors" "$tmp/a.png"
if "$dlab" predict --model "$tmp/zero.safetensors" "$tmp/a.png" >"$tmp/out" 2>"$tmp/err" &&
   grep -qP '^[^\t]+a\.png\t0\t0\.1000$' "$tmp/out"; then
  ok "the same network with finite weights predicts: $(cat "$tmp/out")"
else not_ok "the same network with finite weights predicts" "$(cat "$tmp/out" "$tmp/err")"; fi

tap_done
