//! Predicted conversion of pre-sale inquiries (询单转化率), the handbook's C = A x B:
//! A = P(order) = base x m(time to first useful reply) x penalty(mean reply time),
//! B = P(pay | order). Each pre-sale customer contributes its probability C, so "buyers"
//! are expected buyers: the estimate carries no extra Bernoulli noise.
//!
//! In-sale (售中) customers have ordered and cannot pay (a failed payment, a coupon, an
//! address change): their order is paid with P = B x m_in(time to the first useful
//! reply), the same form with its own curve, so a slow answer loses an order already made.

/// The conversion model's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversion {
    /// P(order) of a pre-sale customer answered instantly.
    pub order_base: f64,
    /// m(t): `(seconds, multiplier)` points, increasing in t; linear between points, the
    /// first value before the first point and the last after the last.
    pub first_reply_curve: Vec<(f64, f64)>,
    /// Multiplier for customers who never got a useful reply.
    pub abandoned_multiplier: f64,
    /// Mean agent response above which the slow-reply penalty starts, seconds.
    pub slow_reply_threshold_s: f64,
    /// Penalty per 10 s of mean response above the threshold (0.02 = -2%).
    pub slow_reply_penalty_per_10s: f64,
    /// Largest slow-reply penalty (0.20 = -20%).
    pub slow_reply_penalty_cap: f64,
    /// Multiplier on `order_base` for customers the bot resolved.
    pub bot_resolved_factor: f64,
    /// B: P(pay | order).
    pub payment_rate: f64,
    /// Average order value of CS-assisted orders (客单价), currency units.
    pub average_order_value: f64,
    /// In-sale value, when modelled.
    pub in_sale: Option<InSaleValue>,
}

/// What an in-sale customer's order is worth as its answer waits.
#[derive(Clone, Debug, PartialEq)]
pub struct InSaleValue {
    /// m_in(t): `(seconds, multiplier)` points on B, as `first_reply_curve`.
    pub curve: Vec<(f64, f64)>,
    /// m_in for a customer who never got a useful reply.
    pub abandoned_multiplier: f64,
    /// m_in for a customer the bot resolved.
    pub bot_resolved_factor: f64,
    /// Value of the order at stake, currency units.
    pub order_value: f64,
}

/// A piecewise-linear curve of `(seconds, multiplier)` points at `t_s`: the first value
/// before the first point, the last after the last.
pub(crate) fn along(pts: &[(f64, f64)], t_s: f64) -> f64 {
    let Some(&(t0, m0)) = pts.first() else {
        return 1.0;
    };
    if t_s <= t0 {
        return m0;
    }
    for w in pts.windows(2) {
        let ((a, ma), (b, mb)) = (w[0], w[1]);
        if t_s <= b {
            return ma + (mb - ma) * (t_s - a) / (b - a);
        }
    }
    pts.last().map_or(1.0, |p| p.1)
}

impl Conversion {
    /// m(t) for a first useful reply `t_s` seconds after arrival.
    pub fn first_reply_multiplier(&self, t_s: f64) -> f64 {
        along(&self.first_reply_curve, t_s)
    }

    /// The factor for a conversation whose agent replies averaged `mean_reply_s`.
    pub fn slow_reply_factor(&self, mean_reply_s: Option<f64>) -> f64 {
        let Some(r) = mean_reply_s else { return 1.0 };
        let over = (r - self.slow_reply_threshold_s).max(0.0);
        1.0 - (self.slow_reply_penalty_per_10s * over / 10.0).min(self.slow_reply_penalty_cap)
    }

    /// C for a customer whose first useful reply came after `first_reply_s` (None: never)
    /// and whose agent replies averaged `mean_reply_s`.
    pub fn probability(&self, first_reply_s: Option<f64>, mean_reply_s: Option<f64>) -> f64 {
        let m = first_reply_s.map_or(self.abandoned_multiplier, |t| {
            self.first_reply_multiplier(t)
        });
        self.order_base * m * self.slow_reply_factor(mean_reply_s) * self.payment_rate
    }

    /// C for a customer the bot resolved.
    pub fn bot_resolved_probability(&self) -> f64 {
        self.order_base * self.bot_resolved_factor * self.payment_rate
    }

    /// C had the customer been answered instantly.
    pub fn instant_probability(&self) -> f64 {
        self.order_base * self.first_reply_multiplier(0.0) * self.payment_rate
    }

    /// P(the order is paid) for an in-sale customer whose first useful reply came after
    /// `first_reply_s` (None: never), when in-sale value is modelled.
    pub fn in_sale_probability(&self, first_reply_s: Option<f64>) -> Option<f64> {
        let v = self.in_sale.as_ref()?;
        let m = first_reply_s.map_or(v.abandoned_multiplier, |t| along(&v.curve, t));
        Some(self.payment_rate * m)
    }

    /// P(paid) for an in-sale customer the bot resolved.
    pub fn in_sale_bot_probability(&self) -> Option<f64> {
        let v = self.in_sale.as_ref()?;
        Some(self.payment_rate * v.bot_resolved_factor)
    }

    /// P(paid) had the in-sale customer been answered instantly.
    pub fn in_sale_instant_probability(&self) -> Option<f64> {
        let v = self.in_sale.as_ref()?;
        Some(self.payment_rate * along(&v.curve, 0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibration() -> Conversion {
        // docs/calibration.md §7
        Conversion {
            order_base: 0.55 / 0.92,
            first_reply_curve: vec![
                (10.0, 1.0),
                (30.0, 0.97),
                (60.0, 0.92),
                (120.0, 0.85),
                (180.0, 0.78),
                (300.0, 0.68),
                (600.0, 0.58),
                (1800.0, 0.50),
            ],
            abandoned_multiplier: 0.50,
            slow_reply_threshold_s: 30.0,
            slow_reply_penalty_per_10s: 0.02,
            slow_reply_penalty_cap: 0.20,
            bot_resolved_factor: 0.8,
            payment_rate: 0.92,
            average_order_value: 300.0,
            in_sale: Some(InSaleValue {
                curve: vec![(10.0, 1.0), (60.0, 0.95), (300.0, 0.85), (1800.0, 0.70)],
                abandoned_multiplier: 0.65,
                bot_resolved_factor: 1.0,
                order_value: 300.0,
            }),
        }
    }

    #[test]
    fn curve_interpolates_and_holds_its_ends() {
        let c = calibration();
        assert_eq!(c.first_reply_multiplier(0.0), 1.0);
        assert!((c.first_reply_multiplier(45.0) - 0.945).abs() < 1e-12);
        assert_eq!(c.first_reply_multiplier(7200.0), 0.50);
    }

    #[test]
    fn fast_answer_gives_the_calibrated_base_and_penalties_apply() {
        let c = calibration();
        assert!((c.probability(Some(5.0), Some(20.0)) - 0.55).abs() < 1e-12);
        assert!((c.slow_reply_factor(Some(80.0)) - 0.90).abs() < 1e-12);
        assert!((c.slow_reply_factor(Some(1000.0)) - 0.80).abs() < 1e-12);
        assert!((c.probability(None, None) - 0.275).abs() < 1e-12);
        assert!((c.bot_resolved_probability() - 0.44).abs() < 1e-12);
    }

    #[test]
    fn an_in_sale_order_loses_its_payment_by_the_curve() {
        let c = calibration();
        let p = |t| c.in_sale_probability(t).unwrap();
        assert!((p(Some(5.0)) - 0.92).abs() < 1e-12);
        // halfway from 60 s (0.95) to 300 s (0.85): 0.90 of B
        assert!((p(Some(180.0)) - 0.92 * 0.90).abs() < 1e-12);
        assert!((p(None) - 0.92 * 0.65).abs() < 1e-12);
        assert_eq!(c.in_sale_instant_probability(), Some(0.92));
        let without = Conversion { in_sale: None, ..c };
        assert_eq!(without.in_sale_probability(Some(5.0)), None);
    }
}
