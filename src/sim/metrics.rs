//! Metrics: one record per tick, and run totals.

use super::latency::LatencyHistogram;
use super::station::{Outcomes, Tally};
use super::world::Setup;

/// One source's counts in one tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceTick {
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

/// What one tick looked like.
#[derive(Debug, Clone, PartialEq)]
pub struct TickRecord {
    /// Tick number.
    pub tick: u64,
    /// Start of the tick, seconds.
    pub time_s: f64,
    /// Per source, in level order.
    pub sources: Vec<SourceTick>,
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
}

impl TickRecord {
    /// Counts over all sources.
    pub fn total(&self) -> SourceTick {
        self.sources.iter().fold(SourceTick::default(), |mut t, s| {
            t.arrived += s.arrived;
            t.ok += s.ok;
            t.late += s.late;
            t.dropped += s.dropped;
            t.pending += s.pending;
            t
        })
    }
}

/// Everything measured over a run.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// One record per tick.
    pub records: Vec<TickRecord>,
    /// Arrivals per source.
    pub arrived: Vec<u64>,
    /// Outcomes per source.
    pub outcomes: Vec<Outcomes>,
    /// Latency of finished requests.
    pub latency: LatencyHistogram,
    /// Total seconds waited in line by served requests.
    pub wait_s: f64,
    /// Requests behind `wait_s`.
    pub waited: f64,
    /// Served requests whose wait used up their deadline's slack.
    pub waited_past_slack: f64,
    /// Request-seconds in the system (∫ in-flight dt).
    pub sojourn_s: f64,
}

impl Metrics {
    /// Empty metrics for a setup.
    pub fn new(setup: &Setup) -> Self {
        let n = setup.level.sources.len();
        Self {
            records: Vec::with_capacity(setup.ticks.min(1_000_000) as usize),
            arrived: vec![0; n],
            outcomes: vec![Outcomes::default(); n],
            latency: LatencyHistogram::default(),
            wait_s: 0.0,
            waited: 0.0,
            waited_past_slack: 0.0,
            sojourn_s: 0.0,
        }
    }

    /// Adds a tick.
    pub fn push(&mut self, record: TickRecord, tally: &Tally) {
        for (i, s) in record.sources.iter().enumerate() {
            self.arrived[i] += s.arrived;
        }
        for (total, o) in self.outcomes.iter_mut().zip(&tally.by_source) {
            total.add(o);
        }
        self.latency.merge(&tally.latency);
        self.wait_s += tally.wait_s;
        self.waited += tally.waited;
        self.waited_past_slack += tally.waited_past_slack;
        self.sojourn_s += tally.sojourn_s;
        self.records.push(record);
    }

    /// Requests in flight at the end of the last tick, per source.
    pub fn pending(&self) -> Vec<u64> {
        self.records
            .last()
            .map(|r| r.sources.iter().map(|s| s.pending).collect())
            .unwrap_or_else(|| vec![0; self.arrived.len()])
    }
}
