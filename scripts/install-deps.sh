#!/usr/bin/env bash
# Installs the Debian packages zds builds against, when they are missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(libsimdjson-dev libzip-dev libabsl-dev libre2-dev zlib1g-dev libgtest-dev cmake g++ make)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "zds: build dependencies present"
  exit 0
fi
echo "zds: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
