//! The handbook's staffing formula (docs/model.md, README "Staffing"): sales target x CS sales share / CS average
//! order value / inquiry conversion = pre-sale inquiries; / one agent's saturated daily
//! capacity = agents; spread over the hours in proportion to the pre-sale arrivals (the
//! arrival curve weighted by the pre-sale share of the class mix), and checked against the
//! day's agent-days: an agent is on duty at most once in the peak hour.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::arrivals::Arrivals;
use crate::class::Class;
use crate::engine::SimTime;
use crate::scenario::clock::Calendar;

/// The formula's inputs (as flags or a TOML file with these keys).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormulaInputs {
    /// Store sales target for the day, currency.
    pub sales_target: f64,
    /// Share of sales made through customer service, in [0, 1].
    pub cs_sales_share: f64,
    /// CS average order value (客单价), currency.
    pub cs_average_order_value: f64,
    /// Inquiry conversion (询单转化率), in (0, 1].
    pub inquiry_conversion: f64,
    /// One agent's saturated daily capacity (饱和接待量), inquiries per agent-day.
    pub saturated_capacity: f64,
    /// Hours online per agent-day (the handbook's KPI: >= 8 h).
    #[serde(default = "eight")]
    pub hours_per_agent_day: f64,
}

fn eight() -> f64 {
    8.0
}

impl FormulaInputs {
    /// Checks every input; the error names the key and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |k: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("`{k}` must be a finite number > 0, got {x}"))
            }
        };
        positive("sales_target", self.sales_target)?;
        positive("cs_average_order_value", self.cs_average_order_value)?;
        positive("saturated_capacity", self.saturated_capacity)?;
        positive("hours_per_agent_day", self.hours_per_agent_day)?;
        if !(0.0..=1.0).contains(&self.cs_sales_share) {
            return Err(format!(
                "`cs_sales_share` is a share and must lie in [0, 1], got {}",
                self.cs_sales_share
            ));
        }
        if !(self.inquiry_conversion > 0.0 && self.inquiry_conversion <= 1.0) {
            return Err(format!(
                "`inquiry_conversion` must lie in (0, 1], got {}",
                self.inquiry_conversion
            ));
        }
        if self.hours_per_agent_day > 24.0 {
            return Err(format!(
                "`hours_per_agent_day` cannot exceed 24, got {}",
                self.hours_per_agent_day
            ));
        }
        Ok(())
    }
}

/// One hour of the spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hour {
    /// Start, scenario time.
    pub start_s: f64,
    /// Share of the inquiries that arrive in this hour.
    pub share: f64,
    /// Inquiries in this hour.
    pub inquiries: f64,
    /// Agents on duty needed in this hour.
    pub agents: f64,
}

/// Every step's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormulaResult {
    /// Step 1: CS-assisted sales.
    pub cs_sales: f64,
    /// Step 2: CS-assisted buyers.
    pub cs_buyers: f64,
    /// Step 3: pre-sale inquiries.
    pub inquiries: f64,
    /// Step 4: agents (agent-days).
    pub agents: f64,
    /// The spread by hour.
    pub hours: Vec<Hour>,
    /// Agents on duty the busiest hour needs.
    pub peak_agents: f64,
    /// The peak hour needs more people than the day's agent-days: each of them can be on
    /// duty in that hour only once, so the roster must hold at least `peak_agents` people
    /// (or the peak is served by fewer agents holding more chats each).
    pub peak_exceeds_agent_days: bool,
}

/// Applies the formula; the pre-sale arrivals of `arrivals` spread the (pre-sale)
/// inquiries over the hours from 0 to `horizon`.
pub fn compute(inputs: &FormulaInputs, arrivals: &Arrivals, horizon: SimTime) -> FormulaResult {
    let pre_sale = |a: f64, b: f64| arrivals.class_expected_between(Class::PreSale, a, b);
    let cs_sales = inputs.sales_target * inputs.cs_sales_share;
    let cs_buyers = cs_sales / inputs.cs_average_order_value;
    let inquiries = cs_buyers / inputs.inquiry_conversion;
    let agents = inquiries / inputs.saturated_capacity;
    let per_agent_hour = inputs.saturated_capacity / inputs.hours_per_agent_day;
    let h = horizon.as_secs_f64();
    let total = pre_sale(0.0, h);
    let hours = (0..(h / 3600.0).ceil() as usize)
        .map(|k| {
            let (a, b) = (k as f64 * 3600.0, ((k + 1) as f64 * 3600.0).min(h));
            let share = if total > 0.0 {
                pre_sale(a, b) / total
            } else {
                0.0
            };
            Hour {
                start_s: a,
                share,
                inquiries: inquiries * share,
                agents: inquiries * share / per_agent_hour / ((b - a) / 3600.0),
            }
        })
        .collect::<Vec<Hour>>();
    let peak_agents = hours.iter().map(|h| h.agents).fold(0.0, f64::max);
    FormulaResult {
        cs_sales,
        cs_buyers,
        inquiries,
        agents,
        peak_exceeds_agent_days: peak_agents.ceil() > agents.ceil(),
        peak_agents,
        hours,
    }
}

/// The formula's arithmetic, step by step, for people.
pub fn render(
    inputs: &FormulaInputs,
    r: &FormulaResult,
    cal: &Calendar,
    curve_name: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "1. sales target {:.0} x CS sales share {:.1}% = CS-assisted sales {:.0}",
        inputs.sales_target,
        inputs.cs_sales_share * 100.0,
        r.cs_sales
    );
    let _ = writeln!(
        out,
        "2. CS-assisted sales {:.0} / CS average order value {:.2} = CS-assisted buyers {:.0}",
        r.cs_sales, inputs.cs_average_order_value, r.cs_buyers
    );
    let _ = writeln!(
        out,
        "3. CS-assisted buyers {:.0} / inquiry conversion {:.1}% = pre-sale inquiries {:.0}",
        r.cs_buyers,
        inputs.inquiry_conversion * 100.0,
        r.inquiries
    );
    let _ = writeln!(
        out,
        "4. pre-sale inquiries {:.0} / saturated capacity {:.0} per agent-day = {:.1} agents ({} agent-days)",
        r.inquiries,
        inputs.saturated_capacity,
        r.agents,
        r.agents.ceil()
    );
    let _ = writeln!(
        out,
        "\nspread over the hours by the pre-sale arrivals of {curve_name} (the curve times the pre-sale share of the mix), at {:.1} inquiries per agent-hour ({:.0} per day over {} h online):",
        inputs.saturated_capacity / inputs.hours_per_agent_day,
        inputs.saturated_capacity,
        inputs.hours_per_agent_day
    );
    let _ = writeln!(
        out,
        "{:<12} {:>7} {:>10} {:>8}",
        "hour", "share", "inquiries", "agents"
    );
    for hour in &r.hours {
        let _ = writeln!(
            out,
            "{:<12} {:>6.1}% {:>10.0} {:>8}",
            cal.format(SimTime::from_secs_f64(hour.start_s)),
            hour.share * 100.0,
            hour.inquiries,
            hour.agents.ceil()
        );
    }
    let _ = writeln!(
        out,
        "peak hour needs {} agents on duty",
        r.peak_agents.ceil()
    );
    if r.peak_exceeds_agent_days {
        let _ = writeln!(
            out,
            "warning: the peak hour needs {} agents on duty but the day has only {} agent-days: \
             nobody can be on duty twice in one hour, so the roster needs at least {} people \
             (a peak-driven roster), or the peak must be served by fewer agents holding more \
             chats each (check it with `d11sim run`)",
            r.peak_agents.ceil(),
            r.agents.ceil(),
            r.peak_agents.ceil()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrivals::{RateCurve, Segment};

    fn all_pre_sale(curve: RateCurve) -> Arrivals {
        Arrivals {
            curve,
            forecast_error_cv: 0.0,
            mix: vec![],
        }
    }

    #[test]
    fn worked_example() {
        // 10 million sales target, 30% through CS, 200 average order value, 50% conversion,
        // 150 inquiries per agent-day over 8 h: 15,000 buyers, 30,000 inquiries, 200 agents
        let inputs = FormulaInputs {
            sales_target: 10_000_000.0,
            cs_sales_share: 0.3,
            cs_average_order_value: 200.0,
            inquiry_conversion: 0.5,
            saturated_capacity: 150.0,
            hours_per_agent_day: 8.0,
        };
        inputs.validate().unwrap();
        // two hours: a quarter of the arrivals in the first, three quarters in the second
        let curve = RateCurve::new(vec![
            Segment {
                start_s: 0.0,
                end_s: 3600.0,
                rate_per_s: 1.0,
            },
            Segment {
                start_s: 3600.0,
                end_s: 7200.0,
                rate_per_s: 3.0,
            },
        ]);
        let r = compute(&inputs, &all_pre_sale(curve), SimTime::from_secs(7200));
        assert!((r.cs_sales - 3_000_000.0).abs() < 1e-6);
        assert!((r.cs_buyers - 15_000.0).abs() < 1e-6);
        assert!((r.inquiries - 30_000.0).abs() < 1e-6);
        assert!((r.agents - 200.0).abs() < 1e-9);
        // hour 2: 22,500 inquiries at 150/8 = 18.75 per agent-hour = 1,200 agents
        assert!((r.hours[1].inquiries - 22_500.0).abs() < 1e-6);
        assert!((r.hours[1].agents - 1_200.0).abs() < 1e-6);
        // agent-hours over the day = agents x hours online
        let agent_hours: f64 = r.hours.iter().map(|h| h.agents).sum();
        assert!((agent_hours - 200.0 * 8.0).abs() < 1e-6);
        // 1,200 on duty in hour 2 but only 200 agent-days: flagged
        assert!(r.peak_exceeds_agent_days && (r.peak_agents - 1_200.0).abs() < 1e-6);
        let cal = Calendar::new(crate::scenario::clock::ClockTime::parse("11-10 18:00").unwrap());
        let text = render(&inputs, &r, &cal, "test");
        assert!(text.contains("only 200 agent-days"), "{text}");
    }

    #[test]
    fn inquiries_follow_the_pre_sale_share_of_the_mix() {
        // a flat curve whose first hour is 80% pre-sale and second 20%: the first hour takes
        // 80 / (80 + 20) of the pre-sale inquiries, not half
        let inputs = FormulaInputs {
            sales_target: 1_000_000.0,
            cs_sales_share: 1.0,
            cs_average_order_value: 100.0,
            inquiry_conversion: 0.5,
            saturated_capacity: 1000.0,
            hours_per_agent_day: 8.0,
        };
        let arrivals =
            crate::arrivals::flat_with_two_mixes(7200.0, 3600.0, [0.8, 0.2, 0.0], [0.2, 0.3, 0.5]);
        let r = compute(&inputs, &arrivals, SimTime::from_secs(7200));
        assert!((r.hours[0].share - 0.8).abs() < 1e-12, "{:?}", r.hours);
        assert!((r.hours[1].inquiries - 0.2 * r.inquiries).abs() < 1e-6);
        // 20,000 inquiries, 16,000 in hour 1 at 125 per agent-hour = 128 on duty > 20
        assert!(r.peak_exceeds_agent_days);
    }

    #[test]
    fn bad_inputs_name_the_key() {
        let mut inputs = FormulaInputs {
            sales_target: 1.0,
            cs_sales_share: 1.5,
            cs_average_order_value: 1.0,
            inquiry_conversion: 0.5,
            saturated_capacity: 1.0,
            hours_per_agent_day: 8.0,
        };
        assert!(inputs.validate().unwrap_err().contains("cs_sales_share"));
        inputs.cs_sales_share = 0.5;
        inputs.inquiry_conversion = 0.0;
        assert!(
            inputs
                .validate()
                .unwrap_err()
                .contains("inquiry_conversion")
        );
    }
}
