//! The real binary: exit codes, byte-identical JSON, and broken files that
//! give a located message and exit 2 instead of a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn peakload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peakload"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn score_exits_0_when_the_goals_are_met_and_1_when_not() {
    let won = peakload(&[
        "score",
        "levels/05-horizontal-scaling",
        "levels/05-horizontal-scaling/reference.ron",
    ]);
    assert_eq!(won.status.code(), Some(0), "{}", text(&won.stderr));
    assert!(
        text(&won.stdout).contains("PASSED ★★★"),
        "{}",
        text(&won.stdout)
    );
    let lost = peakload(&["score", "05", "levels/05-horizontal-scaling/naive.ron"]);
    assert_eq!(lost.status.code(), Some(1));
    assert!(text(&lost.stdout).contains("availability"));
}

#[test]
fn json_has_the_agreed_fields() {
    let out = peakload(&[
        "score",
        "06-auto-scaling",
        "levels/06-auto-scaling/reference.ron",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for field in [
        "level",
        "seed",
        "ticks",
        "passed",
        "stars",
        "availability_pct",
        "cost_usd",
        "requests",
        "latency_ms",
        "wait_ms",
        "cost_by_service",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    for field in ["arrived", "ok", "late", "dropped", "pending"] {
        assert!(v["requests"][field].is_u64(), "missing requests.{field}");
    }
    for field in ["p50", "p95", "p99"] {
        assert!(
            v["latency_ms"][field].is_f64(),
            "missing latency_ms.{field}"
        );
    }
    assert_eq!(v["level"], "06-auto-scaling");
    assert_eq!(v["ticks"], 43_200, "a day of 2-second ticks");
    assert_eq!(v["stars"], 3);
    let by_service: f64 = v["cost_by_service"]
        .as_object()
        .expect("object")
        .values()
        .filter_map(|x| x.as_f64())
        .sum();
    let total = v["cost_usd"].as_f64().expect("number");
    assert!((by_service - total).abs() < 1e-6 * total.max(1.0));
}

#[test]
fn the_same_input_and_seed_give_byte_identical_json() {
    let args = [
        "score",
        "levels/01-on-prem-dilemma/level.ron",
        "levels/01-on-prem-dilemma/reference.ron",
        "--json",
    ];
    let first = peakload(&args);
    let second = peakload(&args);
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);

    let seeded = |seed: &str| {
        peakload(&[
            "score",
            "06",
            "levels/06-auto-scaling/naive.ron",
            "--json",
            "--seed",
            seed,
        ])
        .stdout
    };
    assert_eq!(seeded("99"), seeded("99"));
    assert_ne!(
        seeded("99"),
        seeded("100"),
        "another seed draws other traffic"
    );
    let v: serde_json::Value = serde_json::from_slice(&seeded("99")).expect("json");
    assert_eq!(v["seed"], 99);
}

#[test]
fn trace_writes_one_row_per_tick() {
    let dir = std::env::temp_dir().join(format!("peakload-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("trace.csv");
    let out = peakload(&[
        "score",
        "05",
        "levels/05-horizontal-scaling/reference.ron",
        "--trace",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let csv = std::fs::read_to_string(&path).expect("trace written");
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    for col in [
        "tick",
        "clients_arrived",
        "clients_pending",
        "arrived",
        "ok",
        "late",
        "dropped",
        "pending",
        "in_flight",
        "capacity_rps",
        "utilisation",
        "cost_usd",
    ] {
        assert!(header.split(',').any(|c| c == col), "missing column {col}");
    }
    assert_eq!(lines.count(), 4 * 3600);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_accepts_every_bundled_level_and_lists_them() {
    let listed = text(&peakload(&["levels"]).stdout);
    for folder in [
        "01-on-prem-dilemma",
        "05-horizontal-scaling",
        "06-auto-scaling",
    ] {
        assert!(listed.contains(folder), "{listed}");
        let out = peakload(&["check", folder, &format!("levels/{folder}/reference.ron")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn without_a_terminal_the_game_says_so_and_help_lists_every_command() {
    // No arguments opens the game; with output piped there is no screen to draw on.
    let out = peakload(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("needs a terminal"),
        "{}",
        text(&out.stderr)
    );
    let help = text(&peakload(&["--help"]).stdout);
    for command in [
        "play", "sandbox", "score", "check", "levels", "new", "--lang",
    ] {
        assert!(help.contains(command), "{help}");
    }
}

/// Each broken file names its own expected message and position in header comments.
#[test]
fn broken_files_give_exit_2_and_a_located_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 8);
    for path in files {
        let source = std::fs::read_to_string(&path).expect("fixture");
        let header = |key: &str| {
            source
                .lines()
                .find_map(|l| l.strip_prefix(&format!("// {key}: ")).map(str::to_string))
        };
        let expect = header("expect").expect("fixture names its message");
        let at = header("at").expect("fixture names its position");
        let rel = format!(
            "tests/fixtures/bad/{}",
            path.file_name().and_then(|n| n.to_str()).expect("name")
        );
        let runs: Vec<Vec<String>> = match header("level") {
            Some(level) => vec![
                vec!["check".into(), level.clone(), rel.clone()],
                vec!["score".into(), level, rel.clone(), "--json".into()],
            ],
            None => vec![vec!["check".into(), rel.clone()]],
        };
        for args in runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = peakload(&args);
            let err = text(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{rel}: {args:?} should exit 2, stderr:\n{err}"
            );
            assert!(
                err.contains(&expect),
                "{rel}: expected `{expect}` in:\n{err}"
            );
            assert!(
                err.contains(&format!("{rel}:{at}")),
                "{rel}: expected position {at} in:\n{err}"
            );
            assert!(!err.contains("panicked"), "{rel} panicked:\n{err}");
            assert!(
                out.stdout.is_empty() || !args.contains(&"--json"),
                "{rel}: no JSON on input errors"
            );
        }
    }
}

#[test]
fn a_missing_file_is_an_input_error() {
    let out = peakload(&["score", "05", "no/such/solution.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/solution.ron"));
    let out = peakload(&["check", "no-such-level"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn new_writes_a_starter_that_checks_scores_and_is_never_written_twice() {
    let root = std::env::temp_dir().join(format!("peakload-cli-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("16-newsletter");
    let dir_s = dir.to_str().expect("utf-8 temp path");
    let out = peakload(&["new", dir_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("peakload check"));
    let check = peakload(&["check", dir_s, &format!("{dir_s}/reference.ron")]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("0 warning(s)"));
    let won = peakload(&["score", dir_s, &format!("{dir_s}/reference.ron"), "--json"]);
    assert_eq!(won.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&won.stdout).expect("json");
    assert_eq!(
        (v["level"].as_str(), v["stars"].as_u64()),
        (Some("16-newsletter"), Some(3))
    );
    let lost = peakload(&["score", dir_s, &format!("{dir_s}/naive.ron")]);
    assert_eq!(lost.status.code(), Some(1));
    // A second `new` on the same folder refuses and leaves the files alone.
    let before = std::fs::read_to_string(dir.join("level.ron")).expect("level");
    let again = peakload(&["new", dir_s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.join("level.ron")).expect("level"),
        before
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn score_takes_many_solutions_and_answers_one_line_each_in_order() {
    let dir = "levels/08-loose-coupling";
    let files = [
        format!("{dir}/naive.ron"),
        "tests/fixtures/bad/solution-link-into-nothing.ron".to_string(),
        "no/such/file.ron".to_string(),
        format!("{dir}/reference.ron"),
    ];
    let mut args = vec!["score", "08"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let out = peakload(&args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the worst of them: an input error"
    );
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (line, file) in lines.iter().zip(&files) {
        assert_eq!(line["solution"], file.as_str(), "in the order given");
    }
    assert_eq!(lines[0]["passed"], false);
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("link-into-nothing.ron:"))
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("no/such/file.ron"))
    );
    assert_eq!(lines[3]["stars"], 3);

    // Each line carries the same score as scoring that file alone.
    let alone = peakload(&["score", "08", &files[3], "--json"]);
    let alone: serde_json::Value = serde_json::from_slice(&alone.stdout).expect("json");
    let mut batch = lines[3].clone();
    batch.as_object_mut().map(|o| o.remove("solution"));
    assert_eq!(batch, alone);

    // A folder gives its solutions in name order, not its level file.
    let out = peakload(&["score", "08", dir]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some miss a goal, none is broken"
    );
    let table = text(&out.stdout);
    let named: Vec<&str> = table.lines().filter_map(|l| l.split("  ").next()).collect();
    let mut sorted = named.clone();
    sorted.sort_unstable();
    assert_eq!(named, sorted);
    assert!(named.iter().all(|n| !n.ends_with("level.ron")), "{table}");
    assert!(
        named.contains(&"levels/08-loose-coupling/reference.ron"),
        "{table}"
    );

    let out = peakload(&["score", "08", dir, "--trace", "/tmp/never.csv"]);
    assert_eq!(out.status.code(), Some(2), "--trace takes one solution");
}
