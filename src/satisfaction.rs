//! Predicted satisfaction (满意度): the store standard counts the satisfied share of the
//! ratings customers give after a conversation (>= 95% in the handbooks). Each customer who
//! got a human reply rates; their P(satisfied) = the class's share satisfied when answered
//! at once x s(time to the first useful reply), a curve that falls with the wait (chat
//! satisfaction holds for about 50 s, drops, drops again after 2 min and sharply past
//! 3 min in the public benchmarks). Satisfied customers are expected values, as buyers are.

use crate::class::Class;

/// The satisfaction model's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Satisfaction {
    /// Share satisfied when answered at once, by [`Class::index`].
    pub at_once: [f64; 3],
    /// s(t): `(seconds, multiplier)` points, times increasing, multipliers at most 1 and
    /// never rising.
    pub curve: Vec<(f64, f64)>,
}

impl Satisfaction {
    /// P(satisfied) of a customer of `class` whose first useful reply came `first_s`
    /// seconds after arrival (None: a reply that was never an answer, scored at the
    /// curve's last point).
    pub fn probability(&self, class: Class, first_s: Option<f64>) -> f64 {
        let s = match first_s {
            Some(t) => crate::conversion::along(&self.curve, t),
            None => self.curve.last().map_or(1.0, |p| p.1),
        };
        self.at_once[class.index()] * s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_holds_then_falls_by_the_curve() {
        let s = Satisfaction {
            at_once: [0.98, 0.97, 0.93],
            curve: vec![(50.0, 1.0), (120.0, 0.96), (180.0, 0.9)],
        };
        assert_eq!(s.probability(Class::PreSale, Some(20.0)), 0.98);
        // halfway from 50 s to 120 s: 0.98 of at-once
        assert!((s.probability(Class::InSale, Some(85.0)) - 0.97 * 0.98).abs() < 1e-12);
        assert!((s.probability(Class::AfterSale, None) - 0.93 * 0.9).abs() < 1e-12);
    }
}
