//! Calibration from a store's own log: patience with censoring ([`survival`]), and the
//! arrival curve, class mix, handling, bot and message counts of a conversation log
//! ([`collect`], [`estimate`]).

pub mod collect;
pub mod concurrency;
pub mod effort;
pub mod estimate;
pub mod fits;
pub mod holdout;
pub mod mixture;
pub mod survival;
pub mod write;
