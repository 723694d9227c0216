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
# Usage: deploy/scripts/arm64-smoke.sh [--out DIR] [--x64-dll PATH]
#   --out DIR        as given to publish.sh (default artifacts/publish); DIR/linux-arm64 is checked
#   --x64-dll PATH   compare against this framework-dependent x64 build (portscan-edge.dll, run with dotnet)
#                    instead of the DIR/linux-x64 publish (the test suite does this to save a second publish)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/artifacts/publish"
x64_dll=""
while (($# > 0)); do
  case "$1" in
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --x64-dll) x64_dll="${2:?--x64-dll needs a value}"; shift 2 ;;
    *) echo "arm64-smoke: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
arm="$out/linux-arm64"
[[ -x "$arm/portscan-edge" ]] || { echo "arm64-smoke: no build in $arm (run deploy/scripts/publish.sh --rid linux-arm64)" >&2; exit 1; }
if [[ -n "$x64_dll" ]]; then
  [[ -f "$x64_dll" ]] || { echo "arm64-smoke: no x64 build at $x64_dll" >&2; exit 1; }
  x64_run=(dotnet "$x64_dll")
else
  [[ -x "$out/linux-x64/portscan-edge" ]] || { echo "arm64-smoke: no build in $out/linux-x64 (run deploy/scripts/publish.sh, or pass --x64-dll)" >&2; exit 1; }
  x64_run=("$out/linux-x64/portscan-edge")
fi
[[ $(id -u) -eq 0 ]] || { echo "arm64-smoke: needs root (unshare --mount to give qemu an ARM /proc/cpuinfo)" >&2; exit 1; }
command -v qemu-aarch64-static >/dev/null || { echo "arm64-smoke: qemu-aarch64-static missing (apt-get install qemu-user-static)" >&2; exit 1; }
[[ -e /lib/ld-linux-aarch64.so.1 ]] || { echo "arm64-smoke: no arm64 libc (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64)" >&2; exit 1; }

work="$(mktemp -d /tmp/portscan-arm64-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"${x64_run[@]}" synth --out "$work/images" --count 2 --seed 7 --anomaly-rate 0.5 --quiet >/dev/null
images=("$work"/images/0*.png)
# The demo's detection settings for both builds, with a decode deadline for emulation: qemu-user runs the arm64
# decoder some 30 times slower than native, and on a busy machine one image once took longer than the default 10 s.
sed 's/^detection:$/detection:\n  decode_timeout: 5m/' "$root/deploy/config/demo.yaml" > "$work/analyze.yaml"
grep -q 'decode_timeout: 5m' "$work/analyze.yaml" || { echo "arm64-smoke: demo.yaml has no detection: section to extend" >&2; exit 1; }
# analyze exits 3 when it refuses an image; the checks below say which and why, so its status is not fatal here.
"${x64_run[@]}" analyze --config "$work/analyze.yaml" "${images[@]}" > "$work/x64.jsonl" || true
start=$(date +%s%3N)
unshare --mount bash -c "mount --bind '$root/deploy/scripts/qemu/cpuinfo-cortex-a72' /proc/cpuinfo && \
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 exec qemu-aarch64-static '$arm/portscan-edge' analyze --config '$work/analyze.yaml' ${images[*]}" > "$work/arm64.jsonl" || true
elapsed=$(( $(date +%s%3N) - start ))
for build in x64 arm64; do
  ok_lines=$(grep -c '"ok":true' "$work/$build.jsonl" || true)
  ((ok_lines == ${#images[@]})) || { echo "arm64-smoke: the $build build analysed $ok_lines of ${#images[@]} images:" >&2; cat "$work/$build.jsonl" >&2; exit 1; }
done
# Same files, verdicts, model and regions; scores equal to 1e-4. Floating point is not bit-identical across
# architectures (ONNX Runtime's ARM kernels fuse multiply-adds that the x86 ones round twice: 0.436190 on one,
# 0.436191 on the other, seen here), so a region's box may move by one heat-map cell (the model's downsample).
if ! python3 - "$work/x64.jsonl" "$work/arm64.jsonl" > "$work/diff" <<'PY'
import json, sys
x64, arm = ([json.loads(line) for line in open(path)] for path in sys.argv[1:3])
problems = []
if len(x64) != len(arm):
    problems.append(f"{len(x64)} results on x64, {len(arm)} on arm64")
for a, b in zip(x64, arm):
    name = a.get("file")
    for key in ("file", "ok", "verdict", "threshold", "width", "height", "tiles", "model"):
        if a.get(key) != b.get(key):
            problems.append(f"{name}: {key} {a.get(key)!r} on x64, {b.get(key)!r} on arm64")
    if abs(a.get("score", 0) - b.get("score", 0)) > 1e-4:
        problems.append(f"{name}: score {a.get('score')} on x64, {b.get('score')} on arm64")
    ra, rb = a.get("regions", []), b.get("regions", [])
    if len(ra) != len(rb):
        problems.append(f"{name}: {len(ra)} regions on x64, {len(rb)} on arm64")
    for i, (p, q) in enumerate(zip(ra, rb)):
        for key in ("x", "y", "width", "height", "peak_x", "peak_y"):
            if abs(p[key] - q[key]) > 4:
                problems.append(f"{name}: region {i} {key} {p[key]} on x64, {q[key]} on arm64")
        if abs(p["peak_score"] - q["peak_score"]) > 1e-4 or abs(p["area"] - q["area"]) > 0.1 * p["area"]:
            problems.append(f"{name}: region {i} peak {p['peak_score']}/{q['peak_score']}, area {p['area']}/{q['area']} (x64/arm64)")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
then
  echo "arm64-smoke: the arm64 build disagrees with the x64 build:" >&2; cat "$work/diff" >&2; exit 1
fi
regions=$( { grep -o "\"peak_score\"" "$work/arm64.jsonl" || true; } | wc -l)
echo "arm64-smoke: ok — linux-arm64 under qemu analysed ${#images[@]} radiographs in $elapsed ms ($regions region(s)), results match linux-x64 (verdicts, regions, scores to 1e-4)"
