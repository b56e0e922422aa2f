//! A station: identical servers sharing one first-come-first-served line.
//!
//! A tick is long next to a request, so a station works out what happens
//! inside a tick instead of counting at its edges:
//! - with nothing waiting and arrivals below capacity, waits follow the
//!   M/M/c model (Erlang C): P(Wq > t) = C·e^(−(cμ−λ)t);
//! - with a backlog, or arrivals above capacity, the line is a fluid that
//!   drains at c servers' speed: a request waits for the work ahead of it;
//!   what does not fit in the line is dropped, what is not served by the end
//!   of the tick waits into the next one.
//!
//! Requests are counts, never one object each. Every fraction is rounded by
//! largest remainder so that every request of a group lands in exactly one
//! place: ok, late, dropped, still waiting, or still in service.

use std::collections::VecDeque;

use super::erlang::Mmc;
use super::latency::LatencyHistogram;

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
}

impl DropReason {
    /// Every reason, in report order.
    pub const ALL: [DropReason; 12] = [
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
        }
    }
}

/// Requests of one stream that arrived together.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// Index of the stream (a level source, or work a source's requests called for).
    pub stream: u16,
    /// Index of the workload in the level.
    pub workload: u16,
    /// How many requests.
    pub count: u64,
    /// When they arrived (mean), seconds since the start.
    pub arrived_s: f64,
    /// Times they were received from a queue and not finished (for redelivery).
    pub tries: u16,
}

/// Requests already in service that finish in a later tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    /// Index of the stream.
    pub stream: u16,
    /// Index of the workload.
    pub workload: u16,
    /// How many requests.
    pub count: u64,
    /// When they arrived, seconds since the start.
    pub arrived_s: f64,
    /// When they finish, seconds since the start.
    pub finish_s: f64,
    /// Whether each holds a server for whole ticks (work longer than a tick).
    pub long: bool,
    /// Times received from a queue before.
    pub tries: u16,
}

/// How one workload fares on this station's servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindTerms {
    /// Service time of one request on one server, seconds (infinite if it cannot run).
    pub service_s: f64,
    /// Late after this long since arrival, seconds.
    pub deadline_s: f64,
    /// Given up (dropped) if still waiting after this long, seconds.
    pub give_up_s: f64,
    /// Whether a caller waits for the answer (its time is latency, not completion time).
    pub waits: bool,
}

/// What a station can do this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// Requests that can be in service at once.
    pub slots: u32,
    /// Requests that can wait in line.
    pub hold: u64,
}

/// Outcome counts of one stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Finished within the deadline.
    pub ok: u64,
    /// Finished after the deadline.
    pub late: u64,
    /// Dropped, by reason.
    pub dropped: [u64; 12],
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

/// What one tick of service produced, for one station or many.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Outcomes by stream index.
    pub by_stream: Vec<Outcomes>,
    /// Finished requests in the order they finished: (stream, ok, late). The
    /// flow reads them to send the calls those requests make downstream.
    pub completions: Vec<(u16, u64, u64)>,
    /// Seconds of latency of finished requests by stream, not yet taken by a
    /// synchronous call (a caller's latency includes its call's).
    pub latency_sum: Vec<f64>,
    /// Latency of finished requests a caller waited for (ok or late).
    pub latency: LatencyHistogram,
    /// Completion time of finished work nobody waited for (queued and asynchronous).
    pub completion: LatencyHistogram,
    /// Sum of time spent waiting in line by served requests, seconds.
    pub wait_s: f64,
    /// Requests whose wait is in `wait_s`.
    pub waited: f64,
    /// Requests whose wait in line exceeded their deadline's slack (deadline − service).
    pub waited_past_slack: f64,
    /// Request-seconds spent in the system during the tick (∫ in-flight dt).
    pub sojourn_s: f64,
    /// Server-seconds of work done.
    pub busy_s: f64,
    /// Streams whose latency is not part of the score's distribution
    /// (synchronous calls: their callers' latency is what users see).
    pub quiet: std::sync::Arc<[bool]>,
}

impl Tally {
    /// An empty tally for `streams` streams.
    pub fn new(streams: usize) -> Self {
        Self {
            by_stream: vec![Outcomes::default(); streams],
            ..Self::default()
        }
    }

    /// Adds the latency of `count` finished requests of a stream.
    pub fn add_latency(&mut self, stream: u16, count: f64, latency_s: f64) {
        let i = usize::from(stream);
        if self.latency_sum.len() <= i {
            self.latency_sum.resize(i + 1, 0.0);
        }
        self.latency_sum[i] += count * latency_s;
    }

    /// Takes the latency summed so far for a stream.
    pub fn take_latency(&mut self, stream: u16) -> f64 {
        self.latency_sum
            .get_mut(usize::from(stream))
            .map_or(0.0, std::mem::take)
    }

    /// The distribution a finished request belongs to: latency if a caller
    /// waited for it, completion time if not.
    pub fn times(&mut self, waits: bool) -> &mut LatencyHistogram {
        if waits {
            &mut self.latency
        } else {
            &mut self.completion
        }
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
        self.outcome(stream).dropped[reason.index()] += count;
    }

    /// Counts finished requests (ok or late) and notes them for their calls downstream.
    pub fn finish(&mut self, stream: u16, count: u64, late: bool) {
        let o = self.outcome(stream);
        if late {
            o.late += count;
        } else {
            o.ok += count;
        }
        match self.completions.last_mut() {
            Some((s, ok, l)) if *s == stream => {
                if late {
                    *l += count
                } else {
                    *ok += count
                }
            }
            _ => self
                .completions
                .push((stream, u64::from(!late) * count, u64::from(late) * count)),
        }
    }
}

/// The line and the work in service at one station.
#[derive(Debug, Clone, Default)]
pub struct Station {
    waiting: VecDeque<Cohort>,
    running: Vec<Running>,
    waiting_by_kind: Vec<u64>,
}

/// Where part of a group ends up, before rounding to whole requests.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Ok,
    Late,
    Dropped(DropReason),
    Wait {
        arrived_s: f64,
    },
    Run {
        arrived_s: f64,
        finish_s: f64,
        long: bool,
    },
}

/// A stretch of the tick over which arrivals share admission and a linear wait.
#[derive(Debug, Clone)]
struct Segment {
    from: f64,
    to: f64,
    admit: f64,
    /// Wait in line at `from` and `to` (linear between), seconds.
    wait: (f64, f64),
    served: bool,
    /// M/M/c waits instead of a linear wait.
    mmc: Option<Mmc>,
}

impl Station {
    /// Requests waiting in line.
    pub fn waiting(&self) -> u64 {
        self.waiting_by_kind.iter().sum()
    }

    /// Requests in service that finish in a later tick.
    pub fn running(&self) -> u64 {
        self.running.iter().map(|r| r.count).sum()
    }

    /// Requests in flight: waiting plus in service.
    pub fn in_flight(&self) -> u64 {
        self.waiting() + self.running()
    }

    /// Requests in flight, waiting or in service, as
    /// (stream, workload, count, arrived_s).
    pub fn cohorts(&self) -> impl Iterator<Item = (u16, u16, u64, f64)> + '_ {
        let waiting = self
            .waiting
            .iter()
            .map(|c| (c.stream, c.workload, c.count, c.arrived_s));
        let running = self
            .running
            .iter()
            .map(|r| (r.stream, r.workload, r.count, r.arrived_s));
        waiting.chain(running)
    }

    /// Whether nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.running.is_empty()
    }

    fn push_waiting(&mut self, cohort: Cohort) {
        if cohort.count == 0 {
            return;
        }
        let k = usize::from(cohort.workload);
        if self.waiting_by_kind.len() <= k {
            self.waiting_by_kind.resize(k + 1, 0);
        }
        self.waiting_by_kind[k] += cohort.count;
        if let Some(last) = self.waiting.back_mut()
            && last.stream == cohort.stream
            && last.tries == cohort.tries
            && last.workload == cohort.workload
            && (cohort.arrived_s - last.arrived_s).abs() < 1.0
        {
            let total = last.count + cohort.count;
            last.arrived_s = (last.arrived_s * last.count as f64
                + cohort.arrived_s * cohort.count as f64)
                / total as f64;
            last.count = total;
            return;
        }
        self.waiting.push_back(cohort);
    }

    fn pop_waiting(&mut self) -> Option<Cohort> {
        let c = self.waiting.pop_front()?;
        self.waiting_by_kind[usize::from(c.workload)] -= c.count;
        Some(c)
    }

    /// Takes a share (0..=1) of everything in flight out of this station: the
    /// part an instance leaving the pool was holding. The share is rounded once
    /// over everything (largest remainder), so small groups are not all rounded away.
    pub fn split_off(&mut self, share: f64) -> Station {
        let share = share.clamp(0.0, 1.0);
        let waiting: Vec<Cohort> = std::mem::take(&mut self.waiting).into();
        self.waiting_by_kind.iter_mut().for_each(|n| *n = 0);
        let running = std::mem::take(&mut self.running);
        let counts: Vec<u64> = waiting
            .iter()
            .map(|c| c.count)
            .chain(running.iter().map(|r| r.count))
            .collect();
        let total: u64 = counts.iter().sum();
        let take = (total as f64 * share).round() as u64;
        let parts = take_parts(&counts, take);
        let mut taken = Station::default();
        let (wait_parts, run_parts) = parts.split_at(waiting.len());
        for (mut c, &part) in waiting.into_iter().zip(wait_parts) {
            if part > 0 {
                taken.push_waiting(Cohort {
                    count: part,
                    ..c.clone()
                });
            }
            c.count -= part;
            self.push_waiting(c);
        }
        for (mut r, &part) in running.into_iter().zip(run_parts) {
            if part > 0 {
                taken.running.push(Running {
                    count: part,
                    ..r.clone()
                });
            }
            r.count -= part;
            if r.count > 0 {
                self.running.push(r);
            }
        }
        taken
    }

    /// Adds requests to the back of the line as they are (a queue handing
    /// over messages: they keep their arrival time and receive count).
    pub fn enqueue(&mut self, cohort: Cohort) {
        self.push_waiting(cohort);
    }

    /// Empties the station into plain groups of requests (waiting and in service),
    /// for a queue to take back.
    pub fn take_all(&mut self) -> Vec<Cohort> {
        let mut out = Vec::new();
        while let Some(c) = self.pop_waiting() {
            out.push(c);
        }
        out.extend(self.running.drain(..).map(|r| Cohort {
            stream: r.stream,
            workload: r.workload,
            count: r.count,
            arrived_s: r.arrived_s,
            tries: r.tries,
        }));
        out
    }

    /// Drops everything in flight (the servers are gone).
    pub fn drop_all(&mut self, reason: DropReason, tally: &mut Tally) {
        while let Some(c) = self.pop_waiting() {
            tally.drop(c.stream, c.count, reason);
        }
        for r in self.running.drain(..) {
            tally.drop(r.stream, r.count, reason);
        }
    }

    /// Runs one tick `[now, now + tick_s)` with `arrivals` spread evenly over it.
    pub fn serve(
        &mut self,
        now: f64,
        tick_s: f64,
        terms: &[KindTerms],
        cap: Capacity,
        arrivals: &[Cohort],
        tally: &mut Tally,
    ) {
        let end = now + tick_s;
        let mut long_slots: u64 = 0;

        // Work already in service: finish what ends this tick, carry the rest.
        let mut still = Vec::with_capacity(self.running.len());
        for r in std::mem::take(&mut self.running) {
            if r.finish_s <= end {
                let latency = r.finish_s - r.arrived_s;
                let t = terms[usize::from(r.workload)];
                tally.finish(r.stream, r.count, latency > t.deadline_s + 1e-9);
                if tally.heard(r.stream) {
                    tally
                        .times(t.waits)
                        .add_point(latency * 1000.0, r.count as f64);
                }
                tally.add_latency(r.stream, r.count as f64, latency);
                tally.sojourn_s += r.count as f64 * (r.finish_s - now).max(0.0);
                if r.long {
                    tally.busy_s += r.count as f64 * (r.finish_s - now).max(0.0);
                }
            } else {
                tally.sojourn_s += r.count as f64 * tick_s;
                if r.long {
                    long_slots += r.count;
                    tally.busy_s += r.count as f64 * tick_s;
                }
                still.push(r);
            }
        }
        self.running = still;

        // Callers who gave up, and work no server here can do, leave the line.
        self.shed(now, terms, tally);

        let mut free = u64::from(cap.slots).saturating_sub(long_slots);
        let mut backlog_work = 0.0;
        let mut pending: VecDeque<Cohort> = VecDeque::new();
        while let Some(c) = self.pop_waiting() {
            let t = terms[usize::from(c.workload)];
            if t.service_s > tick_s {
                // Long work takes whole servers from the start of the tick.
                let start = c.count.min(free);
                free -= start;
                if start > 0 {
                    self.start_long(&c, start, now, tick_s, t, tally);
                }
                if c.count > start {
                    pending.push_back(Cohort {
                        count: c.count - start,
                        ..c
                    });
                }
            } else {
                backlog_work += c.count as f64 * t.service_s;
                pending.push_back(c);
            }
        }

        // The line drains at `rate` server-seconds per second.
        let rate = free as f64;
        let budget = rate * tick_s;
        let mut used = 0.0;
        for c in pending {
            let t = terms[usize::from(c.workload)];
            if t.service_s > tick_s || used >= budget {
                tally.sojourn_s += c.count as f64 * tick_s;
                self.push_waiting(c);
                continue;
            }
            let can = ((budget - used) / t.service_s).ceil();
            let served = (c.count as f64).min(can);
            // Messages a queue handed over mid-tick have not waited yet.
            let age = (now - c.arrived_s).max(0.0);
            let first = age + used / rate;
            let last = age + (used + (served - 1.0).max(0.0) * t.service_s) / rate;
            used += served * t.service_s;
            let seg = Segment {
                from: 0.0,
                to: 1.0,
                admit: 1.0,
                wait: (first, last),
                served: true,
                mmc: None,
            };
            let mut fates = Vec::with_capacity(4);
            push_served_fates(&mut fates, served, &seg, t);
            fates.push((
                c.count as f64 - served,
                Fate::Wait {
                    arrived_s: c.arrived_s,
                },
            ));
            record_stats(tally, c.stream, served, &seg, t, age);
            tally.sojourn_s += (c.count as f64 - served) * tick_s;
            self.settle(&c, &fates, tally);
        }
        tally.busy_s += used.min(budget);

        // Arrivals queue behind the whole backlog that was waiting when the tick began.
        self.arrive(now, tick_s, terms, cap, rate, backlog_work, arrivals, tally);
    }

    fn shed(&mut self, now: f64, terms: &[KindTerms], tally: &mut Tally) {
        let kept: Vec<Cohort> = self.waiting.drain(..).collect();
        self.waiting_by_kind.iter_mut().for_each(|n| *n = 0);
        for c in kept {
            let t = terms[usize::from(c.workload)];
            if !t.service_s.is_finite() {
                tally.drop(c.stream, c.count, DropReason::Incapable);
            } else if now - c.arrived_s >= t.give_up_s {
                tally.drop(c.stream, c.count, DropReason::GaveUp);
            } else {
                self.push_waiting(c);
            }
        }
    }

    fn start_long(
        &mut self,
        c: &Cohort,
        count: u64,
        now: f64,
        tick_s: f64,
        t: KindTerms,
        tally: &mut Tally,
    ) {
        let wait = now - c.arrived_s;
        let n = count as f64;
        tally.wait_s += wait * n;
        tally.waited += n;
        if wait > t.deadline_s - t.service_s {
            tally.waited_past_slack += n;
        }
        tally.busy_s += n * tick_s;
        tally.sojourn_s += n * tick_s;
        self.running.push(Running {
            stream: c.stream,
            workload: c.workload,
            count,
            arrived_s: c.arrived_s,
            finish_s: now + t.service_s,
            long: true,
            tries: c.tries,
        });
    }

    /// New arrivals, spread evenly over the tick, join behind `queued_work`.
    #[allow(clippy::too_many_arguments)]
    fn arrive(
        &mut self,
        now: f64,
        tick_s: f64,
        terms: &[KindTerms],
        cap: Capacity,
        rate: f64,
        queued_work: f64,
        arrivals: &[Cohort],
        tally: &mut Tally,
    ) {
        let total: u64 = arrivals.iter().map(|a| a.count).sum();
        if total == 0 {
            return;
        }
        let mut work = 0.0;
        let mut capable = 0u64;
        for a in arrivals {
            let s = terms[usize::from(a.workload)].service_s;
            if s.is_finite() {
                work += a.count as f64 * s.min(tick_s);
                capable += a.count;
            }
        }
        let mean_s = if capable > 0 {
            work / capable as f64
        } else {
            0.0
        };
        let lambda = capable as f64 / tick_s;
        let a = work / tick_s;
        // Callers who give up leave the line, so it never holds more than the
        // servers can clear before the most impatient caller's timeout.
        let patience = arrivals
            .iter()
            .map(|c| terms[usize::from(c.workload)].give_up_s)
            .fold(f64::INFINITY, f64::min);
        // (All the servers count: those busy with long work free up within the wait.)
        let hold_work = (cap.hold as f64 * mean_s).min(f64::from(cap.slots) * patience);
        let room = if mean_s > 0.0 {
            (hold_work / mean_s).floor() as u64
        } else {
            cap.hold
        };
        let segments = segments(
            tick_s,
            rate,
            a,
            lambda,
            mean_s,
            queued_work,
            hold_work,
            room,
        );

        for arrival in arrivals {
            let t = terms[usize::from(arrival.workload)];
            if arrival.count == 0 {
                continue;
            }
            if !t.service_s.is_finite() {
                tally.drop(arrival.stream, arrival.count, DropReason::Incapable);
                continue;
            }
            let n = arrival.count as f64;
            let mut fates = Vec::with_capacity(8);
            for seg in &segments {
                let here = n * (seg.to - seg.from) / tick_s;
                let admitted = here * seg.admit;
                fates.push((here - admitted, Fate::Dropped(DropReason::QueueFull)));
                let mid = now + (seg.from + seg.to) / 2.0;
                if t.service_s > tick_s {
                    // Long work never starts mid-tick: it waits for whole servers next tick.
                    fates.push((admitted, Fate::Wait { arrived_s: mid }));
                    tally.sojourn_s += admitted * (now + tick_s - mid);
                } else if seg.served {
                    let in_service = match &seg.mmc {
                        // Little's law per workload: those still in the system when the tick ends.
                        Some(q) => (arrival.count as f64 / tick_s
                            * (q.mean_wait_s() + t.service_s))
                            .min(admitted),
                        None => 0.0,
                    };
                    push_served_fates(&mut fates, admitted - in_service, seg, t);
                    if in_service > 0.0 {
                        let q = seg.mmc.as_ref().map_or(0.0, |q| q.mean_wait_s());
                        let stay = q + t.service_s;
                        let finish = now + tick_s + stay / 2.0;
                        fates.push((
                            in_service,
                            Fate::Run {
                                arrived_s: finish - stay,
                                finish_s: finish,
                                long: false,
                            },
                        ));
                        tally.sojourn_s += in_service * stay / 2.0;
                    }
                    record_stats(tally, arrival.stream, admitted - in_service, seg, t, 0.0);
                    tally.busy_s += admitted * t.service_s;
                } else {
                    fates.push((admitted, Fate::Wait { arrived_s: mid }));
                    tally.sojourn_s += admitted * (now + tick_s - mid);
                }
            }
            self.settle(arrival, &fates, tally);
        }
    }

    /// Rounds a group's fates to whole requests (largest remainder) and applies them.
    fn settle(&mut self, group: &Cohort, fates: &[(f64, Fate)], tally: &mut Tally) {
        let counts = round_shares(group.count, fates.iter().map(|(x, _)| *x));
        for ((_, fate), n) in fates.iter().zip(counts) {
            if n == 0 {
                continue;
            }
            match *fate {
                Fate::Ok => tally.finish(group.stream, n, false),
                Fate::Late => tally.finish(group.stream, n, true),
                Fate::Dropped(reason) => tally.drop(group.stream, n, reason),
                Fate::Wait { arrived_s } => self.push_waiting(Cohort {
                    count: n,
                    arrived_s,
                    ..group.clone()
                }),
                Fate::Run {
                    arrived_s,
                    finish_s,
                    long,
                } => self.running.push(Running {
                    stream: group.stream,
                    workload: group.workload,
                    count: n,
                    arrived_s,
                    finish_s,
                    long,
                    tries: group.tries,
                }),
            }
        }
    }
}

/// Splits the tick into stretches where arrivals see the same kind of line.
#[allow(clippy::too_many_arguments)]
fn segments(
    tick_s: f64,
    rate: f64,
    a: f64,
    lambda: f64,
    mean_s: f64,
    queued: f64,
    hold: f64,
    room: u64,
) -> Vec<Segment> {
    let mut out = Vec::with_capacity(3);
    let wait_at = |q: f64| if rate > 0.0 { q / rate } else { f64::INFINITY };
    let push = |out: &mut Vec<Segment>,
                from: f64,
                to: f64,
                admit: f64,
                w0: f64,
                w1: f64,
                mmc: Option<Mmc>| {
        let served_all = mmc.is_some();
        if to - from <= 1e-12 {
            return;
        }
        // Cut the stretch where its arrivals stop getting served this tick.
        let end_served = if served_all {
            to
        } else {
            served_until(from, to, w0, w1, tick_s)
        };
        if end_served > from {
            let w_end = lerp(w0, w1, from, to, end_served);
            out.push(Segment {
                from,
                to: end_served,
                admit,
                wait: (w0, w_end),
                served: true,
                mmc,
            });
            if served_all {
                return;
            }
        }
        if end_served < to {
            let w_start = lerp(w0, w1, from, to, end_served.max(from));
            out.push(Segment {
                from: end_served.max(from),
                to,
                admit,
                wait: (w_start, w1),
                served: false,
                mmc: None,
            });
        }
    };
    if a < rate {
        let empty_at = queued / (rate - a);
        let first_end = empty_at.min(tick_s);
        let q_end = queued - (rate - a) * first_end;
        push(
            &mut out,
            0.0,
            first_end,
            1.0,
            wait_at(queued),
            wait_at(q_end),
            None,
        );
        if empty_at < tick_s {
            let servers = rate.floor() as u32;
            let mmc = if mean_s > 0.0 {
                Mmc::with_room(servers, lambda, 1.0 / mean_s, room).map(|q| q.within(tick_s))
            } else {
                None
            };
            let admit = mmc.as_ref().map_or(1.0, |q| 1.0 - q.blocked);
            push(&mut out, empty_at, tick_s, admit, 0.0, 0.0, mmc);
        }
    } else {
        let growth = a - rate;
        let full_at = if queued >= hold {
            0.0
        } else if growth > 0.0 {
            (hold - queued) / growth
        } else {
            f64::INFINITY
        };
        let first_end = full_at.min(tick_s);
        push(
            &mut out,
            0.0,
            first_end,
            1.0,
            wait_at(queued),
            wait_at(queued + growth * first_end),
            None,
        );
        if full_at < tick_s {
            let admit = if a > 0.0 { rate / a } else { 0.0 };
            let line = queued.max(hold);
            push(
                &mut out,
                full_at,
                tick_s,
                admit,
                wait_at(line),
                wait_at(line),
                None,
            );
        }
    }
    out
}

fn lerp(w0: f64, w1: f64, from: f64, to: f64, at: f64) -> f64 {
    if to - from <= 0.0 || !w0.is_finite() || !w1.is_finite() {
        return w0;
    }
    w0 + (w1 - w0) * (at - from) / (to - from)
}

/// The time within `[from, to)` up to which arrivals start service before the tick ends.
fn served_until(from: f64, to: f64, w0: f64, w1: f64, tick_s: f64) -> f64 {
    if !w0.is_finite() {
        return from;
    }
    let start = |t: f64| t + lerp(w0, w1, from, to, t);
    if start(from) >= tick_s {
        return from;
    }
    if start(to) <= tick_s {
        return to;
    }
    // start(t) is linear in t: solve start(t) = tick_s.
    let slope = (start(to) - start(from)) / (to - from);
    (from + (tick_s - start(from)) / slope).clamp(from, to)
}

/// Fraction of a value spread evenly over `[lo, hi]` that is at most `x`.
fn share_at_most(lo: f64, hi: f64, x: f64) -> f64 {
    if hi - lo <= 1e-12 {
        return if lo <= x { 1.0 } else { 0.0 };
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

fn push_served_fates(fates: &mut Vec<(f64, Fate)>, n: f64, seg: &Segment, t: KindTerms) {
    let slack = t.deadline_s - t.service_s;
    let (ok, gave_up) = match &seg.mmc {
        Some(q) => (1.0 - q.p_wait_over(slack), q.p_wait_over(t.give_up_s)),
        None => {
            let (lo, hi) = seg.wait;
            (
                share_at_most(lo, hi, slack),
                1.0 - share_at_most(lo, hi, t.give_up_s),
            )
        }
    };
    let gave_up = gave_up.min(1.0 - ok);
    fates.push((n * ok, Fate::Ok));
    fates.push((n * (1.0 - ok - gave_up), Fate::Late));
    fates.push((n * gave_up, Fate::Dropped(DropReason::GaveUp)));
}

/// Adds served requests to the wait, latency and time-in-system sums;
/// `counted_s` is the time each already spent in the system in earlier ticks.
fn record_stats(
    tally: &mut Tally,
    stream: u16,
    n: f64,
    seg: &Segment,
    t: KindTerms,
    counted_s: f64,
) {
    if n <= 0.0 {
        return;
    }
    let heard = tally.heard(stream);
    let slack = t.deadline_s - t.service_s;
    match &seg.mmc {
        Some(q) => {
            let finished = n * (1.0 - q.p_wait_over(t.give_up_s));
            if heard {
                tally.times(t.waits).add_mmc(
                    t.service_s * 1000.0,
                    q.p_wait,
                    q.theta / 1000.0,
                    finished,
                );
            }
            tally.add_latency(stream, finished, q.mean_wait_s() + t.service_s);
            tally.wait_s += n * q.mean_wait_s();
            tally.waited += n;
            tally.waited_past_slack += n * q.p_wait_over(slack);
            tally.sojourn_s += n * (q.mean_wait_s() + t.service_s);
        }
        None => {
            let (lo, hi) = seg.wait;
            let finished_share = share_at_most(lo, hi, t.give_up_s);
            let top = if hi > t.give_up_s {
                t.give_up_s.max(lo)
            } else {
                hi
            };
            if heard {
                tally.times(t.waits).add_uniform(
                    (lo + t.service_s) * 1000.0,
                    (top + t.service_s) * 1000.0,
                    n * finished_share,
                );
            }
            tally.add_latency(stream, n * finished_share, (lo + top) / 2.0 + t.service_s);
            tally.wait_s += n * (lo + hi) / 2.0;
            tally.waited += n;
            tally.waited_past_slack += n * (1.0 - share_at_most(lo, hi, slack));
            tally.sojourn_s += n * ((lo + hi) / 2.0 + t.service_s - counted_s);
        }
    }
}

/// Picks `take` items out of groups of `counts`, in proportion to their sizes
/// (largest remainder; never more than a group holds).
fn take_parts(counts: &[u64], take: u64) -> Vec<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 || take == 0 {
        return vec![0; counts.len()];
    }
    let parts = round_shares(take.min(total), counts.iter().map(|&c| c as f64));
    parts
        .into_iter()
        .zip(counts)
        .map(|(p, &c)| p.min(c))
        .collect()
}

/// Splits `total` whole items in proportion to `shares` by largest remainder.
pub fn round_shares(total: u64, shares: impl Iterator<Item = f64>) -> Vec<u64> {
    // Runs several times a tick: one buffer for the scaled shares and the
    // result, no sort (the few leftover items go by repeated pick).
    let mut scaled: Vec<f64> = shares
        .map(|s| if s.is_finite() { s.max(0.0) } else { 0.0 })
        .collect();
    let sum: f64 = scaled.iter().sum();
    if scaled.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 {
        // Nothing was assigned anywhere: keep them in the last fate (the line).
        let mut out = vec![0; scaled.len()];
        if let Some(last) = out.last_mut() {
            *last = total;
        }
        return out;
    }
    for x in &mut scaled {
        *x = *x / sum * total as f64;
    }
    let mut out: Vec<u64> = scaled.iter().map(|x| x.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>().min(total);
    // Each leftover item goes to the largest remainder not yet given one;
    // ties go to the earlier fate.
    let remainder = |i: usize| scaled[i] - scaled[i].floor();
    if scaled.len() <= 64 {
        let mut given = 0u64;
        while left > 0 {
            let best = (0..scaled.len())
                .filter(|&i| given & (1 << i) == 0)
                .reduce(|b, i| {
                    if remainder(i).total_cmp(&remainder(b)).is_gt() {
                        i
                    } else {
                        b
                    }
                });
            let Some(i) = best else { break };
            out[i] += 1;
            left -= 1;
            given |= 1 << i;
        }
    } else {
        let mut order: Vec<usize> = (0..scaled.len()).collect();
        order.sort_by(|&i, &j| remainder(j).total_cmp(&remainder(i)).then(i.cmp(&j)));
        for i in order
            .into_iter()
            .take(usize::try_from(left).unwrap_or(usize::MAX))
        {
            out[i] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(service_s: f64, deadline_s: f64) -> Vec<KindTerms> {
        vec![KindTerms {
            service_s,
            deadline_s,
            give_up_s: 30.0,
            waits: true,
        }]
    }

    fn arrivals(count: u64) -> Vec<Cohort> {
        vec![Cohort {
            stream: 0,
            workload: 0,
            count,
            arrived_s: 0.0,
            tries: 0,
        }]
    }

    /// Serves `per_tick` arrivals a tick for ticks `from..to`, adding to `tally`.
    fn run(
        st: &mut Station,
        ticks: std::ops::Range<u32>,
        terms: &[KindTerms],
        cap: Capacity,
        per_tick: u64,
        tally: &mut Tally,
    ) {
        for tick in ticks {
            let arriving = if per_tick > 0 {
                arrivals(per_tick)
            } else {
                Vec::new()
            };
            st.serve(f64::from(tick), 1.0, terms, cap, &arriving, tally);
        }
    }

    #[test]
    fn largest_remainder_keeps_every_item() {
        let parts = round_shares(10, [3.3, 3.3, 3.4].into_iter());
        assert_eq!(parts.iter().sum::<u64>(), 10);
        assert_eq!(parts, vec![3, 3, 4]);
        assert_eq!(round_shares(7, [0.0, 0.0].into_iter()), vec![0, 7]);
    }

    #[test]
    fn light_load_is_all_ok() {
        let mut st = Station::default();
        let mut tally = Tally::new(1);
        let cap = Capacity {
            slots: 10,
            hold: 100,
        };
        run(&mut st, 0..100, &terms(0.1, 1.0), cap, 50, &mut tally);
        let o = tally.by_stream[0];
        assert_eq!(o.late + o.dropped_total(), 0);
        assert_eq!(o.ok + st.in_flight(), 5000);
    }

    #[test]
    fn overload_without_room_drops_exactly_the_excess() {
        let mut st = Station::default();
        let mut tally = Tally::new(1);
        // 10 servers at 0.1 s serve 100 per second; 150 arrive; nowhere to wait.
        let cap = Capacity { slots: 10, hold: 0 };
        run(&mut st, 0..10, &terms(0.1, 5.0), cap, 150, &mut tally);
        let o = tally.by_stream[0];
        assert_eq!(o.dropped[DropReason::QueueFull.index()], 500);
        assert_eq!(o.ok + o.late, 1000);
    }

    #[test]
    fn backlog_drains_after_a_burst() {
        let mut st = Station::default();
        let mut tally = Tally::new(1);
        let cap = Capacity {
            slots: 10,
            hold: 10_000,
        };
        st.serve(0.0, 1.0, &terms(0.1, 60.0), cap, &arrivals(400), &mut tally);
        assert!(st.waiting() >= 290, "{}", st.waiting());
        run(&mut st, 1..10, &terms(0.1, 60.0), cap, 0, &mut tally);
        assert_eq!(st.in_flight(), 0);
        assert_eq!(tally.by_stream[0].ok, 400);
    }

    #[test]
    fn long_work_holds_servers_across_ticks() {
        let mut st = Station::default();
        let mut tally = Tally::new(1);
        let cap = Capacity { slots: 2, hold: 10 };
        st.serve(0.0, 1.0, &terms(5.0, 60.0), cap, &arrivals(3), &mut tally);
        // Long work waits for the next tick's start, then two servers take two jobs.
        assert_eq!(st.waiting(), 3);
        st.serve(1.0, 1.0, &terms(5.0, 60.0), cap, &[], &mut tally);
        assert_eq!((st.running(), st.waiting()), (2, 1));
        run(&mut st, 2..20, &terms(5.0, 60.0), cap, 0, &mut tally);
        assert_eq!(tally.by_stream[0].ok, 3);
    }
}
