#!/usr/bin/env bash
# dlab train --resume as issue 13 found it: a kill between the two renames
# of a checkpoint, a mismatched checkpoint pair, the metrics and TensorBoard
# logs and command.txt across a resume, and the temporaries killed saves
# leave. TAP output. Usage: test_resume.sh PATH/TO/dlab PATH/TO/dump_tfevents
set -u
dlab=$1
dump_tfevents=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"

. "$(dirname "$0")/tiny_mnist.sh"
make_tiny_mnist "$tmp/tiny"
# strace that can kill a process at its Nth rename (syscall injection).
can_inject() { command -v strace >/dev/null && strace -f -o /dev/null -e inject=rename:signal=KILL:when=99 true 2>/dev/null; }
# Small and quick; digitnet has a dropout layer.
bs=16 spe=7 # steps per epoch: 100 images in batches of 16
train() { "$dlab" train --data "$tmp/tiny" --batch-size "$bs" --threads 1 --quiet "$@"; }

# same_checkpoint A B: the same tensors, bit for bit, and the same metadata
# but the run id (each run draws its own).
same_checkpoint() {
  "$py" - "$1" "$2" <<'PY'
import json, struct, sys
def read(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    meta.pop('dlab.run_id', None)
    data = raw[8 + n:]
    return {k: data[v['data_offsets'][0]:v['data_offsets'][1]] for k, v in header.items()}, meta
a, b = read(sys.argv[1]), read(sys.argv[2])
sys.exit(0 if a == b and a[0] else 1)
PY
}

# --- a resumed run ends where an uninterrupted one does ---------------------------
for model in mlp digitnet; do
  train --model "$model" --epochs 3 --out "$tmp/straight-$model.safetensors" &&
    train --model "$model" --epochs 1 --out "$tmp/resumed-$model.safetensors" &&
    train --model "$model" --epochs 3 --out "$tmp/resumed-$model.safetensors" --resume >"$tmp/out" 2>"$tmp/err"
  if [ $? = 0 ] && same_checkpoint "$tmp/straight-$model.safetensors" "$tmp/resumed-$model.safetensors" &&
     same_checkpoint "$tmp/straight-$model.optim.safetensors" "$tmp/resumed-$model.optim.safetensors"; then
    ok "$model: 1 epoch then --resume to 3 gives the weights and optimizer state of 3 straight epochs, bit for bit"
  else not_ok "$model: 1 epoch then --resume to 3 gives the weights and optimizer state of 3 straight epochs" \
    "$(cat "$tmp/err")"; fi
done
meta=$("$py" -c "
import json, struct, sys
for p in sys.argv[1:]:
    raw = open(p, 'rb').read(); m = json.loads(raw[8:8 + struct.unpack('<Q', raw[:8])[0]])['__metadata__']
    print(m.get('dlab.run_id'), m.get('dlab.epoch'), m.get('dlab.step'))" \
  "$tmp/resumed-mlp.safetensors" "$tmp/resumed-mlp.optim.safetensors")
if [ "$(echo "$meta" | sort -u | wc -l)" = 1 ] && echo "$meta" | grep -qE "^[0-9a-f]{32} 3 $((3 * spe))$"; then
  ok "both files record the same run id, epoch and step: $(echo "$meta" | head -1)"
else not_ok "both files record the same run id, epoch and step" "$meta"; fi

# --- a mismatched pair is refused ----------------------------------------------------
# Built by hand: epoch 2's model beside epoch 1's optimizer state.
ck=$tmp/pair.safetensors
train --model mlp --epochs 1 --out "$ck" && cp "$tmp/pair.optim.safetensors" "$tmp/e1.optim" &&
  train --model mlp --epochs 2 --out "$ck" --resume >/dev/null && cp "$tmp/e1.optim" "$tmp/pair.optim.safetensors"
expect_error "epoch 2's model beside epoch 1's optimizer state" "pair.safetensors (epoch 2, step $((2 * spe))) is newer than" \
  train --model mlp --epochs 3 --out "$ck" --resume
if grep -q "without --resume" "$tmp/err"; then ok "the message says what to do"
else not_ok "the message says what to do" "$(cat "$tmp/err")"; fi

# The same, made by a kill between the two renames of epoch 2's save.
if ! can_inject; then
  skip "a kill between the renames of a checkpoint's two files" "strace is missing or cannot inject syscalls here"
else
  killed=$tmp/killed.safetensors
  # Renames: epoch 1's model and optimizer state, then epoch 2's model; the
  # fourth (epoch 2's optimizer state) is killed.
  # (In a subshell, which reports the kill to /dev/null.)
  (strace -f -o /dev/null -e inject=rename:signal=KILL:when=4 \
    "$dlab" train --data "$tmp/tiny" --batch-size 16 --threads 1 --quiet --model mlp --epochs 3 --out "$killed"; :) \
    >/dev/null 2>&1
  left=$(ls "$tmp" | grep -c '^killed\.optim\.safetensors\.tmp-')
  expect_error "killed between the renames: --resume refuses the pair" \
    "killed.safetensors (epoch 2, step $((2 * spe))) is newer than" train --model mlp --epochs 3 --out "$killed" --resume
  if [ "$left" = 1 ] && ! ls "$tmp" | grep -q '\.tmp-'; then ok "the kill left a temporary file; the resume removed it"
  else not_ok "the kill left a temporary file; the resume removed it" "left: $left" "$(ls "$tmp")"; fi
fi

# --- stale temporaries go with the next save ---------------------------------------------
touch "$tmp/stale.safetensors.tmp-AbC123" "$tmp/stale.optim.safetensors.tmp-x1Y2z3" \
  "$tmp/stale.safetensors.tmp-AbC12" "$tmp/stale.safetensors.tmp-AbC123.keep" "$tmp/other.safetensors.tmp-AbC123"
train --model mlp --epochs 1 --out "$tmp/stale.safetensors"
if [ ! -e "$tmp/stale.safetensors.tmp-AbC123" ] && [ ! -e "$tmp/stale.optim.safetensors.tmp-x1Y2z3" ] &&
   [ -e "$tmp/stale.safetensors.tmp-AbC12" ] && [ -e "$tmp/stale.safetensors.tmp-AbC123.keep" ] &&
   [ -e "$tmp/other.safetensors.tmp-AbC123" ]; then
  ok "a save removes its file's stale temporaries, and nothing with a similar name"
else not_ok "a save removes its file's stale temporaries, and nothing with a similar name" "$(ls "$tmp")"; fi

# --- the logs across a resume --------------------------------------------------------------
# check_log DIR EPOCHS: metrics.csv has each step row once and in order,
# and one row per epoch; TensorBoard (dump_tfevents --run reads the folder
# as TensorBoard does) shows each step and each epoch once.
check_log() {
  local dir=$1 epochs=$2 name=$3
  if awk -F, -v spe=$spe -v epochs="$epochs" '
       NR == 1 { next }
       $3 == "" { rows[$1]++; if ($2 != $1 * spe) bad = 1; next }
       { if ($2 != ++step || $1 != int((step - 1) / spe) + 1) bad = 1 }
       END { for (e = 1; e <= epochs; e++) if (rows[e] != 1) bad = 1
             exit !(step == epochs * spe && !bad && length(rows) == epochs) }' "$dir/metrics.csv"; then
    ok "$name: metrics.csv has every step and every epoch once, in order"
  else not_ok "$name: metrics.csv has every step and every epoch once, in order" "$(cut -d, -f1-3 "$dir/metrics.csv" | tr '\n' ' ')"; fi
  "$dump_tfevents" --run "$dir" >"$tmp/events" 2>"$tmp/err"
  if [ "$(awk '$1 == "train/loss" { print $2 }' "$tmp/events" | tr '\n' ' ')" = "$(seq -s ' ' 1 $((epochs * spe))) " ] &&
     [ "$(awk '$1 == "epoch/test_accuracy" { print $2 }' "$tmp/events" | tr '\n' ' ')" = "$(seq -s ' ' 1 "$epochs") " ]; then
    ok "$name: TensorBoard shows every step and every epoch once ($(cat "$tmp/err"))"
  else not_ok "$name: TensorBoard shows every step and every epoch once" "$(cat "$tmp/err")" \
    "$(awk '$1 == "train/loss" { print $2 }' "$tmp/events" | tr '\n' ' ')"; fi
}

# A run stopped inside epoch 3 (its rows appended by hand), resumed to 4.
log=$tmp/log
train --model mlp --epochs 2 --out "$tmp/log.safetensors" --log "$log"
printf '3,15,0.001,2.5,0.25,,,,,,,,\n3,16,0.001,2.4,0.5,,,,,,,,\n3,1' >>"$log/metrics.csv"
train --model mlp --epochs 4 --out "$tmp/log.safetensors" --log "$log" --resume >"$tmp/out" 2>&1
check_log "$log" 4 "stopped inside epoch 3, resumed"
if [ "$(wc -l <"$log/command.txt")" = 2 ] && head -1 "$log/command.txt" | grep -q -- "--epochs 2 " &&
   ! head -1 "$log/command.txt" | grep -q -- "--resume" && tail -1 "$log/command.txt" | grep -q -- "--epochs 4 .*--resume"; then
  ok "command.txt keeps the run's command and adds the resume"
else not_ok "command.txt keeps the run's command and adds the resume" "$(cat "$log/command.txt")"; fi

# A real kill while epoch 3's checkpoint is saved (its step scalars and rows
# are written), resumed to 4. Renames: command.txt, then two per epoch.
if ! can_inject; then
  skip "logs after a kill inside epoch 3" "strace is missing or cannot inject syscalls here"
else
  log=$tmp/killed-log
  bs=2 spe=50 # enough scalars that some of epoch 3's reach the file before the kill
  (strace -f -o /dev/null -e inject=rename:signal=KILL:when=6 "$dlab" train --data "$tmp/tiny" --batch-size $bs \
    --threads 1 --quiet --model mlp --epochs 4 --out "$tmp/kl.safetensors" --log "$log"; :) >/dev/null 2>&1
  train --model mlp --epochs 4 --out "$tmp/kl.safetensors" --log "$log" --resume >"$tmp/out" 2>&1
  check_log "$log" 4 "killed inside epoch 3, resumed"
  bs=16 spe=7
fi

printf 'time,value\n1,2\n' >"$tmp/log/metrics.csv"
expect_error "a metrics.csv of something else is refused" "not the header" \
  train --model mlp --epochs 5 --out "$tmp/log.safetensors" --log "$tmp/log" --resume
if [ "$(cat "$tmp/log/metrics.csv")" = "$(printf 'time,value\n1,2')" ]; then ok "and left as it was"
else not_ok "and left as it was" "$(head -3 "$tmp/log/metrics.csv")"; fi

# --save-best across a resume: the best epoch (4 of 6 here, on real MNIST)
# stays the best after resuming at epoch 4; the first resumed epoch, worse,
# must not replace it (it did: the best so far started afresh).
if "$dlab" data info --dataset mnist >/dev/null 2>&1; then
  sb=(--model mlp --limit 400 --val-split 0.5 --split-seed 3 --save-best val_loss --optimizer adam --lr 0.01
      --seed 5 --threads 1)
  "$dlab" train "${sb[@]}" --epochs 6 --out "$tmp/sb-a.safetensors" >"$tmp/sb-a.out" 2>&1
  "$dlab" train "${sb[@]}" --epochs 4 --out "$tmp/sb-b.safetensors" >/dev/null 2>&1
  "$dlab" train "${sb[@]}" --epochs 6 --out "$tmp/sb-b.safetensors" --resume >"$tmp/sb-b.out" 2>&1
  want=$(grep "^best:" "$tmp/sb-a.out" | sed 's/, saved.*//') got=$(grep "^best:" "$tmp/sb-b.out" | sed 's/, saved.*//')
  if [ -n "$want" ] && [ "$want" = "$got" ] &&
     "$py" - "$tmp/sb-a.best.safetensors" "$tmp/sb-b.best.safetensors" <<'PY'
import sys
sys.path.insert(0, sys.argv[0] and __import__("os").environ.get("DLAB_SOURCE_ROOT", ".") + "/tests")
import numpy as np
import safetensors_io
a, _ = safetensors_io.read(sys.argv[1])
b, _ = safetensors_io.read(sys.argv[2])
sys.exit(0 if a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a) else 1)
PY
  then ok "--save-best keeps its best epoch across a resume ($got), the same weights as without the stop"
  else not_ok "--save-best keeps its best epoch across a resume" "uninterrupted: $want" "resumed: $got"; fi
else
  skip "--save-best across a resume" "MNIST is not in \$DLAB_DATA"
fi

tap_done
