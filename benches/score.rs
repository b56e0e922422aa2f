//! Headless scoring speed, the figures in the README's "Performance" section.
//! Run with `cargo bench --bench score`.
//!
//! - `day`: a 24-hour level at 1-second ticks with every kind of thing.
//! - `mm3_hour`, `mm3_day`: one steady M/M/3 container service for an hour
//!   and for 24 hours at 1-second ticks.
//! - `fleet`: one Auto Scaling group grown to its maximum (500 to 5,000).
//! - `year`: the on-premises year at hourly ticks (level 01's reference).
//! - `bundled`: every campaign level with its reference solution.
//! - `par`: `peakload par` of every bundled level's folder, as its shipped
//!   `par.ron` is made: 200 designs on every core.
//! - `batch_of_days`: copies of the Day solution through the batch scorer, on
//!   one thread and on two.

use std::num::NonZeroUsize;

use peakload::batch;
use peakload::bundled;
use peakload::format::bounds::Bound;
use peakload::format::code::Code;
use peakload::format::{self, SourceFile, load};
use peakload::par;
use peakload::sim::{self, Score};

fn main() {
    divan::main();
}

const DAY_LEVEL: &str = include_str!("fixtures/day/level.ron");
const DAY_SOLUTION: &str = include_str!("fixtures/day/solution.ron");
const MM3_LEVEL: &str = include_str!("fixtures/mm3/level.ron");
const MM3_SOLUTION: &str = include_str!("fixtures/mm3/solution.ron");
const FLEET_LEVEL: &str = include_str!("fixtures/fleet/level.ron");
const FLEET_SOLUTION: &str = include_str!("fixtures/fleet/solution.ron");

/// Checks and scores one level and solution, as `peakload score` does.
fn score(level: &str, solution: &str) -> Score {
    let checked = checked(
        SourceFile::new("level.ron", level.to_string()),
        SourceFile::new("solution.ron", solution.to_string()),
    );
    let sim = sim::run_checked(&checked, None, sim::History::LastTick).expect("benchmark builds");
    Score::of(&sim)
}

/// Checks a benchmark's files. Day is a benchmark of the simulation, bigger
/// than `check` lets a level's author ask for (`MAX_WORK`): that bound alone
/// may refuse it, and the files are then taken as parsed.
fn checked(level: SourceFile, solution: SourceFile) -> format::Checked {
    match format::check_texts(level.clone(), Some(solution.clone())) {
        Ok(c) => c,
        Err(e)
            if e.problems
                .iter()
                .all(|p| !p.is_error() || p.code == Code::Bound(Bound::Work)) =>
        {
            format::Checked {
                catalogue: load::bundled_catalogue().expect("catalogue"),
                level: load::parse_level(&level).expect("level parses"),
                solution: Some((load::parse_solution(&solution).expect("parses"), solution)),
                level_file: level,
                warnings: Vec::new(),
            }
        }
        Err(e) => panic!("benchmark files check:\n{e}"),
    }
}

#[divan::bench(sample_count = 3)]
fn day() -> Score {
    score(DAY_LEVEL, DAY_SOLUTION)
}

#[divan::bench(sample_count = 20)]
fn mm3_hour() -> Score {
    score(MM3_LEVEL, MM3_SOLUTION)
}

#[divan::bench(sample_count = 5)]
fn mm3_day() -> Score {
    score(
        &MM3_LEVEL.replace("duration: \"1h\"", "duration: \"24h\""),
        MM3_SOLUTION,
    )
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

/// Every bundled level, by folder.
const LEVELS: [&str; 15] = [
    "01-on-prem-dilemma",
    "02-ec2-virtualisation",
    "03-instance-families",
    "04-pricing-models",
    "05-horizontal-scaling",
    "06-auto-scaling",
    "07-load-balancing",
    "08-loose-coupling",
    "09-sns-fan-out",
    "10-serverless",
    "11-containers",
    "12-sale-day",
    "13-viral-launch",
    "14-batch-night",
    "15-regulated-workload",
];

#[divan::bench(args = LEVELS, sample_count = 5)]
fn bundled(bencher: divan::Bencher, folder: &str) {
    let level = bundled::find(folder).expect("bundled level");
    let (level_text, solution) = (
        level.level_file().text,
        level.reference.expect("reference").to_string(),
    );
    bencher.bench(|| score(&level_text, &solution));
}

/// `peakload par levels/FOLDER` as the shipped `par.ron` files are made:
/// 200 designs sampled from every solution file beside the level, scored on
/// every core.
#[divan::bench(args = LEVELS, sample_count = 1)]
fn par(bencher: divan::Bencher, folder: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("levels")
        .join(folder);
    let level_path = load::level_path(&dir);
    let file = load::read(&level_path).expect("bundled level reads");
    let starts: Vec<SourceFile> = batch::expand(std::slice::from_ref(&dir))
        .expect("level folder lists")
        .iter()
        .filter(|p| **p != level_path)
        .map(|p| load::read(p).expect("solution reads"))
        .collect();
    bencher.bench(|| par::make(&file, &starts, 200, 1, batch::cores()).expect("par samples"));
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
        batch::map_parallel(&solutions, threads, |s| {
            let checked = checked(level.clone(), s.clone());
            Score::of(&sim::run_checked(&checked, None, sim::History::LastTick).expect("builds"))
        })
    });
}
