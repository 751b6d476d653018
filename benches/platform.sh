#!/usr/bin/env bash
# One replication of scenarios/platform.toml (~10^8 inquiries) and of copies scaled down to
# 1/100 and 1/10 (arrivals, agents and bot capacity alike), on one thread: wall time,
# conversations, events handled and the child's peak RSS. The engine's goals: cost per
# conversation flat in volume, one 10^8 replication in minutes, and memory that grows
# with the conversations open at once, not with all of them.
#   bash benches/platform.sh            # 1/100, 1/10 and the whole platform
#   bash benches/platform.sh 100 10     # only the scales given (divisors)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/d11sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp scenarios/double11.toml "$work/"
divisors=("$@")
[ ${#divisors[@]} -eq 0 ] && divisors=(100 10 1)
printf '%-8s %12s %12s %7s %8s %10s %9s %10s %10s %9s %8s\n' scale arrived events wall_s us/conv events/s rss_mib customers pending held_mib base_mib
for d in "${divisors[@]}"; do
  python3 - "$d" scenarios/platform.toml "$work/p$d.toml" <<'PY'
import re, sys
d, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = open(src).read()
s = re.sub(r'^(base_per_hour|count|capacity) = (\d+)', lambda m: f"{m.group(1)} = {max(1, int(m.group(2)) // d)}", s, flags=re.M)
open(dst, "w").write(s)
PY
  python3 - "$bin" "$work/p$d.toml" "$d" <<'PY'
import json, resource, subprocess, sys, time
bin, scen, d = sys.argv[1:]
t = time.monotonic()
out = subprocess.run([bin, "run", scen, "-r", "1", "-t", "1", "--json"], check=True, capture_output=True).stdout
wall = time.monotonic() - t
s = json.loads(out)
arrived = s["counts"]["arrived"]
e = s["engine"]
events = e["events"]
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
# what the customers and events present at once held allocated; the rest is the base
held = e["held_bytes"] / 2**20
print(f"1/{d:<6} {arrived:>12} {events:>12} {wall:>7.1f} {wall / arrived * 1e6:>8.2f} {events / wall:>10.3e} {rss:>9.0f} {e['peak_customers']:>10} {e['peak_pending_events']:>10} {held:>9.0f} {rss - held:>8.0f}")
PY
done
