//! Helpers shared by the integration tests.
#![allow(dead_code)]

use peakload::bundled::{self, BundledLevel};
use peakload::format::{self, Checked, SourceFile};
use peakload::sim::{Score, Setup, Sim};

/// Checks a level and solution given as text, panicking with the problems if any.
pub fn checked(level: &str, solution: &str) -> Checked {
    format::check_texts(
        SourceFile::new("test/level.ron", level),
        Some(SourceFile::new("test/solution.ron", solution)),
    )
    .unwrap_or_else(|e| panic!("test input does not check:\n{e}"))
}

/// Builds a simulation from checked input.
pub fn sim_of(checked: &Checked, seed: Option<u64>) -> Sim {
    let solution = checked
        .solution
        .as_ref()
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    Sim::new(Setup::new(
        checked.catalogue.clone(),
        checked.level.clone(),
        solution,
        seed,
    ))
    .expect("checked input builds")
}

/// Runs a level and solution given as text to the end.
pub fn run(level: &str, solution: &str) -> Sim {
    let mut sim = sim_of(&checked(level, solution), None);
    sim.run_to_end();
    sim
}

/// Every solution file in a bundled level's folder on disk, by name.
pub fn solutions_on_disk(level: &BundledLevel) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("levels")
        .join(level.folder);
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("level folder exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "ron")
                && p.file_stem().is_some_and(|s| s != "level" && s != "par")
        })
        .map(|p| {
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&p).expect("readable solution");
            (name, text)
        })
        .collect();
    found.sort();
    found
}

/// Checks and runs a bundled level with a named solution text.
pub fn run_bundled(level: &BundledLevel, name: &str, text: &str) -> (Checked, Sim) {
    let checked = format::check_texts(
        level.level_file(),
        Some(SourceFile::new(
            format!("levels/{}/{name}.ron", level.folder),
            text,
        )),
    )
    .unwrap_or_else(|e| panic!("{} / {name} does not check:\n{e}", level.folder));
    let mut sim = sim_of(&checked, None);
    sim.run_to_end();
    (checked, sim)
}

/// Every bundled level.
pub fn levels() -> Vec<BundledLevel> {
    bundled::all().collect()
}

/// Scores a finished simulation.
pub fn score(sim: &Sim) -> Score {
    Score::of(sim)
}

/// Relative difference of two numbers.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

/// Runs `work` on every bundled level, one thread per level (the scheduler
/// spreads them over the cores), and gathers the results in level order.
pub fn per_level<T: Send>(work: impl Fn(&BundledLevel) -> Vec<T> + Sync) -> Vec<T> {
    let all = levels();
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = all
            .iter()
            .map(|level| s.spawn(move || work(level)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a level's thread panicked"))
            .collect()
    })
}
