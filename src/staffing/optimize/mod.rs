//! Simulation-based staffing: the fewest agents per interval such that every target holds
//! for the customers arriving in that interval in at least a given share of replications
//! (the scenario's forecast error included), then a shift plan that covers it.
//!
//! The search works on a synthetic roster of agents like one scenario group, `n[k]` of them
//! on duty in interval `k`, laid out as stacked levels so an agent on duty in consecutive
//! intervals stays on duty (no artificial hand-over at every interval edge). Every candidate
//! is run with the same seed (common random numbers), so two candidates differ by their
//! staffing, not by their luck.
//!
//! 1. **Ceiling**: a generous roster (4x the analytic start, at least +10). A target that
//!    fails in an interval even then is *unreachable* there: it is reported and not
//!    pursued in that interval (more agents would not help).
//! 2. **Start**: the analytic requirement; intervals that pass give an upper bracket,
//!    intervals that fail (after a passing one) a lower bracket.
//! 3. **Bisection**: the even intervals, then the odd ones, move to the middle of their
//!    bracket together (the odd ones held still, so a move is judged with its neighbours
//!    fixed). A move is kept when its own interval still passes.
//! 4. **Repair**: the bracketed tops are run together; an interval that now fails (a
//!    neighbour moved since and left it a backlog) gets agents back, 1, 2, 4, ... at a
//!    time, until every interval passes.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::SimTime;
use crate::kpi::Target;
use crate::model::{ReplicationResult, try_run_replication};
use crate::replicate::{RunConfig, RunResults, run_all};
use crate::scenario::clock::Calendar;
use crate::scenario::file::GroupFile;
use crate::scenario::variants::Base;
use crate::scenario::{Scenario, ScenarioError};
use crate::staffing::shifts::{self, Plan, ShiftOption, TemplatesFile};

mod estimate;
use estimate::bisection_rounds;
mod render;

pub use render::{render, requirement_csv};

/// How long the agents on duty at the end of the scenario stay on: customers who reach a
/// human after the last arrival (the bot's escalations, 留言 of the last minutes) are
/// answered by the last shift, not left for a next day the scenario does not have.
pub const WIND_DOWN: SimTime = SimTime::from_secs(30 * 60);

/// What to search for, and how hard.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Targets judged on each interval's arrivals ([`crate::kpi::Kpi::PER_INTERVAL`]).
    pub targets: Vec<Target>,
    /// Share of replications in which an interval must meet every target (0-1].
    pub confidence: f64,
    /// Replications per candidate.
    pub replications: u64,
    /// Seed of every candidate's replications.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Requirement interval.
    pub interval: SimTime,
    /// The scenario group whose agents the requirement counts.
    pub like: String,
    /// Starting requirement per interval (the analytic answer); padded with zeros.
    pub start: Vec<u32>,
}

/// Where the search is, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The generous roster that tells reachable targets from unreachable ones.
    Ceiling,
    /// The analytic requirement.
    Start,
    /// Bisection on every interval's bracket.
    Bisect,
    /// Putting agents back where the final requirement fails.
    Repair,
    /// Checking a shift plan.
    Plan,
}

impl Phase {
    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Ceiling => "ceiling",
            Phase::Start => "analytic start",
            Phase::Bisect => "bisection",
            Phase::Repair => "repair",
            Phase::Plan => "shift plan check",
        }
    }
}

/// A progress report: called when a candidate starts (`done` 0) and after each replication.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Candidates run so far, this one included.
    pub evaluation: usize,
    /// Replications of this candidate done.
    pub done: u64,
    /// Candidates the search expects to run in all, this one and those before included: an
    /// estimate from the bisection brackets, exact once they are closed (a repair round or a
    /// plan check that fails adds one).
    pub expected: usize,
}

/// A candidate's per-interval KPI values: `values[t][k][i]` is target `t`'s KPI for the
/// arrivals of interval `k` in replication `i` (`None`: nobody to judge it on).
#[derive(Clone, Debug)]
pub struct Evaluation {
    values: Vec<Vec<Vec<Option<f64>>>>,
}

/// One target that more agents cannot meet in some intervals.
#[derive(Clone, Debug)]
pub struct Unreachable {
    /// The target.
    pub target: Target,
    /// The intervals where it fails even at the ceiling.
    pub intervals: Vec<usize>,
    /// Per interval of `intervals`: the KPI's mean at the ceiling.
    pub ceiling_mean: Vec<Option<f64>>,
    /// Per interval of `intervals`: the share of replications meeting it at the ceiling.
    pub ceiling_share: Vec<f64>,
}

/// One interval of the answer.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalRequirement {
    /// Interval start, scenario time.
    pub start: SimTime,
    /// The analytic starting point.
    pub analytic: u32,
    /// Agents required.
    pub agents: u32,
    /// Share of replications meeting every reachable target with `agents`.
    pub pass_share: f64,
    /// The most agents known to fall short (`None`: not even zero was ruled out).
    pub known_short: Option<u32>,
    /// The pass share seen when `known_short` was tried.
    pub short_share: Option<f64>,
}

/// The answer of the search.
#[derive(Clone, Debug)]
pub struct Requirement {
    /// Share of a shift the `like` group's agents are away on breaks and shrinkage (over
    /// its first duty span, 8 h where it has none): the requirement counts available
    /// agents, the roster needs `agents / (1 - away)` on shift.
    pub away: f64,
    /// Per interval.
    pub intervals: Vec<IntervalRequirement>,
    /// Targets left out in some intervals.
    pub unreachable: Vec<Unreachable>,
    /// `active[t][k]`: target `t` is pursued in interval `k`.
    pub active: Vec<Vec<bool>>,
    /// The interval closest to failing among those one agent short of failing.
    pub tightest: Option<usize>,
    /// Candidates run.
    pub evaluations: usize,
    /// Every interval passes with the requirement (false: the repair ran out of rounds).
    pub verified: bool,
}

/// Runs candidates of one scenario.
pub struct Search<'a> {
    base: &'a Base,
    like: GroupFile,
    away: f64,
    calendar: Calendar,
    intervals: usize,
    settings: &'a Settings,
    observer: &'a (dyn Fn(Progress) + Sync),
    evaluations: usize,
    expected: usize,
}

/// Most repair rounds before the search gives up verifying.
const REPAIR_ROUNDS: usize = 30;

impl<'a> Search<'a> {
    /// A search on `base` (its roster is replaced by each candidate's).
    pub fn new(
        base: &'a Base,
        settings: &'a Settings,
        observer: &'a (dyn Fn(Progress) + Sync),
    ) -> Result<Search<'a>, ScenarioError> {
        let sc = base.with(&[], "(scenario)", "(scenario)")?;
        let like = base
            .raw
            .groups
            .iter()
            .find(|g| g.name == settings.like)
            .cloned()
            .ok_or_else(|| ScenarioError::Invalid {
                file: "(staff optimize)".into(),
                key: "--like".into(),
                rule: format!("no group named `{}` in the scenario", settings.like),
            })?;
        let len = settings.interval.as_micros();
        let intervals = sc.horizon.as_micros().div_ceil(len) as usize;
        let group = sc.groups.iter().find(|g| g.name == settings.like);
        let away = crate::breaks::typical_away_share(group.expect("validated with the scenario"));
        Ok(Search {
            base,
            like,
            away,
            calendar: sc.calendar,
            intervals,
            settings,
            observer,
            evaluations: 0,
            expected: 0,
        })
    }

    /// Number of requirement intervals.
    pub fn intervals(&self) -> usize {
        self.intervals
    }

    /// The synthetic roster with `agents[k]` agents on duty in interval `k`: one group per
    /// distinct level, on duty wherever the requirement reaches that level. Agents on duty
    /// in the last interval stay [`WIND_DOWN`] past it, as a store's last shift does.
    pub fn level_roster(&self, agents: &[u32]) -> Vec<GroupFile> {
        let mut levels: Vec<u32> = agents.iter().copied().filter(|&a| a > 0).collect();
        levels.sort_unstable();
        levels.dedup();
        let len = self.settings.interval;
        let mut out = Vec::new();
        let mut below = 0;
        for level in levels {
            let mut shifts = Vec::new();
            let mut k = 0;
            while k < agents.len() {
                if agents[k] < level {
                    k += 1;
                    continue;
                }
                let from = k;
                while k < agents.len() && agents[k] >= level {
                    k += 1;
                }
                let end = SimTime::from_micros(len.as_micros() * k as u64);
                let end = if k == agents.len() {
                    end + WIND_DOWN
                } else {
                    end
                };
                shifts.push(vec![
                    self.calendar
                        .format(SimTime::from_micros(len.as_micros() * from as u64)),
                    self.calendar.format(end),
                ]);
            }
            // the levels count available agents: breaks come back with the shift plan
            let mut g = self.like.clone();
            g.breaks = Some(false);
            g.shrinkage = None;
            g.name = format!("level_{level}");
            g.count = i64::from(level - below);
            g.shifts = shifts;
            out.push(g);
            below = level;
        }
        out
    }

    /// The scenario with `groups` as its roster and the requirement interval as its series
    /// interval.
    pub fn scenario(&self, groups: &[GroupFile]) -> Result<Scenario, ScenarioError> {
        let value = toml::Value::try_from(groups).map_err(|e| ScenarioError::Invalid {
            file: "(staff optimize)".into(),
            key: "groups".into(),
            rule: e.to_string(),
        })?;
        let minutes = self.settings.interval.as_secs_f64() / 60.0;
        self.base.with(
            &[
                ("groups".to_string(), value),
                ("interval_min".to_string(), toml::Value::Float(minutes)),
            ],
            "(candidate roster)",
            "(candidate roster)",
        )
    }

    /// Runs a roster on the search's replications and keeps each target's KPI per interval
    /// and replication.
    pub fn evaluate(
        &mut self,
        groups: &[GroupFile],
        phase: Phase,
    ) -> Result<Evaluation, ScenarioError> {
        self.evaluate_seeded(groups, phase, self.settings.seed)
    }

    /// [`Search::evaluate`] on the replications of another seed.
    fn evaluate_seeded(
        &mut self,
        groups: &[GroupFile],
        phase: Phase,
        seed: u64,
    ) -> Result<Evaluation, ScenarioError> {
        let sc = self.scenario(groups)?;
        self.evaluations += 1;
        let evaluation = self.evaluations;
        let expected = self.expected.max(evaluation);
        let observer = self.observer;
        observer(Progress {
            phase,
            evaluation,
            done: 0,
            expected,
        });
        let done = AtomicU64::new(0);
        let cfg = RunConfig {
            replications: self.settings.replications,
            seed,
            threads: self.settings.threads,
        };
        let per_rep = run_all(cfg, |i| {
            let values = match try_run_replication(&sc, cfg.seed, i) {
                Ok(r) => self.values_of(&r),
                Err(_) => self.missed_everywhere(),
            };
            observer(Progress {
                phase,
                evaluation,
                done: done.fetch_add(1, Ordering::Relaxed) + 1,
                expected,
            });
            values
        });
        Ok(Evaluation::new(
            self.settings.targets.len(),
            self.intervals,
            per_rep,
        ))
    }

    /// One replication's `[target][interval]` KPI values.
    /// The values of a replication that stopped at its memory budget (a line that never
    /// drains): every target missed in every interval.
    fn missed_everywhere(&self) -> Vec<Vec<Option<f64>>> {
        self.settings
            .targets
            .iter()
            .map(|t| {
                let worst = if t.met_by(f64::INFINITY) {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                };
                vec![Some(worst); self.intervals]
            })
            .collect()
    }

    fn values_of(&self, r: &ReplicationResult) -> Vec<Vec<Option<f64>>> {
        self.settings
            .targets
            .iter()
            .map(|t| {
                (0..self.intervals)
                    .map(|k| r.intervals.get(k).and_then(|row| t.kpi.interval_value(row)))
                    .collect()
            })
            .collect()
    }

    /// Per-interval pass shares of a finished run of [`Search::scenario`] whose targets
    /// are the search's: the share of its replications in which interval `k` meets every
    /// active target.
    pub fn pass_shares_of(&self, results: &RunResults, active: &[Vec<bool>]) -> Vec<f64> {
        let index: Vec<usize> = self
            .settings
            .targets
            .iter()
            .map(|t| {
                results
                    .target_index(t)
                    .expect("the verification run judges the search's targets")
            })
            .collect();
        let reps = &results.replications;
        (0..self.intervals)
            .map(|k| {
                let passed = reps
                    .iter()
                    .filter(|r| {
                        index
                            .iter()
                            .enumerate()
                            .all(|(t, &i)| !active[t][k] || !r.missed(i, k))
                    })
                    .count();
                passed as f64 / reps.len().max(1) as f64
            })
            .collect()
    }

    /// Share of replications in which interval `k` meets every active target.
    pub fn pass_share(&self, ev: &Evaluation, active: &[Vec<bool>], k: usize) -> f64 {
        let reps = ev.replications();
        let passed = (0..reps)
            .filter(|&i| {
                self.settings
                    .targets
                    .iter()
                    .enumerate()
                    .filter(|(t, _)| active[*t][k])
                    .all(|(t, target)| ev.met(target, t, k, i))
            })
            .count();
        passed as f64 / reps.max(1) as f64
    }

    fn passes(&self, ev: &Evaluation, active: &[Vec<bool>], k: usize) -> bool {
        k >= self.intervals || self.pass_share(ev, active, k) >= self.settings.confidence - 1e-12
    }

    /// The search (see the module documentation).
    pub fn run(&mut self) -> Result<Requirement, ScenarioError> {
        let n = self.intervals;
        let conf = self.settings.confidence;
        let mut start = self.settings.start.clone();
        start.resize(n, 0);
        let ceiling: Vec<u32> = start.iter().map(|&s| (4 * s).max(s + 10)).collect();
        // ceiling, start, the bisection of every bracket [0, ceiling], one repair round
        self.expected = 2 + bisection_rounds(&ceiling, &vec![None; n]) + 1;

        let ev = self.evaluate(&self.level_roster(&ceiling), Phase::Ceiling)?;
        let mut active = vec![vec![true; n]; self.settings.targets.len()];
        let mut unreachable = Vec::new();
        for ((t, target), pursued) in self.settings.targets.iter().enumerate().zip(&mut active) {
            let mut u = Unreachable {
                target: target.clone(),
                intervals: Vec::new(),
                ceiling_mean: Vec::new(),
                ceiling_share: Vec::new(),
            };
            for (k, on) in pursued.iter_mut().enumerate() {
                let share = ev.share_met(target, t, k);
                if share < conf - 1e-12 {
                    *on = false;
                    u.intervals.push(k);
                    u.ceiling_mean.push(ev.mean(t, k));
                    u.ceiling_share.push(share);
                }
            }
            if !u.intervals.is_empty() {
                unreachable.push(u);
            }
        }

        // brackets: `hi` passes; `lo` (if any) falls short
        let mut hi = ceiling.clone();
        let mut lo: Vec<Option<u32>> = vec![None; n];
        let mut short_share: Vec<Option<f64>> = vec![None; n];
        let ev = self.evaluate(&self.level_roster(&start), Phase::Start)?;
        for k in 0..n {
            let share = self.pass_share(&ev, &active, k);
            if share >= conf - 1e-12 {
                hi[k] = start[k];
            } else if k == 0 || self.passes(&ev, &active, k - 1) {
                lo[k] = Some(start[k]);
                short_share[k] = Some(share);
            }
        }
        let open = |hi: &[u32], lo: &[Option<u32>], k: usize| match lo[k] {
            Some(l) => hi[k] > l + 1,
            None => hi[k] > 0,
        };
        loop {
            self.expected = self.evaluations + bisection_rounds(&hi, &lo) + 1;
            let mut moved = false;
            for parity in [0, 1] {
                let ks: Vec<usize> = (0..n)
                    .filter(|&k| k % 2 == parity && open(&hi, &lo, k))
                    .collect();
                if ks.is_empty() {
                    continue;
                }
                moved = true;
                let mut trial = hi.clone();
                for &k in &ks {
                    trial[k] = match lo[k] {
                        Some(l) => l + (hi[k] - l) / 2,
                        None => hi[k] / 2,
                    };
                }
                let ev = self.evaluate(&self.level_roster(&trial), Phase::Bisect)?;
                for &k in &ks {
                    if self.passes(&ev, &active, k) {
                        hi[k] = trial[k];
                    } else {
                        lo[k] = Some(trial[k]);
                        short_share[k] = Some(self.pass_share(&ev, &active, k));
                    }
                }
            }
            if !moved {
                break;
            }
        }

        let mut step = vec![1u32; n];
        let mut verified = false;
        let mut last = None;
        for _ in 0..REPAIR_ROUNDS {
            let ev = self.evaluate(&self.level_roster(&hi), Phase::Repair)?;
            let failing: Vec<usize> = (0..n).filter(|&k| !self.passes(&ev, &active, k)).collect();
            if failing.is_empty() {
                verified = true;
                last = Some(ev);
                break;
            }
            self.expected = self.evaluations + 1;
            for k in failing {
                lo[k] = Some(lo[k].map_or(hi[k], |l| l.max(hi[k])));
                short_share[k] = Some(self.pass_share(&ev, &active, k));
                // never past the ceiling roster, which met every reachable target: an
                // interval still short there is reported as such, not grown without bound
                hi[k] = (hi[k] + step[k]).min(ceiling[k].max(hi[k]));
                step[k] = step[k].saturating_mul(2);
            }
            last = Some(ev);
        }
        let last = last.expect("at least one repair round runs");
        let len = self.settings.interval;
        let intervals: Vec<IntervalRequirement> = (0..n)
            .map(|k| IntervalRequirement {
                start: SimTime::from_micros(len.as_micros() * k as u64),
                analytic: start[k],
                agents: hi[k],
                pass_share: self.pass_share(&last, &active, k),
                known_short: lo[k],
                short_share: short_share[k],
            })
            .collect();
        let tightest = intervals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.agents > 0 && r.known_short == Some(r.agents - 1))
            .min_by(|(_, a), (_, b)| {
                a.pass_share
                    .total_cmp(&b.pass_share)
                    .then(b.agents.cmp(&a.agents))
            })
            .map(|(k, _)| k);
        Ok(Requirement {
            away: self.away,
            intervals,
            unreachable,
            active,
            tightest,
            evaluations: self.evaluations,
            verified,
        })
    }

    /// Per-interval pass shares of a roster on the replications of `seed`, under the
    /// requirement's active targets.
    pub fn check(
        &mut self,
        groups: &[GroupFile],
        active: &[Vec<bool>],
        seed: u64,
    ) -> Result<Vec<f64>, ScenarioError> {
        let ev = self.evaluate_seeded(groups, Phase::Plan, seed)?;
        Ok((0..self.intervals)
            .map(|k| self.pass_share(&ev, active, k))
            .collect())
    }

    /// Candidates run so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// Candidates the search expects to run in all, so far (see [`Progress::expected`]).
    pub fn expected(&self) -> usize {
        self.expected.max(self.evaluations)
    }

    /// The shift plan with the fewest agent-hours that covers the requirement, checked by
    /// simulation on a holdout set of replications (seed + 1, never seen by the search, so
    /// intervals that passed the search's replications by luck show up): where the planned
    /// roster misses the confidence in an interval (luck, shift edges, slower template
    /// groups), that interval's requirement is raised by 5% (at least one agent) and the
    /// plan solved again, for at most `rounds` rounds.
    pub fn cover(
        &mut self,
        req: &Requirement,
        opts: &[ShiftOption],
        file: &TemplatesFile,
        rounds: usize,
    ) -> Result<Cover, String> {
        let mut need: Vec<u32> = req.intervals.iter().map(|r| r.agents).collect();
        let mut round = 0;
        loop {
            round += 1;
            self.expected = self.evaluations + 1;
            let plan = shifts::solve(opts, file, &need, self.settings.interval, &self.calendar)?;
            let groups = shifts::roster(&plan, opts, file, &self.base.raw.groups, &self.calendar);
            let pass_share = self
                .check(&groups, &req.active, self.settings.seed.wrapping_add(1))
                .map_err(|e| e.to_string())?;
            let failing: Vec<usize> = (0..self.intervals)
                .filter(|&k| pass_share[k] < self.settings.confidence - 1e-12)
                .collect();
            if failing.is_empty() || round >= rounds {
                return Ok(Cover {
                    plan,
                    need,
                    groups,
                    pass_share,
                    rounds: round,
                    verified: failing.is_empty(),
                });
            }
            for k in failing {
                need[k] += (need[k] / 20).max(1);
            }
        }
    }
}

/// A checked shift plan.
#[derive(Clone, Debug)]
pub struct Cover {
    /// The plan.
    pub plan: Plan,
    /// The requirement it covers (the search's, raised where the first plans fell short).
    pub need: Vec<u32>,
    /// The plan as scenario groups.
    pub groups: Vec<GroupFile>,
    /// Per interval, the share of holdout replications meeting every reachable target.
    pub pass_share: Vec<f64>,
    /// Plans solved.
    pub rounds: usize,
    /// Every interval met the confidence.
    pub verified: bool,
}

impl Requirement {
    /// Agents on shift for `available` agents taking chats: `available / (1 - away)`,
    /// rounded up.
    pub fn rostered(&self, available: u32) -> u32 {
        if self.away <= 0.0 {
            return available;
        }
        (f64::from(available) / (1.0 - self.away) - 1e-9).ceil() as u32
    }
}

impl Evaluation {
    /// From per-replication `[target][interval]` values.
    fn new(targets: usize, intervals: usize, per_rep: Vec<Vec<Vec<Option<f64>>>>) -> Evaluation {
        let values = (0..targets)
            .map(|t| {
                (0..intervals)
                    .map(|k| per_rep.iter().map(|r| r[t][k]).collect())
                    .collect()
            })
            .collect();
        Evaluation { values }
    }

    fn replications(&self) -> usize {
        self.values
            .first()
            .and_then(|t| t.first())
            .map_or(0, Vec::len)
    }

    /// Target `t` held for interval `k` in replication `i` (trivially when undefined).
    fn met(&self, target: &Target, t: usize, k: usize, i: usize) -> bool {
        self.values[t][k][i].is_none_or(|x| target.met_by(x))
    }

    /// Share of replications in which target `t` held for interval `k`.
    pub fn share_met(&self, target: &Target, t: usize, k: usize) -> f64 {
        let reps = self.replications();
        let held = (0..reps).filter(|&i| self.met(target, t, k, i)).count();
        held as f64 / reps.max(1) as f64
    }

    /// Mean of target `t`'s KPI for interval `k` over the replications where it is defined.
    pub fn mean(&self, t: usize, k: usize) -> Option<f64> {
        let v: Vec<f64> = self.values[t][k].iter().flatten().copied().collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }
}
