//! The app state machine: campaign map → level (build, run) → results.
//! `update` takes one message and changes the state; drawing only reads it.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::bundled;
use crate::format::level::{Event, Level, LevelKind, Shape, Text};
use crate::format::{Catalogue, Solution, SourceFile, load};
use crate::sim::Score;
use crate::sim::review::{self, Finding};

use super::inspector::Input;
use super::keymap::{self, Context, Msg};
use super::layout;
use super::play::{Edit, Focus, Play, Speed, Status};
use super::progress::{self, Damage, Loaded, Progress, Store};
use super::strings::{Lang, Strings};

/// Which screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The campaign map.
    Campaign,
    /// Choosing the sandbox's traffic pattern.
    Sandbox,
    /// A level: building and running.
    Play,
    /// A finished run's results.
    Results,
}

/// A level on the campaign map.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The level.
    pub level: Level,
}

/// One traffic pattern the sandbox offers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Its name.
    pub name: Text,
    /// What it is like.
    pub about: Text,
    /// Shapes of the sandbox source's traffic.
    pub shapes: Vec<Shape>,
    /// Events that come with it.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// `assets/sandbox.ron`: the sandbox level and its traffic patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxFile {
    /// The level every pattern starts from.
    pub level: Level,
    /// Patterns to choose from.
    pub patterns: Vec<Pattern>,
}

const SANDBOX: &str = include_str!("../../assets/sandbox.ron");

/// Parses the bundled sandbox file.
pub fn sandbox_file() -> Result<SandboxFile, ron::error::SpannedError> {
    load::ron_options().from_str(SANDBOX)
}

/// A finished run, judged.
#[derive(Debug, Clone)]
pub struct Results {
    /// The score, as `peakload score` gives it.
    pub score: Score,
    /// What went wrong (or right), most important first.
    pub findings: Vec<Finding>,
    /// Where the solution was saved, once it is.
    pub saved: Option<PathBuf>,
    /// Whether this run set a new record.
    pub improved: bool,
    /// Scroll of the findings list.
    pub scroll: u16,
}

/// The whole game state.
pub struct App {
    /// Words on screen.
    pub strings: Strings,
    /// Service catalogue.
    pub catalogue: Catalogue,
    /// Campaign levels in order.
    pub levels: Vec<Entry>,
    /// Sandbox patterns (empty if the bundled file is broken).
    pub sandbox: Option<SandboxFile>,
    /// Where progress is kept.
    pub store: Store,
    /// Progress so far.
    pub progress: Progress,
    /// The screen up.
    pub screen: Screen,
    /// Campaign map row.
    pub campaign_at: usize,
    /// Sandbox pattern row.
    pub pattern_at: usize,
    /// The level being played.
    pub play: Option<Play>,
    /// Campaign index of the level being played (None: a file or the sandbox).
    pub playing: Option<usize>,
    /// The last run's results.
    pub results: Option<Results>,
    /// The open level's par (sampled designs), shown with the results.
    pub par: Option<crate::par::Par>,
    /// Whether the key help is up.
    pub help: bool,
    /// Set when the player quits.
    pub quit: bool,
    /// A message for the campaign map.
    pub notice: Option<Status>,
    /// Terminal size at the last draw (for mouse hit-testing).
    pub size: (u16, u16),
    /// Whether the open level's build may be written back to the data
    /// directory (not when its saved build could not be read: that file is left alone).
    pub keep_build: bool,
}

/// What the campaign map says about a progress file that could not be read whole.
fn recovery_notice(loaded: Loaded, store: &Store) -> Option<Status> {
    let Loaded::Recovered {
        damage,
        kept,
        levels_kept,
        levels_lost,
    } = loaded
    else {
        return None;
    };
    let mut args = vec![
        ("kept", levels_kept.to_string()),
        ("lost", levels_lost.to_string()),
    ];
    let key = match (damage, kept) {
        (_, Err(why)) => {
            let path = store.progress_path().unwrap_or_default();
            args.push(("path", path.display().to_string()));
            args.push(("why", why));
            "notice.not_moved"
        }
        (Damage::Damaged, Ok(path)) => {
            args.push(("path", path.display().to_string()));
            "notice.recovered"
        }
        (Damage::Newer { version }, Ok(path)) => {
            args.push(("path", path.display().to_string()));
            args.push(("version", version.to_string()));
            "notice.newer"
        }
    };
    Some(Status {
        key,
        args,
        error: true,
    })
}

impl App {
    /// A new game: bundled levels, saved progress, the campaign map.
    pub fn new(lang: Option<Lang>, store: Store) -> Result<App, crate::format::InputError> {
        let catalogue = load::bundled_catalogue()?;
        let mut levels = Vec::new();
        for b in bundled::all() {
            let level = load::parse_level(&b.level_file())?;
            if level.kind != LevelKind::Sandbox {
                levels.push(Entry { level });
            }
        }
        let mut store = store;
        let (progress, loaded) = store.load();
        let lang = lang.or(progress.lang).unwrap_or_else(Lang::from_env);
        let notice = recovery_notice(loaded, &store);
        let first_open = levels
            .iter()
            .position(|e| !progress.passed(&e.level.id))
            .unwrap_or(0);
        Ok(App {
            strings: Strings::new(lang),
            catalogue,
            levels,
            sandbox: sandbox_file().ok(),
            store,
            progress,
            screen: Screen::Campaign,
            campaign_at: first_open,
            pattern_at: 0,
            play: None,
            playing: None,
            results: None,
            par: None,
            help: false,
            quit: false,
            notice,
            size: (80, 24),
            keep_build: true,
        })
    }

    /// The language on screen.
    pub fn lang(&self) -> Lang {
        self.strings.lang
    }

    /// Whether a campaign level can be opened: lessons in order, challenges after every lesson.
    pub fn unlocked(&self, index: usize) -> bool {
        let Some(entry) = self.levels.get(index) else {
            return false;
        };
        let mut lessons_before = self.levels[..index]
            .iter()
            .filter(|e| e.level.kind == LevelKind::Lesson);
        match entry.level.kind {
            LevelKind::Challenge => self
                .levels
                .iter()
                .filter(|e| e.level.kind == LevelKind::Lesson)
                .all(|e| self.progress.passed(&e.level.id)),
            _ => lessons_before
                .next_back()
                .is_none_or(|e| self.progress.passed(&e.level.id)),
        }
    }

    /// Opens a level with a starting architecture.
    pub fn open(
        &mut self,
        level: Level,
        solution: Solution,
        playing: Option<usize>,
        save_to: Option<PathBuf>,
    ) {
        self.par = crate::par::bundled(&level.id);
        let mut play = Play::new(level, self.catalogue.clone(), solution);
        play.save_to = save_to;
        self.keep_build = true;
        self.play = Some(play);
        self.playing = playing;
        self.results = None;
        self.screen = Screen::Play;
    }

    /// Opens a campaign level with the player's last architecture for it.
    pub fn open_campaign(&mut self, index: usize) {
        let Some(entry) = self.levels.get(index) else {
            return;
        };
        if !self.unlocked(index) {
            self.notice = Some(Status {
                key: "notice.locked",
                args: vec![],
                error: true,
            });
            return;
        }
        let level = entry.level.clone();
        // A build in progress may not pass `check` yet (that is fine: it is
        // shown as it was); one that cannot even be read is moved aside to
        // `.bak` and the level starts empty, or, if it cannot be moved, left
        // untouched and never written over.
        let mut keep = true;
        let mut said = None;
        let solution = match self.store.load_solution(&level.id) {
            Some((path, text)) => {
                let parsed = text.ok().and_then(|text| {
                    load::parse_solution(&SourceFile::new(path.display().to_string(), text)).ok()
                });
                match parsed {
                    Some(s) => s,
                    None => {
                        said = Some(match progress::keep_aside(&path) {
                            Ok(kept_as) => Status {
                                key: "notice.build_kept_aside",
                                args: vec![("path", kept_as.display().to_string())],
                                error: true,
                            },
                            Err(_) => {
                                keep = false;
                                Status {
                                    key: "notice.build_unreadable",
                                    args: vec![("path", path.display().to_string())],
                                    error: true,
                                }
                            }
                        });
                        Solution::default()
                    }
                }
            }
            None => Solution::default(),
        };
        self.campaign_at = index;
        self.open(level, solution, Some(index), None);
        self.keep_build = keep;
        // Said on the level's status line now, and on the map afterwards.
        if let Some(play) = self.play.as_mut() {
            play.status.clone_from(&said);
        }
        if said.is_some() {
            self.notice = said;
        }
    }

    /// Opens the sandbox with a traffic pattern.
    pub fn open_sandbox(&mut self, pattern: usize) {
        let Some(file) = &self.sandbox else { return };
        let Some(p) = file.patterns.get(pattern) else {
            return;
        };
        let mut level = file.level.clone();
        for s in &mut level.sources {
            s.shapes = p.shapes.clone();
        }
        level.events = p.events.clone();
        self.open(level, Solution::default(), None, None);
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Campaign => Context::Campaign,
            Screen::Sandbox => Context::Sandbox,
            Screen::Results => Context::Results,
            Screen::Play => match &self.play {
                Some(p) if p.run.is_some() => Context::Run,
                Some(p) => match p.focus {
                    Focus::Board => Context::Board,
                    Focus::Palette => Context::Palette,
                    Focus::Inspector => Context::Inspector,
                },
                None => Context::Campaign,
            },
        }
    }

    /// Handles a key press.
    pub fn key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        use ratatui::crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
        if key.kind == KeyEventKind::Release {
            return;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.update(Msg::Quit);
            return;
        }
        // Typing into a field takes every key until Enter or Esc.
        if let Some(play) = self.play.as_mut()
            && self.screen == Screen::Play
            && let Some(edit) = play.edit.as_mut()
        {
            match key.code {
                KeyCode::Enter => {
                    let (row, text) = (edit.row, edit.buffer.clone());
                    play.edit = None;
                    play.set_row(row, &text);
                }
                KeyCode::Esc => play.edit = None,
                KeyCode::Backspace => {
                    edit.buffer.pop();
                }
                KeyCode::Char(c) if edit.buffer.chars().count() < 40 => edit.buffer.push(c),
                _ => {}
            }
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        if let Some(msg) = keymap::lookup(self.context(), key) {
            self.update(msg);
        }
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Quit => {
                self.keep_architecture();
                self.quit = true;
                return;
            }
            Msg::Help => {
                self.help = !self.help;
                return;
            }
            Msg::Click(x, y) => {
                self.click(x, y);
                return;
            }
            _ => {}
        }
        match self.screen {
            Screen::Campaign => self.update_campaign(msg),
            Screen::Sandbox => self.update_sandbox(msg),
            Screen::Play => self.update_play(msg),
            Screen::Results => self.update_results(msg),
        }
    }

    fn update_campaign(&mut self, msg: Msg) {
        let n = self.levels.len();
        match msg {
            Msg::Up => self.campaign_at = self.campaign_at.saturating_sub(1),
            Msg::Down => self.campaign_at = (self.campaign_at + 1).min(n.saturating_sub(1)),
            Msg::Enter => self.open_campaign(self.campaign_at),
            Msg::Sandbox => self.screen = Screen::Sandbox,
            Msg::Lang => {
                self.strings = Strings::new(self.lang().other());
                self.progress.lang = Some(self.lang());
                self.save_progress();
            }
            _ => {}
        }
    }

    fn update_sandbox(&mut self, msg: Msg) {
        let n = self.sandbox.as_ref().map_or(0, |s| s.patterns.len());
        match msg {
            Msg::Up => self.pattern_at = self.pattern_at.saturating_sub(1),
            Msg::Down => self.pattern_at = (self.pattern_at + 1).min(n.saturating_sub(1)),
            Msg::Enter => self.open_sandbox(self.pattern_at),
            Msg::Back => self.screen = Screen::Campaign,
            _ => {}
        }
    }

    fn update_play(&mut self, msg: Msg) {
        let Some(play) = self.play.as_mut() else {
            self.screen = Screen::Campaign;
            return;
        };
        let palette = play.level.palette.things.clone();
        let running = play.run.is_some();
        match msg {
            Msg::Up | Msg::Down | Msg::Left | Msg::Right => {
                let (dx, dy) = match msg {
                    Msg::Up => (0, -1),
                    Msg::Down => (0, 1),
                    Msg::Left => (-1, 0),
                    _ => (1, 0),
                };
                match (running, play.focus) {
                    (false, Focus::Palette) => {
                        play.palette_at = (play.palette_at as i32 + dy)
                            .clamp(0, palette.len().saturating_sub(1) as i32)
                            as usize;
                    }
                    (false, Focus::Inspector) if dy != 0 => {
                        let n = play.rows().len();
                        play.field_at = (play.field_at as i32 + dy)
                            .clamp(0, n.saturating_sub(1) as i32)
                            as usize;
                    }
                    (false, Focus::Inspector) => play.adjust_row(play.field_at, dx),
                    _ => play.move_cursor(dx, dy),
                }
            }
            Msg::NextFocus | Msg::PrevFocus => {
                let order = [Focus::Board, Focus::Inspector, Focus::Palette];
                let at = order.iter().position(|f| *f == play.focus).unwrap_or(0);
                let step = if msg == Msg::NextFocus {
                    1
                } else {
                    order.len() - 1
                };
                play.focus = order[(at + step) % order.len()];
            }
            Msg::PlaceNth(i) => {
                if let Some(kind) = palette.get(i) {
                    play.palette_at = i;
                    play.place(*kind);
                }
            }
            Msg::Place => {
                if let Some(kind) = palette.get(play.palette_at) {
                    play.place(*kind);
                    play.focus = Focus::Board;
                }
            }
            Msg::Enter => match play.focus {
                Focus::Board => play.focus = Focus::Inspector,
                Focus::Palette => {
                    if let Some(kind) = palette.get(play.palette_at) {
                        play.place(*kind);
                        play.focus = Focus::Board;
                    }
                }
                Focus::Inspector => {
                    let rows = play.rows();
                    if let Some(row) = rows.get(play.field_at) {
                        match row.input() {
                            Input::Fixed => {}
                            Input::Choice(_) => play.adjust_row(play.field_at, 1),
                            _ => {
                                play.edit = Some(Edit {
                                    row: play.field_at,
                                    buffer: row.value().to_string(),
                                })
                            }
                        }
                    }
                }
            },
            Msg::Rename => {
                if let Some(node) = play.selected().filter(|n| !n.fixed) {
                    play.focus = Focus::Inspector;
                    play.field_at = 0;
                    play.edit = Some(Edit {
                        row: 0,
                        buffer: node.id,
                    });
                }
            }
            Msg::Link => play.link(),
            Msg::Move if play.selected().is_some_and(|n| !n.fixed) || play.moving => {
                play.moving = !play.moving;
            }
            Msg::Delete => play.delete(),
            Msg::Undo => play.undo(),
            Msg::Redo => play.redo(),
            Msg::Hint => play.hint = !play.hint,
            Msg::Run => {
                play.focus = Focus::Board;
                play.start();
            }
            Msg::Pause => {
                if let Some(r) = play.run.as_mut() {
                    r.paused = !r.paused;
                }
            }
            Msg::StepTick => {
                if let Some(r) = play.run.as_mut() {
                    r.paused = true;
                    r.step();
                    r.refresh();
                }
                play.check_steps();
            }
            Msg::Speed(i) => {
                if let Some(r) = play.run.as_mut() {
                    r.speed = Speed::ALL[i.min(3)];
                    r.paused = false;
                }
            }
            Msg::Faster | Msg::Slower => {
                if let Some(r) = play.run.as_mut() {
                    let at = Speed::ALL.iter().position(|s| *s == r.speed).unwrap_or(0);
                    let to = if msg == Msg::Faster {
                        (at + 1).min(3)
                    } else {
                        at.saturating_sub(1)
                    };
                    r.speed = Speed::ALL[to];
                }
            }
            Msg::More => play.act(super::play::LiveChange::More),
            Msg::Fewer => play.act(super::play::LiveChange::Fewer),
            Msg::Save => self.save_solution(),
            Msg::Back => {
                if play.linking.is_some() || play.moving {
                    play.linking = None;
                    play.moving = false;
                } else if running {
                    play.stop();
                } else if play.focus != Focus::Board {
                    play.focus = Focus::Board;
                } else {
                    self.leave_level();
                }
            }
            _ => {}
        }
    }

    fn update_results(&mut self, msg: Msg) {
        match msg {
            Msg::Retry => {
                if let Some(play) = self.play.as_mut() {
                    play.run = None;
                    play.status = None;
                }
                self.screen = Screen::Play;
            }
            Msg::Next => {
                let next = self
                    .playing
                    .map(|i| i + 1)
                    .filter(|&i| i < self.levels.len());
                match next {
                    Some(i) if self.unlocked(i) => self.open_campaign(i),
                    _ => self.leave_level(),
                }
            }
            Msg::Save => self.save_solution(),
            Msg::Up => {
                if let Some(r) = self.results.as_mut() {
                    r.scroll = r.scroll.saturating_sub(1);
                }
            }
            Msg::Down => {
                if let Some(r) = self.results.as_mut() {
                    r.scroll = r.scroll.saturating_add(1).min(40);
                }
            }
            Msg::Back => self.leave_level(),
            _ => {}
        }
    }

    /// Back to the map, keeping the architecture for next time.
    fn leave_level(&mut self) {
        self.keep_architecture();
        self.play = None;
        self.results = None;
        self.screen = Screen::Campaign;
    }

    /// Remembers the player's architecture for a campaign level in the data directory.
    pub fn keep_architecture(&mut self) {
        if !self.keep_build {
            return;
        }
        let Some(play) = &self.play else { return };
        if self.playing.is_none() {
            return;
        }
        let Some(path) = self.store.solution_path(&play.level.id) else {
            return;
        };
        if let Ok(text) = load::to_ron(&play.solution) {
            let _ = progress::save_text(&path, &text);
        }
    }

    fn save_progress(&mut self) {
        if let Err(e) = self.store.save(&self.progress) {
            self.notice = Some(Status {
                key: "notice.save_failed",
                args: vec![("why", e.to_string())],
                error: true,
            });
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
                play.status = Some(Status {
                    key: "status.saved",
                    args: vec![("path", path.display().to_string())],
                    error: false,
                });
                if let Some(r) = self.results.as_mut() {
                    r.saved = Some(path);
                }
            }
            Err(e) => {
                play.status = Some(Status {
                    key: "status.save_failed",
                    args: vec![("why", e.to_string())],
                    error: true,
                });
            }
        }
    }

    /// Advances time by one frame's worth of wall time.
    pub fn tick(&mut self, wall: Duration) {
        if self.screen != Screen::Play {
            return;
        }
        let Some(play) = self.play.as_mut() else {
            return;
        };
        let Some(run) = play.run.as_mut() else { return };
        run.advance(wall);
        let finished = run.sim.finished();
        play.check_steps();
        if finished {
            self.finish();
        }
    }

    /// Runs the current level to its end at once (tests and `max` from a script).
    pub fn run_to_end(&mut self) {
        if let Some(run) = self.play.as_mut().and_then(|p| p.run.as_mut()) {
            while !run.sim.finished() {
                run.step();
            }
            run.refresh();
        }
        if let Some(play) = self.play.as_mut() {
            play.check_steps();
        }
        self.finish();
    }

    /// Judges a finished run and shows the results.
    fn finish(&mut self) {
        let Some(play) = self.play.as_ref() else {
            return;
        };
        let Some(run) = play.run.as_ref() else { return };
        if !run.sim.finished() {
            return;
        }
        let score = Score::of(&run.sim);
        let findings = review::review(&run.sim, &score);
        let improved = match self.playing {
            Some(_) => {
                self.progress
                    .record(&play.level.id, score.passed, score.stars, score.cost_usd)
            }
            None => false,
        };
        if improved {
            self.save_progress();
        }
        self.keep_architecture();
        self.results = Some(Results {
            score,
            findings,
            saved: None,
            improved,
            scroll: 0,
        });
        self.screen = Screen::Results;
    }

    /// A mouse click: select a level, a palette item, a box or a field.
    fn click(&mut self, x: u16, y: u16) {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        match self.screen {
            Screen::Campaign => {
                if let Some(i) = layout::campaign_row(area, x, y)
                    && i < self.levels.len()
                {
                    if i == self.campaign_at {
                        self.open_campaign(i);
                    } else {
                        self.campaign_at = i;
                    }
                }
            }
            Screen::Sandbox => {
                if let Some(i) = layout::campaign_row(area, x, y) {
                    let n = self.sandbox.as_ref().map_or(0, |s| s.patterns.len());
                    if i < n {
                        if i == self.pattern_at {
                            self.open_sandbox(i);
                        } else {
                            self.pattern_at = i;
                        }
                    }
                }
            }
            Screen::Play => {
                let Some(play) = self.play.as_mut() else {
                    return;
                };
                // A click elsewhere ends typing without applying it to another
                // box, and drops a box being moved where it is (else the next
                // arrow would move whichever box the click selected).
                play.edit = None;
                play.moving = false;
                let areas = layout::play_areas(area);
                let pos = ratatui::layout::Position::new(x, y);
                if areas.left.contains(pos) && play.run.is_none() {
                    let row = y.saturating_sub(areas.left.y + 1) as usize;
                    if row < play.level.palette.things.len() {
                        play.palette_at = row;
                        play.focus = Focus::Palette;
                    }
                } else if areas.board.contains(pos) {
                    if let Some(cell) = layout::board_cell(areas.board, play, x, y) {
                        let occupied = play.nodes().iter().any(|n| n.at == cell);
                        if play.focus == Focus::Palette && !occupied && play.run.is_none() {
                            play.cursor = cell;
                            if let Some(kind) =
                                play.level.palette.things.get(play.palette_at).copied()
                            {
                                play.place(kind);
                            }
                        } else if play.linking.is_some() && occupied {
                            play.cursor = cell;
                            play.link();
                        } else {
                            play.cursor = cell;
                            play.field_at = 0;
                        }
                        play.focus = Focus::Board;
                    }
                } else if areas.inspector.contains(pos) && play.run.is_none() {
                    let inner_w = areas.inspector.width.saturating_sub(2);
                    let line = y.saturating_sub(areas.inspector.y + 1) as usize;
                    let lines = super::draw::inspector_lines(play, &self.strings, inner_w);
                    play.focus = Focus::Inspector;
                    if let Some(row) = lines.get(line).and_then(|(_, r)| *r) {
                        play.field_at = row;
                    }
                }
            }
            Screen::Results => {}
        }
    }
}
