#!/usr/bin/env bash
# Measures a published gateway on this machine with the simulated lane (deploy/config/demo.yaml: three serial
# devices on pseudo-terminals, simulated GPIO, the model, the embedded broker; emulators run in the same process):
#   cold start to ready  from exec to the first 200 from /readyz (devices connected, model loaded, broker up)
#   RSS under load       peak VmRSS while a vehicle arrives every second, twice: with the demo's radiographs
#                        generated inside the gateway's process (the simulator's own memory counts), and with
#                        the same kind of radiographs made beforehand by `synth` and replayed from files
#                        (simulation.images), which leaves the gateway the work it does with a real scanner
#   idle CPU             CPU time / wall time with the three serial ports open and no vehicle, after settling
#                        (--settle-seconds, default 60: the first half-minute still has the JIT's background
#                        tier-1 compilation and start-up work, which is not what an idle gateway costs)
# Usage: deploy/scripts/measure.sh [--bin DIR] [--runs N] [--load-runs N] [--load-seconds S] [--idle-seconds S]
#                                  [--settle-seconds S]
#   --runs N        cold starts (default 3); --load-runs N  runs of each load phase (default 1; peaks vary by
#                   10-20 MB from run to run, so judge a margin on several)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/artifacts/publish/linux-x64"; runs=3; load_runs=1; load_seconds=60; idle_seconds=60; settle_seconds=60
while (($# > 0)); do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --load-runs) load_runs="$2"; shift 2 ;;
    --load-seconds) load_seconds="$2"; shift 2 ;;
    --idle-seconds) idle_seconds="$2"; shift 2 ;;
    --settle-seconds) settle_seconds="$2"; shift 2 ;;
    *) echo "measure.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
work="$(mktemp -d /tmp/portscan-measure-XXXXXX)"
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=19464

config() { # $1 = vehicle interval, $2 = replay directory (optional)
  sed -e "s#/tmp/portscan-edge-demo#$work/data#g" -e "s#vehicle_interval: 6s#vehicle_interval: $1#" \
      -e "s#embedded_port: 1883#embedded_port: 18899#" -e "s#port: 8080#port: 18099#" "$root/deploy/config/demo.yaml" > "$work/site.yaml"
  if [[ -n "${2:-}" ]]; then sed -i "s#^simulation:#simulation:\n  images: $2#" "$work/site.yaml"; fi
  printf '\nobservability:\n  port: %s\n' "$port" >> "$work/site.yaml"
}
now_ms() { date +%s%3N; }
start() {
  rm -rf "$work/data"
  local t0; t0=$(now_ms)
  "$bin/portscan-edge" run --config "$work/site.yaml" --log-level warning > "$work/log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "measure.sh: gateway exited:"; cat "$work/log"; exit 1; }
    sleep 0.02
  done
  ready_ms=$(( $(now_ms) - t0 ))
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

config 1h
for i in $(seq 1 "$runs"); do
  start; echo "cold start to ready, run $i: $ready_ms ms"; stop
done

load() { # $1 = what the runs are
  local peaks=() peak r vehicles run
  for run in $(seq 1 "$load_runs"); do
    start
    peak=0
    for _ in $(seq 1 "$load_seconds"); do
      sleep 1; r=$(rss_kb); ((r > peak)) && peak=$r
    done
    vehicles=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^portscan_edge_lane_vehicles_total/ { s += $2 } END { print s + 0 }')
    echo "RSS under load, $1, run $run: peak $((peak / 1024)) MB over ${load_seconds} s, $vehicles vehicles closed"
    peaks+=("$((peak / 1024))")
    stop
  done
  if ((load_runs > 1)); then
    printf '%s\n' "${peaks[@]}" | sort -n | awk -v what="$1" '{ p[NR] = $1 } END { printf "RSS under load, %s: peaks %d-%d MB over %d runs (median %d)\n", what, p[1], p[NR], NR, p[int((NR + 1) / 2)] }'
  fi
}

config 1s
load "radiographs generated in the gateway's process (the demo)"
# The demo's kind of radiographs (2048 x 1024, a fifth with a concealment), made before the gateway starts.
"$bin/portscan-edge" synth --out "$work/scans" --count 24 --seed 11 --anomaly-rate 0.2 --width 2048 --height 1024 \
  > "$work/synth.log" 2>&1 || { echo "measure.sh: synth failed:"; cat "$work/synth.log"; exit 1; }
config 1s "$work/scans"
load "radiographs replayed from files (the gateway's work with a real scanner)"

config 1h
start
sleep "$settle_seconds"
t0=$(cpu_ticks); w0=$(now_ms)
sleep "$idle_seconds"
t1=$(cpu_ticks); w1=$(now_ms)
hz=$(getconf CLK_TCK)
awk -v t=$((t1 - t0)) -v hz="$hz" -v ms=$((w1 - w0)) -v settle="$settle_seconds" 'BEGIN { printf "idle CPU, 3 serial ports open: %.2f %% of one core over %.0f s (after %d s settling)\n", 100 * (t / hz) / (ms / 1000), ms / 1000, settle }'
echo "idle RSS: $(( $(rss_kb) / 1024 )) MB"
stop
