//! A station: a fleet's servers and the requests they hold.
//!
//! Requests are counts, never one object each. Each tick a station:
//! 1. finishes the requests whose service ends in the tick;
//! 2. works out its line's state for the tick ([`Line`]): steady, settling,
//!    or in overload, at the intensity its traffic has;
//! 3. decides the fate of this tick's arrivals from what the line looks like
//!    to them — turned away, left before service, on time, or late — and when
//!    each will finish; in overload, they join the backlog instead, and are
//!    decided when the servers reach them ([`backlog`]).
//!
//! Every fraction is rounded with the remainders of earlier ticks carried in
//! ([`shares::round_carried`]), so every request lands in exactly one place
//! (ok, late, dropped, waiting, or in service) and long-run counts match the
//! model's expectations.

pub mod backlog;
mod overload;
mod pulled;
pub mod shares;
pub mod tally;

use std::collections::VecDeque;

use super::latency::Service;
use super::queueing::line::{Ask, Fates, Line, LineParams, Seen};
pub use shares::{round_carried, round_carried_into, round_shares, round_shares_of, take_parts};
pub use tally::{Completion, DropReason, Outcomes, Tally, Times};

use backlog::{Group, Part};
use overload::Spare;
use pulled::Pool;

/// Requests of one stream handed to a thing together.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// Index of the stream (a level source, or work a source's requests called for).
    pub stream: u16,
    /// Index of the workload in the level.
    pub workload: u16,
    /// How many requests.
    pub count: u64,
    /// How many were expected: the intensity behind the count, without the
    /// noise of the Poisson draw (a line sees the intensity, not the draw).
    pub expected: f64,
    /// When they arrived (mean), seconds since the start.
    pub arrived_s: f64,
    /// Times they were received from a queue and not finished (for redelivery).
    pub tries: u16,
}

impl Cohort {
    /// The same requests with another count and expectation.
    pub fn with(&self, count: u64, expected: f64) -> Cohort {
        Cohort {
            count,
            expected,
            ..self.clone()
        }
    }
}

/// How a finished group ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// On time.
    Ok,
    /// Late.
    Late,
    /// Dropped for this reason.
    Dropped(DropReason),
}

/// Requests whose fate is decided, waiting for the time it comes.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    /// Index of the stream.
    pub stream: u16,
    /// Index of the workload.
    pub workload: u16,
    /// How many requests.
    pub count: u64,
    /// Their expected number.
    pub expected: f64,
    /// When they arrived (mean), seconds since the start.
    pub arrived_s: f64,
    /// When their service starts (for those served), seconds since the start.
    pub start_s: f64,
    /// When they finish (or leave), seconds since the start.
    pub finish_s: f64,
    /// How they end.
    pub fate: Fate,
    /// Their mean latency, seconds.
    pub latency_s: f64,
    /// Their mean wait in line, seconds.
    pub wait_s: f64,
    /// Times received from a queue before.
    pub tries: u16,
    /// Start of the tick in which the fate was decided.
    pub decided_s: f64,
}

/// How one workload fares on this station's servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindTerms {
    /// Mean service time of one request on one server, seconds (infinite if it cannot run).
    pub service_s: f64,
    /// Late after this long since arrival, seconds.
    pub deadline_s: f64,
    /// Given up (dropped) if still waiting after this long, seconds.
    pub give_up_s: f64,
    /// Whether a caller waits for the answer (its time is latency, not completion time).
    pub waits: bool,
    /// Whether every request takes exactly `service_s` (else exponential).
    pub fixed: bool,
}

/// How a fleet's servers share lines: what the load balancer in front does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sharing {
    /// Each server has its own line, and arrivals are spread evenly over
    /// them (round robin): independent queues.
    PerServer,
    /// One line for all the fleet's servers (work pulled from a queue, or
    /// handed to whichever is free).
    Pooled,
    /// One line across a load balancer's targets (least outstanding requests
    /// joins the shortest queue, which is close to one pool): `slots` servers
    /// in the pool, of which this fleet takes `share` of the arrivals.
    Shared {
        /// Servers in the whole pool.
        slots: u32,
        /// This fleet's share of the pool's arrivals.
        share: f64,
    },
}

/// What a station can do this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// Servers working.
    pub servers: u32,
    /// Requests one server serves at once.
    pub slots_per_server: u32,
    /// Requests one server can hold waiting.
    pub hold_per_server: u64,
    /// How the servers share lines.
    pub sharing: Sharing,
}

impl Capacity {
    /// Requests in service at once, all servers together.
    pub fn slots(&self) -> u32 {
        self.servers.saturating_mul(self.slots_per_server)
    }

    /// Requests that can wait, all servers together.
    pub fn hold(&self) -> u64 {
        u64::from(self.servers).saturating_mul(self.hold_per_server)
    }

    /// The line arrivals meet, at `lambda` arrivals per second into the fleet,
    /// and how many such lines the fleet's servers make (a fraction for a
    /// share of a pool).
    fn line(&self, lambda: f64, mu: f64, wait_scale: f64) -> (LineParams, f64) {
        let slots = self.slots();
        match self.sharing {
            Sharing::PerServer if self.servers > 0 => (
                LineParams {
                    servers: self.slots_per_server,
                    lambda: lambda / f64::from(self.servers),
                    mu,
                    room: self.hold_per_server,
                    wait_scale,
                },
                f64::from(self.servers),
            ),
            Sharing::Shared { slots: pool, share } if share > 0.0 && pool >= slots && slots > 0 => {
                (
                    LineParams {
                        servers: pool,
                        lambda: lambda / share,
                        mu,
                        room: (self.hold() as f64 * f64::from(pool) / f64::from(slots)) as u64,
                        wait_scale,
                    },
                    f64::from(slots) / f64::from(pool),
                )
            }
            _ => (
                LineParams {
                    servers: slots,
                    lambda,
                    mu,
                    room: self.hold(),
                    wait_scale,
                },
                1.0,
            ),
        }
    }
}

/// The requests at one station and the state of its line.
#[derive(Debug, Clone, Default)]
pub struct Station {
    /// Requests whose fate is decided, until it comes, in the order they end.
    calendar: VecDeque<Running>,
    /// Requests on the calendar that will be served (ok or late), counted.
    held: u64,
    /// Overload: requests waiting in arrival order.
    backlog: VecDeque<Group>,
    /// Messages a queue handed over this tick.
    handed: Vec<Cohort>,
    line: Line,
    /// Rounding remainders by stream: blocked, gave up, ok, late.
    carry: Vec<[f64; 4]>,
    /// Rounding remainders by stream for the backlog: gave up, ok, late.
    carry_backlog: Vec<[f64; 3]>,
    /// Rounding remainders by stream for messages started at once: ok, late.
    carry_started: Vec<[f64; 2]>,
    /// Service rate of one server for the line's mix, per second.
    mu: f64,
    /// How the line's waits compare with exponential service's.
    wait_scale: f64,
    /// Lines the servers made in the last tick.
    lines: f64,
    /// Server-seconds of service given in the current tick.
    busy_tick: f64,
    /// Buffers for working off the backlog, kept so a tick allocates nothing.
    spare: Spare,
}

impl Station {
    /// Requests waiting in line (the backlog, and the line's expected queue).
    pub fn waiting(&self) -> u64 {
        let backlog: u64 = self.backlog.iter().map(Group::count).sum();
        backlog + shares::nearest(self.line.mean_waiting() * self.lines)
    }

    /// Requests waiting in the backlog of an overloaded line.
    pub fn backlog(&self) -> u64 {
        self.backlog.iter().map(Group::count).sum()
    }

    /// Requests whose fate is decided and not yet come (in service, mostly).
    pub fn running(&self) -> u64 {
        self.held
    }

    /// Requests held: in the backlog or decided and not yet finished.
    pub fn in_flight(&self) -> u64 {
        self.calendar.iter().map(|r| r.count).sum::<u64>()
            + self.backlog.iter().map(Group::count).sum::<u64>()
    }

    /// The line's state.
    pub fn line(&self) -> &Line {
        &self.line
    }

    /// Requests in flight as (stream, workload, count, arrived_s).
    pub fn cohorts(&self) -> impl Iterator<Item = (u16, u16, u64, f64)> + '_ {
        let decided = self
            .calendar
            .iter()
            .map(|r| (r.stream, r.workload, r.count, r.arrived_s));
        let waiting = self.backlog.iter().flat_map(|g| {
            g.parts
                .iter()
                .map(move |p| (p.stream, p.workload, p.count, (p.from_s + g.to_s) / 2.0))
        });
        decided.chain(waiting)
    }

    /// Whether nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.calendar.is_empty() && self.backlog.iter().all(|g| g.count() == 0)
    }

    /// Takes a share (0..=1) of everything in flight out of this station: the
    /// part a server leaving the pool was holding. The share is rounded once
    /// over everything (largest remainder), so small groups are not all rounded away.
    pub fn split_off(&mut self, share: f64) -> Station {
        let share = share.clamp(0.0, 1.0);
        let mut counts: Vec<u64> = self.calendar.iter().map(|r| r.count).collect();
        for g in &self.backlog {
            counts.extend(g.parts.iter().map(|p| p.count));
        }
        let total: u64 = counts.iter().sum();
        let parts = take_parts(&counts, (total as f64 * share).round() as u64);
        let mut taken = Station {
            mu: self.mu,
            ..Station::default()
        };
        let mut it = parts.into_iter();
        for r in &mut self.calendar {
            let n = it.next().unwrap_or(0);
            if n > 0 {
                let e = r.expected * n as f64 / r.count.max(1) as f64;
                taken.calendar.push_back(Running {
                    count: n,
                    expected: e,
                    ..r.clone()
                });
                if matches!(r.fate, Fate::Ok | Fate::Late) {
                    taken.held += n;
                    self.held -= n;
                }
                r.count -= n;
                r.expected -= e;
            }
        }
        self.calendar.retain(|r| r.count > 0);
        for g in &mut self.backlog {
            let mut out = Group {
                to_s: g.to_s,
                parts: Vec::new(),
            };
            for p in &mut g.parts {
                let n = it.next().unwrap_or(0);
                if n > 0 {
                    let e = p.expected * n as f64 / p.count.max(1) as f64;
                    out.parts.push(Part {
                        count: n,
                        expected: e,
                        partial: 0.0,
                        ..p.clone()
                    });
                    p.count -= n;
                    p.expected -= e;
                }
            }
            if !out.parts.is_empty() {
                taken.backlog.push_back(out);
            }
        }
        self.backlog.retain(|g| g.count() > 0);
        taken
    }

    /// Messages a queue hands over this tick. They never meet the line as
    /// arrivals do: a consumer only takes what it has servers for, and what
    /// it has no server for yet stays in the queue, so none is turned away.
    /// Each starts as a server comes free, its wait counted from when it was sent.
    pub fn enqueue(&mut self, cohort: Cohort) {
        self.handed.push(cohort);
    }

    /// Empties the station into plain groups of requests, for a queue to take back.
    pub fn take_all(&mut self) -> Vec<Cohort> {
        self.held = 0;
        let mut out: Vec<Cohort> = self
            .calendar
            .drain(..)
            .map(|r| Cohort {
                stream: r.stream,
                workload: r.workload,
                count: r.count,
                expected: r.expected,
                arrived_s: r.arrived_s,
                tries: r.tries,
            })
            .collect();
        for g in self.backlog.drain(..) {
            out.extend(g.parts.into_iter().map(|p| Cohort {
                stream: p.stream,
                workload: p.workload,
                count: p.count,
                expected: p.expected,
                arrived_s: (p.from_s + g.to_s) / 2.0,
                tries: p.tries,
            }));
        }
        out.append(&mut self.handed);
        out.retain(|c| c.count > 0);
        out
    }

    /// Drops everything in flight (the servers are gone).
    pub fn drop_all(&mut self, reason: DropReason, tally: &mut Tally) {
        for c in self.take_all() {
            tally.drop(c.stream, c.count, reason);
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
        // Everything served now serves the whole tick, unless it ends sooner
        // (the release takes that back) or started later (added exactly).
        self.busy_tick = self.held as f64 * tick_s;
        // Servers busy as the tick starts (some of them free up during it).
        let busy_at_start = self.held;
        self.release(now, end, tally);
        let handed = std::mem::take(&mut self.handed);
        // This tick's arrivals meet the line; messages from a queue, and
        // work that already waited elsewhere, start as servers come free;
        // work no server here can do leaves at once.
        let fresh = |a: &&Cohort| {
            terms[usize::from(a.workload)].service_s.is_finite() && a.arrived_s >= now - 1e-9
        };
        for a in &handed {
            if !terms[usize::from(a.workload)].service_s.is_finite() {
                tally.drop(a.stream, a.count, DropReason::Incapable);
            }
        }

        // The line's rates: the arrivals' intensity and their mix of work.
        let (mut expected, mut work, mut square) = (0.0, 0.0, 0.0);
        for a in arrivals {
            let t = terms[usize::from(a.workload)];
            if !t.service_s.is_finite() {
                tally.drop(a.stream, a.count, DropReason::Incapable);
                continue;
            }
            if !fresh(&a) {
                continue;
            }
            expected += a.expected;
            work += a.expected * t.service_s;
            // E[S²]: s² for a fixed service, 2s² for an exponential one.
            square += a.expected * t.service_s * t.service_s * if t.fixed { 1.0 } else { 2.0 };
        }
        if work > 0.0 {
            self.mu = expected / work;
            let mean = work / expected;
            let cs2 = (square / expected) / (mean * mean) - 1.0;
            self.wait_scale = (1.0 + cs2.max(0.0)) / 2.0;
        } else if !(self.mu > 0.0) {
            self.mu = mean_rate(terms);
            self.wait_scale = 1.0;
        }
        let (params, lines) = cap.line(expected / tick_s, self.mu, self.wait_scale);
        self.lines = lines;
        // A backlog keeps the line fluid only while the servers' spare
        // capacity this tick cannot clear it: otherwise the few requests that
        // joined late in the last tick would hold an underloaded line in
        // overload for ever (they are still worked off first, below).
        let waiting: u64 = self.backlog.iter().map(Group::count).sum();
        let spare = (f64::from(cap.slots()) * self.mu - expected / tick_s).max(0.0) * tick_s;
        let backlog = waiting > 0 && waiting as f64 >= spare;
        let seen = self.line.advance(params, tick_s, backlog);
        match seen {
            Seen::Closed => {
                for a in arrivals.iter().filter(fresh) {
                    tally.drop(a.stream, a.count, DropReason::NoTarget);
                }
            }
            Seen::Line => {
                for a in arrivals.iter().filter(fresh) {
                    let t = terms[usize::from(a.workload)];
                    let fates = self.line.fates(usize::from(a.workload), ask(t));
                    self.decide(a, t, fates, now, tick_s, tally);
                }
                tally.sojourn_s +=
                    (self.line.mean_busy() + self.line.mean_waiting()) * lines * tick_s;
            }
            Seen::Fluid => {
                self.join_backlog(arrivals.iter().filter(fresh), now, end);
            }
        }
        if !self.backlog.is_empty() {
            self.work_backlog(now, end, terms, cap, params, tally);
        }
        // Messages pulled from a queue fill the free servers, then each
        // takes the next server to come free.
        let mut pool = Pool::new(cap, busy_at_start.max(self.held));
        let waited = arrivals.iter().filter(|a| a.arrived_s < now - 1e-9);
        for a in waited.chain(&handed) {
            let t = terms[usize::from(a.workload)];
            if t.service_s.is_finite() {
                self.start_pulled(a, t, &mut pool, now, tick_s, tally);
            }
        }
        let mut handed = handed;
        handed.clear();
        if self.handed.is_empty() {
            self.handed = handed;
        }
        self.release(now, end, tally);
        tally.busy_s += self.busy_tick.clamp(0.0, f64::from(cap.slots()) * tick_s);
    }

    /// Finishes every decided group whose time has come by `end`.
    fn release(&mut self, now: f64, end: f64, tally: &mut Tally) {
        while self.calendar.front().is_some_and(|r| r.finish_s <= end) {
            let Some(r) = self.calendar.pop_front() else {
                break;
            };
            match r.fate {
                Fate::Ok | Fate::Late => {
                    self.held -= r.count;
                    // Decided before this tick, it was counted busy for all of it.
                    if r.decided_s < now {
                        self.busy_tick -= r.count as f64 * (end - r.finish_s.max(now));
                    }
                    tally.finish(r.stream, r.count, r.fate == Fate::Late, r.expected);
                    tally.add_latency(r.stream, r.count as f64, r.latency_s, r.wait_s);
                }
                Fate::Dropped(reason) => tally.drop(r.stream, r.count, reason),
            }
        }
    }

    /// Puts a decided group on the calendar, in the order groups end, and
    /// counts the service it gives in the tick `[now, end)` it was decided in.
    fn schedule(&mut self, r: Running, now: f64, end: f64) {
        if matches!(r.fate, Fate::Ok | Fate::Late) {
            self.held += r.count;
            self.busy_tick += r.count as f64 * overlap(r.start_s, r.finish_s, now, end);
        }
        let at = r.finish_s;
        if self.calendar.back().is_none_or(|b| b.finish_s <= at) {
            self.calendar.push_back(r);
        } else {
            let i = self.calendar.partition_point(|x| x.finish_s <= at);
            self.calendar.insert(i, r);
        }
    }

    fn carry_of(&mut self, stream: u16) -> &mut [f64; 4] {
        let i = usize::from(stream);
        if self.carry.len() <= i {
            self.carry.resize(i + 1, [0.0; 4]);
        }
        &mut self.carry[i]
    }

    /// Decides a group of arrivals from their workload's fates in the line.
    fn decide(
        &mut self,
        a: &Cohort,
        t: KindTerms,
        f: Fates,
        now: f64,
        tick_s: f64,
        tally: &mut Tally,
    ) {
        let shares = [f.blocked, f.gave_up, f.ok, f.late];
        let [blocked, gave_up, ok, late] = round_carried(a.count, shares, self.carry_of(a.stream));
        let mid = now + tick_s / 2.0;
        tally.drop(a.stream, blocked, DropReason::QueueFull);
        let latency_s = f.mean_wait_s + t.service_s;
        let finish_s = mid + latency_s;
        let entry = |count: u64, share: f64, fate: Fate, finish_s: f64| Running {
            stream: a.stream,
            workload: a.workload,
            count,
            expected: a.expected * share,
            arrived_s: mid,
            start_s: mid + f.mean_wait_s,
            finish_s,
            fate,
            latency_s,
            wait_s: f.mean_wait_s,
            tries: a.tries,
            decided_s: now,
        };
        let end = now + tick_s;
        if gave_up > 0 {
            self.schedule(
                entry(
                    gave_up,
                    f.gave_up,
                    Fate::Dropped(DropReason::GaveUp),
                    mid + t.give_up_s,
                ),
                now,
                end,
            );
        }
        for (count, share, fate) in [(ok, f.ok, Fate::Ok), (late, f.late, Fate::Late)] {
            if count > 0 || share > 0.0 {
                self.schedule(entry(count, share, fate, finish_s), now, end);
            }
        }
        let served = (ok + late) as f64;
        if served > 0.0 && tally.heard(a.stream) {
            let service_ms = service_of(t);
            let store = tally.times.of(t.waits);
            match self.line.open_wait() {
                Some(w) => store.add_exponential(service_ms, served, w.p_wait, w.theta / 1000.0),
                None => self.line.add_waits(store, service_ms, served),
            }
        }
    }
}

/// A workload's service on this station, for the latency store.
fn service_of(t: KindTerms) -> Service {
    Service {
        ms: t.service_s * 1000.0,
        fixed: t.fixed,
    }
}

/// Seconds of `[from, to)` within `[now, end)`.
fn overlap(from: f64, to: f64, now: f64, end: f64) -> f64 {
    (to.min(end) - from.max(now)).max(0.0)
}

/// What a workload asks of a line.
fn ask(t: KindTerms) -> Ask {
    Ask {
        service_s: t.service_s,
        deadline_s: t.deadline_s,
        patience_s: t.give_up_s,
        fixed: t.fixed,
    }
}

/// The service rate of the work a station can do, when no traffic says which.
fn mean_rate(terms: &[KindTerms]) -> f64 {
    let finite: Vec<f64> = terms
        .iter()
        .map(|t| t.service_s)
        .filter(|s| s.is_finite() && *s > 0.0)
        .collect();
    if finite.is_empty() {
        1.0
    } else {
        finite.len() as f64 / finite.iter().sum::<f64>()
    }
}

#[cfg(test)]
mod tests;
