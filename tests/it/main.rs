//! d11sim's integration tests, one binary. Modules:
//! - `erlang`: the `sessions` model against exact Erlang C, Erlang A and finite-room
//!   M/M/c/(c+w) values from `tests/data/reference/` (K = 1, and K = 5 with speed 1), by
//!   the reference's protocol
//! - `conservation`: arrived = served + abandoned + in system, over many seeds
//! - `determinism`: the same seed gives byte-identical outputs for any thread count
//! - `inbox`: every KPI definition on tiny scenarios with exact counts; 留言, the
//!   platform closing left chats, the waiting-line cap, priority inside the inbox
//! - `model`: shifts, priority windows, hand-over, retrials, custom routers, warnings,
//!   分流 tiers, soft caps and weights
//! - `plans`: bot, network, conversion and plan variants (equivalences and directions)
//! - `scenarios`: every shipped scenario validates and runs; the embedded default matches
//! - `bad_input`: every kind of bad input gives exit 2, a message naming the file, the
//!   key or line and the rule, and writes no output
//! - `budget`: inputs beyond the documented limits (derived distribution parameters,
//!   expected arrivals, series intervals, CSV sums and non-files, calculator, sweep and
//!   bench flags) are refused the same way, never a panic or a hang
//! - `fuzz`: mutants of the shipped scenarios (edge values, wrong types, removed keys) are
//!   refused with a one-line message naming the file, or validate and run; never a panic
//! - `service`: the routing service on loopback: the protocol, the simulation with the
//!   service in the loop, failures counted at the timeout, loopback safety
//! - `shard`: `run --shard I/N` and `merge` give the unsharded outputs byte for byte;
//!   shards of other runs, missing or duplicate shards are refused by name
//! - `slurm`: a real Slurm job array of shards, and `submit.sh --wait` on a failed task
//!   (ignored by a plain `cargo test`: they need a cluster)
//! - `staffing`: exact Erlang B, C and A formulas against the reference values; the
//!   formula, analytic requirement, shift plans and sweeps
//! - `optimize`: the simulation-based staffing optimiser and its shift plan
//! - `report`: the war-room report's files, PNGs, determinism, and the page in headless
//!   Chromium
//! - `verdicts`: the terminal, summary.json, `--fail-on-targets` and the page give one
//!   verdict per target (default, a CSV store, a staffing run)
//! - `calibrate`: `run --log` then `calibrate` on scenarios with known inputs: coverage of
//!   the 95% intervals over many seeds, silent leavers, a foreign GBK export, bad logs
//! - `calibrate_effort`: effort per reply and the switching penalty from the message log's
//!   chain of replies, coverage over seeds, with and without a 您好
//! - `calibrate_report`: the calibration page's charts, figures and language
//! - `forecast`: the re-forecast's files and arithmetic, its rest read as a scenario's
//!   arrivals, the back-test, bad inputs
//! - `nowcast`: `run --snapshot-at`, the nowcast's files and answer, common random numbers
//!   across moves, counts-only states, refused states
//! - `nowcast_moves`: what each nowcast move does to the scenario, moves refused by key
//! - `nowcast_bands`: the nowcast's 90% bands on 72 truth days at 0.7-1.5 times the plan's
//!   volume: coverage of 00:00-01:00 and the error against the plan-only forecast's
//! - `warm`: an empty state is a cold start; a snapshot resumed gives the uninterrupted
//!   runs' distribution of the next hours (paired, over many replications), with the
//!   bot's sessions and queue, the retrial orbit and the `sessions` model too; bot
//!   states refused by field
//! - `common`: helpers shared by the modules above

mod bad_input;
mod budget;
mod calibrate;
mod calibrate_effort;
mod calibrate_report;
mod common;
mod conservation;
mod determinism;
mod erlang;
mod forecast;
mod fuzz;
mod hardening;
mod inbox;
mod model;
mod nowcast;
mod nowcast_bands;
mod nowcast_moves;
mod optimize;
mod plans;
mod report;
mod scenarios;
mod service;
mod shard;
mod slurm;
mod staffing;
mod verdicts;
mod warm;
mod whole_night;
