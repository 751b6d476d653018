//! Staffing: how many agents, and when. The handbook's formula (`formula`), exact queueing
//! staffing per interval (`erlang`, `analytic`), the simulation-based requirement
//! (`optimize`) and shift plans that cover a requirement (`shifts`).

pub mod analytic;
pub mod erlang;
pub mod formula;
pub mod optimize;
pub mod shifts;
