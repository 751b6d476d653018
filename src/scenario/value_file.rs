//! The value side of the scenario file as written: `[conversion]` (with
//! `[conversion.in_sale]`) and `[satisfaction]`, re-exported from [`super::file`].

use serde::{Deserialize, Serialize};

use super::file::ClassValuesFile;

/// `[conversion]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConversionFile {
    pub order_base: f64,
    pub first_reply_curve: Vec<(f64, f64)>,
    pub abandoned_multiplier: f64,
    #[serde(default = "default_slow_threshold")]
    pub slow_reply_threshold_s: f64,
    #[serde(default)]
    pub slow_reply_penalty_per_10s: f64,
    #[serde(default)]
    pub slow_reply_penalty_cap: f64,
    /// Default: the curve's first multiplier (an instant answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_resolved_factor: Option<f64>,
    pub payment_rate: f64,
    pub average_order_value: f64,
    /// `[conversion.in_sale]`: what an in-sale customer's order is worth as it waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_sale: Option<InSaleFile>,
}

/// `[satisfaction]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionFile {
    /// Share satisfied when answered at once, per class.
    pub at_once: ClassValuesFile,
    /// `[seconds, multiplier]` points: s(t) on `at_once` for a first useful reply after t.
    pub first_reply_curve: Vec<(f64, f64)>,
}

/// `[conversion.in_sale]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InSaleFile {
    /// `[seconds, multiplier on P(pay)]` points, as `first_reply_curve`.
    pub first_reply_curve: Vec<(f64, f64)>,
    pub abandoned_multiplier: f64,
    /// Default: the curve's first multiplier (the bot answers at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_resolved_factor: Option<f64>,
    /// Default: `average_order_value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_value: Option<f64>,
}

fn default_slow_threshold() -> f64 {
    30.0
}
