//! Hostile files: whatever bytes arrive as a level or a solution, `check` and
//! `score` end with a verdict and a message (exit 0, 1 or 2), never a panic,
//! a hang or an abort; and whatever `check` accepts, scoring finishes within
//! the bounds of `docs/levels.md` section 6.
//!
//! The bundled levels and solutions are mutated (truncated, flipped, fields
//! doubled, numbers made huge, negative or NaN, values nested thousands deep,
//! enum variants invented, strings made long or Korean, files emptied), the
//! inputs the fuzzer once crashed on are replayed from `tests/fixtures/fuzz/`,
//! and a few cases go through the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use peakload::bundled::BundledLevel;
use peakload::format::{self, Checked, InputError, budget, load, validate};
use peakload::sim::{Score, Sim};
use proptest::prelude::*;
use proptest::sample::Index;

/// Work (server-ticks, see `format::budget`) up to which an accepted input is
/// run to its end here; bigger ones run their first [`PARTIAL_TICKS`] ticks,
/// since their bound is proved by the estimate, not by waiting.
const SMALL_WORK: u64 = 5_000_000;
/// Ticks run of an accepted input too big to run whole.
const PARTIAL_TICKS: u64 = 200;
/// Ticks the seed levels are cut to (their tick is lengthened to fit).
const SEED_TICKS: f64 = 300.0;

/// How one level and solution ended, as `peakload score` would.
#[derive(Debug)]
enum Verdict {
    /// Refused with this message (exit 2).
    Refused(String),
    /// Accepted and scored (exit 0 or 1); `whole` when run to the end.
    Scored { whole: bool },
}

/// The estimated cost of a checked level and solution.
fn cost_of(checked: &Checked) -> budget::Cost {
    budget::of_checked(checked)
}

/// Checks a level and solution given as bytes and scores them if accepted:
/// what `peakload score` does, without a process.
fn judge(level: &[u8], solution: Option<&[u8]>) -> Verdict {
    let refused = |err: InputError| {
        let message = err.to_string();
        assert!(!message.trim().is_empty(), "a refusal says why");
        Verdict::Refused(message)
    };
    let level = match load::decode("hostile/level.ron", level.to_vec()) {
        Ok(file) => file,
        Err(err) => return refused(err.into()),
    };
    let solution = match solution
        .map(|s| load::decode("hostile/solution.ron", s.to_vec()))
        .transpose()
    {
        Ok(file) => file,
        Err(err) => return refused(err.into()),
    };
    let checked = match format::check_texts(level, solution) {
        Ok(checked) => checked,
        Err(err) => return refused(err),
    };
    let cost = cost_of(&checked);
    assert!(
        cost.work() <= validate::MAX_WORK && cost.record_cells() <= validate::MAX_RECORD_CELLS,
        "accepted beyond the bounds: {cost:?}"
    );
    let mut sim = match Sim::new(peakload::sim::setup_of(&checked, None)) {
        Ok(sim) => sim,
        Err(err) => return Verdict::Refused(err.to_string()),
    };
    let whole = cost.work() <= SMALL_WORK;
    let mut ran = 0;
    while !sim.finished() && (whole || ran < PARTIAL_TICKS) {
        sim.step();
        ran += 1;
    }
    let score = Score::of(&sim);
    assert!(!peakload::cli::table(&score, &checked).is_empty());
    serde_json::to_string(&score).expect("a score encodes as JSON");
    Verdict::Scored { whole }
}

/// The bundled levels with their tick lengthened to run about [`SEED_TICKS`]
/// ticks, each with every solution on disk: valid files that score quickly.
fn seeds() -> Vec<(String, Vec<String>)> {
    common::levels()
        .iter()
        .map(|level| {
            let solutions = common::solutions_on_disk(level)
                .into_iter()
                .map(|(_, text)| text)
                .collect();
            (short_level(level), solutions)
        })
        .collect()
}

/// A bundled level's text with a tick long enough for about [`SEED_TICKS`] ticks.
fn short_level(level: &BundledLevel) -> String {
    let parsed = load::parse_level(&level.level_file()).expect("bundled levels parse");
    let tick_s = (parsed.duration.secs() / SEED_TICKS)
        .max(parsed.tick.secs())
        .min(validate::MAX_TICK_S)
        .round();
    let text = level.level;
    let at = text
        .find("\n    tick:")
        .expect("a bundled level has a tick")
        + 1;
    let end = at + text[at..].find('\n').expect("the tick line ends");
    format!("{}    tick: {tick_s},{}", &text[..at], &text[end..])
}

/// Byte ranges of numbers written in a file (outside identifiers).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if starts {
            let from = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || b".eE_".contains(&bytes[i])) {
                i += 1;
            }
            found.push((from, i));
        } else {
            i += 1;
        }
    }
    found
}

/// Byte ranges of string literals' contents.
fn strings(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], open) {
            (b'\\', Some(_)) => i += 1,
            (b'"', Some(from)) => {
                found.push((from, i));
                open = None;
            }
            (b'"', None) => open = Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    found
}

/// Byte ranges of capitalised identifiers: struct names and enum variants.
fn variants(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_uppercase()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'"'));
        if starts {
            let from = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            found.push((from, i));
        } else {
            i += 1;
        }
    }
    found
}

/// Numbers no file should get away with.
const HOSTILE_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e309",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "99999999999999999999999999999999",
    "-1",
    "-0.0",
    "-4294967296",
    "NaN",
    "inf",
    "-inf",
    "0",
    "0.0",
    "1e-320",
    "0x7fffffff",
];

/// Names no file should get away with.
const HOSTILE_NAMES: &[&str] = &[
    "Bogus",
    "cpu",
    "Web2",
    "AutoScalingGroupp",
    "Some",
    "None",
    "Level",
    "Solution",
    "",
    "웹",
];

/// One change to a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Keep the first part only.
    Truncate(Index),
    /// XOR one byte.
    Flip(Index, u8),
    /// Insert arbitrary bytes.
    Splice(Index, Vec<u8>),
    /// Write one line twice (a field given twice).
    DuplicateLine(Index),
    /// A number becomes a hostile one.
    Number(Index, &'static str),
    /// A number is multiplied (often still valid: exercises the simulation).
    Scale(Index, f64),
    /// A number becomes a value nested this deep in lists, or in parentheses.
    Nest(Index, usize, bool),
    /// A struct name or variant becomes an unknown one.
    Variant(Index, &'static str),
    /// A string becomes this long.
    LongString(Index, usize),
    /// A string becomes Korean text.
    Korean(Index),
    /// The file becomes empty.
    Empty,
    /// The file is left as it is.
    Same,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Splice(i, b)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), prop::sample::select(HOSTILE_NUMBERS))
            .prop_map(|(i, n)| Mutation::Number(i, n)),
        (
            any::<Index>(),
            prop::sample::select(vec![0.0, 0.1, 0.5, 2.0, 3.0, 10.0, 100.0])
        )
            .prop_map(|(i, f)| Mutation::Scale(i, f)),
        (
            any::<Index>(),
            prop::sample::select(vec![2usize, 31, 33, 200, 100_000]),
            any::<bool>()
        )
            .prop_map(|(i, d, b)| Mutation::Nest(i, d, b)),
        (any::<Index>(), prop::sample::select(HOSTILE_NAMES))
            .prop_map(|(i, n)| Mutation::Variant(i, n)),
        (
            any::<Index>(),
            prop::sample::select(vec![65usize, 4_001, 1_000_000])
        )
            .prop_map(|(i, n)| Mutation::LongString(i, n)),
        any::<Index>().prop_map(Mutation::Korean),
        Just(Mutation::Empty),
        Just(Mutation::Same),
    ]
}

/// Replaces the `which`-th of `spans` in `text` by what `with` makes of it.
fn replace_span(
    text: &str,
    spans: &[(usize, usize)],
    which: &Index,
    with: impl Fn(&str) -> String,
) -> Vec<u8> {
    if spans.is_empty() {
        return text.as_bytes().to_vec();
    }
    let (from, to) = spans[which.index(spans.len())];
    format!("{}{}{}", &text[..from], with(&text[from..to]), &text[to..]).into_bytes()
}

fn apply(mutation: &Mutation, text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    match mutation {
        Mutation::Truncate(at) => bytes[..at.index(bytes.len() + 1)].to_vec(),
        Mutation::Flip(at, x) => {
            let mut out = bytes.to_vec();
            if !out.is_empty() {
                let i = at.index(out.len());
                out[i] ^= x;
            }
            out
        }
        Mutation::Splice(at, junk) => {
            let mut out = bytes.to_vec();
            let i = at.index(out.len() + 1);
            out.splice(i..i, junk.iter().copied());
            out
        }
        Mutation::DuplicateLine(at) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return Vec::new();
            }
            let i = at.index(lines.len());
            let mut out = String::new();
            for (n, line) in lines.iter().enumerate() {
                out.push_str(line);
                if n == i {
                    out.push_str(line);
                }
            }
            out.into_bytes()
        }
        Mutation::Number(at, n) => replace_span(text, &numbers(text), at, |_| (*n).to_string()),
        Mutation::Scale(at, f) => replace_span(text, &numbers(text), at, |old| {
            old.replace('_', "")
                .parse::<f64>()
                .map_or_else(|_| old.to_string(), |v| format!("{}", v * f))
        }),
        Mutation::Nest(at, depth, lists) => replace_span(text, &numbers(text), at, |old| {
            let (open, close) = if *lists { ("[", "]") } else { ("(", ")") };
            format!("{}{old}{}", open.repeat(*depth), close.repeat(*depth))
        }),
        Mutation::Variant(at, name) => {
            replace_span(text, &variants(text), at, |_| (*name).to_string())
        }
        Mutation::LongString(at, n) => replace_span(text, &strings(text), at, |_| "x".repeat(*n)),
        Mutation::Korean(at) => replace_span(text, &strings(text), at, |_| {
            "웹 서버 그룹: 트래픽이 몰리면 인스턴스를 늘립니다".to_string()
        }),
        Mutation::Empty => Vec::new(),
        Mutation::Same => bytes.to_vec(),
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A mutated level, solution or both: refused with a message, or scored to
    /// the end (or, when big, for a while) without a panic.
    #[test]
    fn mutated_bundled_files_are_refused_or_scored(
        seed in any::<Index>(),
        solution in any::<Index>(),
        level_change in mutation(),
        solution_change in mutation(),
        target in 0u8..3,
    ) {
        let seeds = seeds();
        let (level, solutions) = &seeds[seed.index(seeds.len())];
        let solution = &solutions[solution.index(solutions.len())];
        let (level_change, solution_change) = match target {
            0 => (level_change, Mutation::Same),
            1 => (Mutation::Same, solution_change),
            _ => (level_change, solution_change),
        };
        let level = apply(&level_change, level);
        let solution = apply(&solution_change, solution);
        judge(&level, Some(&solution));
    }
}

/// The seeds themselves are accepted and scored to the end: the mutations
/// start from files that reach the simulation.
#[test]
fn the_seeds_check_and_score_whole() {
    for (level, solutions) in seeds() {
        for solution in solutions {
            let verdict = judge(level.as_bytes(), Some(solution.as_bytes()));
            assert!(
                matches!(verdict, Verdict::Scored { whole: true }),
                "{verdict:?}\n{level}"
            );
        }
    }
}

/// Every bundled level and solution as shipped fits every bound, and the
/// estimate's streams are the simulation's own.
#[test]
fn bundled_files_fit_the_bounds_with_room() {
    for level in common::levels() {
        for (name, text) in common::solutions_on_disk(&level) {
            let checked = common::checked(level.level, &text);
            let cost = cost_of(&checked);
            let solution = checked.solution.as_ref().map(|(s, _)| s);
            let things: Vec<_> = checked
                .level
                .preplaced
                .iter()
                .chain(solution.into_iter().flat_map(|s| &s.things))
                .collect();
            let mut links = checked.level.preplaced_links.clone();
            links.extend(solution.into_iter().flat_map(|s| s.links.iter().cloned()));
            let streams = peakload::sim::streams::discover(&checked.level, &things, &links);
            assert_eq!(
                cost.streams,
                streams.specs.len() as u64,
                "{}/{name}",
                level.folder
            );
            assert!(
                cost.work() <= validate::MAX_WORK / 4 * 3,
                "{}/{name}: {cost:?} is too close to the bound",
                level.folder
            );
            eprintln!(
                "{}/{name}: work {} ({} ticks × {}), record cells {}, servers {}, streams {}, held {}",
                level.folder,
                cost.work(),
                cost.ticks,
                cost.per_tick(),
                cost.record_cells(),
                cost.servers,
                cost.streams,
                cost.held
            );
        }
    }
}

/// A small level to stretch one bound at a time.
fn level_with(tick: &str, duration: &str, extra: &str) -> String {
    format!(
        r#"Level(
    id: "t",
    title: (en: "t", ko: "티"),
    seed: 1,
    tick: "{tick}",
    duration: "{duration}",
    workloads: [
        Workload(id: "w", class: Web, work_ms: 40.0, memory_mib: 128.0, mode: Sync(deadline: "300ms", timeout: "5s")),
    ],
    sources: [
        Source(id: "s", workload: "w", base_rps: 100.0),
    ],
    palette: (things: [OnPremises, Instance, AutoScalingGroup, LoadBalancer, Queue, Topic, Function, ContainerService]),
    goals: (availability_pct: 99.0, stars: (one: 1e9, two: 1e9, three: 1e9)),
    {extra}
)
"#
    )
}

fn solution_with(things: &str, links: &str, extra: &str) -> String {
    format!(
        "Solution(\n    level: \"t\",\n    things: [\n{things}\n    ],\n    links: [{links}],\n    {extra}\n)\n"
    )
}

/// The problems of a level and solution that must be refused.
fn refusal(level: &str, solution: Option<&str>) -> String {
    match judge(level.as_bytes(), solution.map(str::as_bytes)) {
        Verdict::Refused(message) => message,
        Verdict::Scored { .. } => panic!("accepted:\n{level}\n{solution:?}"),
    }
}

/// Asserts a refusal names its bound and a place in a file.
fn assert_names(message: &str, bound: &str, file: &str) {
    assert!(
        message.contains(bound),
        "`{bound}` not named in:\n{message}"
    );
    assert!(
        message.contains(&format!("--> hostile/{file}:")),
        "no place in {file} in:\n{message}"
    );
}

#[test]
fn the_benchmark_group_of_5000_instances_for_an_hour_is_allowed() {
    let level = level_with("1s", "1h", "");
    let solution = solution_with(
        r#"        LoadBalancer(id: "lb"),
        AutoScalingGroup(id: "g", type: "c5.large", min: 5000, desired: 5000, max: 5000),"#,
        r#"("s", "lb"), ("lb", "g")"#,
        "",
    );
    let checked = common::checked(&level, &solution);
    let cost = cost_of(&checked);
    // An hour at one-second ticks, and the drain of its 5-second timeout.
    assert_eq!((cost.ticks, cost.servers), (3605, 5000));
    assert!(cost.work() <= validate::MAX_WORK, "{cost:?}");
}

#[test]
fn each_broken_bound_is_named_and_placed() {
    let group = |max: u32| {
        format!(
            r#"        AutoScalingGroup(id: "g{max}", type: "c5.large", min: 1, desired: 1, max: {max}),"#
        )
    };
    // Ticks: too many, too short.
    assert_names(
        &refusal(&level_with("1s", "12d", ""), None),
        "MAX_TICKS",
        "level.ron",
    );
    assert_names(
        &refusal(&level_with("0.5ms", "1s", ""), None),
        "MIN_TICK_S",
        "level.ron",
    );
    // Records: 11 days at 1 s with three sources.
    let sources = r#"sources: [Source(id: "a", workload: "w", base_rps: 1.0), Source(id: "b", workload: "w", base_rps: 1.0), Source(id: "c", workload: "w", base_rps: 1.0)],"#;
    let level = level_with("1s", "11d", "").replace(
        r#"sources: [
        Source(id: "s", workload: "w", base_rps: 100.0),
    ],"#,
        sources,
    );
    assert_names(&refusal(&level, None), "MAX_RECORD_CELLS", "level.ron");
    // One group too big; all groups together too big; too much work.
    let level = level_with("1h", "1h", "");
    let too_big = solution_with(&group(10_001), "", "");
    assert_names(
        &refusal(&level, Some(&too_big)),
        "MAX_GROUP_SIZE",
        "solution.ron",
    );
    let many: String = (0..6).map(|i| group(10_000 - i)).collect();
    assert_names(
        &refusal(&level, Some(&solution_with(&many, "", ""))),
        "MAX_SERVERS",
        "solution.ron",
    );
    let long = level_with("1s", "6h", "");
    assert_names(
        &refusal(&long, Some(&solution_with(&group(10_000), "", ""))),
        "MAX_WORK",
        "solution.ron",
    );
    // Requests: calls of 1,000 per request multiply a huge rate past what
    // the counts can hold (found by hand after fuzzing, kept in fixtures/fuzz).
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fuzz/requests-overflow-through-calls"),
    )
    .expect("the fixture reads");
    let split = data
        .iter()
        .position(|&b| b == 0xFF)
        .expect("a level and a solution");
    let message = match judge(&data[..split], Some(&data[split + 1..])) {
        Verdict::Refused(message) => message,
        Verdict::Scored { .. } => panic!("the overflowing calls were accepted"),
    };
    assert_names(&message, "MAX_REQUESTS", "solution.ron");
    // Held requests: twelve big servers that may each hold a day of waiting work.
    let waiting = level_with("1s", "1d", "").replace(
        r#"memory_mib: 128.0, mode: Sync(deadline: "300ms", timeout: "5s")"#,
        r#"memory_mib: 1.0, mode: Async(deadline: "2d")"#,
    );
    let boxes: Vec<String> = (0..12)
        .map(|i| format!(r#"Instance(id: "i{i}", type: "r5.4xlarge")"#))
        .collect();
    let box_links: Vec<String> = (0..12).map(|i| format!(r#"("lb", "i{i}")"#)).collect();
    let held = solution_with(
        &format!(r#"LoadBalancer(id: "lb"), {}"#, boxes.join(", ")),
        &format!(r#"("s", "lb"), {}"#, box_links.join(", ")),
        "",
    );
    assert_names(&refusal(&waiting, Some(&held)), "MAX_HELD", "solution.ron");
    // Streams: a topic's 40 subscribers each call through a second topic of 40.
    let mut things = vec![r#"Topic(id: "t1"), Topic(id: "t2")"#.to_string()];
    let mut links = vec![r#"("s", "t1")"#.to_string()];
    for i in 0..40 {
        things.push(format!(
            r#"Queue(id: "a{i}"), Instance(id: "ai{i}", type: "c5.large"), Queue(id: "b{i}"), Instance(id: "bi{i}", type: "c5.large")"#
        ));
        links.push(format!(
            r#"("t1", "a{i}"), ("a{i}", "ai{i}"), ("ai{i}", "t2"), ("t2", "b{i}"), ("b{i}", "bi{i}")"#
        ));
    }
    let calling = level_with("1s", "1m", "").replace(
        r#"mode: Sync(deadline: "300ms", timeout: "5s")),"#,
        r#"mode: Async(deadline: "1h"), calls: [(workload: "w2")]),
        Workload(id: "w2", class: Web, work_ms: 4.0, memory_mib: 16.0, mode: Async(deadline: "1h")),"#,
    );
    let fan = solution_with(&things.join(",\n"), &links.join(", "), "");
    assert_names(
        &refusal(&calling, Some(&fan)),
        "MAX_STREAMS",
        "solution.ron",
    );
    // Counts of things, links, sources and items.
    let topics: Vec<String> = (0..501).map(|i| format!(r#"Topic(id: "t{i}")"#)).collect();
    assert_names(
        &refusal(&level, Some(&solution_with(&topics.join(","), "", ""))),
        "MAX_THINGS",
        "solution.ron",
    );
    let links: Vec<&str> = vec![r#"("s", "lb")"#; 1001];
    assert_names(
        &refusal(
            &level,
            Some(&solution_with(
                r#"LoadBalancer(id: "lb")"#,
                &links.join(","),
                "",
            )),
        ),
        "MAX_LINKS",
        "solution.ron",
    );
    let sources: Vec<String> = (0..101)
        .map(|i| format!(r#"Source(id: "s{i}", workload: "w", base_rps: 1.0)"#))
        .collect();
    let level_sources = level.replace(
        r#"Source(id: "s", workload: "w", base_rps: 100.0),"#,
        &sources.join(","),
    );
    assert_names(&refusal(&level_sources, None), "MAX_SOURCES", "level.ron");
    let events: Vec<&str> =
        vec![r#"Event(at: "00:10", what: PriceChange(purchase: Spot, multiplier: 2.0))"#; 1001];
    assert_names(
        &refusal(
            &level_with("1s", "1h", &format!("events: [{}],", events.join(","))),
            None,
        ),
        "MAX_ITEMS",
        "level.ron",
    );
    // Strings: a long id, a long text, a control character.
    let long_id = solution_with(
        &format!(r#"LoadBalancer(id: "{}")"#, "x".repeat(65)),
        "",
        "",
    );
    assert_names(
        &refusal(&level, Some(&long_id)),
        "MAX_ID_CHARS",
        "solution.ron",
    );
    let long_title = level.replace(r#"en: "t""#, &format!(r#"en: "{}""#, "t".repeat(4001)));
    assert_names(&refusal(&long_title, None), "MAX_TEXT_CHARS", "level.ron");
    let escape = solution_with(r#"LoadBalancer(id: "lb\u{1b}[2J")"#, "", "");
    assert_names(
        &refusal(&level, Some(&escape)),
        "control character",
        "solution.ron",
    );
    // Deep nesting: the files' types stop it at the first bracket too many
    // (the parser's own bound, MAX_NESTING, is tested in `format::load`).
    for (open, close) in [("[", "]"), ("(", ")")] {
        let deep = level.replace(
            "availability_pct: 99.0",
            &format!(
                "availability_pct: {}1{}",
                open.repeat(100_000),
                close.repeat(100_000)
            ),
        );
        assert_names(&refusal(&deep, None), "", "level.ron");
    }
}

#[test]
fn a_file_of_thousands_of_mistakes_lists_a_hundred_and_counts_the_rest() {
    let level = level_with("1h", "1h", "");
    let links: Vec<String> = (0..900).map(|i| format!(r#"("s", "x{i}")"#)).collect();
    let message = refusal(&level, Some(&solution_with("", &links.join(","), "")));
    assert!(
        message.contains("more problem(s) in this file are not shown"),
        "{message}"
    );
    assert!(message.matches("error:").count() <= 102, "{message}");
}

#[test]
fn a_50_mb_file_is_refused_quickly_before_parsing() {
    let start = Instant::now();
    let mut bytes = level_with("1s", "1h", "").into_bytes();
    bytes.resize(50 << 20, b' ');
    let message = match judge(&bytes, None) {
        Verdict::Refused(message) => message,
        Verdict::Scored { .. } => panic!("a 50 MB level was accepted"),
    };
    assert_names(&message, "MAX_FILE_BYTES", "level.ron");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn korean_ids_and_texts_are_fine() {
    let level = level_with("1s", "10m", "").replace(r#"id: "s""#, r#"id: "손님""#);
    let solution = solution_with(
        r#"        Instance(id: "웹서버", type: "c5.large"),"#,
        r#"("손님", "웹서버")"#,
        "",
    );
    assert!(matches!(
        judge(level.as_bytes(), Some(solution.as_bytes())),
        Verdict::Scored { whole: true }
    ));
}

/// Each input the fuzzer once broke on (`fuzz/README.md`): the level's bytes,
/// then byte 0xFF, then the solution's. `FUZZ_DIR=fuzz/corpus/check_and_score`
/// replays a whole corpus instead.
#[test]
fn fuzz_regressions_replay() {
    let dir = std::env::var_os("FUZZ_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz"),
        PathBuf::from,
    );
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for path in files {
        let data = std::fs::read(&path).expect("a fixture reads");
        let (level, solution) = match data.iter().position(|&b| b == 0xFF) {
            Some(i) => (&data[..i], Some(&data[i + 1..])),
            None => (&data[..], None),
        };
        let start = Instant::now();
        let verdict = judge(level, solution);
        eprintln!("{}: {verdict:?} in {:?}", path.display(), start.elapsed());
    }
}

fn peakload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peakload"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// A scratch folder for the files given to the binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peakload-hostile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs the binary and checks it ended as the docs promise: exit 0, 1 or 2,
/// no panic, and a message on standard error when it refused.
fn ends_well(args: &[&str]) -> (i32, String) {
    let start = Instant::now();
    let out = peakload(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(matches!(code, 0..=2), "{args:?} exited {code}:\n{err}");
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    assert!(
        code != 2 || !err.trim().is_empty(),
        "{args:?}: exit 2 without a message"
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{args:?} took {:?}",
        start.elapsed()
    );
    (code, err)
}

#[test]
fn the_binary_refuses_hostile_files_with_a_located_message() {
    let dir = scratch("cli");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("a scratch file");
        path.display().to_string()
    };
    let level = common::levels()[5].level;
    let reference = common::levels()[5].reference.expect("a reference");

    let empty = write("empty.ron", b"");
    let (code, err) = ends_well(&["check", &empty]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{empty}:1:1")), "{err}");

    // A parse error names file:line:column.
    let broken = write("broken.ron", level.replacen("tick:", "tick", 1).as_bytes());
    let (code, err) = ends_well(&["check", &broken]);
    assert_eq!(code, 2);
    let line = level
        .lines()
        .position(|l| l.contains("tick:"))
        .expect("a tick line")
        + 1;
    assert!(err.contains(&format!("{broken}:{line}:")), "{err}");

    let mut latin1 = level.as_bytes().to_vec();
    latin1.splice(20..20, [0xE9]);
    let latin1 = write("latin1.ron", &latin1);
    let (code, err) = ends_well(&["check", &latin1]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{latin1}:")) && err.contains("UTF-8"),
        "{err}"
    );

    let mut huge = level.as_bytes().to_vec();
    huge.resize(50 << 20, b' ');
    let huge = write("huge.ron", &huge);
    let (code, err) = ends_well(&["check", &huge]);
    assert_eq!(code, 2);
    assert!(
        err.contains("MAX_FILE_BYTES") && err.contains(&format!("{huge}:1:1")),
        "{err}"
    );
    let (code, _) = ends_well(&["score", "06", &huge]);
    assert_eq!(code, 2);

    let deep = write(
        "deep.ron",
        format!("Level({})", "[".repeat(1_000_000)).as_bytes(),
    );
    let (code, err) = ends_well(&["check", &deep]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{deep}:1:")), "{err}");

    // Devices, FIFOs and the like are refused before they are read: see
    // tests/files.rs, which builds them in a temporary directory.
    let (code, _) = ends_well(&["check", &dir.display().to_string()]);
    assert_eq!(code, 2);

    // A hostile solution against a bundled level, and an accepted mutant.
    let (code, _) = ends_well(&["score", "06", &deep]);
    assert_eq!(code, 2);
    let level_file = write(
        "level.ron",
        level
            .replacen("base_rps: 1000.0", "base_rps: 10.0", 1)
            .as_bytes(),
    );
    let solution = write("reference.ron", reference.as_bytes());
    let (code, _) = ends_well(&["score", &level_file, &solution]);
    assert!(code == 0 || code == 1);
    let _ = std::fs::remove_dir_all(&dir);
}
