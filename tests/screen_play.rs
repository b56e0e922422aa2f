//! The game played through its app state, the way a player does it: keys
//! and messages build each level's reference solution on the board, the run
//! reaches the results screen, and the score equals `peakload score`'s. A
//! solution saved from the screen, live changes included, rescores to the
//! same numbers.

mod common;

use peakload::bundled;
use peakload::format::solution::Thing;
use peakload::format::{self, SourceFile, load};
use peakload::sim::{self, Score};
use peakload::tui::app::{App, Screen};
use peakload::tui::inspector::{self, CommitKey, Input};
use peakload::tui::keymap::Msg;
use peakload::tui::play::{Focus, RowKey};
use peakload::tui::progress::Store;
use peakload::tui::strings::{Lang, Strings};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn new_app() -> App {
    App::new(Some(Lang::En), Store::none()).expect("bundled data loads")
}

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Moves the board cursor to a cell with arrow keys.
fn cursor_to(app: &mut App, to: (u16, u16)) {
    for _ in 0..64 {
        let at = app.play.as_ref().expect("a level is open").cursor;
        let msg = if at.0 < to.0 {
            Msg::Right
        } else if at.0 > to.0 {
            Msg::Left
        } else if at.1 < to.1 {
            Msg::Down
        } else if at.1 > to.1 {
            Msg::Up
        } else {
            return;
        };
        app.update(msg);
    }
    panic!("cursor never reached {to:?}");
}

fn focus(app: &mut App, want: Focus) {
    for _ in 0..4 {
        if app.play.as_ref().expect("open").focus == want {
            return;
        }
        app.update(Msg::NextFocus);
    }
    panic!("could not focus {want:?}");
}

/// Sets one inspector row to a value the way a player does: arrows for
/// choices, typing (Enter, erase, text, Enter) for the rest.
fn set_row(app: &mut App, key: RowKey, want: &str) {
    focus(app, Focus::Inspector);
    for _ in 0..64 {
        let play = app.play.as_ref().expect("open");
        let rows = play.rows();
        let i = rows
            .iter()
            .position(|r| r.key() == key)
            .unwrap_or_else(|| panic!("no row {key:?} in {rows:#?}"));
        if play.field_at != i {
            app.update(if play.field_at < i {
                Msg::Down
            } else {
                Msg::Up
            });
            continue;
        }
        if rows[i].value() == want {
            return;
        }
        match rows[i].input() {
            Input::Choice(options) => {
                let to = options
                    .iter()
                    .position(|o| o == want)
                    .unwrap_or_else(|| panic!("{want} is not offered for {key:?}: {options:?}"));
                // The shorter way round, as a player would (choices wrap).
                let at = options
                    .iter()
                    .position(|o| o == rows[i].value())
                    .unwrap_or(0);
                let n = options.len();
                let ahead = (to + n - at) % n;
                app.update(if ahead <= n - ahead {
                    Msg::Right
                } else {
                    Msg::Left
                });
            }
            Input::Fixed => panic!("{key:?} cannot be set on screen"),
            _ => {
                press(app, KeyCode::Enter);
                for _ in 0..64 {
                    press(app, KeyCode::Backspace);
                }
                type_text(app, want);
                press(app, KeyCode::Enter);
                let play = app.play.as_ref().expect("open");
                let now = play.rows()[i].value().to_string();
                assert_eq!(
                    now, want,
                    "typing {want} into {key:?} gave {now}: {:?}",
                    play.status
                );
                return;
            }
        }
    }
    panic!("{key:?} never became {want}");
}

/// Builds a solution on the board of the open level, through keys and messages only.
fn build(app: &mut App, solution: &format::Solution) {
    let palette = app
        .play
        .as_ref()
        .expect("open")
        .level
        .palette
        .things
        .clone();
    for (n, thing) in solution.things.iter().enumerate() {
        focus(app, Focus::Board);
        cursor_to(app, (9, n as u16));
        let slot = palette
            .iter()
            .position(|k| *k == thing.kind())
            .unwrap_or_else(|| panic!("{:?} is not on the palette", thing.kind()));
        app.update(Msg::PlaceNth(slot));
        let play = app.play.as_ref().expect("open");
        let mut offer_fields = play.with_offer(|o| inspector::fields(thing, o));
        // Limits clamp: a player raises max before min and desired.
        offer_fields.sort_by_key(|f| f.key != inspector::FieldKey::Max);
        for f in offer_fields {
            if f.input == Input::Fixed {
                panic!(
                    "{} has a setting the screen cannot edit: {:?}",
                    thing.id(),
                    f.key
                );
            }
            set_row(app, RowKey::Thing(f.key), &f.value);
        }
        if let Thing::AutoScalingGroup(g) = thing {
            assert!(
                g.scheduled.is_empty(),
                "scheduled actions are edited in the file"
            );
        }
    }
    for (from, to) in &solution.links {
        let nodes = app.play.as_ref().expect("open").nodes();
        let at = |id: &str| {
            nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| n.at)
                .expect("box on board")
        };
        focus(app, Focus::Board);
        cursor_to(app, at(from));
        app.update(Msg::Link);
        cursor_to(app, at(to));
        app.update(Msg::Link);
        let play = app.play.as_ref().expect("open");
        assert!(
            play.links().iter().any(|(f, t, _)| f == from && t == to),
            "link {from} → {to} not made: {:?}",
            play.status
        );
    }
    // Commitments live on the account panel (shown when no thing is selected).
    for (n, c) in solution.commitments.iter().enumerate() {
        focus(app, Focus::Board);
        cursor_to(app, (15, 15));
        let kind = match c {
            peakload::format::solution::Commitment::Reserved { .. } => "reserved",
            peakload::format::solution::Commitment::SavingsPlan { .. } => "savings-plan",
        };
        focus(app, Focus::Inspector);
        let play = app.play.as_mut().expect("open");
        let add = play
            .rows()
            .iter()
            .position(|r| r.key() == RowKey::Commitment(CommitKey::Add))
            .expect("add row");
        play.field_at = add;
        // The add row always reads "none": one step right adds a
        // reservation, one step left (wrapping) a savings plan.
        app.update(if kind == "reserved" {
            Msg::Right
        } else {
            Msg::Left
        });
        let added = app
            .play
            .as_ref()
            .expect("open")
            .solution_to_save()
            .commitments;
        assert_eq!(added.len(), n + 1, "{kind} not added: {added:?}");
        let wanted = app
            .play
            .as_ref()
            .expect("open")
            .with_offer(|o| inspector::commitment_fields(std::slice::from_ref(c), o));
        for f in wanted {
            let key = match f.key {
                CommitKey::What(_) => CommitKey::What(n),
                CommitKey::Amount(_) => CommitKey::Amount(n),
                CommitKey::Term(_) => CommitKey::Term(n),
                CommitKey::Payment(_) => CommitKey::Payment(n),
                CommitKey::Add => continue,
            };
            set_row(app, RowKey::Commitment(key), &f.value);
        }
    }
    assert!(
        solution.actions.is_empty(),
        "reference solutions have no timed actions"
    );
}

fn things_text(things: &[Thing]) -> String {
    load::to_ron(&things.to_vec()).expect("serialises")
}

#[test]
fn every_reference_solution_can_be_built_on_screen_and_scores_as_headless() {
    for b in bundled::all() {
        let Some(reference) = b.solution_file("reference") else {
            continue;
        };
        let checked =
            format::check_texts(b.level_file(), Some(reference)).expect("bundled level checks");
        let (want, _) = checked.solution.clone().expect("reference");
        let mut app = new_app();
        app.open(
            checked.level.clone(),
            format::Solution::default(),
            None,
            None,
        );
        build(&mut app, &want);
        let built = app.play.as_ref().expect("open").solution.clone();
        assert_eq!(
            things_text(&built.things),
            things_text(&want.things),
            "{}: things differ",
            b.folder
        );
        let mut links = built.links.clone();
        let mut want_links = want.links.clone();
        links.sort();
        want_links.sort();
        assert_eq!(links, want_links, "{}: links differ", b.folder);

        app.update(Msg::Run);
        assert!(
            app.play.as_ref().expect("open").run.is_some(),
            "{}: run did not start: {:?}",
            b.folder,
            app.play.as_ref().and_then(|p| p.status.clone())
        );
        app.run_to_end();
        assert_eq!(app.screen, Screen::Results, "{}", b.folder);
        let shown = app.results.as_ref().expect("results").score.clone();
        let headless =
            Score::of(&sim::run_checked(&checked, None, sim::History::LastTick).expect("builds"));
        assert_eq!(
            serde_json::to_string(&shown).expect("json"),
            serde_json::to_string(&headless).expect("json"),
            "{}: the screen's score differs from peakload score",
            b.folder
        );
        assert_eq!(shown.stars, 3, "{}", b.folder);
        // The lesson's steps were all met by building and running it.
        let play = app.play.as_ref().expect("open");
        assert_eq!(
            play.steps_done,
            play.level.steps.len(),
            "{}: steps left undone",
            b.folder
        );
        println!(
            "{}: built on screen, {} things, {} links; {:.3}% ${:.2} {}★ (same as headless)",
            b.folder,
            built.things.len(),
            built.links.len(),
            shown.availability_pct,
            shown.cost_usd,
            shown.stars
        );
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("peakload-screen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_solution_saved_from_the_screen_rescores_to_the_numbers_shown_live_changes_included() {
    let b = bundled::find("06").expect("level 06");
    let checked =
        format::check_texts(b.level_file(), b.solution_file("reference")).expect("checks");
    let (reference, _) = checked.solution.clone().expect("reference");
    let dir = temp_dir("save");
    let path = dir.join("mine.ron");
    let mut app = new_app();
    app.open(checked.level.clone(), reference, None, Some(path.clone()));
    app.update(Msg::Run);
    // Let the day run to 12:00, then add two instances by hand before the sale.
    {
        let play = app.play.as_mut().expect("open");
        play.select("shop");
        let run = play.run.as_mut().expect("running");
        while run.sim.ctx.now_s < 12.0 * 3600.0 {
            run.step();
        }
        run.refresh();
    }
    // Two presses in one tick are one timed action (desired +2); a third a
    // tick later is a second one.
    app.update(Msg::More);
    app.update(Msg::More);
    let actions = app.play.as_ref().expect("open").solution_to_save().actions;
    assert_eq!(
        actions.len(),
        1,
        "a burst in one tick is one action: {actions:?}"
    );
    app.update(Msg::StepTick);
    app.update(Msg::More);
    let actions = app.play.as_ref().expect("open").solution_to_save().actions;
    assert_eq!(actions.len(), 2, "two live changes recorded: {actions:?}");
    app.run_to_end();
    let shown = app.results.as_ref().expect("results").score.clone();
    app.update(Msg::Save);
    assert_eq!(
        app.results.as_ref().and_then(|r| r.saved.clone()),
        Some(path.clone())
    );

    let text = std::fs::read_to_string(&path).expect("saved file");
    assert!(
        text.contains("SetDesired"),
        "live changes are saved as timed actions:\n{text}"
    );
    let rescored = format::check_texts(
        b.level_file(),
        Some(SourceFile::new(path.display().to_string(), text)),
    )
    .expect("the saved file checks");
    let headless =
        Score::of(&sim::run_checked(&rescored, None, sim::History::LastTick).expect("builds"));
    assert_eq!(
        serde_json::to_string(&shown).expect("json"),
        serde_json::to_string(&headless).expect("json"),
        "rescoring the saved file gives the numbers the screen showed"
    );
    println!(
        "saved with {} live actions: {:.3}% ${:.2} both on screen and headless",
        actions.len(),
        headless.availability_pct,
        headless.cost_usd
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn undo_and_redo_return_to_the_exact_previous_build() {
    let b = bundled::find("08").expect("level 08");
    let level = load::parse_level(&b.level_file()).expect("parses");
    let mut app = new_app();
    app.open(level, format::Solution::default(), None, None);
    let text = |app: &App| load::to_ron(&app.play.as_ref().expect("open").solution).expect("ron");
    let mut history = vec![text(&app)];
    // Place a balancer linked from the source, a group behind it, change the group, rename it.
    app.update(Msg::PlaceNth(2));
    history.push(text(&app));
    app.update(Msg::PlaceNth(1));
    history.push(text(&app));
    set_row(&mut app, RowKey::Thing(inspector::FieldKey::Max), "9");
    history.push(text(&app));
    set_row(&mut app, RowKey::Thing(inspector::FieldKey::Id), "web");
    history.push(text(&app));
    focus(&mut app, Focus::Board);
    app.update(Msg::Delete);
    history.push(text(&app));
    for want in history.iter().rev().skip(1) {
        app.update(Msg::Undo);
        assert_eq!(&text(&app), want);
    }
    for want in history.iter().skip(1) {
        app.update(Msg::Redo);
        assert_eq!(&text(&app), want);
    }
}

#[test]
fn a_link_the_rules_forbid_is_refused_with_the_reason() {
    let b = bundled::find("08").expect("level 08");
    let level = load::parse_level(&b.level_file()).expect("parses");
    let mut app = new_app();
    app.open(level, format::Solution::default(), None, None);
    app.update(Msg::PlaceNth(3)); // a queue, linked from the source
    assert_eq!(app.play.as_ref().expect("open").solution.things.len(), 1);
    // A queue cannot send to a load balancer.
    app.update(Msg::PlaceNth(2));
    let play = app.play.as_mut().expect("open");
    assert!(play.thing("lb-1").is_some(), "{:?}", play.status);
    // Placing next to the queue did not link them: the rules forbid it.
    assert!(
        !play
            .solution
            .links
            .contains(&("queue-1".into(), "lb-1".into()))
    );
    let before = play.solution.links.len();
    play.link_ids("queue-1", "lb-1");
    let status = play.status.clone().expect("a message");
    assert_eq!(play.solution.links.len(), before, "no link made");
    assert!(
        status.error && status.key == "status.cannot_link",
        "{status:?}"
    );
}

#[test]
fn both_languages_have_every_string_the_screen_uses() {
    let en = Strings::parse(include_str!("../assets/strings/en.ron")).expect("en.ron parses");
    let ko = Strings::parse(include_str!("../assets/strings/ko.ron")).expect("ko.ron parses");
    let en_keys: Vec<&String> = en.keys().collect();
    let ko_keys: Vec<&String> = ko.keys().collect();
    assert_eq!(en_keys, ko_keys, "en and ko define the same keys");
    for (k, v) in &en {
        let holes = |t: &str| {
            let mut h: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
                .map(String::from)
                .collect();
            h.sort();
            h
        };
        assert_eq!(holes(v), holes(&ko[k]), "placeholders of {k} differ");
    }
    // Every key written in the screen's code exists.
    let mut missing = Vec::new();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["src/tui", "src/tui/draw"] {
        for file in std::fs::read_dir(dir).expect("src/tui") {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for path in files {
        let code = std::fs::read_to_string(&path).expect("source");
        for part in code.split('"').skip(1).step_by(2) {
            let known_prefix = part.split('.').next().is_some_and(|p| {
                matches!(
                    p,
                    "campaign"
                        | "sandbox"
                        | "notice"
                        | "status"
                        | "refused"
                        | "field"
                        | "key"
                        | "board"
                        | "top"
                        | "panel"
                        | "kind"
                        | "live"
                        | "value"
                        | "chart"
                        | "results"
                        | "help"
                        | "play"
                        | "log"
                        | "why"
                        | "par"
                        | "readout"
                        | "trouble"
                        | "warn"
                        | "mark"
                        | "popup"
                        | "scale"
                        | "metric"
                        | "unit"
                        | "source"
                )
            });
            if known_prefix
                && part.contains('.')
                && !part.contains(' ')
                && !part.contains('{')
                && !en.contains_key(part)
            {
                missing.push(format!("{}: {part}", path.display()));
            }
        }
    }
    for key in peakload::sim::station::DropReason::ALL
        .iter()
        .map(|r| format!("reason.{}", r.key()))
    {
        if !en.contains_key(&key) {
            missing.push(key);
        }
    }
    for key in peakload::sim::ledger::Service::ALL
        .iter()
        .map(|s| format!("service.{}", s.key()))
    {
        if !en.contains_key(&key) {
            missing.push(key);
        }
    }
    assert!(missing.is_empty(), "strings missing: {missing:#?}");
}

#[test]
fn mouse_clicks_choose_a_level_pick_from_the_palette_place_and_select() {
    use peakload::tui::layout;
    use ratatui::layout::Rect;
    let mut app = new_app();
    app.size = (120, 40);
    let area = Rect::new(0, 0, 120, 40);
    // A click selects a row; a click on the selected row opens it.
    let list = layout::list_area(area);
    app.update(Msg::Click(list.x + 3, list.y + 2));
    assert_eq!((app.screen, app.campaign_at), (Screen::Campaign, 1));
    app.update(Msg::Click(list.x + 3, list.y + 1));
    assert_eq!((app.screen, app.campaign_at), (Screen::Campaign, 0));
    app.update(Msg::Click(list.x + 3, list.y + 1));
    assert_eq!(app.screen, Screen::Play);
    // Click the first palette item, then an empty board cell: it is placed there.
    let areas = layout::areas_of(area, app.play.as_ref().expect("open"));
    app.update(Msg::Click(areas.left.x + 2, areas.left.y + 1));
    assert_eq!(app.play.as_ref().expect("open").focus, Focus::Palette);
    let grid = layout::grid(areas.board, app.play.as_ref().expect("open"));
    let cell = grid.cell_rect((2, 1)).expect("cell on screen");
    app.update(Msg::Click(cell.x + 2, cell.y + 1));
    let play = app.play.as_ref().expect("open");
    let placed = play
        .nodes()
        .into_iter()
        .find(|n| n.id == "dc-1")
        .expect("placed by clicks");
    assert_eq!(placed.at, (2, 1));
    assert_eq!(play.cursor, (2, 1));
    // Clicking the source box selects it; clicking an inspector row focuses it.
    let source = grid.cell_rect((0, 0)).expect("source on screen");
    app.update(Msg::Click(source.x + 1, source.y + 1));
    assert_eq!(
        app.play.as_ref().expect("open").selected().map(|n| n.id),
        Some("shoppers".into())
    );
    app.update(Msg::Click(cell.x + 2, cell.y + 1));
    // The inspector's lines: the capacity readout, then name, model, the
    // model's price note, servers.
    let lines = peakload::tui::draw::panels::inspector_lines(
        app.play.as_ref().expect("open"),
        &Strings::new(Lang::En),
        areas.inspector.width - 2,
    );
    let model = lines
        .iter()
        .position(|(_, row)| *row == Some(1))
        .expect("a model row") as u16;
    assert_eq!(lines[usize::from(model) + 1].1, Some(1), "its price note");
    app.update(Msg::Click(
        areas.inspector.x + 2,
        areas.inspector.y + 1 + model + 1,
    ));
    let play = app.play.as_ref().expect("open");
    assert_eq!(play.focus, Focus::Inspector);
    assert_eq!(play.field_at, 1, "a price note belongs to the row above it");
    app.update(Msg::Click(
        areas.inspector.x + 2,
        areas.inspector.y + 1 + model + 2,
    ));
    assert_eq!(
        app.play.as_ref().expect("open").field_at,
        2,
        "the servers row"
    );
}

/// Opens a bundled level on the screen with a build.
fn open_with(folder: &str, solution: format::Solution) -> App {
    let b = bundled::find(folder).expect("bundled level");
    let level = load::parse_level(&b.level_file()).expect("parses");
    let mut app = new_app();
    app.open(level, solution, None, None);
    app
}

fn solution_of(folder: &str, text: &str) -> format::Solution {
    let b = bundled::find(folder).expect("bundled level");
    let checked = format::check_texts(
        b.level_file(),
        Some(SourceFile::new(format!("{folder}-test.ron"), text)),
    )
    .expect("the test build checks");
    checked.solution.expect("a solution").0
}

fn steps_done(app: &App) -> usize {
    app.play.as_ref().expect("open").steps_done
}

#[test]
fn every_build_step_waits_for_the_build_it_asks_for() {
    // For each bundled level: from its reference build, take away one link
    // or policy at a time. Whenever a build step's condition no longer
    // holds on what is left, the screen must not show that step done.
    let mut checked_steps = 0;
    for b in bundled::all() {
        let Some(reference) = b.solution_file("reference") else {
            continue;
        };
        let checked = format::check_texts(b.level_file(), Some(reference)).expect("checks");
        let (full, _) = checked.solution.clone().expect("reference");
        let level = checked.level.clone();
        let build_steps: Vec<usize> = level
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| !peakload::format::steps::watches_run(&s.done_when))
            .map(|(i, _)| i)
            .collect();
        // The whole reference completes every build step.
        let mut app = new_app();
        app.open(level.clone(), full.clone(), None, None);
        let done_full = steps_done(&app);
        assert!(
            build_steps.iter().all(|&i| i < done_full),
            "{}: the reference leaves a build step undone ({done_full} done)",
            b.folder
        );
        let mut wrongs: Vec<format::Solution> = Vec::new();
        for i in 0..full.links.len() {
            let mut w = full.clone();
            w.links.remove(i);
            wrongs.push(w);
        }
        for (t, thing) in full.things.iter().enumerate() {
            if let Thing::AutoScalingGroup(g) = thing
                && !g.policies.is_empty()
            {
                let mut w = full.clone();
                if let Thing::AutoScalingGroup(g) = &mut w.things[t] {
                    g.policies.clear();
                }
                wrongs.push(w);
            }
        }
        if !full.commitments.is_empty() {
            let mut w = full.clone();
            w.commitments.clear();
            wrongs.push(w);
        }
        for wrong in wrongs {
            let mut app = new_app();
            app.open(level.clone(), wrong.clone(), None, None);
            let done = steps_done(&app);
            for &i in &build_steps {
                let holds = peakload::format::steps::holds_on_build(
                    &level.steps[i].done_when,
                    Some(&app.catalogue),
                    &level,
                    &wrong,
                )
                .expect("a build step");
                if !holds {
                    assert!(
                        done <= i,
                        "{}: step {} ticked on a build that lacks what it asks for",
                        b.folder,
                        i + 1
                    );
                    checked_steps += 1;
                }
            }
        }
    }
    assert!(
        checked_steps > 10,
        "only {checked_steps} wrong builds checked"
    );
}

#[test]
fn the_steps_the_playtest_saw_tick_early_wait_for_the_right_build() {
    // 01: a load balancer that feeds the group but not the servers.
    let mut app = open_with(
        "01",
        solution_of(
            "01",
            r#"Solution(level: "01-on-prem-dilemma",
                things: [OnPremises(id: "rack", model: "poweredge-r440", servers: 2),
                         AutoScalingGroup(id: "burst", type: "c5.xlarge", min: 1, desired: 1, max: 60),
                         LoadBalancer(id: "front")],
                links: [("shoppers", "front"), ("front", "burst")])"#,
        ),
    );
    assert_eq!(steps_done(&app), 0, "nothing feeds the servers yet");
    app.play.as_mut().expect("open").link_ids("front", "rack");
    assert_eq!(
        steps_done(&app),
        2,
        "shoppers → balancer → group and servers"
    );

    // 08: a queue with no consumer.
    let mut app = open_with(
        "08",
        solution_of(
            "08",
            r#"Solution(level: "08-loose-coupling",
                things: [LoadBalancer(id: "shop-lb"),
                         AutoScalingGroup(id: "shop", type: "m5.large", min: 3, desired: 4, max: 8),
                         Queue(id: "orders")],
                links: [("customers", "shop-lb"), ("shop-lb", "shop"), ("shop", "orders")])"#,
        ),
    );
    assert_eq!(steps_done(&app), 1, "the queue has no consumer yet");
    app.play
        .as_mut()
        .expect("open")
        .link_ids("orders", "fulfilment");
    assert_eq!(steps_done(&app), 2);

    // 06: the policy step ticks on the build, before any run.
    let mut app = open_with(
        "06",
        solution_of(
            "06",
            r#"Solution(level: "06-auto-scaling",
                things: [LoadBalancer(id: "shop-lb"),
                         AutoScalingGroup(id: "shop", type: "c5.large", min: 4, desired: 28, max: 80)],
                links: [("buyers", "shop-lb"), ("shop-lb", "shop")])"#,
        ),
    );
    assert_eq!(steps_done(&app), 1);
    app.play.as_mut().expect("open").select("shop");
    set_row(
        &mut app,
        RowKey::Thing(inspector::FieldKey::PolicyKind(0)),
        "cpu",
    );
    assert_eq!(steps_done(&app), 2, "target tracking on CPU, no run needed");
    set_row(
        &mut app,
        RowKey::Thing(inspector::FieldKey::PolicyKind(1)),
        "predictive",
    );
    assert_eq!(
        steps_done(&app),
        3,
        "every build instruction done before the run"
    );
    assert!(app.play.as_ref().expect("open").run.is_none());
}

#[test]
fn a_watch_step_pauses_the_run_and_a_failed_run_resets_the_steps() {
    let b = bundled::find("06").expect("level 06");
    let checked =
        format::check_texts(b.level_file(), b.solution_file("reference")).expect("checks");
    let (reference, _) = checked.solution.clone().expect("reference");
    let mut app = new_app();
    app.open(checked.level.clone(), reference, None, None);
    assert_eq!(steps_done(&app), 3, "the three build steps");
    app.update(Msg::Run);
    let play = app.play.as_mut().expect("open");
    let run = play.run.as_mut().expect("running");
    assert!(!run.paused);
    assert_eq!(
        run.speed,
        peakload::tui::play::Speed::X1,
        "a first run starts at 1×"
    );
    // Run by whole frames of ticks until the 09:15 watch step completes.
    while !play.run.as_ref().expect("run").paused {
        let run = play.run.as_mut().expect("run");
        for _ in 0..60 {
            run.step();
        }
        run.refresh();
        play.check_steps();
        assert!(play.run.as_ref().expect("run").sim.ctx.now_s < 14.5 * 3600.0);
    }
    let now = play.run.as_ref().expect("run").sim.ctx.now_s;
    assert!(
        (9.25 * 3600.0..9.3 * 3600.0).contains(&now),
        "paused at {now}"
    );
    assert_eq!(play.steps_done, 4);
    assert_eq!(play.step_announced, Some(4), "the next step is shown");
    assert_eq!(
        play.status.as_ref().map(|s| s.key),
        Some("status.next_step")
    );
    // Space goes on.
    app.update(Msg::Pause);
    let play = app.play.as_ref().expect("open");
    assert!(!play.run.as_ref().expect("run").paused);
    assert_eq!(play.step_announced, None);

    // The same level cut to four instances fails: the last step stays undone,
    // and building again starts the run steps over.
    let capped = solution_of(
        "06",
        r#"Solution(level: "06-auto-scaling",
            things: [LoadBalancer(id: "shop-lb"),
                     AutoScalingGroup(id: "shop", type: "c5.large", min: 4, desired: 4, max: 4,
                        policies: [TargetTracking(metric: Cpu, target: 45.0), Predictive(target: 50.0)])],
            links: [("buyers", "shop-lb"), ("shop-lb", "shop")])"#,
    );
    let mut app = open_with("06", capped);
    app.update(Msg::Run);
    app.run_to_end();
    assert_eq!(app.screen, Screen::Results);
    assert!(!app.results.as_ref().expect("results").score.passed);
    let total = app.play.as_ref().expect("open").level.steps.len();
    assert_eq!(
        steps_done(&app),
        total - 1,
        "no “all done” after a failed run"
    );
    app.update(Msg::Retry);
    assert_eq!(
        steps_done(&app),
        3,
        "back to building: only build steps hold"
    );
}

#[test]
fn the_inspector_replaces_typed_values_clamps_visibly_and_deletes_with_its_own_key() {
    let mut app = open_with(
        "06",
        solution_of(
            "06",
            r#"Solution(level: "06-auto-scaling",
                things: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "shop", type: "c5.large", min: 1, desired: 2, max: 4,
                    policies: [Predictive(target: 50.0)])],
                links: [("buyers", "lb"), ("lb", "shop")])"#,
        ),
    );
    app.play.as_mut().expect("open").select("shop");
    focus(&mut app, Focus::Inspector);
    let row = |app: &App, key: inspector::FieldKey| {
        let play = app.play.as_ref().expect("open");
        let rows = play.rows();
        let i = rows
            .iter()
            .position(|r| r.key() == RowKey::Thing(key))
            .expect("row");
        (i, rows[i].value().to_string())
    };
    // Typing replaces: Enter, then 3 gives 3, not 23.
    let (at, _) = row(&app, inspector::FieldKey::Desired);
    app.play.as_mut().expect("open").field_at = at;
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "3");
    press(&mut app, KeyCode::Enter);
    assert_eq!(row(&app, inspector::FieldKey::Desired).1, "3");
    // Desired past max is held at max, and said; max is not raised.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "9");
    press(&mut app, KeyCode::Enter);
    assert_eq!(row(&app, inspector::FieldKey::Desired).1, "4");
    assert_eq!(row(&app, inspector::FieldKey::Max).1, "4");
    app.update(Msg::Right);
    let status = app
        .play
        .as_ref()
        .and_then(|p| p.status.clone())
        .expect("said");
    assert_eq!(status.key, "status.at_limit", "{status:?}");
    // Lowering max below desired lowers desired, and says so.
    let (at, _) = row(&app, inspector::FieldKey::Max);
    app.play.as_mut().expect("open").field_at = at;
    app.update(Msg::Left);
    assert_eq!(row(&app, inspector::FieldKey::Desired).1, "3");
    let status = app
        .play
        .as_ref()
        .and_then(|p| p.status.clone())
        .expect("said");
    assert_eq!(status.key, "status.set_also", "{status:?}");
    // Cycling a policy's kind never deletes it.
    let (at, _) = row(&app, inspector::FieldKey::PolicyKind(0));
    app.play.as_mut().expect("open").field_at = at;
    for _ in 0..9 {
        app.update(Msg::Right);
        assert_eq!(
            app.play
                .as_ref()
                .expect("open")
                .solution
                .things
                .iter()
                .map(|t| match t {
                    Thing::AutoScalingGroup(g) => g.policies.len(),
                    _ => 0,
                })
                .sum::<usize>(),
            1
        );
    }
    // d deletes it, and undo brings it back.
    app.update(Msg::Delete);
    let policies = |app: &App| match &app.play.as_ref().expect("open").solution.things[1] {
        Thing::AutoScalingGroup(g) => g.policies.len(),
        _ => 0,
    };
    assert_eq!(policies(&app), 0);
    app.update(Msg::Undo);
    assert_eq!(policies(&app), 1);
    // On a row that is not a thing of its own, d says what it does instead.
    app.play.as_mut().expect("open").field_at = 0;
    app.update(Msg::Delete);
    let status = app
        .play
        .as_ref()
        .and_then(|p| p.status.clone())
        .expect("said");
    assert_eq!(status.key, "status.delete_where");
    assert_eq!(app.play.as_ref().expect("open").solution.things.len(), 2);
    // Global keys work from the inspector: h opens the hint, i the brief.
    app.update(Msg::Hint);
    assert!(app.play.as_ref().expect("open").popup.is_some());
    app.update(Msg::Back);
    app.update(Msg::Brief);
    assert_eq!(
        app.play.as_ref().expect("open").popup,
        Some(peakload::tui::play::Popup::Brief)
    );
    // A locked box's rows refuse to be typed into.
    app.update(Msg::Back);
    let mut app = open_with("08", format::Solution::default());
    app.play.as_mut().expect("open").select("fulfilment");
    focus(&mut app, Focus::Inspector);
    app.play.as_mut().expect("open").field_at = 1;
    press(&mut app, KeyCode::Enter);
    let play = app.play.as_ref().expect("open");
    assert!(play.edit.is_none());
    assert_eq!(play.status.as_ref().map(|s| s.key), Some("status.fixed"));
}

#[test]
fn live_changes_stop_at_what_a_saved_solution_may_hold() {
    let b = bundled::find("06").expect("level 06");
    let checked =
        format::check_texts(b.level_file(), b.solution_file("reference")).expect("checks");
    let (reference, _) = checked.solution.clone().expect("reference");
    let mut app = new_app();
    app.open(checked.level.clone(), reference, None, None);
    app.update(Msg::Run);
    app.play.as_mut().expect("open").select("shop");
    let max = peakload::tui::play::MAX_LIVE_ACTIONS;
    for i in 0..max + 5 {
        app.update(if i % 2 == 0 { Msg::More } else { Msg::Fewer });
        app.update(Msg::StepTick);
    }
    let play = app.play.as_ref().expect("open");
    let saved = play.solution_to_save();
    assert_eq!(saved.actions.len(), max);
    assert_eq!(
        play.status.as_ref().map(|s| s.key),
        Some("status.too_many_actions")
    );
    // What the screen saves checks, so it can be scored.
    let text = load::to_ron(&saved).expect("ron");
    format::check_texts(b.level_file(), Some(SourceFile::new("saved.ron", text)))
        .expect("a saved solution with the most live changes checks");
}

#[test]
fn no_key_loses_the_board_and_bundled_wins_count_wherever_played() {
    let dir = temp_dir("keep");
    // `peakload play 08 mine.ron`: a bundled level from the command line.
    let path = dir.join("mine.ron");
    let b = bundled::find("08").expect("level 08");
    let level = load::parse_level(&b.level_file()).expect("parses");
    let mut app = App::new(Some(Lang::En), Store::at(dir.join("data"))).expect("loads");
    app.open_file(
        level.clone(),
        format::Solution::default(),
        Some(path.clone()),
    );
    app.update(Msg::PlaceNth(2));
    // Esc leaves the game (back to the shell) and keeps the board in the file.
    app.update(Msg::Back);
    assert!(
        app.quit,
        "Esc from a level given on the command line ends the game"
    );
    let kept = std::fs::read_to_string(&path).expect("the board was kept");
    assert!(kept.contains("lb-1"), "{kept}");
    // The reference, played from the command line, counts in the campaign.
    let (reference, _) = format::check_texts(b.level_file(), b.solution_file("reference"))
        .expect("checks")
        .solution
        .expect("reference");
    let mut app = App::new(Some(Lang::En), Store::at(dir.join("data"))).expect("loads");
    app.open_file(level, reference, None);
    app.update(Msg::Run);
    app.run_to_end();
    assert!(app.results.as_ref().expect("results").score.passed);
    let app = App::new(Some(Lang::En), Store::at(dir.join("data"))).expect("loads");
    assert!(app.progress.passed("08-loose-coupling"));

    // The sandbox keeps its board per traffic pattern.
    let mut app = App::new(Some(Lang::En), Store::at(dir.join("data"))).expect("loads");
    app.update(Msg::Sandbox);
    app.update(Msg::Enter);
    app.update(Msg::PlaceNth(0));
    let placed = app.play.as_ref().expect("open").solution.things.len();
    assert_eq!(placed, 1);
    app.update(Msg::Back);
    assert_eq!(app.screen, Screen::Campaign);
    app.update(Msg::Sandbox);
    app.update(Msg::Enter);
    assert_eq!(app.play.as_ref().expect("open").solution.things.len(), 1);
    // Undo survives leaving and coming back.
    app.update(Msg::Undo);
    assert_eq!(app.play.as_ref().expect("open").solution.things.len(), 0);

    // A locked level opens on a second Enter, saying it is not yet unlocked.
    let mut app = App::new(Some(Lang::En), Store::at(dir.join("fresh"))).expect("loads");
    app.campaign_at = 4;
    app.update(Msg::Enter);
    assert_eq!(app.screen, Screen::Campaign);
    assert_eq!(
        app.notice.as_ref().map(|n| n.key),
        Some("notice.locked_ask")
    );
    app.update(Msg::Enter);
    assert_eq!(app.screen, Screen::Play);
    assert_eq!(
        app.play
            .as_ref()
            .and_then(|p| p.status.as_ref())
            .map(|s| s.key),
        Some("status.not_unlocked")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failure_to_save_is_said_on_screen_and_at_exit() {
    let dir = temp_dir("nosave");
    // The file to keep the board in sits under a file, not a folder: it
    // cannot be written (whoever runs the test, root included).
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, "not a directory").expect("write");
    let b = bundled::find("08").expect("level 08");
    let level = load::parse_level(&b.level_file()).expect("parses");
    let mut app = App::new(Some(Lang::En), Store::at(dir.join("data"))).expect("loads");
    app.open_file(
        level,
        format::Solution::default(),
        Some(blocker.join("mine.ron")),
    );
    app.update(Msg::PlaceNth(2));
    app.update(Msg::Save);
    let status = app
        .play
        .as_ref()
        .and_then(|p| p.status.clone())
        .expect("said");
    assert_eq!(status.key, "status.save_failed", "{status:?}");
    app.update(Msg::Back);
    let notice = app.notice.clone().expect("said");
    assert_eq!(notice.key, "status.keep_failed", "{notice:?}");
    let report = app.unsaved_report();
    assert!(
        report.iter().any(|l| l.contains("mine.ron")),
        "said again at exit: {report:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
