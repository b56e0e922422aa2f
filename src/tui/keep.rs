//! Nothing the player built is lost by a key: the board is kept whenever a
//! level is left (back to the map, quit, a signal, a closed terminal), the
//! undo history comes back with it within a session, progress is merged
//! with what another game wrote meanwhile, and every failure to save is said
//! on screen and again when the game ends.

use std::path::PathBuf;

use crate::format::{Solution, SourceFile, load};

use super::app::{App, Screen};
use super::play::{Play, Status};
use super::progress;

/// The data-directory name under which a sandbox pattern's board is kept.
pub fn sandbox_key(pattern: usize) -> String {
    format!("sandbox-{}", pattern + 1)
}

impl App {
    /// Where the open level's board is kept when it is left: for a level
    /// of the campaign (wherever it was opened), its place in the data
    /// directory, which the campaign map reopens; for the sandbox, its
    /// pattern's place there; else the file the player named, or
    /// `LEVEL-saved.ron` there for a level file of the player's own.
    pub fn keep_path_for(&self, play: &Play) -> Option<PathBuf> {
        if self.playing.is_some() {
            return self.store.solution_path(&play.level.id);
        }
        if let Some(pattern) = self.sandbox_open {
            return self.store.solution_path(&sandbox_key(pattern));
        }
        if let Some(path) = &play.save_to {
            return Some(path.clone());
        }
        self.store.dir().map(|d| {
            d.join("solutions").join(format!(
                "{}-saved.ron",
                play.level.id.replace(['/', '\\'], "_")
            ))
        })
    }

    /// The board kept under a data-directory name, if any: the solution (empty
    /// when none or unreadable), what to say about it, and whether the board
    /// may be written back there (not over a file that could not be read or moved aside).
    pub fn load_kept(&self, name: &str) -> (Solution, Option<Status>, bool) {
        match self.store.load_solution(name) {
            Some((path, text)) => {
                let parsed = text.ok().and_then(|text| {
                    load::parse_solution(&SourceFile::new(path.display().to_string(), text)).ok()
                });
                match parsed {
                    Some(s) => (s, None, true),
                    None => match progress::keep_aside(&path) {
                        Ok(kept_as) => (
                            Solution::default(),
                            Some(Status::error(
                                "notice.build_kept_aside",
                                vec![("path", kept_as.display().to_string())],
                            )),
                            true,
                        ),
                        Err(_) => (
                            Solution::default(),
                            Some(Status::error(
                                "notice.build_unreadable",
                                vec![("path", path.display().to_string())],
                            )),
                            false,
                        ),
                    },
                }
            }
            None => (Solution::default(), None, true),
        }
    }

    /// Back to the map (or out of the game, for a level opened from the
    /// command line), keeping the board and its undo history.
    pub fn leave_level(&mut self) {
        self.keep_architecture();
        if let Some(play) = self.play.take()
            && let Some(path) = self.keep_path_for(&play)
            && let Ok(text) = load::to_ron(&play.solution)
        {
            self.histories.insert(path, (text, play.history()));
        }
        self.results = None;
        self.sandbox_open = None;
        self.playing = None;
        if self.leave_to_shell {
            self.quit = true;
        }
        self.screen = Screen::Campaign;
    }

    /// Keeps the open level's board where it is kept (see
    /// [`App::keep_path_for`]), and in the file the player named, if any.
    /// A file that already holds this board is not written again (a named
    /// file keeps its comments), and an empty board leaves no empty file
    /// behind. A failure is said on the status line and on the map, and
    /// again at exit.
    pub fn keep_architecture(&mut self) {
        if !self.keep_build {
            return;
        }
        let Some(play) = &self.play else { return };
        let Ok(text) = load::to_ron(&play.solution) else {
            return;
        };
        let s = &play.solution;
        let empty = s.things.is_empty() && s.links.is_empty() && s.commitments.is_empty();
        let untouched = self.opened_text.as_deref() == Some(text.as_str());
        let mut paths: Vec<PathBuf> = self.keep_path_for(play).into_iter().collect();
        if let Some(named) = &play.save_to
            && !paths.contains(named)
            && !untouched
        {
            paths.push(named.clone());
        }
        for path in paths {
            let same = match super::progress::read_text(&path) {
                Ok(on_disk) => load::parse_solution(&SourceFile::new("kept", on_disk))
                    .ok()
                    .and_then(|kept| load::to_ron(&kept).ok())
                    .is_some_and(|kept| kept == text),
                Err(e) => e.kind() == std::io::ErrorKind::NotFound && empty,
            };
            if same {
                continue;
            }
            if let Err(e) = progress::save_text(&path, &text) {
                self.say_save_failed(&path, &e);
            }
        }
    }

    fn say_save_failed(&mut self, path: &std::path::Path, e: &std::io::Error) {
        let why = format!("{}: {e}", path.display());
        let status = Status::error("status.keep_failed", vec![("why", why.clone())]);
        if let Some(play) = self.play.as_mut() {
            play.status = Some(status.clone());
        }
        self.notice = Some(status);
        if !self.save_failures.contains(&why) {
            self.save_failures.push(why);
        }
    }

    /// Saves progress merged with what is on disk now (another game may have
    /// written it since this one read it): the best result of each level is
    /// kept, and the language chosen here.
    pub fn save_progress(&mut self) {
        match self.store.save_merged(&self.progress) {
            Ok(merged) => self.progress = merged,
            Err(e) => {
                let why = e.to_string();
                self.notice = Some(Status::error(
                    "notice.save_failed",
                    vec![("why", why.clone())],
                ));
                if let Some(play) = self.play.as_mut() {
                    play.status = self.notice.clone();
                }
                if !self.save_failures.contains(&why) {
                    self.save_failures.push(why);
                }
            }
        }
    }

    /// Saves the solution (with the run's live changes) as a file `peakload score` reads.
    pub fn save_solution(&mut self) {
        let Some(play) = self.play.as_mut() else {
            return;
        };
        let solution = play.solution_to_save();
        let path = play
            .save_to
            .clone()
            .or_else(|| {
                self.store.dir().map(|d| {
                    d.join("solutions").join(format!(
                        "{}-saved.ron",
                        play.level.id.replace(['/', '\\'], "_")
                    ))
                })
            })
            .unwrap_or_else(|| PathBuf::from(format!("{}-solution.ron", play.level.id)));
        let header = format!(
            "// {} — saved by peakload; score it with `peakload score {} {}`\n",
            play.level.id,
            play.level.id,
            path.display()
        );
        let result = load::to_ron(&solution)
            .map_err(std::io::Error::other)
            .and_then(|text| progress::save_text(&path, &format!("{header}{text}\n")));
        match result {
            Ok(()) => {
                play.status = Some(Status::info(
                    "status.saved",
                    vec![("path", path.display().to_string())],
                ));
                if play.save_to.is_some() {
                    self.opened_text = load::to_ron(&play.solution).ok();
                }
                if let Some(r) = self.results.as_mut() {
                    r.saved = Some(path);
                }
            }
            Err(e) => {
                let why = format!("{}: {e}", path.display());
                play.status = Some(Status::error(
                    "status.save_failed",
                    vec![("why", why.clone())],
                ));
                if !self.save_failures.contains(&why) {
                    self.save_failures.push(why);
                }
            }
        }
    }

    /// What could not be saved this session, one line each, for the
    /// terminal after the game ends.
    pub fn unsaved_report(&self) -> Vec<String> {
        self.save_failures
            .iter()
            .map(|why| format!("could not save {why}"))
            .collect()
    }
}
