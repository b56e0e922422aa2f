//! The terminal and the process's signals: raw mode, the alternate screen and
//! mouse reporting on the way in; all of it given back on every way out (a
//! key, an error, a panic, a signal, a terminal that went away) and around a
//! suspend (`Ctrl-Z`, `kill -TSTP`), as vim and lazygit do.

use std::io::Stdout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};

/// The terminal the game draws on.
pub type Screen = Terminal<CrosstermBackend<Stdout>>;

/// How the game ended, when it ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The player quit.
    Quit,
    /// A signal asked the process to end (its number).
    Signal(i32),
    /// The terminal went away (hung up, closed, or no longer readable).
    Hangup,
}

impl Ended {
    /// The conventional exit status: 0 for a quit, 128 + the signal for a
    /// signal, 129 (as for SIGHUP) when the terminal went away.
    pub fn exit_code(self) -> u8 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(n) => u8::try_from(128 + n).unwrap_or(255),
            Ended::Hangup => 129,
        }
    }
}

/// Signals that end the game: the board is kept and the terminal restored
/// before the process exits with 128 + the signal. SIGKILL and SIGSTOP
/// cannot be caught; SIGSEGV and the like are not the game's to handle.
#[cfg(unix)]
pub const ENDING: [i32; 11] = {
    use signal_hook::consts::*;
    [
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU,
        SIGXFSZ,
    ]
};

/// What signals have asked for since the last look, set by the handlers.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// The first ending signal received (0: none).
    ending: Arc<AtomicUsize>,
    /// Set when an ending signal arrived; a second one while it is still
    /// set ends the process at once (the game is stuck).
    armed: Arc<AtomicBool>,
    /// A suspend was asked for with SIGTSTP.
    suspend: Arc<AtomicBool>,
    /// The process was continued after a stop (redraw everything).
    resumed: Arc<AtomicBool>,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> std::io::Result<Signals> {
        let signals = Signals::default();
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGCONT, SIGTSTP};
            for signal in ENDING {
                // Registered first, so the first signal only arms it.
                signal_hook::flag::register_conditional_shutdown(
                    signal,
                    128 + signal,
                    Arc::clone(&signals.armed),
                )?;
                signal_hook::flag::register(signal, Arc::clone(&signals.armed))?;
                signal_hook::flag::register_usize(
                    signal,
                    Arc::clone(&signals.ending),
                    signal as usize,
                )?;
            }
            signal_hook::flag::register(SIGTSTP, Arc::clone(&signals.suspend))?;
            signal_hook::flag::register(SIGCONT, Arc::clone(&signals.resumed))?;
        }
        Ok(signals)
    }

    /// The ending signal received, if any.
    pub fn ending(&self) -> Option<i32> {
        match self.ending.load(Ordering::SeqCst) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }

    /// Whether SIGTSTP asked for a suspend (and forgets it).
    pub fn take_suspend(&self) -> bool {
        self.suspend.swap(false, Ordering::SeqCst)
    }

    /// Whether the process was continued since the last look (and forgets it).
    pub fn take_resumed(&self) -> bool {
        self.resumed.swap(false, Ordering::SeqCst)
    }
}

/// Takes the terminal: raw mode, the alternate screen, mouse reporting.
pub fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Gives the terminal back as it was: mouse reporting off, raw mode off, the
/// main screen, the cursor shown. Every step is tried even if one fails (a
/// terminal that went away fails them all, and that is fine).
pub fn restore() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = execute!(std::io::stdout(), Show);
}

/// Suspends the process like a shell job: the terminal is given back, the
/// process stops, and when the shell continues it (`fg`) the terminal is
/// taken again and the whole screen redrawn.
pub fn suspend(screen: &mut Screen) -> std::io::Result<()> {
    restore();
    #[cfg(unix)]
    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP)?;
    take_again(screen)
}

/// Takes the terminal again after it was given away (a suspend, a stop from
/// outside): raw mode, the alternate screen, and a blank screen with fresh
/// buffers, so the next frame draws every cell. (`Terminal::clear` would ask
/// the terminal where its cursor is, an answer the key reader thread takes.)
pub fn take_again(screen: &mut Screen) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{Clear, ClearType};
    enter()?;
    execute!(std::io::stdout(), Clear(ClearType::All))?;
    *screen = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    Ok(())
}

/// Whether the process still has its terminal. After a hang-up the kernel
/// takes the controlling terminal away, so `/dev/tty` no longer opens;
/// crossterm's reader cannot tell (it retries a read that returns nothing).
pub fn still_there() -> bool {
    #[cfg(unix)]
    {
        std::fs::OpenOptions::new()
            .read(true)
            .open("/dev/tty")
            .is_ok()
    }
    #[cfg(not(unix))]
    {
        true
    }
}
