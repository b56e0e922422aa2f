//! Saves that round-trip, merge, survive damage and are never written over.
use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peakload-progress-{name}-{}", std::process::id()));
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

/// A FIFO made at `path` (no writer ever opens it), by the `mkfifo` tool.
fn fifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_or_endless_device_in_place_of_the_saves_neither_hangs_nor_fills_memory() {
    // A FIFO as progress.ron: opening it for reading would block forever.
    let dir = temp_dir("fifo");
    let path = Store::at(&dir).progress_path().unwrap();
    fifo(&path);
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.clone();
    std::thread::spawn(move || {
        let mut store = Store::at(&d);
        let (progress, loaded) = store.load();
        let merged = store.save_merged(&progress).map(|_| ());
        let _ = tx.send((loaded, merged.is_ok()));
    });
    let (loaded, _) = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("loading a FIFO save returns at once");
    assert!(matches!(loaded, Loaded::Recovered { .. }), "{loaded:?}");

    // progress.ron and a saved board as links to /dev/zero: read within a bound.
    let dir = temp_dir("zero");
    let store = Store::at(&dir);
    std::fs::create_dir_all(
        store
            .solution_path("05-horizontal-scaling")
            .unwrap()
            .parent()
            .unwrap(),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", store.progress_path().unwrap()).unwrap();
    std::os::unix::fs::symlink(
        "/dev/zero",
        store.solution_path("05-horizontal-scaling").unwrap(),
    )
    .unwrap();
    let mut store = Store::at(&dir);
    let (_, loaded) = store.load();
    assert!(matches!(loaded, Loaded::Recovered { .. }), "{loaded:?}");
    let (_, text) = store
        .load_solution("05-horizontal-scaling")
        .expect("a saved board is there");
    assert!(text.is_err(), "a device is no saved board");
}
