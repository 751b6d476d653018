//! The moves the war room weighs (docs/state-format.md, "Moves"): each a change to the
//! scenario from the live state's moment on.

use serde::Deserialize;

use crate::engine::SimTime;
use crate::roster::Window;
use crate::scenario::Scenario;
use crate::scenario::clock::ClockTime;

/// A moves file: `[[move]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovesFile {
    #[serde(rename = "move", default)]
    pub moves: Vec<MoveFile>,
}

/// One move as written: a name and exactly one action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveFile {
    /// What the page and the table call it.
    pub name: String,
    /// Call in more agents like a group's.
    pub call_in: Option<CallIn>,
    /// Extend (or move) a group's shift under way.
    pub extend_shift: Option<ExtendShift>,
    /// Move a group's next shift: bring it in earlier or later.
    pub move_shift: Option<MoveShift>,
    /// Cap the waiting line (分流): arrivals beyond it leave a 留言.
    pub cap_line: Option<u32>,
    /// Serve classes in this order (pre-sale first at the peak) until a time.
    pub priority: Option<PriorityMove>,
    /// Open a bot window: the bot takes this share of each class's new chats until a time.
    pub bot_window: Option<BotWindow>,
    /// Switch a group's 分流: its routing tier, weight or soft cap from now on.
    pub split: Option<Split>,
}

/// `split = { group, tier, weight, soft_cap }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    /// The group.
    pub group: String,
    /// Its routing tier (0 is offered chats first).
    pub tier: Option<u8>,
    /// Its share within the tier (open chats are compared per unit of weight).
    pub weight: Option<f64>,
    /// Open chats from which its agents stop being preferred.
    pub soft_cap: Option<u16>,
}

/// `priority = { order = ["pre_sale", ...], until }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityMove {
    /// Classes, most urgent first.
    pub order: Vec<crate::class::Class>,
    /// Until when (default: the scenario's end).
    pub until: Option<String>,
}

/// `bot_window = { share, until }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotWindow {
    /// Share of each class's new chats the bot takes first (0 to 1).
    pub share: f64,
    /// Until when (default: the scenario's end).
    pub until: Option<String>,
}

/// `call_in = { group, agents, at, login_delay_min, until }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallIn {
    /// The group whose skills, caps and speed the agents have.
    pub group: String,
    /// How many.
    pub agents: u32,
    /// When they are called, "MM-DD HH:MM" (default: the state's moment).
    pub at: Option<String>,
    /// Minutes from the call to taking chats (default 10).
    #[serde(default = "default_login_delay")]
    pub login_delay_min: f64,
    /// When they leave (default: the scenario's end).
    pub until: Option<String>,
}

fn default_login_delay() -> f64 {
    10.0
}

/// `extend_shift = { group, until }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendShift {
    /// The group.
    pub group: String,
    /// The shift under way (or the next) now ends here, "MM-DD HH:MM".
    pub until: String,
}

/// `move_shift = { group, start, end }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveShift {
    /// The group.
    pub group: String,
    /// The group's next shift (the first to start after the state's moment) starts here
    /// instead, "MM-DD HH:MM".
    pub start: String,
    /// And ends here (default: as long as it was).
    pub end: Option<String>,
}

/// A move checked: its name and the scenario with it applied.
pub struct Move {
    pub name: String,
    pub scenario: Scenario,
}

/// Reads a moves file and applies each move to `sc` from `at` on.
///
/// # Errors
/// `file: move[i].key: rule`.
pub fn load(text: &str, file: &str, sc: &Scenario, at: SimTime) -> Result<Vec<Move>, String> {
    let de = toml::Deserializer::parse(text).map_err(|e| format!("{file}: {e}"))?;
    let raw: MovesFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("{file}: {path}: {}", e.into_inner())
    })?;
    if raw.moves.is_empty() {
        return Err(format!("{file}: has no [[move]]"));
    }
    let mut out: Vec<Move> = Vec::new();
    for (i, m) in raw.moves.iter().enumerate() {
        let err = |key: &str, rule: String| format!("{file}: move[{i}].{key}: {rule}");
        if out.iter().any(|o| o.name == m.name) || m.name.trim().is_empty() || m.name == "no move" {
            return Err(err(
                "name",
                format!(
                    "`{}` must be given, and differ from the others and from `no move`",
                    m.name
                ),
            ));
        }
        let actions = usize::from(m.call_in.is_some())
            + usize::from(m.extend_shift.is_some())
            + usize::from(m.move_shift.is_some())
            + usize::from(m.cap_line.is_some())
            + usize::from(m.priority.is_some())
            + usize::from(m.bot_window.is_some())
            + usize::from(m.split.is_some());
        if actions != 1 {
            return Err(err(
                "name",
                "give exactly one of call_in, extend_shift, move_shift, cap_line, priority, \
                 bot_window, split"
                    .into(),
            ));
        }
        let clock = |key: &str, s: &str| -> Result<SimTime, String> {
            let c = ClockTime::parse(s).map_err(|e| err(key, e))?;
            sc.calendar
                .offset(c)
                .filter(|t| *t <= sc.horizon)
                .ok_or_else(|| err(key, format!("{s} lies outside the scenario")))
        };
        let group = |key: &str, name: &str| -> Result<usize, String> {
            sc.groups
                .iter()
                .position(|g| g.name == name)
                .ok_or_else(|| err(key, format!("no group `{name}` in the scenario")))
        };
        let mut s = sc.clone();
        if let Some(c) = &m.call_in {
            let g = group("call_in.group", &c.group)?;
            if c.agents == 0 || c.agents > 100_000 {
                return Err(err(
                    "call_in.agents",
                    format!("must be 1 to 100000, got {}", c.agents),
                ));
            }
            if !(c.login_delay_min.is_finite() && (0.0..=24.0 * 60.0).contains(&c.login_delay_min))
            {
                return Err(err(
                    "call_in.login_delay_min",
                    "must be 0 to 1440 minutes".into(),
                ));
            }
            let called = match &c.at {
                Some(t) => clock("call_in.at", t)?.max(at),
                None => at,
            };
            let start = called + SimTime::from_secs_f64(c.login_delay_min * 60.0);
            let end = match &c.until {
                Some(t) => clock("call_in.until", t)?,
                None => SimTime::NEVER,
            };
            if end <= start {
                return Err(err(
                    "call_in.until",
                    "must come after the agents log in".into(),
                ));
            }
            let mut extra = s.groups[g].clone();
            extra.name = format!("{} (called in)", extra.name);
            extra.count = c.agents;
            extra.shifts = vec![Window { start, end }];
            extra.breaks.clear();
            s.groups.push(extra);
            if let Some(net) = s.network.as_mut() {
                net.group_site.push(net.group_site[g]);
                net.group_workstation.push(net.group_workstation[g]);
            }
        }
        if let Some(e) = &m.extend_shift {
            let g = group("extend_shift.group", &e.group)?;
            let until = clock("extend_shift.until", &e.until)?;
            let shifts = &mut s.groups[g].shifts;
            let Some(w) = shifts.iter_mut().find(|w| w.end > at) else {
                return Err(err(
                    "extend_shift.group",
                    format!("group `{}` has no shift under way or to come", e.group),
                ));
            };
            if until <= w.start.max(at) {
                return Err(err(
                    "extend_shift.until",
                    "must come after the shift's start and the state's moment".into(),
                ));
            }
            w.end = until;
        }
        if let Some(mv) = &m.move_shift {
            let g = group("move_shift.group", &mv.group)?;
            let start = clock("move_shift.start", &mv.start)?;
            if start < at {
                return Err(err(
                    "move_shift.start",
                    "must come at or after the state's moment".into(),
                ));
            }
            let shifts = &mut s.groups[g].shifts;
            let Some(k) = shifts.iter().position(|w| w.start > at) else {
                return Err(err(
                    "move_shift.group",
                    format!(
                        "group `{}` has no shift still to start (one under way: extend_shift)",
                        mv.group
                    ),
                ));
            };
            let end = match &mv.end {
                Some(t) => clock("move_shift.end", t)?,
                None => start + (shifts[k].end - shifts[k].start),
            };
            if end <= start {
                return Err(err("move_shift.end", "must come after its start".into()));
            }
            shifts[k] = Window { start, end };
            *shifts = crate::roster::merge_shifts(std::mem::take(shifts));
        }
        if let Some(n) = m.cap_line {
            s.routing.max_queue = Some(n);
        }
        let until = |key: &str, t: &Option<String>| -> Result<SimTime, String> {
            match t {
                Some(t) => {
                    let u = clock(key, t)?;
                    if u <= at {
                        return Err(err(key, "must come after the state's moment".into()));
                    }
                    Ok(u)
                }
                None => Ok(SimTime::NEVER),
            }
        };
        if let Some(p) = &m.priority {
            if p.order.is_empty() {
                return Err(err("priority.order", "name at least one class".into()));
            }
            let end = until("priority.until", &p.until)?;
            // the move's window comes first: it wins where it overlaps the scenario's
            s.routing.priority.insert(
                0,
                crate::routing::PriorityWindow {
                    window: Window { start: at, end },
                    order: p.order.clone(),
                },
            );
        }
        if let Some(b) = &m.bot_window {
            if !(0.0..=1.0).contains(&b.share) {
                return Err(err(
                    "bot_window.share",
                    format!("must be 0 to 1, got {}", b.share),
                ));
            }
            let end = until("bot_window.until", &b.until)?;
            let Some(bot) = s.bot.as_mut() else {
                return Err(err(
                    "bot_window",
                    "the scenario has no [bot] to open".into(),
                ));
            };
            bot.windows
                .insert(0, (Window { start: at, end }, [b.share; 3]));
        }
        if let Some(sp) = &m.split {
            // a warm start simulates no customer before the state's moment, so a routing
            // change for the whole run is one from that moment on
            let g = group("split.group", &sp.group)?;
            if sp.tier.is_none() && sp.weight.is_none() && sp.soft_cap.is_none() {
                return Err(err("split", "give tier, weight or soft_cap".into()));
            }
            let (lo, hi) = crate::routing::WEIGHT_RANGE;
            let r = &mut s.groups[g].routing;
            if let Some(w) = sp.weight {
                if !(lo..=hi).contains(&w) {
                    return Err(err(
                        "split.weight",
                        format!("must be {lo} to {hi}, got {w}"),
                    ));
                }
                r.weight = w;
                r.full_share_from = None;
            }
            if let Some(t) = sp.tier {
                if t > crate::routing::MAX_TIER {
                    return Err(err(
                        "split.tier",
                        format!("must be 0 to {}, got {t}", crate::routing::MAX_TIER),
                    ));
                }
                r.tier = t;
            }
            if let Some(c) = sp.soft_cap {
                r.soft_cap = Some(c);
            }
        }
        out.push(Move {
            name: m.name.clone(),
            scenario: s,
        });
    }
    Ok(out)
}
