#!/usr/bin/env bash
# dlab predict --model A --model B: the models are averaged (dlab/ensemble.h).
# The first line of each input is the mean (the one-model format), then one
# line per model with its own class and probability, then whether they
# agree; a model of other classes (a Fashion-MNIST one) is refused with a
# message naming both files and the first class that differs. One model
# prints as it always did.
# TAP output. Usage: test_predict_models.sh PATH/TO/dlab
set -u
dlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../tap.sh"
src=${DLAB_SOURCE_ROOT:-$(dirname "$0")/../..}
builtin=$src/resources/default-model.safetensors
strokes=$src/tests/data/strokes
seven=$strokes/7-plain.strokes
# is GOT WANT NAME: ok when GOT equals WANT.
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1'" "wanted '$2'"; fi; }

# Two MNIST models trained for a moment, and a Fashion-MNIST one (the same
# tiny images under Fashion-MNIST's name: its classes are clothes).
. "$(dirname "$0")/tiny_mnist.sh"
make_tiny_mnist "$tmp/tiny"
mkdir -p "$tmp/tiny/FashionMNIST" && cp -r "$tmp/tiny/MNIST/raw" "$tmp/tiny/FashionMNIST/"
train() {
  "$dlab" train --data "$tmp/tiny" --model "flatten | linear 10" --epochs 1 --batch-size 20 --threads 1 --quiet "$@"
}
a=$tmp/a.safetensors fashion=$tmp/fashion.safetensors
check "two tiny models train" train --seed 1 --out "$a"
check "a tiny Fashion-MNIST model trains" train --seed 3 --dataset fashion-mnist --out "$fashion"

# One model: one line per input, as before.
"$dlab" predict --model "$a" --strokes "$seven" "$strokes/1-line.strokes" >"$tmp/one" 2>"$tmp/err"
is "$(grep -cvP '^[^\t]+\.strokes\t[0-9]\t[01]\.[0-9]{4}$' "$tmp/one"),$(wc -l <"$tmp/one")" "0,2" \
  "one model: a line path, class, probability per input and nothing more"

# A model with itself: the mean is its own reading, and they agree.
"$dlab" predict --model "$a" --model "$a" --strokes "$seven" >"$tmp/twice"
class=$(head -1 "$tmp/one" | cut -f2)
is "$(head -1 "$tmp/twice")" "$(head -1 "$tmp/one")" "a model averaged with itself reads as alone: $(head -1 "$tmp/twice")"
is "$(sed -n 4p "$tmp/twice")" "$(printf '\tall 2 models read %s' "$class")" "and both read $class"

# The built-in model and a tiny one, on every drawing: the mean of the two
# models' probabilities, each model's own line, and which reads what.
inputs=("$strokes"/*.strokes)
"$dlab" predict --all --model "$builtin" --model "$a" --strokes "${inputs[@]}" >"$tmp/both" 2>"$tmp/err"
is "$?,$(wc -l <"$tmp/both")" "0,$((4 * ${#inputs[@]}))" "two models: four lines per drawing (${#inputs[@]} drawings)"
"$dlab" predict --all --model "$builtin" --strokes "${inputs[@]}" >"$tmp/builtin"
"$dlab" predict --all --model "$a" --strokes "${inputs[@]}" >"$tmp/a"
# mean BUILTIN-LINE A-LINE: the class=p fields averaged, as the engine's
# reading prints them (.4f), and the largest one's class.
mean() {
  paste <(cut -f4- <<<"$1" | tr '\t' '\n') <(cut -f4- <<<"$2" | tr '\t' '\n') |
    awk -F'\t' '{ split($1, x, "="); split($2, y, "="); m = (x[2] + y[2]) / 2; printf "\t%s=%.4f", x[1], m }'
}
worst=0 disagree=0 bad=""
for i in "${!inputs[@]}"; do
  got=$(sed -n "$((4 * i + 1)),$((4 * i + 4))p" "$tmp/both")
  b=$(sed -n "$((i + 1))p" "$tmp/builtin") t=$(sed -n "$((i + 1))p" "$tmp/a")
  bc=$(cut -f2 <<<"$b") tc=$(cut -f2 <<<"$t")
  want_models=$(printf '\t%s\t%s\t%s\n\t%s\t%s\t%s' "$builtin" "$bc" "$(cut -f3 <<<"$b")" "$a" "$tc" "$(cut -f3 <<<"$t")")
  if [ "$bc" = "$tc" ]; then sentence=$(printf '\tall 2 models read %s' "$bc")
  else sentence=$(printf '\tthe models disagree: %s reads %s, %s reads %s' "$builtin" "$bc" "$a" "$tc"); disagree=$((disagree + 1)); fi
  [ "$(sed -n 2,3p <<<"$got")" = "$want_models" ] || bad="$bad model lines of ${inputs[$i]};"
  [ "$(sed -n 4p <<<"$got")" = "$sentence" ] || bad="$bad sentence of ${inputs[$i]}: $(sed -n 4p <<<"$got");"
  # The printed mean against the two printed readings: within their rounding.
  d=$(paste <(head -1 <<<"$got" | cut -f4- | tr '\t' '\n') <(mean "$b" "$t" | cut -f2- | tr '\t' '\n') |
    awk -F'\t' '{ split($1, x, "="); split($2, y, "="); d = x[2] - y[2]; if (d < 0) d = -d; if (d > w) w = d } END { print w + 0 }')
  worst=$(awk -v a="$worst" -v b="$d" 'BEGIN { print (b > a ? b : a) }')
  top=$(head -1 <<<"$got" | cut -f4- | tr '\t' '\n' | sort -t= -k2,2gr | head -1 | cut -d= -f1)
  [ "$(head -1 <<<"$got" | cut -f2)" = "$top" ] || bad="$bad best class of ${inputs[$i]};"
done
is "$bad" "" "each model's line is its own reading, and the sentence says who reads what"
# Each printed value is rounded to 0.00005: the mean of two such within
# 0.00005 of the true mean, the printed mean within 0.00005 of it.
if awk -v w="$worst" 'BEGIN { exit !(w <= 0.00011) }'; then ok "every class's mean is the two models' mean (worst ${worst})"
else not_ok "every class's mean is the two models' mean" "worst difference $worst"; fi
if [ "$disagree" -gt 0 ]; then ok "the models disagree on $disagree of ${#inputs[@]} drawings, and it is said"
else not_ok "the models disagree somewhere" "they agree on all ${#inputs[@]} drawings: the test checks nothing"; fi

# Images too.
"$dlab" inside --model "$builtin" --strokes "$seven" --out "$tmp/inside" >/dev/null 2>&1
"$dlab" predict --model "$builtin" --model "$a" "$tmp/inside/input.png" >"$tmp/img" 2>"$tmp/err"
is "$?,$(cut -f2 "$tmp/img" | sed -n 2,3p | tr '\n' ,)$(wc -l <"$tmp/img")" "0,$builtin,$a,4" \
  "an image: the mean ($(head -1 "$tmp/img")), the two models' lines and the sentence"

# Models of other classes: refused before anything is read.
expect_error "a Fashion-MNIST model with an MNIST one" "its class 0 is \`T-shirt/top\`, not \`0\`" \
  "$dlab" predict --model "$a" --model "$fashion" --strokes "$seven"
if grep -qF "$fashion" "$tmp/err" && grep -qF "$a" "$tmp/err" && [ ! -s "$tmp/out" ]; then
  ok "the message names both files, and nothing is printed"
else not_ok "the message names both files, and nothing is printed" "$(cat "$tmp/err" "$tmp/out")"; fi
expect_error "a missing second model" "$tmp/none.safetensors" \
  "$dlab" predict --model "$a" --model "$tmp/none.safetensors" --strokes "$seven"
many=()
for i in $(seq 33); do many+=(--model "$a"); done
expect_error "33 models" "--model is given more than 32 times" "$dlab" predict "${many[@]}" --strokes "$seven"
if "$dlab" predict --help | grep -q "average"; then ok "dlab predict --help says --model averages"
else not_ok "dlab predict --help says --model averages"; fi
tap_done
