//! Meaning checks, run after parsing: every problem is reported, not just the first.
//!
//! - [`level`] checks a level file on its own;
//! - [`solution`] checks a solution against its level;
//! - [`things`] checks one placed thing, wherever it is placed;
//! - [`links`] holds the link rules and what reaches each thing;
//! - [`sizes`] and [`cost`] hold files to the bounds of [`super::bounds`].

mod cost;
mod level;
mod links;
mod sizes;
mod solution;
mod things;

pub use super::bounds::*;
pub use links::{Refusal, link_refusal, link_rule};

use super::catalogue::Catalogue;
use super::level::Level;
use super::locate::Reporter;
use super::problem::{Problem, SourceFile};
use super::solution::Solution;
use level::LevelChecks;
use sizes::{level_sizes, solution_sizes};
use solution::SolutionChecks;

/// Checks a level's meaning against the catalogue.
pub fn check_level(catalogue: &Catalogue, level: &Level, file: &SourceFile) -> Vec<Problem> {
    let mut r = Reporter::new(file);
    // Sizes first: past them the other checks (some quadratic) are not worth running.
    if level_sizes(level, &mut r) {
        LevelChecks {
            catalogue,
            level,
            r: &mut r,
        }
        .run();
    }
    r.finish()
}

/// Checks a solution's meaning against its level and the catalogue.
pub fn check_solution(
    catalogue: &Catalogue,
    level: &Level,
    solution: &Solution,
    file: &SourceFile,
) -> Vec<Problem> {
    check_solution_in(catalogue, level, None, solution, file)
}

/// Checks a solution against its level; problems about what the level
/// places (its pre-placed things and links, its events) point into
/// `level_file` when it is given.
pub fn check_solution_in(
    catalogue: &Catalogue,
    level: &Level,
    level_file: Option<&SourceFile>,
    solution: &Solution,
    file: &SourceFile,
) -> Vec<Problem> {
    let mut r = Reporter::with_level(file, level_file);
    // A level too big to check is reported against the level file; checking a
    // solution against it would be as slow.
    let level_fits = level_sizes(level, &mut Reporter::new(&SourceFile::new("", "")));
    if level_fits && solution_sizes(level, solution, &mut r) {
        SolutionChecks {
            catalogue,
            level,
            solution,
            r: &mut r,
        }
        .run();
    }
    r.finish()
}

/// A warning when a level's id is not the name of the folder it was read
/// from: progress is saved under the id, and `peakload score 06` finds a
/// bundled level by its folder. (A warning, not an error: a teacher may be
/// trying out a copy in another folder.)
pub fn check_folder_name(level: &Level, file: &SourceFile, folder: &str) -> Vec<Problem> {
    if level.id == folder {
        return Vec::new();
    }
    let mut r = Reporter::new(file);
    r.warn(
        super::code::Code::FolderMismatch,
        super::locate::Spot::At(super::spans::Path::of("id")),
        format!(
            "the level id `{}` is not the name of its folder `{folder}`",
            level.id
        ),
        Some(format!(
            "write id: \"{folder}\", or rename the folder (players' progress is kept under the id)"
        )),
    );
    r.finish()
}
