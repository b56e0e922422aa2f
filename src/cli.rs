//! The command line: the game (no subcommand, `play`, `sandbox`) and the
//! headless tools (`score`, `check`, `levels`, `new`, `par`, `verify`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::atomic::{write_atomically, write_file};
use crate::batch;
use crate::bundled;
use crate::format::{self, Checked, InputError, SourceFile, load};
use crate::par;
use crate::sim::{self, History, Score, Sim};
use crate::tui::{self, strings::Lang};
use crate::verify;

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
    /// Check a level (and optionally solutions) and print every problem. Exit 0 = usable, 2 = errors.
    Check {
        /// Level file, level folder, or bundled level name.
        level: String,
        /// Solution files to check against the level, or folders of them.
        #[arg(value_name = "SOLUTION")]
        solutions: Vec<PathBuf>,
        /// Print one JSON object per problem, one per line (file, line, col,
        /// severity, code, message, hint), for editors and course CI.
        #[arg(long)]
        json: bool,
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
    /// Check a lesson by machine: for each idea the level `teaches`, search for the
    /// cheapest ★★★ design without it. Exit 0 = sound, 1 = a hole was found (or the
    /// reference is not ★★★, or the naive design passes), 2 = bad input.
    Verify {
        /// Level file, level folder, or bundled level name.
        level: String,
        /// Designs scored per idea.
        #[arg(long, default_value_t = verify::DEFAULT_BUDGET)]
        budget: u32,
        /// Seed of the search: the same seed gives the same designs on every machine.
        #[arg(long, default_value_t = verify::DEFAULT_SEED)]
        seed: u64,
        /// Print one JSON object instead of the report.
        #[arg(long)]
        json: bool,
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
        Some(Command::Schema { format }) => said(say(&format.text()), ExitCode::SUCCESS),
        Some(Command::Par {
            level,
            samples,
            seed,
            out,
        }) => make_par(&level, samples, seed, out.as_deref()),
        Some(Command::Check {
            level,
            solutions,
            json,
        }) => check(&level, &solutions, json),
        Some(Command::Verify {
            level,
            budget,
            seed,
            json,
        }) => verify_level(&level, budget, seed, json),
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
        Ok(ended) => ExitCode::from(ended.exit_code()),
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
    checked_with_folder(level, level_file, solution_file)
}

/// Checks a level (and solution) and adds the warning for a level whose id
/// is not the name of the folder it was read from.
fn checked_with_folder(
    level: &str,
    level_file: SourceFile,
    solution_file: Option<SourceFile>,
) -> Result<Checked, InputError> {
    let folder = folder_name(level);
    match format::check_texts(level_file, solution_file) {
        Ok(mut checked) => {
            if let Some(folder) = folder {
                checked.warnings.extend(format::validate::check_folder_name(
                    &checked.level,
                    &checked.level_file,
                    &folder,
                ));
            }
            Ok(checked)
        }
        Err(err) => Err(err),
    }
}

/// The folder a level on disk lives in, when it is read as `FOLDER` or
/// `FOLDER/level.ron`: the level's id must be its name.
fn folder_name(level: &str) -> Option<String> {
    let path = Path::new(level);
    if !path.exists() {
        return None;
    }
    let file = load::level_path(path);
    if file.file_name()? != "level.ron" {
        return None;
    }
    let dir = file.parent()?;
    let dir = if dir.as_os_str().is_empty() {
        std::env::current_dir().ok()?
    } else {
        dir.canonicalize().ok()?
    };
    Some(dir.file_name()?.to_string_lossy().into_owned())
}

fn input_error(err: &InputError) -> ExitCode {
    eprint!("{err}");
    let errors = err.problems.iter().filter(|p| p.is_error()).count();
    if errors > 0 {
        eprintln!("{errors} error(s) found");
    }
    ExitCode::from(2)
}

fn check(level: &str, solutions: &[PathBuf], json: bool) -> ExitCode {
    let level_file = match level_file(level) {
        Ok(f) => f,
        Err(err) => return report_check(&[(None, Err(err))], json, 0),
    };
    if solutions.is_empty() {
        let result = checked_with_folder(level, level_file, None);
        return report_check(&[(None, result)], json, 0);
    }
    let candidates = match batch::expand_all(solutions) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("error[E0011]: cannot list the solutions: {err}");
            return ExitCode::from(2);
        }
    };
    if candidates.is_empty() {
        eprintln!("error: no solution files (.ron) found");
        return ExitCode::from(2);
    }
    let results: Vec<_> = candidates
        .iter()
        .map(|c| {
            let result = c
                .read()
                .and_then(|sol| checked_with_folder(level, level_file.clone(), Some(sol)));
            (Some(c.shown().to_path_buf()), result)
        })
        .collect();
    report_check(&results, json, candidates.len())
}

/// Prints what `check` found, each problem once (a level's problems are
/// found again with every solution), and returns the exit status.
fn report_check(
    results: &[(Option<PathBuf>, Result<Checked, InputError>)],
    json: bool,
    solutions: usize,
) -> ExitCode {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut ok = 0usize;
    for (path, result) in results {
        let (problems, io): (Vec<&format::Problem>, Option<&str>) = match result {
            Ok(checked) => {
                ok += 1;
                (checked.warnings.iter().collect(), None)
            }
            Err(err) => (err.problems.iter().collect(), err.io.as_deref()),
        };
        if let Some(io) = io {
            errors += 1;
            let file = path
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string());
            if json {
                out.push_str(&io_json(&file, io.trim_end()));
                out.push('\n');
            } else {
                out.push_str(io.trim_end());
                out.push('\n');
            }
        }
        for p in problems {
            let key = (p.file.clone(), p.line, p.col, p.message.clone());
            if !seen.insert(key) {
                continue;
            }
            if p.is_error() {
                errors += 1;
            } else {
                warnings += 1;
            }
            if json {
                out.push_str(&p.to_json().to_string());
                out.push('\n');
            } else {
                out.push_str(&p.to_string());
                out.push('\n');
            }
        }
    }
    if !json {
        let what = match solutions {
            0 => "level".to_string(),
            1 => "level and solution".to_string(),
            n => format!("level and {ok} of {n} solutions"),
        };
        if errors == 0 {
            out.push_str(&format!("{what} OK ({warnings} warning(s))\n"));
        } else if solutions > 1 {
            out.push_str(&format!("{errors} error(s) found; {what} OK\n"));
        } else {
            out.push_str(&format!("{errors} error(s) found\n"));
        }
    }
    // Problems go to standard output with --json (they are the answer) and
    // to standard error otherwise, as rustc prints them.
    let written = if json || errors == 0 && warnings == 0 {
        say(&out)
    } else {
        let (problems, last) = out.trim_end().rsplit_once('\n').unwrap_or(("", &out));
        eprintln!("{problems}");
        if errors == 0 {
            say(&format!("{last}\n"))
        } else {
            eprintln!("{last}");
            Ok(())
        }
    };
    if written.is_err() || errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// A file that could not be read, as one `check --json` line.
fn io_json(file: &str, message: &str) -> String {
    serde_json::json!({
        "file": file,
        "line": null,
        "col": null,
        "severity": "error",
        "code": format::code::Code::Unreadable.id(),
        "message": message.trim_start_matches("error[E0011]: "),
        "hint": null,
    })
    .to_string()
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
            said(say(&text), ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn levels() -> ExitCode {
    let mut text = format!("{:<28} {:<6} {:>9}  title\n", "level", "tick", "duration");
    for b in bundled::all() {
        let line = match load::parse_level(&b.level_file()) {
            Ok(level) => format!(
                "{:<28} {:<6} {:>9}  {}",
                b.folder,
                level.tick.to_string(),
                level.duration.to_string(),
                crate::files::shown(&level.title.en)
            ),
            Err(e) => format!(
                "{:<28} (broken: {})",
                b.folder,
                e.to_string().lines().next().unwrap_or_default()
            ),
        };
        text.push_str(&line);
        text.push('\n');
    }
    said(say(&text), ExitCode::SUCCESS)
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
    // A trace writes out every tick; a score needs the last alone.
    let history = if trace.is_some() {
        History::EveryTick
    } else {
        History::LastTick
    };
    let sim = match sim::run_checked(&checked, seed, history) {
        Ok(sim) => sim,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let score = Score::of(&sim);
    if let Some(path) = trace
        && let Err(err) = write_file(path, &trace_csv(&sim))
    {
        eprintln!(
            "error: cannot write the trace to {}: {err}",
            crate::files::shown_path(path)
        );
        return ExitCode::from(2);
    }
    let text = if json {
        match serde_json::to_string_pretty(&score) {
            Ok(text) => format!("{text}\n"),
            Err(err) => {
                eprintln!("error: cannot encode the score: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        table(&score, &checked)
    };
    let status = if score.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    said(say(&text), status)
}

/// `peakload par`: samples and scores designs, writes the par file, prints a summary.
fn make_par(level: &str, samples: u32, seed: u64, out: Option<&Path>) -> ExitCode {
    if samples == 0 {
        eprintln!("error: --samples must be at least 1");
        return ExitCode::from(2);
    }
    let (level_file, starts, beside) = match level_with_solutions(level) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let beside = beside.map(|folder| folder.join(par::FILE_NAME));
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
    said(
        say(&par_summary(&made, &target, started.elapsed())),
        ExitCode::SUCCESS,
    )
}

/// A level (a file, a folder or a bundled name) with the solutions to start
/// from and the folder it sits in: a level on disk comes with every solution
/// beside it; a bundled one with no folder here, with every solution its
/// folder held when the game was built (so both give the same par). Problems
/// are reported here; the error is the exit code.
fn level_with_solutions(
    level: &str,
) -> Result<(SourceFile, Vec<SourceFile>, Option<PathBuf>), ExitCode> {
    let path = Path::new(level);
    let found = if path.exists() {
        let level_path = load::level_path(path);
        let level_file = match load::read(&level_path) {
            Ok(f) => f,
            Err(err) => return Err(input_error(&InputError::from(err))),
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
        (level_file, starts, Some(folder))
    } else if let Some(b) = bundled::find(level) {
        (b.level_file(), b.solution_files().collect(), None)
    } else {
        eprintln!("error: no level file or bundled level named `{level}` (see `peakload levels`)");
        return Err(ExitCode::from(2));
    };
    Ok(found)
}

/// `peakload verify`: searches for ★★★ designs without each idea the level teaches.
fn verify_level(level: &str, budget: u32, seed: u64, json: bool) -> ExitCode {
    if budget == 0 {
        eprintln!("error: --budget must be at least 1");
        return ExitCode::from(2);
    }
    let (level_file, solutions, _) = match level_with_solutions(level) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let threads = batch::cores();
    let options = verify::Options {
        budget,
        seed,
        threads,
    };
    eprintln!(
        "verifying {} (budget {budget} designs per idea, seed {seed}) from {} solution(s) on {threads} core(s)...",
        level_file.path,
        solutions.len()
    );
    let started = std::time::Instant::now();
    let report = match verify::verify(&level_file, &solutions, options) {
        Ok(r) => r,
        Err(verify::VerifyError::Level(err)) => return input_error(&err),
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let text = if json {
        match serde_json::to_string(&report) {
            Ok(t) => t + "\n",
            Err(err) => {
                eprintln!("error: cannot write the report as JSON: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        verify_text(&report, started.elapsed())
    };
    said(say(&text), ExitCode::from(report.exit_status()))
}

/// `peakload verify`'s report in words: the level's own solutions, one block
/// per idea, and the verdict.
fn verify_text(report: &verify::Report, took: std::time::Duration) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(t, "{} — does every idea it teaches matter?", report.level);
    for (what, own) in [("reference", &report.reference), ("naive", &report.naive)] {
        match own {
            None => {
                let _ = writeln!(t, "  {what:<9}  (no {what}.ron)");
            }
            Some(r) => {
                let line = match &r.error {
                    Some(err) => format!("cannot be scored: {err}"),
                    None => format!(
                        "{} · {} · availability {:.3}%{}",
                        if r.passed {
                            format!("passed {}", "★".repeat(usize::from(r.stars)))
                        } else {
                            "failed".to_string()
                        },
                        dollars(r.cost_usd),
                        r.availability_pct,
                        if r.failed_goals.is_empty() {
                            String::new()
                        } else {
                            format!(" · failed: {}", r.failed_goals.join("; "))
                        }
                    ),
                };
                let _ = writeln!(t, "  {what:<9}  {line}");
                if !r.lacks.is_empty() {
                    let _ = writeln!(t, "             lacks: {}", r.lacks.join("; "));
                }
            }
        }
    }
    if report.ideas.is_empty() {
        let _ = writeln!(
            t,
            "  the level lists nothing under `teaches`: nothing to search"
        );
    }
    for i in &report.ideas {
        let _ = writeln!(t);
        let _ = writeln!(t, "  without {}:", i.label);
        let _ = writeln!(
            t,
            "    tried {} design(s): {} passed, {} earned ★★★",
            i.tried, i.passed, i.three_stars
        );
        match &i.best {
            None => {
                let _ = writeln!(t, "    no design without it passed `check`");
            }
            Some(b) => {
                let verdict = if b.passed {
                    format!("passed {}", "★".repeat(usize::from(b.stars)))
                } else {
                    format!("failed: {}", b.failed_goals.join("; "))
                };
                let _ = writeln!(
                    t,
                    "    best: {} · availability {:.3}% · {verdict} (from {})",
                    dollars(b.cost_usd),
                    b.availability_pct,
                    b.from
                );
                if i.violated() {
                    let _ = writeln!(t, "    HOLE: this ★★★ design does without it:");
                    for line in b.ron.lines() {
                        let _ = writeln!(t, "      {line}");
                    }
                }
            }
        }
    }
    let _ = writeln!(t);
    let faults = report.faults();
    if faults.is_empty() {
        let _ = writeln!(
            t,
            "verdict: sound ({} idea(s), {:.1}s)",
            report.ideas.len(),
            took.as_secs_f64()
        );
    } else {
        let _ = writeln!(t, "verdict: NOT sound ({:.1}s)", took.as_secs_f64());
        for f in faults {
            let _ = writeln!(t, "  - {f}");
        }
    }
    t
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

/// Scores many solutions on every core and prints one line each, in the
/// order given, each as soon as it and the lines before it are done.
fn score_batch(level: &str, paths: &[PathBuf], json: bool, seed: Option<u64>) -> ExitCode {
    let level_file = match level_file(level) {
        Ok(f) => f,
        Err(err) => return input_error(&err),
    };
    let candidates = match batch::expand_all(paths) {
        Ok(p) => p,
        Err(err) => {
            eprintln!("error[E0011]: cannot list the solutions: {err}");
            return ExitCode::from(2);
        }
    };
    if candidates.is_empty() {
        eprintln!("error: no solution files (.ron) found");
        return ExitCode::from(2);
    }
    let mut worst = 0u8;
    let mut failed_write = None;
    // A file that cannot be read, or is refused by `check`, is that file's
    // error line, not the batch's end.
    batch::for_each_in_order(
        &candidates,
        batch::cores(),
        |candidate| {
            let solution = candidate.read()?;
            batch::score_one(&level_file, &solution, seed)
        },
        |i, outcome| {
            worst = worst.max(batch::exit_status(&outcome));
            let shown = candidates[i].shown().display().to_string();
            let line = if json {
                batch_json(&shown, &outcome)
            } else {
                summary_line(&shown, &outcome)
            };
            if failed_write.is_none()
                && let Err(err) = say(&line)
            {
                failed_write = Some(err);
            }
        },
    );
    match failed_write {
        Some(err) => said(Err(err), ExitCode::from(2)),
        None => ExitCode::from(worst),
    }
}

/// One solution's result as a line of JSON (the path as given, escaped by JSON).
fn batch_json(shown: &str, outcome: &batch::Outcome) -> String {
    let line = BatchLine {
        solution: shown,
        error: outcome
            .as_ref()
            .err()
            .map(|e| e.to_string().trim_end().to_string()),
        score: outcome.as_ref().ok(),
    };
    match serde_json::to_string(&line) {
        Ok(text) => format!("{text}\n"),
        Err(err) => format!(
            "{}\n",
            serde_json::json!({"solution": shown, "error": format!("cannot encode: {err}")})
        ),
    }
}

/// One solution's result on one line: the table view of a batch. The path
/// is escaped, so a file name cannot forge a line or reorder one.
fn summary_line(path: &str, outcome: &batch::Outcome) -> String {
    let path = crate::files::shown(path);
    match outcome {
        Ok(score) => {
            let result = if score.passed { "PASSED" } else { "FAILED" };
            let stars: String = (0..3)
                .map(|i| if i < score.stars { '★' } else { '☆' })
                .collect();
            let why = score.failed_goals.join("; ");
            format!(
                "{path}  {result} {stars}  {:.3}%  ${:.2}  {}\n",
                score.availability_pct,
                score.cost_usd,
                crate::files::shown(&why)
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

/// Prints to standard output. A failed write (a full disk, a closed pipe)
/// is returned, never a panic, so the command can end with exit status 2:
/// course CI must not take an empty answer for a good one.
fn say(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

/// The exit code after output was written: `code` if it was, 2 if not.
fn said(written: std::io::Result<()>, code: ExitCode) -> ExitCode {
    match written {
        Ok(()) => code,
        Err(err) => {
            eprintln!("error: cannot write the output: {err}");
            ExitCode::from(2)
        }
    }
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
    let _ = writeln!(
        t,
        "{} — {}",
        crate::files::shown(&score.level),
        crate::files::shown(&level.title.en)
    );
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
    if !score.worst_stream.is_empty() {
        let _ = writeln!(
            t,
            "                in `{}`, the worst stream; {:.3}% of all streams pooled",
            score.worst_stream, score.pooled_availability_pct
        );
    }
    let l = score.latency_ms;
    let goal = score
        .goals
        .p99_ms
        .map_or(String::new(), |g| format!("  (p99 goal {g:.0} ms)"));
    // With no synchronous workload (or none finished) there is no latency
    // to show: zeros would read as a perfect score.
    let callers = level
        .workloads
        .iter()
        .any(|w| matches!(w.mode, format::level::Mode::Sync { .. }));
    if callers && l.mean > 0.0 {
        let _ = writeln!(
            t,
            "  latency       p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms{goal}",
            l.p50, l.p95, l.p99
        );
        let w = score.wait_ms;
        let goal = score
            .goals
            .wait_p99_ms
            .map_or(String::new(), |g| format!("  (p99 goal {g:.0} ms)"));
        let _ = writeln!(
            t,
            "  wait in line  p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  mean {:.1} ms{goal}",
            w.p50, w.p95, w.p99, w.mean
        );
    } else {
        let _ = writeln!(t, "  latency       no callers waited{goal}");
    }
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
    out.push_str(",arrived,ok,late,dropped,pending,in_flight,waiting,offered_rps,capacity_rps,utilisation,servers,cost_usd\n");
    let first = sim.metrics.ticks() - sim.metrics.records().len();
    for (i, r) in sim.metrics.records().iter().enumerate() {
        let _ = write!(
            out,
            "{},{},{}",
            r.tick,
            r.time_s,
            format::time::format_clock(r.time_s)
        );
        for s in sim.metrics.streams_at(first + i) {
            let _ = write!(
                out,
                ",{},{},{},{},{}",
                s.arrived, s.ok, s.late, s.dropped, s.pending
            );
        }
        let t = r.total();
        let _ = writeln!(
            out,
            ",{},{},{},{},{},{:.4},{},{:.4},{:.4},{:.4},{},{:.6}",
            t.arrived,
            t.ok,
            t.late,
            t.dropped,
            t.pending,
            r.in_flight,
            r.waiting,
            r.offered_rps,
            r.capacity_rps,
            r.utilisation,
            r.servers_working,
            r.cost_usd
        );
    }
    out
}
