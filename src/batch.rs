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
    let sim = sim::run_checked(&checked, seed, sim::History::LastTick)?;
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

/// One path to score or check: a file to read, or an entry of a folder that
/// was skipped, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A file named on the command line, or a regular file found in a folder.
    File {
        /// The path to open.
        open: PathBuf,
        /// The path as the user would name it (the link's name, not its target).
        shown: PathBuf,
        /// Whether it came from a folder (then a symlink put there later is refused).
        in_folder: bool,
    },
    /// A folder entry named `*.ron` that is not a regular file in the folder.
    Skipped {
        /// The entry.
        path: PathBuf,
        /// Why it was skipped.
        why: String,
    },
}

impl Candidate {
    /// The path to show for it.
    pub fn shown(&self) -> &Path {
        match self {
            Candidate::File { shown, .. } => shown,
            Candidate::Skipped { path, .. } => path,
        }
    }

    /// Reads it (with the safe reader), or says why it cannot be.
    pub fn read(&self) -> Result<SourceFile, InputError> {
        match self {
            Candidate::File {
                open,
                shown,
                in_folder,
            } => {
                let file = if *in_folder {
                    format::load::read_entry(open)
                } else {
                    format::load::read(open)
                };
                let mut file = file.map_err(InputError::from)?;
                file.path = shown.display().to_string();
                Ok(file)
            }
            Candidate::Skipped { path, why } => Err(InputError {
                problems: Vec::new(),
                io: Some(format!(
                    "error[E0011]: {}: {why}",
                    crate::files::shown_path(path)
                )),
            }),
        }
    }
}

/// Expands the paths given on the command line: a file stays as it is; a
/// folder gives its `.ron` entries (but not a level or par file) in name
/// order, each a regular file in the folder or skipped with its reason (see
/// [`crate::files::list_folder`]).
pub fn expand_all(paths: &[PathBuf]) -> std::io::Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in crate::files::list_folder(path, &NOT_SOLUTIONS)? {
                out.push(match entry {
                    crate::files::Entry::File { path, open } => Candidate::File {
                        open,
                        shown: path,
                        in_folder: true,
                    },
                    crate::files::Entry::Skipped(path, why) => Candidate::Skipped { path, why },
                });
            }
        } else {
            out.push(Candidate::File {
                open: path.clone(),
                shown: path.clone(),
                in_folder: false,
            });
        }
    }
    Ok(out)
}

/// The readable files among [`expand_all`]'s candidates (what `par` starts from).
pub fn expand(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    Ok(expand_all(paths)?
        .into_iter()
        .filter_map(|c| match c {
            Candidate::File { open, .. } => Some(open),
            Candidate::Skipped { .. } => None,
        })
        .collect())
}

/// Applies `work` to every item on up to `threads` threads and hands each
/// result to `done` in the items' order as soon as it and every result
/// before it are ready: a slow item holds back only the lines after it, and
/// the first lines appear while the rest are still being worked on.
pub fn for_each_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: NonZeroUsize,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, R),
) {
    let next = AtomicUsize::new(0);
    let threads = threads.get().min(items.len().max(1));
    let (send, receive) = std::sync::mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let send = send.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if send.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, result) in receive {
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&due) {
                done(due, result);
                due += 1;
            }
        }
    });
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
        let mut streamed = Vec::new();
        for_each_in_order(
            &files,
            threads,
            |s| exit_status(&score_one(&level, s, None)),
            |i, status| streamed.push((i, status)),
        );
        assert_eq!(streamed, [(0, 1), (1, 2), (2, 0), (3, 1)]);
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
