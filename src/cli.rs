//! The command line: the game (no subcommand, `play`, `sandbox`) and the
//! headless tools (`score`, `check`, `levels`, `new`, `par`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::atomic::write_atomically;
use crate::batch;
use crate::bundled;
use crate::format::{self, Checked, InputError, SourceFile, load};
use crate::par;
use crate::sim::{self, Score, Sim};
use crate::tui::{self, strings::Lang};

/// peakload: traffic spikes hit the architecture you build.
#[derive(Debug, Parser)]
#[command(name = "peakload", version, about, long_about = None)]
pub struct Cli {
    /// Language of the game's screens: en or ko (default: from LANG).
    #[arg(long, global = true, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// What to do (nothing: open the campaign).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score solutions against a level, headless. Exit 0 = goals met, 1 = not met, 2 = input error
    /// (with several solutions: the worst of them).
    Score {
        /// Level file, level folder, or bundled level name (e.g. 01-on-prem-dilemma).
        level: String,
        /// Solution files (.ron), or folders of them; several are scored in parallel on every core.
        #[arg(required = true, value_name = "SOLUTION")]
        solutions: Vec<PathBuf>,
        /// Print JSON instead of a table: one object for one solution, one line per solution for several.
        #[arg(long)]
        json: bool,
        /// Override the level's random seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Write one CSV row per tick to this file (one solution only).
        #[arg(long, value_name = "FILE.csv")]
        trace: Option<PathBuf>,
    },
    /// Check a level (and optionally a solution) and print every problem. Exit 0 = usable, 2 = errors.
    Check {
        /// Level file, level folder, or bundled level name.
        level: String,
        /// Solution file to check against the level.
        solution: Option<PathBuf>,
    },
    /// List the bundled levels.
    Levels,
    /// Play one level (a file, a folder or a bundled name), optionally starting from a solution;
    /// saving writes back to that solution file.
    Play {
        /// Level file, level folder, or bundled level name.
        level: String,
        /// Solution file to start from (and save to).
        solution: Option<PathBuf>,
    },
    /// Build freely against a traffic pattern of your choice.
    Sandbox,
    /// Sample designs from a level's palette, score them, and write their cost and
    /// availability beside the level (par.ron: the results screen's histograms).
    Par {
        /// Level file, level folder, or bundled level name.
        level: String,
        /// Designs to sample.
        #[arg(long, default_value_t = par::DEFAULT_SAMPLES)]
        samples: u32,
        /// Seed of the sampling: the same seed gives the same designs on every machine.
        #[arg(long, default_value_t = par::DEFAULT_SEED)]
        seed: u64,
        /// Write here instead of par.ron beside the level (needed for a bundled level
        /// that has no folder on disk).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of a file format, generated from the game's own types.
    Schema {
        /// Which format: level, solution, catalogue or par.
        #[arg(value_enum)]
        format: format::schema::Format,
    },
    /// Write a commented starter level, reference and naive solution into a new folder.
    New {
        /// The new folder, e.g. levels/16-cache-day (its name becomes the level id).
        folder: PathBuf,
    },
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("`{text}` is not a language the game speaks (en, ko)"))
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None => game(cli.lang, tui::Start::Campaign),
        Some(Command::Sandbox) => game(cli.lang, tui::Start::Sandbox),
        Some(Command::Play { level, solution }) => play(cli.lang, &level, solution),
        Some(Command::Levels) => levels(),
        Some(Command::New { folder }) => new_level(&folder),
        Some(Command::Schema { format }) => {
            say(&format.text());
            ExitCode::SUCCESS
        }
        Some(Command::Par {
            level,
            samples,
            seed,
            out,
        }) => make_par(&level, samples, seed, out.as_deref()),
        Some(Command::Check { level, solution }) => check(&level, solution.as_deref()),
        Some(Command::Score {
            level,
            solutions,
            json,
            seed,
            trace,
        }) => match solutions.as_slice() {
            [one] if !one.is_dir() => score(&level, one, json, seed, trace.as_deref()),
            _ if trace.is_some() => {
                eprintln!("error: --trace writes one solution's ticks; give one solution file");
                ExitCode::from(2)
            }
            many => score_batch(&level, many, json, seed),
        },
    }
}

fn game(lang: Option<Lang>, start: tui::Start) -> ExitCode {
    match tui::run(lang, start) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("peakload: {err}");
            ExitCode::from(2)
        }
    }
}

fn play(lang: Option<Lang>, level: &str, solution: Option<PathBuf>) -> ExitCode {
    // A solution that does not exist yet is where the game will save.
    let existing = solution.as_deref().filter(|p| p.exists());
    let checked = match load_all(level, existing) {
        Ok(c) => c,
        Err(err) => return input_error(&err),
    };
    for w in &checked.warnings {
        eprintln!("{w}");
    }
    // The par beside the level file, or the bundled one of the same text.
    let par = par::find_for(&checked.level_file).unwrap_or_else(|err| {
        eprintln!("{}", err.to_string().trim_end());
        eprintln!("  (the results screen will leave out the par)");
        None
    });
    let start = tui::Start::Level {
        level: Box::new(checked.level),
        solution: Box::new(checked.solution.map(|(s, _)| s).unwrap_or_default()),
        save_to: solution,
        par,
    };
    game(lang, start)
}

/// Reads a level from a path, or from the bundled levels by name.
fn level_file(level: &str) -> Result<SourceFile, InputError> {
    let path = Path::new(level);
    if path.exists() {
        return Ok(load::read(&load::level_path(path))?);
    }
    match bundled::find(level) {
        Some(b) => Ok(b.level_file()),
        None => Err(InputError {
            problems: Vec::new(),
            io: Some(format!(
                "error: no level file or bundled level named `{level}` (see `peakload levels`)"
            )),
        }),
    }
}

fn load_all(level: &str, solution: Option<&Path>) -> Result<Checked, InputError> {
    let level_file = level_file(level)?;
    let solution_file = solution.map(load::read).transpose()?;
    format::check_texts(level_file, solution_file)
}

fn input_error(err: &InputError) -> ExitCode {
    eprint!("{err}");
    let errors = err.problems.iter().filter(|p| p.is_error()).count();
    if errors > 0 {
        eprintln!("{errors} error(s) found");
    }
    ExitCode::from(2)
}

fn check(level: &str, solution: Option<&Path>) -> ExitCode {
    match load_all(level, solution) {
        Ok(checked) => {
            for w in &checked.warnings {
                eprint!("{w}");
            }
            let what = if solution.is_some() {
                "level and solution"
            } else {
                "level"
            };
            println!("{what} OK ({} warning(s))", checked.warnings.len());
            ExitCode::SUCCESS
        }
        Err(err) => input_error(&err),
    }
}

fn new_level(folder: &Path) -> ExitCode {
    match crate::starter::create(folder) {
        Ok(files) => {
            let mut text = String::new();
            for f in &files {
                text.push_str(&format!("wrote {}\n", f.display()));
            }
            let dir = folder.display();
            text.push_str(&format!(
                "next: edit {dir}/level.ron, then\n  peakload check {dir}\n  peakload score {dir} {dir}/reference.ron\n  peakload score {dir} {dir}/naive.ron\n  peakload play {dir}\n"
            ));
            say(&text);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn levels() -> ExitCode {
    say_line(format!(
        "{:<28} {:<6} {:>9}  title",
        "level", "tick", "duration"
    ));
    for b in bundled::all() {
        let line = match load::parse_level(&b.level_file()) {
            Ok(level) => format!(
                "{:<28} {:<6} {:>9}  {}",
                b.folder,
                level.tick.to_string(),
                level.duration.to_string(),
                level.title.en
            ),
            Err(e) => format!(
                "{:<28} (broken: {})",
                b.folder,
                e.to_string().lines().next().unwrap_or_default()
            ),
        };
        say_line(line);
    }
    ExitCode::SUCCESS
}

fn score(
    level: &str,
    solution: &Path,
    json: bool,
    seed: Option<u64>,
    trace: Option<&Path>,
) -> ExitCode {
    let checked = match load_all(level, Some(solution)) {
        Ok(c) => c,
        Err(err) => return input_error(&err),
    };
    for w in &checked.warnings {
        eprint!("{w}");
    }
    let sim = match sim::run_checked(&checked, seed) {
        Ok(sim) => sim,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let score = Score::of(&sim);
    if let Some(path) = trace
        && let Err(err) = write_atomically(path, &trace_csv(&sim))
    {
        eprintln!("error: cannot write trace {}: {err}", path.display());
        return ExitCode::from(2);
    }
    if json {
        match serde_json::to_string_pretty(&score) {
            Ok(text) => say(&format!("{text}\n")),
            Err(err) => {
                eprintln!("error: cannot encode the score: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        say(&table(&score, &checked));
    }
    if score.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `peakload par`: samples and scores designs, writes the par file, prints a summary.
fn make_par(level: &str, samples: u32, seed: u64, out: Option<&Path>) -> ExitCode {
    if samples == 0 {
        eprintln!("error: --samples must be at least 1");
        return ExitCode::from(2);
    }
    // A level on disk starts from every solution beside it; a bundled one
    // with no folder here, from the two solutions the game embeds.
    let path = Path::new(level);
    let (level_file, starts, beside) = if path.exists() {
        let level_path = load::level_path(path);
        let level_file = match load::read(&level_path) {
            Ok(f) => f,
            Err(err) => return input_error(&InputError::from(err)),
        };
        let folder = level_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let mut starts = Vec::new();
        match batch::expand(std::slice::from_ref(&folder)) {
            Ok(paths) => {
                for p in paths.iter().filter(|p| **p != level_path) {
                    match load::read(p) {
                        Ok(f) => starts.push(f),
                        Err(err) => eprintln!("note: left out {}: {err}", p.display()),
                    }
                }
            }
            Err(err) => eprintln!("note: cannot list {}: {err}", folder.display()),
        }
        (level_file, starts, Some(folder.join(par::FILE_NAME)))
    } else if let Some(b) = bundled::find(level) {
        let starts = ["reference", "naive"]
            .iter()
            .filter_map(|w| b.solution_file(w))
            .collect();
        (b.level_file(), starts, None)
    } else {
        eprintln!("error: no level file or bundled level named `{level}` (see `peakload levels`)");
        return ExitCode::from(2);
    };
    let Some(target) = out.map(Path::to_path_buf).or(beside) else {
        eprintln!(
            "error: `{level}` is a bundled level with no folder here; say where to write its par with --out FILE"
        );
        return ExitCode::from(2);
    };
    let threads = batch::cores();
    eprintln!(
        "sampling {samples} designs of {} (seed {seed}) from {} solution(s), scoring on {threads} core(s)...",
        level_file.path,
        starts.len()
    );
    let started = std::time::Instant::now();
    let made = match par::make(&level_file, &starts, samples, seed, threads) {
        Ok(m) => m,
        Err(par::ParError::Level(err)) => return input_error(&err),
        Err(err) => {
            eprint!("{err}");
            eprintln!();
            return ExitCode::from(2);
        }
    };
    let text = match made.par.to_text() {
        Ok(t) => t,
        Err(err) => {
            eprintln!("error: cannot write the par as RON: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = write_atomically(&target, &text) {
        eprintln!("error: cannot write {}: {err}", target.display());
        return ExitCode::from(2);
    }
    say(&par_summary(&made, &target, started.elapsed()));
    ExitCode::SUCCESS
}

/// What `peakload par` made, in a few lines.
fn par_summary(made: &par::Made, target: &Path, took: std::time::Duration) -> String {
    use std::fmt::Write as _;
    let p = &made.par;
    let mut t = String::new();
    let _ = writeln!(t, "wrote {}", target.display());
    for (file, why) in &made.skipped {
        let _ = writeln!(t, "  left out {file}: {why}");
    }
    let _ = writeln!(
        t,
        "  {} valid designs (seed {}) of {} drawn, sampled and scored in {:.1}s",
        p.samples,
        p.seed,
        made.attempts,
        took.as_secs_f64()
    );
    let met: Vec<f64> = p.met_goal().map(|r| r.cost_usd).collect();
    let _ = writeln!(t, "  met the goal: {} of {}", met.len(), p.samples);
    if let (Some(lo), Some(hi)) = (met.first(), met.last()) {
        let _ = writeln!(
            t,
            "  cost of those: min {} · median {} · max {}",
            dollars(*lo),
            dollars(met[met.len() / 2]),
            dollars(*hi)
        );
    }
    let mut avail: Vec<f64> = p.designs.iter().map(|r| r.availability_pct).collect();
    avail.sort_by(f64::total_cmp);
    if let (Some(lo), Some(hi)) = (avail.first(), avail.last()) {
        let _ = writeln!(
            t,
            "  availability of all: min {lo:.3}% · median {:.3}% · max {hi:.3}%",
            avail[avail.len() / 2]
        );
    }
    t
}

/// Dollars as the tables write them: cents below $1,000, whole dollars with
/// separators above.
fn dollars(usd: f64) -> String {
    if usd >= 1000.0 {
        format!("${}", thousands(usd.round() as u64))
    } else {
        format!("${usd:.2}")
    }
}

/// One line of batch JSON: the solution's path, then its score or its error.
#[derive(serde::Serialize)]
struct BatchLine<'a> {
    solution: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    score: Option<&'a Score>,
}

/// Scores many solutions on every core and prints one line each, in the order given.
fn score_batch(level: &str, paths: &[PathBuf], json: bool, seed: Option<u64>) -> ExitCode {
    let level_file = match level_file(level) {
        Ok(f) => f,
        Err(err) => return input_error(&err),
    };
    let paths = match batch::expand(paths) {
        Ok(p) => p,
        Err(err) => {
            eprintln!("error: cannot list the solutions: {err}");
            return ExitCode::from(2);
        }
    };
    if paths.is_empty() {
        eprintln!("error: no solution files (.ron) found");
        return ExitCode::from(2);
    }
    // A file that cannot be read is that file's error line, not the batch's end.
    let outcomes = batch::map_parallel(&paths, batch::cores(), |path| {
        let solution = load::read(path).map_err(InputError::from)?;
        batch::score_one(&level_file, &solution, seed)
    });
    let mut worst = 0u8;
    let mut out = String::new();
    for (path, outcome) in paths.iter().zip(&outcomes) {
        worst = worst.max(batch::exit_status(outcome));
        let shown = path.display().to_string();
        if json {
            let line = BatchLine {
                solution: &shown,
                error: outcome
                    .as_ref()
                    .err()
                    .map(|e| e.to_string().trim_end().to_string()),
                score: outcome.as_ref().ok(),
            };
            match serde_json::to_string(&line) {
                Ok(text) => out.push_str(&text),
                Err(err) => out.push_str(&format!(
                    "{{\"solution\":{shown:?},\"error\":\"cannot encode: {err}\"}}"
                )),
            }
            out.push('\n');
        } else {
            out.push_str(&summary_line(&shown, outcome));
        }
    }
    say(&out);
    ExitCode::from(worst)
}

/// One solution's result on one line: the table view of a batch.
fn summary_line(path: &str, outcome: &batch::Outcome) -> String {
    match outcome {
        Ok(score) => {
            let result = if score.passed { "PASSED" } else { "FAILED" };
            let stars: String = (0..3)
                .map(|i| if i < score.stars { '★' } else { '☆' })
                .collect();
            let why = score.failed_goals.join("; ");
            format!(
                "{path}  {result} {stars}  {:.3}%  ${:.2}  {why}\n",
                score.availability_pct, score.cost_usd
            )
            .replace("  \n", "\n")
        }
        Err(err) => {
            let first = err.to_string();
            let first = first.lines().next().unwrap_or_default().to_string();
            format!("{path}  ERROR  {first}\n")
        }
    }
}

/// Prints to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn say_line(text: String) {
    say(&format!("{text}\n"));
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human-readable score.
pub fn table(score: &Score, checked: &Checked) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let level = &checked.level;
    let _ = writeln!(t, "{} — {}", score.level, level.title.en);
    let _ = writeln!(
        t,
        "  seed {}, {} ticks of {}",
        score.seed, score.ticks, level.tick
    );
    let stars: String = (0..3)
        .map(|i| if i < score.stars { '★' } else { '☆' })
        .collect();
    if score.passed {
        let _ = writeln!(t, "  result        PASSED {stars}");
    } else {
        let _ = writeln!(t, "  result        FAILED {stars}");
        for why in &score.failed_goals {
            let _ = writeln!(t, "                - {why}");
        }
    }
    let _ = writeln!(
        t,
        "  availability  {:.3}%  (goal {}%)",
        score.availability_pct, score.goals.availability_pct
    );
    let l = score.latency_ms;
    let goal = score
        .goals
        .p99_ms
        .map_or(String::new(), |g| format!("  (p99 goal {g:.0} ms)"));
    let _ = writeln!(
        t,
        "  latency       p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms{goal}",
        l.p50, l.p95, l.p99
    );
    if let Some(c) = score.completion_ms {
        let _ = writeln!(
            t,
            "  completion    p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  (work nobody waited for)",
            c.p50, c.p95, c.p99
        );
    }
    let r = score.requests;
    let _ = writeln!(
        t,
        "  requests      arrived {}  ok {}  late {}  dropped {}  pending {}",
        thousands(r.arrived),
        thousands(r.ok),
        thousands(r.late),
        thousands(r.dropped),
        thousands(r.pending)
    );
    if r.overdue > 0 {
        let _ = writeln!(
            t,
            "                late, still unfinished past the deadline at the end: {}",
            thousands(r.overdue)
        );
    }
    for (reason, n) in &score.dropped_by_reason {
        let _ = writeln!(
            t,
            "                dropped, {}: {}",
            reason.replace('_', " "),
            thousands(*n)
        );
    }
    let g = &score.goals;
    let _ = writeln!(
        t,
        "  cost          ${:.2}  (budget ${:.2}; ★★ ≤ ${:.2}; ★★★ ≤ ${:.2})",
        score.cost_usd, g.budget_usd, g.two_stars_usd, g.three_stars_usd
    );
    for (service, usd) in &score.cost_by_service {
        let _ = writeln!(t, "                {service:<24} ${usd:.2}");
    }
    t
}

/// One CSV row per tick: per source, then totals.
pub fn trace_csv(sim: &Sim) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("tick,time_s,clock");
    for s in &sim.ctx.setup.streams {
        let name = s.name.replace(" → ", ">").replace(" ⇒ ", ">");
        for col in ["arrived", "ok", "late", "dropped", "pending"] {
            let _ = write!(out, ",{name}_{col}");
        }
    }
    out.push_str(",arrived,ok,late,dropped,pending,in_flight,offered_rps,capacity_rps,utilisation,servers,cost_usd\n");
    for r in &sim.metrics.records {
        let _ = write!(
            out,
            "{},{},{}",
            r.tick,
            r.time_s,
            format::time::format_clock(r.time_s)
        );
        for s in &r.streams {
            let _ = write!(
                out,
                ",{},{},{},{},{}",
                s.arrived, s.ok, s.late, s.dropped, s.pending
            );
        }
        let t = r.total();
        let _ = writeln!(
            out,
            ",{},{},{},{},{},{:.4},{:.4},{:.4},{:.4},{},{:.6}",
            t.arrived,
            t.ok,
            t.late,
            t.dropped,
            t.pending,
            r.in_flight,
            r.offered_rps,
            r.capacity_rps,
            r.utilisation,
            r.servers_working,
            r.cost_usd
        );
    }
    out
}
