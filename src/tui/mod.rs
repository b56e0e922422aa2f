//! The terminal game: a campaign map, a board to build on, runs to watch and
//! results to learn from. Drawn with ratatui from a read-only view of the
//! simulation; the simulation changes only through actions.
//!
//! - [`app`] is the state machine (campaign → level → results) and `update`;
//! - [`play`] is one level: the architecture being built, undo, and the run;
//! - [`inspector`] turns a thing's settings into editable fields;
//! - [`keymap`] is the one table of keys (the help is drawn from it);
//! - [`layout`], [`board`] and [`draw`] put it on screen; [`explain`] words what happened;
//! - [`strings`] holds every word in English and Korean; [`progress`] the saves.

pub mod app;
pub mod board;
pub mod draw;
pub mod explain;
pub mod inspector;
pub mod keymap;
pub mod layout;
pub mod play;
pub mod progress;
pub mod strings;

use std::io::Stdout;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use crate::format::{Level, Solution};

use app::App;
use keymap::Msg;
use progress::Store;
use strings::Lang;

/// Where the game opens.
#[derive(Debug, Clone)]
pub enum Start {
    /// The campaign map.
    Campaign,
    /// The sandbox's traffic chooser.
    Sandbox,
    /// A level from a file, with a starting architecture and where to save it.
    Level {
        /// The level.
        level: Box<Level>,
        /// The architecture to start from.
        solution: Box<Solution>,
        /// Where "save" writes.
        save_to: Option<PathBuf>,
    },
}

/// Why the game could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be set up or drawn to.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// Output is not a terminal (a pipe, a file, CI).
    #[error(
        "the game needs a terminal; for headless use see `peakload --help` (score, check, levels)"
    )]
    NotATerminal,
    /// The bundled data is broken (a build from a broken tree).
    #[error("{0}")]
    Input(#[from] crate::format::InputError),
}

/// Time between frames (about 30 a second).
const FRAME: Duration = Duration::from_millis(33);

/// Opens the game in the terminal and plays until the player quits.
pub fn run(lang: Option<Lang>, start: Start) -> Result<(), TuiError> {
    use std::io::IsTerminal as _;
    // Keys are read from the terminal device itself, so only the output must be one.
    if !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let mut app = App::new(lang, Store::locate())?;
    match start {
        Start::Campaign => {}
        Start::Sandbox => app.screen = app::Screen::Sandbox,
        Start::Level {
            level,
            solution,
            save_to,
        } => app.open(*level, *solution, None, save_to),
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let mut terminal = ratatui::try_init()?;
    // ratatui's hook restores the screen on a panic; mouse capture is ours to undo first.
    let restore_screen = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        restore_screen(info);
    }));
    let result = execute!(std::io::stdout(), EnableMouseCapture)
        .map_err(TuiError::from)
        .and_then(|()| event_loop(&mut terminal, &mut app, &stop));
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    stop: &AtomicBool,
) -> Result<(), TuiError> {
    let mut last = Instant::now();
    loop {
        let size = terminal.size()?;
        app.size = (size.width, size.height);
        terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
        // Take every event that arrives before the next frame is due, then draw once.
        let due = last + FRAME;
        loop {
            let wait = due.saturating_duration_since(Instant::now());
            if !event::poll(wait)? {
                break;
            }
            match event::read()? {
                Event::Key(key) => app.key(key),
                Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
                    app.update(Msg::Click(m.column, m.row));
                }
                _ => {}
            }
            if app.quit || stop.load(Ordering::Relaxed) {
                break;
            }
        }
        let now = Instant::now();
        app.tick(now - last);
        last = now;
        if stop.load(Ordering::Relaxed) {
            app.keep_architecture();
            return Ok(());
        }
        if app.quit {
            return Ok(());
        }
    }
}
