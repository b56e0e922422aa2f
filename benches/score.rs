//! Headless scoring speed, the figures in the README's "Performance" section.
//! Run with `cargo bench --bench score`.
//!
//! - `day`: a 24-hour level at 1-second ticks with every kind of thing.
//! - `fleet`: one Auto Scaling group grown to its maximum (500 to 5,000).
//! - `year`: the on-premises year at hourly ticks (level 01's reference).
//! - `bundled`: a few campaign levels with their reference solutions.
//! - `batch_of_days`: copies of the Day solution through the batch scorer, on
//!   one thread and on two.

use std::num::NonZeroUsize;

use peakload::batch;
use peakload::bundled;
use peakload::format::{self, SourceFile};
use peakload::sim::{self, Score};

fn main() {
    divan::main();
}

const DAY_LEVEL: &str = include_str!("fixtures/day/level.ron");
const DAY_SOLUTION: &str = include_str!("fixtures/day/solution.ron");
const FLEET_LEVEL: &str = include_str!("fixtures/fleet/level.ron");
const FLEET_SOLUTION: &str = include_str!("fixtures/fleet/solution.ron");

/// Checks and scores one level and solution, as `peakload score` does.
fn score(level: &str, solution: &str) -> Score {
    let checked = format::check_texts(
        SourceFile::new("level.ron", level.to_string()),
        Some(SourceFile::new("solution.ron", solution.to_string())),
    )
    .expect("benchmark files check");
    let sim = sim::run_checked(&checked, None).expect("benchmark builds");
    Score::of(&sim)
}

#[divan::bench(sample_count = 3)]
fn day() -> Score {
    score(DAY_LEVEL, DAY_SOLUTION)
}

#[divan::bench(args = [500, 1000, 2000, 5000], sample_count = 5)]
fn fleet(bencher: divan::Bencher, max: u32) {
    let solution = FLEET_SOLUTION.replace("max: 5000", &format!("max: {max}"));
    bencher.bench(|| score(FLEET_LEVEL, &solution));
}

#[divan::bench(sample_count = 20)]
fn year(bencher: divan::Bencher) {
    let level = bundled::find("01-on-prem-dilemma").expect("bundled level");
    let (level_text, solution) = (
        level.level_file().text,
        level.reference.expect("reference").to_string(),
    );
    bencher.bench(|| score(&level_text, &solution));
}

#[divan::bench(args = ["05-horizontal-scaling", "06-auto-scaling", "12-sale-day"], sample_count = 5)]
fn bundled(bencher: divan::Bencher, folder: &str) {
    let level = bundled::find(folder).expect("bundled level");
    let (level_text, solution) = (
        level.level_file().text,
        level.reference.expect("reference").to_string(),
    );
    bencher.bench(|| score(&level_text, &solution));
}

/// Copies of the Day solution in one batch: enough to keep two cores busy
/// and show how the batch scales; 200 would take minutes per sample.
const BATCH: usize = 8;

#[divan::bench(args = [1, 2], sample_count = 1)]
fn batch_of_days(bencher: divan::Bencher, threads: usize) {
    let level = SourceFile::new("level.ron", DAY_LEVEL.to_string());
    let solutions: Vec<SourceFile> = (0..BATCH)
        .map(|i| SourceFile::new(format!("day-{i}.ron"), DAY_SOLUTION.to_string()))
        .collect();
    let threads = NonZeroUsize::new(threads).expect("non-zero");
    bencher.bench(|| {
        let results = batch::score_all(&level, &solutions, None, threads);
        assert!(results.iter().all(Result::is_ok), "every copy scores");
        results
    });
}
