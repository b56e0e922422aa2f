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
        let read = match std::fs::read(&path) {
            Ok(bytes) => read_progress(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Progress::default(), Loaded::Clean);
            }
            // Unreadable (no permission, a directory): kept aside like a damaged one.
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
            && let Ok(file) = std::fs::File::open(&path)
        {
            use std::io::Read as _;
            let mut bytes = Vec::new();
            if file
                .take(MAX_PROGRESS_BYTES)
                .read_to_end(&mut bytes)
                .is_ok()
            {
                let read = read_progress(&bytes);
                // A newer game's file is kept aside at start, never merged into.
                if read.version <= PROGRESS_VERSION {
                    merged.merge(&read.progress);
                }
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
        match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            text => Some((path, text)),
        }
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
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Progress with `n` levels, every field filled, and its saved text.
    fn sample(n: usize) -> (Progress, String) {
        let mut p = Progress {
            lang: Some(Lang::Ko),
            ..Progress::default()
        };
        for i in 0..n {
            p.record(
                &format!("{i:02}-level"),
                i % 3 != 2,
                (i % 4) as u8,
                10.0 + i as f64,
            );
        }
        let text = ron::ser::to_string_pretty(&p, ron::ser::PrettyConfig::default()).unwrap();
        (p, text)
    }

    /// Files in a directory, sorted.
    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn two_games_on_one_directory_keep_both_results() {
        let dir = temp_dir("merge");
        // Game A starts, then game B earns three stars on 06 and saves.
        let mut a_store = Store::at(&dir);
        let (mut a, _) = a_store.load();
        let mut b_store = Store::at(&dir);
        let (mut b, _) = b_store.load();
        b.record("06-auto-scaling", true, 3, 40.0);
        b = b_store.save_merged(&b).unwrap();
        assert_eq!(b.stars("06-auto-scaling"), 3);
        // A, which never saw it, toggles the language and passes 01.
        a.lang = Some(Lang::Ko);
        a.record("01-on-prem-dilemma", true, 1, 25_000.0);
        let a = a_store.save_merged(&a).unwrap();
        assert_eq!(a.stars("06-auto-scaling"), 3, "A's save kept B's stars");
        let (on_disk, _) = Store::at(&dir).load();
        assert_eq!(on_disk.stars("06-auto-scaling"), 3);
        assert!(on_disk.passed("01-on-prem-dilemma"));
        assert_eq!(on_disk.lang, Some(Lang::Ko));
        // The best of both: more stars and the cheaper pass win either way.
        let mut worse = Progress::default();
        worse.record("06-auto-scaling", true, 1, 90.0);
        let kept = Store::at(&dir).save_merged(&worse).unwrap();
        assert_eq!(kept.levels["06-auto-scaling"].stars, 3);
        assert_eq!(kept.levels["06-auto-scaling"].best_cost_usd, Some(40.0));
    }

    #[test]
    fn progress_round_trips_and_keeps_the_best() {
        let dir = temp_dir("round");
        let mut store = Store::at(&dir);
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
        // Written through a temporary file that is gone afterwards.
        assert_eq!(files(&dir), ["progress.ron"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_save_is_kept_aside_and_the_game_starts_with_nothing_lost_silently() {
        let dir = temp_dir("corrupt");
        let text = "(version: 1, levels: {\"01\": (pas";
        std::fs::write(dir.join("progress.ron"), text).unwrap();
        let mut store = Store::at(&dir);
        let (p, loaded) = store.load();
        assert_eq!(p, Progress::default());
        let Loaded::Recovered {
            damage: Damage::Damaged,
            kept: Ok(kept_as),
            levels_kept: 0,
            levels_lost: 1,
        } = loaded
        else {
            panic!("expected recovery with one entry lost, got {loaded:?}");
        };
        assert_eq!(std::fs::read_to_string(&kept_as).unwrap(), text);
        assert!(!dir.join("progress.ron").exists());
        // The next save writes a fresh file and leaves the backup alone.
        store.save(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&kept_as).unwrap(), text);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_half_written_save_keeps_every_whole_level_entry() {
        let dir = temp_dir("half");
        let (p, text) = sample(6);
        // Cut in the middle of the fourth level's record.
        let fourth = text.find("\"03-level\"").unwrap();
        let cut = &text[..fourth + 30];
        std::fs::write(dir.join("progress.ron"), cut).unwrap();
        let mut store = Store::at(&dir);
        let (back, loaded) = store.load();
        assert_eq!(
            loaded,
            Loaded::Recovered {
                damage: Damage::Damaged,
                kept: Ok(dir.join("progress.ron.bak")),
                levels_kept: 3,
                levels_lost: 1,
            }
        );
        assert_eq!(back.lang, Some(Lang::Ko));
        for id in ["00-level", "01-level", "02-level"] {
            assert_eq!(back.levels[id], p.levels[id], "{id}");
        }
        assert_eq!(back.levels.len(), 3);
        assert_eq!(
            std::fs::read_to_string(dir.join("progress.ron.bak")).unwrap(),
            cut
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_save_cut_at_any_byte_gives_only_true_records_and_more_text_never_fewer() {
        let (p, text) = sample(8);
        let bytes = text.as_bytes();
        let mut kept_before = 0;
        for cut in 0..=bytes.len() {
            let read = read_progress(&bytes[..cut]);
            for (id, r) in &read.progress.levels {
                assert_eq!(Some(r), p.levels.get(id), "cut at {cut}: {id}");
            }
            let kept = read.progress.levels.len();
            assert!(kept >= kept_before, "cut at {cut}: {kept} < {kept_before}");
            kept_before = kept;
            assert_eq!(read.whole, cut == bytes.len(), "cut at {cut}");
        }
        assert_eq!(kept_before, 8);
    }

    #[test]
    fn garbage_level_entries_are_dropped_and_the_rest_kept() {
        let dir = temp_dir("garbage");
        let text = r#"(
    version: 1,
    lang: Some(Ko),
    levels: {
        "01": (passed: true, stars: 3, best_cost_usd: Some(20.0)),
        "02": (stars: "many"),
        "03": 7,
        "04": (pas#$%),
        // a comment, and a key with a colon and a bracket in it
        "05:(x": (passed: true, stars: 9, best_cost_usd: Some(-4.0)),
        "06": (passed: true, stars: 2, best_cost_usd: Some(12.5)),
        garbage,
    },
)"#;
        std::fs::write(dir.join("progress.ron"), text).unwrap();
        let mut store = Store::at(&dir);
        let (p, loaded) = store.load();
        assert_eq!(
            loaded,
            Loaded::Recovered {
                damage: Damage::Damaged,
                kept: Ok(dir.join("progress.ron.bak")),
                levels_kept: 3,
                levels_lost: 4,
            }
        );
        assert_eq!(p.lang, Some(Lang::Ko));
        assert_eq!(p.stars("01"), 3);
        assert_eq!(p.levels["06"].best_cost_usd, Some(12.5));
        // Figures out of range are kept within what the game shows.
        assert_eq!(p.stars("05:(x"), 3);
        assert_eq!(p.levels["05:(x"].best_cost_usd, None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_save_that_is_not_text_is_salvaged_too() {
        let mut bytes =
            b"(version: 1, levels: {\"01\": (passed: true, stars: 2), \"0\xff\": (".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0x80]);
        let read = read_progress(&bytes);
        assert!(!read.whole);
        assert_eq!(read.progress.stars("01"), 2);
        assert_eq!(read.progress.levels.len(), 1);
        assert_eq!(read.lost, 1);
        assert_eq!(read_progress(&[0xff; 64]).progress, Progress::default());
        assert_eq!(read_progress(b"").progress, Progress::default());
    }

    #[test]
    fn a_save_from_before_versions_loads_and_is_upgraded() {
        let dir = temp_dir("old");
        // Version 0: no version field (and here no language, and the struct named).
        let old = "Progress(levels: {\"01-on-prem-dilemma\": (stars: 2, passed: true)})";
        std::fs::write(dir.join("progress.ron"), old).unwrap();
        let mut store = Store::at(&dir);
        let (p, loaded) = store.load();
        assert_eq!(loaded, Loaded::Upgraded { from: 0 });
        assert_eq!(p.version, PROGRESS_VERSION);
        assert_eq!(p.stars("01-on-prem-dilemma"), 2);
        assert!(p.passed("01-on-prem-dilemma"));
        // Read in place, not moved; the next save writes this version.
        assert_eq!(files(&dir), ["progress.ron"]);
        store.save(&p).unwrap();
        let (again, loaded) = store.load();
        assert_eq!((again, loaded), (p, Loaded::Clean));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_save_from_a_newer_game_is_kept_aside_not_written_over() {
        let dir = temp_dir("newer");
        let newer = "(version: 7, lang: Some(En), levels: {\"01\": (passed: true, stars: 3, medals: [\"gold\"])}, friends: [\"kim\"])";
        std::fs::write(dir.join("progress.ron"), newer).unwrap();
        let mut store = Store::at(&dir);
        let (p, loaded) = store.load();
        let bak = dir.join("progress.ron.bak");
        assert_eq!(
            loaded,
            Loaded::Recovered {
                damage: Damage::Newer { version: 7 },
                kept: Ok(bak.clone()),
                levels_kept: 1,
                levels_lost: 0,
            }
        );
        assert_eq!(p.stars("01"), 3);
        store.save(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), newer);

        // A newer shape this game cannot parse at all: still recognised by its version.
        std::fs::write(
            dir.join("progress.ron"),
            "(version: 9, levels: [\"new\"], x: (",
        )
        .unwrap();
        let (p, loaded) = store.load();
        assert_eq!(p.levels.len(), 0);
        assert!(
            matches!(
                loaded,
                Loaded::Recovered {
                    damage: Damage::Newer { version: 9 },
                    kept: Ok(ref k),
                    ..
                } if *k == dir.join("progress.ron.1.bak")
            ),
            "{loaded:?}"
        );
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), newer);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_save_that_cannot_be_moved_aside_is_never_written_over() {
        let dir = temp_dir("stuck");
        std::fs::write(dir.join("progress.ron"), "(levels: {\"01\": (stars: 1), ").unwrap();
        // Every backup name taken.
        std::fs::write(dir.join("progress.ron.bak"), "").unwrap();
        for n in 1..100 {
            std::fs::write(dir.join(format!("progress.ron.{n}.bak")), "").unwrap();
        }
        let mut store = Store::at(&dir);
        let (p, loaded) = store.load();
        assert_eq!(p.stars("01"), 1);
        assert!(
            matches!(
                loaded,
                Loaded::Recovered {
                    kept: Err(_),
                    levels_kept: 1,
                    ..
                }
            ),
            "{loaded:?}"
        );
        assert!(store.save(&p).is_err(), "a save went over the damaged file");
        assert_eq!(
            std::fs::read_to_string(dir.join("progress.ron")).unwrap(),
            "(levels: {\"01\": (stars: 1), "
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_game_says_what_it_recovered_on_the_campaign_map() {
        let dir = temp_dir("notice");
        let (_, text) = sample(4);
        let cut = &text[..text.find("\"03-level\"").unwrap() + 12];
        std::fs::write(dir.join("progress.ron"), cut).unwrap();
        let app = super::super::app::App::new(Some(Lang::En), Store::at(&dir)).unwrap();
        let notice = app.notice.clone().expect("a notice");
        assert_eq!(notice.key, "notice.recovered");
        let said = app.strings.f(
            notice.key,
            &notice
                .args
                .iter()
                .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
                .collect::<Vec<_>>(),
        );
        assert!(said.contains(" 3 ") && said.contains("1 lost"), "{said}");
        assert!(said.contains("progress.ron.bak"), "{said}");
        assert_eq!(app.progress.levels.len(), 3);
        assert_eq!(app.progress.lang, Some(Lang::Ko));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unreadable_saved_build_is_kept_aside_and_never_written_over() {
        use super::super::app::App;
        use super::super::keymap::Msg;
        for (name, bytes) in [
            (
                "half",
                b"Solution(level: \"01-on-prem-dilemma\", things: [OnPrem".to_vec(),
            ),
            ("binary", vec![0xff, 0xfe, b'(', 0x80]),
        ] {
            let dir = temp_dir(&format!("build-{name}"));
            let store = Store::at(&dir);
            let path = store.solution_path("01-on-prem-dilemma").unwrap();
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            let mut app = App::new(Some(Lang::En), store).unwrap();
            app.open_campaign(0);
            let play = app.play.as_ref().expect("the level opens");
            let said = play.status.clone().expect("the level says so");
            assert_eq!(said.key, "notice.build_kept_aside", "{name}");
            assert!(play.solution.things.is_empty(), "{name}");
            let bak = path.with_file_name("01-on-prem-dilemma.ron.bak");
            assert_eq!(std::fs::read(&bak).unwrap(), bytes, "{name}");
            // The new build is kept; the old one stays in its backup.
            app.update(Msg::PlaceNth(0));
            app.update(Msg::Back);
            let saved = std::fs::read_to_string(&path).unwrap();
            assert!(saved.contains("dc-1"), "{name}: {saved}");
            assert_eq!(std::fs::read(&bak).unwrap(), bytes, "{name}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[cfg(unix)]
    #[test]
    fn saves_replace_the_file_whole_and_leave_no_temporary_file() {
        let dir = temp_dir("atomic");
        let path = dir.join("solutions").join("01.ron");
        save_text(&path, "old").unwrap();
        // A second name for the old file: writing in place would change it too.
        let old = dir.join("old-link");
        std::fs::hard_link(&path, &old).unwrap();
        save_text(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old");
        assert_eq!(files(&dir.join("solutions")), ["01.ron"]);
        // A save that cannot land (a directory is in the way) fails and leaves no temporary file.
        let blocked = dir.join("blocked.ron");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(save_text(&blocked, "x").is_err());
        assert_eq!(files(&dir), ["blocked.ron", "old-link", "solutions"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
