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

    /// Takes in what another game recorded: the best of both for every
    /// level (passed if either passed, the most stars, the cheapest pass).
    /// The language stays this game's.
    pub fn merge(&mut self, other: &Progress) {
        for (id, theirs) in &other.levels {
            let mine = self.levels.entry(id.clone()).or_default();
            mine.passed |= theirs.passed;
            mine.stars = mine.stars.max(theirs.stars);
            mine.best_cost_usd = match (mine.best_cost_usd, theirs.best_cost_usd) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
}

/// Largest progress file read back for a merge: a real one is a few KiB.
const MAX_PROGRESS_BYTES: u64 = 1 << 20;

/// Where saves live: `$PEAKLOAD_DATA_DIR`, else the platform's data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: Option<PathBuf>,
    /// Set when a damaged or newer progress file could not be moved aside:
    /// it is left where it is, and progress is not written over it.
    hold: Option<String>,
}

/// Why a progress file was kept aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// It could not be read whole: cut short, garbled, or not text.
    Damaged,
    /// A newer game wrote it, in a format this one does not know.
    Newer {
        /// The format version it says it has.
        version: u32,
    },
}

/// What loading the progress file found.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// No save yet, or one read cleanly in this version's format.
    Clean,
    /// A save in an older format, read whole (the next save writes the current format).
    Upgraded {
        /// The format version it had.
        from: u32,
    },
    /// A save that could not be read whole, or that a newer game wrote: it
    /// is kept aside and the game goes on with what could be read of it.
    Recovered {
        /// Why it was kept aside.
        damage: Damage,
        /// Where it was kept, or why it could not be moved (it is then left
        /// in place, and progress is not saved this session).
        kept: Result<PathBuf, String>,
        /// Level results read from it.
        levels_kept: usize,
        /// Level entries in it that could not be read.
        levels_lost: usize,
    },
}

/// The progress file as stored, in any format version this game reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename = "Progress")]
struct Stored {
    /// Missing in saves from before formats were numbered: version 0.
    version: u32,
    lang: Option<Lang>,
    levels: BTreeMap<String, LevelRecord>,
}

/// What the bytes of a progress file gave.
#[derive(Debug, Clone, PartialEq)]
struct Read {
    progress: Progress,
    /// The format version the file says it has (0 when it says none).
    version: u32,
    /// Whether the whole file was read (else only what could be salvaged).
    whole: bool,
    /// Level entries that could not be read.
    lost: usize,
}

/// Reads a progress file's bytes: whole when they parse, else salvaged
/// entry by entry. Never fails; nothing readable gives empty progress.
fn read_progress(bytes: &[u8]) -> Read {
    let strict = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| ron::from_str::<Stored>(text).ok());
    let (stored, whole, lost) = match strict {
        Some(stored) => (stored, true, 0),
        None => {
            let (stored, lost) = salvage(&String::from_utf8_lossy(bytes));
            (stored, false, lost)
        }
    };
    let version = stored.version;
    let mut progress = upgrade(stored);
    for record in progress.levels.values_mut() {
        record.tidy();
    }
    Read {
        progress,
        version,
        whole,
        lost,
    }
}

/// Brings a stored save of any known version to this version's shape.
fn upgrade(stored: Stored) -> Progress {
    // Version 0 (no `version` field) had the same fields as version 1; a
    // version that changes them converts here, oldest first.
    Progress {
        version: PROGRESS_VERSION,
        lang: stored.lang,
        levels: stored.levels,
    }
}

impl LevelRecord {
    /// Keeps figures a hand-edited or damaged file may hold within what the game shows.
    fn tidy(&mut self) {
        self.stars = self.stars.min(3);
        self.best_cost_usd = self.best_cost_usd.filter(|c| c.is_finite() && *c >= 0.0);
    }
}

/// Moves a file aside to the first free `NAME.bak`, `NAME.1.bak`, … beside
/// it, so an earlier backup is never written over.
pub fn keep_aside(path: &Path) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "progress.ron".to_string());
    for n in 0..100 {
        let bak = if n == 0 {
            path.with_file_name(format!("{name}.bak"))
        } else {
            path.with_file_name(format!("{name}.{n}.bak"))
        };
        if std::fs::symlink_metadata(&bak).is_err() {
            std::fs::rename(path, &bak)?;
            return Ok(bak);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "a hundred backups are already there",
    ))
}

/// Reads what can be read of a damaged progress file: its version and
/// language if they parse, and every level entry that parses on its own.
/// Returns the salvage and how many level entries were lost.
fn salvage(text: &str) -> (Stored, usize) {
    let mut stored = Stored::default();
    let mut lost = 0;
    let b = text.as_bytes();
    let Some(open) = scan::top_struct(b) else {
        return (stored, lost);
    };
    // A file cut short ends inside its last field: that one is read too, as
    // far as it goes.
    for field in scan::items(b, open) {
        let Some((name, value, at)) = scan::split_pair(text, field) else {
            continue;
        };
        match name {
            "version" => {
                if let Ok(v) = value.parse() {
                    stored.version = v;
                }
            }
            "lang" => stored.lang = ron::from_str(value).ok().flatten(),
            "levels" if b.get(at) == Some(&b'{') => {
                for entry in scan::items(b, at) {
                    let record = scan::split_pair(text, entry).and_then(|(k, v, _)| {
                        Some((
                            ron::from_str::<String>(k).ok()?,
                            ron::from_str::<LevelRecord>(v).ok()?,
                        ))
                    });
                    match record {
                        Some((id, r)) => {
                            stored.levels.insert(id, r);
                        }
                        None => lost += 1,
                    }
                }
            }
            _ => {}
        }
    }
    (stored, lost)
}

/// Just enough of RON's structure to walk a damaged file: brackets, strings
/// and comments, never the values themselves.
mod scan {
    use std::ops::Range;

    /// Skips whitespace and comments.
    fn blank(b: &[u8], mut at: usize) -> usize {
        loop {
            match b.get(at..) {
                Some([c, ..]) if c.is_ascii_whitespace() => at += 1,
                Some([b'/', b'/', ..]) => {
                    at = b[at..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |n| at + n + 1);
                }
                Some([b'/', b'*', ..]) => {
                    at = b[at + 2..]
                        .windows(2)
                        .position(|w| w == b"*/")
                        .map_or(b.len(), |n| at + 2 + n + 2);
                }
                _ => return at,
            }
        }
    }

    /// Where the string starting at `at` (a `"`) ends, past its closing quote.
    fn string_end(b: &[u8], at: usize) -> Option<usize> {
        let mut i = at + 1;
        while let Some(&c) = b.get(i) {
            match c {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    }

    /// The `(` that opens the top-level struct, past `#![…]` attributes and a struct name.
    pub fn top_struct(b: &[u8]) -> Option<usize> {
        let mut at = blank(b, 0);
        while b.get(at..at + 2) == Some(b"#!") {
            at = blank(b, at + b[at..].iter().position(|&c| c == b']')? + 1);
        }
        while b
            .get(at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            at += 1;
        }
        at = blank(b, at);
        (b.get(at) == Some(&b'(')).then_some(at)
    }

    /// The items inside the bracket opening at `open`, split at its
    /// top-level commas. When the text ends before the bracket closes, the
    /// item it ends in is the last one (it parses only if it was complete).
    pub fn items(b: &[u8], open: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start = open + 1;
        let mut i = open + 1;
        let push = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
            if blank(b, from) < to {
                out.push(from..to);
            }
        };
        while let Some(&c) = b.get(i) {
            match c {
                b'"' => i = string_end(b, i).unwrap_or(b.len()),
                b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => i = blank(b, i),
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                b')' | b']' | b'}' if depth == 0 => {
                    push(start, i, &mut out);
                    return out;
                }
                b')' | b']' | b'}' => {
                    depth -= 1;
                    i += 1;
                }
                b',' if depth == 0 => {
                    push(start, i, &mut out);
                    start = i + 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        push(start, b.len(), &mut out);
        out
    }

    /// Splits `key: value` at its first top-level colon: the key and the
    /// value trimmed, and where the value starts.
    pub fn split_pair(text: &str, item: Range<usize>) -> Option<(&str, &str, usize)> {
        let b = text.as_bytes();
        let mut i = item.start;
        while i < item.end {
            match b[i] {
                b'"' => i = string_end(b, i)?,
                b':' => {
                    let key = text.get(item.start..i)?.trim();
                    let start = blank(b, i + 1).min(item.end);
                    let value = text.get(start..item.end)?.trim_end();
                    return Some((key, value, start));
                }
                b'(' | b'[' | b'{' => return None,
                _ => i += 1,
            }
        }
        None
    }
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
        Store { dir, hold: None }
    }

    /// A store in a given directory (tests).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store {
            dir: Some(dir.into()),
            hold: None,
        }
    }

    /// A store that remembers nothing.
    pub fn none() -> Store {
        Store {
            dir: None,
            hold: None,
        }
    }

    /// The directory, if saving is possible.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Where the progress file is kept.
    pub fn progress_path(&self) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join("progress.ron"))
    }

    /// Reads the progress file. One that cannot be read whole, or that a
    /// newer game wrote, is moved aside to `.bak` (never written over) and the
    /// game goes on with the level results that could be read from it.
    pub fn load(&mut self) -> (Progress, Loaded) {
        let Some(path) = self.progress_path() else {
            return (Progress::default(), Loaded::Clean);
        };
        // Read without blocking and within a bound: a FIFO or a link to
        // /dev/zero put in its place must not hang the game or fill memory.
        let read = match crate::files::read_limited(&path, MAX_PROGRESS_BYTES) {
            Ok(bytes) => read_progress(&bytes),
            Err(crate::files::FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Progress::default(), Loaded::Clean);
            }
            // Unreadable (no permission, a directory, a FIFO or device, too
            // big): kept aside like a damaged one.
            Err(_) => Read {
                progress: Progress::default(),
                version: 0,
                whole: false,
                lost: 0,
            },
        };
        let damage = if read.version > PROGRESS_VERSION {
            Damage::Newer {
                version: read.version,
            }
        } else if !read.whole {
            Damage::Damaged
        } else if read.version < PROGRESS_VERSION {
            return (read.progress, Loaded::Upgraded { from: read.version });
        } else {
            return (read.progress, Loaded::Clean);
        };
        let kept = keep_aside(&path).map_err(|e| e.to_string());
        if let Err(why) = &kept {
            self.hold = Some(format!(
                "{} could not be moved aside ({why}), so it is not written over",
                path.display()
            ));
        }
        let loaded = Loaded::Recovered {
            damage,
            kept,
            levels_kept: read.progress.levels.len(),
            levels_lost: read.lost,
        };
        (read.progress, loaded)
    }

    /// Writes the progress file atomically (refused while a file that could
    /// not be moved aside is in its place).
    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let Some(path) = self.progress_path() else {
            return Ok(());
        };
        if let Some(why) = &self.hold {
            return Err(std::io::Error::other(why.clone()));
        }
        let text = ron::ser::to_string_pretty(progress, ron::ser::PrettyConfig::default())
            .map_err(std::io::Error::other)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomically(&path, &text)
    }

    /// Saves progress merged with the file as it is on disk now, so a
    /// second game on the same data directory never erases what the first
    /// recorded: read, merge ([`Progress::merge`]), write atomically.
    /// Returns the merged progress, which the game goes on with.
    pub fn save_merged(&self, progress: &Progress) -> std::io::Result<Progress> {
        let mut merged = progress.clone();
        if let Some(path) = self.progress_path()
            && self.hold.is_none()
            && let Ok(bytes) = crate::files::read_limited(&path, MAX_PROGRESS_BYTES)
        {
            let read = read_progress(&bytes);
            // A newer game's file is kept aside at start, never merged into.
            if read.version <= PROGRESS_VERSION {
                merged.merge(&read.progress);
            }
        }
        self.save(&merged)?;
        Ok(merged)
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

    /// The player's last architecture for a level, as text (`None` when
    /// there is none; an error when there is one that cannot be read, which
    /// must then not be written over as if there were none).
    pub fn load_solution(&self, level: &str) -> Option<(PathBuf, std::io::Result<String>)> {
        let path = self.solution_path(level)?;
        match read_text(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            text => Some((path, text)),
        }
    }
}

/// Reads a saved board: a regular file of at most `MAX_FILE_BYTES`, never
/// blocking on a FIFO nor reading a device without end.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let limit = crate::format::bounds::MAX_FILE_BYTES as u64;
    match crate::files::read_limited(path, limit) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text")),
        Err(crate::files::FileError::Io(e)) => Err(e),
        Err(other) => Err(std::io::Error::other(other.to_string())),
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
mod tests;
