#!/usr/bin/env bash
# Routing-service load on loopback: `d11sim bench --open-loop` against `d11sim router serve`
# at 50,000 requests/s (scenarios/erlang_c.toml, 230,460 requests, 8 connections, one
# client thread), then wrk (Debian package `wrk`, installed if missing) against the same
# server for 5 s with 1 thread and 8 connections. d11sim replays the scenario's requests
# (agent updates included) at their intended times and measures latency from them; wrk
# sends one fixed request as fast as replies come back (closed loop), so its figure is the
# server's ceiling for the smallest request, not a paced rate.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=target/release/d11sim
work=$(mktemp -d)
"$bin" router serve --policy least-loaded --addr 127.0.0.1:0 > "$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q listening "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
url=$(sed -E 's/.*(http:[^ ]+).*/\1/' "$work/serve.log")
echo "== d11sim bench --open-loop (50,000 requests/s planned)"
"$bin" bench scenarios/erlang_c.toml --target "$url" --speedup 562500 --open-loop \
  --connections 8 --out "$work/bench" | tail -4
python3 - "$work/bench/bench.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
print(f"offered {b['offered_per_s']:.0f}/s achieved {b['achieved_per_s']:.0f}/s; "
      f"corrected p50 {b['latency_us']['p50']} p99 {b['latency_us']['p99']} µs; "
      f"send lag p99 {b['send_lag_us']['p99']} µs; valid {b['valid']}")
PY
echo "== wrk -t1 -c8 -d5s (closed loop, one fixed request)"
curl -s -X POST -d '{"agents":20}' "$url/v1/reset" >/dev/null
wrk -t1 -c8 -d5s --latency -s benches/wrk_route.lua "$url" | grep -E "Requests/sec|50%|99%|Latency"
