//! The command's subcommands that outgrew `main.rs`.

pub(crate) mod bench;
pub(crate) mod bench_report;
pub(crate) mod bench_shard;
pub(crate) mod calibrate;
pub(crate) mod erlang;
pub(crate) mod forecast;
pub(crate) mod formula;
pub(crate) mod log;
pub(crate) mod nowcast;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod roster_file;
pub(crate) mod shard;
pub(crate) mod snapshot;
pub(crate) mod staff;
pub(crate) mod staff_report;
pub(crate) mod sweep;
