#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine that has only the .NET SDK.
# Idempotent: packages already present are not touched, so a second run takes a second.
set -euo pipefail

# Debian packages the tests use: a real broker and clients (messaging), socat (serial emulator ptys),
# Chromium (operator console), openssl (TLS fixtures), systemd (systemd-analyze verify on the unit).
packages=(mosquitto mosquitto-clients socat chromium openssl systemd python3)
# numpy and PIL for the training scripts' unit tests (models/training/test_contract.py, test_augment.py; torch is
# not needed).
packages+=(python3-numpy python3-pil)
# The arm64 build check (Arm64BuildTests, deploy/scripts/arm64-smoke.sh): user-mode emulation, and the arm64
# C/C++ runtime and OpenSSL from Debian's arm64 architecture.
packages+=(qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The broker package enables a system service; tests start their own brokers on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi
# The AsyncAPI CLI that validates docs/asyncapi.yaml (a messaging test runs it through npx); fetched once into
# the npm cache so the test does not download it. Node.js and npm come with the machine.
if command -v npx >/dev/null 2>&1; then
  npx -y @asyncapi/cli@6.2.0 --version >/dev/null 2>&1 || echo "install-deps: warning: could not fetch @asyncapi/cli@6.2.0"
else
  echo "install-deps: warning: npx not found; the AsyncAPI validation test will fail"
fi
echo "install-deps: ok"
