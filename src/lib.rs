//! peakload: a terminal game that teaches cloud compute.
//!
//! - [`format`] turns level, solution and catalogue files into checked data
//!   (parse errors and meaning errors both name file, line and column);
//! - [`sim`] runs the hecs world: traffic, servers, scaling, queueing, cost, score;
//! - [`bundled`] holds the levels that ship with the game;
//! - [`tui`] is the game on the terminal (campaign, board, runs, results);
//! - [`cli`] is the command line (the game, `play`, `sandbox`, `score`, `check`, `levels`, `new`);
//! - [`starter`] writes a commented starter level for `peakload new`;
//! - [`atomic`] writes files so a crash never leaves half of one, and never replaces a device;
//! - [`files`] opens files others wrote (regular files only, size-limited, never blocking) and makes names safe to print;
//! - [`batch`] scores many solutions of one level on every core;
//! - [`par`] samples designs from a level's palette for the results screen's histograms;
//! - [`verify`] searches for ★★★ designs that do without an idea a level `teaches`.
#![forbid(unsafe_code)]

pub mod atomic;
pub mod batch;
pub mod bundled;
pub mod cli;
pub mod files;
pub mod format;
pub mod par;
pub mod sim;
pub mod starter;
pub mod tui;
pub mod verify;
