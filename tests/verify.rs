//! The machine check of every lesson: for each bundled level that lists what
//! it `teaches`, the reference earns ★★★, the naive design fails, and a small
//! search finds no ★★★ design without one of the ideas. Also: `has` and
//! `strip` agree for every kind of idea, and the search does catch a level
//! whose budgets are so generous that the lesson's idea is not needed.

use std::num::NonZeroUsize;
use std::path::Path;

use peakload::batch;
use peakload::bundled;
use peakload::format::level::{Idea, PolicyKind, has};
use peakload::format::solution::{Purchase, ThingKind};
use peakload::format::{self, Checked, SourceFile, load};
use peakload::par::sample::Palette;
use peakload::verify::{self, Options, strip};

/// The level file and every solution beside it on disk.
fn on_disk(folder: &str) -> (SourceFile, Vec<SourceFile>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("levels")
        .join(folder);
    let level = load::read(&dir.join("level.ron")).expect("level reads");
    let solutions = batch::expand(&[dir])
        .expect("level folder lists")
        .iter()
        .map(|p| load::read(p).expect("solution reads"))
        .collect();
    (level, solutions)
}

/// Designs scored per idea: a handful, fewer where one run is slow (level
/// 01 simulates a year, 02 nine weeks), so the whole file stays near a
/// minute and a half of CPU.
fn budget_for(folder: &str) -> u32 {
    match folder.get(..2) {
        Some("01") => 2,
        Some("02") => 3,
        _ => 8,
    }
}

#[test]
fn no_lesson_can_be_won_without_what_it_teaches() {
    let mut faults = Vec::new();
    let mut checked = 0;
    for b in bundled::all() {
        let (level, solutions) = on_disk(b.folder);
        let teaches = load::parse_level(&level).expect("parses").teaches;
        if teaches.is_empty() {
            continue;
        }
        checked += 1;
        let options = Options {
            budget: budget_for(b.folder),
            seed: verify::DEFAULT_SEED,
            threads: batch::cores(),
        };
        let report = verify::verify(&level, &solutions, options)
            .unwrap_or_else(|e| panic!("{}: {e}", b.folder));
        assert!(report.reference.is_some(), "{}: no reference", b.folder);
        assert!(report.naive.is_some(), "{}: no naive", b.folder);
        assert_eq!(report.ideas.len(), teaches.len());
        for f in report.faults() {
            faults.push(format!("{}: {f}", b.folder));
        }
        for i in report.ideas.iter().filter(|i| i.violated()) {
            if let Some(best) = &i.best {
                faults.push(format!("{} without {}:\n{}", b.folder, i.label, best.ron));
            }
        }
    }
    assert!(checked >= 10, "only {checked} levels list what they teach");
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

fn checked(folder: &str) -> Checked {
    let (level, _) = on_disk(folder);
    format::check_texts(level, None).expect("level checks")
}

fn solution(folder: &str, name: &str) -> format::Solution {
    let (_, solutions) = on_disk(folder);
    let file = solutions
        .iter()
        .find(|f| f.path.ends_with(&format!("/{name}.ron")))
        .unwrap_or_else(|| panic!("{folder}/{name}.ron"));
    load::parse_solution(file).expect("parses")
}

#[test]
fn every_idea_is_recognised_and_stripped() {
    let cases: [(&str, &str, Idea); 12] = [
        (
            "08-loose-coupling",
            "reference",
            Idea::Thing(ThingKind::Queue),
        ),
        (
            "10-serverless",
            "reference",
            Idea::Thing(ThingKind::Function),
        ),
        (
            "05-horizontal-scaling",
            "reference",
            Idea::Thing(ThingKind::LoadBalancer),
        ),
        (
            "04-pricing-models",
            "reference",
            Idea::Purchase(Purchase::Spot),
        ),
        ("04-pricing-models", "reference", Idea::SavingsPlan),
        ("04-pricing-models", "reserved-3y", Idea::ReservedInstances),
        (
            "04-pricing-models",
            "reserved-3y",
            Idea::AnyOf(vec![Idea::SavingsPlan, Idea::ReservedInstances]),
        ),
        ("06-auto-scaling", "reference", Idea::Scaling),
        (
            "06-auto-scaling",
            "reference",
            Idea::Policy(PolicyKind::Predictive),
        ),
        ("07-load-balancing", "reference", Idea::InternalLoadBalancer),
        ("07-load-balancing", "reference", Idea::Draining),
        ("11-containers", "reference", Idea::Fargate),
    ];
    for (folder, name, idea) in cases {
        let c = checked(folder);
        let palette = Palette {
            level: &c.level,
            catalogue: &c.catalogue,
        };
        let s = solution(folder, name);
        assert!(has(&idea, &s, &c.level), "{folder}/{name} has {idea:?}");
        let variants = strip(&idea, &s, &palette);
        assert!(
            !variants.is_empty(),
            "{folder}: {idea:?} strips to something"
        );
        for v in &variants {
            assert!(
                !has(&idea, v, &c.level),
                "{folder}: stripped of {idea:?}\n{v:?}"
            );
        }
        // At least one stripped design is one a player could load.
        let loadable = variants.iter().any(|v| {
            let text = load::to_ron(v).expect("ron");
            format::check_texts(c.level_file.clone(), Some(SourceFile::new("v.ron", text))).is_ok()
        });
        assert!(loadable, "{folder}: no design stripped of {idea:?} checks");
    }
    // What the level's own without-* designs leave out is not there.
    let c = checked("07-load-balancing");
    assert!(!has(
        &Idea::Draining,
        &solution("07-load-balancing", "without-draining"),
        &c.level
    ));
    // Level 07's render tier behind an internet-facing balancer: no internal one.
    let mut facing = solution("07-load-balancing", "reference");
    for t in &mut facing.things {
        if let peakload::format::solution::Thing::LoadBalancer(b) = t {
            b.scheme = peakload::format::solution::Scheme::InternetFacing;
        }
    }
    assert!(has(
        &Idea::InternalLoadBalancer,
        &solution("07-load-balancing", "reference"),
        &c.level
    ));
    assert!(!has(&Idea::InternalLoadBalancer, &facing, &c.level));
    let c = checked("06-auto-scaling");
    let tracking = Idea::Policy(PolicyKind::TargetTracking);
    assert!(!has(
        &tracking,
        &solution("06-auto-scaling", "predictive-only"),
        &c.level
    ));
    assert!(!has(
        &Idea::Scaling,
        &solution("06-auto-scaling", "naive"),
        &c.level
    ));
    // Pre-placed things are the level's, not the design's: 09's mailer is a
    // pre-placed function, and the reference places none.
    let c = checked("09-sns-fan-out");
    let function = Idea::Thing(ThingKind::Function);
    assert!(!has(
        &function,
        &solution("09-sns-fan-out", "reference"),
        &c.level
    ));
    assert!(has(
        &Idea::Thing(ThingKind::Topic),
        &solution("09-sns-fan-out", "reference"),
        &c.level
    ));
}

#[test]
fn an_idea_the_palette_cannot_offer_is_refused() {
    let (level, _) = on_disk("05-horizontal-scaling");
    let text = level.text.replace(
        "teaches: [Thing(LoadBalancer)]",
        "teaches: [Thing(LoadBalancer), Thing(Function)]",
    );
    assert_ne!(text, level.text, "the level lists what it teaches");
    let err = format::check_texts(SourceFile::new("levels/x/level.ron", text), None)
        .expect_err("refused");
    let shown = err.to_string();
    assert!(shown.contains("E0104"), "{shown}");
    assert!(
        shown.contains("teaches a placed Lambda function"),
        "{shown}"
    );
}

#[test]
fn a_lesson_whose_budget_needs_no_scaling_is_caught() {
    // Level 06 with budgets so generous that a fixed fleet sized for the
    // rush wins ★★★: the search must find one and call the lesson unsound.
    let (level, solutions) = on_disk("06-auto-scaling");
    let generous = level.text.replace(
        "stars: (one: 100.0, two: 89.0, three: 66.5)",
        "stars: (one: 500.0, two: 400.0, three: 300.0)",
    );
    assert_ne!(
        generous, level.text,
        "level 06's stars are where the test expects"
    );
    let generous = generous.replace(
        "teaches: [Policy(Predictive), AnyOf([Policy(TargetTracking), Policy(Step)])]",
        "teaches: [Scaling]",
    );
    assert!(
        generous.contains("teaches: [Scaling]"),
        "level 06 lists what it teaches"
    );
    let file = SourceFile::new("levels/06-generous/level.ron", generous);
    let ours: Vec<SourceFile> = solutions
        .into_iter()
        .filter(|f| f.path.ends_with("/reference.ron") || f.path.ends_with("/naive.ron"))
        .collect();
    let options = Options {
        budget: 4,
        seed: 7,
        threads: NonZeroUsize::new(2).expect("two"),
    };
    let report = verify::verify(&file, &ours, options).expect("verifies");
    assert_eq!(report.ideas.len(), 1);
    let idea = &report.ideas[0];
    assert!(idea.violated(), "no ★★★ fixed fleet found: {idea:?}");
    assert!(!report.sound);
    assert_eq!(report.exit_status(), 1);
    let best = idea.best.as_ref().expect("a best design");
    assert_eq!(best.stars, 3);
    let design = load::parse_solution(&SourceFile::new("best.ron", best.ron.clone())).expect("RON");
    let c = format::check_texts(file.clone(), None).expect("checks");
    assert!(!has(&Idea::Scaling, &design, &c.level));
}
