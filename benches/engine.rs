//! Speed of the simulator core.
//!
//! - `engine/mmc_abandon/100_agents`: M/M/100+M (offered load 95 Erlangs, mean work 180 s,
//!   mean patience 120 s), one replication of ~200,000 customers on one thread; throughput
//!   in customers per second (target >= 3 M/s).
//! - `engine/bare_heap/100_agents`: the same queue as a bare BinaryHeap loop with no
//!   metrics, for scale (what the engine costs on top of the floor).
//! - `scenario/double11_default/1_replication`: the embedded default scenario, one
//!   replication (target < 1 s).

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

const LAMBDA: f64 = 95.0 / 180.0;
const HORIZON_MIN: u64 = 6_300; // 105 h: ~200,000 customers

fn mmc_abandon() -> Scenario {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erlang_a.toml"),
    )
    .unwrap();
    let mut raw = scenario::parse(&text, "erlang_a.toml").unwrap();
    raw.arrivals.constant_per_hour = Some(LAMBDA * 3600.0);
    raw.groups[0].count = 100;
    raw.patience.first_reply.default = Some(DurationFile {
        dist: "exponential".into(),
        mean_s: Some(120.0),
        ..Default::default()
    });
    raw.end = format!(
        "01-{:02} {:02}:{:02}",
        1 + HORIZON_MIN / 1440,
        HORIZON_MIN % 1440 / 60,
        HORIZON_MIN % 60
    );
    raw.warmup_h = 0.0;
    raw.interval_min = HORIZON_MIN as f64;
    Scenario::from_file(&raw, "bench", Path::new(".")).unwrap()
}

/// M/M/c+M with nothing but a heap, a FIFO and counters: a floor for the engine's cost.
fn bare_heap(customers: u64, seed: u64) -> u64 {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Kind {
        Arrival,
        Done,
        Patience(u64),
    }
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let (arr, work, pat) = (
        Exp::new(LAMBDA).unwrap(),
        Exp::new(1.0 / 180.0).unwrap(),
        Exp::new(1.0 / 120.0).unwrap(),
    );
    let mut heap: BinaryHeap<Reverse<(u64, u64, Kind)>> = BinaryHeap::new();
    let us = |s: f64| (s * 1e6) as u64;
    let (mut seq, mut free, mut served, mut arrived) = (0u64, 100u32, 0u64, 0u64);
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

fn benches(c: &mut Criterion) {
    let sc = mmc_abandon();
    let customers = run_replication(&sc, 1, 0).counters.arrived;
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.throughput(Throughput::Elements(customers));
    g.bench_function("mmc_abandon/100_agents", |b| {
        b.iter(|| black_box(run_replication(&sc, 1, 0).counters.served))
    });
    g.bench_function("bare_heap/100_agents", |b| {
        b.iter(|| black_box(bare_heap(customers, 1)))
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
/// heap simulation's, both timed in this run, interleaved, median of 9 each.
fn ratio(_: &mut Criterion) {
    let sc = mmc_abandon();
    let customers = run_replication(&sc, 1, 0).counters.arrived;
    let time = |f: &dyn Fn()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    let (mut ours, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        ours.push(time(&|| {
            black_box(run_replication(&sc, 1, 0).counters.served);
        }));
        plain.push(time(&|| {
            black_box(bare_heap(customers, 1));
        }));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (median(&mut ours), median(&mut plain));
    println!(
        "M/M/100+M, {customers} customers: d11sim {:.2} M customers/s, plain heap {:.2} M/s: \
         d11sim / plain-heap = {:.2}",
        customers as f64 / a / 1e6,
        customers as f64 / b / 1e6,
        b / a
    );
}

criterion_group!(engine, benches, ratio);
criterion_main!(engine);
