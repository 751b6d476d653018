//! Fits patience to a CSV of waits (`t,event`: seconds, 1 = left, 0 = answered) and prints
//! the Kaplan-Meier curve and every law's fit as JSON: the side `benches/survival_check.sh`
//! sets against an independent implementation (Python lifelines).
//!
//! `cargo run --release --example fit_patience -- waits.csv`

use d11sim::calibrate::survival::{self, Obs};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: fit_patience WAITS.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let obs: Vec<Obs> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (t, e) = l.split_once(',').expect("t,event");
            Obs {
                t: t.trim().parse().expect("a wait in seconds"),
                event: e.trim() == "1",
            }
        })
        .collect();
    let km: Vec<serde_json::Value> = survival::kaplan_meier(&obs)
        .iter()
        .map(|p| serde_json::json!({"t": p.t, "s": p.survival, "lo": p.lo, "hi": p.hi}))
        .collect();
    let fits: Vec<serde_json::Value> = survival::fit_all(&obs)
        .expect("fits")
        .iter()
        .map(|f| {
            let params: serde_json::Map<String, serde_json::Value> = f
                .params
                .iter()
                .map(|(n, iv)| {
                    (
                        n.to_string(),
                        serde_json::json!({"value": iv.value, "lo": iv.lo, "hi": iv.hi}),
                    )
                })
                .collect();
            serde_json::json!({
                "law": f.law.name(),
                "params": params,
                "log_lik": f.log_lik,
                "aic": f.aic,
                "mean": f.mean.value,
            })
        })
        .collect();
    println!("{}", serde_json::json!({"km": km, "fits": fits}));
}
