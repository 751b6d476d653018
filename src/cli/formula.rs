//! `d11sim staff formula`: the handbook's staffing formula from flags or a TOML file.

use std::path::PathBuf;

use d11sim::staffing::{self, formula::FormulaInputs};

use crate::{Failure, load};

#[derive(clap::Args)]
pub(crate) struct FormulaArgs {
    /// A TOML file with sales_target, cs_sales_share, cs_average_order_value,
    /// inquiry_conversion, saturated_capacity [, hours_per_agent_day] (instead of flags).
    #[arg(long, conflicts_with_all = ["sales_target", "cs_share", "aov", "conversion", "capacity"])]
    inputs: Option<PathBuf>,
    /// Store sales target for the day.
    #[arg(long)]
    sales_target: Option<f64>,
    /// Share of sales through customer service: 0.3 or 30%.
    #[arg(long, value_parser = share)]
    cs_share: Option<f64>,
    /// CS average order value (客单价).
    #[arg(long)]
    aov: Option<f64>,
    /// Inquiry conversion (询单转化率): 0.5 or 50%.
    #[arg(long, value_parser = share)]
    conversion: Option<f64>,
    /// Saturated capacity: inquiries per agent-day (饱和接待量).
    #[arg(long)]
    capacity: Option<f64>,
    /// Hours online per agent-day.
    #[arg(long, default_value_t = 8.0)]
    hours_per_day: f64,
    /// Scenario whose arrival curve spreads the inquiries (default: the embedded one).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A share as a fraction (`0.3`) or a percentage (`30%`).
fn share(s: &str) -> Result<f64, String> {
    let (number, scale) = match s.trim().strip_suffix('%') {
        Some(p) => (p.trim(), 100.0),
        None => (s.trim(), 1.0),
    };
    number
        .parse::<f64>()
        .map(|x| x / scale)
        .map_err(|_| format!("`{s}` is not a share: write 0.3 or 30%"))
}

/// The flag that sets a formula input, for messages about flags rather than file keys.
const FORMULA_FLAGS: [(&str, &str); 6] = [
    ("sales_target", "--sales-target"),
    ("cs_sales_share", "--cs-share"),
    ("cs_average_order_value", "--aov"),
    ("inquiry_conversion", "--conversion"),
    ("saturated_capacity", "--capacity"),
    ("hours_per_agent_day", "--hours-per-day"),
];

pub(crate) fn formula(args: &FormulaArgs) -> Result<(), Failure> {
    let inputs = match &args.inputs {
        Some(path) => {
            let text = d11sim::input::read_text(path, d11sim::input::MAX_TOML_BYTES)
                .map_err(|e| Failure::BadInput(format!("{}: cannot read: {e}", path.display())))?;
            toml::from_str::<FormulaInputs>(&text).map_err(|e| {
                Failure::BadInput(format!("{}: {}", path.display(), e.message().trim()))
            })?
        }
        None => {
            let need = |v: Option<f64>, flag: &str| {
                v.ok_or_else(|| {
                    Failure::BadInput(format!("--{flag} is required (or give --inputs FILE)"))
                })
            };
            FormulaInputs {
                sales_target: need(args.sales_target, "sales-target")?,
                cs_sales_share: need(args.cs_share, "cs-share")?,
                cs_average_order_value: need(args.aov, "aov")?,
                inquiry_conversion: need(args.conversion, "conversion")?,
                saturated_capacity: need(args.capacity, "capacity")?,
                hours_per_agent_day: args.hours_per_day,
            }
        }
    };
    inputs.validate().map_err(|rule| {
        let rule = match &args.inputs {
            Some(path) => format!("{}: {rule}", path.display()),
            None => FORMULA_FLAGS.iter().fold(rule, |r, (key, flag)| {
                r.replace(&format!("`{key}`"), &format!("`{flag}`"))
            }),
        };
        Failure::BadInput(rule)
    })?;
    let plans = load(args.scenario.as_ref())?;
    let sc = &plans[0].scenario;
    let result = staffing::formula::compute(&inputs, &sc.arrivals, sc.horizon);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&result).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        out!(
            "{}",
            staffing::formula::render(&inputs, &result, &sc.calendar, &sc.name)
        );
    }
    Ok(())
}
