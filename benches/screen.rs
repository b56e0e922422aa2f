//! The game as a player meets it, through a real pseudo-terminal: how long
//! from launch to the first drawn frame, how often the screen is redrawn at
//! "max" speed, and how long a key takes to show on screen while the
//! simulation runs flat out (a year of level 01, whose reference runs at
//! "max" to its results in the time measured too). Run with `cargo bench --bench screen`; it prints
//! the median and worst of repeated measurements.
//!
//! Unix only: it needs a pseudo-terminal.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// Longest any one wait may take before the bench gives up.
const PATIENCE: Duration = Duration::from_secs(20);

/// One running game and the screen it has drawn so far.
struct Game {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    bytes: Receiver<Vec<u8>>,
    screen: vt100::Parser,
    data_dir: std::path::PathBuf,
}

impl Game {
    fn start(args: &[&str]) -> (Self, Instant) {
        let data_dir = std::env::temp_dir().join(format!(
            "peakload-bench-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&data_dir).expect("data directory");
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_peakload"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("PEAKLOAD_DATA_DIR", &data_dir);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn the game");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, bytes) = channel();
        thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let game = Self {
            _master: pair.master,
            writer,
            child,
            bytes,
            screen: vt100::Parser::new(ROWS, COLS, 0),
            data_dir,
        };
        (game, started)
    }

    /// Feeds what has arrived (waiting up to `wait` for something); returns
    /// whether anything did.
    fn pump(&mut self, wait: Duration) -> bool {
        match self.bytes.recv_timeout(wait) {
            Ok(chunk) => {
                self.screen.process(&chunk);
                while let Ok(more) = self.bytes.try_recv() {
                    self.screen.process(&more);
                }
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    fn text(&self) -> String {
        self.screen.screen().contents()
    }

    /// Waits until the screen shows `needle`; returns when it did.
    fn wait_for(&mut self, needle: &str) -> Instant {
        let give_up = Instant::now() + PATIENCE;
        loop {
            if self.text().contains(needle) {
                return Instant::now();
            }
            assert!(
                Instant::now() < give_up,
                "never saw {needle:?}:\n{}",
                self.text()
            );
            self.pump(Duration::from_millis(1));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("send keys");
        self.writer.flush().expect("flush keys");
    }
}

impl Drop for Game {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The run clock in the header (`hh:mm`, the first time on screen), if any.
fn clock(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == ':'))
        .find(|w| w.len() == 5 && w.matches(':').count() == 1)
        .map(str::to_string)
}

fn median_and_worst(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[xs.len() - 1])
}

fn main() {
    // `cargo test --benches` runs benches once as a smoke test; keep it short then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = if quick { 2 } else { 15 };

    let mut start_ms = Vec::new();
    for _ in 0..runs {
        let (mut game, started) = Game::start(&["--lang", "en"]);
        let seen = game.wait_for("on-premises");
        start_ms.push((seen - started).as_secs_f64() * 1000.0);
    }
    let (median, worst) = median_and_worst(start_ms);
    println!("start: launch to first frame  median {median:.1} ms  worst {worst:.1} ms");

    // A year at max speed (level 01 and its reference, without the guided
    // steps, which pause the run as each begins): from the key to the
    // results, whose review is worked out in the last frame; the redraws on
    // the way (every redraw moves the clock); and one key to screen while
    // it runs flat out.
    let year = year_without_steps();
    let year_dir = year.to_string_lossy().into_owned();
    let solution = format!("{year_dir}/reference.ron");
    let (mut year_ms, mut fps, mut key_ms) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (mut game, _) = Game::start(&["--lang", "en", "play", &year_dir, &solution]);
        game.wait_for("365d");
        game.send("r");
        thread::sleep(Duration::from_millis(20));
        let sent = Instant::now();
        game.send("4");
        let mut frames = 0u32;
        let mut last = clock(&game.text());
        let give_up = Instant::now() + PATIENCE;
        while !game.text().contains("PASSED") && Instant::now() < give_up {
            if game.pump(Duration::from_millis(1)) {
                let now = clock(&game.text());
                if now != last {
                    frames += 1;
                    last = now;
                }
            }
        }
        let took = sent.elapsed();
        year_ms.push(took.as_secs_f64() * 1000.0);
        fps.push(f64::from(frames) / took.as_secs_f64());

        let (mut game, _) = Game::start(&["--lang", "en", "play", &year_dir, &solution]);
        game.wait_for("365d");
        game.send("r");
        thread::sleep(Duration::from_millis(20));
        game.send("4");
        thread::sleep(Duration::from_millis(150));
        let sent = Instant::now();
        game.send("?");
        let seen = game.wait_for("any key closes");
        key_ms.push((seen - sent).as_secs_f64() * 1000.0);
    }
    let _ = std::fs::remove_dir_all(&year);
    let (median, worst) = median_and_worst(year_ms);
    println!("max speed: a year to its results  median {median:.0} ms  worst {worst:.0} ms");
    let (median, _) = median_and_worst(fps);
    println!("max speed: {median:.1} redraws a second (clock changes seen)");
    let (median, worst) = median_and_worst(key_ms);
    println!("max speed: key to screen  median {median:.1} ms  worst {worst:.1} ms");
}

/// Level 01 and its reference in a folder of their own, the level's steps
/// taken out.
fn year_without_steps() -> std::path::PathBuf {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("levels/01-on-prem-dilemma");
    let level = std::fs::read_to_string(from.join("level.ron")).expect("level 01");
    let start = level.find("    steps: [").expect("level 01 has steps");
    let mut depth = 0;
    let mut end = start;
    for (i, c) in level[start..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    end = start + i + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    let rest = level[end..].trim_start_matches([',', '\n']);
    let dir = std::env::temp_dir().join(format!("peakload-bench-year-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder for the year");
    std::fs::write(dir.join("level.ron"), format!("{}{rest}", &level[..start])).expect("write");
    std::fs::copy(from.join("reference.ron"), dir.join("reference.ron")).expect("copy");
    dir
}
