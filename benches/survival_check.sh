#!/usr/bin/env bash
# Checks d11sim's patience fits (src/calibrate/survival.rs) against an independent
# implementation, Python's lifelines: the same censored waits fitted by both, every
# parameter, log-likelihood and Kaplan-Meier step compared. Installs lifelines with pip if it
# is missing. Exit 0 when every figure agrees (relative difference below 1e-3 for the
# fitted parameters and log-likelihoods, 1e-9 for the Kaplan-Meier curve and its interval).
#
#   bash benches/survival_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import lifelines' 2>/dev/null || python3 -m pip install --quiet lifelines
cargo build --release --quiet --example fit_patience
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import json, subprocess, sys
import numpy as np
from lifelines import (ExponentialFitter, KaplanMeierFitter, LogLogisticFitter,
                       LogNormalFitter, WeibullFitter)

out = sys.argv[1]
worst = {"params": 0.0, "loglik": 0.0, "km": 0.0}
cases = [("weibull", 1.4, 300.0), ("weibull", 0.8, 150.0), ("lognormal", 5.0, 0.9),
         ("loglogistic", 200.0, 2.5)]
for i, (law, a, b) in enumerate(cases):
    rng = np.random.default_rng(100 + i)
    n = 3000
    if law == "weibull":
        p = b * rng.weibull(a, n)
    elif law == "lognormal":
        p = rng.lognormal(a, b, n)
    else:
        u = rng.uniform(size=n)
        p = a * (u / (1 - u)) ** (1 / b)
    w = rng.exponential(120.0, n)
    t = np.maximum(np.minimum(p, w), 1e-3)
    e = (p < w).astype(int)
    path = f"{out}/waits{i}.csv"
    with open(path, "w") as f:
        f.write("t,event\n")
        for ti, ei in zip(t, e):
            f.write(f"{float(ti)!r},{int(ei)}\n")
    ours = json.loads(subprocess.run(
        ["target/release/examples/fit_patience", path],
        check=True, capture_output=True, text=True).stdout)
    fits = {f["law"]: f for f in ours["fits"]}
    theirs = {
        "exponential": (ExponentialFitter().fit(t, e),
                        {"rate": lambda m: 1 / m.lambda_}),
        "weibull": (WeibullFitter().fit(t, e),
                    {"shape": lambda m: m.rho_, "scale_s": lambda m: m.lambda_}),
        "lognormal": (LogNormalFitter().fit(t, e),
                      {"mu": lambda m: m.mu_, "sigma": lambda m: m.sigma_}),
        "loglogistic": (LogLogisticFitter().fit(t, e),
                        {"scale_s": lambda m: m.alpha_, "shape": lambda m: m.beta_}),
    }
    for name, (model, params) in theirs.items():
        for key, get in params.items():
            x, y = fits[name]["params"][key]["value"], get(model)
            d = abs(x - y) / max(abs(y), 1e-12)
            worst["params"] = max(worst["params"], d)
            print(f"case {i} {law:<11} {name:<11} {key:<7} d11sim {x:12.6g} lifelines {y:12.6g} rel {d:.1e}")
        d = abs(fits[name]["log_lik"] - model.log_likelihood_) / abs(model.log_likelihood_)
        worst["loglik"] = max(worst["loglik"], d)
    km = KaplanMeierFitter().fit(t, e)
    sf = km.survival_function_["KM_estimate"]
    ci = km.confidence_interval_survival_function_
    for p in ours["km"]:
        s_ref = float(sf.loc[p["t"]])
        lo_ref, hi_ref = ci.loc[p["t"]].values
        d = max(abs(p["s"] - s_ref), abs(p["lo"] - lo_ref), abs(p["hi"] - hi_ref))
        worst["km"] = max(worst["km"], d)
print(f"worst relative difference: parameters {worst['params']:.1e}, "
      f"log-likelihoods {worst['loglik']:.1e}; Kaplan-Meier (absolute) {worst['km']:.1e}")
ok = worst["params"] < 1e-3 and worst["loglik"] < 1e-3 and worst["km"] < 1e-9
sys.exit(0 if ok else 1)
PY
