//! Metrics: one record per tick, and run totals.

use super::latency::LatencyHistogram;
use super::station::{Outcomes, Tally};
use super::world::Setup;

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

/// What one tick looked like.
#[derive(Debug, Clone, PartialEq)]
pub struct TickRecord {
    /// Tick number.
    pub tick: u64,
    /// Start of the tick, seconds.
    pub time_s: f64,
    /// Per stream: the level's sources in order, then the calls they make.
    pub streams: Vec<StreamTick>,
    /// Messages waiting in queues at the end of the tick.
    pub queued: u64,
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
    /// One record per tick.
    pub records: Vec<TickRecord>,
    /// Arrivals per stream.
    pub arrived: Vec<u64>,
    /// Outcomes per stream.
    pub outcomes: Vec<Outcomes>,
    /// Latency of finished requests a caller waited for.
    pub latency: LatencyHistogram,
    /// Completion time of finished work nobody waited for.
    pub completion: LatencyHistogram,
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
        let n = setup.streams.len();
        Self {
            records: Vec::with_capacity(setup.ticks.min(1_000_000) as usize),
            arrived: vec![0; n],
            outcomes: vec![Outcomes::default(); n],
            latency: LatencyHistogram::default(),
            completion: LatencyHistogram::default(),
            wait_s: 0.0,
            waited: 0.0,
            waited_past_slack: 0.0,
            sojourn_s: 0.0,
        }
    }

    /// Adds a tick.
    pub fn push(&mut self, record: TickRecord, tally: &Tally) {
        for (i, s) in record.streams.iter().enumerate() {
            self.arrived[i] += s.arrived;
        }
        for (total, o) in self.outcomes.iter_mut().zip(&tally.by_stream) {
            total.add(o);
        }
        self.latency.merge(&tally.latency);
        self.completion.merge(&tally.completion);
        self.wait_s += tally.wait_s;
        self.waited += tally.waited;
        self.waited_past_slack += tally.waited_past_slack;
        self.sojourn_s += tally.sojourn_s;
        self.records.push(record);
    }

    /// Requests in flight at the end of the last tick, per stream.
    pub fn pending(&self) -> Vec<u64> {
        self.records
            .last()
            .map(|r| r.streams.iter().map(|s| s.pending).collect())
            .unwrap_or_else(|| vec![0; self.arrived.len()])
    }
}
