//! The KPIs of a what-if's window: the customers arriving in a run of series intervals,
//! their counts added interval by interval.

use super::Kpi;

/// The counts of the customers arriving in a window of intervals (a what-if's hours),
/// added interval by interval, from which [`Kpi::WINDOW`] are computed.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowCounts {
    arrived: u64,
    abandoned: u64,
    received: u64,
    first_response_left_out: u64,
    replied: u64,
    replies: u64,
    reply_response_sum_s: f64,
    first_reply_30s: u64,
    first_reply_180s: u64,
    first_replied: u64,
    first_response_sum_s: f64,
    pre_sale: u64,
    expected_buyers: f64,
    gmv_lost: f64,
    in_sale_gmv_lost: f64,
    in_sale: u64,
}

impl WindowCounts {
    /// Adds one interval's arrival cohort.
    pub fn add(&mut self, n: &crate::metrics::IntervalCounts) {
        self.arrived += n.arrived;
        self.abandoned += n.abandoned;
        self.received += n.received;
        self.first_response_left_out += n.first_response_left_out;
        self.replied += n.replied;
        self.replies += n.replies;
        self.reply_response_sum_s += n.reply_response_sum_s;
        self.first_reply_30s += n.first_reply_30s;
        self.first_reply_180s += n.first_reply_180s;
        self.first_replied += n.replied_by_class.iter().sum::<u64>();
        self.first_response_sum_s += n.first_response_sum_s_by_class.iter().sum::<f64>();
        self.pre_sale += n.pre_sale;
        self.expected_buyers += n.expected_buyers;
        self.gmv_lost += n.gmv_lost;
        self.in_sale_gmv_lost += n.in_sale_gmv_lost;
        self.in_sale += n.in_sale;
    }
}

impl Kpi {
    /// The KPIs a what-if's window reports, from its customers' counts.
    pub const WINDOW: [Kpi; 11] = [
        Kpi::AvgResponseS,
        Kpi::FirstResponseMeanS,
        Kpi::FirstReply30sShare,
        Kpi::FirstReply3minShare,
        Kpi::ReplyRate,
        Kpi::AbandonmentRate,
        Kpi::Conversion,
        Kpi::CsGmv,
        Kpi::GmvLost,
        Kpi::InSaleGmvLost,
        Kpi::Arrived,
    ];

    /// The KPI over a window's customers (`None` when not one of [`Kpi::WINDOW`] or
    /// nobody to average over); `aov` is the conversion model's order value, if any.
    pub fn window_value(self, c: &WindowCounts, aov: Option<f64>) -> Option<f64> {
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        let nobody_replied = c.received > 0 && c.replied == 0;
        let scored = c.received - c.first_response_left_out;
        match self {
            Kpi::AvgResponseS => {
                ratio(c.reply_response_sum_s, c.replies).or(nobody_replied.then_some(f64::INFINITY))
            }
            Kpi::FirstResponseMeanS => ratio(c.first_response_sum_s, c.first_replied),
            Kpi::FirstReply30sShare => ratio(c.first_reply_30s as f64, scored),
            Kpi::FirstReply3minShare => ratio(c.first_reply_180s as f64, scored),
            Kpi::ReplyRate => ratio(c.replied as f64, c.received),
            Kpi::AbandonmentRate => ratio(c.abandoned as f64, c.arrived),
            Kpi::Conversion => ratio(c.expected_buyers, c.pre_sale),
            Kpi::CsGmv => aov.map(|v| c.expected_buyers * v),
            Kpi::GmvLost => aov.map(|_| c.gmv_lost),
            Kpi::InSaleGmvLost => (c.in_sale > 0).then_some(c.in_sale_gmv_lost),
            Kpi::Arrived => Some(c.arrived as f64),
            _ => None,
        }
    }
}
