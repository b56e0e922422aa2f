//! A run of the architecture on screen: the simulation, its speed, and what
//! the charts and the header show of it. Every live figure on screen (the
//! header, the chart titles, the source boxes) is read from [`Live`], taken
//! once after each batch of ticks, so two places never disagree.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::sim::Sim;
use crate::sim::view::ThingFigures;

/// How fast the run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Speed {
    /// The whole level in about ten minutes: every event can be read as it happens.
    X1,
    /// Ten times that.
    X10,
    /// A hundred times that.
    X100,
    /// As fast as the machine allows, but never the whole level in less than a few seconds.
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

/// Wall seconds a level lasts at 1×.
const LEVEL_AT_1X_S: f64 = 600.0;
/// Fewest wall seconds a level lasts at max speed: a year is over in half
/// a second, and its charts still sweep across rather than jump to the end.
const LEVEL_AT_MAX_S: f64 = 0.5;
/// Longest the simulation may run inside one frame, so drawing never waits on it.
const TICK_BUDGET: Duration = Duration::from_millis(12);
/// Points kept for the whole-run charts.
pub const CHART_POINTS: usize = 240;
/// Points kept for the recent-window charts over the whole level (the window
/// shows the last [`WINDOW_POINTS`] of them).
pub const FINE_POINTS: usize = 1920;
/// Fine points in the recent window: an eighth of the level.
pub const WINDOW_POINTS: usize = FINE_POINTS / 8;

/// One point of the charts: a slice of the level.
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

impl Bucket {
    /// Mean serving capacity over the bucket, requests per second.
    pub fn capacity_rps(&self) -> f64 {
        self.capacity_sum / f64::from(self.ticks.max(1))
    }

    /// Share answered in time, percent (None when nothing finished).
    pub fn in_time_pct(&self) -> Option<f64> {
        (self.ok + self.bad > 0).then(|| self.ok as f64 * 100.0 / (self.ok + self.bad) as f64)
    }
}

/// The figures shown live, all from the last tick and the run so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    /// Seconds since the start.
    pub now_s: f64,
    /// Each source's offered rate in the last tick, requests per second, in level order.
    pub source_rps: Vec<(String, f64)>,
    /// All sources together, requests per second.
    pub offered_rps: f64,
    /// What the working servers could serve in the last tick, requests per second.
    pub capacity_rps: f64,
    /// Share answered in time so far, percent (100 before anything finished).
    pub in_time_pct: f64,
    /// p99 latency so far, ms.
    pub p99_ms: f64,
    /// Cost so far, dollars.
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
    /// Finer chart points over the whole level, for the recent window.
    pub fine: Vec<Bucket>,
    /// The figures of every thing after the last tick.
    pub figures: Vec<ThingFigures>,
    /// Requests per second along each link after the last tick.
    pub link_rps: BTreeMap<(String, String), f64>,
    /// The live figures after the last tick.
    pub live: Live,
    /// Whether the finished run met the level's goals (set once judged).
    pub passed: Option<bool>,
    /// Frames drawn since the start (animates traffic along links).
    pub frame: u64,
    /// A time the run stops at, whatever its speed (the end of the step
    /// being watched), so the next step is shown at exactly that moment.
    pub stop_at_s: Option<f64>,
    owed_ticks: f64,
    /// Chart points (coarse or fine, and index) whose p99 is owed: worked
    /// out once for all of them, after a frame's ticks, since walking the
    /// latency histogram costs more than many small ticks.
    p99_owed: Vec<(bool, usize)>,
}

impl Run {
    /// A run of a freshly built simulation, at 1× so a first-timer can read it.
    pub fn new(sim: Sim) -> Run {
        let mut run = Run {
            sim,
            speed: Speed::X1,
            paused: false,
            buckets: vec![Bucket::default(); CHART_POINTS],
            fine: vec![Bucket::default(); FINE_POINTS],
            figures: Vec::new(),
            link_rps: BTreeMap::new(),
            live: Live::default(),
            passed: None,
            frame: 0,
            stop_at_s: None,
            owed_ticks: 0.0,
            p99_owed: Vec::new(),
        };
        run.refresh();
        run
    }

    /// Ticks per wall second at a speed.
    pub fn ticks_per_s(&self, speed: Speed) -> f64 {
        let ticks = self.sim.ctx.setup.ticks as f64;
        let at_1x = (ticks / LEVEL_AT_1X_S).max(1.0);
        (at_1x * speed.factor()).min((ticks / LEVEL_AT_MAX_S).max(at_1x))
    }

    /// The level's length, seconds.
    pub fn end_s(&self) -> f64 {
        self.sim.ctx.setup.ticks as f64 * self.sim.ctx.setup.tick_s
    }

    /// Runs one tick and records it.
    pub fn step(&mut self) {
        self.step_owing();
        self.pay_p99();
    }

    /// Runs one tick and records it, leaving the p99 of a chart point it
    /// ends owed.
    fn step_owing(&mut self) {
        if self.sim.finished() {
            return;
        }
        self.sim.step();
        self.record();
    }

    /// Gives every chart point whose p99 is owed the p99 so far.
    fn pay_p99(&mut self) {
        if self.p99_owed.is_empty() {
            return;
        }
        let p99 = self.sim.times().latency.quantile_ms(0.99);
        for &(coarse, i) in &self.p99_owed {
            let points = if coarse {
                &mut self.buckets
            } else {
                &mut self.fine
            };
            if let Some(b) = points.get_mut(i) {
                b.p99_ms = p99;
            }
        }
        self.p99_owed.clear();
    }

    fn record(&mut self) {
        let Some(r) = self.sim.metrics.last_record() else {
            return;
        };
        let ticks = self.sim.ctx.setup.ticks.max(1);
        let t = r.counted_total;
        let last_tick = r.tick + 1 == ticks;
        let (offered, capacity, cost, tick) = (r.offered_rps, r.capacity_rps, r.cost_usd, r.tick);
        for (coarse, points, n) in [
            (true, &mut self.buckets, CHART_POINTS),
            (false, &mut self.fine, FINE_POINTS),
        ] {
            let i = ((tick * n as u64) / ticks) as usize;
            let at = i.min(n - 1);
            let Some(b) = points.get_mut(at) else {
                continue;
            };
            b.ticks += 1;
            b.offered_rps = b.offered_rps.max(offered);
            b.capacity_sum += capacity;
            b.ok += t.ok;
            b.bad += t.late + t.dropped;
            b.cost_usd = cost;
            // The quantile walks the histogram: a point's end owes it, and
            // the frame pays every point it ended with one walk.
            let next = (((tick + 1) * n as u64) / ticks) as usize;
            if next != i || last_tick {
                self.p99_owed.push((coarse, at));
            }
        }
    }

    /// Re-reads the figures the board, the header and the charts show.
    pub fn refresh(&mut self) {
        self.figures = self.sim.figures();
        self.link_rps = self.sim.link_rates().into_iter().collect();
        let source_rps = self.sim.source_rates();
        let offered_rps = source_rps.iter().map(|(_, r)| r).sum();
        let capacity_rps = self
            .sim
            .metrics
            .last_record()
            .map_or(0.0, |r| r.capacity_rps);
        self.live = Live {
            now_s: self.sim.ctx.now_s,
            source_rps,
            offered_rps,
            capacity_rps,
            in_time_pct: self.availability_pct(),
            p99_ms: self.sim.times().latency.quantile_ms(0.99),
            cost_usd: self.sim.ctx.ledger.total(),
        };
    }

    /// Runs the ticks owed for `wall` of real time, within the frame budget.
    pub fn advance(&mut self, wall: Duration) {
        self.frame += 1;
        if self.paused || self.sim.finished() {
            return;
        }
        let start = Instant::now();
        let due = self.owed_ticks + wall.as_secs_f64() * self.ticks_per_s(self.speed);
        let mut done = 0.0;
        while done + 1.0 <= due && !self.sim.finished() {
            if self.stop_at_s.is_some_and(|at| self.sim.ctx.now_s >= at) {
                self.owed_ticks = 0.0;
                self.pay_p99();
                self.refresh();
                return;
            }
            self.step_owing();
            done += 1.0;
            // Checking the clock every tick would cost more than small ticks do.
            if (done as u64).is_multiple_of(64) && start.elapsed() >= TICK_BUDGET {
                break;
            }
        }
        // Whatever did not fit is dropped rather than owed, so a slow machine
        // runs slower instead of falling ever further behind.
        self.owed_ticks = (due - done).min(1.0);
        self.pay_p99();
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
