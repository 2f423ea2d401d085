#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any are missing.
# Usage: scripts/deps.sh build|test|bench
set -euo pipefail

build_pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev
            libxlsxwriter-dev libmagic-dev libgd-dev libjpeg-dev libcsv-dev libzxcvbn-dev libtcmalloc-minimal4
            libzip-dev libexpat1-dev libcurl4-openssl-dev nodejs npm)
# python3 and openssl check a filing independently (hashlib.blake2b, pkeyutl -verify).
test_pkgs=(sqlite3 curl valgrind strace chromium fonts-noto-cjk clang libclang-rt-14-dev python3 openssl)
bench_pkgs=(wrk sqlite3 curl time)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${bench_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (e.g. a newer build already on the machine).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
