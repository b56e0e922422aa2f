//! The queueing model: what waiting in a line looks like at any tick length.
//!
//! - [`mmc`]: the M/M/c steady state in closed form (Erlang B and C,
//!   exponential waits and response times);
//! - [`chain`]: the number in a line as a distribution stepped by the
//!   forward equations, for a line still settling after a change;
//! - [`light`]: a line far below its servers in closed form (M/M/∞);
//! - [`tails`]: waits behind a known number ahead, to weigh such a distribution;
//! - [`line`]: one line's state from tick to tick (stationary, evolving or
//!   fluid) and how each workload's arrivals fare in it.

pub mod chain;
pub mod light;
pub mod line;
pub mod mmc;
pub mod tails;
