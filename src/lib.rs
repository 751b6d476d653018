//! d11sim: placeholder crate docs (rewritten below once the layout settles).
#![forbid(unsafe_code)]

pub mod arrivals;
pub mod class;
pub mod conversation;
pub mod distribution;
pub mod engine;
pub mod kpi;
pub mod metrics;
pub mod output;
pub mod model;
pub mod patience;
pub mod random;
pub mod replicate;
pub mod roster;
pub mod routing;
pub mod scenario;
pub mod stats;
