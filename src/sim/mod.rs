//! The simulation: a hecs world stepped in fixed ticks. No terminal, no files:
//! the same level, solution and seed give the same result on every machine.
//!
//! - [`world`] builds the world and runs the systems in order each tick;
//! - [`setup`] is what is fixed for a run; [`state`] the per-tick state the systems share;
//! - [`components`] are the plain data on entities;
//! - [`systems`] are the functions run each tick;
//! - [`station`] holds a fleet's requests and decides their fates; [`queueing`] is the
//!   model of waiting in line it uses;
//! - [`metrics`], [`latency`], [`ledger`] and [`log`] record what happened; [`score`] judges it;
//! - [`view`] reads live figures of things, sources and links for the board;
//! - [`review`] turns a finished run into findings for the results screen's hints.

// `!(x > 0.0)` and its kin are deliberate throughout the model: a NaN that
// slipped through falls on the safe side of the test instead of passing it.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod components;
pub mod latency;
pub mod ledger;
pub mod log;
pub mod metrics;
pub mod queueing;
pub mod review;
pub mod score;
pub mod setup;
pub mod state;
pub mod station;
pub mod streams;
pub mod systems;
#[cfg(test)]
mod testdata;
pub mod view;
pub mod world;

pub use metrics::History;
pub use score::Score;
pub use setup::Setup;
pub use world::{BuildError, Sim};

use crate::format::Checked;

/// The setup of a checked level and solution (no solution: an empty one).
pub fn setup_of(checked: &Checked, seed: Option<u64>) -> Setup {
    let solution = checked
        .solution
        .as_ref()
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    Setup::new(
        checked.catalogue.clone(),
        checked.level.clone(),
        solution,
        seed,
    )
}

/// Builds and runs a checked level and solution to the end, keeping
/// `history` of its ticks (a score needs the last tick's alone).
pub fn run_checked(
    checked: &Checked,
    seed: Option<u64>,
    history: History,
) -> Result<Sim, BuildError> {
    let mut setup = setup_of(checked, seed);
    setup.history = history;
    let mut sim = Sim::new(setup)?;
    sim.run_to_end();
    Ok(sim)
}
