//! Hostile input on the screen: any sequence of keys, mouse clicks, resizes
//! (down to nothing) and frames of wall time, in any screen (campaign map,
//! sandbox chooser, every bundled level with an empty, naive or reference
//! build, the inspector typing, runs at every speed, results, help, both
//! languages), never panics, draws every frame, and never corrupts the
//! architecture being built:
//!
//! - every change to the build is one undo step: undo gives back the exact
//!   solution from before it (compared as the saved text) and redo the exact
//!   solution after it; an undo or redo key is itself undone by redo or undo;
//! - an undo step never restores an identical build (a step the player could
//!   not see), and a running or judged build never changes;
//! - the build stays whole: ids unique, every link and every layout entry
//!   names a box, no two boxes share a cell, the cursor stays on the grid,
//!   and the build round-trips through its saved text;
//! - a campaign level reopens with exactly the build it was left with (kept
//!   in the data directory).
//!
//! Runs advance by a bounded number of whole ticks or by short frames of wall
//! time, so a case takes milliseconds. Saves go to a fresh temporary data
//! directory per case.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use peakload::bundled;
use peakload::format::{self, SourceFile, load};
use peakload::tui::app::{App, Screen};
use peakload::tui::play::{GRID_MAX, Play};
use peakload::tui::progress::Store;
use peakload::tui::strings::Lang;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

/// Which build a level opens with.
#[derive(Debug, Clone, Copy)]
enum Build {
    Empty,
    Naive,
    Reference,
}

/// Where a case starts.
#[derive(Debug, Clone)]
enum Start {
    /// The campaign map, as a new player sees it or with every level passed.
    Campaign { all_passed: bool },
    /// The sandbox's traffic chooser.
    Sandbox,
    /// A bundled level (index into `bundled::all()`) opened with a build.
    Level { index: usize, build: Build },
}

/// One thing that happens to the game.
#[derive(Clone)]
enum Input {
    /// A key, as crossterm reports it.
    Key(KeyCode, KeyModifiers, KeyEventKind),
    /// A left click at a cell (possibly outside the terminal after a resize).
    Click(u16, u16),
    /// The terminal changes size.
    Resize(u16, u16),
    /// One frame of wall time passes (at `max` speed this spends the frame budget).
    Frame(u64),
    /// The run advances by whole ticks, as many frames at high speed would.
    Ticks(u32),
    /// The run goes to its end at once.
    Finish,
}

impl std::fmt::Debug for Input {
    // Short, so a shrunk case of two hundred inputs can be read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Key(code, m, k) => {
                write!(f, "{code:?}")?;
                if !m.is_empty() {
                    write!(f, "+{m}")?;
                }
                if *k != KeyEventKind::Press {
                    write!(f, "({k:?})")?;
                }
                Ok(())
            }
            Input::Click(x, y) => write!(f, "Click({x},{y})"),
            Input::Resize(w, h) => write!(f, "Resize({w}x{h})"),
            Input::Frame(ms) => write!(f, "Frame({ms}ms)"),
            Input::Ticks(n) => write!(f, "Ticks({n})"),
            Input::Finish => write!(f, "Finish"),
        }
    }
}

fn key_code() -> impl Strategy<Value = KeyCode> {
    // Keys the game binds come most often, leaving (Esc, q) least, so a case
    // spends its inputs inside the screens rather than on the map; then text
    // a player might type into a field (Korean, emoji, controls) and keys
    // nothing is bound to.
    let bound: Vec<char> = "?lsrnudmhaU .<>+=-12345678".chars().collect();
    let text: Vec<char> = "09bcefgijkoptvwxyzLRQ_/\\\"'(),:;{}[]!#$%^&*~`|@"
        .chars()
        .chain([
            '가', '한', 'é', '🚀', '\u{0}', '\u{7f}', '\u{200b}', '\n', '\t',
        ])
        .collect();
    prop_oneof![
        10 => prop::sample::select(vec![KeyCode::Up, KeyCode::Down, KeyCode::Left, KeyCode::Right]),
        4 => Just(KeyCode::Enter),
        3 => prop::sample::select(vec![KeyCode::Tab, KeyCode::BackTab]),
        2 => prop::sample::select(vec![KeyCode::Backspace, KeyCode::Delete]),
        12 => prop::sample::select(bound).prop_map(KeyCode::Char),
        3 => prop::sample::select(text).prop_map(KeyCode::Char),
        1 => Just(KeyCode::Esc),
        1 => Just(KeyCode::Char('q')),
        1 => any::<char>().prop_map(KeyCode::Char),
        1 => prop::sample::select(vec![
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Insert,
            KeyCode::F(1),
            KeyCode::F(12),
            KeyCode::Null,
            KeyCode::CapsLock,
        ]),
    ]
}

fn modifiers() -> impl Strategy<Value = KeyModifiers> {
    prop_oneof![
        20 => Just(KeyModifiers::NONE),
        2 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::ALT),
        1 => Just(KeyModifiers::CONTROL | KeyModifiers::SHIFT),
    ]
}

fn kind() -> impl Strategy<Value = KeyEventKind> {
    prop_oneof![
        20 => Just(KeyEventKind::Press),
        1 => Just(KeyEventKind::Repeat),
        1 => Just(KeyEventKind::Release),
    ]
}

fn size() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        2 => (0u16..=12, 0u16..=8),
        2 => (13u16..=79, 5u16..=23),
        3 => (80u16..=160, 24u16..=48),
        1 => Just((80, 24)),
        1 => Just((u16::MAX / 64, 3)),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        60 => (key_code(), modifiers(), kind()).prop_map(|(c, m, k)| Input::Key(c, m, k)),
        8 => (0u16..260, 0u16..80).prop_map(|(x, y)| Input::Click(x, y)),
        3 => size().prop_map(|(w, h)| Input::Resize(w, h)),
        5 => (0u64..=120).prop_map(Input::Frame),
        3 => (1u32..=400).prop_map(Input::Ticks),
        1 => Just(Input::Finish),
    ]
}

fn start() -> impl Strategy<Value = Start> {
    let levels = bundled::all().count();
    prop_oneof![
        1 => any::<bool>().prop_map(|all_passed| Start::Campaign { all_passed }),
        1 => Just(Start::Sandbox),
        4 => (
            0..levels,
            prop_oneof![Just(Build::Empty), Just(Build::Naive), Just(Build::Reference)],
        )
            .prop_map(|(index, build)| Start::Level { index, build }),
    ]
}

/// A data directory of its own for one case, removed when the case ends.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> DataDir {
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peakload-hostile-{}-{}",
            std::process::id(),
            CASE.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        DataDir(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open(start: &Start, lang: Lang, dir: &DataDir) -> App {
    let mut app = App::new(Some(lang), Store::at(&dir.0)).expect("bundled data loads");
    match start {
        Start::Campaign { all_passed } => {
            if *all_passed {
                let ids: Vec<String> = app.levels.iter().map(|e| e.level.id.clone()).collect();
                for id in ids {
                    app.progress.record(&id, true, 3, 1.0);
                }
            }
        }
        Start::Sandbox => app.screen = Screen::Sandbox,
        Start::Level { index, build } => {
            let b = bundled::all().nth(*index).expect("a bundled level");
            let which = match build {
                Build::Empty => None,
                Build::Naive => b.solution_file("naive"),
                Build::Reference => b.solution_file("reference"),
            };
            let checked = format::check_texts(b.level_file(), which).expect("bundled data checks");
            let solution = checked.solution.map(|(s, _)| s).unwrap_or_default();
            let playing = app
                .levels
                .iter()
                .position(|e| e.level.id == checked.level.id);
            let save_to = dir.0.join("saved.ron");
            app.open(checked.level, solution, playing, Some(save_to));
        }
    }
    app
}

/// The build as the text a save writes.
fn text(play: &Play) -> String {
    load::to_ron(&play.solution).expect("a build always serialises")
}

/// What a level screen shows about the build, for telling one play from another.
fn open_play(app: &App) -> Option<String> {
    app.play.as_ref().map(|p| p.level.id.clone())
}

/// Runs `undo` or `redo` on the build; whether it stepped (from the status it leaves).
fn step(play: &mut Play, back: bool) -> bool {
    play.status = None;
    if back {
        play.undo();
        play.status
            .as_ref()
            .is_some_and(|s| s.key == "status.undone")
    } else {
        play.redo();
        play.status
            .as_ref()
            .is_some_and(|s| s.key == "status.redone")
    }
}

/// Checks that the change `before → after` (if any) is exactly one undo or
/// redo step away, and that no undo step restores an identical build. Leaves
/// the build, its history and the on-screen state as they were.
fn probe_history(play: &mut Play, before: &str, after: &str) -> Result<(), TestCaseError> {
    let kept = (
        play.moving,
        play.linking.clone(),
        play.edit.clone(),
        play.status.clone(),
    );
    let mut reached = before == after;
    for back in [true, false] {
        if step(play, back) {
            let there = text(play);
            prop_assert!(
                there != after,
                "an {} step changes nothing:\n{after}",
                if back { "undo" } else { "redo" }
            );
            reached |= there == before;
            prop_assert!(
                step(play, !back),
                "the step back after {} did nothing",
                if back { "undo" } else { "redo" }
            );
            prop_assert_eq!(
                text(play),
                after,
                "{} then {} did not return to the build",
                if back { "undo" } else { "redo" },
                if back { "redo" } else { "undo" }
            );
        }
    }
    prop_assert!(
        reached,
        "the build changed, and neither undo nor redo gives back the build before:\n--- before\n{before}\n--- after\n{after}"
    );
    (play.moving, play.linking, play.edit, play.status) = kept;
    Ok(())
}

/// The build is whole: unique ids, links and places that name boxes, one box per cell.
fn check_whole(play: &Play) -> Result<(), TestCaseError> {
    let nodes = play.nodes();
    let mut ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    prop_assert_eq!(ids.len(), n, "two boxes share an id: {:?}", nodes);
    for (from, to) in &play.solution.links {
        prop_assert!(
            ids.binary_search(&from.as_str()).is_ok() && ids.binary_search(&to.as_str()).is_ok(),
            "link {} → {} names a box that is not there",
            from,
            to
        );
    }
    for id in play.solution.layout.keys() {
        prop_assert!(
            ids.binary_search(&id.as_str()).is_ok(),
            "layout keeps a place for {}, which is not there",
            id
        );
    }
    let mut cells: Vec<(u16, u16)> = nodes.iter().map(|n| n.at).collect();
    cells.sort_unstable();
    cells.dedup();
    prop_assert_eq!(cells.len(), n, "two boxes share a cell: {:?}", nodes);
    for node in &nodes {
        prop_assert!(
            play.solution.layout.contains_key(&node.id),
            "{} has no place on the board",
            node.id
        );
    }
    prop_assert!(
        play.cursor.0 <= GRID_MAX && play.cursor.1 <= GRID_MAX,
        "cursor off the grid: {:?}",
        play.cursor
    );
    Ok(())
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &mut App) {
    let size = terminal.size().expect("test terminal size");
    app.size = (size.width, size.height);
    terminal
        .draw(|f| f.render_widget(&*app, f.area()))
        .expect("test terminal draws");
}

fn apply(app: &mut App, terminal: &mut Terminal<TestBackend>, input: &Input) {
    match *input {
        Input::Key(code, modifiers, kind) => app.key(KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        }),
        Input::Click(x, y) => app.update(peakload::tui::keymap::Msg::Click(x, y)),
        Input::Resize(w, h) => terminal.backend_mut().resize(w, h),
        Input::Frame(ms) => app.tick(Duration::from_millis(ms)),
        Input::Ticks(n) => {
            if app.screen == Screen::Play
                && let Some(run) = app.play.as_mut().and_then(|p| p.run.as_mut())
            {
                for _ in 0..n {
                    run.step();
                }
                run.refresh();
                if run.sim.finished() {
                    app.run_to_end();
                }
            }
        }
        Input::Finish => {
            if app.screen == Screen::Play && app.play.as_ref().is_some_and(|p| p.run.is_some()) {
                app.run_to_end();
            }
        }
    }
}

fn play_case(
    start: &Start,
    lang: Lang,
    size: (u16, u16),
    inputs: &[Input],
) -> Result<(), TestCaseError> {
    let dir = DataDir::new();
    let mut app = open(start, lang, &dir);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("test terminal");
    draw(&mut terminal, &mut app);
    // The build each campaign level was left with, which it must reopen with.
    let mut left: BTreeMap<String, String> = BTreeMap::new();
    for (i, input) in inputs.iter().enumerate() {
        let level_before = open_play(&app);
        let campaign_before = app.playing.is_some();
        let building_before =
            app.screen == Screen::Play && app.play.as_ref().is_some_and(|p| p.run.is_none());
        let before = app.play.as_ref().map(text);

        apply(&mut app, &mut terminal, input);
        // A quit ends the real game; here play goes on from the same state.
        app.quit = false;
        draw(&mut terminal, &mut app);

        if level_before != open_play(&app) {
            if let (Some(id), Some(build), true) = (&level_before, &before, campaign_before) {
                left.insert(id.clone(), build.clone());
            }
            if let (Some(play), Some(_)) = (&app.play, app.playing)
                && let Some(kept) = left.get(&play.level.id)
            {
                prop_assert_eq!(
                    &text(play),
                    kept,
                    "after input {} ({:?}) {} reopened with another build than it was left with",
                    i,
                    input,
                    &play.level.id
                );
            }
            continue;
        }
        if level_before.is_none() {
            continue;
        }
        let (Some(before), Some(play)) = (before, app.play.as_mut()) else {
            continue;
        };
        let after = text(play);
        let building = app.screen == Screen::Play && play.run.is_none();
        if building_before && building {
            probe_history(play, &before, &after)
                .map_err(|e| TestCaseError::fail(format!("after input {i} ({input:?}): {e}")))?;
        } else {
            prop_assert_eq!(
                &before,
                &after,
                "after input {} ({:?}) the build changed while running or judged",
                i,
                input
            );
        }
        check_whole(play)
            .map_err(|e| TestCaseError::fail(format!("after input {i} ({input:?}): {e}")))?;
    }
    if let Some(play) = &app.play {
        let saved = text(play);
        let back = load::parse_solution(&SourceFile::new("build", saved.clone()))
            .map_err(|e| TestCaseError::fail(format!("the build does not read back: {e}")))?;
        prop_assert_eq!(load::to_ron(&back).expect("serialises"), saved);
    }
    Ok(())
}

/// Cases to try: `PROPTEST_CASES` when set (a longer hunt), else a few seconds' worth.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_input_in_any_screen_never_panics_nor_corrupts_the_build(
        start in start(),
        lang in prop_oneof![Just(Lang::En), Just(Lang::Ko)],
        size in size(),
        inputs in prop::collection::vec(input(), 1..200),
    ) {
        play_case(&start, lang, size, &inputs)?;
    }
}

/// The same, with long runs of only building keys, so deep edits (typing into
/// every field, moving and linking many boxes) happen more often than random
/// keys reach them.
fn building_key() -> impl Strategy<Value = Input> {
    let codes = prop_oneof![
        6 => prop::sample::select(vec![
            KeyCode::Up, KeyCode::Down, KeyCode::Left, KeyCode::Right,
            KeyCode::Enter, KeyCode::Tab, KeyCode::BackTab, KeyCode::Backspace,
        ]),
        4 => prop::sample::select("12345678lmndauU0-._x9".chars().collect::<Vec<_>>())
            .prop_map(KeyCode::Char),
        1 => Just(KeyCode::Esc),
    ];
    prop_oneof![
        20 => codes.prop_map(|c| Input::Key(c, KeyModifiers::NONE, KeyEventKind::Press)),
        2 => (0u16..200, 0u16..60).prop_map(|(x, y)| Input::Click(x, y)),
        1 => size().prop_map(|(w, h)| Input::Resize(w, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn building_keys_keep_every_change_undoable(
        index in 0..bundled::all().count(),
        build in prop_oneof![Just(Build::Empty), Just(Build::Reference)],
        inputs in prop::collection::vec(building_key(), 1..200),
    ) {
        play_case(&Start::Level { index, build }, Lang::En, (100, 30), &inputs)?;
    }
}
