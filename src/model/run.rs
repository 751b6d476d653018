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
    let mut rng_replication = stream(seed, index, Stream::Replication);
    let volume_factor = scenario.arrivals.draw_volume_factor(&mut rng_replication);
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
