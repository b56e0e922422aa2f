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
}

impl BundledLevel {
    /// The level as a source file with its repository path.
    pub fn level_file(&self) -> SourceFile {
        SourceFile::new(format!("levels/{}/level.ron", self.folder), self.level)
    }

    /// A solution of this level as a source file, by name (`reference` or `naive`).
    pub fn solution_file(&self, which: &str) -> Option<SourceFile> {
        let text = match which {
            "reference" => self.reference?,
            "naive" => self.naive?,
            _ => return None,
        };
        Some(SourceFile::new(
            format!("levels/{}/{which}.ron", self.folder),
            text,
        ))
    }
}

/// Every bundled level in campaign order.
pub fn all() -> impl Iterator<Item = BundledLevel> {
    BUNDLED
        .iter()
        .map(|&(folder, level, reference, naive, par)| BundledLevel {
            folder,
            level,
            reference,
            naive,
            par,
        })
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
