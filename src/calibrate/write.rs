//! The calibrated scenario: the base scenario (`extends`) with every value the log could
//! tell replaced by its fit, each with a comment giving its n and 95% interval; what the
//! log cannot tell stays the base's and is said so at the top.

use std::fmt::Write as _;

use super::estimate::{LogNormalFit, PatienceFit};
use super::fits::Fits;
use crate::conversation::Conversation as ConversationModel;
use crate::scenario::Scenario;

/// What the scenario is built from.
pub struct Fitted<'a> {
    /// `extends` value: `"(embedded)"` or the base file's path.
    pub extends: &'a str,
    pub base: &'a Scenario,
    pub sources: &'a [String],
    /// Seconds since 1970 of the first fitted day's start (the scenario's `start`).
    pub start_s: f64,
    pub interval_s: f64,
    pub fits: &'a Fits,
    /// Effort and the switching penalty from the message log's chain of replies.
    pub effort: Option<&'a super::effort::EffortFit>,
}

impl Fitted<'_> {
    /// Seconds since 1970 of the first fitted day's start (`start_s` is its first interval
    /// with arrivals).
    fn origin_s(&self) -> f64 {
        self.start_s
            - self
                .fits
                .arrivals
                .intervals
                .first()
                .map_or(0.0, |i| i.offset_min * 60.0)
    }
}

/// `MM-DD HH:MM` of seconds since 1970.
pub fn clock(t: f64) -> String {
    let full = crate::convlog::time::format_datetime(t.round());
    // "YYYY-MM-DD HH:MM:SS" -> "MM-DD HH:MM"
    full[5..16].to_string()
}

fn num(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

/// The arrivals CSV: one row per interval, the mean count over the fitted days.
pub fn arrivals_csv(f: &Fitted) -> String {
    let mut out = String::from("interval_start,count\n");
    let per_interval = f.interval_s / 3600.0;
    for i in &f.fits.arrivals.intervals {
        let t = f.origin_s() + i.offset_min * 60.0;
        let _ = writeln!(out, "{},{:.3}", clock(t), i.per_hour.value * per_interval);
    }
    // a closing row: the last interval ends where the next would start (at the scenario's
    // end), so a one-interval curve is still a curve
    if let Some(last) = f.fits.arrivals.intervals.last() {
        let t = f.origin_s() + last.offset_min * 60.0 + f.interval_s;
        let _ = writeln!(out, "{},0", clock(t));
    }
    out
}

fn patience_line(p: &PatienceFit) -> Option<String> {
    let law = p.chosen?;
    let fit = p.fits.iter().find(|f| f.law == law)?;
    let param = |name: &str| fit.params.iter().find(|(k, _)| *k == name).map(|x| x.1);
    let spec = match law {
        "exponential" => format!(
            "{{ dist = \"exponential\", mean_s = {} }}",
            num(fit.mean_s.value)
        ),
        "weibull" => format!(
            "{{ dist = \"weibull\", shape = {}, scale_s = {} }}",
            num(param("shape")?.value),
            num(param("scale_s")?.value)
        ),
        "lognormal" => {
            let mu = param("mu")?.value;
            let sigma = param("sigma")?.value;
            format!(
                "{{ dist = \"lognormal\", median_s = {}, p90_s = {} }}",
                num(mu.exp()),
                num((mu + 1.281_551_565_544_600_9 * sigma).exp())
            )
        }
        _ => return None,
    };
    let best = &p.fits[0];
    let aic_note = if best.law == law {
        format!("best of {} laws by AIC", p.fits.len())
    } else {
        let why = if best.law == "loglogistic" {
            "a scenario cannot hold it".to_string()
        } else {
            format!(
                "its mean lies more than {}x past the longest wait in the log",
                super::estimate::EXTRAPOLATION
            )
        };
        format!(
            "{} fits better (AIC {:.1} lower) but {why}",
            best.law,
            fit.aic - best.aic
        )
    };
    let naive = p.naive_mean_s.map_or(String::new(), |m| {
        format!("; leavers alone would say {m:.0} s")
    });
    Some(format!(
        "{} = {spec}\n# ^ {} customers, {} left first; mean {:.1} s, 95% CI [{:.1}, {:.1}]; {aic_note}{naive}\n",
        p.class, p.n, p.left, fit.mean_s.value, fit.mean_s.lo, fit.mean_s.hi
    ))
}

fn lognormal_spec(f: &LogNormalFit) -> String {
    format!(
        "{{ dist = \"lognormal\", median_s = {}, p90_s = {} }}",
        num(f.median_s.value),
        num(f.p90_s.value)
    )
}

/// The `[conversation]` lines of the `messages` model the message log can tell (effort,
/// the switching penalty), noting in `kept` what stays the base's.
fn effort_block(f: &Fitted, kept: &mut Vec<String>) -> String {
    let mut s = String::new();
    let ConversationModel::Messages(m) = &f.base.conversation else {
        return s;
    };
    kept.push("conversation (think time, turns, greetings): the base's".into());
    let Some(e) = f.effort else {
        kept.push("effort and switch_penalty: the base's (no message log)".into());
        return s;
    };
    let quick = m.quick_phrase_share > 0.0
        || f.base
            .groups
            .iter()
            .any(|g| g.quick_phrase_share.is_some_and(|q| q > 0.0));
    let written = match (&e.effort, quick) {
        (_, true) => e.typed_effort.as_ref().map(|f| {
            (
                f,
                "typed replies, at a veteran's speed (the base's quick-phrase shares and law \
                 taken as given), from",
            )
        }),
        (Some(f), false) if f.median_s.n >= 30 => Some((f, "at a veteran's speed, from")),
        _ => None,
    };
    if let Some((fit, what)) = written {
        let _ = writeln!(
            s,
            "\n[conversation]\neffort = {}\n# ^ {what} {} composed replies begun holding one chat:\n#   median {}, p90 {}",
            lognormal_spec(fit),
            fit.median_s.n,
            fit.median_s.comment(1),
            fit.p90_s.comment(1)
        );
    }
    match (&e.effort, quick) {
        _ if written.is_some() => {}
        (Some(_), true) => kept.push(
            "effort: the base's (the base mixes quick phrases with typed replies and their \
             mixture could not be fitted: its quick phrases are not log-normal, or too few \
             replies; the log's effort is in calibration.json)"
                .into(),
        ),
        _ => kept.push("effort: the base's (too few timed replies)".into()),
    }
    match &e.switch_penalty {
        Some(p) => {
            if s.is_empty() {
                s.push_str("\n[conversation]\n");
            }
            let _ = writeln!(
                s,
                "switch_penalty = {:.4}   # extra effort holding more than one chat: {}",
                p.value.max(0.0),
                p.comment(3)
            );
        }
        None => kept.push(
            "switch_penalty: the base's (too few replies begun holding one chat and more)".into(),
        ),
    }
    s
}

/// The scenario file's text, and the list of what stayed from the base.
pub fn scenario_toml(f: &Fitted) -> (String, Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    let mut s = String::new();
    let a = &f.fits.arrivals;
    let _ = writeln!(
        s,
        "# Calibrated by `d11sim calibrate` from {}.\n\
         # Every fitted value carries a comment with its n and 95% confidence interval; what\n\
         # the log cannot tell comes from the base scenario (`extends`), listed below.",
        f.sources.join(", ")
    );
    let sessions = matches!(f.base.conversation, ConversationModel::Sessions(_));
    let effort = if sessions {
        String::new()
    } else {
        effort_block(f, &mut kept)
    };
    if f.fits.patience.iter().all(|p| p.chosen.is_none()) {
        kept.push("patience: the base's (the log cannot identify it; see calibration.json)".into());
    }
    if f.fits.bot.is_empty() && f.base.bot.is_some() {
        kept.push("bot: the base's (the log has no bot rows)".into());
    }
    kept.push(
        "roster, routing, network, conversion: the base's (not in a conversation log)".into(),
    );
    for k in &kept {
        let _ = writeln!(s, "# from the base: {k}");
    }
    let end = f.origin_s() + a.intervals.last().map_or(0.0, |i| i.offset_min * 60.0) + f.interval_s;
    let _ = writeln!(
        s,
        "\nextends = \"{}\"\nname = \"{} (calibrated)\"\nstart = \"{}\"\nend = \"{}\"\n\
         interval_min = {}\n",
        f.extends.replace('\\', "/"),
        f.base.name.replace('"', "'"),
        clock(f.start_s),
        clock(end),
        f.interval_s / 60.0
    );
    let _ = writeln!(
        s,
        "[arrivals]\ncsv = \"arrivals.csv\"   # mean over {} days ({}); day total {:.0}, 95% CI [{:.0}, {:.0}]",
        a.days.len(),
        a.days.join(", "),
        a.day_total.value,
        a.day_total.lo,
        a.day_total.hi
    );
    match &a.forecast_error_cv {
        Some(cv) => {
            let _ = writeln!(
                s,
                "forecast_error_cv = {}   # day-to-day volume beyond Poisson noise: {}",
                num(cv.value),
                cv.comment(3)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "forecast_error_cv = 0   # fewer than 3 days: the day-to-day spread cannot be told"
            );
        }
    }
    if let Some(m) = &a.event_multiplier {
        let _ = writeln!(
            s,
            "# event days' volume over ordinary days': x{:.2}, 95% CI [{:.2}, {:.2}]",
            m.value, m.lo, m.hi
        );
    }
    for m in &f.fits.mix {
        let _ = writeln!(
            s,
            "\n[[arrivals.mix]]   # {} conversations; CIs: pre-sale [{:.3}, {:.3}], in-sale [{:.3}, {:.3}], after-sale [{:.3}, {:.3}]\n\
             from = \"{}\"\npre_sale = {:.4}\nin_sale = {:.4}\nafter_sale = {:.4}",
            m.pre_sale.n,
            m.pre_sale.lo,
            m.pre_sale.hi,
            m.in_sale.lo,
            m.in_sale.hi,
            m.after_sale.lo,
            m.after_sale.hi,
            clock((f.origin_s() + m.from_h * 3600.0).max(f.start_s)),
            round4(m.pre_sale.value),
            round4(m.in_sale.value),
            (1.0 - round4(m.pre_sale.value) - round4(m.in_sale.value)).max(0.0)
        );
    }
    s.push_str(&effort);
    let lines: Vec<String> = f.fits.patience.iter().filter_map(patience_line).collect();
    if !lines.is_empty() {
        let _ = writeln!(
            s,
            "\n[patience]\n# patience is fitted from the log as it is: no extra factor for the welcome\n\
             # message or for escalation from the bot\n"
        );
        let _ = writeln!(s, "[patience.first_reply]");
        for l in lines {
            // a log without classes fits one patience for everybody
            s.push_str(&l.replacen("unknown = ", "default = ", 1));
        }
        let welcome = match &f.base.conversation {
            ConversationModel::Messages(m) => m.greeting.auto_welcome_patience_factor.is_some(),
            ConversationModel::Sessions(_) => false,
        };
        if welcome {
            let _ = writeln!(
                s,
                "\n[conversation.greeting]\nauto_welcome_patience_factor = 1.0   # fitted patience already includes it"
            );
        }
    }
    if sessions && let Some(h) = &f.fits.handling_all {
        let _ = writeln!(
            s,
            "\n[conversation]\nwork = {}\n# ^ served conversations from assignment to end: median {}, p90 {}",
            lognormal_spec(h),
            h.median_s.comment(1),
            h.p90_s.comment(1)
        );
    }
    if f.base.bot.is_some() && !f.fits.bot.is_empty() {
        let _ = writeln!(s, "\n[bot]");
        if !lines_empty(&f.fits.patience) {
            let _ = writeln!(
                s,
                "escalated_patience_factor = 1.0   # fitted patience already includes it"
            );
        }
        if let Some(t) = &f.fits.bot_touch {
            let _ = writeln!(
                s,
                "first_touch = {{ default = {:.4} }}   # {}",
                t.value,
                t.comment(4)
            );
        }
        let (mut abandoned, mut unresolved) = (0.0, 0.0);
        let mut session = None;
        for b in &f.fits.bot {
            if let Some(l) = &b.leave_share {
                abandoned += l.value * l.n as f64;
                unresolved += l.n as f64;
            }
            if session.is_none() {
                session = b.session;
            }
        }
        if let Some(sf) = session {
            let _ = writeln!(
                s,
                "session = {}   # time with the bot, start to end: median {}",
                lognormal_spec(&sf),
                sf.median_s.comment(1)
            );
        }
        if unresolved > 0.0 {
            let _ = writeln!(
                s,
                "leave_share = {:.4}   # of {} unresolved, the share who left",
                abandoned / unresolved,
                unresolved
            );
        }
        for (from_h, share) in &f.fits.bot_touch_by_hour {
            let from = f.origin_s() + from_h * 3600.0;
            let _ = writeln!(
                s,
                "\n[[bot.windows]]   # first touch by hour: {}\nfrom = \"{}\"\nto = \"{}\"\nfirst_touch = {{ default = {:.4} }}",
                share.comment(4),
                clock(from.max(f.start_s)),
                clock(from + 3600.0),
                share.value
            );
        }
        let _ = writeln!(s, "\n[bot.resolution]");
        for b in &f.fits.bot {
            let class = if b.class == "unknown" {
                "default"
            } else {
                b.class
            };
            let _ = writeln!(
                s,
                "{class} = {{ mean = {:.4}, sd = {:.4} }}   # {}",
                b.resolution.value,
                b.resolution_sd,
                b.resolution.comment(4)
            );
        }
    }
    (s, kept)
}

/// `x` to four decimals (the mix's shares are written so, and must still sum to 1).
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn lines_empty(p: &[PatienceFit]) -> bool {
    p.iter().all(|x| x.chosen.is_none())
}
