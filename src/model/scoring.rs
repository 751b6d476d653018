//! Which customers the first-response KPIs score, and from when (`[scoring]`).

use super::Model;
use crate::class::Class;
use crate::engine::SimTime;

impl Model<'_> {
    /// Where the first response of a customer reaching a human at `now` is scored from, or
    /// `None` when it is not scored: outside `[scoring]` hours, or a 留言 left while nobody
    /// with the skill was on duty under the `left_out` rule (`from_staffed` scores it from
    /// the next rostered shift start of a group with the skill).
    #[inline(always)]
    pub(super) fn scored_from(
        &self,
        class: Class,
        now: SimTime,
        message_left: bool,
    ) -> Option<SimTime> {
        use crate::scoring::MessagesLeft;
        if self.scoring_plain {
            return Some(now); // every customer scored from reaching a human
        }
        let scoring = &self.sc.scoring;
        if scoring.hours.is_none() && !message_left {
            return Some(now);
        }
        let from = match (message_left, scoring.messages_left) {
            (false, _) | (true, MessagesLeft::WholeWait) => now,
            (true, MessagesLeft::LeftOut) => return None,
            (true, MessagesLeft::FromStaffed) => self.next_staffed(class, now).unwrap_or(now),
        };
        scoring
            .counts_at(self.sc.calendar.time_of_day(from))
            .then_some(from)
    }

    /// The first time from `now` on when a group with `class`'s skill is rostered on duty.
    #[cold]
    #[inline(never)]
    fn next_staffed(&self, class: Class, now: SimTime) -> Option<SimTime> {
        self.sc
            .groups
            .iter()
            .filter(|g| g.skills.contains(class))
            .flat_map(|g| g.shifts.iter())
            .filter(|w| w.end > now)
            .map(|w| w.start.max(now))
            .min()
    }
}
