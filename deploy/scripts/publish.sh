#!/usr/bin/env bash
# Self-contained, ReadyToRun builds of portscan-edge for the gateways, one directory per runtime identifier,
# each checked for the native libraries the gateway cannot run without.
#
# Usage: deploy/scripts/publish.sh [--rid RID]... [--out DIR] [--no-r2r] [--verify-only]
#   --rid RID       linux-arm64 and/or linux-x64 (default: both)
#   --out DIR       output root (default: artifacts/publish); the build goes to DIR/RID
#   --no-r2r        skip ReadyToRun (faster build, slower start)
#   --verify-only   do not build; only check an existing DIR/RID
# Prints one line per RID: "publish RID: DIR, N MB, native libraries ok". Exit 1 when a check fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rids=()
out="$root/artifacts/publish"
r2r=true
build=true
while (($# > 0)); do
  case "$1" in
    --rid) rids+=("${2:?--rid needs a value}"); shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --no-r2r) r2r=false; shift ;;
    --verify-only) build=false; shift ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "publish.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
((${#rids[@]} > 0)) || rids=(linux-arm64 linux-x64)

# ELF e_machine (bytes 18-19, little endian) expected for each RID: the libraries must be built for the target.
elf_machine() {
  case "$1" in
    linux-arm64) echo 183 ;;  # EM_AARCH64
    linux-x64) echo 62 ;;     # EM_X86_64
    *) echo "publish.sh: unsupported RID '$1' (linux-arm64, linux-x64)" >&2; exit 64 ;;
  esac
}
machine_of() { od -An -t u2 -j 18 -N 2 "$1" | tr -d ' '; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
status=0
for rid in "${rids[@]}"; do
  expected="$(elf_machine "$rid")"
  dir="$out/$rid"
  if $build; then
    rm -rf "$dir"
    dotnet publish "$root/src/PortScanEdge.Host/PortScanEdge.Host.csproj" -c Release -r "$rid" --self-contained true \
      -p:PublishReadyToRun=$r2r -p:DebugType=none -p:GenerateDocumentationFile=false -nologo -clp:ErrorsOnly -o "$dir"
  fi
  # What the gateway loads natively: the apphost, the .NET runtime, serial I/O, ONNX Runtime; and the model.
  for file in portscan-edge libcoreclr.so libSystem.Native.so libSystem.IO.Ports.Native.so libonnxruntime.so; do
    if [[ ! -f "$dir/$file" ]]; then
      echo "publish $rid: MISSING $file in $dir" >&2; status=1; continue
    fi
    actual="$(machine_of "$dir/$file")"
    if [[ "$actual" != "$expected" ]]; then
      echo "publish $rid: $file is built for ELF machine $actual, expected $expected" >&2; status=1
    fi
  done
  # The model: the shipped one (models/portscan-xray.onnx, issue 5) when it exists, else the test model.
  model=models/portscan-xray.onnx
  [[ -f "$dir/$model" ]] || model="$(cd "$dir" && find models -name '*.onnx' 2>/dev/null | sort | head -1)"
  if [[ -z "$model" ]]; then echo "publish $rid: MISSING models/*.onnx in $dir" >&2; status=1; fi
  # A two-band model (models/CONTRACT.md) is useless without its band network, which export.py writes beside it
  # as NAME-band.onnx.
  for main in "$dir"/models/*.onnx; do
    if grep -q 'portscan.band_model' "$main" && [[ ! -f "${main%.onnx}-band.onnx" ]]; then
      echo "publish $rid: MISSING ${main%.onnx}-band.onnx, the band network of $(basename "$main")" >&2; status=1
    fi
  done
  # Stray native libraries for other platforms would mean the RID did not take.
  if find "$dir" -path '*/runtimes/*' -name '*.so' | grep -q .; then
    echo "publish $rid: runtimes/ folder left in the output (not a RID-specific publish)" >&2; status=1
  fi
  size_mb=$(( $(du -sk "$dir" | cut -f1) / 1024 ))
  ((status == 0)) && echo "publish $rid: $dir, $size_mb MB, native libraries ok, model $model"
done
exit $status
