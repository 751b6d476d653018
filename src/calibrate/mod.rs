//! Fitting a scenario's inputs from a store's own log (in progress): so far the patience
//! fits with censoring ([`survival`]).

pub mod survival;
