#!/usr/bin/env bash
# Back-test of `d11sim forecast` on simulated held-out days: the plan is a scenario's
# expected curve (the mean of 200 replications without a volume error); each held-out
# day is one replication of the same scenario whose volume misses the plan (one
# multiplier per day, mean 1, cv 0.25). At every hour the rest of the day is forecast
# three ways: the plan alone, the plain run-rate, and the gamma-Poisson update.
#   bash benches/forecast_backtest.sh [SCENARIO] [DAYS]    (default scenarios/double11.toml, 60)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="$(realpath "${1:-scenarios/double11.toml}")"
days="${2:-60}"
work="${TMPDIR:-/tmp}/d11sim-forecast-backtest"
cargo build --release --quiet
bin=target/release/d11sim
rm -rf "$work" && mkdir -p "$work/days"
printf 'extends = "%s"\n[arrivals]\nforecast_error_cv = 0.0\n' "$scenario" > "$work/plan.toml"
printf 'extends = "%s"\n[arrivals]\nforecast_error_cv = 0.25\n' "$scenario" > "$work/truth.toml"
"$bin" run "$work/plan.toml" -r 200 -q --out "$work/plan"
"$bin" run "$work/truth.toml" -r "$days" -s 20261107 -q --out "$work/truth"
# series.csv: replication, interval, start, arrived, ...
awk -F, 'NR > 1 { s[$3] += $4; n[$3]++; if (!($3 in o)) { o[$3] = ++k; key[k] = $3 } }
  END { print "interval_start,arrivals"; for (i = 1; i <= k; i++) printf "%s,%.3f\n", key[i], s[key[i]] / n[key[i]] }' \
  "$work/plan/series.csv" > "$work/plan.csv"
awk -F, -v dir="$work/days" 'NR > 1 { f = sprintf("%s/day%03d.csv", dir, $1);
  if (!(f in seen)) { seen[f] = 1; print "interval_start,arrivals" > f } print $3 "," $4 > f }' \
  "$work/truth/series.csv"
"$bin" forecast --plan "$work/plan.csv" --observed "$work"/days/*.csv --backtest --out "$work/backtest"
[ -n "${KEEP:-}" ] || rm -rf "$work"
