//! The app state machine: campaign map → level (build, run) → results.
//! `update` takes one message and changes the state; drawing only reads it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::bundled;
use crate::format::level::{Event, Level, LevelKind, Shape, Text};
use crate::format::{Catalogue, Solution, load};
use crate::sim::Score;
use crate::sim::review::{self, Finding};

use super::keep::sandbox_key;
use super::keymap::{self, Context, Msg};
use super::play::{Focus, Play, Status};
use super::progress::{Damage, Loaded, Progress, Store};
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

/// How far a page key scrolls.
pub(super) const PAGE: u16 = 8;

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
    /// How far the campaign's "about" panel is scrolled.
    pub about_scroll: u16,
    /// A locked level the player asked to open once: asking again opens it.
    pub locked_asked: Option<usize>,
    /// Sandbox pattern row.
    pub pattern_at: usize,
    /// The sandbox pattern being played, if the sandbox is open.
    pub sandbox_open: Option<usize>,
    /// The level being played.
    pub play: Option<Play>,
    /// Campaign index of the level being played (None: a file of the
    /// player's or the sandbox). A bundled level opened from a file counts too.
    pub playing: Option<usize>,
    /// The last run's results.
    pub results: Option<Results>,
    /// The open level's par (sampled designs), shown with the results.
    pub par: Option<crate::par::Par>,
    /// Whether the key help is up.
    pub help: bool,
    /// Set when the player quits.
    pub quit: bool,
    /// Set when the player asks to suspend the game (Ctrl-Z).
    pub suspend: bool,
    /// Leaving the level ends the game (it was opened with `peakload play`).
    pub leave_to_shell: bool,
    /// A message for the campaign map.
    pub notice: Option<Status>,
    /// Terminal size at the last draw (for mouse hit-testing).
    pub size: (u16, u16),
    /// Whether the open level's build may be written back to the data
    /// directory (not when its saved build could not be read: that file is left alone).
    pub keep_build: bool,
    /// The build as it was opened, as saved text (a file the player named
    /// is written back only when the build changed).
    pub opened_text: Option<String>,
    /// Undo and redo history of boards left this session, by where they are
    /// kept: reopening a level brings its history back.
    pub histories: BTreeMap<PathBuf, (String, super::play::History)>,
    /// Every failure to save this session, said again when the game ends.
    pub save_failures: Vec<String>,
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
            about_scroll: 0,
            locked_asked: None,
            pattern_at: 0,
            sandbox_open: None,
            play: None,
            playing: None,
            results: None,
            par: None,
            help: false,
            quit: false,
            suspend: false,
            leave_to_shell: false,
            notice,
            size: (80, 24),
            keep_build: true,
            opened_text: None,
            histories: BTreeMap::new(),
            save_failures: Vec::new(),
        })
    }

    /// The language on screen.
    pub fn lang(&self) -> Lang {
        self.strings.lang
    }

    /// Whether a campaign level is unlocked: lessons in order, challenges after every lesson.
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

    /// Whether a run is going that the screen must animate.
    pub fn animating(&self) -> bool {
        self.screen == Screen::Play
            && self
                .play
                .as_ref()
                .and_then(|p| p.run.as_ref())
                .is_some_and(|r| !r.sim.finished())
    }

    /// Whether the player asked to suspend (and forgets it).
    pub fn take_suspend(&mut self) -> bool {
        std::mem::take(&mut self.suspend)
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
        self.opened_text = load::to_ron(&play.solution).ok();
        self.keep_build = true;
        self.playing = playing;
        // The history of the same board left earlier this session comes back.
        if let Some(path) = self.keep_path_for(&play)
            && let Some((text, history)) = self.histories.remove(&path)
            && self.opened_text.as_deref() == Some(text.as_str())
        {
            play.set_history(history);
        }
        self.play = Some(play);
        self.results = None;
        self.screen = Screen::Play;
    }

    /// Opens a level given on the command line: leaving it ends the game,
    /// and a bundled level (the same text) counts in the campaign.
    pub fn open_file(&mut self, level: Level, solution: Solution, save_to: Option<PathBuf>) {
        let same = |a: &Level, b: &Level| matches!((load::to_ron(a), load::to_ron(b)), (Ok(x), Ok(y)) if x == y);
        let index = self
            .levels
            .iter()
            .position(|e| e.level.id == level.id && same(&e.level, &level));
        if let Some(i) = index {
            self.campaign_at = i;
        }
        self.open(level, solution, index, save_to);
        self.leave_to_shell = true;
    }

    /// Opens a campaign level with the player's last architecture for it. A
    /// locked level asks once, then opens: a learner may look ahead.
    pub fn open_campaign(&mut self, index: usize) {
        let Some(entry) = self.levels.get(index) else {
            return;
        };
        if !self.unlocked(index) && self.locked_asked != Some(index) {
            self.locked_asked = Some(index);
            self.notice = Some(Status::info("notice.locked_ask", vec![]));
            return;
        }
        self.locked_asked = None;
        let level = entry.level.clone();
        let (solution, said, keep) = self.load_kept(&level.id);
        self.campaign_at = index;
        self.open(level, solution, Some(index), None);
        self.keep_build = keep;
        if !self.unlocked(index)
            && let Some(play) = self.play.as_mut()
        {
            play.status = Some(Status::info("status.not_unlocked", vec![]));
        }
        // Said on the level's status line now, and on the map afterwards.
        if let Some(play) = self.play.as_mut()
            && said.is_some()
        {
            play.status.clone_from(&said);
        }
        if said.is_some() {
            self.notice = said;
        }
    }

    /// Opens the sandbox with a traffic pattern and the board last built on it.
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
        let (solution, said, keep) = self.load_kept(&sandbox_key(pattern));
        self.sandbox_open = Some(pattern);
        self.open(level, solution, None, None);
        self.keep_build = keep;
        if let Some(play) = self.play.as_mut()
            && said.is_some()
        {
            play.status = said;
        }
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Campaign => Context::Campaign,
            Screen::Sandbox => Context::Sandbox,
            Screen::Results if self.play.as_ref().is_some_and(|p| p.popup.is_some()) => {
                Context::Popup
            }
            Screen::Results => Context::Results,
            Screen::Play => match &self.play {
                Some(p) if p.popup.is_some() => Context::Popup,
                Some(p) if p.run.is_some() => Context::Run,
                Some(p) => match p.focus {
                    Focus::Board => Context::Board,
                    Focus::Palette => Context::Palette,
                    Focus::Inspector => Context::Inspector,
                    Focus::Steps => Context::Steps,
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
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c' | 'z')) {
            self.update(if key.code == KeyCode::Char('c') {
                Msg::Quit
            } else {
                Msg::Suspend
            });
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
                KeyCode::Backspace if edit.fresh => {
                    edit.buffer.clear();
                    edit.fresh = false;
                }
                KeyCode::Backspace => {
                    edit.buffer.pop();
                }
                // The first key typed replaces the old value.
                KeyCode::Char(c) if !ctrl && !c.is_control() => {
                    if edit.fresh {
                        edit.buffer.clear();
                        edit.fresh = false;
                    }
                    if edit.buffer.chars().count() < 40 {
                        edit.buffer.push(c);
                    }
                }
                KeyCode::Left | KeyCode::Right | KeyCode::Home | KeyCode::End => {
                    edit.fresh = false;
                }
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
            Msg::Suspend => {
                self.suspend = true;
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
        if self.context() == Context::Popup {
            self.update_popup(msg);
            return;
        }
        match self.screen {
            Screen::Campaign => self.update_campaign(msg),
            Screen::Sandbox => self.update_sandbox(msg),
            Screen::Play => self.update_play(msg),
            Screen::Results => self.update_results(msg),
        }
    }

    fn update_popup(&mut self, msg: Msg) {
        let Some(play) = self.play.as_mut() else {
            return;
        };
        match msg {
            Msg::Up => play.popup_scroll = play.popup_scroll.saturating_sub(1),
            Msg::Down => play.popup_scroll = play.popup_scroll.saturating_add(1),
            Msg::PageUp => play.popup_scroll = play.popup_scroll.saturating_sub(PAGE),
            Msg::PageDown => play.popup_scroll = play.popup_scroll.saturating_add(PAGE),
            _ => {
                play.popup = None;
                play.popup_scroll = 0;
            }
        }
    }

    fn update_campaign(&mut self, msg: Msg) {
        let n = self.levels.len();
        let before = self.campaign_at;
        match msg {
            Msg::Up => self.campaign_at = self.campaign_at.saturating_sub(1),
            Msg::Down => self.campaign_at = (self.campaign_at + 1).min(n.saturating_sub(1)),
            Msg::PageUp => self.about_scroll = self.about_scroll.saturating_sub(PAGE),
            Msg::PageDown => self.about_scroll = self.about_scroll.saturating_add(PAGE),
            Msg::Enter => self.open_campaign(self.campaign_at),
            Msg::Sandbox => self.screen = Screen::Sandbox,
            Msg::Lang => {
                self.strings = Strings::new(self.lang().other());
                self.progress.lang = Some(self.lang());
                self.save_progress();
            }
            _ => {}
        }
        if self.campaign_at != before {
            self.about_scroll = 0;
            self.locked_asked = None;
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
        self.finish();
    }

    /// Judges a finished run and shows the results (once: a run already
    /// judged is left as it is).
    pub(super) fn finish(&mut self) {
        let Some(play) = self.play.as_mut() else {
            return;
        };
        let Some(run) = play.run.as_mut() else { return };
        if !run.sim.finished() || run.passed.is_some() {
            return;
        }
        let score = Score::of(&run.sim);
        let findings = review::review(&run.sim, &score);
        run.passed = Some(score.passed);
        play.check_steps();
        let id = play.level.id.clone();
        let improved = match self.playing {
            Some(_) => self
                .progress
                .record(&id, score.passed, score.stars, score.cost_usd),
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
}

impl ratatui::widgets::Widget for &App {
    /// Draws the screen up, each from the state it needs.
    fn render(self, area: ratatui::layout::Rect, buf: &mut ratatui::buffer::Buffer) {
        use super::draw;
        let s = &self.strings;
        match self.screen {
            Screen::Campaign => {
                let view = draw::campaign::CampaignView {
                    levels: self.levels.iter().map(|e| &e.level).collect(),
                    unlocked: (0..self.levels.len()).map(|i| self.unlocked(i)).collect(),
                    progress: &self.progress,
                    at: self.campaign_at,
                    about_scroll: self.about_scroll,
                    notice: self.notice.as_ref(),
                };
                draw::campaign::render(&view, s, area, buf);
            }
            Screen::Sandbox => {
                let view = self.sandbox.as_ref().map(|f| draw::campaign::SandboxView {
                    patterns: f.patterns.iter().map(|p| (&p.name, &p.about)).collect(),
                    at: self.pattern_at,
                });
                draw::campaign::render_sandbox(view.as_ref(), s, area, buf);
            }
            Screen::Play => {
                if let Some(play) = &self.play {
                    draw::level::render(play, s, area, buf);
                }
            }
            Screen::Results => {
                if let (Some(play), Some(res)) = (&self.play, &self.results) {
                    draw::results::render(
                        play,
                        res,
                        self.par.as_ref(),
                        self.leave_to_shell,
                        s,
                        area,
                        buf,
                    );
                }
            }
        }
        if self.help {
            draw::help(self.context(), s, area, buf);
        }
    }
}
