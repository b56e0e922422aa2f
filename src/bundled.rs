//! The levels that ship with the game, embedded at build time from `levels/`.

use crate::format::SourceFile;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// A bundled level folder.
#[derive(Debug, Clone, Copy)]
pub struct BundledLevel {
    /// Folder name, e.g. `01-on-prem-dilemma`.
    pub folder: &'static str,
    /// Text of `level.ron`.
    pub level: &'static str,
    /// Text of `reference.ron`, the three-star solution.
    pub reference: Option<&'static str>,
    /// Text of `naive.ron`, the design the lesson shows failing.
    pub naive: Option<&'static str>,
    /// Text of `par.ron`, the sampled designs' costs and availability.
    pub par: Option<&'static str>,
    /// Every solution file in the folder (`reference.ron` and `naive.ron`
    /// among them), as (file name, text) in the byte order of the names:
    /// what `par` and `verify` start from, as they would from the folder.
    pub solutions: &'static [(&'static str, &'static str)],
}

impl BundledLevel {
    /// The level as a source file with its repository path.
    pub fn level_file(&self) -> SourceFile {
        SourceFile::new(format!("levels/{}/level.ron", self.folder), self.level)
    }

    /// A solution of this level as a source file, by name without `.ron`
    /// (`reference`, `naive`, or any other file in the folder).
    pub fn solution_file(&self, which: &str) -> Option<SourceFile> {
        self.solution_files()
            .find(|f| f.path.ends_with(&format!("/{which}.ron")))
    }

    /// Every solution file of this level, in name order, with its repository path.
    pub fn solution_files(&self) -> impl Iterator<Item = SourceFile> + '_ {
        self.solutions
            .iter()
            .map(|&(name, text)| SourceFile::new(format!("levels/{}/{name}", self.folder), text))
    }
}

/// Every bundled level in campaign order.
pub fn all() -> impl Iterator<Item = BundledLevel> {
    BUNDLED.iter().map(
        |&(folder, level, reference, naive, par, solutions)| BundledLevel {
            folder,
            level,
            reference,
            naive,
            par,
            solutions,
        },
    )
}

/// Finds a bundled level by folder name, or by its number (`01`, `1`).
pub fn find(name: &str) -> Option<BundledLevel> {
    let name = name.trim_end_matches('/');
    let name = name.strip_prefix("levels/").unwrap_or(name);
    all().find(|l| {
        l.folder == name
            || l.folder.split('-').next().is_some_and(|n| {
                n == name
                    || n.trim_start_matches('0') == name.trim_start_matches('0') && !name.is_empty()
            })
    })
}
