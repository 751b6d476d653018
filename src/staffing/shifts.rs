//! Shift plans: cover a per-interval requirement with allowed shift templates at the fewest
//! agent-hours, as an integer program: depth-first branch and bound over linear programs
//! solved by a maintained LP crate (good_lp with the pure-Rust microlp solver). microlp's
//! own integer search can run away in memory on fractional weights (temps at 0.67), so the
//! branching is done here, with a node limit; the root relaxation is a proven lower bound,
//! printed beside the plan, and the plan says whether the search finished (optimal).

use std::fmt::Write;

use good_lp::{
    Expression, Solution, SolverModel, Variable, constraint, microlp, variable, variables,
};
use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
use crate::roster::{AgentGroup, MAX_CONTINUOUS_DUTY};
use crate::scenario::clock::{Calendar, ClockTime};

/// The shift templates of the embedded default scenario (`scenarios/shifts/double11.toml`).
pub const DEFAULT_TEMPLATES: &str = include_str!("../../scenarios/shifts/double11.toml");

/// A shift template as written in the templates file (`[[templates]]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateFile {
    /// Name, used for the planned groups.
    pub name: String,
    /// The scenario group whose skills, caps, speed, site and workstation planned agents get.
    pub like: String,
    /// Allowed start times, "MM-DD HH:MM".
    pub starts: Vec<String>,
    /// Shift length, hours (at most 12).
    pub length_h: f64,
    /// Fewest agents over all of the template's starts.
    #[serde(default)]
    pub min_heads: u32,
    /// Most agents over all of the template's starts.
    pub max_heads: u32,
    /// How much of the requirement one agent of this template covers, in agents like the
    /// first template's group (default: its speed_factor relative to that group's, so a
    /// temp at 0.67 counts 0.67 of a veteran at 1.0). Chat caps are left to the simulation
    /// check of the plan: at the default's loads agents are limited by composing, not caps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// The templates file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesFile {
    /// `[[templates]]`.
    pub templates: Vec<TemplateFile>,
}

/// A validated shift: one template at one start.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftOption {
    /// Index into the templates.
    pub template: usize,
    /// Start, scenario time.
    pub start: SimTime,
    /// End, scenario time.
    pub end: SimTime,
    /// Requirement covered per agent on shift (see [`TemplateFile::weight`]): its speed
    /// weight times the share of the shift it is not away on breaks.
    pub weight: f64,
    /// Share of the shift an agent is away ([`crate::breaks::away_share`] of the
    /// template's `like` group): rostered heads less this share are available heads.
    pub away: f64,
}

/// A solved plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Heads per option (same order as the options).
    pub heads: Vec<u32>,
    /// Agent-hours of the plan.
    pub agent_hours: f64,
    /// Agent-hours of the LP relaxation: no integer plan can do better.
    pub lower_bound: f64,
    /// The branch and bound finished: no integer plan has fewer agent-hours.
    pub optimal: bool,
}

/// Validates the templates against the calendar; the error names the key and the rule.
pub fn options(
    file: &TemplatesFile,
    cal: &Calendar,
    groups: &[AgentGroup],
) -> Result<Vec<ShiftOption>, String> {
    let mut out = Vec::new();
    if file.templates.is_empty() {
        return Err("`templates`: give at least one [[templates]] entry".into());
    }
    let speed = |g: &AgentGroup| g.speed_factor;
    let mut reference = None;
    for (i, t) in file.templates.iter().enumerate() {
        let key = format!("templates[{i}]");
        let Some(like) = groups.iter().find(|g| g.name == t.like) else {
            return Err(format!(
                "`{key}.like`: no group named `{}` in the scenario",
                t.like
            ));
        };
        let reference = *reference.get_or_insert(speed(like));
        let weight = t.weight.unwrap_or(speed(like) / reference);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(format!(
                "`{key}.weight`: must be a number above 0, got {weight}"
            ));
        }
        let len = SimTime::from_secs_f64(t.length_h * 3600.0);
        // the 12-hour rule counts working time: a shift's breaks are rest
        let valid = t.length_h.is_finite() && t.length_h > 0.0 && t.length_h <= 48.0;
        if !valid || len > MAX_CONTINUOUS_DUTY + crate::breaks::rule_time(like, len) {
            return Err(format!(
                "`{key}.length_h`: a shift lasts more than 0 and at most 12 h of work (its \
                 group's breaks not counted), got {}",
                t.length_h
            ));
        }
        let away = crate::breaks::away_share(like, len);
        if t.min_heads > t.max_heads {
            return Err(format!(
                "`{key}`: min_heads {} exceeds max_heads {}",
                t.min_heads, t.max_heads
            ));
        }
        if t.starts.is_empty() {
            return Err(format!("`{key}.starts`: give at least one start time"));
        }
        for (j, s) in t.starts.iter().enumerate() {
            let at = ClockTime::parse(s).map_err(|e| format!("`{key}.starts[{j}]`: {e}"))?;
            let start = cal.offset(at).ok_or_else(|| {
                format!("`{key}.starts[{j}]`: `{s}` is before the scenario starts")
            })?;
            out.push(ShiftOption {
                template: i,
                start,
                end: start + len,
                weight: weight * (1.0 - away),
                away,
            });
        }
    }
    Ok(out)
}

/// The template change that makes interval `k` coverable when it lacks `short` agents.
fn feasibility_fix(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    k: usize,
    interval: SimTime,
    short: f64,
    at: &str,
) -> String {
    let best = opts
        .iter()
        .filter(|o| covers(o, k, interval))
        .max_by(|a, b| {
            a.weight
                .total_cmp(&b.weight)
                .then(b.template.cmp(&a.template))
        });
    match best {
        Some(o) => {
            let t = &file.templates[o.template];
            let extra = (short / o.weight - 1e-9).ceil() as u32;
            format!(
                "raise max_heads of template `{}` (templates[{}]) from {} to {} to make it \
                 feasible",
                t.name,
                o.template,
                t.max_heads,
                t.max_heads + extra
            )
        }
        None => format!(
            "no template has a start on duty then: add one to `starts` of a template whose \
             shift covers {at}"
        ),
    }
}

/// Covers `need[k]` agents in every interval `k` (of length `interval`) with the fewest
/// agent-hours. A shift covers an interval when it is on duty at the interval's middle, and
/// covers its [`ShiftOption::weight`] per agent.
pub fn solve(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
    cal: &Calendar,
) -> Result<Plan, String> {
    for (k, &n) in need.iter().enumerate() {
        // a template's max_heads bounds all of its starts together
        let most: f64 = (0..file.templates.len())
            .filter_map(|i| {
                opts.iter()
                    .find(|o| o.template == i && covers(o, k, interval))
                    .map(|o| o.weight * f64::from(file.templates[i].max_heads))
            })
            .sum();
        if f64::from(n) > most + 1e-9 {
            let at = cal.format(SimTime::from_micros(interval.as_micros() * k as u64));
            return Err(format!(
                "no plan covers the requirement: the interval from {at} needs {n} agent(s) \
                 but the templates' starts on duty then cover at most {most:.1}; {}",
                feasibility_fix(opts, file, k, interval, f64::from(n) - most, &at)
            ));
        }
    }
    let hours: Vec<f64> = opts
        .iter()
        .map(|o| (o.end - o.start).as_secs_f64() / 3600.0)
        .collect();
    let bounds: Vec<(f64, f64)> = opts
        .iter()
        .map(|o| (0.0, f64::from(file.templates[o.template].max_heads)))
        .collect();
    let root = relaxation(opts, file, need, interval, &bounds)
        .map_err(|e| format!("no plan covers the requirement with these templates ({e})"))?;
    let lower_bound = root.0;
    let mut best =
        round_and_trim(opts, file, need, interval, &root.1).map(|h| (cost(&hours, &h), h));
    let mut stack = vec![(bounds, root)];
    let mut nodes = 1;
    let mut optimal = true;
    while let Some((bounds, (objective, x))) = stack.pop() {
        if best.as_ref().is_some_and(|(c, _)| objective >= c - 1e-6) {
            continue;
        }
        let fractional = x
            .iter()
            .map(|v| (v - v.round()).abs())
            .enumerate()
            .filter(|(_, f)| *f > 1e-6)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        let Some(i) = fractional else {
            let heads: Vec<u32> = x.iter().map(|v| v.round().max(0.0) as u32).collect();
            let c = cost(&hours, &heads);
            if best.as_ref().is_none_or(|(b, _)| c < b - 1e-6) {
                best = Some((c, heads));
            }
            continue;
        };
        if nodes >= NODE_LIMIT {
            optimal = false;
            break;
        }
        let mut down = bounds.clone();
        down[i].1 = x[i].floor();
        let mut up = bounds;
        up[i].0 = x[i].ceil();
        // depth first, rounding up first: it reaches a feasible plan soonest
        for b in [down, up] {
            nodes += 1;
            if let Ok(sol) = relaxation(opts, file, need, interval, &b)
                && best.as_ref().is_none_or(|(c, _)| sol.0 < c - 1e-6)
            {
                stack.push((b, sol));
            }
        }
    }
    let (agent_hours, heads) =
        best.ok_or("no integer plan found within the search limit; simplify the templates")?;
    Ok(Plan {
        heads,
        agent_hours,
        lower_bound,
        optimal,
    })
}

/// Most linear programs the branch and bound solves before it settles for its best plan.
const NODE_LIMIT: usize = 20_000;

fn cost(hours: &[f64], heads: &[u32]) -> f64 {
    hours
        .iter()
        .zip(heads)
        .map(|(h, n)| h * f64::from(*n))
        .sum()
}

/// True when `heads` covers every interval and keeps every template within its heads.
fn feasible(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
    heads: &[u32],
) -> bool {
    let covered = need
        .iter()
        .enumerate()
        .all(|(k, &n)| coverage(opts, heads, k, interval) >= f64::from(n) - 1e-9);
    covered
        && file.templates.iter().enumerate().all(|(i, t)| {
            let total: u32 = opts
                .iter()
                .zip(heads)
                .filter(|(o, _)| o.template == i)
                .map(|(_, h)| *h)
                .sum();
            total >= t.min_heads && total <= t.max_heads
        })
}

/// A first integer plan: the relaxation rounded up, then heads taken away (longest shifts
/// first) while the plan stays feasible. `None` when rounding up breaks a template's heads.
fn round_and_trim(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
    x: &[f64],
) -> Option<Vec<u32>> {
    let mut heads: Vec<u32> = x
        .iter()
        .map(|v| (v - 1e-9).ceil().max(0.0) as u32)
        .collect();
    if !feasible(opts, file, need, interval, &heads) {
        return None;
    }
    let mut order: Vec<usize> = (0..opts.len()).collect();
    order.sort_by(|&a, &b| (opts[b].end - opts[b].start).cmp(&(opts[a].end - opts[a].start)));
    for i in order {
        while heads[i] > 0 {
            heads[i] -= 1;
            if !feasible(opts, file, need, interval, &heads) {
                heads[i] += 1;
                break;
            }
        }
    }
    Some(heads)
}

/// The requirement `heads` (one count per option) cover in interval `k`: agents on duty at
/// its middle, each counted at its option's weight.
pub fn coverage(opts: &[ShiftOption], heads: &[u32], k: usize, interval: SimTime) -> f64 {
    opts.iter()
        .zip(heads)
        .filter(|(o, _)| covers(o, k, interval))
        .map(|(o, h)| o.weight * f64::from(*h))
        .sum()
}

/// Heads on shift in interval `k` under `heads`: `(rostered, available)`, the second less
/// each option's away share (speed not weighted).
pub fn heads_at(opts: &[ShiftOption], heads: &[u32], k: usize, interval: SimTime) -> (u32, f64) {
    opts.iter()
        .zip(heads)
        .filter(|(o, _)| covers(o, k, interval))
        .fold((0, 0.0), |(r, a), (o, h)| {
            (r + h, a + f64::from(*h) * (1.0 - o.away))
        })
}

/// True when option `o` is on duty in the middle of interval `k`.
pub fn covers(o: &ShiftOption, k: usize, interval: SimTime) -> bool {
    let mid = SimTime::from_micros(interval.as_micros() * k as u64 + interval.as_micros() / 2);
    o.start <= mid && mid < o.end
}

/// The linear relaxation with per-option head bounds: `(agent-hours, heads)`.
fn relaxation(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
    bounds: &[(f64, f64)],
) -> Result<(f64, Vec<f64>), String> {
    let mut vars = variables!();
    let xs: Vec<Variable> = bounds
        .iter()
        .map(|(lo, hi)| vars.add(variable().min(*lo).max(*hi)))
        .collect();
    let objective: Expression = xs
        .iter()
        .zip(opts)
        .map(|(x, o)| (o.end - o.start).as_secs_f64() / 3600.0 * *x)
        .sum();
    let mut model = vars.minimise(objective.clone()).using(microlp);
    for (k, &n) in need.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let cover: Expression = xs
            .iter()
            .zip(opts)
            .filter(|(_, o)| covers(o, k, interval))
            .map(|(x, o)| o.weight * *x)
            .sum();
        model = model.with(constraint!(cover >= f64::from(n)));
    }
    for (i, t) in file.templates.iter().enumerate() {
        let total: Expression = xs
            .iter()
            .zip(opts)
            .filter(|(_, o)| o.template == i)
            .map(|(x, _)| *x)
            .sum();
        model = model.with(constraint!(total.clone() <= f64::from(t.max_heads)));
        model = model.with(constraint!(total >= f64::from(t.min_heads)));
    }
    let solution = model.solve().map_err(|e| e.to_string())?;
    let x: Vec<f64> = xs.iter().map(|x| solution.value(*x)).collect();
    Ok((solution.eval(&objective), x))
}

/// The plan for people, and as a `[[groups]]` roster block to paste into a scenario.
pub fn render(plan: &Plan, opts: &[ShiftOption], file: &TemplatesFile, cal: &Calendar) -> String {
    let mut out = String::new();
    // heads available apart from heads rostered only where some template's group rests
    let breaks = opts.iter().any(|o| o.away > 0.0);
    let _ = writeln!(
        out,
        "{:<16} {:<12} {:<12} {:>6}{}",
        "template",
        "start",
        "end",
        "heads",
        if breaks { "  available" } else { "" }
    );
    for (o, h) in opts.iter().zip(&plan.heads).filter(|(_, h)| **h > 0) {
        let available = if breaks {
            format!(" {:>10.1}", f64::from(*h) * (1.0 - o.away))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<12} {:>6}{available}",
            file.templates[o.template].name,
            cal.format(o.start),
            cal.format(o.end),
            h,
        );
    }
    if breaks {
        let _ = writeln!(
            out,
            "heads: rostered agents on the shift; available: less the share of the shift \
             they are away on breaks and shrinkage (the requirement counts available agents)"
        );
    }
    let gap = if plan.lower_bound > 0.0 {
        (plan.agent_hours / plan.lower_bound - 1.0) * 100.0
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "agent-hours {:.1}; LP lower bound {:.1} (the plan is within {gap:.1}% of it); {}",
        plan.agent_hours,
        plan.lower_bound,
        if plan.optimal {
            "optimal among integer plans"
        } else {
            "branch and bound stopped at its node limit: best plan found"
        }
    );
    out
}

/// The planned groups as a TOML document (`[[groups]]`).
#[derive(Serialize)]
pub struct RosterBlock {
    /// The planned groups.
    pub groups: Vec<crate::scenario::file::GroupFile>,
}

/// The plan as scenario groups: one per (template, start) with agents, copying the
/// attributes of the template's `like` group.
pub fn roster(
    plan: &Plan,
    opts: &[ShiftOption],
    file: &TemplatesFile,
    groups: &[crate::scenario::file::GroupFile],
    cal: &Calendar,
) -> Vec<crate::scenario::file::GroupFile> {
    opts.iter()
        .zip(&plan.heads)
        .filter(|(_, h)| **h > 0)
        .map(|(o, h)| {
            let t = &file.templates[o.template];
            let like = groups
                .iter()
                .find(|g| g.name == t.like)
                .expect("validated `like`");
            let mut g = like.clone();
            g.name = format!(
                "{}_{}",
                t.name,
                cal.format(o.start).replace([' ', ':', '-'], "")
            );
            g.count = i64::from(*h);
            g.shifts = vec![vec![cal.format(o.start), cal.format(o.end)]];
            g
        })
        .collect()
}
