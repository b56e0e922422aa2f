//! Files, folders and output a course's CI can trust (issue 18): nothing at
//! a target is replaced that should not be, nothing outside a folder is read
//! or leaked, no name forges a line, and a failed write is an error. Every
//! case is built in a temporary directory; none touches the real `/dev`.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const LEVEL: &str = "08";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peakload"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs the binary with a deadline: a FIFO must never make it hang.
fn run(args: &[&str]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("peakload {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn all_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn reference() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("levels/08-loose-coupling/reference.ron")
        .display()
        .to_string()
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// `score --trace` into `target`: its exit code and output.
fn trace_to(target: &Path) -> Output {
    run(&["score", LEVEL, &reference(), "--trace", &p(target)])
}

#[test]
fn a_trace_never_replaces_a_fifo_a_directory_or_a_read_only_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo.csv");
    mkfifo(&fifo);
    let out = trace_to(&fifo);
    assert_eq!(out.status.code(), Some(2), "{}", all_text(&out));
    assert!(all_text(&out).contains("FIFO"), "{}", all_text(&out));
    let meta = std::fs::symlink_metadata(&fifo).expect("still there");
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");

    let sub = dir.path().join("sub.csv");
    std::fs::create_dir(&sub).expect("mkdir");
    let out = trace_to(&sub);
    assert_eq!(out.status.code(), Some(2));
    assert!(sub.is_dir());

    let locked = dir.path().join("locked.csv");
    std::fs::write(&locked, "keep me").expect("write");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = trace_to(&locked);
    assert_eq!(out.status.code(), Some(2), "{}", all_text(&out));
    assert!(all_text(&out).contains("read-only"), "{}", all_text(&out));
    assert_eq!(std::fs::read_to_string(&locked).expect("read"), "keep me");
}

#[test]
fn a_trace_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = dir.path().join("link.csv");
    symlink(&real, &link).expect("symlink");
    let out = trace_to(&link);
    assert!(out.status.code() == Some(0), "{}", all_text(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(&real).expect("read");
    assert!(written.starts_with("tick,"), "{written:.40}");
    let mode = std::fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "permissions kept");
    // Nothing of ours is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_character_device_is_written_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let null = dir.path().join("null");
    // Making a device needs root; where it cannot be made, there is nothing to test.
    let made = Command::new("mknod")
        .args([&p(&null), "c", "1", "3"])
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mknod not permitted here; skipped");
        return;
    }
    let out = trace_to(&null);
    assert_eq!(out.status.code(), Some(0), "{}", all_text(&out));
    let meta = std::fs::symlink_metadata(&null).expect("still there");
    assert!(meta.file_type().is_char_device(), "the device was replaced");
}

#[test]
fn stale_temp_files_of_ours_are_cleaned_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stale = dir.path().join(".trace.csv.peakload-AbC123.tmp");
    let fresh = dir.path().join(".other.csv.peakload-XyZ789.tmp");
    let theirs = dir.path().join(".trace.csv.tmp");
    for f in [&stale, &fresh, &theirs] {
        std::fs::write(f, "partial").expect("write");
    }
    let planted = dir.path().join(".x.peakload-link.tmp");
    symlink(&theirs, &planted).expect("symlink");
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for f in [&stale, &theirs] {
        std::fs::File::options()
            .write(true)
            .open(f)
            .and_then(|f| f.set_modified(old))
            .expect("age it");
    }
    let out = trace_to(&dir.path().join("trace.csv"));
    assert_eq!(out.status.code(), Some(0), "{}", all_text(&out));
    assert!(!stale.exists(), "a stale temp file of ours stays");
    assert!(
        fresh.exists(),
        "a temp file another game may be writing was removed"
    );
    assert!(theirs.exists(), "a file not of our naming was removed");
    assert!(
        std::fs::symlink_metadata(&planted).is_ok(),
        "a symlink was removed"
    );
}

#[test]
fn a_failed_write_to_stdout_is_exit_2() {
    let mut child = bin()
        .args(["score", LEVEL, &reference(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Close the reading end before anything is written: every write fails.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_fifo_or_a_directory_given_as_a_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("solution.ron");
    mkfifo(&fifo);
    for args in [
        vec!["check", LEVEL, &p(&fifo)],
        vec!["score", LEVEL, &p(&fifo)],
        vec!["check", &p(&fifo)],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            all_text(&out).contains("not a regular file"),
            "{args:?}: {}",
            all_text(&out)
        );
    }
}

/// A folder of students' files with every kind of entry a hostile one could hold.
fn hostile_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let class = dir.path().join("class");
    std::fs::create_dir(&class).expect("mkdir");
    std::fs::copy(reference(), class.join("alice.ron")).expect("copy");
    let secret = dir.path().join("secret.ron");
    std::fs::write(&secret, "SECRET=hunter2\n").expect("write");
    symlink(&secret, class.join("out.ron")).expect("symlink");
    symlink(class.join("alice.ron"), class.join("same.ron")).expect("symlink");
    symlink(class.join("nowhere"), class.join("dangling.ron")).expect("symlink");
    symlink(class.join("loop2.ron"), class.join("loop1.ron")).expect("symlink");
    symlink(class.join("loop1.ron"), class.join("loop2.ron")).expect("symlink");
    mkfifo(&class.join("pipe.ron"));
    std::fs::create_dir(class.join("folder.ron")).expect("mkdir");
    let _socket = std::os::unix::net::UnixListener::bind(class.join("sock.ron")).expect("socket");
    (dir, class)
}

#[test]
fn a_folder_gives_only_its_own_regular_files_and_a_line_for_each_skipped_entry() {
    let (_dir, class) = hostile_folder();
    for command in ["score", "check"] {
        let out = run(&[command, LEVEL, &p(&class)]);
        let text = all_text(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {text}");
        assert!(!text.contains("hunter2"), "{command} leaked: {text}");
        for (name, why) in [
            ("out.ron", "out of the folder"),
            ("dangling.ron", "dangling"),
            ("loop1.ron", "loops"),
            ("loop2.ron", "loops"),
            ("pipe.ron", "FIFO"),
            ("folder.ron", "directory"),
            ("sock.ron", "socket"),
        ] {
            let line = text
                .lines()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("{command}: no line for {name}: {text}"));
            assert!(line.contains(why), "{command}: {line}");
        }
        if command == "score" {
            assert!(text.contains("alice.ron  PASSED"), "{text}");
            assert!(text.contains("same.ron  PASSED"), "{text}");
        }
    }
}

#[test]
fn a_name_cannot_forge_a_line_and_json_stays_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let forged = "bob.ron\ncarol.ron  PASSED ★★★  100.000%  $2.75\n\u{202e}zz.ron";
    std::fs::copy(reference(), dir.path().join(forged)).expect("copy");
    std::fs::write(dir.path().join("\u{1b}[2Jclear.ron"), "Solution(").expect("write");
    let out = run(&["score", LEVEL, &p(dir.path())]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.starts_with(&p(dir.path()))),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'));
    assert!(
        stdout.contains("\\n") && stdout.contains("\\u{202e}"),
        "{stdout}"
    );

    let out = run(&["score", LEVEL, &p(dir.path()), "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(v["solution"].is_string());
        assert!(!line.contains('\u{1b}'));
    }
    let names: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["solution"].as_str().map(str::to_string))
        .collect();
    assert!(names.iter().any(|n| n.ends_with(forged)), "{names:?}");
}

#[test]
fn ids_with_control_or_bidi_characters_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(reference())
        .expect("read")
        .replace("\"shop-lb\"", "\"shop\\u{202e}bl\"");
    let file = dir.path().join("bidi.ron");
    std::fs::write(&file, text).expect("write");
    let out = run(&["check", LEVEL, &p(&file)]);
    let text = all_text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("E0116"), "{text}");
    assert!(!text.contains('\u{202e}'), "printed raw: {text}");
}

#[test]
fn a_file_past_the_size_limit_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.ron");
    std::fs::write(&big, vec![b' '; 3 << 20]).expect("write");
    let out = run(&["check", LEVEL, &p(&big)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        all_text(&out).contains("MAX_FILE_BYTES"),
        "{}",
        all_text(&out)
    );
}
