#!/usr/bin/env bash
# Peak memory of one replication against the number of customers simulated: the metrics
# stream (no per-customer history), so peak RSS must stay flat as the horizon grows.
# Runs M/M/100+M (95 Erlangs, work 180 s, patience 120 s) for 1, 10, 100 and 300 days on
# one thread and prints customers and the child's peak RSS (KiB, getrusage's ru_maxrss).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/d11sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-8s %12s %14s\n' days customers peak_rss_kib
for days in 1 10 100 300; do
  end=$(python3 -c "import datetime as d; t=d.datetime(2025,1,1)+d.timedelta(days=$days); print(t.strftime('%m-%d %H:%M'))")
  sed -e "s/^end = .*/end = \"$end\"/" -e 's/^warmup_h = .*/warmup_h = 0/' -e "s/^interval_min = .*/interval_min = $((days * 1440))/" \
      -e 's/^constant_per_hour = .*/constant_per_hour = 1900/' -e 's/^count = 50/count = 100/' \
      -e 's/^default = .*/default = { dist = "exponential", mean_s = 120 }/' scenarios/erlang_a.toml > "$work/s.toml"
  python3 - "$bin" "$work/s.toml" "$days" <<'PY'
import json, resource, subprocess, sys
bin, scen, days = sys.argv[1:]
out = subprocess.run([bin, "run", scen, "-r", "1", "-t", "1", "--json"], check=True, capture_output=True).stdout
arrived = json.loads(out)["kpis"]["arrived"]["mean"]
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{days:<8} {int(arrived):>12} {rss:>14}")
PY
done

# Peak memory against --replications: replications are folded into the summary as they
# finish and their series rows and histogram-log entries are streamed to --out, so 1,000
# replications of the default day must stay within 1.5x of 100.
printf '\n%-13s %14s\n' replications peak_rss_kib
python3 - "$bin" "$work" <<'PY'
import resource, subprocess, sys
bin, work = sys.argv[1:]
rss = {}
for reps in (100, 1000):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run(["/usr/bin/env", "python3", "-c",
        "import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        bin, "run", "-r", str(reps), "-q", "--out", f"{work}/out{reps}"],
        check=True, capture_output=True, text=True)
    rss[reps] = int(p.stdout.split()[-1])
    print(f"{reps:<13} {rss[reps]:>14}")
ratio = rss[1000] / rss[100]
print(f"1,000 / 100: {ratio:.2f}x (target <= 1.5x)")
sys.exit(0 if ratio <= 1.5 else 1)
PY
