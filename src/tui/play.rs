//! One level being played: the architecture under construction (with undo),
//! and the run that tests it. No drawing here; the screen reads this state.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::format::level::{Condition, Level};
use crate::format::solution::{Action, Thing, ThingKind};
use crate::format::steps;
use crate::format::{Catalogue, Solution, SourceFile, load, validate};
use crate::sim::{Setup, Sim};

use super::inspector::{self, CommitKey, FieldKey, Offer};
pub use super::run::{Bucket, CHART_POINTS, Run, Speed};

/// Where keys go on the build screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The board: arrows move the cursor.
    Board,
    /// The palette: arrows pick what to place.
    Palette,
    /// The inspector: arrows pick a field, left/right change it.
    Inspector,
    /// The lesson's steps: arrows scroll through them.
    Steps,
}

/// A window over the screen with text too long for its panel.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// A step's hint (by index).
    Hint(usize),
    /// The level's story, goals and traffic preview.
    Brief,
    /// What a box on the board is doing and why it is red (by id).
    Why(String),
}

/// Most timed actions a run records: a saved solution holds at most this many
/// (the solution format's `MAX_ITEMS`), so whatever the screen saves can be scored.
pub const MAX_LIVE_ACTIONS: usize = validate::MAX_ITEMS;

/// Last column and row of the board grid.
pub const GRID_MAX: u16 = 15;

/// A message for the status line: a strings key and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Strings key.
    pub key: &'static str,
    /// `{name}` values.
    pub args: Vec<(&'static str, String)>,
    /// Whether it reports a problem.
    pub error: bool,
}

impl Status {
    /// A message about something that went as asked.
    pub fn info(key: &'static str, args: Vec<(&'static str, String)>) -> Status {
        Status {
            key,
            args,
            error: false,
        }
    }

    /// A message about something refused or failed.
    pub fn error(key: &'static str, args: Vec<(&'static str, String)>) -> Status {
        Status {
            key,
            args,
            error: true,
        }
    }
}

/// Text being typed into a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The inspector row being edited.
    pub row: usize,
    /// Text so far.
    pub buffer: String,
    /// Whether the buffer still holds the old value: the first key typed
    /// replaces it, as in a spreadsheet cell.
    pub fresh: bool,
}

/// What a board box stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A traffic source from the level.
    Source,
    /// A placed (or pre-placed) thing.
    Thing(ThingKind),
}

/// A box on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Id used in links.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Part of the level: cannot be moved off, edited or deleted.
    pub fixed: bool,
    /// Grid cell `(column, row)`.
    pub at: (u16, u16),
}

/// The state of one level on screen.
pub struct Play {
    /// The level.
    pub level: Level,
    /// The service catalogue.
    pub catalogue: Catalogue,
    /// The architecture being built (with its board layout).
    pub solution: Solution,
    /// Where "save" writes (the file given on the command line), if not the data directory.
    pub save_to: Option<PathBuf>,
    /// Where keys go.
    pub focus: Focus,
    /// Board cursor `(column, row)`.
    pub cursor: (u16, u16),
    /// Palette row.
    pub palette_at: usize,
    /// Inspector row.
    pub field_at: usize,
    /// Text being typed, if any.
    pub edit: Option<Edit>,
    /// Id a link is being drawn from.
    pub linking: Option<String>,
    /// Whether the selected box moves with the cursor.
    pub moving: bool,
    /// The run, once started.
    pub run: Option<Run>,
    /// Lesson steps completed, in order.
    pub steps_done: usize,
    /// Run steps met during the current run (a time once reached stays reached).
    steps_reached: Vec<bool>,
    /// The step the step list is scrolled to.
    pub steps_at: usize,
    /// The step a run paused to show, until the run goes on.
    pub step_announced: Option<usize>,
    /// A window with more text, over the screen.
    pub popup: Option<Popup>,
    /// How far the popup is scrolled.
    pub popup_scroll: u16,
    /// The last message for the status line.
    pub status: Option<Status>,
    undo: Vec<Solution>,
    redo: Vec<Solution>,
    /// What the screen works out from the level and the build, kept until the build changes.
    derived: std::cell::RefCell<Derived>,
}

/// Points of the level's expected traffic kept for the charts.
const PREVIEW_POINTS: usize = 1_200;

/// Figures worked out from the level alone, once, and from the build, once per change.
#[derive(Debug, Default)]
struct Derived {
    /// The level's expected traffic, all sources, over [`PREVIEW_POINTS`] slices.
    preview: Vec<f64>,
    /// When the traffic peaks (seconds) and its rate.
    peak: (f64, f64),
    /// The build the rest was worked out for, as saved text.
    build: Option<String>,
    /// Warnings for that build.
    warnings: Vec<crate::sim::view::BuildWarning>,
    /// Capacity readouts for that build, by thing id.
    readouts: BTreeMap<String, Option<crate::sim::view::Readout>>,
}

/// A board's undo and redo history, kept when a level is left so it comes
/// back when the level is reopened in the same session.
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<Solution>,
    redo: Vec<Solution>,
}

/// Short id prefix for new things of a kind.
fn prefix(kind: ThingKind) -> &'static str {
    match kind {
        ThingKind::OnPremises => "dc",
        ThingKind::Instance => "ec2",
        ThingKind::AutoScalingGroup => "asg",
        ThingKind::LoadBalancer => "lb",
        ThingKind::Queue => "queue",
        ThingKind::Topic => "topic",
        ThingKind::Function => "fn",
        ThingKind::ContainerService => "svc",
    }
}

impl Play {
    /// Opens a level with a starting architecture (empty for a new game).
    pub fn new(level: Level, catalogue: Catalogue, mut solution: Solution) -> Play {
        solution.level = level.id.clone();
        let mut play = Play {
            level,
            catalogue,
            solution,
            save_to: None,
            focus: Focus::Board,
            cursor: (0, 0),
            palette_at: 0,
            field_at: 0,
            edit: None,
            linking: None,
            moving: false,
            run: None,
            steps_done: 0,
            steps_reached: Vec::new(),
            steps_at: 0,
            step_announced: None,
            popup: None,
            popup_scroll: 0,
            status: None,
            undo: Vec::new(),
            redo: Vec::new(),
            derived: std::cell::RefCell::new(Derived::default()),
        };
        {
            let d = play.derived.get_mut();
            d.preview = crate::sim::view::traffic_preview(&play.level, PREVIEW_POINTS);
            d.peak = crate::sim::view::traffic_peak(&play.level);
        }
        play.lay_out_missing();
        play.check_steps();
        play
    }

    /// Every box: sources, pre-placed things, then the player's.
    pub fn nodes(&self) -> Vec<Node> {
        let at = |id: &str| self.solution.layout.get(id).copied().unwrap_or((0, 0));
        let mut out: Vec<Node> = self
            .level
            .sources
            .iter()
            .map(|s| Node {
                id: s.id.clone(),
                kind: NodeKind::Source,
                fixed: true,
                at: at(&s.id),
            })
            .collect();
        out.extend(self.level.preplaced.iter().map(|t| Node {
            id: t.id().to_string(),
            kind: NodeKind::Thing(t.kind()),
            fixed: true,
            at: at(t.id()),
        }));
        out.extend(self.solution.things.iter().map(|t| Node {
            id: t.id().to_string(),
            kind: NodeKind::Thing(t.kind()),
            fixed: false,
            at: at(t.id()),
        }));
        out
    }

    /// Every link `(from, to, fixed)`.
    pub fn links(&self) -> Vec<(String, String, bool)> {
        self.level
            .preplaced_links
            .iter()
            .map(|(f, t)| (f.clone(), t.clone(), true))
            .chain(
                self.solution
                    .links
                    .iter()
                    .map(|(f, t)| (f.clone(), t.clone(), false)),
            )
            .collect()
    }

    /// Gives every box without a place one: columns by how far traffic has
    /// travelled to reach it, rows in order.
    fn lay_out_missing(&mut self) {
        let nodes = self.nodes();
        let links = self.links();
        let mut depth: BTreeMap<String, u16> = BTreeMap::new();
        for n in &nodes {
            depth.insert(n.id.clone(), 0);
        }
        // Longest path from a source, bounded by the number of boxes (links may loop in a broken file).
        for _ in 0..nodes.len() {
            let mut changed = false;
            for (f, t, _) in &links {
                let d = depth.get(f).copied().unwrap_or(0) + 1;
                if let Some(slot) = depth.get_mut(t)
                    && *slot < d
                    && d < 12
                {
                    *slot = d;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut taken: BTreeSet<(u16, u16)> = nodes
            .iter()
            .filter(|n| self.solution.layout.contains_key(&n.id))
            .map(|n| n.at)
            .collect();
        for n in &nodes {
            if self.solution.layout.contains_key(&n.id) {
                continue;
            }
            let col = depth.get(&n.id).copied().unwrap_or(0);
            let mut row = 0;
            while taken.contains(&(col, row)) {
                row += 1;
            }
            taken.insert((col, row));
            self.solution.layout.insert(n.id.clone(), (col, row));
        }
    }

    /// The box under the cursor.
    pub fn selected(&self) -> Option<Node> {
        self.nodes().into_iter().find(|n| n.at == self.cursor)
    }

    /// The player's thing with this id.
    pub fn thing(&self, id: &str) -> Option<&Thing> {
        self.solution.things.iter().find(|t| t.id() == id)
    }

    fn any_thing(&self, id: &str) -> Option<&Thing> {
        self.level
            .preplaced
            .iter()
            .chain(&self.solution.things)
            .find(|t| t.id() == id)
    }

    /// Ids of placed instances and groups (where container tasks may run).
    pub fn hosts(&self) -> Vec<String> {
        self.level
            .preplaced
            .iter()
            .chain(&self.solution.things)
            .filter(|t| matches!(t, Thing::Instance { .. } | Thing::AutoScalingGroup(_)))
            .map(|t| t.id().to_string())
            .collect()
    }

    /// Whether building is allowed (before a run).
    pub fn building(&self) -> bool {
        self.run.is_none()
    }

    /// The level's expected traffic resampled to `points` slices (the
    /// highest of the slices each point covers, so a spike is never lost).
    pub fn preview(&self, points: usize) -> Vec<f64> {
        let d = self.derived.borrow();
        let n = d.preview.len();
        (0..points)
            .map(|i| {
                let from = i * n / points.max(1);
                let to = ((i + 1) * n / points.max(1)).max(from + 1).min(n);
                d.preview[from.min(n.saturating_sub(1))..to]
                    .iter()
                    .copied()
                    .fold(0.0, f64::max)
            })
            .collect()
    }

    /// When the level's traffic peaks (seconds) and its rate (requests per second).
    pub fn traffic_peak(&self) -> (f64, f64) {
        self.derived.borrow().peak
    }

    /// Makes sure the figures derived from the build are for the build as it is.
    fn fresh_derived(&self) {
        let text = load::to_ron(&self.solution).ok();
        let mut d = self.derived.borrow_mut();
        if d.build != text {
            d.build = text;
            d.warnings =
                crate::sim::view::build_warnings(&self.catalogue, &self.level, &self.solution);
            d.readouts.clear();
        }
    }

    /// What to say about the build before it runs (see [`crate::sim::view::build_warnings`]).
    pub fn warnings(&self) -> Vec<crate::sim::view::BuildWarning> {
        self.fresh_derived();
        self.derived.borrow().warnings.clone()
    }

    /// The capacity readout of a thing of the build (see [`crate::sim::view::readout`]).
    pub fn readout(&self, id: &str) -> Option<crate::sim::view::Readout> {
        self.fresh_derived();
        let mut d = self.derived.borrow_mut();
        d.readouts
            .entry(id.to_string())
            .or_insert_with(|| {
                crate::sim::view::readout(&self.catalogue, &self.level, &self.solution, id)
            })
            .clone()
    }

    /// The undo and redo history.
    pub fn history(&self) -> History {
        History {
            undo: self.undo.clone(),
            redo: self.redo.clone(),
        }
    }

    /// Puts back a history kept with this same board.
    pub fn set_history(&mut self, history: History) {
        self.undo = history.undo;
        self.redo = history.redo;
    }

    fn remember(&mut self) {
        self.remember_state(self.solution.clone());
    }

    /// Records the build as it was before a change (at most 200 steps back).
    fn remember_state(&mut self, before: Solution) {
        self.undo.push(before);
        if self.undo.len() > 200 {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Steps back one change.
    pub fn undo(&mut self) {
        if !self.building() {
            return;
        }
        match self.undo.pop() {
            Some(before) => {
                self.moving = false;
                self.linking = None;
                self.edit = None;
                self.redo
                    .push(std::mem::replace(&mut self.solution, before));
                self.status = Some(Status::info("status.undone", vec![]));
            }
            None => self.status = Some(Status::info("status.nothing_to_undo", vec![])),
        }
    }

    /// Steps forward one undone change.
    pub fn redo(&mut self) {
        if !self.building() {
            return;
        }
        if let Some(after) = self.redo.pop() {
            self.moving = false;
            self.linking = None;
            self.edit = None;
            self.undo.push(std::mem::replace(&mut self.solution, after));
            self.status = Some(Status::info("status.redone", vec![]));
        }
    }

    /// Moves the board cursor (or the box being moved).
    pub fn move_cursor(&mut self, dx: i32, dy: i32) {
        let to = (
            (i32::from(self.cursor.0) + dx).clamp(0, i32::from(GRID_MAX)) as u16,
            (i32::from(self.cursor.1) + dy).clamp(0, i32::from(GRID_MAX)) as u16,
        );
        if self.moving {
            let occupied = self.nodes().iter().any(|n| n.at == to);
            if let Some(node) = self.selected().filter(|n| !occupied && n.at != to) {
                self.remember();
                self.solution.layout.insert(node.id, to);
            } else if occupied {
                return;
            }
        }
        self.cursor = to;
        self.field_at = 0;
    }

    /// Puts the cursor on a box by id.
    pub fn select(&mut self, id: &str) {
        if let Some(n) = self.nodes().into_iter().find(|n| n.id == id) {
            self.cursor = n.at;
            self.field_at = 0;
        }
    }

    fn free_id(&self, kind: ThingKind) -> String {
        let taken: BTreeSet<String> = self.nodes().into_iter().map(|n| n.id).collect();
        (1..)
            .map(|i| format!("{}-{i}", prefix(kind)))
            .find(|id| !taken.contains(id))
            .unwrap_or_default()
    }

    /// The offer the inspector works from.
    pub fn with_offer<R>(&self, f: impl FnOnce(&Offer) -> R) -> R {
        let hosts = self.hosts();
        let offer = Offer {
            catalogue: &self.catalogue,
            palette: &self.level.palette,
            hosts: &hosts,
        };
        f(&offer)
    }

    /// Places a new thing at the cursor; on an occupied cell it goes to the
    /// right and is linked from the box there, when such a link makes sense.
    pub fn place(&mut self, kind: ThingKind) -> Option<String> {
        if !self.building() {
            self.status = Some(Status::error("status.stop_to_build", vec![]));
            return None;
        }
        if !self.level.palette.things.contains(&kind) {
            self.status = Some(Status::error("status.not_in_palette", vec![]));
            return None;
        }
        let nodes = self.nodes();
        let from = self.selected();
        let mut at = self.cursor;
        if from.is_some() {
            at.0 += 1;
        }
        // The first free cell at or below, within the grid the cursor reaches.
        let free = |c: (u16, u16)| !nodes.iter().any(|n| n.at == c);
        let Some(cell) = (at.1..=GRID_MAX)
            .map(|r| (at.0.min(GRID_MAX), r))
            .chain((0..=GRID_MAX).flat_map(|c| (0..=GRID_MAX).map(move |r| (c, r))))
            .find(|c| free(*c))
        else {
            self.status = Some(Status::error("status.board_full", vec![]));
            return None;
        };
        at = cell;
        let id = self.free_id(kind);
        let thing = self.with_offer(|o| inspector::new_thing(kind, id.clone(), o));
        self.remember();
        let link = from.and_then(|f| {
            let origin = self.any_thing(&f.id).cloned();
            let ok = match f.kind {
                NodeKind::Source => validate::link_rule(None, &thing).is_ok(),
                NodeKind::Thing(_) => {
                    origin.is_some_and(|o| validate::link_rule(Some(&o), &thing).is_ok())
                }
            };
            ok.then_some(f.id)
        });
        self.solution.things.push(thing);
        self.solution.layout.insert(id.clone(), at);
        if let Some(from) = link {
            self.solution.links.push((from, id.clone()));
        }
        self.cursor = at;
        self.field_at = 0;
        self.status = Some(Status::info("status.placed", vec![("id", id.clone())]));
        self.check_steps();
        Some(id)
    }

    /// Deletes the selected thing and its links.
    pub fn delete(&mut self) {
        if !self.building() {
            return;
        }
        let Some(node) = self.selected() else { return };
        if node.fixed {
            self.status = Some(Status::error("status.fixed", vec![("id", node.id)]));
            return;
        }
        self.remember();
        // A link being drawn from it would otherwise start at a box that is
        // gone (or at the next box given its freed id).
        if self.linking.as_deref() == Some(node.id.as_str()) {
            self.linking = None;
        }
        self.solution.things.retain(|t| t.id() != node.id);
        self.solution
            .links
            .retain(|(f, t)| *f != node.id && *t != node.id);
        self.solution.layout.remove(&node.id);
        self.solution
            .actions
            .retain(|a| a.action.thing() != node.id);
        for thing in &mut self.solution.things {
            if let Thing::ContainerService(c) = thing
                && c.capacity == crate::format::solution::Capacity::Ec2(node.id.clone())
            {
                c.capacity = crate::format::solution::Capacity::Fargate;
            }
        }
        self.status = Some(Status::info("status.deleted", vec![("id", node.id)]));
    }

    /// Starts a link from the selected box, or finishes (or removes) one to it.
    pub fn link(&mut self) {
        if !self.building() {
            return;
        }
        let Some(node) = self.selected() else {
            self.linking = None;
            return;
        };
        let Some(from) = self.linking.take() else {
            self.linking = Some(node.id.clone());
            self.status = Some(Status::info("status.linking", vec![("id", node.id)]));
            return;
        };
        if from == node.id {
            return;
        }
        self.link_ids(&from, &node.id);
    }

    /// Adds the link `from → to`, or removes it if it exists.
    pub fn link_ids(&mut self, from: &str, to: &str) {
        let pair = (from.to_string(), to.to_string());
        if self.level.preplaced_links.contains(&pair) {
            self.status = Some(Status::error(
                "status.fixed",
                vec![("id", format!("{from} → {to}"))],
            ));
            return;
        }
        if self.solution.links.contains(&pair) {
            self.remember();
            self.solution.links.retain(|l| *l != pair);
            self.status = Some(Status::info(
                "status.unlinked",
                vec![("from", pair.0), ("to", pair.1)],
            ));
            return;
        }
        let Some(target) = self.any_thing(to).cloned() else {
            self.status = Some(Status::error("status.link_to_source", vec![]));
            return;
        };
        let origin = self.any_thing(from).cloned();
        let is_source = self.level.sources.iter().any(|s| s.id == from);
        if origin.is_none() && !is_source {
            return;
        }
        if let Err((why, _)) = validate::link_rule(origin.as_ref(), &target) {
            self.status = Some(Status::error("status.cannot_link", vec![("why", why)]));
            return;
        }
        self.remember();
        self.solution.links.push(pair.clone());
        self.status = Some(Status::info(
            "status.linked",
            vec![("from", pair.0), ("to", pair.1)],
        ));
        self.check_steps();
    }

    /// Inspector rows of the selection: a thing's fields, or the account's
    /// commitments when nothing (or a source) is selected.
    pub fn rows(&self) -> Vec<Row> {
        match self.selected() {
            Some(n) if !n.fixed || matches!(n.kind, NodeKind::Thing(_)) => {
                match self.any_thing(&n.id) {
                    Some(t) => self
                        .with_offer(|o| inspector::fields(t, o))
                        .into_iter()
                        .map(Row::Thing)
                        .collect(),
                    None => Vec::new(),
                }
            }
            _ => self
                .with_offer(|o| inspector::commitment_fields(&self.solution.commitments, o))
                .into_iter()
                .map(Row::Commitment)
                .collect(),
        }
    }

    /// Changes an inspector row by typed text.
    pub fn set_row(&mut self, row: usize, text: &str) {
        if self.rows().get(row).map(Row::key) == Some(RowKey::Thing(FieldKey::Id)) {
            self.rename(text.trim());
            return;
        }
        self.change_row(row, |thing, commitments, key, offer| match key {
            RowKey::Thing(k) => inspector::set(thing.ok_or_else(none)?, k, text, offer),
            RowKey::Commitment(k) => inspector::set_commitment(commitments, k, text, offer),
        });
    }

    /// Steps an inspector row one notch.
    pub fn adjust_row(&mut self, row: usize, delta: i32) {
        self.change_row(row, |thing, commitments, key, offer| match key {
            RowKey::Thing(k) => inspector::adjust(thing.ok_or_else(none)?, k, delta, offer),
            RowKey::Commitment(k) => inspector::adjust_commitment(commitments, k, delta, offer),
        });
    }

    fn change_row(
        &mut self,
        row: usize,
        change: impl FnOnce(
            Option<&mut Thing>,
            &mut Vec<crate::format::solution::Commitment>,
            RowKey,
            &Offer,
        ) -> Result<(), inspector::Refused>,
    ) {
        if !self.building() {
            self.status = Some(Status::error("status.stop_to_build", vec![]));
            return;
        }
        let rows = self.rows();
        let Some(r) = rows.get(row) else { return };
        let key = r.key();
        let id = self.selected().map(|n| n.id);
        if let Some(n) = self.selected()
            && n.fixed
            && matches!(key, RowKey::Thing(_))
        {
            self.status = Some(Status::error("status.fixed", vec![("id", n.id)]));
            return;
        }
        let before = self.solution.clone();
        let rows_before = self.rows();
        let hosts = self.hosts();
        let offer = Offer {
            catalogue: &self.catalogue,
            palette: &self.level.palette,
            hosts: &hosts,
        };
        let thing = id
            .as_ref()
            .and_then(|id| self.solution.things.iter_mut().find(|t| t.id() == id));
        match change(thing, &mut self.solution.commitments, key, &offer) {
            // A step that changed nothing (a number already at its floor, a
            // value typed as it was) is no undo step: undo would seem to do
            // nothing, and the redo history would be lost for it. It is
            // said, so a key is never silently ignored.
            Ok(()) if same_build(&before, &self.solution) => {
                self.status = Some(Status::info(
                    "status.at_limit",
                    vec![
                        ("field", r.label().to_string()),
                        ("value", r.value().to_string()),
                    ],
                ));
            }
            Ok(()) => {
                self.remember_state(before);
                self.check_steps();
                // Limits clamp visibly: say what else moved with the change.
                let after = self.rows();
                let moved: Vec<String> = rows_before
                    .iter()
                    .filter(|b| b.key() != key)
                    .filter_map(|b| {
                        let a = after.iter().find(|a| a.key() == b.key())?;
                        (a.value() != b.value())
                            .then(|| format!("{}: {} → {}", b.label(), b.value(), a.value()))
                    })
                    .collect();
                let now = after
                    .iter()
                    .find(|a| a.key() == key)
                    .map(|a| a.value().to_string());
                self.status = Some(if moved.is_empty() {
                    Status::info(
                        "status.set",
                        vec![
                            ("field", r.label().to_string()),
                            ("value", now.unwrap_or_default()),
                        ],
                    )
                } else {
                    Status::info(
                        "status.set_also",
                        vec![
                            ("field", r.label().to_string()),
                            ("value", now.unwrap_or_default()),
                            ("also", moved.join(", ")),
                        ],
                    )
                });
            }
            Err(refused) => {
                self.status = Some(Status::error(refused.why, vec![("text", refused.text)]));
            }
        }
    }

    /// Removes what an inspector row stands for, where it is a thing of its
    /// own (a scaling policy, a commitment); otherwise says what `d` does here.
    pub fn remove_row(&mut self, row: usize) {
        if !self.building() {
            self.status = Some(Status::error("status.stop_to_build", vec![]));
            return;
        }
        let Some(key) = self.rows().get(row).map(Row::key) else {
            return;
        };
        if let Some(n) = self.selected()
            && n.fixed
            && matches!(key, RowKey::Thing(_))
        {
            self.status = Some(Status::error("status.fixed", vec![("id", n.id)]));
            return;
        }
        let before = self.solution.clone();
        let id = self.selected().map(|n| n.id);
        let removed = match key {
            RowKey::Thing(k) => id
                .as_ref()
                .and_then(|id| self.solution.things.iter_mut().find(|t| t.id() == id))
                .is_some_and(|t| inspector::remove(t, k)),
            RowKey::Commitment(k) => {
                inspector::remove_commitment(&mut self.solution.commitments, k)
            }
        };
        if removed {
            self.remember_state(before);
            self.field_at = self.field_at.min(self.rows().len().saturating_sub(1));
            self.status = Some(Status::info("status.removed_row", vec![]));
            self.check_steps();
        } else {
            self.status = Some(Status::info("status.delete_where", vec![]));
        }
    }

    /// Renames the selected thing, carrying its links, place and actions along.
    pub fn rename(&mut self, new: &str) {
        let Some(node) = self.selected() else { return };
        if node.fixed || !self.building() {
            self.status = Some(Status::error("status.fixed", vec![("id", node.id)]));
            return;
        }
        if new == node.id {
            return;
        }
        if self.nodes().iter().any(|n| n.id == new) {
            self.status = Some(Status::error(
                "status.id_taken",
                vec![("text", new.to_string())],
            ));
            return;
        }
        let before = self.solution.clone();
        let hosts = self.hosts();
        let offer = Offer {
            catalogue: &self.catalogue,
            palette: &self.level.palette,
            hosts: &hosts,
        };
        let Some(thing) = self.solution.things.iter_mut().find(|t| t.id() == node.id) else {
            return;
        };
        if let Err(refused) = inspector::set(thing, FieldKey::Id, new, &offer) {
            self.status = Some(Status::error(refused.why, vec![("text", refused.text)]));
            return;
        }
        self.rename_refs(&node.id, new);
        self.remember_state(before);
        self.status = Some(Status::info(
            "status.renamed",
            vec![("id", new.to_string())],
        ));
    }

    fn rename_refs(&mut self, old: &str, new: &str) {
        for (f, t) in &mut self.solution.links {
            if f == old {
                *f = new.to_string();
            }
            if t == old {
                *t = new.to_string();
            }
        }
        if let Some(at) = self.solution.layout.remove(old) {
            self.solution.layout.insert(new.to_string(), at);
        }
        for a in &mut self.solution.actions {
            let thing = match &mut a.action {
                Action::SetDesired { thing, .. }
                | Action::SetLimits { thing, .. }
                | Action::Resize { thing, .. }
                | Action::OrderServers { thing, .. } => thing,
            };
            if thing == old {
                *thing = new.to_string();
            }
        }
        for thing in &mut self.solution.things {
            if let Thing::ContainerService(c) = thing
                && c.capacity == crate::format::solution::Capacity::Ec2(old.to_string())
            {
                c.capacity = crate::format::solution::Capacity::Ec2(new.to_string());
            }
        }
    }

    /// Checks the architecture and starts the run.
    pub fn start(&mut self) -> bool {
        if self.run.is_some() {
            return true;
        }
        let text = match load::to_ron(&self.solution) {
            Ok(t) => t,
            Err(e) => {
                self.status = Some(Status::error(
                    "status.cannot_run",
                    vec![("why", e.to_string())],
                ));
                return false;
            }
        };
        let file = SourceFile::new("board", text);
        let problems =
            validate::check_solution(&self.catalogue, &self.level, &self.solution, &file);
        if let Some(p) = problems.iter().find(|p| p.is_error()) {
            self.status = Some(Status::error(
                "status.cannot_run",
                vec![("why", p.message.clone())],
            ));
            return false;
        }
        let setup = Setup::new(
            self.catalogue.clone(),
            self.level.clone(),
            self.solution.clone(),
            None,
        );
        match Sim::new(setup) {
            Ok(sim) => {
                self.steps_reached.clear();
                self.step_announced = None;
                self.run = Some(Run::new(sim));
                self.linking = None;
                self.moving = false;
                self.edit = None;
                self.status = Some(Status::info("status.running", vec![]));
                true
            }
            Err(e) => {
                self.status = Some(Status::error(
                    "status.cannot_run",
                    vec![("why", e.to_string())],
                ));
                false
            }
        }
    }

    /// Stops the run and goes back to building (the architecture is kept).
    pub fn stop(&mut self) {
        self.clear_run();
        self.status = Some(Status::info("status.stopped", vec![]));
    }

    /// A change to the running architecture on the selected box: the same
    /// actions a solution file can hold, so the run can be replayed.
    pub fn act(&mut self, what: LiveChange) {
        let Some(node) = self.selected() else { return };
        let Some(thing) = self.any_thing(&node.id).cloned() else {
            return;
        };
        let Some(run) = self.run.as_mut() else {
            self.status = Some(Status::error("status.run_first", vec![]));
            return;
        };
        if run.sim.finished() {
            return;
        }
        let figures = run.figures.iter().find(|f| f.id == node.id).cloned();
        let action = match (&thing, what) {
            (Thing::AutoScalingGroup(_), LiveChange::More | LiveChange::Fewer) => {
                let desired = figures.and_then(|f| f.desired).unwrap_or(0);
                let desired = if what == LiveChange::More {
                    desired + 1
                } else {
                    desired.saturating_sub(1)
                };
                Action::SetDesired {
                    thing: node.id.clone(),
                    desired,
                }
            }
            (Thing::Instance { instance_type, .. }, LiveChange::More | LiveChange::Fewer) => {
                let types = self.with_offer(|o| o.instance_types());
                let Some(at) = types.iter().position(|t| t == instance_type) else {
                    return;
                };
                let to = if what == LiveChange::More {
                    at + 1
                } else {
                    at.wrapping_sub(1)
                };
                let Some(to) = types.get(to) else { return };
                Action::Resize {
                    thing: node.id.clone(),
                    instance_type: to.clone(),
                }
            }
            (Thing::OnPremises { .. }, LiveChange::More) => Action::OrderServers {
                thing: node.id.clone(),
                count: 1,
            },
            _ => {
                self.status = Some(Status::error(
                    "status.no_live_change",
                    vec![("id", node.id)],
                ));
                return;
            }
        };
        let Some(run) = self.run.as_mut() else { return };
        let ctx = &run.sim.ctx;
        let now = ctx.now_s;
        // The newest action so far is the one before the next to apply
        // (live actions go in among the solution's own timed ones).
        let newest = ctx.next_action.checked_sub(1);
        // A change to the same thing in the same tick replaces the one
        // before it (a desired count) or adds to it (servers ordered), so a
        // burst of `+` is one timed action and a replay of the saved file
        // ends in the same state.
        let merges = newest
            .and_then(|i| ctx.actions.get(i))
            .is_some_and(|last| {
                last.at.0 == now
                    && matches!(
                        (&last.action, &action),
                        (Action::SetDesired { thing: a, .. }, Action::SetDesired { thing: b, .. })
                            | (Action::OrderServers { thing: a, .. }, Action::OrderServers { thing: b, .. })
                            if a == b
                    )
            });
        if !merges && ctx.actions.len() >= MAX_LIVE_ACTIONS {
            self.status = Some(Status::error(
                "status.too_many_actions",
                vec![("n", MAX_LIVE_ACTIONS.to_string())],
            ));
            return;
        }
        run.sim.act(action);
        if merges && let Some(at) = newest {
            let ctx = &mut run.sim.ctx;
            let added = ctx.actions.remove(at + 1);
            ctx.next_action -= 1;
            if let Some(last) = ctx.actions.get_mut(at) {
                match (&mut last.action, added.action) {
                    (
                        Action::OrderServers { count, .. },
                        Action::OrderServers { count: more, .. },
                    ) => *count = count.saturating_add(more),
                    (slot, added) => *slot = added,
                }
            }
        }
        run.refresh();
        self.status = Some(Status::info("status.acted", vec![("id", node.id)]));
    }

    /// The solution to save: the build plus every change made during the run.
    pub fn solution_to_save(&self) -> Solution {
        let mut s = self.solution.clone();
        if let Some(run) = &self.run {
            s.actions = run.sim.ctx.actions.clone();
        }
        s
    }

    /// Re-evaluates the lesson: build steps on the build as it is now (so
    /// they follow every change), run steps on the run (a run step met once
    /// in a run stays met in it; a new run starts them again). When a new
    /// step begins while a run goes, the run pauses so the step can be read.
    pub fn check_steps(&mut self) {
        let before = self.steps_done;
        let mut done = 0;
        while let Some(step) = self.level.steps.get(done) {
            let holds = match steps::holds_on_build(
                &step.done_when,
                Some(&self.catalogue),
                &self.level,
                &self.solution,
            ) {
                Some(holds) => holds,
                None => {
                    let met = self.steps_reached.get(done).copied().unwrap_or(false)
                        || self.run_holds(&step.done_when);
                    if met {
                        if self.steps_reached.len() <= done {
                            self.steps_reached.resize(done + 1, false);
                        }
                        self.steps_reached[done] = true;
                    }
                    met
                }
            };
            if !holds {
                break;
            }
            done += 1;
        }
        self.steps_done = done;
        if done == before {
            return;
        }
        self.steps_at = done.min(self.level.steps.len().saturating_sub(1));
        if matches!(self.popup, Some(Popup::Hint(_))) {
            self.popup = None;
        }
        // A step that begins mid-run is shown with the run paused, so a
        // step's words never flash past at high speed.
        if done > before
            && done < self.level.steps.len()
            && let Some(run) = self.run.as_mut()
            && run.sim.ctx.tick > 0
            && !run.sim.finished()
        {
            run.paused = true;
            self.step_announced = Some(done);
            self.status = Some(Status::info(
                "status.next_step",
                vec![("n", (done + 1).to_string())],
            ));
        }
    }

    /// Whether a run condition holds on the run so far.
    fn run_holds(&self, condition: &Condition) -> bool {
        let Some(r) = self.run.as_ref() else {
            return false;
        };
        match condition {
            Condition::ClockReached(at) => r.sim.ctx.now_s >= at.0,
            Condition::AvailabilityAtLeast(pct) => {
                r.sim.ctx.tick > 0 && r.availability_pct() >= *pct
            }
            Condition::RunFinished => r.sim.finished(),
            Condition::Passed => r.passed == Some(true),
            Condition::All(all) => all.iter().all(|c| {
                steps::holds_on_build(c, Some(&self.catalogue), &self.level, &self.solution)
                    .unwrap_or_else(|| self.run_holds(c))
            }),
            Condition::Any(any) => any.iter().any(|c| {
                steps::holds_on_build(c, Some(&self.catalogue), &self.level, &self.solution)
                    .unwrap_or_else(|| self.run_holds(c))
            }),
            _ => false,
        }
    }

    /// Ends the run (if any) and goes back to building: run steps start over.
    pub fn clear_run(&mut self) {
        self.run = None;
        self.steps_reached.clear();
        self.step_announced = None;
        self.check_steps();
    }
}

/// Whether two builds are the same, compared as the text a save writes.
fn same_build(a: &Solution, b: &Solution) -> bool {
    matches!((load::to_ron(a), load::to_ron(b)), (Ok(x), Ok(y)) if x == y)
}

fn none() -> inspector::Refused {
    inspector::Refused {
        why: "refused.not_here",
        text: String::new(),
    }
}

/// A change the player makes to a running thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveChange {
    /// One more: desired +1, next bigger type, order a server.
    More,
    /// One fewer: desired −1, next smaller type.
    Fewer,
}

/// One inspector row.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A thing's setting.
    Thing(inspector::Field),
    /// A commitment's setting.
    Commitment(inspector::CommitField),
}

/// What an inspector row edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// A thing's field.
    Thing(FieldKey),
    /// A commitment's field.
    Commitment(CommitKey),
}

impl Row {
    /// What it edits.
    pub fn key(&self) -> RowKey {
        match self {
            Row::Thing(f) => RowKey::Thing(f.key),
            Row::Commitment(f) => RowKey::Commitment(f.key),
        }
    }

    /// Strings key of its label.
    pub fn label(&self) -> &'static str {
        match self {
            Row::Thing(f) => f.label,
            Row::Commitment(f) => f.label,
        }
    }

    /// Its value as text.
    pub fn value(&self) -> &str {
        match self {
            Row::Thing(f) => &f.value,
            Row::Commitment(f) => &f.value,
        }
    }

    /// How it is changed.
    pub fn input(&self) -> &inspector::Input {
        match self {
            Row::Thing(f) => &f.input,
            Row::Commitment(f) => &f.input,
        }
    }

    /// Its price note.
    pub fn note(&self) -> Option<&str> {
        match self {
            Row::Thing(f) => f.note.as_deref(),
            Row::Commitment(_) => None,
        }
    }
}
