//! Metrics: one record per tick, run totals, and running summaries (per thing
//! and of the worst stretch of losses) for the results screen's review.

use super::setup::Setup;
use super::station::{DropReason, Outcomes, Tally};

/// Share of a pool's serving capacity busy at or above which it counts as saturated.
pub const SATURATED_UTILISATION: f64 = 0.95;

/// Whether a pool of servers is saturated: nearly all of its capacity busy, or
/// more requests waiting in its line than it can serve at once. A pool with no
/// capacity at all is down or empty, not saturated (its losses show elsewhere).
pub fn saturated(utilisation: f64, waiting: u64, slots: u64) -> bool {
    slots > 0 && (utilisation >= SATURATED_UTILISATION || waiting > slots)
}

/// Seconds without trouble that end a stretch: short lulls inside one episode
/// (a tick of noise below the line) do not split it in two.
pub fn stretch_grace_s(tick_s: f64) -> f64 {
    tick_s.max(60.0)
}

/// How much of a run's tick-by-tick record [`Metrics`] keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum History {
    /// Every tick's record and per-stream counts: what a trace writes out,
    /// and what tests look back over.
    #[default]
    EveryTick,
    /// The last tick's alone: all that scoring, the review and the screen
    /// read. A run's history is most of its memory (the Day's 86,400 ticks
    /// held 45 MB), and writing it touched a fresh page every few ticks.
    LastTick,
}

/// One stream's counts in one tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamTick {
    /// Requests that arrived this tick.
    pub arrived: u64,
    /// Finished in time this tick.
    pub ok: u64,
    /// Finished late this tick.
    pub late: u64,
    /// Dropped this tick.
    pub dropped: u64,
    /// In flight at the end of the tick.
    pub pending: u64,
}

/// What one tick looked like (its per-stream counts are in [`Metrics::streams_at`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TickRecord {
    /// Tick number.
    pub tick: u64,
    /// Start of the tick, seconds.
    pub time_s: f64,
    /// Messages waiting in queues at the end of the tick.
    pub queued: u64,
    /// Requests waiting in servers' lines at the end of the tick (backlogs,
    /// and the lines' expected queues).
    pub waiting: u64,
    /// Offered rate before Poisson draws, requests per second.
    pub offered_rps: f64,
    /// Mean requests in flight over the tick.
    pub in_flight: f64,
    /// Requests per second the working servers can serve.
    pub capacity_rps: f64,
    /// Share of working servers' time spent busy (0..=1).
    pub utilisation: f64,
    /// Servers serving (all fleets).
    pub servers_working: u32,
    /// Dollars spent so far.
    pub cost_usd: f64,
    /// Sum over the streams that count toward the score (not synchronous calls).
    pub counted_total: StreamTick,
    /// Dollars of commitments (Reserved Instances, Savings Plans) charged this
    /// tick that no running instance used.
    pub unused_commitment_usd: f64,
}

/// One placed thing's figures in one tick (things that serve requests).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThingSample {
    /// Index of the thing (level's pre-placed things, then the solution's).
    pub thing: u16,
    /// Server-seconds (or environment-seconds) of work done.
    pub busy_s: f64,
    /// Server-seconds of serving capacity (slots of working servers, or the concurrency limit).
    pub capacity_s: f64,
    /// Whether it was saturated (see [`saturated`]; for a function: throttling or at its limit).
    pub saturated: bool,
    /// Whether its capacity is paid for busy or idle (servers, not Lambda).
    pub paid_idle: bool,
}

/// A run of consecutive troubled ticks (gaps up to [`stretch_grace_s`] bridged).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stretch {
    /// Start of the first tick, seconds since the start.
    pub from_s: f64,
    /// End of the last tick, seconds since the start.
    pub to_s: f64,
    /// Troubled ticks in it.
    pub ticks: u64,
    /// Highest utilisation seen in it (0..=1).
    pub peak_utilisation: f64,
    /// Counted requests that failed (dropped or late) anywhere during its ticks.
    pub failed: u64,
}

impl Stretch {
    /// Seconds from its start to its end.
    pub fn span_s(&self) -> f64 {
        self.to_s - self.from_s
    }
}

/// A placed thing's running summary over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct ThingSummary {
    /// The thing's id.
    pub id: String,
    /// Whether it serves requests (it sent samples).
    pub serves: bool,
    /// Whether its capacity is paid for busy or idle.
    pub paid_idle: bool,
    /// Server-seconds of work done.
    pub busy_s: f64,
    /// Server-seconds of serving capacity.
    pub capacity_s: f64,
    /// Highest utilisation of any tick (0..=1).
    pub peak_utilisation: f64,
    /// Ticks it was saturated.
    pub saturated_ticks: u64,
    /// Start of its first saturated tick, seconds.
    pub first_saturated_s: Option<f64>,
    /// The saturated stretch still open.
    pub open: Option<Stretch>,
    /// Its worst closed saturated stretch (see [`ThingSummary::worst`]).
    pub worst_closed: Option<Stretch>,
}

impl ThingSummary {
    /// Mean utilisation over the run (0..=1), if it had capacity.
    pub fn mean_utilisation(&self) -> Option<f64> {
        (self.capacity_s > 0.0).then(|| (self.busy_s / self.capacity_s).min(1.0))
    }

    /// Its worst saturated stretch, open or closed: the one in which the most
    /// requests failed, then the longest, then the first.
    pub fn worst(&self) -> Option<Stretch> {
        worse(self.worst_closed, self.open)
    }
}

/// The worse of two stretches (more failed requests, then longer); the first on a tie.
fn worse(a: Option<Stretch>, b: Option<Stretch>) -> Option<Stretch> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |s: &Stretch| (s.failed, s.span_s());
            Some(if key(&b) > key(&a) { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

/// A stretch of ticks in which counted requests failed (dropped or late).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LossStretch {
    /// When it ran.
    pub stretch: Stretch,
    /// Requests dropped in it.
    pub dropped: u64,
    /// Requests finished late in it.
    pub late: u64,
    /// Drops by reason ([`DropReason::index`]).
    pub by_reason: [u64; DropReason::ALL.len()],
}

impl LossStretch {
    /// Requests that failed in it (dropped or late).
    pub fn failed(&self) -> u64 {
        self.dropped + self.late
    }

    /// The reason most of its drops had, if any were dropped.
    pub fn main_reason(&self) -> Option<DropReason> {
        DropReason::ALL
            .into_iter()
            .filter(|r| self.by_reason[r.index()] > 0)
            // First in report order on ties: `max_by_key` keeps the last.
            .rev()
            .max_by_key(|r| self.by_reason[r.index()])
    }
}

impl TickRecord {
    /// Counts over the streams that count toward the score (not synchronous calls).
    pub fn total(&self) -> StreamTick {
        self.counted_total
    }
}

/// Everything measured over a run.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// The records kept, one per tick: every tick's, or the last alone (see [`History`]).
    records: Vec<TickRecord>,
    /// Per tick kept, per stream: the level's sources in order, then the
    /// calls they make (one flat buffer, `streams` wide).
    stream_ticks: Vec<StreamTick>,
    /// What is kept of the ticks before the last.
    history: History,
    /// Ticks recorded.
    ticks: usize,
    /// This tick's per-thing figures, in thing order (filled by the observe
    /// system, folded into [`ThingSummary`]s, and reused).
    pub samples: Vec<ThingSample>,
    /// Arrivals per stream.
    pub arrived: Vec<u64>,
    /// Outcomes per stream.
    pub outcomes: Vec<Outcomes>,
    /// Request-seconds in the system (∫ in-flight dt).
    pub sojourn_s: f64,
    /// Per placed thing, in thing order: utilisation and saturation over the run.
    pub things: Vec<ThingSummary>,
    /// The loss stretch still open.
    pub losses_open: Option<LossStretch>,
    /// The closed loss stretch with the most failed requests.
    pub losses_worst_closed: Option<LossStretch>,
    /// Dollars of commitments charged and not used, over the run.
    pub unused_commitment_usd: f64,
    /// Seconds per tick.
    tick_s: f64,
    /// Which streams count toward the score.
    counted: Vec<bool>,
}

impl Metrics {
    /// Empty metrics for a setup.
    pub fn new(setup: &Setup) -> Self {
        let n = setup.streams.len();
        // Room for the level and its drain: growing past it would double the records.
        let kept = match setup.history {
            History::EveryTick => setup.ticks.saturating_add(setup.drain_ticks).min(1_000_000),
            History::LastTick => 1,
        } as usize;
        Self {
            records: Vec::with_capacity(kept),
            stream_ticks: Vec::with_capacity(kept.saturating_mul(n).min(1 << 24)),
            history: setup.history,
            ticks: 0,
            samples: Vec::new(),
            arrived: vec![0; n],
            outcomes: vec![Outcomes::default(); n],
            sojourn_s: 0.0,
            things: setup
                .level
                .preplaced
                .iter()
                .chain(&setup.solution.things)
                .map(|t| ThingSummary {
                    id: t.id().to_string(),
                    serves: false,
                    paid_idle: false,
                    busy_s: 0.0,
                    capacity_s: 0.0,
                    peak_utilisation: 0.0,
                    saturated_ticks: 0,
                    first_saturated_s: None,
                    open: None,
                    worst_closed: None,
                })
                .collect(),
            losses_open: None,
            losses_worst_closed: None,
            unused_commitment_usd: 0.0,
            tick_s: setup.tick_s,
            counted: setup.streams.iter().map(|s| s.counted()).collect(),
        }
    }

    /// The stretch in which the most counted requests failed (dropped or late).
    pub fn worst_losses(&self) -> Option<LossStretch> {
        match (self.losses_worst_closed, self.losses_open) {
            (Some(a), Some(b)) => Some(if b.failed() > a.failed() { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// Folds one tick's per-thing samples into the running summaries.
    fn track_things(&mut self, time_s: f64, failed: u64, samples: &[ThingSample]) {
        let (tick_s, grace) = (self.tick_s, stretch_grace_s(self.tick_s));
        for sample in samples {
            let Some(t) = self.things.get_mut(usize::from(sample.thing)) else {
                continue;
            };
            t.serves = true;
            t.paid_idle = sample.paid_idle;
            t.busy_s += sample.busy_s;
            t.capacity_s += sample.capacity_s;
            let utilisation = if sample.capacity_s > 0.0 {
                (sample.busy_s / sample.capacity_s).min(1.0)
            } else {
                0.0
            };
            t.peak_utilisation = t.peak_utilisation.max(utilisation);
            if !sample.saturated {
                continue;
            }
            t.saturated_ticks += 1;
            t.first_saturated_s.get_or_insert(time_s);
            match &mut t.open {
                Some(open) if time_s - open.to_s <= grace + 1e-9 => {
                    open.to_s = time_s + tick_s;
                    open.ticks += 1;
                    open.peak_utilisation = open.peak_utilisation.max(utilisation);
                    open.failed += failed;
                }
                open => {
                    let closed = open.take();
                    t.worst_closed = worse(t.worst_closed, closed);
                    *open = Some(Stretch {
                        from_s: time_s,
                        to_s: time_s + tick_s,
                        ticks: 1,
                        peak_utilisation: utilisation,
                        failed,
                    });
                }
            }
        }
    }

    /// Folds one tick's failed requests into the loss stretches.
    /// `total` leaves out requests never delivered: they are the design's
    /// shape, lost at every tick alike, not trouble at a time.
    fn track_losses(&mut self, record: &TickRecord, total: StreamTick, tally: &Tally) {
        let failed = total.dropped + total.late;
        // A loss stretch is trouble, not the tail every line has: a few late
        // requests a tick (exponential service times) are background, and
        // only a tick that fails at least 1% of what it finished counts.
        let finished = total.ok + failed;
        if failed == 0 || failed.saturating_mul(100) < finished {
            return;
        }
        let mut by_reason = [0u64; DropReason::ALL.len()];
        for (o, _) in tally
            .by_stream
            .iter()
            .zip(&self.counted)
            .filter(|(_, counted)| **counted)
        {
            for (sum, n) in by_reason.iter_mut().zip(o.dropped) {
                *sum += n;
            }
        }
        by_reason[DropReason::Undelivered.index()] = 0;
        let (time_s, tick_s) = (record.time_s, self.tick_s);
        match &mut self.losses_open {
            Some(open) if time_s - open.stretch.to_s <= stretch_grace_s(tick_s) + 1e-9 => {
                open.stretch.to_s = time_s + tick_s;
                open.stretch.ticks += 1;
                open.stretch.failed += total.dropped + total.late;
                open.dropped += total.dropped;
                open.late += total.late;
                for (sum, n) in open.by_reason.iter_mut().zip(by_reason) {
                    *sum += n;
                }
            }
            open => {
                if let Some(closed) = open.take()
                    && self
                        .losses_worst_closed
                        .is_none_or(|w| closed.failed() > w.failed())
                {
                    self.losses_worst_closed = Some(closed);
                }
                *open = Some(LossStretch {
                    stretch: Stretch {
                        from_s: time_s,
                        to_s: time_s + tick_s,
                        ticks: 1,
                        peak_utilisation: record.utilisation,
                        failed: total.dropped + total.late,
                    },
                    dropped: total.dropped,
                    late: total.late,
                    by_reason,
                });
            }
        }
        if let Some(open) = &mut self.losses_open {
            open.stretch.peak_utilisation = open.stretch.peak_utilisation.max(record.utilisation);
        }
    }

    /// Adds a tick: `arrived` by stream, the outcomes in `tally`, and the
    /// per-thing figures in [`Metrics::samples`]. Fills in the per-stream
    /// counts and the counted total of `record`.
    pub fn push(&mut self, mut record: TickRecord, arrived: &[u64], tally: &Tally) {
        if self.history == History::LastTick {
            self.records.clear();
            self.stream_ticks.clear();
        }
        self.ticks += 1;
        let mut total = StreamTick::default();
        let mut undelivered = 0;
        for (i, &n) in arrived.iter().enumerate() {
            let o = tally.by_stream.get(i).copied().unwrap_or_default();
            self.arrived[i] += n;
            self.outcomes[i].add(&o);
            let done =
                self.outcomes[i].ok + self.outcomes[i].late + self.outcomes[i].dropped_total();
            let s = StreamTick {
                arrived: n,
                ok: o.ok,
                late: o.late,
                dropped: o.dropped_total(),
                // Conservation: whatever arrived and has not ended is in flight.
                pending: self.arrived[i].saturating_sub(done),
            };
            if self.counted[i] {
                total.arrived += s.arrived;
                total.ok += s.ok;
                total.late += s.late;
                total.dropped += s.dropped;
                total.pending += s.pending;
                undelivered += o.dropped[DropReason::Undelivered.index()];
            }
            self.stream_ticks.push(s);
        }
        record.counted_total = total;
        let trouble = StreamTick {
            dropped: total.dropped - undelivered,
            ..total
        };
        let failed = trouble.dropped + trouble.late;
        let samples = std::mem::take(&mut self.samples);
        self.track_things(record.time_s, failed, &samples);
        self.samples = samples;
        self.track_losses(&record, trouble, tally);
        self.unused_commitment_usd += record.unused_commitment_usd;
        self.sojourn_s += tally.sojourn_s;
        self.records.push(record);
    }

    /// The records kept, in tick order: every tick's, or the last tick's
    /// alone (see [`History`]).
    pub fn records(&self) -> &[TickRecord] {
        &self.records
    }

    /// The record of the last tick run.
    pub fn last_record(&self) -> Option<&TickRecord> {
        self.records.last()
    }

    /// Ticks recorded so far.
    pub fn ticks(&self) -> usize {
        self.ticks
    }

    /// Per-stream counts of tick `i`; none if that tick is not kept.
    pub fn streams_at(&self, i: usize) -> &[StreamTick] {
        let first_kept = self.ticks - self.records.len();
        let Some(k) = i.checked_sub(first_kept) else {
            return &[];
        };
        let n = self.arrived.len();
        self.stream_ticks
            .get(k * n..(k + 1) * n)
            .unwrap_or_default()
    }

    /// Per-stream counts of the last tick run.
    pub fn last_streams(&self) -> &[StreamTick] {
        self.streams_at(self.ticks.saturating_sub(1))
    }

    /// Requests in flight at the end of the last tick, per stream.
    pub fn pending(&self) -> Vec<u64> {
        let last = self.last_streams();
        if last.is_empty() {
            vec![0; self.arrived.len()]
        } else {
            last.iter().map(|s| s.pending).collect()
        }
    }
}
