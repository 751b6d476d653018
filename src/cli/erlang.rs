//! `d11sim erlang`: the Erlang C / A calculator for one stationary queue.

use d11sim::staffing::erlang::{Metrics, Queue, StaffTarget, render as render_erlang};

use crate::Failure;

#[derive(clap::Args)]
pub(crate) struct ErlangArgs {
    /// Arrivals per hour.
    #[arg(long)]
    arrivals_per_hour: f64,
    /// Mean handle time (work per conversation at speed 1), seconds.
    #[arg(long)]
    handle_s: f64,
    /// Mean patience, seconds (Erlang A); without it nobody abandons (Erlang C).
    #[arg(long)]
    patience_s: Option<f64>,
    /// Chats per agent.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    chats: u32,
    /// Speed of each chat while an agent holds 1, 2, ... chats (comma-separated; default 1).
    #[arg(long, value_delimiter = ',')]
    speed: Vec<f64>,
    /// Evaluate this many agents.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    agents: Option<u32>,
    /// Find the fewest agents meeting every target: service_level>=X, asa_s<=X,
    /// p_abandon<=X, p_wait<=X, occupancy<=X (repeatable).
    #[arg(long)]
    target: Vec<String>,
    /// Service-level threshold, seconds.
    #[arg(long, default_value_t = 20.0)]
    sl_s: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `d11sim erlang`.
pub(crate) fn erlang(args: &ErlangArgs) -> Result<(), Failure> {
    let bad = |m: String| Failure::BadInput(m);
    // the documented ranges: times as a scenario's, rates and speeds far beyond any store
    let within = |k: &str, x: f64, lo: f64, hi: f64| {
        if x.is_finite() && x >= lo && x <= hi {
            Ok(x)
        } else {
            Err(bad(format!(
                "--{k} must lie in {}..={}, got {}",
                d11sim::input::number(lo),
                d11sim::input::number(hi),
                d11sim::input::number(x)
            )))
        }
    };
    use d11sim::scenario::distributions::{MAX_TIME_S, MIN_TIME_S};
    let queue = Queue {
        lambda: within("arrivals-per-hour", args.arrivals_per_hour, 1e-6, 1e9)? / 3600.0,
        handle_s: within("handle-s", args.handle_s, MIN_TIME_S, MAX_TIME_S)?,
        patience_s: args
            .patience_s
            .map(|p| within("patience-s", p, MIN_TIME_S, MAX_TIME_S))
            .transpose()?,
        chats: args.chats,
        speed: if args.speed.is_empty() {
            vec![1.0]
        } else {
            args.speed.clone()
        },
    };
    for s in &queue.speed {
        within("speed", *s, 1e-3, 1e3)?;
    }
    queue.check().map_err(bad)?;
    if !(args.sl_s.is_finite() && args.sl_s >= 0.0 && args.sl_s <= MAX_TIME_S) {
        return Err(bad(format!(
            "--sl-s must be a finite number >= 0, got {}",
            args.sl_s
        )));
    }
    let targets = args
        .target
        .iter()
        .map(|t| StaffTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let unstable = |c: u32| {
        bad(format!(
            "with {c} agents the queue grows without bound (offered load at or above capacity, nobody abandons)"
        ))
    };
    let rows: Vec<Metrics> = match (args.agents, targets.is_empty()) {
        (Some(c), _) if queue.check_agents(c).is_err() => {
            return Err(bad(queue.check_agents(c).unwrap_err()));
        }
        (Some(c), _) if queue.stable(c) => vec![queue.metrics(c, args.sl_s)],
        (Some(c), _) => return Err(unstable(c)),
        (None, false) => vec![queue.staff(&targets, args.sl_s, 1_000_000).ok_or_else(|| {
            bad(format!(
                "no pool of up to {} agents (the calculator's limit with {} chats each) \
                     meets the targets",
                queue.agents_limit().min(1_000_000),
                queue.chats
            ))
        })?],
        (None, true) => {
            // from a little below the pool that matches the offered load
            let per_agent = f64::from(queue.chats)
                * queue
                    .speed
                    .get(queue.chats as usize - 1)
                    .or(queue.speed.last())
                    .copied()
                    .unwrap_or(1.0);
            let near = (queue.lambda * queue.handle_s / per_agent).floor() as u32;
            let first = (near.saturating_sub(5).max(1)..)
                .find(|&c| queue.stable(c))
                .unwrap_or(1);
            queue.check_agents(first + 14).map_err(bad)?;
            (first..first + 15)
                .map(|c| queue.metrics(c, args.sl_s))
                .collect()
        }
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        out!("{}", render_erlang(&queue, &rows));
    }
    Ok(())
}
