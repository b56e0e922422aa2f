//! Every bundled level is played by the machine: it checks clean, and every
//! solution in its folder lands where the lesson says — the reference wins
//! three stars, the naive design loses for the reason the lesson teaches, a
//! middle design earns one or two, and taking away the taught service loses
//! or costs stars.

mod common;

use std::collections::BTreeSet;

use common::{levels, per_level, run_bundled, score, sim_of, solutions_on_disk};
use peakload::format::level::LevelKind;
use peakload::format::{self, SourceFile};
use peakload::sim::Score;

/// A goal a design can miss.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// Too few requests in time.
    Availability,
    /// p99 latency over the ceiling.
    Latency,
    /// Over the one-star budget.
    Budget,
    /// Shares hardware where the level demands dedicated hardware.
    Dedicated,
}

impl Goal {
    fn of(failed: &str) -> Option<Goal> {
        if failed.starts_with("availability") {
            Some(Goal::Availability)
        } else if failed.starts_with("p99") {
            Some(Goal::Latency)
        } else if failed.starts_with("cost") {
            Some(Goal::Budget)
        } else if failed.contains("shares hardware") {
            Some(Goal::Dedicated)
        } else {
            None
        }
    }
}

/// Where one solution must land.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Passes with exactly this many stars.
    Stars(u8),
    /// Fails, and this goal is among the missed ones.
    Fails(Goal),
}

use Goal::*;
use Want::*;

/// Every solution file of every bundled level, and where it lands.
const EXPECT: &[(&str, &[(&str, Want)])] = &[
    (
        "01-on-prem-dilemma",
        &[
            ("reference", Stars(3)),
            ("own-four", Stars(2)),
            ("buy-for-peak", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-auto-scaling", Fails(Budget)),
        ],
    ),
    (
        "02-ec2-virtualisation",
        &[
            ("reference", Stars(3)),
            ("middle", Stars(2)),
            ("always-on", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-ec2", Fails(Availability)),
            ("round-robin", Fails(Budget)),
        ],
    ),
    (
        "03-instance-families",
        &[
            ("reference", Stars(3)),
            ("middle", Stars(2)),
            ("oversized-gpu", Stars(2)),
            ("without-compute-optimised", Stars(2)),
            ("without-memory-optimised", Stars(2)),
            ("without-storage-optimised", Stars(2)),
            ("without-general-purpose", Stars(2)),
            ("without-accelerated", Fails(Availability)),
            ("naive", Fails(Availability)),
            ("general-purpose-but-gpu", Fails(Budget)),
        ],
    ),
    (
        "04-pricing-models",
        &[
            ("reference", Stars(3)),
            ("reserved-3y", Stars(2)),
            ("commit-to-peak", Stars(2)),
            ("without-spot", Stars(2)),
            ("middle", Stars(1)),
            ("without-commitment", Stars(1)),
            ("naive", Fails(Budget)),
            ("steady-on-spot", Fails(Availability)),
            ("peak-on-spot", Fails(Availability)),
            ("dedicated-host", Fails(Budget)),
        ],
    ),
    (
        "05-horizontal-scaling",
        &[
            ("reference", Stars(3)),
            ("extra-spare", Stars(2)),
            ("bigger-pieces", Stars(1)),
            ("naive", Fails(Availability)),
            ("big-box", Fails(Availability)),
            ("without-spare", Fails(Availability)),
        ],
    ),
    (
        "06-auto-scaling",
        &[
            ("reference", Stars(3)),
            ("high-minimum", Stars(2)),
            ("naive", Fails(Availability)),
            ("without-predictive", Fails(Availability)),
            ("predictive-only", Fails(Budget)),
            ("fixed-for-peak", Fails(Budget)),
        ],
    ),
    (
        "07-load-balancing",
        &[
            ("reference", Stars(3)),
            ("fixed-for-peak", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-draining", Fails(Availability)),
            ("short-draining", Fails(Availability)),
            ("big-render-boxes", Fails(Availability)),
        ],
    ),
    (
        "08-loose-coupling",
        &[
            ("reference", Stars(3)),
            ("fixed-shop", Stars(2)),
            ("naive", Fails(Availability)),
            ("without-queue", Fails(Availability)),
            ("short-retention", Fails(Availability)),
        ],
    ),
    (
        "09-sns-fan-out",
        &[
            ("reference", Stars(3)),
            ("queue-for-every-subscriber", Stars(2)),
            ("naive", Fails(Availability)),
            ("without-analytics-queue", Fails(Availability)),
            ("without-fulfilment-queue", Fails(Availability)),
        ],
    ),
    (
        "10-serverless",
        &[
            ("reference", Stars(3)),
            ("max-memory", Stars(2)),
            ("naive", Fails(Budget)),
            ("all-lambda", Fails(Availability)),
            ("without-lambda", Fails(Availability)),
            ("too-little-memory", Fails(Availability)),
            ("low-concurrency", Fails(Availability)),
        ],
    ),
    (
        "11-containers",
        &[
            ("one-fleet", Fails(Availability)),
            ("reference", Stars(3)),
            ("all-fargate", Stars(2)),
            ("m5-hosts", Stars(2)),
            ("coupons-on-instances", Stars(2)),
            ("eks", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-fargate", Fails(Budget)),
        ],
    ),
    (
        "12-sale-day",
        &[
            ("reference", Stars(3)),
            ("on-demand-only", Stars(2)),
            ("naive", Fails(Availability)),
            ("without-predictive", Fails(Availability)),
            ("without-queue", Fails(Availability)),
            ("spot-shop", Fails(Availability)),
            ("buy-for-peak", Fails(Budget)),
            ("buy-for-peak-savings-plan", Fails(Budget)),
        ],
    ),
    (
        "13-viral-launch",
        &[
            ("reference", Stars(3)),
            ("all-lambda", Stars(2)),
            ("headroom-front", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-lambda", Fails(Availability)),
            ("without-queue", Fails(Availability)),
            ("buy-for-peak", Fails(Budget)),
            ("buy-for-peak-savings-plan", Fails(Budget)),
        ],
    ),
    (
        "14-batch-night",
        &[
            ("reference", Stars(3)),
            ("cpu-tracking", Stars(2)),
            ("general-purpose-spot", Stars(1)),
            ("naive", Fails(Availability)),
            ("without-spot", Fails(Budget)),
            ("without-queue", Fails(Availability)),
            ("always-on", Fails(Budget)),
            ("lambda", Fails(Availability)),
        ],
    ),
    (
        "15-regulated-workload",
        &[
            ("reference", Stars(3)),
            ("loose-packing", Stars(2)),
            ("fixed-for-peak", Stars(1)),
            ("general-purpose-hosts", Stars(1)),
            ("mixed-families", Fails(Budget)),
            ("naive", Fails(Dedicated)),
            ("without-dedicated-host", Fails(Dedicated)),
        ],
    ),
];

fn expected(folder: &str) -> &'static [(&'static str, Want)] {
    EXPECT
        .iter()
        .find(|(f, _)| *f == folder)
        .map_or(&[], |(_, w)| *w)
}

/// Scores every solution of a level, one thread per level.
fn score_all() -> Vec<(String, String, Score)> {
    per_level(|level| {
        solutions_on_disk(level)
            .into_iter()
            .map(|(name, text)| {
                let (_, sim) = run_bundled(level, &name, &text);
                (level.folder.to_string(), name, score(&sim))
            })
            .collect()
    })
}

#[test]
fn the_campaign_has_every_lesson_then_the_challenges() {
    let all = levels();
    let kinds: Vec<LevelKind> = all
        .iter()
        .map(|l| {
            format::check_texts(l.level_file(), None)
                .unwrap_or_else(|e| panic!("{}:\n{e}", l.folder))
                .level
                .kind
        })
        .collect();
    let lessons = kinds.iter().filter(|k| **k == LevelKind::Lesson).count();
    let challenges = kinds.iter().filter(|k| **k == LevelKind::Challenge).count();
    assert!(lessons >= 11, "{lessons} lessons");
    assert!(challenges >= 4, "{challenges} challenges");
    assert!(
        kinds
            .windows(2)
            .all(|w| !(w[0] == LevelKind::Challenge && w[1] == LevelKind::Lesson)),
        "lessons come before challenges: {kinds:?}"
    );
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
fn every_level_and_solution_checks_clean_in_both_languages() {
    for level in levels() {
        let checked = format::check_texts(level.level_file(), None)
            .unwrap_or_else(|e| panic!("{}:\n{e}", level.folder));
        assert!(
            checked.warnings.is_empty(),
            "{} has warnings: {:?}",
            level.folder,
            checked.warnings
        );
        let l = &checked.level;
        assert_eq!(l.id, level.folder, "a level's id is its folder name");
        let mut texts = vec![
            ("title", &l.title),
            ("intro", &l.intro),
            ("summary", &l.summary),
        ];
        texts.extend(l.steps.iter().map(|s| ("step", &s.text)));
        for (what, text) in texts {
            assert!(
                !text.en.trim().is_empty() && !text.ko.trim().is_empty(),
                "{} {what} needs English and Korean",
                level.folder
            );
            assert!(
                text.ko
                    .chars()
                    .any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)),
                "{} {what} Korean text has no Hangul: {:?}",
                level.folder,
                text.ko
            );
        }
        assert!(
            l.steps.len() >= 3,
            "{} has {} steps",
            level.folder,
            l.steps.len()
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
fn every_solution_on_disk_has_an_expected_outcome() {
    let on_disk: BTreeSet<(String, String)> = levels()
        .iter()
        .flat_map(|l| {
            solutions_on_disk(l)
                .into_iter()
                .map(|(name, _)| (l.folder.to_string(), name))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = EXPECT
        .iter()
        .flat_map(|(folder, files)| {
            files
                .iter()
                .map(|(name, _)| (folder.to_string(), name.to_string()))
        })
        .collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "solutions with no expectation: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "expected solutions not on disk: {missing:?}"
    );
}

/// Each lesson's idea decides the outcome: every level has a three-star
/// reference, a naive design that loses, a middle design with one or two
/// stars, and a design without the taught service that loses or earns fewer.
#[test]
fn every_level_has_a_reference_a_naive_a_middle_and_a_without() {
    for level in levels() {
        let want = expected(level.folder);
        let get = |name: &str| want.iter().find(|(n, _)| *n == name).map(|(_, w)| *w);
        assert!(
            matches!(get("reference"), Some(Stars(3))),
            "{}: reference must earn three stars",
            level.folder
        );
        assert!(
            matches!(get("naive"), Some(Fails(_))),
            "{}: naive must lose",
            level.folder
        );
        assert!(
            want.iter().any(|(_, w)| matches!(w, Stars(1 | 2))),
            "{}: no middle design with one or two stars",
            level.folder
        );
        assert!(
            want.iter()
                .any(|(n, w)| n.starts_with("without-") && matches!(w, Fails(_) | Stars(0..=2))),
            "{}: no without-* design that loses or drops stars",
            level.folder
        );
    }
}

#[test]
fn every_solution_lands_where_the_lesson_says() {
    let mut wrong = Vec::new();
    for (folder, name, s) in score_all() {
        let Some(want) = expected(&folder)
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, w)| *w)
        else {
            continue;
        };
        let ok = match want {
            Stars(n) => s.passed && s.stars == n,
            Fails(goal) => !s.passed && s.failed_goals.iter().any(|f| Goal::of(f) == Some(goal)),
        };
        if !ok {
            wrong.push(format!(
                "{folder}/{name}: wanted {want:?}, got passed={} stars={} {:.3}% ${:.2} {:?}",
                s.passed, s.stars, s.availability_pct, s.cost_usd, s.failed_goals
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A reference does not hang on one lucky draw of the traffic.
#[test]
fn references_win_on_other_seeds_too() {
    let failures = per_level(|level| {
        let text = level.reference.expect("reference");
        let file = SourceFile::new(format!("levels/{}/reference.ron", level.folder), text);
        let checked =
            format::check_texts(level.level_file(), Some(file)).expect("reference checks");
        [1, 2]
            .into_iter()
            .filter_map(|seed| {
                let mut sim = sim_of(&checked, Some(seed));
                sim.run_to_end();
                let s = score(&sim);
                (!s.passed).then(|| format!("{} seed {seed}: {:?}", level.folder, s.failed_goals))
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
