//! Scoring many solutions of one level at once, one solution per core at a
//! time: what course CI runs over a class's submissions and what `peakload
//! par` runs over sampled designs.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use thiserror::Error;

use crate::format::{self, InputError, SourceFile};
use crate::sim::{self, BuildError, Score};

/// Why one solution of a batch has no score.
#[derive(Debug, Error)]
pub enum BatchError {
    /// The level or the solution did not check.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The checked files could not be built into a world.
    #[error("error: {0}")]
    Build(#[from] BuildError),
}

impl BatchError {
    /// The process exit status this error stands for (always 2: bad input).
    pub fn exit_status(&self) -> u8 {
        2
    }
}

/// One solution's result.
pub type Outcome = Result<Score, BatchError>;

/// The exit status of one outcome: 0 goals met, 1 not met, 2 bad input.
pub fn exit_status(outcome: &Outcome) -> u8 {
    match outcome {
        Ok(score) if score.passed => 0,
        Ok(_) => 1,
        Err(err) => err.exit_status(),
    }
}

/// Checks and scores one solution against a level.
pub fn score_one(level: &SourceFile, solution: &SourceFile, seed: Option<u64>) -> Outcome {
    let checked = format::check_texts(level.clone(), Some(solution.clone()))?;
    let sim = sim::run_checked(&checked, seed)?;
    Ok(Score::of(&sim))
}

/// Scores every solution against the level on up to `threads` threads;
/// results come back in the order of `solutions`, whatever order they finish in.
pub fn score_all(
    level: &SourceFile,
    solutions: &[SourceFile],
    seed: Option<u64>,
    threads: NonZeroUsize,
) -> Vec<Outcome> {
    map_parallel(solutions, threads, |s| score_one(level, s, seed))
}

/// Applies `work` to every item on up to `threads` threads, each thread taking
/// the next unclaimed item, so one slow item never holds up the others; the
/// results are in the items' order.
pub fn map_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: NonZeroUsize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    let threads = threads.get().min(items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    done.lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push((i, result));
                }
            });
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The cores to use: what the machine offers, or one when it cannot say.
pub fn cores() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Files that are not solutions, even when they sit among them.
const NOT_SOLUTIONS: [&str; 2] = ["level.ron", "par.ron"];

/// Expands the paths given on the command line: a file stays as it is; a
/// directory gives its `.ron` files (but not a level or par file) in name order.
pub fn expand(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| is_solution_file(p))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn is_solution_file(path: &Path) -> bool {
    path.is_file()
        && path.extension().is_some_and(|e| e == "ron")
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !NOT_SOLUTIONS.contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;

    #[test]
    fn results_keep_the_input_order_and_match_one_at_a_time() {
        let b = bundled::find("08-loose-coupling").expect("bundled");
        let level = b.level_file();
        let good = SourceFile::new("reference.ron", b.reference.expect("reference"));
        let naive = SourceFile::new("naive.ron", b.naive.expect("naive"));
        let broken = SourceFile::new("broken.ron", "Solution(things: [");
        let files = [naive.clone(), broken, good.clone(), naive.clone()];
        let threads = NonZeroUsize::new(3).expect("non-zero");
        let all = score_all(&level, &files, None, threads);
        let statuses: Vec<u8> = all.iter().map(exit_status).collect();
        assert_eq!(statuses, [1, 2, 0, 1]);
        let alone = score_one(&level, &good, None).expect("scores");
        let in_batch = all[2].as_ref().expect("scores");
        assert_eq!(
            serde_json::to_string(in_batch).expect("json"),
            serde_json::to_string(&alone).expect("json")
        );
        let message = all[1].as_ref().err().map(ToString::to_string);
        assert!(
            message.is_some_and(|m| m.contains("broken.ron:1:")),
            "names the file and line"
        );
    }

    #[test]
    fn map_parallel_keeps_order_with_more_threads_than_items() {
        let items: Vec<u32> = (0..5).collect();
        let threads = NonZeroUsize::new(16).expect("non-zero");
        assert_eq!(map_parallel(&items, threads, |x| x * 2), [0, 2, 4, 6, 8]);
        assert!(map_parallel(&[] as &[u32], threads, |x| *x).is_empty());
    }
}
