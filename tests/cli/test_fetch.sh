#!/usr/bin/env bash
# `dlab fetch` end to end against HTTP servers on 127.0.0.1: python3's
# http.server for a good file, a wrong checksum and a 404, and
# fetch_server.py (Range requests, a transfer cut off half way) for
# resuming; then whole datasets (MNIST .gz files, a CIFAR-10 .tar.gz, an
# EMNIST .zip of .gz files) written here in the official formats and
# unpacked into torchvision's layout. TAP output.
# Usage: test_fetch.sh PATH/TO/dlab
set -u
dlab=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
. "$(dirname "$0")/../tap.sh"
md5() { md5sum "$1" | cut -c1-32; }
nothing_left() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }

wait_for() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

# --- the files served -------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/got"
head -c 200000 /dev/urandom >"$tmp/www/good.bin"
head -c 300000 /dev/urandom >"$tmp/www/cut.bin"
head -c 250000 /dev/urandom >"$tmp/www/cut2.bin"

# python3 -m http.server, on a port it picks and prints
(cd "$tmp/www" && exec "$py" -u -m http.server 0 --bind 127.0.0.1 >"$tmp/plain.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do grep -q "port" "$tmp/plain.log" 2>/dev/null && break; sleep 0.05; done
plain=$(grep -o 'port [0-9]*' "$tmp/plain.log" | head -1 | cut -d' ' -f2)
if [ -z "$plain" ]; then echo "1..0 # SKIP python3 -m http.server did not start: $(cat "$tmp/plain.log")"; exit 77; fi
base=http://127.0.0.1:$plain

"$dlab" fetch --url "$base/good.bin" --out "$tmp/got/good.bin" --md5 "$(md5 "$tmp/www/good.bin")" >"$tmp/out" 2>"$tmp/err"
check "a good file: downloaded, checksum verified, no .part left" \
  bash -c "cmp -s '$tmp/www/good.bin' '$tmp/got/good.bin' && [ ! -e '$tmp/got/good.bin.part' ]"
mkdir -p "$tmp/bad"
"$dlab" fetch --url "$base/good.bin" --out "$tmp/bad/good.bin" --md5 0123456789abcdef0123456789abcdef >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a wrong checksum: exit 1, one clear message, nothing left behind" \
  bash -c "[ $rc = 1 ] && grep -q 'checksum mismatch: MD5 $(md5 "$tmp/www/good.bin"), expected 0123456789abcdef0123456789abcdef' '$tmp/err' && [ \$(grep -c 'dlab fetch:' '$tmp/err') = 1 ] && [ -z \"\$(ls -A '$tmp/bad')\" ]"
"$dlab" fetch --url "$base/missing.bin" --out "$tmp/bad/missing.bin" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a 404: exit 1, 'HTTP 404' with the URL, nothing left behind" \
  bash -c "[ $rc = 1 ] && grep -q 'dlab fetch: $base/missing.bin: HTTP 404' '$tmp/err' && nothing_left() { [ -z \"\$(ls -A \"\$1\")\" ]; }; nothing_left '$tmp/bad'"

# --- cut off half way: resumed with a Range request ------------------------------------
"$py" "$here/fetch_server.py" --root "$tmp/www" --port-file "$tmp/port" --log "$tmp/requests.log" \
  --cut cut.bin --cut cut2.bin --cut mnist/train-labels-idx1-ubyte.gz &
pids+=($!)
wait_for "$tmp/port" || { echo "1..0 # SKIP fetch_server.py did not start"; exit 77; }
ranged=http://127.0.0.1:$(cat "$tmp/port")
"$dlab" fetch --url "$ranged/cut.bin" --out "$tmp/got/cut.bin" --md5 "$(md5 "$tmp/www/cut.bin")" >"$tmp/out" 2>"$tmp/err"
check "a transfer cut off half way is resumed from byte 150000 (Range) and completes" \
  bash -c "cmp -s '$tmp/www/cut.bin' '$tmp/got/cut.bin' && grep -q '^/cut.bin bytes=150000-$' '$tmp/requests.log' && grep -q 'resuming' '$tmp/err'"
"$dlab" fetch --url "$ranged/cut2.bin" --out "$tmp/got/cut2.bin" --retries 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
part_size=$(stat -c %s "$tmp/got/cut2.bin.part" 2>/dev/null || echo 0)
check "with --retries 0 the cut-off download fails but keeps its .part ($part_size bytes) and says so" \
  bash -c "[ $rc = 1 ] && [ $part_size = 125000 ] && grep -q 'run the same command again to resume' '$tmp/err' && [ ! -e '$tmp/got/cut2.bin' ]"
"$dlab" fetch --url "$ranged/cut2.bin" --out "$tmp/got/cut2.bin" --md5 "$(md5 "$tmp/www/cut2.bin")" >"$tmp/out" 2>"$tmp/err"
check "the next run resumes that .part from byte 125000" \
  bash -c "cmp -s '$tmp/www/cut2.bin' '$tmp/got/cut2.bin' && grep -q '^/cut2.bin bytes=125000-$' '$tmp/requests.log' && [ ! -e '$tmp/got/cut2.bin.part' ]"

# --- whole datasets from a mirror, with their checksums -----------------------------------
"$py" - "$tmp/www" <<'PY'
import gzip, io, os, struct, sys, tarfile, zipfile
www = sys.argv[1]
def images(n, seed):
    return struct.pack('>IIII', 0x803, n, 28, 28) + bytes((i * 5 + seed) % 256 for i in range(n * 784))
def labels(n, classes=10, offset=0):
    return struct.pack('>II', 0x801, n) + bytes(i % classes + offset for i in range(n))
os.makedirs(www + '/mnist')
for name, data in [('train-images-idx3-ubyte', images(20, 1)), ('train-labels-idx1-ubyte', labels(20)),
                   ('t10k-images-idx3-ubyte', images(5, 2)), ('t10k-labels-idx1-ubyte', labels(5))]:
    with open(f'{www}/mnist/{name}.gz', 'wb') as f:
        f.write(gzip.compress(data))
# CIFAR-10: cifar-10-batches-bin/ inside a .tar.gz, as the official archive
os.makedirs(www + '/cifar')
with tarfile.open(www + '/cifar/cifar-10-binary.tar.gz', 'w:gz') as tar:
    def add(name, data):
        info = tarfile.TarInfo('cifar-10-batches-bin/' + name); info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    rec = lambda n: b''.join(bytes([i % 10]) + bytes((i + p) % 256 for p in range(3072)) for i in range(n))
    for b in range(1, 6):
        add(f'data_batch_{b}.bin', rec(3))
    add('test_batch.bin', rec(2))
    add('batches.meta.txt', b'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n')
    add('readme.html', b'<html></html>')
# EMNIST: gzip/emnist-SPLIT-*.gz inside gzip.zip
os.makedirs(www + '/emnist')
classes = {'byclass': 62, 'bymerge': 47, 'balanced': 47, 'letters': 26, 'digits': 10, 'mnist': 10}
with zipfile.ZipFile(www + '/emnist/gzip.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for split, k in classes.items():
        off = 1 if split == 'letters' else 0
        for part, n in [('train', 12), ('test', 4)]:
            z.writestr(f'gzip/emnist-{split}-{part}-images-idx3-ubyte.gz', gzip.compress(images(n, 3)))
            z.writestr(f'gzip/emnist-{split}-{part}-labels-idx1-ubyte.gz', gzip.compress(labels(n, k, off)))
PY
(cd "$tmp/www" && md5sum mnist/*.gz cifar/*.tar.gz emnist/gzip.zip | sed 's|  [a-z]*/|  |') >"$tmp/sums"
data=$tmp/data
"$dlab" fetch mnist --data "$data" --mirror "$ranged/mnist/" --checksums "$tmp/sums" >"$tmp/out" 2>"$tmp/err"
check "fetch mnist from a mirror: verified, unpacked into MNIST/raw (a cut-off file resumed)" \
  bash -c "[ -s '$data/MNIST/raw/train-images-idx3-ubyte' ] && [ -s '$data/MNIST/raw/t10k-labels-idx1-ubyte' ] && grep -q 'mnist/train-labels-idx1-ubyte.gz bytes=' '$tmp/requests.log' && ! ls '$data/MNIST/raw/'*.part >/dev/null 2>&1"
"$dlab" data info --data "$data" >"$tmp/out" 2>"$tmp/err"
check "the fetched MNIST loads: 20 train, 5 test" grep -q "samples      20 train, 5 test" "$tmp/out"
"$dlab" fetch mnist --data "$data" --mirror "$ranged/mnist/" --checksums "$tmp/sums" >"$tmp/out" 2>"$tmp/err"
check "fetching it again finds it already there" grep -q "already in" "$tmp/err"
"$dlab" fetch cifar10 --data "$data" --mirror "$ranged/cifar" --checksums "$tmp/sums" >"$tmp/out" 2>"$tmp/err"
check "fetch cifar10: the .tar.gz unpacked into cifar-10-batches-bin, the archive removed" \
  bash -c "[ -s '$data/cifar-10-batches-bin/data_batch_5.bin' ] && [ -s '$data/cifar-10-batches-bin/batches.meta.txt' ] && [ ! -e '$data/cifar-10-binary.tar.gz' ] && [ ! -e '$data/cifar-10-batches-bin/readme.html' ]"
"$dlab" data info --dataset cifar10 --data "$data" >"$tmp/out" 2>"$tmp/err"
check "the fetched CIFAR-10 loads: 15 train, 2 test, 3x32x32" \
  bash -c "grep -q 'samples      15 train, 2 test' '$tmp/out' && grep -q '3x32x32' '$tmp/out'"
"$dlab" fetch emnist --data "$data" --mirror "$ranged/emnist" --checksums "$tmp/sums" >"$tmp/out" 2>"$tmp/err"
check "fetch emnist: gzip.zip's .gz members inflated into EMNIST/raw, the zip removed" \
  bash -c "[ \$(ls '$data/EMNIST/raw' | grep -c 'ubyte$') = 24 ] && [ ! -e '$data/EMNIST/raw/gzip.zip' ]"
"$dlab" data info --dataset emnist-letters --data "$data" >"$tmp/out" 2>"$tmp/err"
check "the fetched EMNIST letters load: 12 train, 4 test, 27 classes" \
  bash -c "grep -q 'samples      12 train, 4 test' '$tmp/out' && grep -q '^classes      27' '$tmp/out'"
mkdir -p "$tmp/data2"
"$dlab" fetch mnist --data "$tmp/data2" --mirror "$base/mnist/" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "the published checksums reject these files: exit 1, nothing left in MNIST/raw" \
  bash -c "[ $rc = 1 ] && grep -q 'checksum mismatch' '$tmp/err' && [ -z \"\$(ls -A '$tmp/data2/MNIST/raw')\" ]"
"$dlab" fetch svhn --data "$tmp/data2" >"$tmp/out" 2>"$tmp/err"
check "an unknown dataset name" bash -c "[ $? != 0 ] && grep -q 'svhn: unknown dataset' '$tmp/err'"

tap_done
