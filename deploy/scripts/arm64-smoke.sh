#!/usr/bin/env bash
# CI check: the linux-arm64 build analyses a radiograph under user-mode emulation and agrees with the x64 build.
# Needs: deploy/scripts/publish.sh output for both RIDs; Debian packages qemu-user-static and, from the arm64
# architecture (dpkg --add-architecture arm64), libc6:arm64 libstdc++6:arm64 libssl3:arm64; root (for unshare).
#
# Why the fake /proc/cpuinfo: qemu-user 7.2 (Debian 12) passes the host's x86 /proc/cpuinfo through. ONNX
# Runtime's cpuinfo library parses it at load as ARM text, finds no processor, and dereferences NULL
# (SIGSEGV right after reading /proc/cpuinfo and /sys/devices/system/cpu/*/cache, seen with QEMU_STRACE=1).
# A Cortex-A72 (Raspberry Pi 4) cpuinfo is bind-mounted over it in a private mount namespace, for this
# process only. Plain .NET programs start without it; libssl3:arm64 is needed because the model's SHA-256 goes
# through OpenSSL (without it: "No usable version of libssl was found", SIGABRT).
# Usage: deploy/scripts/arm64-smoke.sh [--out DIR]   (DIR as given to publish.sh; default artifacts/publish)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/artifacts/publish"
[[ "${1:-}" == "--out" ]] && out="$2"
arm="$out/linux-arm64"; x64="$out/linux-x64"
for dir in "$arm" "$x64"; do [[ -x "$dir/portscan-edge" ]] || { echo "arm64-smoke: no build in $dir (run deploy/scripts/publish.sh)" >&2; exit 1; }; done
command -v qemu-aarch64-static >/dev/null || { echo "arm64-smoke: qemu-aarch64-static missing (apt-get install qemu-user-static)" >&2; exit 1; }
[[ -e /lib/ld-linux-aarch64.so.1 ]] || { echo "arm64-smoke: no arm64 libc (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64)" >&2; exit 1; }

work="$(mktemp -d /tmp/portscan-arm64-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$x64/portscan-edge" synth --out "$work/images" --count 2 --seed 11 --anomaly-rate 0.5 --quiet >/dev/null
images=("$work"/images/0*.png)
"$x64/portscan-edge" analyze "${images[@]}" > "$work/x64.jsonl"
start=$(date +%s%3N)
unshare --mount bash -c "mount --bind '$root/deploy/scripts/qemu/cpuinfo-cortex-a72' /proc/cpuinfo && \
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 exec qemu-aarch64-static '$arm/portscan-edge' analyze ${images[*]}" > "$work/arm64.jsonl"
elapsed=$(( $(date +%s%3N) - start ))
ok_lines=$(grep -c '"ok":true' "$work/arm64.jsonl" || true)
((ok_lines == ${#images[@]})) || { echo "arm64-smoke: expected ${#images[@]} analysed images, got $ok_lines:" >&2; cat "$work/arm64.jsonl" >&2; exit 1; }
# Same verdicts, scores and regions; only the timings differ.
strip() { sed 's/,"timings_ms":{[^}]*}//' "$1"; }
if ! diff <(strip "$work/x64.jsonl") <(strip "$work/arm64.jsonl") > "$work/diff"; then
  echo "arm64-smoke: the arm64 build disagrees with the x64 build:" >&2; cat "$work/diff" >&2; exit 1
fi
echo "arm64-smoke: ok — linux-arm64 under qemu analysed ${#images[@]} radiographs in $elapsed ms, results identical to linux-x64"
