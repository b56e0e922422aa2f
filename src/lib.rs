//! peakload: a terminal game that teaches cloud compute.
//!
//! - [`format`] turns level, solution and catalogue files into checked data
//!   (parse errors and meaning errors both name file, line and column);
//! - [`sim`] runs the hecs world: traffic, servers, scaling, queueing, cost, score;
//! - [`bundled`] holds the levels that ship with the game;
//! - [`cli`] is the command line (`score`, `check`, `levels`).
#![forbid(unsafe_code)]

pub mod bundled;
pub mod cli;
pub mod format;
pub mod sim;
