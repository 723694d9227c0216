#!/usr/bin/env bash
# Runs `portscan-edge bench` and the Node.js peer on the same radiographs and the same model, in alternating
# order (ours → peer, then peer → ours, so drift on a shared machine falls on both), and prints the throughput
# ratio: ours scans/s ÷ peer scans/s (> 1 means the gateway is faster).
#
#   bench/peer-node/compare.sh [--model PATH] [--images DIR] [--frames N]
#
# Without --images, 2048 x 6000 16-bit scans are generated once by `portscan-edge bench --write-images`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="$root/models/test/portscan-test-localcontrast.onnx"
[[ -f "$root/models/portscan-xray.onnx" ]] && model="$root/models/portscan-xray.onnx"
images=""
frames=40
while (($#)); do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --frames) frames="$2"; shift 2 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

cd "$root"
if [[ ! -d bench/peer-node/node_modules ]]; then
  (cd bench/peer-node && npm ci --no-audit --no-fund >/dev/null)
fi
dotnet build src/PortScanEdge.Host -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
exe="src/PortScanEdge.Host/bin/Release/net10.0/portscan-edge"
cleanup=""
if [[ -z "$images" ]]; then
  images="$(mktemp -d)"
  cleanup="$images"
  "$exe" bench --model "$model" --frames 1 --warmup 0 --write-images "$images" >/dev/null 2>&1
fi
trap '[[ -n "$cleanup" ]] && rm -rf "$cleanup"' EXIT

ours() { "$exe" bench --model "$model" --images "$images" --frames "$frames" --json 2>/dev/null | tail -n 1; }
peer() { node bench/peer-node/peer-bench.mjs --model "$model" --images "$images" --frames "$frames" --warmup 5 --threads 2 --batch 4 2>/dev/null | tail -n 1; }

ours1="$(ours)"; peer1="$(peer)"
peer2="$(peer)"; ours2="$(ours)"
node -e '
const [o1, p1, o2, p2] = process.argv.slice(1).map((s) => JSON.parse(s));
const ours = (o1.scans_per_second + o2.scans_per_second) / 2;
const peer = (p1.scans_per_second + p2.scans_per_second) / 2;
console.log(`portscan-edge: ${o1.scans_per_second} and ${o2.scans_per_second} scans/s (e2e p50 ${o1.e2e_ms_p50} / ${o2.e2e_ms_p50} ms, decode p50 ${o1.decode_ms_p50} / ${o2.decode_ms_p50} ms)`);
console.log(`node peer:     ${p1.scans_per_second} and ${p2.scans_per_second} scans/s (e2e p50 ${p1.e2e_ms_p50} / ${p2.e2e_ms_p50} ms, decode p50 ${p1.decode_ms_p50} / ${p2.decode_ms_p50} ms)`);
console.log(`throughput ratio portscan-edge / node peer = ${(ours / peer).toFixed(3)} (rounds: ${(o1.scans_per_second / p1.scans_per_second).toFixed(3)}, ${(o2.scans_per_second / p2.scans_per_second).toFixed(3)}; target >= 1)`);
console.log(JSON.stringify({ mode: "compare-node-peer", ratio: Number((ours / peer).toFixed(4)), ours_scans_per_second: ours, peer_scans_per_second: peer, frames: Number(process.argv[5]) }));
' "$ours1" "$peer1" "$ours2" "$peer2" "$frames"
