//! Every screen drawn into ratatui's `TestBackend` at 80×24 and 120×40, in
//! English and Korean, and compared with the snapshots in `tests/snapshots/`
//! (review changes with `cargo insta review`, or accept them with
//! `INSTA_UPDATE=always cargo test --release --test screens`). Runs advance
//! by whole ticks, never by wall time, so every frame is reproducible.
//!
//! Two walks over every bundled level check what snapshots cannot: every
//! text of every level (title, story, summary, steps, hints, source names),
//! in both languages and at both sizes, is on screen whole or can be
//! scrolled to; and no line of any panel is wider than the panel (a wide
//! Korean character never sits in a panel's last column, where a terminal
//! would push it onto the border).

use peakload::bundled;
use peakload::format::{self, Level, SourceFile, load};
use peakload::tui::app::{App, Screen};
use peakload::tui::draw;
use peakload::tui::keymap::Msg;
use peakload::tui::layout;
use peakload::tui::play::{Focus, Popup};
use peakload::tui::progress::Store;
use peakload::tui::strings::{Lang, Strings};
use peakload::tui::text;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const LANGS: [(Lang, &str); 2] = [(Lang::En, "en"), (Lang::Ko, "ko")];

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| f.render_widget(&*app, f.area()))
        .expect("draws");
    terminal
}

fn app(lang: Lang) -> App {
    App::new(Some(lang), Store::none()).expect("bundled data loads")
}

/// A bundled level opened with one of its solutions (or a build of its own).
fn level(lang: Lang, folder: &str, solution: Option<&str>) -> App {
    let b = bundled::find(folder).expect("bundled level");
    let file = match solution {
        Some(text) => Some(SourceFile::new("test.ron", text)),
        None => b.solution_file("reference"),
    };
    let checked = format::check_texts(b.level_file(), file).expect("checks");
    let mut app = app(lang);
    let (solution, _) = checked.solution.clone().expect("a solution");
    app.open(checked.level, solution, None, None);
    app
}

/// Runs level 06 by whole ticks to 13:20, in the flash sale.
fn level_06_running(lang: Lang) -> App {
    level_06_at(lang, 13.0 * 3600.0 + 20.0 * 60.0)
}

/// Runs level 06 by whole ticks to `secs` into the day.
fn level_06_at(lang: Lang, secs: f64) -> App {
    let mut app = level(lang, "06", None);
    app.update(Msg::Run);
    let play = app.play.as_mut().expect("open");
    play.select("shop");
    let run = play.run.as_mut().expect("running");
    while run.sim.ctx.now_s < secs {
        run.step();
    }
    run.frame = 7;
    run.refresh();
    play.status = None;
    app
}

/// Level 08 with a queue nobody reads, run to its results.
const NO_CONSUMER: &str = r#"Solution(
    level: "08-loose-coupling",
    things: [
        LoadBalancer(id: "shop-lb"),
        AutoScalingGroup(id: "shop", type: "m5.large", min: 3, desired: 4, max: 8, policies: [TargetTracking(metric: Cpu, target: 60.0)]),
        Queue(id: "orders"),
    ],
    links: [("customers", "shop-lb"), ("shop-lb", "shop"), ("shop", "orders")],
)"#;

fn each(name: &str, mut make: impl FnMut(Lang) -> App) {
    for (lang, tag) in LANGS {
        let mut app = make(lang);
        for (w, h) in SIZES {
            let terminal = draw(&mut app, w, h);
            insta::assert_snapshot!(format!("{name}_{tag}_{w}x{h}"), terminal.backend());
        }
    }
}

#[test]
fn campaign_map() {
    each("campaign", app);
}

#[test]
fn sandbox_chooser() {
    each("sandbox", |lang| {
        let mut app = app(lang);
        app.update(Msg::Sandbox);
        app.update(Msg::Down);
        assert_eq!(app.screen, Screen::Sandbox);
        app
    });
}

#[test]
fn build_screen_with_the_capacity_readout_and_the_traffic_preview() {
    each("build", |lang| {
        let mut app = level(lang, "06", None);
        let play = app.play.as_mut().expect("open");
        play.select("shop");
        play.focus = Focus::Inspector;
        play.field_at = 2;
        app
    });
}

#[test]
fn build_screen_warns_before_a_run() {
    each("warnings", |lang| {
        let mut app = level(lang, "08", Some(NO_CONSUMER));
        app.play.as_mut().expect("open").select("orders");
        app
    });
}

#[test]
fn run_screen_in_the_flash_sale() {
    each("run", level_06_running);
}

#[test]
fn results_screen() {
    each("results", |lang| {
        let mut app = level_06_running(lang);
        app.run_to_end();
        assert_eq!(app.screen, Screen::Results);
        app
    });
}

#[test]
fn results_for_a_queue_without_a_consumer() {
    each("results_no_consumer", |lang| {
        let mut app = level(lang, "08", Some(NO_CONSUMER));
        app.update(Msg::Run);
        app.run_to_end();
        assert_eq!(app.screen, Screen::Results);
        app
    });
}

#[test]
fn results_name_a_source_s_own_goal_when_it_has_one() {
    // Level 09's reference, with the customers held to a goal of their own
    // above what it reaches (99.998%): the score line names that goal.
    let b = bundled::find("09").expect("level 09");
    let checked =
        format::check_texts(b.level_file(), b.solution_file("reference")).expect("checks");
    for (lang, words) in [
        (Lang::En, "its own goal (99.999%)"),
        (Lang::Ko, "흐름의 목표 99.999%"),
    ] {
        let mut level = checked.level.clone();
        level.goals.sources.insert("customers".into(), 99.999);
        let mut app = app(lang);
        let (solution, _) = checked.solution.clone().expect("a solution");
        app.open(level, solution, None, None);
        app.update(Msg::Run);
        app.run_to_end();
        assert_eq!(app.screen, Screen::Results);
        let terminal = draw(&mut app, 120, 40);
        let buf = terminal.backend().buffer();
        let text: String = (0..buf.area.height)
            .map(|y| visible(buf, y).concat())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains(words), "{lang:?}:\n{text}");
    }
}

#[test]
fn help_overlay() {
    each("help", |lang| {
        let mut app = level(lang, "06", None);
        app.update(Msg::Help);
        app
    });
}

#[test]
fn the_layout_survives_any_size() {
    // Tiny, odd and huge sizes: drawing never panics.
    let mut running = level_06_running(Lang::Ko);
    let mut results = level_06_running(Lang::En);
    results.run_to_end();
    let mut help = level(Lang::En, "06", None);
    help.update(Msg::Help);
    let mut brief = level(Lang::Ko, "08", None);
    brief.update(Msg::Brief);
    for (w, h) in [
        (1, 1),
        (10, 5),
        (40, 12),
        (79, 23),
        (81, 25),
        (120, 40),
        (250, 80),
    ] {
        for a in [&mut running, &mut results, &mut help, &mut brief] {
            draw(a, w, h);
        }
        let mut map = app(Lang::Ko);
        draw(&mut map, w, h);
    }
    let text = load::to_ron(&running.play.as_ref().expect("open").solution).expect("ron");
    assert!(text.contains("shop"));
}

// ------------------------------------------------------------ cut figures

/// The visible cells of a row, a wide character's hidden second cell left out.
fn visible(buf: &Buffer, y: u16) -> Vec<String> {
    let mut out = Vec::new();
    let mut x = 0;
    while x < buf.area.width {
        let sym = buf.cell((x, y)).map_or(" ", |c| c.symbol()).to_string();
        x += u16::try_from(text::width(&sym).max(1)).unwrap_or(1);
        out.push(sym);
    }
    out
}

/// Titles a block cut silently: a panel's title starts after `┌ ` and, when
/// it is whole, ends in a space or a run of border before the corner; a title
/// the block had to cut runs into the corner (`━capacity 3┐`) unless it was
/// cut on purpose (`…┐`).
fn cut_titles(buf: &Buffer) -> Vec<String> {
    let mut cut = Vec::new();
    for y in 0..buf.area.height {
        let row = visible(buf, y);
        for (i, sym) in row.iter().enumerate() {
            if !"┌┏╔╭".contains(sym.as_str()) || row.get(i + 1).map(String::as_str) != Some(" ")
            {
                continue;
            }
            let Some(end) = (i + 1..row.len()).find(|&j| "┐┓╗╮".contains(row[j].as_str()))
            else {
                continue;
            };
            let before = row[end - 1].as_str();
            if !matches!(before, " " | "─" | "━" | "═" | "…") {
                cut.push(format!("row {y}: {}", row[i..=end].concat()));
            }
        }
    }
    cut
}

/// Header rows that run off the screen: a whole header leaves its last cell
/// blank (a header shortened on purpose ends in `…` before it).
fn cut_headers(app: &App, buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    let rows = match app.screen {
        Screen::Campaign | Screen::Sandbox => 0..2,
        Screen::Play => {
            let top = layout::areas_of(area, app.play.as_ref().expect("open")).top;
            top.top()..top.bottom()
        }
        Screen::Results => {
            let head = draw::results::areas(area)[0];
            head.top()..head.bottom()
        }
    };
    rows.filter(|&y| {
        buf.cell((area.right().saturating_sub(1), y))
            .is_some_and(|c| c.symbol() != " ")
    })
    .map(|y| format!("row {y}: {}", visible(buf, y).concat()))
    .collect()
}

/// How a test makes the app it draws, in a language.
type Make = fn(Lang) -> App;

#[test]
fn no_figure_in_a_header_or_a_title_is_cut_silently() {
    let states: [(&str, Make); 7] = [
        ("map", app),
        ("sandbox", |lang| {
            let mut app = app(lang);
            app.update(Msg::Sandbox);
            app
        }),
        ("help", |lang| {
            let mut app = level(lang, "06", None);
            app.update(Msg::Help);
            app
        }),
        ("build", |lang| level(lang, "06", None)),
        ("warnings", |lang| level(lang, "08", Some(NO_CONSUMER))),
        ("run", level_06_running),
        ("results", |lang| {
            let mut app = level_06_running(lang);
            app.run_to_end();
            app
        }),
    ];
    let mut bad = Vec::new();
    for (name, make) in states {
        for (lang, tag) in LANGS {
            let mut app = make(lang);
            for (w, h) in SIZES {
                let t = draw(&mut app, w, h);
                let buf = t.backend().buffer();
                for line in cut_titles(buf).into_iter().chain(cut_headers(&app, buf)) {
                    bad.push(format!("{name} {tag} {w}x{h} {line}"));
                }
            }
        }
    }
    // Every level's build screen: its title, goals and traffic peak.
    for l in levels() {
        for (lang, tag) in LANGS {
            let mut game = app(lang);
            game.open(l.clone(), format::Solution::default(), None, None);
            for (w, h) in SIZES {
                let t = draw(&mut game, w, h);
                let buf = t.backend().buffer();
                for line in cut_titles(buf).into_iter().chain(cut_headers(&game, buf)) {
                    bad.push(format!("{} {tag} {w}x{h} {line}", l.id));
                }
            }
        }
    }
    // Every level half-way through a run of its reference: the live figures.
    for l in levels() {
        let mut game = level(Lang::En, &l.id[..2], None);
        game.update(Msg::Run);
        let run = game
            .play
            .as_mut()
            .and_then(|p| p.run.as_mut())
            .expect("running");
        let half = run.sim.ctx.setup.ticks / 2;
        while run.sim.ctx.tick < half {
            run.step();
        }
        run.refresh();
        for (lang, tag) in LANGS {
            game.strings = Strings::new(lang);
            for (w, h) in SIZES {
                let t = draw(&mut game, w, h);
                let buf = t.backend().buffer();
                for line in cut_titles(buf).into_iter().chain(cut_headers(&game, buf)) {
                    bad.push(format!("{} run {tag} {w}x{h} {line}", l.id));
                }
            }
        }
    }
    assert!(bad.is_empty(), "cut without a mark:\n{}", bad.join("\n"));
}

/// The text of a line.
fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[test]
fn a_fitted_title_holds_whole_figures_or_ends_in_an_ellipsis() {
    let both = vec![
        Span::raw(" ━traffic 647/s "),
        Span::raw("━capacity 3.2k/s "),
    ];
    let one = vec![Span::raw(" ━traffic 647/s ")];
    let choices = [both, one];
    assert_eq!(
        line_text(&draw::fit_line(&choices, 40)),
        " ━traffic 647/s ━capacity 3.2k/s "
    );
    // Not `━capacity 3.`: the key that does not fit is dropped whole.
    assert_eq!(line_text(&draw::fit_line(&choices, 28)), " ━traffic 647/s ");
    let wholes: Vec<String> = choices
        .iter()
        .map(|c| c.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    for cells in 0..40 {
        let got = line_text(&draw::fit_line(&choices, cells));
        assert!(text::width(&got) <= cells, "{got:?} is wider than {cells}");
        assert!(
            got.is_empty() || got.ends_with('…') || wholes.contains(&got),
            "{got:?} at {cells} is neither whole nor marked"
        );
    }
}

#[test]
fn at_120_columns_each_event_of_a_run_reads_on_one_row() {
    let clock = |row: &str| {
        let c: Vec<char> = row.chars().take(6).collect();
        c.len() == 6
            && c[2] == ':'
            && c[5] == ' '
            && [0, 1, 3, 4].iter().all(|&i| c[i].is_ascii_digit())
    };
    for (lang, tag) in LANGS {
        for hour in [9.5, 13.33, 18.0] {
            let mut app = level_06_at(lang, hour * 3600.0);
            let t = draw(&mut app, 120, 40);
            let a = layout::areas_of(Rect::new(0, 0, 120, 40), app.play.as_ref().expect("open"));
            let shown = rows(t.backend().buffer(), inner(a.left));
            let events: Vec<&String> = shown.iter().filter(|r| !r.trim().is_empty()).collect();
            assert!(
                events.len() > 5,
                "{tag} {hour}: few events:\n{}",
                shown.join("\n")
            );
            for row in events {
                assert!(
                    clock(row),
                    "{tag} at {hour}h: an event ran onto a second row:\n{}",
                    shown.join("\n")
                );
            }
        }
    }
}

#[test]
fn a_link_to_a_box_off_the_board_is_marked() {
    // Level 08 at 80 columns, the queue selected: the board shows three
    // of its columns, so the link into the queue comes from off its left
    // edge and the one out of it runs off its right.
    let mut app = level(Lang::En, "08", None);
    let play = app.play.as_mut().expect("open");
    play.focus = Focus::Board;
    play.select("orders");
    let t = draw(&mut app, 80, 24);
    let a = layout::areas_of(Rect::new(0, 0, 80, 24), app.play.as_ref().expect("open"));
    let board = rows(t.backend().buffer(), a.board).join("\n");
    assert!(
        board.contains("┃─»") && board.contains("«│"),
        "no mark for a link that leaves the board:\n{board}"
    );
    assert!(
        board.contains("more ←→"),
        "no \"more ←→\" in the border:\n{board}"
    );
    insta::assert_snapshot!("offscreen_link_en_80x24", t.backend());
}

// ------------------------------------------------------------ text walks

/// The text of a rectangle of the buffer, one string per row (a wide
/// character's second cell adds nothing).
fn rows(buf: &Buffer, r: Rect) -> Vec<String> {
    (r.top()..r.bottom())
        .map(|y| {
            (r.left()..r.right())
                .filter_map(|x| buf.cell((x, y)).map(|c| c.symbol().to_string()))
                .collect()
        })
        .collect()
}

/// The inside of a bordered panel.
fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x + 1,
        r.y + 1,
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

/// Every line a scrollable panel can show: the panel is drawn at scroll 0,
/// 1, 2, … (`set` sets the scroll, `area` finds the panel) and each offset's
/// first row is the line at that offset, until the view stops moving.
fn walk(
    app: &mut App,
    w: u16,
    h: u16,
    mut set: impl FnMut(&mut App, u16),
    area: impl Fn(&App, Rect) -> Rect,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut last: Option<Vec<String>> = None;
    for k in 0..400u16 {
        set(app, k);
        let t = draw(app, w, h);
        let r = inner(area(app, Rect::new(0, 0, w, h)));
        let now = rows(t.backend().buffer(), r);
        if last.as_ref() == Some(&now) {
            // The end: the last view's rows after its first are the rest.
            lines.extend(now.into_iter().skip(1));
            return lines;
        }
        lines.push(now.first().cloned().unwrap_or_default());
        last = Some(now);
    }
    lines.extend(last.unwrap_or_default().into_iter().skip(1));
    lines
}

/// Whether `text` is all there in `lines` (spaces, wrapping and the
/// scroll bar's column aside).
fn holds(lines: &[String], text: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !"▲▼█│".contains(*c))
            .collect()
    };
    let all: String = lines
        .iter()
        .map(|l| {
            // The scroll bar sits in the panel's border, outside these rows;
            // a row ends where its text ends.
            squash(l)
        })
        .collect();
    squash(text).is_empty() || all.contains(&squash(text))
}

fn levels() -> Vec<Level> {
    bundled::all()
        .map(|b| load::parse_level(&b.level_file()).expect("parses"))
        .filter(|l| l.kind != peakload::format::level::LevelKind::Sandbox)
        .collect()
}

#[test]
fn every_text_of_every_level_is_shown_whole_or_can_be_scrolled_to() {
    let mut checked = 0;
    for (lang, tag) in LANGS {
        let s = Strings::new(lang);
        for (w, h) in SIZES {
            for (i, l) in levels().iter().enumerate() {
                let pick = |t: &peakload::format::level::Text| lang.pick(t).to_string();
                let whole = |lines: &[String], what: &str, text: &str| {
                    assert!(
                        holds(lines, text),
                        "{tag} {w}x{h} {}: {what} is not all there:\n{text}\n--- shown:\n{}",
                        l.id,
                        lines.join("\n")
                    );
                };
                // The campaign's about panel: title, story, goals.
                let mut map = app(lang);
                map.campaign_at = i;
                let about = walk(
                    &mut map,
                    w,
                    h,
                    |a, k| a.about_scroll = k,
                    |_, area| layout::about_area(area),
                );
                whole(&about, "the title", &pick(&l.title));
                for para in pick(&l.intro).split("\n\n") {
                    whole(&about, "the story", para);
                }
                // The brief, one key away on the level screen.
                let mut game = app(lang);
                game.open(l.clone(), format::Solution::default(), None, None);
                game.update(Msg::Brief);
                let brief = walk(
                    &mut game,
                    w,
                    h,
                    |a, k| a.play.as_mut().expect("open").popup_scroll = k,
                    |a, area| draw::popup::area(a.play.as_ref().expect("open"), &s, area).0,
                );
                for para in pick(&l.intro).split("\n\n") {
                    whole(&brief, "the story in the brief", para);
                }
                game.update(Msg::Back);
                // Every step in the step list, and every hint in its popup.
                for (n, step) in l.steps.iter().enumerate() {
                    let play = game.play.as_mut().expect("open");
                    play.focus = Focus::Steps;
                    play.steps_at = n;
                    let t = draw(&mut game, w, h);
                    let a =
                        layout::areas_of(Rect::new(0, 0, w, h), game.play.as_ref().expect("open"));
                    let shown = rows(t.backend().buffer(), inner(a.step));
                    // In the list, or (a step longer than the panel) whole in
                    // the window Enter opens on it.
                    game.play.as_mut().expect("open").popup = Some(Popup::Hint(n));
                    let hint = walk(
                        &mut game,
                        w,
                        h,
                        |a, k| a.play.as_mut().expect("open").popup_scroll = k,
                        |a, area| draw::popup::area(a.play.as_ref().expect("open"), &s, area).0,
                    );
                    if !holds(&shown, &pick(&step.text)) {
                        whole(&hint, &format!("step {}", n + 1), &pick(&step.text));
                    }
                    whole(&hint, &format!("step {}'s hint", n + 1), &pick(&step.hint));
                    game.play.as_mut().expect("open").popup = None;
                    checked += 1;
                }
                // Each source's name, in the inspector when it is selected.
                for src in &l.sources {
                    let play = game.play.as_mut().expect("open");
                    play.focus = Focus::Board;
                    play.select(&src.id);
                    let t = draw(&mut game, w, h);
                    let a =
                        layout::areas_of(Rect::new(0, 0, w, h), game.play.as_ref().expect("open"));
                    let shown = rows(t.backend().buffer(), inner(a.inspector));
                    whole(&shown, "a source's name", &pick(&src.name));
                }
                checked += 1;
            }
        }
    }
    // The summary, on the results screen (one level run to its end per language).
    for (lang, tag) in LANGS {
        let mut done = level(lang, "08", None);
        done.update(Msg::Run);
        done.run_to_end();
        let summary = lang
            .pick(&done.play.as_ref().expect("open").level.summary)
            .to_string();
        for (w, h) in SIZES {
            let why = walk(
                &mut done,
                w,
                h,
                |a, k| a.results.as_mut().expect("results").scroll = k,
                |_, area| draw::results::areas(area)[2],
            );
            assert!(
                holds(&why, &summary),
                "{tag} {w}x{h}: the summary is not all there:\n{}",
                why.join("\n")
            );
        }
    }
    assert!(checked > 100, "{checked}");
}

/// The panels of a screen that text is wrapped into.
fn panels(app: &App, area: Rect) -> Vec<Rect> {
    match app.screen {
        Screen::Campaign => vec![layout::list_area(area), layout::about_area(area)],
        Screen::Play => {
            let play = app.play.as_ref().expect("open");
            let a = layout::areas_of(area, play);
            vec![a.left, a.board, a.step, a.inspector]
        }
        Screen::Results => {
            let [_, _, right, _, _] = draw::results::areas(area);
            vec![right]
        }
        Screen::Sandbox => vec![layout::about_area(area)],
    }
}

/// No wide character sits in a panel's last inner column (a terminal would
/// draw its second half on the border), and the right border is whole.
fn assert_fits(app: &App, buf: &Buffer, area: Rect, what: &str) {
    for r in panels(app, area) {
        if r.width < 4 || r.height < 3 {
            continue;
        }
        let last = r.right() - 2;
        for y in r.top() + 1..r.bottom() - 1 {
            let Some(cell) = buf.cell((last, y)) else {
                continue;
            };
            assert!(
                text::width(cell.symbol()) <= 1,
                "{what}: a wide character in the last column of {r:?}, row {y}: {:?}\n{}",
                cell.symbol(),
                rows(buf, r).join("\n")
            );
            let border = buf.cell((r.right() - 1, y)).map(|c| c.symbol().to_string());
            assert!(
                border
                    .as_deref()
                    .is_some_and(|b| "│┃║▲▼█".contains(b) && !b.is_empty()),
                "{what}: the right border of {r:?} is broken at row {y}: {border:?}\n{}",
                rows(buf, r).join("\n")
            );
        }
    }
}

#[test]
fn korean_lines_never_run_past_their_panel() {
    let size = |w: u16, h: u16| Rect::new(0, 0, w, h);
    for (w, h) in SIZES {
        for (i, l) in levels().iter().enumerate() {
            let mut map = app(Lang::Ko);
            map.campaign_at = i;
            let t = draw(&mut map, w, h);
            assert_fits(
                &map,
                t.backend().buffer(),
                size(w, h),
                &format!("map {}", l.id),
            );
            let mut game = app(Lang::Ko);
            game.open(l.clone(), format::Solution::default(), None, None);
            for n in 0..l.steps.len() {
                let play = game.play.as_mut().expect("open");
                play.focus = Focus::Steps;
                play.steps_at = n;
                let t = draw(&mut game, w, h);
                assert_fits(
                    &game,
                    t.backend().buffer(),
                    size(w, h),
                    &format!("steps of {}", l.id),
                );
            }
        }
        let mut a = level_06_running(Lang::Ko);
        let t = draw(&mut a, w, h);
        assert_fits(&a, t.backend().buffer(), size(w, h), "a run");
        a.run_to_end();
        let t = draw(&mut a, w, h);
        assert_fits(&a, t.backend().buffer(), size(w, h), "results");
    }
}
