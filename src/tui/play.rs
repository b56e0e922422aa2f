//! One level being played: the architecture under construction (with undo),
//! and the run that tests it. No drawing here; the screen reads this state.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::format::level::Level;
use crate::format::solution::{Action, Thing, ThingKind};
use crate::format::{Catalogue, Solution, validate};

use super::inspector::{self, FieldKey, Offer};
pub use super::live::LiveChange;
pub use super::rows::{Row, RowKey};
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
    pub(super) steps_reached: Vec<bool>,
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
    pub(super) undo: Vec<Solution>,
    pub(super) redo: Vec<Solution>,
    /// What the screen works out from the level and the build, kept until the build changes.
    pub(super) derived: std::cell::RefCell<super::derived::Derived>,
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
            derived: std::cell::RefCell::new(super::derived::Derived::default()),
        };
        play.derived.get_mut().of_level(&play.level);
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

    pub(super) fn any_thing(&self, id: &str) -> Option<&Thing> {
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

    pub(super) fn remember(&mut self) {
        self.remember_state(self.solution.clone());
    }

    /// Records the build as it was before a change (at most 200 steps back).
    pub(super) fn remember_state(&mut self, before: Solution) {
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
        if let Some(refusal) = validate::link_refusal(origin.as_ref(), &target) {
            // A key: the status line says it in the player's language.
            let why = refusal.key().to_string();
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
}
