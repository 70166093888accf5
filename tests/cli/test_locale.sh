#!/usr/bin/env bash
# dlab in the user's locale (issue 14). dlab calls setlocale(LC_ALL, ""):
# its own messages follow the language (zh_CN from po/), but every file and
# every line a script reads is the same in every locale. The same commands
# run under LC_ALL=C and under de_DE.UTF-8, which writes 0,5: checkpoints
# (but the random run id), the optimizer state, specs, metrics.csv (but the
# timing columns), the TensorBoard scalars, command.txt, and the output of
# predict, eval, models and data stats are compared. Skips what needs a
# locale that is not installed (tools/setup.sh generates de_DE and zh_CN).
# TAP output. Usage: test_locale.sh PATH/TO/dlab PATH/TO/dump_tfevents
set -u
dlab=$(realpath "$1")
dump_tfevents=$(realpath "$2")
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
strokes_dir=$(realpath "${DLAB_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/data/strokes")
de=de_DE.UTF-8

has_locale() { [ "$(LC_ALL=$1 locale decimal_point 2>/dev/null)" = "$2" ]; }

. "$(dirname "$0")/tiny_mnist.sh"
make_tiny_mnist "$tmp/tiny"

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
if a != b:
    print('metadata:', a[1], b[1], file=sys.stderr)
sys.exit(0 if a == b and a[0] else 1)
PY
}

# metrics.csv without images_per_sec and seconds; "BAD" for a row whose
# field count differs from the header's.
csv_without_timing() {
  awk -F, 'NR == 1 { n = NF; for (i = 1; i <= NF; i++) if ($i == "images_per_sec" || $i == "seconds") skip[i] = 1 }
           NF != n { print "BAD " NR ": " NF " fields"; next }
           { line = ""; for (i = 1; i <= NF; i++) if (!skip[i]) line = line $i ","; print line }' "$1"
}

# run_all LOCALE DIR: the commands, in DIR, with relative paths (command.txt
# then holds the same text in both runs).
run_all() {
  local loc=$1 dir=$2
  mkdir -p "$dir"
  (
    cd "$dir" || exit 1
    export LC_ALL=$loc
    spec="conv 4 5 | lrelu 0.1 | maxpool 2 | flatten | dropout 0.3 | linear 10"
    "$dlab" train --data ../tiny --model "$spec" --epochs 2 --batch-size 16 --threads 1 --workers 0 \
      --optimizer sgd --lr 0.05 --momentum 0.9 --schedule step:1:0.5 --label-smoothing 0.1 --val-split 0.1 \
      --save-best val_loss --transform rotate:7.5,normalize:0.1307:0.3081 --out run.safetensors --log log \
      >train.out 2>&1
    echo "train $?" >status
    # A resume reads metrics.csv and the checkpoint's metadata back.
    "$dlab" train --data ../tiny --model "$spec" --epochs 3 --batch-size 16 --threads 1 --workers 0 \
      --optimizer sgd --lr 0.05 --momentum 0.9 --schedule step:1:0.5 --label-smoothing 0.1 --val-split 0.1 \
      --transform rotate:7.5,normalize:0.1307:0.3081 --out run.safetensors --log log --resume \
      >resume.out 2>&1
    echo "resume $?" >>status
    "$dlab" eval --model run.safetensors --data ../tiny --threads 1 >eval.out 2>&1
    echo "eval $?" >>status
    "$dlab" predict --strokes --all "$strokes_dir"/*.strokes >predict.out 2>&1
    echo "predict $?" >>status
    { "$dlab" models "$spec"; "$dlab" models lenet --pytorch; } >models.out 2>&1
    echo "models $?" >>status
    "$dlab" data stats --data ../tiny --val-split 0.1 >stats.out 2>&1
    echo "stats $?" >>status
    "$dlab" train --data ../tiny --lr 1e300 >range.out 2>&1
    echo "range $?" >>status
    "$dump_tfevents" --run log 2>/dev/null | grep -v '^epoch/images_per_sec ' >scalars.out
  )
}

# --- the same files and script lines in C and in de_DE.UTF-8 ---------------------
if ! has_locale "$de" ","; then
  skip "files and script lines are the same in $de" "$de is not installed (tools/setup.sh generates it)"
else
  run_all C "$tmp/c"
  run_all "$de" "$tmp/de"
  c=$tmp/c d=$tmp/de
  if [ "$(cat "$d/status")" = "$(printf 'train 0\nresume 0\neval 0\npredict 0\nmodels 0\nstats 0\nrange 2')" ]; then
    ok "in $de the custom spec trains, resumes and evaluates; the built-in model reads drawings"
  else not_ok "in $de every command succeeds" "$(tr '\n' ' ' <"$d/status")" "$(head -c 400 "$d/train.out")"; fi
  for f in run.safetensors run.optim.safetensors run.best.safetensors; do
    if same_checkpoint "$c/$f" "$d/$f" 2>"$tmp/err"; then ok "$f: the same tensors and metadata (but the run id)"
    else not_ok "$f: the same tensors and metadata in C and $de" "$(cat "$tmp/err")"; fi
  done
  csv_without_timing "$c/log/metrics.csv" >"$c/csv" && csv_without_timing "$d/log/metrics.csv" >"$d/csv"
  if [ "$(wc -l <"$c/csv")" -gt 20 ] && ! grep -q '^BAD' "$d/csv" && cmp -s "$c/csv" "$d/csv"; then
    ok "metrics.csv: the same $(wc -l <"$c/csv") rows but for the timing columns, 13 fields each"
  else not_ok "metrics.csv is the same but for the timing columns" "$(diff "$c/csv" "$d/csv" | head -5)"; fi
  if [ -s "$c/scalars.out" ] && cmp -s "$c/scalars.out" "$d/scalars.out"; then
    ok "TensorBoard: the same $(wc -l <"$c/scalars.out") scalars"
  else not_ok "TensorBoard: the same scalars" "$(diff "$c/scalars.out" "$d/scalars.out" | head -5)"; fi
  check "command.txt is the same" cmp -s "$c/log/command.txt" "$d/log/command.txt"
  for f in predict models stats range; do
    if [ -s "$c/$f.out" ] && cmp -s "$c/$f.out" "$d/$f.out"; then ok "dlab $f prints the same in both locales"
    else not_ok "dlab $f prints the same in both locales" "$(diff "$c/$f.out" "$d/$f.out" | head -5)"; fi
  done
  if [ "$(head -2 "$c/eval.out")" = "$(head -2 "$d/eval.out")" ] &&
     grep -qE '^accuracy [01]\.[0-9]{4} ± 0\.[0-9]{4} \(standard error over 20 images\)$' "$d/eval.out"; then
    ok "dlab eval's accuracy and loss lines, which scripts read, are the same: $(head -1 "$d/eval.out")"
  else not_ok "dlab eval's accuracy and loss lines are the same" "$(head -2 "$c/eval.out")" "$(head -2 "$d/eval.out")"; fi
  # What a person reads follows the locale.
  check "the progress lines follow the locale: $(grep -m1 '^epoch 1/2' "$d/train.out")" \
    grep -qE '^epoch 1/2  train loss [0-9]+,[0-9]{4} ' "$d/train.out"
  # A checkpoint made in one locale is read in the other.
  LC_ALL=C "$dlab" eval --model "$d/run.safetensors" --data "$tmp/tiny" --threads 1 >"$tmp/out" 2>"$tmp/err"
  check "a checkpoint trained in $de evaluates in C as in $de" \
    test "$(head -2 "$tmp/out")" = "$(head -2 "$d/eval.out")"
fi

# --- the messages in Chinese, the files the same ---------------------------------------
# LANGUAGE=zh_CN picks the translation, under a zh_CN locale (GNU gettext
# ignores LANGUAGE in the C locale); DLAB_LOCALEDIR is the build's po/.
zh() { env -u LC_ALL -u LC_MESSAGES LANGUAGE=zh_CN LANG=zh_CN.UTF-8 "$dlab" "$@"; }
if ! has_locale zh_CN.UTF-8 "."; then
  skip "dlab speaks Chinese" "zh_CN.UTF-8 is not installed (tools/setup.sh generates it)"
elif [ ! -f "${DLAB_LOCALEDIR:-}/zh_CN/LC_MESSAGES/digit-lab.mo" ]; then
  skip "dlab speaks Chinese" "no catalogue in DLAB_LOCALEDIR=${DLAB_LOCALEDIR:-} (built without gettext?)"
else
  zh --help >"$tmp/out" 2>&1
  check "dlab --help is Chinese: $(sed -n 4p "$tmp/out")" grep -q '^  train     在数据集上训练网络$' "$tmp/out"
  zh train --help >"$tmp/out" 2>&1
  check "dlab train --help is Chinese, the options and ranges as typed" \
    grep -qE '^  --lr N +学习率.* \(0, 10\]$' "$tmp/out"
  zh models --inptu 1x28x28 >"$tmp/out" 2>"$tmp/err"
  check "an option mistake is said in Chinese: $(cat "$tmp/err")" grep -q '未知选项 --inptu' "$tmp/err"
  zh train --data "$tmp/tiny" --model "flatten | dropout 0.3 | linear 10" --epochs 1 --batch-size 16 --threads 1 \
    --out "$tmp/zh.safetensors" --log "$tmp/zh-log" >"$tmp/out" 2>"$tmp/err"
  check "dlab train reports in Chinese: $(grep -m1 '轮' "$tmp/out")" grep -q '^第 1/1 轮' "$tmp/out"
  check "...and its files keep '.': metrics.csv has 13 fields a row" \
    test "$(awk -F, '{ print NF }' "$tmp/zh-log/metrics.csv" | sort -u)" = 13
  zh eval --model "$tmp/zh.safetensors" --data "$tmp/tiny" >"$tmp/out" 2>&1
  check "dlab eval's accuracy line stays as scripts read it" \
    grep -qE '^accuracy [01]\.[0-9]{4} ± 0\.[0-9]{4} \(standard error over 20 images\)$' "$tmp/out"
  check "...and its confusion matrix heading is Chinese" grep -q '混淆矩阵' "$tmp/out"
  LANGUAGE=zh_CN LANG=zh_CN.UTF-8 LC_ALL=C "$dlab" --help >"$tmp/out" 2>&1
  check "LC_ALL=C keeps dlab in English" grep -q '^usage: dlab COMMAND' "$tmp/out"

  # The engine's messages (dlab_error, engine/src/core/i18n.h): Chinese
  # under zh_CN, the spec, the option and the numbers as typed; English,
  # word for word, under C.
  zh train --model "linear 10 10 x" >"$tmp/out" 2>"$tmp/err"
  check "a spec mistake is said in Chinese: $(cat "$tmp/err")" \
    grep -qxF 'dlab train: 网络描述：`linear 10 10 x`：linear 不接受 `10`' "$tmp/err"
  LC_ALL=C "$dlab" train --model "linear 10 10 x" >"$tmp/out" 2>"$tmp/err"
  check "...and in English under C: $(cat "$tmp/err")" \
    grep -qxF 'dlab train: spec: `linear 10 10 x`: unexpected `10` for linear' "$tmp/err"
  # A truncated IDX file: the message names it and the sizes.
  mkdir -p "$tmp/cut/MNIST/raw"
  cp "$tmp"/tiny/MNIST/raw/*-ubyte "$tmp/cut/MNIST/raw/"
  head -c 5000 "$tmp/tiny/MNIST/raw/train-images-idx3-ubyte" >"$tmp/cut/MNIST/raw/train-images-idx3-ubyte"
  cut_file="$tmp/cut/MNIST/raw/train-images-idx3-ubyte"
  zh train --data "$tmp/cut" --model "flatten | linear 10" --epochs 1 --threads 1 --out "$tmp/cut.safetensors" \
    >"$tmp/out" 2>"$tmp/err"
  check "a truncated IDX file is said in Chinese: $(cat "$tmp/err")" \
    grep -qF "$cut_file：文件被截断：应有 78400 字节数据，只找到 4984 字节" "$tmp/err"
  LC_ALL=C "$dlab" train --data "$tmp/cut" --model "flatten | linear 10" --epochs 1 --threads 1 \
    --out "$tmp/cut.safetensors" >"$tmp/out" 2>"$tmp/err"
  check "...and in English under C: $(cat "$tmp/err")" \
    grep -qF "$cut_file: truncated: 78400 bytes of data expected, 4984 found" "$tmp/err"
  # The words follow LC_MESSAGES; the numbers the message prints (%g of
  # 200.50) keep '.' under a decimal-comma LC_NUMERIC.
  if has_locale $de ","; then
    env -u LC_ALL LANGUAGE=zh_CN LANG=zh_CN.UTF-8 LC_NUMERIC=$de "$dlab" train --transform rotate:200.50 \
      >"$tmp/out" 2>"$tmp/err"
    check "an engine message in Chinese keeps '.' under LC_NUMERIC=$de: $(cat "$tmp/err")" \
      grep -qxF 'dlab train: --transform rotate:200.50：degrees 200.5 超出了 [0, 180]' "$tmp/err"
  else
    skip "an engine message in Chinese keeps '.'" "$de is not installed"
  fi
fi

tap_done
