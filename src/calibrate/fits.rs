//! Every fit of one collection of days, together: what calibration.json reports and the
//! calibrated scenario is written from.

use serde::Serialize;

use super::collect::{CLASSES, Collected, LogMoments, slot_name};
use super::estimate::{
    self, ArrivalFit, BotFit, CountFit, HandlingFit, LogNormalFit, MixFit, PatienceFit, Value,
};

/// The fits of a log's days.
#[derive(Clone, Debug, Serialize)]
pub struct Fits {
    pub arrivals: ArrivalFit,
    pub mix: Vec<MixFit>,
    pub patience: Vec<PatienceFit>,
    /// Served conversations from the agent taking the chat to its end, by class and group.
    pub handling: Vec<HandlingFit>,
    /// The same, every class and group together.
    pub handling_all: Option<LogNormalFit>,
    /// Share of served conversations shorter than [`super::collect::SHORT_S`], by class.
    pub short_service_share: Vec<(&'static str, Value)>,
    pub bot: Vec<BotFit>,
    /// Share of customers the bot took first (`None` without a bot in the log).
    pub bot_touch: Option<Value>,
    /// The same by hour of the day: `(hours from the day's start, share)`.
    pub bot_touch_by_hour: Vec<(f64, Value)>,
    pub messages: Vec<CountFit>,
    /// Per-reply response time from the message log (all classes).
    pub reply_time: Option<LogNormalFit>,
}

impl Fits {
    /// Fits `c` over `days` (ordinary days for the event multiplier), a share `silent`
    /// of leavers leaving no trace; `None` when the days have no arrivals.
    pub fn of(c: &Collected, days: &[i64], ordinary: &[i64], silent: f64) -> Option<Fits> {
        let arrivals = estimate::arrivals(c, days, ordinary)?;
        let mut all = LogMoments::default();
        for m in c.handling.values() {
            all.absorb(m);
        }
        let bot = estimate::bot(c);
        let touched: u64 = bot.iter().map(|b| b.touched).sum();
        let bot_touch = if bot.is_empty() {
            None
        } else {
            estimate::share(touched, c.conversations - c.retrials)
        };
        Some(Fits {
            mix: estimate::mix(c, days, 1.0),
            patience: estimate::patience(c, silent),
            handling: estimate::handling(c),
            handling_all: estimate::lognormal(&all),
            short_service_share: (0..CLASSES)
                .filter_map(|i| Some((slot_name(i), estimate::share(c.short[i], c.served[i])?)))
                .collect(),
            bot_touch_by_hour: if bot.is_empty() {
                Vec::new()
            } else {
                estimate::bot_touch(c, days, 1.0)
            },
            bot,
            bot_touch,
            messages: estimate::counts(c),
            reply_time: estimate::lognormal(&c.reply_times),
            arrivals,
        })
    }
}
