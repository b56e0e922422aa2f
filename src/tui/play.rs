//! One level being played: the architecture under construction (with undo),
//! and the run that tests it. No drawing here; the screen reads this state.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::format::level::{Condition, Level};
use crate::format::solution::{Action, Thing, ThingKind};
use crate::format::{Catalogue, Solution, SourceFile, load, validate};
use crate::sim::view::ThingFigures;
use crate::sim::{Setup, Sim};

use super::inspector::{self, CommitKey, FieldKey, Offer};

/// Where keys go on the build screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The board: arrows move the cursor.
    Board,
    /// The palette: arrows pick what to place.
    Palette,
    /// The inspector: arrows pick a field, left/right change it.
    Inspector,
}

/// How fast the run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Speed {
    /// The whole level in about ten minutes.
    X1,
    /// Ten times that.
    X10,
    /// A hundred times that.
    X100,
    /// As fast as the machine allows, still drawing every frame.
    Max,
}

impl Speed {
    /// All speeds, slowest first.
    pub const ALL: [Speed; 4] = [Speed::X1, Speed::X10, Speed::X100, Speed::Max];

    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Speed::X1 => "1×",
            Speed::X10 => "10×",
            Speed::X100 => "100×",
            Speed::Max => "max",
        }
    }

    fn factor(self) -> f64 {
        match self {
            Speed::X1 => 1.0,
            Speed::X10 => 10.0,
            Speed::X100 => 100.0,
            Speed::Max => f64::INFINITY,
        }
    }
}

/// Last column and row of the board grid.
pub const GRID_MAX: u16 = 15;

/// Wall seconds a level lasts at 1×.
const LEVEL_AT_1X_S: f64 = 600.0;
/// Longest the simulation may run inside one frame, so drawing never waits on it.
const TICK_BUDGET: Duration = Duration::from_millis(12);
/// Points kept for the live charts.
pub const CHART_POINTS: usize = 240;

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
    fn info(key: &'static str, args: Vec<(&'static str, String)>) -> Status {
        Status {
            key,
            args,
            error: false,
        }
    }

    fn error(key: &'static str, args: Vec<(&'static str, String)>) -> Status {
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

/// One point of the live charts: a slice of the level.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bucket {
    /// Ticks recorded into it.
    pub ticks: u32,
    /// Highest offered load, requests per second.
    pub offered_rps: f64,
    /// Sum of serving capacity per tick (mean = sum / ticks).
    pub capacity_sum: f64,
    /// Requests finished ok (in time).
    pub ok: u64,
    /// Requests finished late or lost.
    pub bad: u64,
    /// p99 latency of the run so far at the bucket's end, ms.
    pub p99_ms: f64,
    /// Cost of the run so far at the bucket's end.
    pub cost_usd: f64,
}

/// A run in progress (or finished) of the architecture.
pub struct Run {
    /// The simulation.
    pub sim: Sim,
    /// How fast it goes.
    pub speed: Speed,
    /// Whether time is stopped.
    pub paused: bool,
    /// Chart points over the whole level.
    pub buckets: Vec<Bucket>,
    /// The figures of every thing after the last tick.
    pub figures: Vec<ThingFigures>,
    /// Requests per second along each link after the last tick.
    pub link_rps: BTreeMap<(String, String), f64>,
    /// Frames drawn since the start (animates traffic along links).
    pub frame: u64,
    owed_ticks: f64,
}

impl Run {
    fn new(sim: Sim) -> Run {
        let mut run = Run {
            sim,
            speed: Speed::X10,
            paused: false,
            buckets: vec![Bucket::default(); CHART_POINTS],
            figures: Vec::new(),
            link_rps: BTreeMap::new(),
            frame: 0,
            owed_ticks: 0.0,
        };
        run.refresh();
        run
    }

    /// Ticks per wall second at a speed.
    pub fn ticks_per_s(&self, speed: Speed) -> f64 {
        let ticks = self.sim.ctx.setup.ticks as f64;
        (ticks / LEVEL_AT_1X_S).max(1.0) * speed.factor()
    }

    /// Runs one tick and records it.
    pub fn step(&mut self) {
        if self.sim.finished() {
            return;
        }
        self.sim.step();
        self.record();
    }

    fn record(&mut self) {
        let Some(r) = self.sim.metrics.records.last() else {
            return;
        };
        let ticks = self.sim.ctx.setup.ticks.max(1);
        let i = ((r.tick * CHART_POINTS as u64) / ticks) as usize;
        let Some(b) = self.buckets.get_mut(i.min(CHART_POINTS - 1)) else {
            return;
        };
        let t = r.counted_total;
        b.ticks += 1;
        b.offered_rps = b.offered_rps.max(r.offered_rps);
        b.capacity_sum += r.capacity_rps;
        b.ok += t.ok;
        b.bad += t.late + t.dropped;
        b.cost_usd = r.cost_usd;
        // The quantile walks the histogram: once per bucket end is enough.
        let next = (((r.tick + 1) * CHART_POINTS as u64) / ticks) as usize;
        if next != i || r.tick + 1 == ticks {
            b.p99_ms = self.sim.times().latency.quantile_ms(0.99);
        }
    }

    /// Re-reads the figures the board shows.
    pub fn refresh(&mut self) {
        self.figures = self.sim.figures();
        self.link_rps = self.sim.link_rates().into_iter().collect();
    }

    /// Runs the ticks owed for `wall` of real time, within the frame budget.
    pub fn advance(&mut self, wall: Duration) {
        self.frame += 1;
        if self.paused || self.sim.finished() {
            return;
        }
        let start = Instant::now();
        let due = if self.speed == Speed::Max {
            f64::INFINITY
        } else {
            self.owed_ticks + wall.as_secs_f64() * self.ticks_per_s(self.speed)
        };
        let mut done = 0.0;
        while done + 1.0 <= due && !self.sim.finished() {
            self.step();
            done += 1.0;
            // Checking the clock every tick would cost more than small ticks do.
            if (done as u64).is_multiple_of(64) && start.elapsed() >= TICK_BUDGET {
                break;
            }
        }
        // Whatever did not fit is dropped rather than owed, so a slow machine
        // runs slower instead of falling ever further behind.
        self.owed_ticks = if due.is_finite() {
            (due - done).min(1.0)
        } else {
            0.0
        };
        self.refresh();
    }

    /// Availability so far, percent (100 before anything finished).
    pub fn availability_pct(&self) -> f64 {
        let (ok, bad) = self
            .buckets
            .iter()
            .fold((0u64, 0u64), |(o, b), k| (o + k.ok, b + k.bad));
        if ok + bad == 0 {
            100.0
        } else {
            ok as f64 * 100.0 / (ok + bad) as f64
        }
    }
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
    /// Lesson steps completed.
    pub steps_done: usize,
    /// Whether the current step's hint is shown.
    pub hint: bool,
    /// The last message for the status line.
    pub status: Option<Status>,
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
            hint: false,
            status: None,
            undo: Vec::new(),
            redo: Vec::new(),
        };
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
            // nothing, and the redo history would be lost for it.
            Ok(()) if same_build(&before, &self.solution) => {}
            Ok(()) => {
                self.remember_state(before);
                self.check_steps();
            }
            Err(refused) => {
                self.status = Some(Status::error(refused.why, vec![("text", refused.text)]));
            }
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
        self.run = None;
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
        run.sim.act(action);
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

    /// Advances completed lesson steps while their conditions hold.
    pub fn check_steps(&mut self) {
        while let Some(step) = self.level.steps.get(self.steps_done) {
            if !self.holds(&step.done_when) {
                break;
            }
            self.steps_done += 1;
            self.hint = false;
        }
    }

    fn holds(&self, condition: &Condition) -> bool {
        let kind_of = |id: &str| self.any_thing(id).map(Thing::kind);
        match condition {
            Condition::Placed(kind) => self.solution.things.iter().any(|t| t.kind() == *kind),
            Condition::Linked { from, to } => self
                .links()
                .iter()
                .any(|(f, t, _)| (from == "*" || f == from) && kind_of(t) == Some(*to)),
            Condition::ClockReached(at) => {
                self.run.as_ref().is_some_and(|r| r.sim.ctx.now_s >= at.0)
            }
            Condition::AvailabilityAtLeast(pct) => self
                .run
                .as_ref()
                .is_some_and(|r| r.sim.ctx.tick > 0 && r.availability_pct() >= *pct),
            Condition::RunFinished => self.run.as_ref().is_some_and(|r| r.sim.finished()),
        }
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
