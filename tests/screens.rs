//! Every screen drawn into ratatui's `TestBackend` at 80×24 and 160×48, in
//! English and Korean, and compared with the snapshots in `tests/snapshots/`
//! (review changes with `cargo insta review`, or accept them with
//! `INSTA_UPDATE=always cargo test --release --test screens`). Runs advance
//! by whole ticks, never by wall time, so every frame is reproducible.

use peakload::bundled;
use peakload::format::{self, load};
use peakload::tui::app::{App, Screen};
use peakload::tui::keymap::Msg;
use peakload::tui::play::Focus;
use peakload::tui::progress::Store;
use peakload::tui::strings::Lang;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
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

/// Level 06 with its reference solution on the board.
fn level_03(lang: Lang) -> App {
    let b = bundled::find("06").expect("level 06");
    let checked =
        format::check_texts(b.level_file(), b.solution_file("reference")).expect("checks");
    let mut app = app(lang);
    let (solution, _) = checked.solution.clone().expect("reference");
    app.open(checked.level, solution, None, None);
    app
}

/// Runs level 06 by whole ticks to 13:20, in the flash sale.
fn level_03_running(lang: Lang) -> App {
    let mut app = level_03(lang);
    app.update(Msg::Run);
    let play = app.play.as_mut().expect("open");
    play.select("shop");
    let run = play.run.as_mut().expect("running");
    while run.sim.ctx.now_s < 13.0 * 3600.0 + 20.0 * 60.0 {
        run.step();
    }
    run.frame = 7;
    run.refresh();
    play.check_steps();
    app
}

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
fn build_screen_with_the_inspector_open() {
    each("build", |lang| {
        let mut app = level_03(lang);
        let play = app.play.as_mut().expect("open");
        play.select("shop");
        play.focus = Focus::Inspector;
        play.field_at = 2;
        app
    });
}

#[test]
fn run_screen_in_the_flash_sale() {
    each("run", level_03_running);
}

#[test]
fn results_screen() {
    each("results", |lang| {
        let mut app = level_03_running(lang);
        app.run_to_end();
        assert_eq!(app.screen, Screen::Results);
        app
    });
}

#[test]
fn help_overlay() {
    each("help", |lang| {
        let mut app = level_03(lang);
        app.update(Msg::Help);
        app
    });
}

#[test]
fn the_layout_survives_any_size() {
    // Tiny, odd and huge sizes: drawing never panics and the board keeps its border.
    let mut running = level_03_running(Lang::Ko);
    let mut results = level_03_running(Lang::En);
    results.run_to_end();
    let mut help = level_03(Lang::En);
    help.update(Msg::Help);
    for (w, h) in [
        (1, 1),
        (10, 5),
        (40, 12),
        (79, 23),
        (81, 25),
        (120, 40),
        (250, 80),
    ] {
        for a in [&mut running, &mut results, &mut help] {
            draw(a, w, h);
        }
        let mut map = app(Lang::Ko);
        draw(&mut map, w, h);
    }
    let text = load::to_ron(&running.play.as_ref().expect("open").solution).expect("ron");
    assert!(text.contains("shop"));
}
