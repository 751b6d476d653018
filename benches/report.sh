#!/usr/bin/env bash
# Time to draw and write the war-room report of the default scenario (10 replications):
# nine charts as SVG and PNG, index.html and report.md. Target: under 3 s. The simulation
# and the "what fixes it" runs before it are timed apart. Runs RUNS times (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-4s %10s %10s %8s\n' run total_s drawn_s size_kib
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  line=$(target/release/d11sim report --replications 10 --out "$work/r$i")
  end=$(date +%s.%N)
  drawn=$(sed -E 's/.*drawn in ([0-9.]+) s.*/\1/' <<<"$line")
  size=$(du -sk "$work/r$i" | cut -f1)
  printf '%-4s %10.2f %10s %8s\n' "$i" "$(echo "$end - $start" | bc)" "$drawn" "$size"
done
