#!/usr/bin/env bash
# Installs the Debian packages predoff needs when they are missing (as root), or prints
# the one apt-get line to run and stops. Usage: scripts/deps.sh [extra packages...]
set -euo pipefail
packages=(gcc make cmake pkg-config libcjson-dev libcmocka-dev libopenblas-dev liblapacke-dev libzmq3-dev zlib1g-dev
          libprotobuf-c-dev protobuf-c-compiler libonnx-dev libigraph-dev libxgboost-dev
          dataset-fashion-mnist "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "predoff needs these Debian packages; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
