//! What a tick produced: outcomes per stream, finished work for the calls it
//! makes, and the run's latency and wait distributions.

use std::sync::Arc;

use crate::sim::latency::LatencyStore;

/// Why requests were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropReason {
    /// The line was full (no room to hold them).
    QueueFull,
    /// The caller gave up waiting (sync timeout).
    GaveUp,
    /// No server can do this kind of work (e.g. no GPU).
    Incapable,
    /// Nothing was there to take them (no healthy target, no link).
    NoTarget,
    /// The server holding them stopped before they finished.
    Killed,
    /// Sent to a failed server before health checks noticed.
    ServerFailed,
    /// A synchronous call to the next tier failed, so the caller failed too.
    DownstreamFailed,
    /// Kept in a queue longer than its retention period.
    Expired,
    /// Received too many times without success: moved to the dead-letter queue.
    DeadLetter,
    /// Over the concurrency limit (throttled).
    Throttled,
    /// An HTTP/S endpoint did not answer through every retry of a topic delivery.
    DeliveryFailed,
    /// Stopped at the function's timeout (Lambda runs at most 15 minutes).
    TimedOut,
    /// Never brought to a thing the level says must receive it (a subscriber
    /// left without a link, a service nothing sends its copy to).
    Undelivered,
}

impl DropReason {
    /// Every reason, in report order.
    pub const ALL: [DropReason; 13] = [
        DropReason::QueueFull,
        DropReason::GaveUp,
        DropReason::Incapable,
        DropReason::NoTarget,
        DropReason::Killed,
        DropReason::ServerFailed,
        DropReason::DownstreamFailed,
        DropReason::Expired,
        DropReason::DeadLetter,
        DropReason::Throttled,
        DropReason::DeliveryFailed,
        DropReason::TimedOut,
        DropReason::Undelivered,
    ];

    /// Index into per-reason arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable key for JSON.
    pub fn key(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::GaveUp => "gave_up",
            DropReason::Incapable => "incapable",
            DropReason::NoTarget => "no_target",
            DropReason::Killed => "killed",
            DropReason::ServerFailed => "server_failed",
            DropReason::DownstreamFailed => "downstream_failed",
            DropReason::Expired => "expired",
            DropReason::DeadLetter => "dead_letter",
            DropReason::Throttled => "throttled",
            DropReason::DeliveryFailed => "delivery_failed",
            DropReason::TimedOut => "timed_out",
            DropReason::Undelivered => "undelivered",
        }
    }

    /// Short English label for reports.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue full",
            DropReason::GaveUp => "caller gave up",
            DropReason::Incapable => "no server can do the work",
            DropReason::NoTarget => "no healthy target",
            DropReason::Killed => "lost with a stopped server",
            DropReason::ServerFailed => "sent to a failed server",
            DropReason::DownstreamFailed => "the next tier failed",
            DropReason::Expired => "expired in a queue",
            DropReason::DeadLetter => "moved to the dead-letter queue",
            DropReason::Throttled => "throttled",
            DropReason::DeliveryFailed => "topic delivery failed after retries",
            DropReason::TimedOut => "stopped at the function timeout",
            DropReason::Undelivered => "never delivered to a thing that must receive it",
        }
    }
}

/// Outcome counts of one stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Finished within the deadline.
    pub ok: u64,
    /// Finished after the deadline.
    pub late: u64,
    /// Dropped, by reason.
    pub dropped: [u64; DropReason::ALL.len()],
}

impl Outcomes {
    /// All drops together.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    /// Adds another tally.
    pub fn add(&mut self, other: &Outcomes) {
        self.ok += other.ok;
        self.late += other.late;
        for (a, b) in self.dropped.iter_mut().zip(other.dropped) {
            *a += b;
        }
    }
}

/// Requests of one stream that finished in a tick (ok or late), whose calls
/// go downstream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    /// Stream index.
    pub stream: u16,
    /// Finished in time.
    pub ok: u64,
    /// Finished late.
    pub late: u64,
    /// Their expected number (without the draws' noise), which sets the
    /// intensity of the calls they make.
    pub expected: f64,
}

/// The run's latency and wait distributions: of requests a caller waited
/// for, and of work nobody waited for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Times {
    /// Finished requests a caller waited for.
    pub latency: LatencyStore,
    /// Finished work nobody waited for (queued and asynchronous).
    pub completion: LatencyStore,
}

impl Times {
    /// The distribution a finished request belongs to.
    pub fn of(&mut self, caller_waits: bool) -> &mut LatencyStore {
        if caller_waits {
            &mut self.latency
        } else {
            &mut self.completion
        }
    }

    /// Spreads every wait the stores still hold by departure rate over their buckets.
    pub fn settle(&mut self) {
        self.latency.settle();
        self.completion.settle();
    }
}

/// What the current tick produced, plus the run's distributions. One tally
/// lives for the whole run and is cleared at the start of each tick, so the
/// tick allocates nothing once its vectors have grown.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Outcomes by stream index.
    pub by_stream: Vec<Outcomes>,
    /// Finished requests in the order they finished: the flow reads them to
    /// send the calls those requests make downstream.
    pub completions: Vec<Completion>,
    /// Seconds of latency of finished requests by stream, not yet taken by a
    /// synchronous call (a caller's latency includes its call's).
    pub latency_sum: Vec<f64>,
    /// Seconds waited in line by those finished requests, by stream.
    pub wait_sum: Vec<f64>,
    /// Request-seconds spent in the system during the tick (∫ in-flight dt).
    pub sojourn_s: f64,
    /// Server-seconds of work done.
    pub busy_s: f64,
    /// Streams whose latency is not part of the score's distribution
    /// (synchronous calls: their callers' latency is what users see).
    pub quiet: Arc<[bool]>,
    /// The run's latency and wait distributions (kept across ticks).
    pub times: Times,
}

impl Tally {
    /// An empty tally for `streams` streams.
    pub fn new(streams: usize) -> Self {
        Self {
            by_stream: vec![Outcomes::default(); streams],
            latency_sum: vec![0.0; streams],
            wait_sum: vec![0.0; streams],
            ..Self::default()
        }
    }

    /// Clears this tick's figures (not the run's distributions).
    pub fn begin_tick(&mut self) {
        self.by_stream
            .iter_mut()
            .for_each(|o| *o = Outcomes::default());
        self.completions.clear();
        self.latency_sum.iter_mut().for_each(|x| *x = 0.0);
        self.wait_sum.iter_mut().for_each(|x| *x = 0.0);
        self.sojourn_s = 0.0;
        self.busy_s = 0.0;
    }

    /// Adds the latency and wait of `count` finished requests of a stream.
    pub fn add_latency(&mut self, stream: u16, count: f64, latency_s: f64, wait_s: f64) {
        let i = usize::from(stream);
        if self.latency_sum.len() <= i {
            self.latency_sum.resize(i + 1, 0.0);
            self.wait_sum.resize(i + 1, 0.0);
        }
        self.latency_sum[i] += count * latency_s;
        self.wait_sum[i] += count * wait_s;
    }

    /// Takes the latency and wait summed so far for a stream.
    pub fn take_latency(&mut self, stream: u16) -> (f64, f64) {
        let i = usize::from(stream);
        let l = self.latency_sum.get_mut(i).map_or(0.0, std::mem::take);
        let w = self.wait_sum.get_mut(i).map_or(0.0, std::mem::take);
        (l, w)
    }

    /// Whether a stream's latency goes into the distribution.
    pub fn heard(&self, stream: u16) -> bool {
        !self
            .quiet
            .get(usize::from(stream))
            .copied()
            .unwrap_or(false)
    }

    /// The outcomes of one stream so far this tick.
    pub fn outcome(&mut self, stream: u16) -> &mut Outcomes {
        let i = usize::from(stream);
        if self.by_stream.len() <= i {
            self.by_stream.resize(i + 1, Outcomes::default());
        }
        &mut self.by_stream[i]
    }

    /// Counts requests dropped for `reason`.
    pub fn drop(&mut self, stream: u16, count: u64, reason: DropReason) {
        if count > 0 {
            self.outcome(stream).dropped[reason.index()] += count;
        }
    }

    /// Counts finished requests (ok or late) and notes them for their calls downstream.
    pub fn finish(&mut self, stream: u16, count: u64, late: bool, expected: f64) {
        if count == 0 && expected <= 0.0 {
            return;
        }
        let o = self.outcome(stream);
        if late {
            o.late += count;
        } else {
            o.ok += count;
        }
        let (ok, l) = if late { (0, count) } else { (count, 0) };
        match self.completions.last_mut() {
            Some(c) if c.stream == stream => {
                c.ok += ok;
                c.late += l;
                c.expected += expected;
            }
            _ => self.completions.push(Completion {
                stream,
                ok,
                late: l,
                expected,
            }),
        }
    }
}
