//! The player's progress and built architectures, kept in the user's data
//! directory and written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::strings::Lang;
use crate::atomic::write_atomically;

/// Version of the progress file this build writes.
pub const PROGRESS_VERSION: u32 = 1;

/// Everything remembered between games.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    /// Format version, so an older save can be read by a newer game.
    pub version: u32,
    /// Language last chosen on the campaign map.
    pub lang: Option<Lang>,
    /// Best result per level id.
    pub levels: BTreeMap<String, LevelRecord>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            version: PROGRESS_VERSION,
            lang: None,
            levels: BTreeMap::new(),
        }
    }
}

/// The best result on one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LevelRecord {
    /// Whether the goals were ever met.
    pub passed: bool,
    /// Most stars earned.
    pub stars: u8,
    /// Cheapest passing run, dollars.
    pub best_cost_usd: Option<f64>,
}

impl Progress {
    /// Stars earned on a level (0 when never passed).
    pub fn stars(&self, level: &str) -> u8 {
        self.levels.get(level).map_or(0, |r| r.stars)
    }

    /// Whether a level was ever passed.
    pub fn passed(&self, level: &str) -> bool {
        self.levels.get(level).is_some_and(|r| r.passed)
    }

    /// Records a finished run; returns whether it improved the record.
    pub fn record(&mut self, level: &str, passed: bool, stars: u8, cost_usd: f64) -> bool {
        let entry = self.levels.entry(level.to_string()).or_default();
        let before = *entry;
        entry.passed |= passed;
        entry.stars = entry.stars.max(stars);
        if passed {
            entry.best_cost_usd = Some(entry.best_cost_usd.map_or(cost_usd, |c| c.min(cost_usd)));
        }
        *entry != before
    }
}

/// Where saves live: `$PEAKLOAD_DATA_DIR`, else the platform's data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: Option<PathBuf>,
}

/// What loading the progress file found.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// No save yet, or one read cleanly.
    Clean,
    /// The save could not be read; it was kept beside as `.bak` and the game starts fresh.
    Recovered {
        /// Where the unreadable file was moved.
        kept_as: PathBuf,
    },
}

impl Store {
    /// The store for this user (none when no home directory can be found: nothing is saved).
    pub fn locate() -> Store {
        let dir = std::env::var_os("PEAKLOAD_DATA_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                directories::ProjectDirs::from("", "", "peakload")
                    .map(|p| p.data_dir().to_path_buf())
            });
        Store { dir }
    }

    /// A store in a given directory (tests).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store {
            dir: Some(dir.into()),
        }
    }

    /// A store that remembers nothing.
    pub fn none() -> Store {
        Store { dir: None }
    }

    /// The directory, if saving is possible.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn progress_path(&self) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join("progress.ron"))
    }

    /// Reads the progress file; an unreadable one is moved aside to `.bak` rather than overwritten.
    pub fn load(&self) -> (Progress, Loaded) {
        let Some(path) = self.progress_path() else {
            return (Progress::default(), Loaded::Clean);
        };
        let parsed = match std::fs::read_to_string(&path) {
            Ok(text) => ron::from_str::<Progress>(&text).ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Progress::default(), Loaded::Clean);
            }
            // Unreadable (not UTF-8, no permission): kept aside like a corrupt one.
            Err(_) => None,
        };
        match parsed {
            Some(p) => (p, Loaded::Clean),
            None => {
                let kept_as = path.with_extension("ron.bak");
                let _ = std::fs::rename(&path, &kept_as);
                (Progress::default(), Loaded::Recovered { kept_as })
            }
        }
    }

    /// Writes the progress file atomically.
    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let Some(path) = self.progress_path() else {
            return Ok(());
        };
        let text = ron::ser::to_string_pretty(progress, ron::ser::PrettyConfig::default())
            .map_err(std::io::Error::other)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomically(&path, &text)
    }

    /// Where the player's architecture for a level is kept.
    pub fn solution_path(&self, level: &str) -> Option<PathBuf> {
        let safe: String = level
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Some(
            self.dir
                .as_ref()?
                .join("solutions")
                .join(format!("{safe}.ron")),
        )
    }

    /// The player's last architecture for a level, as text.
    pub fn load_solution(&self, level: &str) -> Option<(PathBuf, String)> {
        let path = self.solution_path(level)?;
        let text = std::fs::read_to_string(&path).ok()?;
        Some((path, text))
    }
}

/// Writes a solution file atomically, creating its directory.
pub fn save_text(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_atomically(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("peakload-progress-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn progress_round_trips_and_keeps_the_best() {
        let dir = temp_dir("round");
        let store = Store::at(&dir);
        let mut p = Progress::default();
        assert!(p.record("01", true, 2, 30.0));
        assert!(!p.record("01", false, 0, 10.0));
        assert!(p.record("01", true, 3, 25.0));
        store.save(&p).unwrap();
        let (back, loaded) = store.load();
        assert_eq!(loaded, Loaded::Clean);
        assert_eq!(back, p);
        assert_eq!(back.stars("01"), 3);
        assert_eq!(back.levels["01"].best_cost_usd, Some(25.0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_save_is_kept_aside_and_the_game_starts_fresh() {
        let dir = temp_dir("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("progress.ron"),
            "(version: 1, levels: {\"01\": (pas",
        )
        .unwrap();
        let store = Store::at(&dir);
        let (p, loaded) = store.load();
        assert_eq!(p, Progress::default());
        let Loaded::Recovered { kept_as } = loaded else {
            panic!("expected recovery, got {loaded:?}");
        };
        assert!(kept_as.exists());
        assert!(!dir.join("progress.ron").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_older_save_without_new_fields_loads() {
        let old = "(levels: {\"01-on-prem-dilemma\": (stars: 2, passed: true)})";
        let p: Progress = ron::from_str(old).unwrap();
        assert_eq!(p.stars("01-on-prem-dilemma"), 2);
        assert!(p.passed("01-on-prem-dilemma"));
    }
}
