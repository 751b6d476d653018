//! CI gates on a paced run: `p99<5ms`, `p99.9<=800us`, `max<1s`, `mean<2ms`,
//! `errors<0.1%`, each optionally limited to a window of scenario time with
//! `@HH:MM-HH:MM` (the first such span from the scenario's start; it may cross midnight).

use crate::engine::SimTime;
use crate::scenario::clock::Calendar;

use super::client::Window;

/// What a gate measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// A latency quantile (0-1), corrected for coordinated omission.
    Quantile(f64),
    /// The largest latency.
    Max,
    /// The mean latency.
    Mean,
    /// Failures (timeouts, resets, error replies, invalid answers) / requests.
    Errors,
}

/// One gate.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// As written.
    pub text: String,
    /// What it measures.
    pub metric: Metric,
    /// `<` (false) or `<=` (true).
    pub or_equal: bool,
    /// The limit: µs for latency, a fraction for errors.
    pub limit: f64,
    /// Scenario-time span, if limited to one.
    pub window: Option<(SimTime, SimTime)>,
}

/// A gate's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// The gate.
    pub threshold: Threshold,
    /// The measured value (µs or fraction); `None`: no request in its span.
    pub value: Option<f64>,
    /// It held.
    pub passed: bool,
}

fn latency_us(s: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("µs") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v * scale)
}

fn clock(s: &str) -> Option<u64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 3600 + m * 60)
}

impl Threshold {
    /// Parses a gate; the error says which rule is broken.
    pub fn parse(text: &str, cal: &Calendar) -> Result<Threshold, String> {
        let bad = |why: &str| format!("--threshold `{text}`: {why}");
        let (body, window) = match text.split_once('@') {
            Some((b, w)) => (b, Some(w)),
            None => (text, None),
        };
        let (name, or_equal, value) = if let Some((a, b)) = body.split_once("<=") {
            (a, true, b)
        } else if let Some((a, b)) = body.split_once('<') {
            (a, false, b)
        } else {
            return Err(bad("write METRIC<VALUE or METRIC<=VALUE, e.g. p99<5ms"));
        };
        let name = name.trim();
        let value = value.trim();
        let metric = match name {
            "max" => Metric::Max,
            "mean" => Metric::Mean,
            "errors" => Metric::Errors,
            q if q.starts_with('p') => {
                let pct: f64 = q[1..]
                    .parse()
                    .map_err(|_| bad("a percentile reads p50, p99, p99.9, ..."))?;
                if !(pct > 0.0 && pct < 100.0) {
                    return Err(bad("a percentile lies between p0 and p100"));
                }
                Metric::Quantile(pct / 100.0)
            }
            _ => return Err(bad("metrics: pNN, max, mean, errors")),
        };
        let limit = if metric == Metric::Errors {
            match value.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
                None => value.parse::<f64>(),
            }
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| bad("errors take a share: 0.1% or 0.001"))?
        } else {
            latency_us(value).ok_or_else(|| bad("a latency needs a unit: 800us, 5ms, 1s"))?
        };
        let window = match window {
            None => None,
            Some(w) => {
                let (a, b) = w
                    .split_once('-')
                    .ok_or_else(|| bad("a window reads @HH:MM-HH:MM"))?;
                let (a, b) = (
                    clock(a).ok_or_else(|| bad("a window reads @HH:MM-HH:MM"))?,
                    clock(b).ok_or_else(|| bad("a window reads @HH:MM-HH:MM"))?,
                );
                // the scenario's start as seconds of its day
                let day0 = cal.format(SimTime::ZERO);
                let start_of_day = clock(day0.split(' ').nth(1).unwrap_or("00:00")).unwrap_or(0);
                let from = (a + 86_400 - start_of_day) % 86_400;
                let len = (b + 86_400 - a) % 86_400;
                if len == 0 {
                    return Err(bad("the window is empty"));
                }
                Some((SimTime::from_secs(from), SimTime::from_secs(from + len)))
            }
        };
        Ok(Threshold {
            text: text.to_string(),
            metric,
            or_equal,
            limit,
            window,
        })
    }

    /// Judges the gate on a paced run's windows (each `window` long in scenario time).
    pub fn judge(&self, windows: &[Window], window: SimTime) -> Judged {
        let len = window.as_micros().max(1);
        let picked: Vec<&Window> = windows
            .iter()
            .enumerate()
            .filter(|(k, _)| {
                self.window.is_none_or(|(a, b)| {
                    let (s, e) = (*k as u64 * len, (*k as u64 + 1) * len);
                    s < b.as_micros() && e > a.as_micros()
                })
            })
            .map(|(_, w)| w)
            .collect();
        let requests: u64 = picked.iter().map(|w| w.requests).sum();
        let value = (requests > 0).then(|| match self.metric {
            Metric::Errors => {
                picked.iter().map(|w| w.failures).sum::<u64>() as f64 / requests as f64
            }
            _ => {
                let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)
                    .expect("valid bounds");
                for w in &picked {
                    let _ = h.add(&w.corrected_us);
                }
                match self.metric {
                    Metric::Quantile(q) => h.value_at_quantile(q) as f64,
                    Metric::Max => h.max() as f64,
                    _ => h.mean(),
                }
            }
        });
        let passed = value.is_none_or(|v| {
            if self.or_equal {
                v <= self.limit
            } else {
                v < self.limit
            }
        });
        Judged {
            threshold: self.clone(),
            value,
            passed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::clock::ClockTime;

    fn cal() -> Calendar {
        Calendar::new(ClockTime::parse("11-10 18:00").unwrap())
    }

    #[test]
    fn every_form_parses_to_its_metric_limit_and_window() {
        let t = Threshold::parse("p99<5ms", &cal()).unwrap();
        assert_eq!(
            (t.metric, t.or_equal, t.limit, t.window),
            (Metric::Quantile(0.99), false, 5000.0, None)
        );
        let t = Threshold::parse("p99.9<=800us", &cal()).unwrap();
        assert_eq!(
            (t.metric, t.or_equal, t.limit),
            (Metric::Quantile(99.9 / 100.0), true, 800.0)
        );
        assert_eq!(Threshold::parse("max<1s", &cal()).unwrap().limit, 1e6);
        assert_eq!(
            Threshold::parse("errors<0.1%", &cal()).unwrap().limit,
            0.001
        );
        // 20:00-24:00 is 2 h to 6 h after an 18:00 start; 23:00-01:00 crosses midnight
        let t = Threshold::parse("p99<5ms@20:00-24:00", &cal());
        assert!(t.is_err(), "24:00 is not a clock time");
        let t = Threshold::parse("p99<5ms@20:00-00:00", &cal()).unwrap();
        assert_eq!(
            t.window,
            Some((SimTime::from_secs(7200), SimTime::from_secs(21_600)))
        );
        let t = Threshold::parse("p99<5ms@17:00-19:00", &cal()).unwrap();
        assert_eq!(
            t.window,
            Some((SimTime::from_secs(82_800), SimTime::from_secs(90_000)))
        );
        for bad in [
            "p99<5",
            "p0<5ms",
            "median<5ms",
            "p99=5ms",
            "errors<2",
            "p99<5ms@9-10",
        ] {
            assert!(Threshold::parse(bad, &cal()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_window_gate_judges_only_its_windows() {
        let mut quiet = Window::default();
        let mut busy = Window::default();
        for _ in 0..100 {
            quiet.corrected_us.record(100).unwrap();
            busy.corrected_us.record(9000).unwrap();
        }
        quiet.requests = 100;
        busy.requests = 100;
        busy.failures = 1;
        let hour = SimTime::from_secs(3600);
        let windows = [quiet, busy];
        let all = Threshold::parse("p50<5ms", &cal())
            .unwrap()
            .judge(&windows, hour);
        assert!(all.passed, "{all:?}");
        let late = Threshold::parse("p50<5ms@19:00-20:00", &cal())
            .unwrap()
            .judge(&windows, hour);
        assert!(!late.passed && late.value.unwrap() >= 9000.0, "{late:?}");
        let errors = Threshold::parse("errors<0.5%", &cal())
            .unwrap()
            .judge(&windows, hour);
        assert!(
            !errors.passed && (errors.value.unwrap() - 0.005).abs() < 1e-12,
            "{errors:?}"
        );
    }
}
