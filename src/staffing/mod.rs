//! Staffing: how many agents, and when. The handbook's formula (`formula`) and exact
//! queueing staffing per interval (`erlang`).

pub mod analytic;
pub mod erlang;
pub mod formula;
pub mod shifts;
