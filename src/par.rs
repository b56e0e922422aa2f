//! A level's par: what a few hundred designs sampled from its palette cost
//! and how available they were, so the results screen can say where the
//! player's run stands ("your cost beats 83% of the designs that met the
//! goal"), the way puzzle games show cost histograms.
//!
//! - [`sample`] draws the designs (changed copies of the solutions beside the
//!   level, and small designs built from scratch), seeded and portable;
//! - [`mutate`] and [`generate`] are the two ways a design is drawn;
//! - [`stats`] turns a par and a player's score into percentiles and histograms;
//! - this module holds the `par.ron` file format and [`make`], which samples,
//!   scores and sorts.

pub mod generate;
pub mod mutate;
pub mod sample;
pub mod stats;

use std::num::NonZeroUsize;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::batch;
use crate::bundled;
use crate::format::load::{self, LoadError};
use crate::format::{InputError, Problem, Severity, SourceFile};
use crate::sim::Score;

/// Designs sampled when `--samples` is not given.
pub const DEFAULT_SAMPLES: u32 = 200;
/// Seed of the sampling when `--seed` is not given: fixed, so every machine
/// that runs `peakload par` on the same level writes the same file.
pub const DEFAULT_SEED: u64 = 1;
/// The par file's name, beside `level.ron`.
pub const FILE_NAME: &str = "par.ron";

/// One sampled design's result, as kept in `par.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename = "Sample", deny_unknown_fields)]
pub struct Record {
    /// The design's number in sampling order (0 is the first drawn).
    pub design: u32,
    /// Where it came from: a solution file's name as written (`reference`),
    /// with the number of random changes made to it (`reference+2`), or
    /// `generated` for a design built from scratch.
    pub from: String,
    /// What the run cost, dollars (rounded to a hundredth of a cent).
    pub cost_usd: f64,
    /// Percent of finished requests that were ok (rounded to 4 decimals).
    pub availability_pct: f64,
    /// Whether it met every goal of the level.
    pub passed: bool,
    /// Stars earned (0 when it failed).
    pub stars: u8,
}

impl Record {
    /// The record of one scored design; rounding here is the only rounding,
    /// so a design scored again gives exactly the stored figures.
    pub fn of(design: u32, from: &str, score: &Score) -> Record {
        Record {
            design,
            from: from.to_string(),
            cost_usd: round4(score.cost_usd),
            availability_pct: round4(score.availability_pct),
            passed: score.passed,
            stars: score.stars,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// A level's par, as written in `par.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename = "Par", deny_unknown_fields)]
pub struct Par {
    /// Id of the level sampled.
    pub level: String,
    /// [`level_hash`] of the level file's text when it was sampled: a par
    /// whose hash no longer matches describes a level that has changed since.
    pub level_hash: String,
    /// Seed of the sampling.
    pub seed: u64,
    /// Designs sampled (the length of `designs`).
    pub samples: u32,
    /// Every design's result, cheapest first.
    pub designs: Vec<Record>,
}

/// Why a par could not be made or read.
#[derive(Debug, Error)]
pub enum ParError {
    /// The par file could not be read or is not RON of the right shape.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// The par file parses but holds something impossible.
    #[error("{0}")]
    Invalid(Box<Problem>),
    /// The par file was made for another version of the level text.
    #[error("warning: {path} was made for another version of the level (run `peakload par` again)")]
    Stale {
        /// The par file.
        path: String,
    },
    /// The level does not check, so there is nothing to sample.
    #[error("{0}")]
    Level(#[from] InputError),
    /// Too few valid designs turned up within the attempts allowed.
    #[error(
        "error: only {found} of the {wanted} designs asked for passed `check` after {attempts} attempts; ask for fewer with --samples, or put more solutions beside the level to start from"
    )]
    TooFew {
        /// Designs asked for.
        wanted: u32,
        /// Valid, distinct designs found.
        found: u32,
        /// Designs drawn.
        attempts: u32,
    },
    /// A sampled design passed `check` but could not be scored.
    #[error("error: sampled design {design} (from {from}) could not be scored: {message}")]
    Score {
        /// Its number in sampling order.
        design: u32,
        /// Where it came from.
        from: String,
        /// Why.
        message: String,
    },
    /// The design could not be written as RON (a bug, not bad input).
    #[error("error: cannot write a design as RON: {0}")]
    Write(#[from] ron::Error),
}

/// FNV-1a (64-bit) of the level text with carriage returns left out, so a
/// checkout with Windows line endings hashes the same. Written out here
/// because std's `DefaultHasher` may change between Rust releases.
pub fn level_hash(text: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = text
        .bytes()
        .filter(|&b| b != b'\r')
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    format!("fnv1a64:{hash:016x}")
}

impl Par {
    /// Whether this par was made from exactly this level text.
    pub fn matches(&self, level_text: &str) -> bool {
        self.level_hash == level_hash(level_text)
    }

    /// Parses and checks a par file; problems name the file, line and column.
    pub fn parse(file: &SourceFile) -> Result<Par, ParError> {
        let par: Par = load::parse(file)?;
        par.validate(file)?;
        Ok(par)
    }

    fn validate(&self, file: &SourceFile) -> Result<(), ParError> {
        let invalid = |field: &str, nth: usize, message: String| {
            // Point at the field of the design at fault (the nth `design:`),
            // or at the top-level field.
            let offset = file
                .text
                .match_indices(field)
                .nth(nth)
                .map_or(0, |(at, _)| at + usize::from(field.starts_with('(')));
            ParError::Invalid(Box::new(file.problem_at_offset(
                Severity::Error,
                offset,
                field.trim_matches(['(', ':']).len(),
                message,
                Some("regenerate the file with `peakload par`".into()),
            )))
        };
        if self.samples as usize != self.designs.len() {
            return Err(invalid(
                "samples:",
                0,
                format!(
                    "samples says {} but the file lists {} designs",
                    self.samples,
                    self.designs.len()
                ),
            ));
        }
        for (i, r) in self.designs.iter().enumerate() {
            let problem = if !(r.cost_usd.is_finite() && r.cost_usd >= 0.0) {
                Some(format!(
                    "design {}: cost {} is not a price",
                    r.design, r.cost_usd
                ))
            } else if !(0.0..=100.0).contains(&r.availability_pct) {
                Some(format!(
                    "design {}: availability {} is not a percentage",
                    r.design, r.availability_pct
                ))
            } else if r.stars > 3 {
                Some(format!("design {}: {} stars is over 3", r.design, r.stars))
            } else {
                None
            };
            if let Some(message) = problem {
                return Err(invalid("(design:", i, message));
            }
        }
        Ok(())
    }

    /// The file's text: a comment saying what it is, then the RON, one design a line.
    pub fn to_text(&self) -> Result<String, ron::Error> {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(true)
            .depth_limit(2);
        let body = ron::ser::to_string_pretty(self, pretty)?;
        Ok(format!(
            "// Par of level {level}: {n} designs sampled from its palette with seed\n\
             // {seed}, each scored with the level's own traffic seed. Written by\n\
             // `peakload par`; do not edit it, run that again when level.ron changes\n\
             // (level_hash tells the game this file no longer matches the level).\n\
             // Each design: its number in sampling order, where it came from (a\n\
             // solution beside the level as written, `name+N` after N random\n\
             // changes, or `generated` from scratch), its cost in dollars, its\n\
             // availability in percent, whether it met the goals, and its stars.\n\
             // Cheapest first.\n{body}\n",
            level = self.level,
            n = self.samples,
            seed = self.seed,
        ))
    }
}

/// A par made, with what the sampling went through to make it.
#[derive(Debug, Clone)]
pub struct Made {
    /// The par.
    pub par: Par,
    /// Designs drawn to find the valid ones.
    pub attempts: u32,
    /// Solution files beside the level that could not start designs, and why.
    pub skipped: Vec<(String, String)>,
}

/// Samples `samples` valid designs from the level (starting from the given
/// solutions), scores them on `threads` threads and sorts them cheapest first.
pub fn make(
    level: &SourceFile,
    starts: &[SourceFile],
    samples: u32,
    seed: u64,
    threads: NonZeroUsize,
) -> Result<Made, ParError> {
    let sampled = sample::sample(level, starts, samples, seed)?;
    let files: Vec<SourceFile> = sampled
        .designs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            load::to_ron(&d.solution).map(|text| SourceFile::new(format!("design-{i}.ron"), text))
        })
        .collect::<Result<_, _>>()?;
    // Scored with the level's own seed: the same traffic the player meets.
    let outcomes = batch::score_all(level, &files, None, threads);
    let mut designs = Vec::with_capacity(outcomes.len());
    for (i, (design, outcome)) in sampled.designs.iter().zip(outcomes).enumerate() {
        let number = u32::try_from(i).unwrap_or(u32::MAX);
        match outcome {
            Ok(score) => designs.push(Record::of(number, &design.from, &score)),
            Err(err) => {
                return Err(ParError::Score {
                    design: number,
                    from: design.from.clone(),
                    message: err.to_string().lines().next().unwrap_or_default().into(),
                });
            }
        }
    }
    designs.sort_by(|a, b| {
        a.cost_usd
            .total_cmp(&b.cost_usd)
            .then(a.design.cmp(&b.design))
    });
    Ok(Made {
        par: Par {
            level: sampled.level_id,
            level_hash: level_hash(&level.text),
            seed,
            samples: u32::try_from(designs.len()).unwrap_or(u32::MAX),
            designs,
        },
        attempts: sampled.attempts,
        skipped: sampled.skipped,
    })
}

/// The par shipped with a bundled level (by folder name or level id), when
/// it has one that matches its level text.
pub fn bundled(name: &str) -> Option<Par> {
    let b = bundled::find(name)?;
    let text = b.par?;
    let par = Par::parse(&SourceFile::new(
        format!("levels/{}/{FILE_NAME}", b.folder),
        text,
    ))
    .ok()?;
    par.matches(b.level).then_some(par)
}

/// The par of a level file: the `par.ron` beside it on disk, or else the
/// bundled par made from the same level text. A par file beside it that is
/// broken or stale is an error, so the caller can say so.
pub fn find_for(level: &SourceFile) -> Result<Option<Par>, ParError> {
    let beside = Path::new(&level.path).with_file_name(FILE_NAME);
    if beside.is_file() {
        let file = load::read(&beside)?;
        let par = Par::parse(&file)?;
        if !par.matches(&level.text) {
            return Err(ParError::Stale { path: file.path });
        }
        return Ok(Some(par));
    }
    Ok(bundled::all()
        .filter(|b| level_hash(b.level) == level_hash(&level.text))
        .find_map(|b| bundled(b.folder)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(design: u32, cost_usd: f64, availability_pct: f64, passed: bool) -> Record {
        Record {
            design,
            from: "reference+1".into(),
            cost_usd,
            availability_pct,
            passed,
            stars: u8::from(passed),
        }
    }

    fn par() -> Par {
        Par {
            level: "08-loose-coupling".into(),
            level_hash: level_hash("Level()"),
            seed: 7,
            samples: 3,
            designs: vec![
                record(2, 1.5, 91.25, false),
                record(0, 2.0, 99.9, true),
                record(1, 3.123_4, 100.0, true),
            ],
        }
    }

    #[test]
    fn the_hash_is_fnv1a_and_ignores_carriage_returns() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(level_hash(""), "fnv1a64:cbf29ce484222325");
        assert_eq!(level_hash("a"), "fnv1a64:af63dc4c8601ec8c");
        assert_eq!(level_hash("a\r\nb"), level_hash("a\nb"));
        assert_ne!(level_hash("a"), level_hash("b"));
    }

    #[test]
    fn a_par_survives_writing_and_reading() {
        let par = par();
        let text = par.to_text().expect("writes");
        assert!(text.starts_with("// Par of level 08-loose-coupling"));
        // One design a line, for diffs that show which design moved.
        assert!(
            text.contains("\n        Sample(design: 0, from: \"reference+1\", cost_usd: 2.0,"),
            "{text}"
        );
        let back = Par::parse(&SourceFile::new("par.ron", text)).expect("parses");
        assert_eq!(back, par);
        assert!(back.matches("Level()"));
        assert!(!back.matches("Level( )"));
    }

    #[test]
    fn broken_par_files_name_the_line() {
        let text = par().to_text().expect("writes");
        let broken = text.replace("samples: 3", "samples: three");
        let err = Par::parse(&SourceFile::new("x/par.ron", broken)).expect_err("bad");
        let shown = err.to_string();
        assert!(shown.contains("x/par.ron:14:"), "{shown}");

        let wrong = text.replace("availability_pct: 100.0", "availability_pct: 140.0");
        let err = Par::parse(&SourceFile::new("x/par.ron", wrong)).expect_err("bad");
        let shown = err.to_string();
        assert!(shown.contains("design 1: availability 140"), "{shown}");
        assert!(shown.contains("x/par.ron:18:"), "{shown}");

        let short = text.replace("samples: 3", "samples: 4");
        let err = Par::parse(&SourceFile::new("x/par.ron", short)).expect_err("bad");
        assert!(err.to_string().contains("lists 3 designs"), "{err}");
    }
}
