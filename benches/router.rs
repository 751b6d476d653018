//! Speed of the built-in routers in-process, fed with the Double-11 event stream.
//!
//! The stream is recorded once per case, outside the timed loop: the embedded default
//! scenario with its roster scaled to 100, 1,000 or 10,000 agents and its arrivals scaled
//! alike ("normal"), or twice that ("overload": long queues, most decisions are "wait"),
//! run through a recording router. The bench replays the calls made between 23:45 and
//! 00:15 (the midnight spike) into a fresh router that was first told every agent's state
//! at 23:45.
//!
//! - `router/POLICY/LOAD/AGENTS`: the whole window; throughput in routing decisions per
//!   second (agent updates between decisions included, as a live router must take them).
//! - After criterion, one replay per case times every decision alone and prints its p50,
//!   p99, p99.9 and max (decision latency; ~20 ns of clock reading included).

use std::hint::black_box;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use d11sim::class::Class;
use d11sim::engine::SimTime;
use d11sim::model::run_with_router;
use d11sim::routing::{AgentId, AgentSnapshot, Policy, Router};
use d11sim::scenario::variants::Base;
use d11sim::scenario::{DEFAULT_NAME, DEFAULT_TOML, Scenario};

/// One call the model made to its router.
#[derive(Clone, Copy, Debug)]
enum Call {
    Changed(AgentId, AgentSnapshot, SimTime),
    Route(Class, SimTime),
}

/// A recorded window of calls, and every agent's state when it opens.
#[derive(Default)]
struct Stream {
    from: SimTime,
    to: SimTime,
    latest: Vec<Option<(AgentSnapshot, SimTime)>>,
    initial: Option<Vec<Option<(AgentSnapshot, SimTime)>>>,
    calls: Vec<Call>,
}

impl Stream {
    fn see(&mut self, now: SimTime) -> bool {
        if now >= self.from && self.initial.is_none() {
            self.initial = Some(self.latest.clone());
        }
        now >= self.from && now < self.to
    }
}

/// Passes every call to `inner` and records it.
struct Recorder {
    inner: Box<dyn Router>,
    stream: Arc<Mutex<Stream>>,
}

impl Router for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn agent_changed(&mut self, agent: AgentId, snapshot: &AgentSnapshot, now: SimTime) {
        let mut s = self.stream.lock().unwrap();
        if s.see(now) {
            s.calls.push(Call::Changed(agent, *snapshot, now));
        }
        let i = agent as usize;
        if s.latest.len() <= i {
            s.latest.resize(i + 1, None);
        }
        s.latest[i] = Some((*snapshot, now));
        drop(s);
        self.inner.agent_changed(agent, snapshot, now);
    }
    fn route(&mut self, class: Class, now: SimTime) -> Option<AgentId> {
        let mut s = self.stream.lock().unwrap();
        if s.see(now) {
            s.calls.push(Call::Route(class, now));
        }
        drop(s);
        self.inner.route(class, now)
    }
}

/// The default scenario with `agents` agents (roster scaled) and arrivals scaled by the same
/// factor times `load`.
fn scaled(agents: u32, load: f64) -> Scenario {
    let base = Base::from_toml(DEFAULT_TOML, DEFAULT_NAME, Path::new("scenarios")).unwrap();
    let total: i64 = base.raw.groups.iter().map(|g| g.count).sum();
    let factor = f64::from(agents) / total as f64;
    let mut sets: Vec<(String, toml::Value)> = base
        .raw
        .groups
        .iter()
        .map(|g| {
            let n = ((g.count as f64) * factor).round().max(1.0) as i64;
            (format!("groups.{}.count", g.name), toml::Value::Integer(n))
        })
        .collect();
    sets.push(("arrivals.scale".into(), toml::Value::Float(factor * load)));
    sets.push(("end".into(), toml::Value::String("11-11 00:15".into())));
    base.with(&sets, "(bench)", "(bench)").unwrap()
}

/// The recorded window of one case.
fn record(
    policy: Policy,
    agents: u32,
    load: f64,
) -> (Vec<Option<(AgentSnapshot, SimTime)>>, Vec<Call>) {
    let sc = scaled(agents, load);
    let at = |s: &str| {
        sc.calendar
            .offset(d11sim::scenario::clock::ClockTime::parse(s).unwrap())
            .unwrap()
    };
    let stream = Arc::new(Mutex::new(Stream {
        from: at("11-10 23:45"),
        to: at("11-11 00:15"),
        ..Stream::default()
    }));
    let recorder = Recorder {
        inner: policy.build(sc.agents()),
        stream: Arc::clone(&stream),
    };
    run_with_router(&sc, 20_261_111, 0, Box::new(recorder)).expect("within the memory budget");
    let s = Arc::try_unwrap(stream).ok().unwrap().into_inner().unwrap();
    (s.initial.unwrap_or_default(), s.calls)
}

/// A fresh router told every agent's state at the window's start.
fn primed(policy: Policy, initial: &[Option<(AgentSnapshot, SimTime)>]) -> Box<dyn Router> {
    let mut r = policy.build(initial.len());
    for (i, s) in initial.iter().enumerate() {
        if let Some((snap, t)) = s {
            r.agent_changed(i as AgentId, snap, *t);
        }
    }
    r
}

fn replay(r: &mut dyn Router, calls: &[Call]) -> u64 {
    let mut routed = 0;
    for c in calls {
        match *c {
            Call::Changed(a, ref s, t) => r.agent_changed(a, s, t),
            Call::Route(class, t) => routed += u64::from(r.route(class, t).is_some()),
        }
    }
    routed
}

const AGENTS: [u32; 3] = [100, 1_000, 10_000];
const LOADS: [(&str, f64); 2] = [("normal", 1.0), ("overload", 2.0)];

fn routers(c: &mut Criterion) {
    let mut latencies = Vec::new();
    for policy in Policy::ALL {
        for (load_name, load) in LOADS {
            let mut group = c.benchmark_group(format!("router/{}/{load_name}", policy.name()));
            group.sample_size(10);
            for agents in AGENTS {
                let (initial, calls) = record(policy, agents, load);
                let decisions = calls
                    .iter()
                    .filter(|c| matches!(c, Call::Route(..)))
                    .count();
                group.throughput(Throughput::Elements(decisions as u64));
                group.bench_function(format!("{agents}_agents"), |b| {
                    b.iter_batched(
                        || primed(policy, &initial),
                        |mut r| black_box(replay(r.as_mut(), &calls)),
                        BatchSize::LargeInput,
                    )
                });
                // decision latency, one decision at a time
                let mut r = primed(policy, &initial);
                let mut h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
                for call in &calls {
                    match *call {
                        Call::Changed(a, ref s, t) => r.agent_changed(a, s, t),
                        Call::Route(class, t) => {
                            let start = Instant::now();
                            black_box(r.route(class, t));
                            h.record(start.elapsed().as_nanos() as u64).unwrap();
                        }
                    }
                }
                latencies.push(format!(
                    "{:<14} {:<9} {:>6} agents {:>8} decisions: p50 {:>5} ns  p99 {:>6} ns  \
                     p99.9 {:>6} ns  max {:>7} ns",
                    policy.name(),
                    load_name,
                    agents,
                    decisions,
                    h.value_at_quantile(0.5),
                    h.value_at_quantile(0.99),
                    h.value_at_quantile(0.999),
                    h.max()
                ));
            }
            group.finish();
        }
    }
    println!("\ndecision latency (one route() call, clock reading included):");
    for l in latencies {
        println!("{l}");
    }
}

criterion_group!(benches, routers);
criterion_main!(benches);
