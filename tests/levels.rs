//! Every bundled level is played by the machine: it checks clean, its
//! reference solution wins with three stars, its naive solution loses for
//! the reason the lesson teaches.

mod common;

use common::{levels, run_bundled, score, solutions_on_disk};
use peakload::format::{self, SourceFile};

#[test]
fn there_are_levels_and_each_folder_is_complete() {
    let all = levels();
    assert!(all.len() >= 3, "expected at least three bundled levels");
    for level in &all {
        assert!(
            level.reference.is_some(),
            "{} has no reference.ron",
            level.folder
        );
        assert!(level.naive.is_some(), "{} has no naive.ron", level.folder);
    }
    // Every folder on disk with a level.ron is bundled into the binary.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("levels");
    let on_disk = std::fs::read_dir(dir)
        .expect("levels/")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("level.ron").is_file())
        .count();
    assert_eq!(on_disk, all.len());
}

#[test]
fn every_level_and_solution_checks_clean() {
    for level in levels() {
        let checked = format::check_texts(level.level_file(), None)
            .unwrap_or_else(|e| panic!("{}:\n{e}", level.folder));
        assert!(
            checked.warnings.is_empty(),
            "{} has warnings: {:?}",
            level.folder,
            checked.warnings
        );
        assert_eq!(
            checked.level.id, level.folder,
            "a level's id is its folder name"
        );
        for (name, text) in solutions_on_disk(&level) {
            let file = SourceFile::new(format!("levels/{}/{name}.ron", level.folder), text);
            let checked = format::check_texts(level.level_file(), Some(file))
                .unwrap_or_else(|e| panic!("{} / {name}:\n{e}", level.folder));
            assert!(
                checked.warnings.is_empty(),
                "{} / {name} has warnings: {:#?}",
                level.folder,
                checked.warnings
            );
        }
    }
}

#[test]
fn reference_solutions_win_with_three_stars() {
    for level in levels() {
        let (_, sim) = run_bundled(&level, "reference", level.reference.expect("reference"));
        let s = score(&sim);
        assert!(
            s.passed,
            "{} reference fails: {:?}",
            level.folder, s.failed_goals
        );
        assert_eq!(
            s.stars, 3,
            "{} reference earns {} stars at ${:.2}",
            level.folder, s.stars, s.cost_usd
        );
    }
}

#[test]
fn naive_solutions_lose_on_availability() {
    for level in levels() {
        let (checked, sim) = run_bundled(&level, "naive", level.naive.expect("naive"));
        let s = score(&sim);
        assert!(!s.passed, "{} naive passes", level.folder);
        assert!(
            s.availability_pct < checked.level.goals.availability_pct,
            "{} naive should fail on availability, failed on {:?}",
            level.folder,
            s.failed_goals
        );
    }
}

/// Each lesson's idea decides the outcome: the designs without it lose or earn fewer stars.
#[test]
fn alternatives_land_where_the_lesson_says() {
    let expect = |folder: &str, name: &str, passed: bool, stars: u8| {
        let level = peakload::bundled::find(folder).expect("bundled");
        let text = solutions_on_disk(&level)
            .into_iter()
            .find(|(n, _)| n == name)
            .expect("solution on disk")
            .1;
        let (_, sim) = run_bundled(&level, name, &text);
        let s = score(&sim);
        assert_eq!(
            (s.passed, s.stars),
            (passed, stars),
            "{folder}/{name}: {:?} at ${:.2}",
            s.failed_goals,
            s.cost_usd
        );
        s
    };
    // Buying for the peak works but wastes money: one star.
    let peak = expect("01-on-prem-dilemma", "buy-for-peak", true, 1);
    assert!(peak.availability_pct > 99.9);
    // One big box is a single point of failure; four boxes without a spare queue up.
    expect("02-horizontal-scaling", "big-box", false, 0);
    expect("02-horizontal-scaling", "no-spare", false, 0);
    // A fixed fleet big enough for the sale blows the budget.
    let fixed = expect("03-auto-scaling", "fixed-for-peak", false, 0);
    assert!(fixed.availability_pct > 99.9 && fixed.cost_usd > fixed.goals.budget_usd);
}
