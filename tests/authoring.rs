//! What a level author sees (issue 17): warnings where a teacher might mean
//! it, `check --json` with stable codes, a folder of solutions checked at
//! once, and the codes and bounds the docs promise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use peakload::format::bounds::Bound;
use peakload::format::code::Code;

fn peakload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peakload"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// A fixture's `// key: value` header line.
fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("// {key}: ")).map(str::to_string))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("inside the crate")
        .display()
        .to_string()
}

/// `check` arguments for a fixture: against its level, or as a level.
fn check_args(path: &Path, text: &str) -> Vec<String> {
    let mut args = vec!["check".to_string()];
    args.extend(header(text, "level"));
    args.push(rel(path));
    args
}

#[test]
fn warnings_are_shown_where_they_belong_and_do_not_stop_the_file() {
    let files = fixtures("warn");
    assert!(files.len() >= 6);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let expect = header(&text, "expect").expect("names its message");
        let at = header(&text, "at").expect("names its place");
        let place = if at.contains('/') {
            at
        } else {
            format!("{}:{at}", rel(&path))
        };
        let args = check_args(&path, &text);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = peakload(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.contains(&expect), "{args:?}: `{expect}` not in\n{err}");
        assert!(err.contains(&place), "{args:?}: {place} not in\n{err}");
        assert!(err.contains("warning[W"), "{err}");
    }
}

#[test]
fn check_json_gives_one_object_per_problem_with_a_listed_code() {
    let codes: Vec<&str> = Code::all().into_iter().map(Code::id).collect();
    for path in fixtures("bad").into_iter().chain(fixtures("warn")) {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let mut args = check_args(&path, &text);
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = peakload(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.trim().is_empty(), "{args:?}: nothing printed");
        for line in stdout.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            for field in ["file", "line", "col", "severity", "code", "message", "hint"] {
                assert!(v.get(field).is_some(), "{field} missing in {line}");
            }
            let code = v["code"].as_str().expect("a code");
            assert!(codes.contains(&code), "{code} is not a listed code");
            let severity = v["severity"].as_str().expect("severity");
            assert_eq!(code.starts_with('E'), severity == "error", "{line}");
        }
        let expect = header(&text, "expect").expect("message");
        assert!(stdout.contains(&expect.replace('"', "\\\"")) || stdout.contains(&expect));
    }
}

#[test]
fn the_docs_list_every_code_and_every_bound() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/levels.md"))
            .expect("docs");
    for code in Code::all() {
        assert!(
            docs.contains(&format!("| `{}` |", code.id())),
            "docs/levels.md does not list {} ({})",
            code.id(),
            code.summary()
        );
    }
    for bound in Bound::ALL {
        assert!(
            docs.contains(&format!("`{}`", bound.name())),
            "docs/levels.md does not name {}",
            bound.name()
        );
    }
}

#[test]
fn a_folder_of_solutions_is_checked_at_once() {
    let out = peakload(&["check", "08", "levels/08-loose-coupling"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("level and 5 of 5 solutions OK"), "{stdout}");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        "levels/08-loose-coupling/reference.ron",
        dir.path().join("good.ron"),
    )
    .expect("copy");
    std::fs::copy(
        "tests/fixtures/bad/solution-loop.ron",
        dir.path().join("loop.ron"),
    )
    .expect("copy");
    let out = peakload(&["check", "08", &dir.path().display().to_string(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("\"code\":\"E0112\""), "{stdout}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(std::fs::read("levels/08-loose-coupling/reference.ron").expect("read"));
    let file = dir.path().join("bom.ron");
    std::fs::write(&file, bytes).expect("write");
    let out = peakload(&["check", "08", &file.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_level_whose_id_is_not_its_folder_is_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("16-my-level");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::copy(
        "levels/08-loose-coupling/level.ron",
        folder.join("level.ron"),
    )
    .expect("copy");
    let out = peakload(&["check", &folder.display().to_string()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "the level id `08-loose-coupling` is not the name of its folder `16-my-level`"
        ),
        "{err}"
    );
}

#[test]
fn thousands_of_near_miss_ids_are_checked_quickly() {
    // Issue 18: a solution of near-miss ids once took 15 s of CPU, every id
    // getting an edit-distance hint though only 100 problems are printed.
    let id = |i: usize| format!("{}-{i:04}", "x".repeat(56));
    let things: String = (0..490)
        .map(|i| format!("        Queue(id: \"{}\"),\n", id(i)))
        .collect();
    let links: Vec<String> = (0..990)
        .map(|i| {
            format!(
                "(\"{}\", \"{}\")",
                id(i % 490).replace('x', "y"),
                id(i % 490)
            )
        })
        .collect();
    let text = format!(
        "Solution(\n    level: \"08-loose-coupling\",\n    things: [\n{things}    ],\n    links: [{}],\n)\n",
        links.join(",\n        ")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("near.ron");
    std::fs::write(&file, text).expect("write");
    let started = std::time::Instant::now();
    let out = peakload(&["check", "08", &file.display().to_string()]);
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("more problem(s) in this file are not shown"),
        "{err:.2000}"
    );
    assert!(took.as_secs_f64() < 3.0, "check took {took:?}");
}
