#!/usr/bin/env bash
# Installs the Debian packages the tests run for real: shellcheck, cloud-init (for `cloud-init schema`),
# rclone, jq, iptables and iproute2 (the spot watcher's drain), curl, and the toolchain that builds
# llama-server. Skips apt when everything is present.
set -euo pipefail
packages=(shellcheck cloud-init rclone jq cmake g++ git curl iptables iproute2 haproxy openssl socat)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-machine: all packages present"
  exit 0
fi
echo "setup-machine: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
