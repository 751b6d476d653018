//! The one judgement of a target, which the terminal table, summary.json,
//! `--fail-on-targets`, the page and the staffing page all read (the rule is written in
//! docs/outputs.md):
//!
//! - A **scope** (the day, or the customers arriving in one series interval) is *met*
//!   when the 95% confidence interval of the KPI's mean over replications lies wholly on
//!   the target's side and the share of replications meeting it is at least the
//!   scenario's `target_share`; *missed* when that interval lies wholly on the wrong side
//!   or the share is significantly below `target_share` (95% Wilson interval); *unsure*
//!   otherwise (more replications would tell).
//! - A **target** is met when the day and every judged interval are met, missed when the
//!   day or any interval is missed, unsure otherwise. Intervals are judged for the KPIs
//!   with a per-interval meaning, inside the scoring hours.

use serde::Serialize;

use crate::kpi::{Comparison, Gate, Kpi, Target};
use crate::stats::{Estimate, wilson};

/// z of the 95% Wilson interval of a share.
const Z95: f64 = 1.959_964;

/// The outcome of a judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Held, with confidence.
    Met,
    /// Cannot be told apart from the target with these replications.
    Unsure,
    /// Missed, with confidence.
    Missed,
}

impl Verdict {
    /// The terminal's word: PASS, UNSURE or FAIL.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Met => "PASS",
            Verdict::Unsure => "UNSURE",
            Verdict::Missed => "FAIL",
        }
    }
}

/// A KPI's values over replications in one scope, judged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scope {
    /// Replications with a value.
    pub n: u32,
    /// Of them, meeting the target.
    pub met: u32,
    /// Mean and 95% CI over the finite values (a cohort nobody answered counts as an
    /// infinite response time: a miss, left out of the mean).
    pub estimate: Option<Estimate>,
    /// Values that were infinite.
    pub infinite: u32,
    /// The verdict.
    pub verdict: Verdict,
}

impl Scope {
    /// Judges `values` (one per replication with a value) against `target` with the
    /// required share `share`.
    pub fn judge(target: &Target, share: f64, values: impl IntoIterator<Item = f64>) -> Scope {
        let mut tally = Tally::default();
        for x in values {
            tally.add(target, x);
        }
        tally.scope(target, share)
    }

    /// Share of the replications with a value that met the target.
    pub fn share_met(&self) -> f64 {
        f64::from(self.met) / f64::from(self.n.max(1))
    }

    /// The 95% Wilson interval of the share met.
    pub fn share_interval(&self) -> (f64, f64) {
        wilson(u64::from(self.met), u64::from(self.n), Z95)
    }
}

/// Running sums of a KPI's per-replication values in one scope.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Replications with a value.
    pub n: u32,
    /// Of them, meeting the target.
    pub met: u32,
    /// Infinite values.
    pub infinite: u32,
    /// Sum of the finite values.
    pub sum: f64,
    /// Sum of their squares.
    pub sum_sq: f64,
}

impl Tally {
    /// Adds one replication's value.
    pub fn add(&mut self, target: &Target, x: f64) {
        self.n += 1;
        self.met += u32::from(target.met_by(x));
        if x.is_finite() {
            self.sum += x;
            self.sum_sq += x * x;
        } else {
            self.infinite += 1;
        }
    }

    /// The judged scope.
    pub fn scope(&self, target: &Target, share: f64) -> Scope {
        let finite = self.n - self.infinite;
        let estimate = Estimate::from_moments(finite as usize, self.sum, self.sum_sq);
        let met_share = f64::from(self.met) / f64::from(self.n.max(1));
        let (_, share_hi) = wilson(u64::from(self.met), u64::from(self.n), Z95);
        let (ci_meets, ci_misses) = match &estimate {
            Some(e) => (
                target.met_by(e.ci_low) && target.met_by(e.ci_high),
                !target.met_by(e.ci_low) && !target.met_by(e.ci_high),
            ),
            // only infinite values: they miss a `<=` target and meet a `>=` one
            None => (
                target.op == Comparison::AtLeast,
                target.op == Comparison::AtMost,
            ),
        };
        let verdict = if self.n == 0 {
            // nothing to judge: never a PASS (a scope with no value is left out where an
            // interval is judged)
            Verdict::Unsure
        } else if ci_misses || share_hi < share - 1e-12 {
            Verdict::Missed
        } else if ci_meets && met_share >= share - 1e-12 {
            Verdict::Met
        } else {
            Verdict::Unsure
        };
        Scope {
            n: self.n,
            met: self.met,
            estimate,
            infinite: self.infinite,
            verdict,
        }
    }
}

/// Whether a target gates, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gating {
    /// Missing it fails `run --fail-on-targets`.
    pub gates: bool,
    /// Why not, where it does not.
    pub reason: Option<NotGating>,
}

/// Why a target does not gate.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotGating {
    /// The scenario marks it `informative`.
    Marked,
    /// With every customer answered at once the model reaches only this value.
    Ceiling(f64),
    /// `staff optimize` found it out of reach in this many intervals of so many.
    Staffing(usize, usize),
}

impl NotGating {
    /// The reason in words.
    pub fn text(&self, kpi: Kpi, zh: bool) -> String {
        let v = |x: f64| crate::output::fmt_value(kpi, x);
        match (self, zh) {
            (NotGating::Marked, false) => "marked informative".into(),
            (NotGating::Marked, true) => "场景标为 informative".into(),
            (NotGating::Ceiling(c), false) => format!(
                "no staffing reaches it: with every customer answered at once by the agents \
                 who answered them the model gives {}",
                v(*c)
            ),
            (NotGating::Ceiling(c), true) => format!(
                "加人达不到：即使每位顾客都由接待他的客服立即回复，模型也只有 {}",
                v(*c)
            ),
            (NotGating::Staffing(k, n), false) => format!(
                "no staffing reaches it in {k} of {n} intervals (the search's ceiling roster)"
            ),
            (NotGating::Staffing(k, n), true) => {
                format!("{n} 个时段中有 {k} 个加人也达不到（搜索的上限排班）")
            }
        }
    }
}

impl Gating {
    /// From the target's own word and what the model can show: the most a `>=` target on
    /// a KPI can reach with instant service (`ceiling`), where known.
    pub fn of(target: &Target, ceiling: Option<f64>) -> Gating {
        let reason = match (target.gate, ceiling) {
            (Gate::Gating, _) => None,
            (Gate::Informative, _) => Some(NotGating::Marked),
            (Gate::Auto, Some(c)) if !target.met_by(c) => Some(NotGating::Ceiling(c)),
            (Gate::Auto, _) => None,
        };
        Gating {
            gates: reason.is_none(),
            reason,
        }
    }
}

/// The most `kpi` can be with every customer answered at once by the group that
/// answered them, where the model says it plainly: the conversion KPIs, from the
/// conversion model's instant-answer probability (the mean over replications of the
/// instant-answer buyers over the customers counted). More agents shorten waits; they do
/// not lift a conversion above this.
pub fn ceiling(kpi: Kpi, reps: &[super::RepSummary]) -> Option<f64> {
    let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
    let values = reps.iter().filter_map(|r| {
        let c = &r.counters;
        match kpi {
            Kpi::InquiryConversion => ratio(c.inquiry_instant_buyers, c.inquiry_customers),
            Kpi::Conversion => ratio(c.instant_buyers, c.pre_sale_customers),
            _ => None,
        }
    });
    Estimate::from_values(values).map(|e| e.mean)
}

/// The verdict of a target from its day and its intervals.
pub fn overall(day: Verdict, intervals: impl IntoIterator<Item = Verdict>) -> Verdict {
    intervals.into_iter().fold(day, Verdict::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn a_mean_whose_interval_straddles_the_target_is_unsure() {
        let target = t("avg_response_s <= 30");
        // mean 29.6, spread wide enough that the CI crosses 30
        let s = Scope::judge(&target, 0.5, [27.0, 32.0, 28.0, 31.0, 30.0]);
        assert_eq!(s.verdict, Verdict::Unsure);
        let s = Scope::judge(&target, 0.5, [25.0, 26.0, 24.0, 25.5, 25.0]);
        assert_eq!(s.verdict, Verdict::Met);
        let s = Scope::judge(&target, 0.5, [45.0, 48.0, 50.0, 47.0, 49.0]);
        assert_eq!(s.verdict, Verdict::Missed);
    }

    #[test]
    fn the_required_share_is_part_of_the_verdict() {
        let target = t("avg_response_s <= 30");
        // 8 of 10 at 20 s, 2 at 33 s: the mean's CI is well below 30
        let v = [20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 33.0, 33.0];
        assert_eq!(Scope::judge(&target, 0.5, v).verdict, Verdict::Met);
        // 80% observed, below 90% but not significantly: unsure
        assert_eq!(Scope::judge(&target, 0.9, v).verdict, Verdict::Unsure);
        // 2 of 10 met against 90%: significantly below
        let v = [20.0, 20.0, 33.0, 33.0, 33.0, 33.0, 33.0, 33.0, 33.0, 33.0];
        assert_eq!(Scope::judge(&target, 0.9, v).verdict, Verdict::Missed);
    }

    #[test]
    fn infinite_response_times_miss_and_stay_out_of_the_mean() {
        let target = t("avg_response_s <= 30");
        let s = Scope::judge(&target, 0.5, [f64::INFINITY; 4]);
        assert_eq!((s.verdict, s.infinite, s.met), (Verdict::Missed, 4, 0));
        let s = Scope::judge(&target, 0.5, [10.0, 11.0, 10.5, f64::INFINITY]);
        assert_eq!(s.estimate.as_ref().map(|e| e.n), Some(3));
        assert_eq!(s.met, 3);
    }

    #[test]
    fn a_target_is_as_good_as_its_worst_scope() {
        use Verdict::*;
        assert_eq!(overall(Met, [Met, Met]), Met);
        assert_eq!(overall(Met, [Met, Unsure]), Unsure);
        assert_eq!(overall(Unsure, [Missed]), Missed);
        assert_eq!(overall(Missed, []), Missed);
    }

    #[test]
    fn an_unreachable_conversion_target_does_not_gate_unless_told() {
        let target = t("inquiry_conversion >= 0.65");
        assert!(!Gating::of(&target, Some(0.55)).gates);
        assert!(Gating::of(&target, Some(0.7)).gates);
        assert!(Gating::of(&target, None).gates);
        assert!(Gating::of(&t("inquiry_conversion >= 0.65 gating"), Some(0.55)).gates);
        assert!(!Gating::of(&t("avg_response_s <= 30 informative"), None).gates);
    }
}
