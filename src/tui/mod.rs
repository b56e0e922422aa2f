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
pub mod derived;
pub mod draw;
pub mod explain;
pub mod input;
pub mod inspector;
pub mod keep;
pub mod keymap;
pub mod layout;
pub mod lesson;
pub mod live;
pub mod par_chart;
pub mod play;
pub mod progress;
pub mod rows;
pub mod run;
pub mod strings;
pub mod terminal;
pub mod text;
pub mod update;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event, MouseButton, MouseEventKind};

use crate::format::{Level, Solution};

use app::App;
use input::{Input, Reader};
use keymap::Msg;
use progress::Store;
use strings::Lang;
use terminal::{Ended, Signals};

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

/// Time between frames while a run animates (about 30 a second).
const FRAME: Duration = Duration::from_millis(33);
/// How often the game looks whether its terminal is still there while idle.
const ALIVE_EVERY: Duration = Duration::from_millis(250);

/// Opens the game in the terminal and plays until the player quits, a
/// signal ends it or the terminal goes away. The build on the board is kept
/// on every one of those ways out.
pub fn run(lang: Option<Lang>, start: Start) -> Result<Ended, TuiError> {
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
            app.open_file(*level, *solution, save_to);
            // The caller found the par for this exact level text.
            if par.is_some() {
                app.par = par;
            }
        }
    }
    let fault = Fault::from_env();
    let signals = Signals::install()?;
    // On a panic the screen is restored before the message is printed, so
    // the message lands on the main screen where it stays readable.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        terminal::restore();
        report(info);
    }));
    let result = terminal::enter()
        .and_then(|()| Terminal::new(CrosstermBackend::new(std::io::stdout())))
        .map_err(TuiError::from)
        .and_then(|mut screen| event_loop(&mut screen, &mut app, &signals, fault));
    // Also after a half-done setup (raw mode on, the alternate screen refused).
    terminal::restore();
    // What could not be saved is said again where it stays readable.
    for line in app.unsaved_report() {
        eprintln!("peakload: {line}");
    }
    result
}

fn event_loop(
    screen: &mut terminal::Screen,
    app: &mut App,
    signals: &Signals,
    fault: Option<Fault>,
) -> Result<Ended, TuiError> {
    let reader = Reader::start();
    let mut last = Instant::now();
    let mut looked = Instant::now();
    let mut dirty = true;
    loop {
        if signals.take_resumed() {
            // Continued after a stop the game did not ask for (`kill -STOP`):
            // the terminal may have been changed meanwhile.
            terminal::take_again(screen)?;
            dirty = true;
        }
        if dirty {
            let size = screen.size()?;
            app.size = (size.width, size.height);
            if let Err(e) = screen.draw(|frame| frame.render_widget(&*app, frame.area())) {
                app.keep_architecture();
                return if terminal::still_there() {
                    Err(e.into())
                } else {
                    Ok(Ended::Hangup)
                };
            }
            dirty = false;
        }
        match fault {
            Some(Fault::Panic) => {
                panic!("a panic asked for with PEAKLOAD_FAULT=panic after the first frame")
            }
            Some(Fault::Error) => return Err(TuiError::Injected),
            None => {}
        }
        let animating = app.animating();
        let due = last + FRAME;
        let wait = if animating {
            due.saturating_duration_since(Instant::now())
        } else {
            ALIVE_EVERY
        };
        let mut gone = false;
        let mut events = Vec::new();
        match reader.batch(wait) {
            Ok(batch) => {
                for i in batch {
                    match i {
                        Input::Event(e) => events.push(e),
                        Input::Failed(_) => gone = true,
                    }
                }
            }
            Err(_) => gone = true,
        }
        for e in input::rejoin(events) {
            match e {
                Event::Key(key) => app.key(key),
                Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
                    app.update(Msg::Click(m.column, m.row));
                }
                Event::Resize(..) => {}
                _ => continue,
            }
            dirty = true;
            if app.quit {
                break;
            }
            if app.take_suspend() {
                terminal::suspend(screen)?;
                last = Instant::now();
            }
        }
        if let Some(signal) = signals.ending() {
            app.keep_architecture();
            return Ok(Ended::Signal(signal));
        }
        if app.quit {
            return Ok(Ended::Quit);
        }
        if signals.take_suspend() {
            terminal::suspend(screen)?;
            last = Instant::now();
            dirty = true;
        }
        if gone || (looked.elapsed() >= ALIVE_EVERY && !terminal::still_there()) {
            app.keep_architecture();
            return Ok(Ended::Hangup);
        }
        if looked.elapsed() >= ALIVE_EVERY {
            looked = Instant::now();
        }
        let now = Instant::now();
        if now >= due {
            if animating {
                // A long pause (a suspend, a slow frame) is not owed to the run.
                app.tick((now - last).min(FRAME * 3));
                dirty = true;
            }
            last = now;
        }
    }
}
