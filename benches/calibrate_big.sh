#!/usr/bin/env bash
# calibrate on a 10^7-conversation log: time and peak memory, against reading the same
# file's CSV records alone (examples/read_log.rs) in the same run. One core.
#   bash benches/calibrate_big.sh [DAYS]      (default 10 days = 10^7 rows, ~2 GB on disk)
set -euo pipefail
cd "$(dirname "$0")/.."
days="${1:-10}"
work="${TMPDIR:-/tmp}/d11sim-calibrate-big"
cargo build --release --quiet --example read_log
bin=target/release/d11sim
rm -rf "$work" && mkdir -p "$work"
echo "simulating $days days into $work/log ..."
/usr/bin/time -f "run --log: %e s, %M KB peak" "$bin" run benches/data/log_10m.toml -r "$days" -t 1 -q --log "$work/log"
ls -l "$work/log/conversations.csv"
/usr/bin/time -f "read alone: %e s, %M KB peak" target/release/examples/read_log "$work/log/conversations.csv"
/usr/bin/time -f "calibrate: %e s, %M KB peak" "$bin" calibrate "$work/log" --holdout-every 0 --base benches/data/log_10m.toml --out "$work/cal" -q
grep -m1 -A3 '"patience"' "$work/cal/calibration.json" >/dev/null && echo "calibration.json written"
rm -rf "$work"
