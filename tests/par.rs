//! Par files: every bundled level ships one that matches its text; sampling
//! is reproducible (the same seed draws the same designs, and designs scored
//! again give exactly the stored figures); the percentiles say what the
//! results screen claims; and `peakload par` writes a file for a level folder.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::Command;

use peakload::batch;
use peakload::bundled::{self, BundledLevel};
use peakload::format::{SourceFile, load};
use peakload::par::{self, Par, Record, sample};

/// The solution files beside a bundled level on disk: what `peakload par` started from.
fn starts(level: &BundledLevel) -> Vec<SourceFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("levels")
        .join(level.folder);
    batch::expand(&[dir])
        .expect("level folder lists")
        .iter()
        .map(|p| load::read(p).expect("solution reads"))
        .collect()
}

fn shipped(level: &BundledLevel) -> Par {
    let text = level
        .par
        .unwrap_or_else(|| panic!("{} ships no par.ron (run `peakload par`)", level.folder));
    Par::parse(&SourceFile::new(
        format!("levels/{}/par.ron", level.folder),
        text,
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_bundled_level_embeds_every_solution_its_folder_holds_in_the_same_order() {
    for level in bundled::all() {
        let embedded: Vec<(String, String)> =
            level.solution_files().map(|f| (f.path, f.text)).collect();
        let on_disk: Vec<(String, String)> = starts(&level)
            .into_iter()
            .map(|f| {
                let name = Path::new(&f.path)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("a file name")
                    .to_string();
                (format!("levels/{}/{name}", level.folder), f.text)
            })
            .collect();
        assert_eq!(embedded, on_disk, "{}", level.folder);
        assert!(
            embedded.len() >= 2,
            "{}: reference and naive at least",
            level.folder
        );
        for which in ["reference", "naive"] {
            let file = level.solution_file(which).expect("embedded");
            assert_eq!(file.path, format!("levels/{}/{which}.ron", level.folder));
        }
        assert_eq!(
            level
                .solution_file("reference")
                .map(|f| f.text.to_string())
                .as_deref(),
            level.reference
        );
    }
}

#[test]
fn every_bundled_level_ships_a_par_that_matches_it() {
    for level in bundled::all() {
        let p = shipped(&level);
        assert_eq!(p.level, level.folder);
        assert!(
            p.matches(level.level),
            "{}/par.ron is stale: run `peakload par levels/{}`",
            level.folder,
            level.folder
        );
        assert!(
            p.samples >= par::DEFAULT_SAMPLES,
            "{}: {}",
            level.folder,
            p.samples
        );
        let met = p.met_goal().count();
        assert!(met > 0, "{}: no sampled design met the goal", level.folder);
        assert!(
            met < p.designs.len(),
            "{}: every sampled design met the goal",
            level.folder
        );
        // Numbered 0.. in sampling order, listed cheapest first.
        let mut numbers: Vec<u32> = p.designs.iter().map(|d| d.design).collect();
        numbers.sort_unstable();
        assert!(numbers.iter().copied().eq(0..p.samples), "{}", level.folder);
        assert!(
            p.designs.windows(2).all(|w| w[0].cost_usd <= w[1].cost_usd),
            "{}",
            level.folder
        );
        // The game finds it for the level, by id and by text.
        assert_eq!(par::bundled(level.folder).as_ref(), Some(&p));
        let found = par::find_for(&SourceFile::new("/nowhere/level.ron", level.level));
        assert_eq!(found.ok().flatten().as_ref(), Some(&p));
    }
}

#[test]
fn sampling_again_draws_the_stored_designs_and_scores_them_the_same() {
    let threads = NonZeroUsize::new(2).expect("non-zero");
    for name in ["14-batch-night", "08-loose-coupling"] {
        let level = bundled::find(name).expect("bundled");
        let p = shipped(&level);
        let starts = starts(&level);
        let drawn = sample::sample(&level.level_file(), &starts, p.samples, p.seed)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(drawn.designs.len(), p.designs.len(), "{name}");
        let stored = |i: u32| {
            p.designs
                .iter()
                .find(|d| d.design == i)
                .unwrap_or_else(|| panic!("{name}: design {i} missing"))
        };
        // Every design comes from where the file says it did.
        for (i, d) in drawn.designs.iter().enumerate() {
            assert_eq!(d.from, stored(i as u32).from, "{name}: design {i}");
        }
        // The first three changed or generated designs score exactly as stored.
        let picked: Vec<(u32, &sample::Design)> = drawn
            .designs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.from.contains('+') || d.from == "generated")
            .take(3)
            .map(|(i, d)| (i as u32, d))
            .collect();
        let files: Vec<SourceFile> = picked
            .iter()
            .map(|(i, d)| {
                SourceFile::new(
                    format!("design-{i}.ron"),
                    load::to_ron(&d.solution).expect("ron"),
                )
            })
            .collect();
        let scores = batch::score_all(&level.level_file(), &files, None, threads);
        for ((i, d), score) in picked.iter().zip(scores) {
            let score = score.unwrap_or_else(|e| panic!("{name}: design {i}: {e}"));
            assert_eq!(&Record::of(*i, &d.from, &score), stored(*i), "{name}");
        }
    }
}

#[test]
fn the_same_seed_draws_the_same_designs_and_another_seed_others() {
    let level = bundled::find("05-horizontal-scaling").expect("bundled");
    let starts = starts(&level);
    let texts = |seed| {
        sample::sample(&level.level_file(), &starts, 40, seed)
            .expect("samples")
            .designs
            .iter()
            .map(|d| load::to_ron(&d.solution).expect("ron"))
            .collect::<Vec<_>>()
    };
    let first = texts(9);
    assert_eq!(first, texts(9));
    assert_ne!(first, texts(10));
    // No design is drawn twice.
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len());
}

#[test]
fn too_few_designs_is_an_error_not_a_loop() {
    // A level whose palette offers nothing to serve with and no solution to
    // start from: nothing valid can be drawn.
    let level = bundled::find("08-loose-coupling").expect("bundled");
    let text = level.level.replace(
        "things: [Instance, AutoScalingGroup, LoadBalancer, Queue]",
        "things: [Queue]",
    );
    assert_ne!(
        text, level.level,
        "the palette line is where the test expects it"
    );
    let file = SourceFile::new("levels/queue-only/level.ron", text);
    let err = sample::sample(&file, &[], 5, 1).expect_err("nothing serves");
    let shown = err.to_string();
    assert!(shown.contains("only 0 of the 5 designs"), "{shown}");
}

/// Ten designs, hand-made: six met the goal at $1..$6, four missed it.
fn hand_made() -> Par {
    let record = |design: u32, cost_usd: f64, availability_pct: f64, passed: bool| Record {
        design,
        from: "generated".into(),
        cost_usd,
        availability_pct,
        passed,
        stars: if passed { 1 } else { 0 },
    };
    let mut designs: Vec<Record> = (1..=6)
        .map(|c| record(c, f64::from(c), 99.5, true))
        .collect();
    designs.extend([
        record(7, 0.5, 40.0, false),
        record(8, 0.7, 80.0, false),
        record(9, 9.0, 98.0, false),
        record(10, 0.9, 99.8, false),
    ]);
    Par {
        level: "hand-made".into(),
        level_hash: par::level_hash(""),
        seed: 0,
        samples: 10,
        designs,
    }
}

#[test]
fn percentiles_on_hand_made_designs() {
    let p = hand_made();
    // $2.50 is cheaper than $3, $4, $5 and $6: four of the six that met the goal.
    assert_eq!(p.cost_beats_pct(2.5), Some(66));
    assert_eq!(p.cost_beats_pct(0.1), Some(100));
    assert_eq!(p.cost_beats_pct(6.0), Some(0), "a tie beats nobody");
    // 99.0% is above 40, 80 and 98: three of all ten.
    assert_eq!(p.availability_beats_pct(99.0), Some(30));
    assert_eq!(p.availability_beats_pct(100.0), Some(100));
    let h = p.cost_histogram(6, 2.5).expect("six met the goal");
    assert_eq!(h.counts.iter().sum::<u32>(), 6);
    let a = p.availability_histogram(12, 99.0).expect("ten designs");
    assert_eq!(a.counts.iter().sum::<u32>(), 10);
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peakload-par-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn peakload(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_peakload"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_par_command_writes_par_ron_beside_a_level_folder() {
    let root = scratch("cli");
    let folder = root.join("08-loose-coupling");
    std::fs::create_dir_all(&folder).expect("folder");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("levels/08-loose-coupling");
    for entry in std::fs::read_dir(&source).expect("level folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name");
        if name != "par.ron" {
            std::fs::copy(&path, folder.join(name)).expect("copy");
        }
    }
    let dir = folder.to_str().expect("utf-8 path");
    let out = peakload(&["par", dir, "--samples", "20"], &root);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("met the goal:"), "{said}");
    let written = load::read(&folder.join("par.ron")).expect("par.ron written");
    let p = Par::parse(&written).expect("parses");
    assert_eq!(p.samples, 20);
    let level_text = std::fs::read_to_string(folder.join("level.ron")).expect("level");
    assert!(p.matches(&level_text));
    // The same command writes the same file: sampling is seeded.
    let _ = peakload(
        &["par", dir, "--samples", "20", "--out", "again.ron"],
        &root,
    );
    let again = std::fs::read_to_string(root.join("again.ron")).expect("again.ron");
    assert_eq!(again, written.text);

    // A bundled level with no folder here needs --out.
    let out = peakload(&["par", "08", "--samples", "5"], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
    // With it, the bundled level starts from every solution its folder holds,
    // so its par is the folder's, the one the game ships.
    let out = peakload(
        &["par", "08", "--samples", "20", "--out", "bundled.ron"],
        &root,
    );
    assert_eq!(out.status.code(), Some(0));
    let bundled = std::fs::read_to_string(root.join("bundled.ron")).expect("bundled.ron");
    assert_eq!(bundled, written.text);
    let _ = std::fs::remove_dir_all(&root);
}
