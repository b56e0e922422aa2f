//! The real game in a real pseudo-terminal: it opens the campaign map, takes
//! keys (open a lesson, place a server, run, stop, go back, quit), draws what
//! the keys should have changed, and on the way out gives the terminal back as
//! it found it: main screen, cursor shown, mouse reporting off, and `stty -a`
//! showing canonical mode and echo again. The same holds when the game is told
//! to stop by a signal instead of a key (it exits with 128 + the signal after
//! keeping the board), when it fails (a panic or an error asked for with
//! `PEAKLOAD_FAULT`), when it is suspended (Ctrl-Z, or SIGTSTP from outside)
//! and continued, and when its terminal goes away (it is gone within two
//! seconds, board kept). A burst of thousands of keys loses none: keys in
//! are counted against effects out.
//!
//! Unix only: the pseudo-terminal, `/bin/sh`, `stty` and `kill` are used.
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;
/// How long any one thing may take to show up.
const TIMEOUT: Duration = Duration::from_secs(15);
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(20);

/// Runs the game in the foreground of the shell, then prints its exit status
/// and the terminal's modes on the same pseudo-terminal.
const FOREGROUND: &str = r#""$BIN" --lang en; echo "EXIT=$?"; stty -a"#;
/// The same, with the game in the background so the shell can print its pid.
/// Without job control the game stays in the terminal's foreground process
/// group; its stdin is /dev/null, so crossterm opens /dev/tty for keys.
const BACKGROUND: &str = r#""$BIN" --lang en & echo "PID=$!"; wait $!; echo "EXIT=$?"; stty -a"#;

/// Locks a mutex, also after a panic elsewhere poisoned it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One game in one pseudo-terminal. Dropping it kills whatever is still
/// running and removes the data directory, also when an assertion failed.
struct Session {
    /// Kept open until the end (or [`Session::hang_up`]): closing it hangs up the terminal.
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    /// Asks the reader thread to stop after its next read (dropping its end).
    stop_reading: Arc<AtomicBool>,
    child: Box<dyn Child + Send + Sync>,
    /// The shell's pid, which is also its process group (portable-pty calls setsid).
    shell_pid: Option<u32>,
    /// The game's pid, once known (0 until then).
    game_pid: Arc<AtomicU32>,
    /// Everything the terminal printed, raw.
    output: Arc<Mutex<Vec<u8>>>,
    /// Set by the reader thread once the terminal has nothing more to give.
    eof: Arc<AtomicBool>,
    parser: vt100::Parser,
    /// How many bytes of `output` the parser has seen.
    fed: usize,
    data_dir: PathBuf,
    exited: bool,
}

impl Session {
    fn start(name: &str, script: &str) -> Self {
        Self::start_with(name, script, &[])
    }

    /// Starts a game with extra environment variables.
    fn start_with(name: &str, script: &str, env: &[(&str, &str)]) -> Self {
        let data_dir = std::env::temp_dir().join(format!(
            "peakload-e2e-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir).expect("create the data directory");

        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new("/bin/sh");
        cmd.args(["-c", script]);
        cmd.env("BIN", env!("CARGO_BIN_EXE_peakload"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("PEAKLOAD_DATA_DIR", &data_dir);
        // A panic's message stays a few lines, on screen with `stty -a` below it.
        cmd.env("RUST_BACKTRACE", "0");
        cmd.env_remove("PEAKLOAD_FAULT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        let child = pair.slave.spawn_command(cmd).expect("spawn the game");
        // Only the child may hold the terminal's other end, so that reading
        // ends once the child and everything it started are gone.
        drop(pair.slave);

        let shell_pid = child.process_id();
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let output = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        let stop_reading = Arc::new(AtomicBool::new(false));
        {
            let output = Arc::clone(&output);
            let eof = Arc::clone(&eof);
            let stop = Arc::clone(&stop_reading);
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => lock(&output).extend_from_slice(&buf[..n]),
                    }
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                }
                eof.store(true, Ordering::SeqCst);
            });
        }
        Self {
            master: Some(pair.master),
            writer: Some(writer),
            stop_reading,
            child,
            shell_pid,
            game_pid: Arc::new(AtomicU32::new(0)),
            output,
            eof,
            parser: vt100::Parser::new(ROWS, COLS, 0),
            fed: 0,
            data_dir,
            exited: false,
        }
    }

    /// Feeds what arrived since the last look into the terminal emulator.
    fn catch_up(&mut self) {
        let output = lock(&self.output);
        if output.len() > self.fed {
            self.parser.process(&output[self.fed..]);
            self.fed = output.len();
        }
    }

    fn screen_text(&mut self) -> String {
        self.catch_up();
        self.parser.screen().contents()
    }

    /// Waits until the screen shows every one of `needles`.
    fn wait_for(&mut self, needles: &[&str]) -> String {
        self.wait_until(&format!("{needles:?}"), |text| {
            needles.iter().all(|n| text.contains(n))
        })
    }

    /// Waits until the screen's text passes `ok`; panics with the screen if
    /// it does not within [`TIMEOUT`].
    fn wait_until(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.screen_text();
            if ok(&text) {
                return text;
            }
            if start.elapsed() > TIMEOUT {
                panic!(
                    "timed out after {TIMEOUT:?} waiting for {what}; the screen:\n{}\n--- end of screen ---",
                    text
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Waits until the raw byte stream (not the screen, which the game may
    /// have drawn over) contains `needle`; returns the text after it.
    fn wait_raw(&mut self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let raw = String::from_utf8_lossy(&lock(&self.output)).into_owned();
            if let Some(at) = raw.find(needle) {
                return raw[at + needle.len()..].to_owned();
            }
            if start.elapsed() > TIMEOUT {
                panic!(
                    "timed out after {TIMEOUT:?} waiting for {needle:?} in the output:\n{raw:?}"
                );
            }
            thread::sleep(POLL);
        }
    }

    fn send(&mut self, keys: &str) {
        let writer = self.writer.as_mut().expect("the terminal is still open");
        writer
            .write_all(keys.as_bytes())
            .and_then(|()| writer.flush())
            .unwrap_or_else(|e| panic!("send {keys:?} to the game: {e}"));
    }

    /// Reads the game's pid from the shell's `PID=` line (BACKGROUND script).
    fn read_pid(&mut self) -> u32 {
        let after = self.wait_raw("PID=");
        let pid: String = after.chars().take_while(char::is_ascii_digit).collect();
        let pid: u32 = pid
            .parse()
            .unwrap_or_else(|e| panic!("no pid after PID= ({e}):\n{after:?}"));
        self.game_pid.store(pid, Ordering::SeqCst);
        pid
    }

    /// Closes this side of the pseudo-terminal, as a closed window or a
    /// killed tmux session does: every master descriptor is closed, so the
    /// terminal hangs up. `nudge` is a key that makes the game redraw, so
    /// the reader thread wakes, sees it must stop and drops its end.
    fn hang_up(&mut self, nudge: &str) {
        self.stop_reading.store(true, Ordering::SeqCst);
        self.send(nudge);
        let start = Instant::now();
        while !self.eof.load(Ordering::SeqCst) {
            assert!(
                start.elapsed() < TIMEOUT,
                "the reader did not stop after the game redrew"
            );
            thread::sleep(POLL);
        }
        self.writer = None;
        self.master = None;
    }

    /// Whether the terminal is in canonical mode and echoes, read from the
    /// pseudo-terminal's master side (what `stty -a` would show on it).
    fn line_modes(&self) -> (bool, bool) {
        let termios = self
            .master
            .as_ref()
            .and_then(|m| m.get_termios())
            .expect("the terminal's modes");
        let flags = termios.local_flags.bits();
        (flags & libc::ICANON != 0, flags & libc::ECHO != 0)
    }

    /// A file in the game's data directory, if it is there.
    fn data_file(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.data_dir.join(rel)).ok()
    }

    /// Waits for the shell (and so `stty`) to finish and for the terminal to
    /// give its last byte; returns the raw output after the last `EXIT=`.
    fn wait_for_end(&mut self) -> String {
        let start = Instant::now();
        while !self.exited {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    assert!(status.success(), "the shell failed: {status:?}");
                    self.exited = true;
                }
                Ok(None) if start.elapsed() > TIMEOUT => {
                    let screen = self.screen_text();
                    panic!("the shell did not end within {TIMEOUT:?}; the screen:\n{screen}");
                }
                Ok(None) => thread::sleep(POLL),
                Err(e) => panic!("wait for the shell: {e}"),
            }
        }
        while !self.eof.load(Ordering::SeqCst) {
            assert!(
                start.elapsed() < TIMEOUT,
                "the terminal stayed open after the shell ended"
            );
            thread::sleep(POLL);
        }
        self.catch_up();
        let raw = String::from_utf8_lossy(&lock(&self.output)).into_owned();
        match raw.rfind("EXIT=") {
            Some(at) => raw[at..].to_owned(),
            None => panic!("no EXIT= in the output:\n{raw:?}"),
        }
    }

    /// Checks that the game gave the terminal back and exited with 0.
    fn assert_restored(&mut self) {
        let (code, tail) = self.assert_restored_after_exit();
        assert_eq!(code, 0, "the game did not exit with 0:\n{tail}");
    }

    /// Checks that the game gave the terminal back: the emulator is on the
    /// main screen with the cursor shown and no mouse reporting, and `stty -a`
    /// (run after it) shows canonical mode and echo. Returns the game's exit
    /// code and the output from `EXIT=` on.
    fn assert_restored_after_exit(&mut self) -> (i32, String) {
        let tail = self.wait_for_end();
        let screen = self.parser.screen();
        let text = screen.contents();
        assert!(
            !screen.alternate_screen(),
            "still in the alternate screen:\n{text}"
        );
        assert!(!screen.hide_cursor(), "the cursor is still hidden:\n{text}");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting is still on:\n{text}"
        );
        let code: String = tail["EXIT=".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let code: i32 = code
            .parse()
            .unwrap_or_else(|e| panic!("no exit code after EXIT= ({e}):\n{tail}"));

        let stty = tail
            .find("speed")
            .map(|at| &tail[at..])
            .unwrap_or_else(|| panic!("no `stty -a` output after EXIT=:\n{tail}"));
        let tokens: Vec<&str> = stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|t| !t.is_empty())
            .collect();
        for on in ["icanon", "echo"] {
            assert!(tokens.contains(&on), "`stty -a` lacks {on}:\n{stty}");
            let off = format!("-{on}");
            assert!(
                !tokens.contains(&off.as_str()),
                "`stty -a` shows {off}:\n{stty}"
            );
        }
        (code, tail)
    }

    /// What the game printed after it last left the alternate screen, up to
    /// the shell's `EXIT=`: what the player sees on the restored terminal.
    fn printed_after_restore(&mut self) -> String {
        self.catch_up();
        let raw = String::from_utf8_lossy(&lock(&self.output)).into_owned();
        let end = raw.rfind("EXIT=").unwrap_or(raw.len());
        let start = raw[..end]
            .rfind(LEAVE_ALTERNATE_SCREEN)
            .unwrap_or_else(|| panic!("the game never left the alternate screen:\n{raw:?}"));
        raw[start + LEAVE_ALTERNATE_SCREEN.len()..end].to_owned()
    }
}

/// The escape sequence that goes back to the main screen.
const LEAVE_ALTERNATE_SCREEN: &str = "\x1b[?1049l";

impl Drop for Session {
    fn drop(&mut self) {
        if !self.exited {
            let game = self.game_pid.load(Ordering::SeqCst);
            if game != 0 {
                let _ = Command::new("kill")
                    .args(["-KILL", &game.to_string()])
                    .status();
            }
            // Without job control the game shares the shell's process group.
            if let Some(shell) = self.shell_pid {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{shell}")])
                    .status();
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The run clock in the header, e.g. `d2 03:00 / 365d`, if it is there
/// and looks like a clock.
fn clock(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains(" / 365d"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "/")?;
    let [day, time, slash, span] = words.get(at.checked_sub(2)?..at + 2)? else {
        return None;
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let day_ok = day.strip_prefix('d').is_some_and(digits);
    let time_ok = time
        .split_once(':')
        .is_some_and(|(h, m)| h.len() == 2 && m.len() == 2 && digits(h) && digits(m));
    let span_ok = span.strip_suffix('d').is_some_and(digits);
    (day_ok && time_ok && *slash == "/" && span_ok).then(|| words[at - 2..at + 2].join(" "))
}

/// On the campaign map (not just a screen that mentions the campaign).
fn on_map(text: &str) -> bool {
    text.contains("Campaign") && text.contains("Enter play") && !text.contains("Palette")
}

/// Whether a process is gone: no such process, or a zombie nobody reaped.
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// The state letter of a process (`T` when stopped), if it exists.
fn state(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().next().map(str::to_string)
}

fn kill(signal: &str, pid: u32) {
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("run kill: {e}"));
    assert!(killed.success(), "kill -{signal} {pid} failed: {killed:?}");
}

#[test]
fn keys_play_a_lesson_and_quitting_restores_the_terminal() {
    let started = Instant::now();
    let mut s = Session::start("keys", FOREGROUND);

    let map = s.wait_until("the campaign map", on_map);
    assert!(map.contains("peakload"), "no title on the map:\n{map}");
    assert!(
        map.contains("The on-premises dilemma"),
        "no first level on the map:\n{map}"
    );

    s.send("\r");
    s.wait_for(&["Palette", "Board", "shoppers"]);

    s.send("1");
    let placed = s.wait_for(&["dc-1"]);
    assert!(placed.contains("Placed dc-1"), "no status line:\n{placed}");

    s.send("r");
    s.wait_for(&["Events", " / 365d"]);
    thread::sleep(Duration::from_millis(500));
    let running = s.screen_text();
    let shown = clock(&running);
    assert!(shown.is_some(), "no run clock in the header:\n{running}");
    assert!(
        running.contains("running 1×"),
        "a first run starts at 1×:\n{running}"
    );

    s.send("\x1b");
    s.wait_for(&["Run stopped"]);
    thread::sleep(Duration::from_millis(100));

    s.send("\x1b");
    s.wait_until("the campaign map again", on_map);

    s.send("q");
    s.wait_for(&["EXIT=0"]);
    s.assert_restored();
    eprintln!(
        "keys test: clock {:?}, done in {:.1?}",
        shown.unwrap_or_default(),
        started.elapsed()
    );
}

#[test]
fn ending_signals_keep_the_board_restore_the_terminal_and_report_the_signal() {
    // SIGINT, SIGTERM, SIGHUP give the conventional 130, 143, 129; SIGQUIT
    // and SIGUSR1 (which by default would leave the alternate screen and
    // mouse reporting on) restore the terminal too.
    for (signal, code) in [
        ("INT", 130),
        ("TERM", 143),
        ("HUP", 129),
        ("QUIT", 131),
        ("USR1", 138),
    ] {
        let started = Instant::now();
        let mut s = Session::start(&format!("sig{}", signal.to_lowercase()), BACKGROUND);
        let pid = s.read_pid();
        s.wait_until("the campaign map", on_map);
        // Keys still reach the game in the background (it reads /dev/tty), so
        // stop it in the middle of a level, in raw mode with the mouse captured.
        s.send("\r");
        s.wait_for(&["Palette", "shoppers"]);
        s.send("1");
        s.wait_for(&["dc-1"]);
        kill(signal, pid);
        s.wait_for(&["EXIT="]);
        let (got, tail) = s.assert_restored_after_exit();
        assert_eq!(got, code, "SIG{signal} exit status:\n{tail}");
        let kept = s
            .data_file("solutions/01-on-prem-dilemma.ron")
            .unwrap_or_default();
        assert!(kept.contains("dc-1"), "SIG{signal}: the board was not kept");
        eprintln!(
            "SIG{signal}: exit {got}, board kept, done in {:.1?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_closed_terminal_ends_the_game_within_two_seconds_and_keeps_the_board() {
    let mut s = Session::start("hangup", BACKGROUND);
    let pid = s.read_pid();
    s.wait_until("the campaign map", on_map);
    s.send("\r");
    s.wait_for(&["Palette", "shoppers"]);
    s.send("1");
    s.wait_for(&["dc-1"]);
    // Close every descriptor of the terminal's master side.
    s.hang_up("\x1b[B");
    let closed = Instant::now();
    while !gone(pid) {
        assert!(
            closed.elapsed() < Duration::from_secs(2),
            "the game was still running 2 s after its terminal closed (state {:?})",
            state(pid)
        );
        thread::sleep(POLL);
    }
    eprintln!("hang-up: gone after {:.2?}", closed.elapsed());
    let kept = s
        .data_file("solutions/01-on-prem-dilemma.ron")
        .unwrap_or_default();
    assert!(kept.contains("dc-1"), "the board was not kept:\n{kept}");
}

/// Stops the game on the campaign map with `stop` (given the session and the
/// game's pid), checks that it gave the terminal back while stopped, then
/// continues it as `fg` does and checks that it takes the terminal again,
/// redraws, reads keys raw and quits cleanly.
fn suspend_and_continue(name: &str, stop: impl FnOnce(&mut Session, u32)) {
    let mut s = Session::start(name, BACKGROUND);
    let pid = s.read_pid();
    s.wait_until("the campaign map", on_map);
    assert!(s.parser.screen().alternate_screen());
    stop(&mut s, pid);
    let start = Instant::now();
    while state(pid).as_deref() != Some("T") {
        assert!(start.elapsed() < TIMEOUT, "{name}: the game did not stop");
        thread::sleep(POLL);
    }
    // Stopped: the shell's screen is back, with no mouse reporting, and the
    // line discipline cooked again (the shell's `stty` cannot run yet, so
    // the terminal's own modes are read from its master side).
    thread::sleep(Duration::from_millis(100));
    s.catch_up();
    let screen = s.parser.screen();
    assert!(
        !screen.alternate_screen(),
        "{name}: still on the game's screen while stopped"
    );
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "{name}: mouse reporting left on while stopped"
    );
    assert!(
        !screen.hide_cursor(),
        "{name}: the cursor hidden while stopped"
    );
    let (canonical, echo) = s.line_modes();
    assert!(
        canonical && echo,
        "{name}: stopped in raw mode (canonical {canonical}, echo {echo})"
    );
    // `fg`: continued, the game takes the terminal again and redraws it.
    kill("CONT", pid);
    s.wait_until("the map drawn again", on_map);
    let start = Instant::now();
    while !s.parser.screen().alternate_screen() {
        assert!(
            start.elapsed() < TIMEOUT,
            "{name}: not back on the game's screen"
        );
        thread::sleep(POLL);
        s.catch_up();
    }
    let (canonical, echo) = s.line_modes();
    assert!(
        !canonical && !echo,
        "{name}: continued but not in raw mode (canonical {canonical}, echo {echo})"
    );
    // Raw mode again: a key acts at once, without Enter.
    s.send("s");
    s.wait_for(&["Sandbox"]);
    s.send("\x1b");
    s.wait_until("the map", on_map);
    s.send("q");
    s.wait_for(&["EXIT="]);
    s.assert_restored();
}

#[test]
fn a_suspend_gives_the_terminal_back_and_fg_takes_it_again() {
    suspend_and_continue("suspend", |_, pid| kill("TSTP", pid));
}

#[test]
fn ctrl_z_suspends_like_a_shell_job_and_fg_takes_the_terminal_again() {
    // In raw mode the terminal sends Ctrl-Z to the game as a key, not as
    // SIGTSTP: the game must give the terminal back and stop itself.
    suspend_and_continue("ctrlz", |s, _| s.send("\x1a"));
}

#[test]
fn a_burst_of_keys_loses_none() {
    // 7 boxes placed among 2,002 arrow keys that cancel out; then Ctrl-C.
    // A key lost, or an arrow split into Esc and two letters, shows as fewer
    // boxes in the board the game keeps, or a game that does not quit.
    let mut s = Session::start("burst", FOREGROUND);
    s.wait_until("the campaign map", on_map);
    s.send("\r");
    s.wait_for(&["Palette", "shoppers"]);
    let mut burst = String::new();
    let mut arrows = 0;
    for _ in 0..7 {
        for _ in 0..143 {
            burst.push_str("\x1b[C\x1b[D");
            arrows += 2;
        }
        burst.push('1');
    }
    burst.push('\x03');
    let keys_in = arrows + 7 + 1;
    let started = Instant::now();
    s.send(&burst);
    s.wait_for(&["EXIT="]);
    let (code, tail) = s.assert_restored_after_exit();
    assert_eq!(
        code, 0,
        "Ctrl-C after the burst did not quit with 0:\n{tail}"
    );
    let kept = s
        .data_file("solutions/01-on-prem-dilemma.ron")
        .expect("the board was kept");
    let boxes = kept.matches("OnPremises(").count();
    assert_eq!(
        boxes, 7,
        "{keys_in} keys in, {boxes} of 7 boxes out:\n{kept}"
    );
    eprintln!(
        "burst: {keys_in} keys ({} bytes) in, 7 boxes and a quit out, in {:.1?}",
        burst.len(),
        started.elapsed()
    );
}

#[test]
fn a_panic_restores_the_terminal_and_its_message_shows_on_it() {
    let started = Instant::now();
    let mut s = Session::start_with("panic", FOREGROUND, &[("PEAKLOAD_FAULT", "panic")]);
    s.wait_for(&["EXIT="]);
    let (code, tail) = s.assert_restored_after_exit();
    assert_ne!(code, 0, "a panic exited with 0:\n{tail}");
    let printed = s.printed_after_restore();
    assert!(
        printed.contains("panicked") && printed.contains("PEAKLOAD_FAULT=panic"),
        "the panic message is not on the restored terminal:\n{printed:?}"
    );
    let screen = s.screen_text();
    assert!(
        screen.contains("PEAKLOAD_FAULT=panic"),
        "the panic message is not on the screen:\n{screen}"
    );
    eprintln!("panic test: exit {code}, done in {:.1?}", started.elapsed());
}

#[test]
fn an_error_restores_the_terminal_exits_2_and_says_why() {
    let started = Instant::now();
    let mut s = Session::start_with("error", FOREGROUND, &[("PEAKLOAD_FAULT", "error")]);
    s.wait_for(&["EXIT="]);
    let (code, tail) = s.assert_restored_after_exit();
    assert_eq!(code, 2, "an error did not exit with 2:\n{tail}");
    let printed = s.printed_after_restore();
    assert!(
        printed.contains("peakload: ") && printed.contains("PEAKLOAD_FAULT=error"),
        "the error message is not on the restored terminal:\n{printed:?}"
    );
    eprintln!("error test: done in {:.1?}", started.elapsed());
}
