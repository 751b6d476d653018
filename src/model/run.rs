//! Running one replication: the model built, the engine run to the end or to the memory
//! budget, and the results collected.

use super::customers::Customers;
use super::events::Ev;
use super::{Exhausted, Model, ReplicationResult, results};
use crate::engine::{self, EventQueue};
use crate::random::{Stream, stream};
use crate::routing::Router;
use crate::scenario::Scenario;

/// Runs replication `index` of `scenario` with master seed `seed` and the scenario's policy.
///
/// # Panics
/// When the replication reaches its memory budget ([`try_run_replication`] says so
/// instead); for tests and small scenarios.
pub fn run_replication(scenario: &Scenario, seed: u64, index: u64) -> ReplicationResult {
    try_run_replication(scenario, seed, index).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs replication `index` of `scenario` with master seed `seed` and the scenario's
/// policy, or says why it stopped at its share of the memory budget
/// ([`crate::scenario::budget::replication_memory`]).
pub fn try_run_replication(
    scenario: &Scenario,
    seed: u64,
    index: u64,
) -> Result<ReplicationResult, Exhausted> {
    let memory = crate::scenario::budget::replication_memory();
    try_run_replication_within(scenario, seed, index, memory)
}

/// [`try_run_replication`] within `memory` bytes for what grows with the customers held
/// at once, whatever the run's budget.
pub fn try_run_replication_within(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    memory: u64,
) -> Result<ReplicationResult, Exhausted> {
    let router = scenario.routing.policy.build(scenario.agents());
    run_within(scenario, seed, index, router, memory)
}

/// Runs one replication with a caller-supplied router (an engineer's own policy), or says
/// why it stopped at its memory budget.
pub fn run_with_router(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    router: Box<dyn Router>,
) -> Result<ReplicationResult, Exhausted> {
    let memory = crate::scenario::budget::replication_memory();
    run_within(scenario, seed, index, router, memory)
}

fn run_within(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    router: Box<dyn Router>,
    memory: u64,
) -> Result<ReplicationResult, Exhausted> {
    run_within_with(scenario, seed, index, router, memory, |_| {}, |_| {})
}

/// A replication's live state at one moment, and its arrivals per series interval up to
/// that moment (the interval under way counting to the moment).
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The state.
    pub state: crate::state::LiveState,
    /// Arrivals per series interval from the scenario's start.
    pub arrivals: Vec<u64>,
}

/// Runs replication `index` and captures its live state at `at`.
pub fn run_snapshot(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    at: crate::engine::SimTime,
) -> Result<(ReplicationResult, Snapshot), Exhausted> {
    let router = scenario.routing.policy.build(scenario.agents());
    let memory = crate::scenario::budget::replication_memory();
    let mut snap = None;
    let result = run_within_with(
        scenario,
        seed,
        index,
        router,
        memory,
        |m| m.snapshot_at = Some(at),
        |m| {
            snap = m.snapshot.take().map(|state| Snapshot {
                state,
                arrivals: std::mem::take(&mut m.snapshot_arrivals),
            })
        },
    )?;
    let snap = snap.expect("the snapshot's moment lies within the scenario");
    Ok((result, snap))
}

/// Runs replication `index` from the live state `warm` (a warm start). From the state's
/// moment the arrival curve runs at `volume` times the scenario's (the scenario's own
/// volume draw where `None`).
pub fn run_warm(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    warm: &crate::state::Warm,
    volume: Option<f64>,
) -> Result<ReplicationResult, Exhausted> {
    run_warm_snapshot(scenario, seed, index, warm, volume, None).map(|r| r.0)
}

/// [`run_warm`], capturing the live state again at `snapshot_at` where given (after the
/// warm start's moment).
pub fn run_warm_snapshot(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    warm: &crate::state::Warm,
    volume: Option<f64>,
    snapshot_at: Option<crate::engine::SimTime>,
) -> Result<(ReplicationResult, Option<Snapshot>), Exhausted> {
    let router = scenario.routing.policy.build(scenario.agents());
    let memory = crate::scenario::budget::replication_memory();
    let warm = Box::new(warm.clone());
    let mut snap = None;
    let result = run_within_volume(
        scenario,
        seed,
        index,
        router,
        memory,
        volume,
        |m| {
            m.warm = Some(warm);
            m.snapshot_at = snapshot_at;
        },
        |m| {
            snap = m.snapshot.take().map(|state| Snapshot {
                state,
                arrivals: std::mem::take(&mut m.snapshot_arrivals),
            })
        },
    )?;
    Ok((result, snap))
}

/// [`run_within`] with `setup` applied to the model before its first event and `done`
/// after its last (the conversation log's recorder goes in and comes out this way).
pub(super) fn run_within_with(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    router: Box<dyn Router>,
    memory: u64,
    setup: impl FnOnce(&mut Model<'_>),
    done: impl FnOnce(&mut Model<'_>),
) -> Result<ReplicationResult, Exhausted> {
    run_within_volume(scenario, seed, index, router, memory, None, setup, done)
}

/// [`run_within_with`] with the arrival curve at `volume` times the scenario's (its own
/// draw where `None`).
#[allow(clippy::too_many_arguments)]
fn run_within_volume(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    router: Box<dyn Router>,
    memory: u64,
    volume: Option<f64>,
    setup: impl FnOnce(&mut Model<'_>),
    done: impl FnOnce(&mut Model<'_>),
) -> Result<ReplicationResult, Exhausted> {
    let mut rng_replication = stream(seed, index, Stream::Replication);
    let drawn = scenario.arrivals.draw_volume_factor(&mut rng_replication);
    let volume_factor = volume.unwrap_or(drawn);
    let mut model = Model::new(scenario, seed, index, router, volume_factor);
    model.memory_limit = usize::try_from(memory).unwrap_or(usize::MAX);
    setup(&mut model);
    let mut queue = EventQueue::new();
    model.schedule_initial(&mut queue);
    let events = engine::run(&mut model, &mut queue);
    done(&mut model);
    if let Some(message) = model.exhausted.take() {
        return Err(Exhausted {
            index,
            at: queue.now(),
            message,
        });
    }
    let footprint = results::Footprint {
        events,
        peak_customers: model.customers.peak() as u64,
        customer_bytes: Customers::SLOT_BYTES as u64,
        peak_pending_events: queue.peak() as u64,
        event_bytes: EventQueue::<Ev>::ENTRY_BYTES as u64,
        held_bytes: (model.customers.allocated_bytes() + queue.peak_bytes()) as u64,
    };
    Ok(model.finish(queue.now(), index, volume_factor, footprint))
}
