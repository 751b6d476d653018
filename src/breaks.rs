//! Breaks and shrinkage: the time a rostered agent is at work but not taking chats.
//!
//! A store's rostered heads are not its available heads. Two forms, which may be combined:
//!
//! - **Break rules** (`[[breaks]]`): a continuous duty span of at least `shift_at_least_h`
//!   hours (and under `shift_under_h`, if given) gets a break of `minutes` (a meal, a
//!   rest), taken between `between_h[0]` and `between_h[1]` hours into the span. The group's agents take it one after another,
//!   spread evenly over that window, so the group never leaves at once: agent `i` of `n`
//!   is due at `from + (window - break) * i / (n - 1)`.
//! - **Shrinkage** (a group's `shrinkage`): a share of every on-duty hour each agent is away
//!   (挂起 for training, meetings, idle states), as one block per hour whose place in the
//!   hour is staggered by agent: agent `i` of `n` is away from `(60 - away) * i / n`
//!   minutes into each hour of the span.
//!
//! When a break is due the agent stops taking new chats (the client's 挂起), finishes the
//! chats it holds, and only then leaves for the break's full length. A shift's end cuts a
//! break short; a break due while the agent is still away is skipped.

use crate::engine::SimTime;
use crate::roster::{AgentGroup, MAX_CONTINUOUS_DUTY, Window};

/// One break rule.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakRule {
    /// Name in outputs (meal, rest...).
    pub name: String,
    /// Duty spans at least this long get the break.
    pub min_span: SimTime,
    /// Duty spans this long or longer do not (a longer span's own rule applies).
    pub max_span: SimTime,
    /// Length of the break.
    pub len: SimTime,
    /// Earliest start, from the span's start.
    pub from: SimTime,
    /// Latest end, from the span's start.
    pub to: SimTime,
}

impl BreakRule {
    /// The window within `span` in which the group's breaks of this rule lie, if the span
    /// gets the break and the window holds it.
    fn window(&self, span: &Window) -> Option<Window> {
        let len = span.end - span.start;
        if len < self.min_span || len >= self.max_span {
            return None;
        }
        let w = Window {
            start: span.start + self.from,
            end: (span.start + self.to).min(span.end),
        };
        (w.end >= w.start + self.len).then_some(w)
    }
}

/// Spreads `n` starts of breaks of length `len` evenly over `w`: agent `i`'s start.
fn staggered(w: &Window, len: SimTime, i: u32, n: u32) -> SimTime {
    let room = (w.end - w.start - len).as_micros();
    if n <= 1 {
        return w.start;
    }
    w.start + SimTime::from_micros(room * u64::from(i) / u64::from(n - 1))
}

const HOUR: SimTime = SimTime::from_secs(3600);

/// The breaks of the agent at `i` of the group's `n`: the first `(start, length)` due at or
/// after `after`, if any.
pub fn next_break(group: &AgentGroup, i: u32, after: SimTime) -> Option<(SimTime, SimTime)> {
    let n = group.count;
    let mut best: Option<(SimTime, SimTime)> = None;
    let consider = |best: &mut Option<(SimTime, SimTime)>, start: SimTime, len: SimTime| {
        if start >= after && best.is_none_or(|(b, _)| start < b) {
            *best = Some((start, len));
        }
    };
    for span in group.shifts.iter().filter(|s| s.end > after) {
        for rule in &group.breaks {
            if let Some(w) = rule.window(span) {
                consider(&mut best, staggered(&w, rule.len, i, n), rule.len);
            }
        }
        if group.shrinkage > 0.0 {
            let away = SimTime::from_secs_f64(3600.0 * group.shrinkage);
            let offset = SimTime::from_micros(
                (HOUR - away).as_micros() * u64::from(i) / u64::from(n.max(1)),
            );
            let first = span.start + offset;
            // the first hour whose block starts at or after `after`
            let h = if after <= first {
                0
            } else {
                (after - first).as_micros().div_ceil(HOUR.as_micros())
            };
            let start = first + SimTime::from_micros(HOUR.as_micros() * h);
            if start + away <= span.end {
                consider(&mut best, start, away);
            }
        }
        if best.is_some() {
            // spans are sorted: a later span's breaks come later
            break;
        }
    }
    best
}

/// The break time the group's rules give a duty span of length `len` (shrinkage apart).
pub fn rule_time(group: &AgentGroup, len: SimTime) -> SimTime {
    let span = Window {
        start: SimTime::ZERO,
        end: len,
    };
    group
        .breaks
        .iter()
        .filter_map(|r| r.window(&span).map(|_| r.len))
        .fold(SimTime::ZERO, |a, b| a + b)
}

/// The share of a duty span of length `len` an agent of the group is away: its rules'
/// breaks plus its shrinkage.
pub fn away_share(group: &AgentGroup, len: SimTime) -> f64 {
    if len == SimTime::ZERO {
        return 0.0;
    }
    let rules = rule_time(group, len).as_secs_f64() / len.as_secs_f64();
    (rules + group.shrinkage).min(1.0)
}

/// The share of a typical shift the group is away: over its first duty span, or 8 hours
/// for a group on duty the whole run.
pub fn typical_away_share(group: &AgentGroup) -> f64 {
    let span = group
        .shifts
        .first()
        .map(|w| w.end - w.start)
        .filter(|l| *l < SimTime::from_secs(366 * 86_400))
        .unwrap_or(SimTime::from_secs(8 * 3600));
    away_share(group, span)
}

/// Continuous duty spans whose working time (the span less its rules' breaks) exceeds the
/// handbook's 12 hours: `(span, break time)`.
pub fn overlong(group: &AgentGroup) -> impl Iterator<Item = (&Window, SimTime)> {
    group.shifts.iter().filter_map(|w| {
        let len = w.end - w.start;
        let breaks = rule_time(group, len);
        (len > MAX_CONTINUOUS_DUTY + breaks).then_some((w, breaks))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::ClassSet;
    use crate::roster::GroupRouting;

    fn h(x: f64) -> SimTime {
        SimTime::from_secs_f64(x * 3600.0)
    }

    fn group(n: u32, shifts: Vec<Window>, breaks: Vec<BreakRule>, shrinkage: f64) -> AgentGroup {
        AgentGroup {
            name: "g".into(),
            label: "g".into(),
            label_zh: "g".into(),
            count: n,
            skills: ClassSet::ALL,
            max_chats: 5,
            max_chats_peak: 5,
            speed_factor: 1.0,
            site: "office".into(),
            shifts,
            quick_phrase_share: None,
            conversion_factor: 1.0,
            routing: GroupRouting::EVEN,
            breaks,
            shrinkage,
        }
    }

    fn meal() -> BreakRule {
        BreakRule {
            name: "meal".into(),
            min_span: h(7.0),
            max_span: SimTime::NEVER,
            len: h(0.5),
            from: h(3.0),
            to: h(5.0),
        }
    }

    fn span(a: f64, b: f64) -> Window {
        Window {
            start: h(a),
            end: h(b),
        }
    }

    #[test]
    fn meals_are_spread_over_their_window_so_the_group_never_leaves_at_once() {
        let g = group(
            5,
            vec![span(8.0, 16.0), span(20.0, 22.0)],
            vec![meal()],
            0.0,
        );
        // the window 11:00-13:00 holds 30-minute meals starting 11:00, 11:22:30 ... 12:30
        let starts: Vec<SimTime> = (0..5)
            .map(|i| next_break(&g, i, SimTime::ZERO).unwrap().0)
            .collect();
        assert_eq!(
            starts,
            vec![h(11.0), h(11.375), h(11.75), h(12.125), h(12.5)]
        );
        // after the meal the next is none: the 2-hour evening span is too short
        assert_eq!(next_break(&g, 0, h(11.0) + SimTime::from_micros(1)), None);
        // at most 2 of 5 away at any time
        for t in 0..=200 {
            let t = h(11.0) + SimTime::from_secs(t * 36);
            let away = starts
                .iter()
                .filter(|s| **s <= t && t < **s + h(0.5))
                .count();
            assert!(away <= 2, "{away} at {t:?}");
        }
    }

    #[test]
    fn shrinkage_takes_its_share_of_every_hour_staggered_by_agent() {
        let g = group(4, vec![span(0.0, 3.0)], vec![], 0.1);
        // 6 minutes an hour; agent 1 of 4 is away from 13.5 min into each hour
        let first = next_break(&g, 1, SimTime::ZERO).unwrap();
        assert_eq!(first, (h(13.5 / 60.0), h(0.1)));
        let second = next_break(&g, 1, first.0 + SimTime::from_micros(1)).unwrap();
        assert_eq!(second.0, h(1.0 + 13.5 / 60.0));
        let third = next_break(&g, 1, second.0 + SimTime::from_micros(1)).unwrap();
        assert_eq!(third.0, h(2.0 + 13.5 / 60.0));
        assert_eq!(next_break(&g, 1, third.0 + SimTime::from_micros(1)), None);
        assert!((away_share(&g, h(3.0)) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn the_twelve_hour_rule_counts_working_time() {
        let g = group(1, vec![span(0.0, 12.5)], vec![meal()], 0.0);
        assert_eq!(
            overlong(&g).count(),
            0,
            "12.5 h with a 30-min meal is 12 h of work"
        );
        let g = group(1, vec![span(0.0, 12.6)], vec![meal()], 0.0);
        assert_eq!(overlong(&g).count(), 1);
        let g = group(1, vec![span(0.0, 12.5)], vec![], 0.0);
        assert_eq!(overlong(&g).count(), 1);
        assert!((away_share(&group(1, vec![], vec![meal()], 0.05), h(8.0)) - 0.1125).abs() < 1e-12);
    }
}
