//! The terminal game: a campaign map, a board to build on, runs to watch and
//! results to learn from. Drawn with ratatui from a read-only view of the
//! simulation; the simulation changes only through actions.
//!
//! - [`app`] is the state machine (campaign → level → results) and `update`;
//! - [`play`] is one level: the architecture being built, undo, and the run;
//! - [`inspector`] turns a thing's settings into editable fields;
//! - [`keymap`] is the one table of keys (the help is drawn from it);
//! - [`layout`], [`board`] and [`draw`] put it on screen; [`explain`] words what happened;
//! - [`par_chart`] draws how a run compares with the level's sampled designs;
//! - [`strings`] holds every word in English and Korean; [`progress`] the saves.

pub mod app;
pub mod board;
pub mod draw;
pub mod explain;
pub mod inspector;
pub mod keymap;
pub mod layout;
pub mod par_chart;
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
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};

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
        /// The level's par (sampled designs) for the results screen.
        par: Option<crate::par::Par>,
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
    /// An error asked for with `PEAKLOAD_FAULT=error`.
    #[error("a fault asked for with PEAKLOAD_FAULT=error after the first frame")]
    Injected,
}

/// A failure the end-to-end tests ask for, to prove the terminal is restored after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The event loop panics after the first frame.
    Panic,
    /// The event loop returns an error after the first frame.
    Error,
}

impl Fault {
    /// Exists for the end-to-end tests: `PEAKLOAD_FAULT=panic|error` makes the game fail after its first frame.
    fn from_env() -> Option<Fault> {
        match std::env::var("PEAKLOAD_FAULT").ok()?.as_str() {
            "panic" => Some(Fault::Panic),
            "error" => Some(Fault::Error),
            _ => None,
        }
    }
}

/// Gives the terminal back as it was: mouse reporting off, raw mode off, the
/// main screen, the cursor shown. Every step is tried even if one fails.
fn restore_terminal() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = execute!(std::io::stdout(), Show);
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
            par,
        } => {
            app.open(*level, *solution, None, save_to);
            // The caller found the par for this exact level text.
            app.par = par;
        }
    }
    let fault = Fault::from_env();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        // A second signal while the first is still unanswered (the game
        // stuck) ends the process at once; registered first, so the first
        // signal only arms it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    // On a panic the screen is restored before the message is printed, so
    // the message lands on the main screen where it stays readable.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        report(info);
    }));
    let result = enable_raw_mode()
        .and_then(|()| execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture))
        .and_then(|()| Terminal::new(CrosstermBackend::new(std::io::stdout())))
        .map_err(TuiError::from)
        .and_then(|mut terminal| event_loop(&mut terminal, &mut app, &stop, fault));
    // Also after a half-done setup (raw mode on, the alternate screen refused).
    restore_terminal();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    stop: &AtomicBool,
    fault: Option<Fault>,
) -> Result<(), TuiError> {
    let mut last = Instant::now();
    loop {
        let size = terminal.size()?;
        app.size = (size.width, size.height);
        terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
        match fault {
            Some(Fault::Panic) => {
                panic!("a panic asked for with PEAKLOAD_FAULT=panic after the first frame")
            }
            Some(Fault::Error) => return Err(TuiError::Injected),
            None => {}
        }
        // Take events until the next frame is due. What the player does is
        // drawn at once; the simulation gets its turn when the frame is due,
        // and a frame's time counts from when that turn started, so a busy
        // simulation at max speed still leaves the screen its frames.
        let due = last + FRAME;
        let mut answered = false;
        loop {
            let wait = due.saturating_duration_since(Instant::now());
            if !event::poll(wait)? {
                break;
            }
            match event::read()? {
                Event::Key(key) => {
                    app.key(key);
                    answered = true;
                }
                Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
                    app.update(Msg::Click(m.column, m.row));
                    answered = true;
                }
                Event::Resize(..) => answered = true,
                _ => {}
            }
            if answered || app.quit || stop.load(Ordering::Relaxed) {
                break;
            }
        }
        if stop.load(Ordering::Relaxed) {
            app.keep_architecture();
            return Ok(());
        }
        if app.quit {
            return Ok(());
        }
        if answered && Instant::now() < due {
            continue;
        }
        let now = Instant::now();
        app.tick(now - last);
        last = now;
    }
}
