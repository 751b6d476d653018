//! `[[breaks]]` and the groups' `breaks` and `shrinkage` keys, checked into
//! [`crate::breaks::BreakRule`]s.

use serde::{Deserialize, Serialize};

use super::validate::{Ctx, R};
use crate::breaks::BreakRule;
use crate::engine::SimTime;

/// `[[breaks]]`: a break every agent takes in a duty span long enough.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BreakFile {
    /// Name in outputs (meal, rest...).
    pub name: String,
    /// Continuous duty spans at least this long (hours) get the break.
    pub shift_at_least_h: f64,
    /// ... and shorter than this (hours; absent: no bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_under_h: Option<f64>,
    /// Length of the break, minutes.
    pub minutes: f64,
    /// [from, to]: hours into the span between which the group's breaks are spread.
    pub between_h: [f64; 2],
}

/// The scenario's break rules.
pub(crate) fn rules(raw: &[BreakFile], ctx: &Ctx<'_>) -> R<Vec<BreakRule>> {
    let mut out: Vec<BreakRule> = Vec::with_capacity(raw.len());
    for (i, b) in raw.iter().enumerate() {
        let key = format!("breaks[{i}]");
        if out.iter().any(|r| r.name == b.name) {
            return Err(ctx.err(
                format!("{key}.name"),
                format!("`{}` names two break rules", b.name),
            ));
        }
        let hours = |k: &str, x: f64| ctx.seconds(&format!("{key}.{k}"), x * 3600.0);
        let span = ctx.positive(
            &format!("{key}.shift_at_least_h"),
            hours("shift_at_least_h", b.shift_at_least_h)?,
        )?;
        let under = match b.shift_under_h {
            None => SimTime::NEVER,
            Some(u) => {
                let u_s = hours("shift_under_h", u)?;
                if u_s <= span {
                    return Err(ctx.err(
                        format!("{key}.shift_under_h"),
                        format!(
                            "must exceed shift_at_least_h ({} h), got {u}",
                            b.shift_at_least_h
                        ),
                    ));
                }
                SimTime::from_secs_f64(u_s)
            }
        };
        let len = ctx.positive(
            &format!("{key}.minutes"),
            ctx.seconds(&format!("{key}.minutes"), b.minutes * 60.0)?,
        )?;
        let [from, to] = b.between_h;
        let (from_s, to_s) = (
            ctx.non_negative(&format!("{key}.between_h[0]"), hours("between_h", from)?)?,
            ctx.non_negative(&format!("{key}.between_h[1]"), hours("between_h", to)?)?,
        );
        if to_s > span {
            return Err(ctx.err(
                format!("{key}.between_h"),
                format!(
                    "ends {to} h into the span, after the shortest span the rule applies to \
                     ({} h)",
                    b.shift_at_least_h
                ),
            ));
        }
        if to_s - from_s < len {
            return Err(ctx.err(
                format!("{key}.between_h"),
                format!(
                    "[{from}, {to}] h does not hold a break of {} min",
                    b.minutes
                ),
            ));
        }
        out.push(BreakRule {
            name: b.name.clone(),
            min_span: SimTime::from_secs_f64(span),
            max_span: under,
            len: SimTime::from_secs_f64(len),
            from: SimTime::from_secs_f64(from_s),
            to: SimTime::from_secs_f64(to_s),
        });
    }
    Ok(out)
}

/// Most of every hour shrinkage may take: an agent away more than this is not on a shift.
pub const MAX_SHRINKAGE: f64 = 0.5;

/// A group's shrinkage share, checked.
pub(crate) fn shrinkage(raw: Option<f64>, key: &str, ctx: &Ctx<'_>) -> R<f64> {
    let Some(x) = raw else {
        return Ok(0.0);
    };
    let key = format!("{key}.shrinkage");
    let x = ctx.probability(&key, x)?;
    if x > MAX_SHRINKAGE {
        return Err(ctx.err(
            key,
            format!("must be at most {MAX_SHRINKAGE} (a share of each on-duty hour), got {x}"),
        ));
    }
    Ok(x)
}
