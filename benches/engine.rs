//! Speed of the simulator core.
//!
//! - `engine/mmc_abandon/100_agents`: M/M/100+M (offered load 95 Erlangs, mean work 180 s,
//!   mean patience 120 s), one replication of ~200,000 customers on one thread; throughput
//!   in customers per second (target >= 3 M/s).
//! - `engine/bare_heap/100_agents`: the same queue as a bare BinaryHeap loop with no
//!   metrics, for scale (what the engine costs on top of the floor).
//! - `scenario/double11_default/1_replication`: the embedded default scenario, one
//!   replication (target < 1 s).
//!
//! Then, printed: d11sim / plain-heap on M/M/100+M timed interleaved (`ratio`), and the
//! cost per customer of both as c grows to 100,000 agents (`scale`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use d11sim::model::run_replication;
use d11sim::scenario::file::DurationFile;
use d11sim::scenario::{self, Scenario};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};

/// An M/M/c+M at 95% load (work 180 s, patience 120 s) run for `horizon_min` minutes.
#[derive(Clone, Copy)]
struct Mmc {
    agents: u32,
    horizon_min: u64,
}

impl Mmc {
    /// Arrivals per second at 95% load with `agents` agents.
    fn rate(agents: u32) -> f64 {
        0.95 * f64::from(agents) / 180.0
    }

    fn lambda(self) -> f64 {
        Mmc::rate(self.agents)
    }

    /// The same queue with `agents` agents, run long enough for about `customers`.
    fn sized(agents: u32, customers: f64) -> Mmc {
        Mmc {
            agents,
            horizon_min: (customers / (Mmc::rate(agents) * 60.0)).ceil() as u64,
        }
    }
}

/// M/M/100+M, 105 h: ~200,000 customers.
const M100: Mmc = Mmc {
    agents: 100,
    horizon_min: 6_300,
};

fn mmc_abandon(m: Mmc) -> Scenario {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erlang_a.toml"),
    )
    .unwrap();
    let mut raw = scenario::parse(&text, "erlang_a.toml").unwrap();
    raw.arrivals.constant_per_hour = Some(m.lambda() * 3600.0);
    raw.groups[0].count = i64::from(m.agents);
    raw.patience.first_reply.default = Some(DurationFile {
        dist: "exponential".into(),
        mean_s: Some(120.0),
        ..Default::default()
    });
    let h = m.horizon_min;
    // the scenario starts on 01-01 00:00; the end is `h` minutes later, month by month
    let (mut month, mut day) = (1, h / 1440);
    for days in [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30] {
        if day < days {
            break;
        }
        day -= days;
        month += 1;
    }
    raw.end = format!(
        "{month:02}-{:02} {:02}:{:02}",
        1 + day,
        h % 1440 / 60,
        h % 60
    );
    raw.warmup_h = 0.0;
    raw.interval_min = h as f64;
    Scenario::from_file(&raw, "bench", Path::new(".")).unwrap()
}

/// The plain loops' random stream and their interarrival, work and patience laws.
fn draws(m: Mmc, seed: u64) -> (rand_pcg::Pcg64Mcg, [Exp<f64>; 3]) {
    let rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let laws = [m.lambda(), 1.0 / 180.0, 1.0 / 120.0].map(|rate| Exp::new(rate).unwrap());
    (rng, laws)
}

/// M/M/c+M with nothing but a heap, a FIFO and counters: a floor for the engine's cost.
fn bare_heap(m: Mmc, customers: u64, seed: u64) -> u64 {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Kind {
        Arrival,
        Done,
        Patience(u64),
    }
    let (mut rng, [arr, work, pat]) = draws(m, seed);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Kind)>> = BinaryHeap::new();
    let us = |s: f64| (s * 1e6) as u64;
    let (mut seq, mut free, mut served, mut arrived) = (0u64, m.agents, 0u64, 0u64);
    let mut queue: VecDeque<(u64, u64)> = VecDeque::new();
    let mut gone = vec![false; customers as usize + 1];
    heap.push(Reverse((us(arr.sample(&mut rng)), 0, Kind::Arrival)));
    while let Some(Reverse((t, _, kind))) = heap.pop() {
        seq += 1;
        match kind {
            Kind::Arrival => {
                arrived += 1;
                if arrived < customers {
                    heap.push(Reverse((t + us(arr.sample(&mut rng)), seq, Kind::Arrival)));
                }
                if free > 0 {
                    free -= 1;
                    heap.push(Reverse((t + us(work.sample(&mut rng)), seq, Kind::Done)));
                } else {
                    queue.push_back((arrived, t));
                    heap.push(Reverse((
                        t + us(pat.sample(&mut rng)),
                        seq,
                        Kind::Patience(arrived),
                    )));
                }
            }
            Kind::Done => {
                served += 1;
                free += 1;
                while let Some((id, _)) = queue.pop_front() {
                    if !gone[id as usize] {
                        gone[id as usize] = true;
                        free -= 1;
                        heap.push(Reverse((t + us(work.sample(&mut rng)), seq, Kind::Done)));
                        break;
                    }
                }
            }
            Kind::Patience(id) => gone[id as usize] = true,
        }
    }
    served
}

/// The same M/M/c+M loop as [`bare_heap`], plus what d11sim keeps for this model, written
/// plainly: counters and sums for the KPIs, time-weighted areas of customers present,
/// waiting and agents busy, and HdrHistograms of first response, wait (served and
/// abandoned) and conversation duration. A second reference: what the trade's KPIs cost
/// a hand-written loop, to set beside what they cost d11sim.
fn plain_kpis(m: Mmc, customers: u64, seed: u64) -> u64 {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Kind {
        Arrival,
        Done(u64),
        Patience(u64),
    }
    /// A time-weighted level: value and its integral over time.
    #[derive(Default)]
    struct Area {
        value: i64,
        last: u64,
        integral: i128,
    }
    impl Area {
        fn add(&mut self, t: u64, d: i64) {
            self.integral += i128::from(self.value) * i128::from(t - self.last);
            self.last = t;
            self.value += d;
        }
    }
    #[derive(Default)]
    struct Kpis {
        arrived: u64,
        waited: u64,
        served: u64,
        within_sl: u64,
        abandoned: u64,
        ended: u64,
        wait_served_s: f64,
        wait_abandoned_s: f64,
        duration_s: f64,
    }
    let hist = || hdrhistogram::Histogram::<u64>::new_with_bounds(1, 86_400_000, 3).unwrap();
    let (mut first_ms, mut wait_ms, mut abandon_ms, mut duration_ms) =
        (hist(), hist(), hist(), hist());
    let (mut present, mut waiting, mut busy) = (Area::default(), Area::default(), Area::default());
    let mut k = Kpis::default();
    let (mut rng, [arr, work, pat]) = draws(m, seed);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Kind)>> = BinaryHeap::new();
    let us = |s: f64| (s * 1e6) as u64;
    let (mut seq, mut free) = (0u64, m.agents);
    // each waiting customer's arrival time, GONE once served or left
    const GONE: u64 = u64::MAX;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut arrived_at = vec![GONE; customers as usize + 1];
    heap.push(Reverse((us(arr.sample(&mut rng)), 0, Kind::Arrival)));
    // an agent takes a customer who arrived at `since`, at `t`
    macro_rules! serve {
        ($t:expr, $since:expr) => {{
            let (t, wait) = ($t, $t - $since);
            k.served += 1;
            k.within_sl += u64::from(wait <= 20_000_000);
            k.wait_served_s += wait as f64 * 1e-6;
            first_ms.record((wait / 1000).max(1)).unwrap();
            wait_ms.record((wait / 1000).max(1)).unwrap();
            busy.add(t, 1);
            heap.push(Reverse((t + us(work.sample(&mut rng)), seq, Kind::Done(t))));
        }};
    }
    while let Some(Reverse((t, _, kind))) = heap.pop() {
        seq += 1;
        match kind {
            Kind::Arrival => {
                k.arrived += 1;
                present.add(t, 1);
                if k.arrived < customers {
                    heap.push(Reverse((t + us(arr.sample(&mut rng)), seq, Kind::Arrival)));
                }
                if free > 0 {
                    free -= 1;
                    serve!(t, t);
                } else {
                    k.waited += 1;
                    waiting.add(t, 1);
                    queue.push_back(k.arrived);
                    arrived_at[k.arrived as usize] = t;
                    let patience = t + us(pat.sample(&mut rng));
                    heap.push(Reverse((patience, seq, Kind::Patience(k.arrived))));
                }
            }
            Kind::Done(assigned) => {
                k.ended += 1;
                k.duration_s += (t - assigned) as f64 * 1e-6;
                duration_ms.record(((t - assigned) / 1000).max(1)).unwrap();
                present.add(t, -1);
                busy.add(t, -1);
                free += 1;
                while let Some(id) = queue.pop_front() {
                    let since = arrived_at[id as usize];
                    if since != GONE {
                        arrived_at[id as usize] = GONE;
                        free -= 1;
                        waiting.add(t, -1);
                        serve!(t, since);
                        break;
                    }
                }
            }
            Kind::Patience(id) => {
                let since = arrived_at[id as usize];
                if since != GONE {
                    arrived_at[id as usize] = GONE;
                    k.abandoned += 1;
                    k.wait_abandoned_s += (t - since) as f64 * 1e-6;
                    abandon_ms.record(((t - since) / 1000).max(1)).unwrap();
                    present.add(t, -1);
                    waiting.add(t, -1);
                }
            }
        }
    }
    let areas = present.integral + waiting.integral + busy.integral;
    k.served
        + k.abandoned
        + k.ended
        + k.waited
        + k.within_sl
        + first_ms.len()
        + wait_ms.len()
        + abandon_ms.len()
        + duration_ms.len()
        + (areas as u64 & 1)
        + (k.wait_served_s + k.wait_abandoned_s + k.duration_s) as u64 % 2
}

fn benches(c: &mut Criterion) {
    let sc = mmc_abandon(M100);
    let customers = run_replication(&sc, 1, 0).counters.arrived;
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.throughput(Throughput::Elements(customers));
    g.bench_function("mmc_abandon/100_agents", |b| {
        b.iter(|| black_box(run_replication(&sc, 1, 0).counters.served))
    });
    g.bench_function("bare_heap/100_agents", |b| {
        b.iter(|| black_box(bare_heap(M100, customers, 1)))
    });
    g.finish();

    let d11 = Scenario::default_double11();
    let customers = run_replication(&d11, 1, 0).counters.arrived;
    let mut g = c.benchmark_group("scenario");
    g.sample_size(20);
    g.throughput(Throughput::Elements(customers));
    g.bench_function("double11_default/1_replication", |b| {
        b.iter(|| black_box(run_replication(&d11, 1, 0).counters.served))
    });
    g.finish();
}

/// The figure the README states: d11sim's throughput on M/M/100+M as a share of the plain
/// heap simulation's, both timed in this run, interleaved, median of 9 each; and beside it
/// the share of the plain loop that keeps the same KPIs.
fn ratio(_: &mut Criterion) {
    let sc = mmc_abandon(M100);
    let customers = run_replication(&sc, 1, 0).counters.arrived;
    let time = |f: &dyn Fn()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    let (mut ours, mut plain, mut kpis) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..9 {
        ours.push(time(&|| {
            black_box(run_replication(&sc, 1, 0).counters.served);
        }));
        plain.push(time(&|| {
            black_box(bare_heap(M100, customers, 1));
        }));
        kpis.push(time(&|| {
            black_box(plain_kpis(M100, customers, 1));
        }));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b, c) = (median(&mut ours), median(&mut plain), median(&mut kpis));
    let rate = |s: f64| customers as f64 / s / 1e6;
    println!(
        "M/M/100+M, {customers} customers: d11sim {:.2} M customers/s, plain heap {:.2} M/s: \
         d11sim / plain-heap = {:.2}",
        rate(a),
        rate(b),
        b / a
    );
    println!(
        "  plain heap keeping the same KPIs {:.2} M/s ({:.2} of the plain heap): \
         d11sim / plain-with-KPIs = {:.2}",
        rate(c),
        b / c,
        c / a
    );
}

/// Cost per customer as the queue grows: M/M/c+M at 95% load for c = 100, 10,000 and
/// 100,000 agents, about 2 million customers each, d11sim beside the plain heap (best of
/// three each). Both slow down as what they keep per agent and per pending event outgrows
/// the caches; the figure to read is how much faster d11sim's cost rises than the plain
/// loop's, since the plain loop keeps no agent at all (a free count), where d11sim keeps
/// each agent's record and routes by it.
fn scale(_: &mut Criterion) {
    let best = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut first = None;
    for agents in [100, 10_000, 100_000] {
        let m = Mmc::sized(agents, 2e6);
        let sc = mmc_abandon(m);
        let customers = run_replication(&sc, 1, 0).counters.arrived;
        let ours = best(&|| {
            black_box(run_replication(&sc, 1, 0).counters.served);
        }) / customers as f64
            * 1e6;
        let plain = best(&|| {
            black_box(bare_heap(m, customers, 1));
        }) / customers as f64
            * 1e6;
        let (o0, p0) = *first.get_or_insert((ours, plain));
        println!(
            "M/M/{agents}+M, {customers} customers: d11sim {ours:.3} us/customer ({:.2}x c = 100), \
             plain heap {plain:.3} us ({:.2}x): d11sim / plain-heap = {:.2}",
            ours / o0,
            plain / p0,
            plain / ours
        );
    }
}

criterion_group!(engine, benches, ratio, scale);
criterion_main!(engine);
