//! Drawing valid designs for a level's par: mostly changed copies of the
//! solutions beside the level, some built from scratch, every one checked.
//!
//! The draws come from one ChaCha8 stream seeded from `--seed`, read only
//! through [`Dice`] (whole 32- and 64-bit words, no platform-sized
//! integers), and designs are drawn one after another before any is scored,
//! so the same seed gives the same designs on every machine and core count.

use std::collections::BTreeSet;
use std::path::Path;

use rand::rngs::ChaCha8Rng;
use rand::{Rng as _, SeedableRng as _};

use super::{ParError, generate, mutate};
use crate::format::catalogue::InstanceType;
use crate::format::{self, Catalogue, Level, Solution, SourceFile, load};

/// Designs drawn per design wanted before sampling gives up.
pub const ATTEMPTS_PER_SAMPLE: u32 = 25;
/// Share of draws that change a starting solution (the rest are built from
/// scratch): changed solutions are plausible designs, most of them near the
/// goal, where the interesting part of the cost histogram is.
const CHANGED_SHARE: f64 = 0.8;
/// Most random changes made to one starting solution.
const MOST_CHANGES: u32 = 3;

/// The sampling's source of chance.
#[derive(Debug)]
pub struct Dice(ChaCha8Rng);

impl Dice {
    /// Dice seeded so the same seed always rolls the same numbers.
    pub fn new(seed: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A whole number in `0..n` (0 when `n` is 0). Multiply-and-shift keeps
    /// it to one draw; the bias is far below anything a histogram shows.
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// A number in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of the items (None when there are none).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
        items.get(self.below(n) as usize)
    }

    /// One of the items, by copy, or `fallback` when there are none.
    pub fn pick_or<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        self.pick(items).copied().unwrap_or(fallback)
    }
}

/// What designs may be built from: the level and its palette.
#[derive(Debug, Clone, Copy)]
pub struct Palette<'a> {
    /// The level.
    pub level: &'a Level,
    /// The catalogue.
    pub catalogue: &'a Catalogue,
}

impl<'a> Palette<'a> {
    /// Instance types the level allows (every type when its palette names none).
    pub fn instance_types(&self) -> Vec<&'a InstanceType> {
        let allowed = &self.level.palette.instance_types;
        self.catalogue
            .instance_types
            .iter()
            .filter(|t| allowed.is_empty() || allowed.contains(&t.name))
            .collect()
    }

    /// Server models the level allows.
    pub fn server_models(&self) -> Vec<&'a str> {
        let allowed = &self.level.palette.server_models;
        self.catalogue
            .on_prem_servers
            .iter()
            .map(|m| m.name.as_str())
            .filter(|m| allowed.is_empty() || allowed.iter().any(|a| a == m))
            .collect()
    }

    /// Whether the palette offers this kind of thing.
    pub fn has(&self, kind: format::solution::ThingKind) -> bool {
        self.level.palette.things.contains(&kind)
    }
}

/// One design drawn.
#[derive(Debug, Clone)]
pub struct Design {
    /// Where it came from (see [`super::Record::from`]).
    pub from: String,
    /// The architecture.
    pub solution: Solution,
}

/// What a sampling found.
#[derive(Debug, Clone)]
pub struct Sampled {
    /// The level's id.
    pub level_id: String,
    /// Valid, distinct designs in the order drawn.
    pub designs: Vec<Design>,
    /// Designs drawn in all (the starting solutions as written count as drawn).
    pub attempts: u32,
    /// Starting solutions that did not check, and the first line of why.
    pub skipped: Vec<(String, String)>,
}

/// A starting solution and its name.
struct Start {
    name: String,
    solution: Solution,
}

/// Draws `samples` designs that pass `check` against the level, none twice:
/// first the starting solutions as written, then changed copies of them and
/// designs built from scratch. Gives up with [`ParError::TooFew`] after
/// [`ATTEMPTS_PER_SAMPLE`] draws per design wanted.
pub fn sample(
    level_file: &SourceFile,
    starts: &[SourceFile],
    samples: u32,
    seed: u64,
) -> Result<Sampled, ParError> {
    let checked = format::check_texts(level_file.clone(), None)?;
    let palette = Palette {
        level: &checked.level,
        catalogue: &checked.catalogue,
    };
    let mut skipped = Vec::new();
    let mut ready = Vec::new();
    for file in starts {
        match format::check_texts(level_file.clone(), Some(file.clone())) {
            Ok(c) => {
                if let Some((solution, _)) = c.solution {
                    ready.push(Start {
                        name: stem(&file.path),
                        solution,
                    });
                }
            }
            Err(err) => {
                let why = err.to_string();
                skipped.push((
                    file.path.clone(),
                    why.lines().next().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    let mut found = Found {
        level_file,
        wanted: samples as usize,
        designs: Vec::new(),
        seen: BTreeSet::new(),
    };
    for s in &ready {
        found.offer(&s.name, s.solution.clone())?;
    }
    let mut dice = Dice::new(seed);
    let most = samples.saturating_mul(ATTEMPTS_PER_SAMPLE);
    let mut attempts = 0;
    let as_written = u32::try_from(ready.len()).unwrap_or(u32::MAX);
    while !found.full() && attempts < most {
        attempts += 1;
        let change = !ready.is_empty() && dice.chance(CHANGED_SHARE);
        let drawn = match dice.pick(&ready) {
            Some(start) if change => {
                let mut solution = start.solution.clone();
                let changes = 1 + dice.below(MOST_CHANGES);
                for _ in 0..changes {
                    mutate::once(&mut solution, &palette, &mut dice);
                }
                Some((format!("{}+{changes}", start.name), solution))
            }
            _ => generate::design(&palette, &mut dice).map(|s| ("generated".to_string(), s)),
        };
        if let Some((from, solution)) = drawn {
            found.offer(&from, solution)?;
        }
    }
    let attempts = attempts.saturating_add(as_written);
    if !found.full() {
        return Err(ParError::TooFew {
            wanted: samples,
            found: u32::try_from(found.designs.len()).unwrap_or(u32::MAX),
            attempts,
        });
    }
    Ok(Sampled {
        level_id: checked.level.id.clone(),
        designs: found.designs,
        attempts,
        skipped,
    })
}

/// The designs kept so far.
struct Found<'a> {
    level_file: &'a SourceFile,
    wanted: usize,
    designs: Vec<Design>,
    /// The text of every design kept, so none is kept twice.
    seen: BTreeSet<String>,
}

impl Found<'_> {
    fn full(&self) -> bool {
        self.designs.len() >= self.wanted
    }

    /// Keeps a design if it is new and passes `check` with no errors.
    fn offer(&mut self, from: &str, solution: Solution) -> Result<(), ParError> {
        if self.full() {
            return Ok(());
        }
        let text = load::to_ron(&solution)?;
        if self.seen.contains(&text) {
            return Ok(());
        }
        let file = SourceFile::new(format!("design-{}.ron", self.designs.len()), text.clone());
        if format::check_texts(self.level_file.clone(), Some(file)).is_ok() {
            self.seen.insert(text);
            self.designs.push(Design {
                from: from.to_string(),
                solution,
            });
        }
        Ok(())
    }
}

/// A solution file's name without folder or extension (`reference`).
fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_roll_the_same_for_the_same_seed() {
        let roll = |seed| {
            let mut d = Dice::new(seed);
            (0..8).map(|_| d.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(roll(1), roll(1));
        assert_ne!(roll(1), roll(2));
        let mut d = Dice::new(3);
        assert!((0..1000).all(|_| d.below(7) < 7));
        assert_eq!(d.below(0), 0);
        assert!((0..1000).map(|_| d.unit()).all(|u| (0.0..1.0).contains(&u)));
        assert_eq!(d.pick::<u8>(&[]), None);
    }
}
