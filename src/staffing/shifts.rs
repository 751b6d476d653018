//! Shift plans: cover a per-interval requirement with allowed shift templates at the fewest
//! agent-hours, as an integer program solved by a maintained MILP crate (good_lp with the
//! pure-Rust microlp solver). Its LP relaxation is a proven lower bound, printed beside it.

use std::fmt::Write;

use good_lp::{
    Expression, Solution, SolverModel, Variable, constraint, microlp, variable, variables,
};
use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
use crate::roster::MAX_CONTINUOUS_DUTY;
use crate::scenario::clock::{Calendar, ClockTime};

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
}

/// Validates the templates against the calendar; the error names the key and the rule.
pub fn options(
    file: &TemplatesFile,
    cal: &Calendar,
    group_names: &[&str],
) -> Result<Vec<ShiftOption>, String> {
    let mut out = Vec::new();
    if file.templates.is_empty() {
        return Err("`templates`: give at least one [[templates]] entry".into());
    }
    for (i, t) in file.templates.iter().enumerate() {
        let key = format!("templates[{i}]");
        if !group_names.contains(&t.like.as_str()) {
            return Err(format!(
                "`{key}.like`: no group named `{}` in the scenario",
                t.like
            ));
        }
        let len = SimTime::from_secs_f64(t.length_h * 3600.0);
        if !(t.length_h.is_finite() && t.length_h > 0.0) || len > MAX_CONTINUOUS_DUTY {
            return Err(format!(
                "`{key}.length_h`: a shift lasts more than 0 and at most 12 h, got {}",
                t.length_h
            ));
        }
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
            });
        }
    }
    Ok(out)
}

/// Covers `need[k]` agents in every interval `k` (of length `interval`) with the fewest
/// agent-hours. A shift covers an interval when it is on duty at the interval's middle.
pub fn solve(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
) -> Result<Plan, String> {
    let integer = solve_model(opts, file, need, interval, true)?;
    let relaxed = solve_model(opts, file, need, interval, false)?;
    let hours = |heads: &[f64]| {
        heads
            .iter()
            .zip(opts)
            .map(|(h, o)| h * (o.end - o.start).as_secs_f64() / 3600.0)
            .sum::<f64>()
    };
    let heads: Vec<u32> = integer.iter().map(|h| h.round().max(0.0) as u32).collect();
    let agent_hours = hours(&heads.iter().map(|h| f64::from(*h)).collect::<Vec<_>>());
    Ok(Plan {
        heads,
        agent_hours,
        lower_bound: hours(&relaxed),
    })
}

/// True when option `o` is on duty in the middle of interval `k`.
pub fn covers(o: &ShiftOption, k: usize, interval: SimTime) -> bool {
    let mid = SimTime::from_micros(interval.as_micros() * k as u64 + interval.as_micros() / 2);
    o.start <= mid && mid < o.end
}

fn solve_model(
    opts: &[ShiftOption],
    file: &TemplatesFile,
    need: &[u32],
    interval: SimTime,
    integer: bool,
) -> Result<Vec<f64>, String> {
    let mut vars = variables!();
    let xs: Vec<Variable> = opts
        .iter()
        .map(|o| {
            let max = f64::from(file.templates[o.template].max_heads);
            let v = variable().min(0.0).max(max);
            vars.add(if integer { v.integer() } else { v })
        })
        .collect();
    let objective: Expression = xs
        .iter()
        .zip(opts)
        .map(|(x, o)| (o.end - o.start).as_secs_f64() / 3600.0 * *x)
        .sum();
    let mut model = vars.minimise(objective).using(microlp);
    for (k, &n) in need.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let cover: Expression = xs
            .iter()
            .zip(opts)
            .filter(|(_, o)| covers(o, k, interval))
            .map(|(x, _)| *x)
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
    let solution = model
        .solve()
        .map_err(|e| format!("no plan covers the requirement with these templates ({e})"))?;
    Ok(xs.iter().map(|x| solution.value(*x)).collect())
}

/// The plan for people, and as a `[[groups]]` roster block to paste into a scenario.
pub fn render(plan: &Plan, opts: &[ShiftOption], file: &TemplatesFile, cal: &Calendar) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<12} {:<12} {:>6}",
        "template", "start", "end", "heads"
    );
    for (o, h) in opts.iter().zip(&plan.heads).filter(|(_, h)| **h > 0) {
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<12} {:>6}",
            file.templates[o.template].name,
            cal.format(o.start),
            cal.format(o.end),
            h
        );
    }
    let gap = if plan.lower_bound > 0.0 {
        (plan.agent_hours / plan.lower_bound - 1.0) * 100.0
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "agent-hours {:.1}; LP lower bound {:.1} (the plan is within {gap:.1}% of it)",
        plan.agent_hours, plan.lower_bound
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
