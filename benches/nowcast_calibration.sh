#!/usr/bin/env bash
# Calibration of the nowcast's bands on truth days. The plan is the default scenario; each
# truth day is the same store with its volume 0.7 to 1.5 times the plan's. Each day is
# snapshot at 23:40, nowcast from its state and its arrivals so far (no move), and its
# own 00:00-01:00 (4 intervals) is checked against the 90% bands of 平响 and the backlog.
# The plan-only forecast (cold runs of the plan) is scored beside it.
#   bash benches/nowcast_calibration.sh [DAYS_PER_VOLUME] [REPLICATIONS]   (default 4, 100)
set -euo pipefail
cd "$(dirname "$0")/.."
per="${1:-4}"
reps="${2:-100}"
work="${TMPDIR:-/tmp}/d11sim-nowcast-calibration"
cargo build --release --quiet
bin="$PWD/target/release/d11sim"
sc="$PWD/scenarios/double11.toml"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
printf 'extends = "%s"\n[arrivals]\nforecast_error_cv = 0.0\n' "$sc" > plan.toml
"$bin" run plan.toml -r "$reps" -q --out plan
for v in 0.7 0.8 0.9 1.0 1.1 1.2 1.3 1.4 1.5; do
  printf 'extends = "%s"\n[arrivals]\nforecast_error_cv = 0.0\nscale = %s\n' "$sc" "$v" > "truth-$v.toml"
  "$bin" run "truth-$v.toml" -r "$per" -s "$(echo "$v" | tr -d .)7" -q --out "truth-$v" --snapshot-at "11-10 23:40"
  for ((j = 0; j < per; j++)); do
    f=$(printf '%04d' "$j")
    "$bin" nowcast plan.toml --state "truth-$v/snapshot/state-$f.json" \
      --observed "truth-$v/snapshot/observed-$f.csv" -r "$reps" --hours 1.5 -q --out "nc-$v-$j"
  done
done
python3 - "$per" <<'PY'
import csv, json, sys, collections
per = int(sys.argv[1])
window = ["11-11 00:00", "11-11 00:15", "11-11 00:30", "11-11 00:45"]
kpis = {"avg_response_s": "avg_response_s", "backlog": "unanswered_end"}
def series(path):
    rows = collections.defaultdict(dict)
    for r in csv.DictReader(open(path)):
        rows[int(r["replication"])][r["start"]] = r
    return rows
plan = series("plan/series.csv")
def plan_band(start, col):
    xs = sorted(float(plan[i][start][col]) for i in plan if plan[i][start][col] != "")
    q = lambda p: xs[min(len(xs) - 1, int(p * (len(xs) - 1) + 0.5))]
    return sum(xs) / len(xs), q(0.05), q(0.95)
stats = {k: collections.Counter() for k in kpis}
err = {k: [0.0, 0.0] for k in kpis}
for v in ["0.7", "0.8", "0.9", "1.0", "1.1", "1.2", "1.3", "1.4", "1.5"]:
    truth = series(f"truth-{v}/series.csv")
    for j in range(per):
        nc = json.load(open(f"nc-{v}-{j}/nowcast.json"))
        rows = {(r["interval"][:11], r["kpi"]): r for r in nc["rows"] if r["move"] == "no move"}
        for start in window:
            for k, col in kpis.items():
                t = truth[j][start][col]
                r = rows.get((start, k))
                if t == "" or r is None or r["mean"] is None:
                    continue
                t = float(t)
                stats[k]["n"] += 1
                stats[k]["in"] += r["low_90"] <= t <= r["high_90"]
                pm, plo, phi = plan_band(start, col)
                stats[k]["plan_in"] += plo <= t <= phi
                err[k][0] += abs(t - r["mean"])
                err[k][1] += abs(t - pm)
for k in kpis:
    n = stats[k]["n"]
    print(f"{k}: {n} day-intervals; nowcast 90% band covers {100 * stats[k]['in'] / n:.0f}%, "
          f"plan-only band {100 * stats[k]['plan_in'] / n:.0f}%; mean absolute error "
          f"nowcast {err[k][0] / n:.1f}, plan-only {err[k][1] / n:.1f}")
PY
cd / && rm -rf "$work"
