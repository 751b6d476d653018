#!/usr/bin/env bash
# Wall-clock time and peak memory of `staff optimize` on the embedded default Double-11
# scenario: hourly requirement, 30 replications per candidate, targets 平响 <= 30 s and reply
# rate >= 99% at 90% confidence, shift plan and verification run included. Target: under
# 2 minutes on 2 cores. Runs it RUNS times (default 3) on THREADS threads (default 2) and
# prints each run's wall-clock seconds, candidates simulated and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
threads=${THREADS:-2}
cargo build --release --quiet
printf '%-4s %8s %11s %14s\n' run wall_s candidates peak_rss_kib
for i in $(seq 1 "$runs"); do
  python3 - "$i" "$threads" <<'PY'
import re, resource, subprocess, sys, time
run, threads = sys.argv[1:]
t0 = time.monotonic()
out = subprocess.run(
    ["target/release/d11sim", "staff", "optimize", "--target", "avg_response_s<=30",
     "--target", "reply_rate>=0.99", "--confidence", "0.9", "-r", "30", "-t", threads],
    check=True, capture_output=True, text=True).stdout
wall = time.monotonic() - t0
candidates = re.search(r"(\d+) candidates simulated in", out).group(1)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{run:<4} {wall:>8.1f} {candidates:>11} {rss:>14}")
PY
done
