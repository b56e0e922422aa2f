//! A line: `c` servers sharing one first-come-first-served queue, fed by
//! Poisson arrivals at the intensity the traffic has (never at one tick's
//! draw), with exponential service.
//!
//! Its state carries over from tick to tick in one of three forms:
//! - **stationary**: the M/M/c (or M/M/c/K) steady state of its current
//!   rates, in closed form — where a line spends most of its time, at no cost;
//! - **evolving**: a distribution over the number in the line, stepped by the
//!   forward equations ([`Distribution`]) — after a change that a line near
//!   capacity takes seconds or minutes to absorb;
//! - **fluid**: in overload the line is a backlog of real requests that the
//!   servers work through in order ([`crate::sim::station`] keeps it), with a
//!   spread around that path.
//!
//! Arrivals see the line's distribution averaged over the tick (Poisson
//! arrivals see time averages), so how long a tick is changes nothing but
//! how often the line is looked at.

use super::chain::{self, Distribution, MAX_STATES, Rates};
use super::light;
use super::mmc::{self, Wait};
use super::tails;
use crate::sim::latency::{LatencyStore, Service};
use erlang::ErlangCache;

/// A line whose change settles faster than this follows its rates at once.
pub const SNAP_S: f64 = 0.5;

/// A settling line this close to its steady state (total variation) is in it.
const SETTLED_TV: f64 = 1e-6;

/// Below this chance of the line reaching its room, the room counts as endless.
const ROOM_MATTERS: f64 = 1e-9;

/// What a line is made of this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineParams {
    /// Servers sharing the line.
    pub servers: u32,
    /// Arrivals per second into the line (the traffic's intensity).
    pub lambda: f64,
    /// Service rate of one server, per second, for the line's mix of work.
    pub mu: f64,
    /// Requests that can wait beyond those in service.
    pub room: u64,
    /// How waits compare with an M/M/c line's: (1 + cs²)/2 for service
    /// times of squared coefficient of variation cs² (Allen–Cunneen), so 1
    /// for exponential service and ½ for fixed (exact for M/D/1).
    pub wait_scale: f64,
}

impl LineParams {
    /// Whether arrivals come at least as fast as the servers can serve and
    /// can wait for them (a line with no room to wait turns the excess away
    /// instead, and is never overloaded).
    pub fn overloaded(&self) -> bool {
        self.room > 0 && self.lambda >= f64::from(self.servers) * self.mu
    }

    fn rates(&self) -> Rates {
        Rates {
            servers: self.servers,
            lambda: self.lambda,
            mu: self.mu,
            top: (self.servers as usize)
                .saturating_add(usize::try_from(self.room).unwrap_or(usize::MAX)),
        }
    }

    fn relaxation_s(&self) -> f64 {
        if self.room == 0 {
            // A loss system follows its arrivals within a service time.
            return 1.0 / self.mu;
        }
        chain::relaxation_s(self.servers, self.lambda, self.mu)
    }

    /// The closed form when the room never matters (waits scaled for the service's spread).
    fn open_wait(&self) -> Option<Wait> {
        let w = Wait::new(self.servers, self.lambda, self.mu)?;
        let rho = self.lambda / (f64::from(self.servers) * self.mu);
        room_never_matters(w.p_wait, rho, self.room).then_some(Wait {
            p_wait: w.p_wait,
            theta: w.theta / self.scale(),
        })
    }

    /// The states above the servers that [`Line::stationary`] keeps.
    fn room_kept(&self) -> usize {
        match self.open_wait() {
            // Endless room: keep the states that hold any probability.
            Some(w) => {
                let rho = self.lambda / (f64::from(self.servers) * self.mu);
                let n = if rho > 0.0 && w.p_wait > 0.0 {
                    ((1e-15 / w.p_wait).ln() / rho.ln()).ceil().max(0.0)
                } else {
                    0.0
                };
                (n as usize).min(MAX_STATES)
            }
            None => usize::try_from(self.room)
                .unwrap_or(usize::MAX)
                .min(MAX_STATES),
        }
    }

    /// The room [`Line::stationary`] keeps above the servers. A line with no
    /// room keeps none, unless its chance of waiting is between 1e−15 and
    /// the room's own threshold (see `room_kept`): a large pool under a
    /// light load, such as a function's, is told from the first few servers
    /// of Erlang B, with a margin of ten for rounding.
    fn stationary_room(&self) -> usize {
        if self.room == 0 && mmc::erlang_c_below(self.servers, self.lambda / self.mu, 1e-16) {
            0
        } else {
            self.room_kept()
        }
    }

    fn scale(&self) -> f64 {
        if self.wait_scale > 0.0 {
            self.wait_scale
        } else {
            1.0
        }
    }
}

/// Whether a line's room never matters: the chance `p_wait` of waiting
/// times ρ^room (the weight of a full room against an empty queue) is
/// below [`ROOM_MATTERS`]. When ρ^room is below about 1e−200 it is, whatever
/// the chance, and that is told from ρ's binary exponent or its logarithm
/// without the power (whose slow path for tiny results is the costly one);
/// the answer is the same.
fn room_never_matters(p_wait: f64, rho: f64, room: u64) -> bool {
    let n = room as f64;
    if (0.0..=1.0).contains(&p_wait) && rho > 0.0 && rho < 1.0 {
        // ρ < 2^(e + 1), e its binary exponent.
        let e = ((rho.to_bits() >> 52) & 0x7ff) as f64 - 1023.0;
        if (e + 1.0) * n < -700.0 || (room > 64 && n * rho.ln() < -460.0) {
            return true;
        }
    }
    p_wait * rho.powf(n) < ROOM_MATTERS
}

/// The form the line's state takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// The steady state of its rates.
    Stationary,
    /// A distribution stepped by the forward equations.
    Evolving,
    /// Overload: a backlog of requests in order.
    Fluid {
        /// Seconds of work already decided that the servers finish before the backlog.
        ahead_s: f64,
        /// Variance of the number in the line around the backlog's path.
        spread: f64,
    },
}

/// What this tick's arrivals meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// No server: nothing can be served.
    Closed,
    /// A line in steady state or settling: each workload's fates come from
    /// [`Line::fates`].
    Line,
    /// Overload: arrivals join the backlog.
    Fluid,
}

/// The distribution this tick's arrivals saw (kept until the next tick).
#[derive(Debug, Clone, Copy, PartialEq)]
enum View {
    Closed,
    /// Steady state with endless room.
    Open(Wait),
    /// Steady state with limited room: `pi`.
    Pi,
    /// A settling line: the time average in `dist.seen`.
    Settling,
    Fluid,
}

/// How one workload's arrivals fare, as shares of them (summing to one).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Fates {
    /// Turned away: no room to wait.
    pub blocked: f64,
    /// Left before service: waited past their caller's patience.
    pub gave_up: f64,
    /// Served and on time.
    pub ok: f64,
    /// Served, but late.
    pub late: f64,
    /// Mean wait in line of those served, seconds.
    pub mean_wait_s: f64,
}

/// What one workload asks of the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ask {
    /// Mean service time, seconds (exponential).
    pub service_s: f64,
    /// Late after, seconds.
    pub deadline_s: f64,
    /// The caller leaves after waiting this long, seconds.
    pub patience_s: f64,
    /// Whether every request takes exactly `service_s` (else exponential).
    pub fixed: bool,
}

#[derive(Debug, Clone, Default)]
struct Tables {
    key: Option<(u32, u64, u64, u64, u64, usize)>,
    response: Vec<f64>,
    give_up: Vec<f64>,
}

/// One line's carried state (see the module docs).
#[derive(Debug, Clone)]
pub struct Line {
    mode: Mode,
    view: View,
    /// The rates the state belongs to (none before the first tick).
    params: Option<LineParams>,
    dist: Distribution,
    /// The mean of `dist` while it is Poisson (an empty line's is, and an
    /// M/M/∞ line's stays so: see [`light`]); none once it may be another.
    poisson: Option<f64>,
    /// The stationary distribution of `pi_for` (finite room, or a check for settling).
    pi: Vec<f64>,
    pi_for: Option<LineParams>,
    tables: Vec<Tables>,
    pmf: Vec<f64>,
    /// The fates a steady line gave each workload, by workload index, with
    /// the waits and the ask they were worked out for.
    open_fates: Vec<Option<(Wait, Ask, Fates)>>,
    /// The share of this tick's arrivals admitted, and their mean wait in
    /// seconds (worked out at the first request for them).
    admitted: Option<(f64, f64)>,
    /// Erlang C of this line's pool size, tabulated once for large pools.
    erlang: ErlangCache,
    /// This tick's mean number waiting and mean busy servers, worked out
    /// once it is decided: a tick reads them three times (serving, the
    /// record, the samples), and each is a walk of the distribution.
    means: (f64, f64),
}

impl Default for Line {
    fn default() -> Self {
        Line {
            mode: Mode::Evolving,
            view: View::Closed,
            params: None,
            dist: Distribution::at(0),
            poisson: Some(0.0),
            pi: Vec::new(),
            pi_for: None,
            tables: Vec::new(),
            pmf: Vec::new(),
            open_fates: Vec::new(),
            admitted: None,
            erlang: ErlangCache::default(),
            means: (0.0, 0.0),
        }
    }
}

impl Line {
    /// The form the state takes now.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The rates of the last tick.
    pub fn params(&self) -> Option<LineParams> {
        self.params
    }

    /// Seconds of already-decided work ahead of the backlog (fluid mode).
    pub fn ahead_s(&self) -> f64 {
        match self.mode {
            Mode::Fluid { ahead_s, .. } => ahead_s,
            _ => 0.0,
        }
    }

    /// Uses `s` seconds of the servers' time on the decided work ahead; returns what it used.
    pub fn work_off_ahead(&mut self, s: f64) -> f64 {
        match &mut self.mode {
            Mode::Fluid { ahead_s, .. } => {
                let used = ahead_s.min(s).max(0.0);
                *ahead_s -= used;
                used
            }
            _ => 0.0,
        }
    }

    /// Standard deviation of the number in the line around the backlog's path (fluid mode).
    pub fn spread_sd(&self) -> f64 {
        match self.mode {
            Mode::Fluid { spread, .. } => spread.max(0.0).sqrt(),
            _ => 0.0,
        }
    }

    /// Stops the spread growing this tick (the backlog is held at its callers'
    /// patience, so it no longer wanders freely).
    pub fn hold_spread(&mut self, by: f64) {
        if let Mode::Fluid { spread, .. } = &mut self.mode {
            *spread = (*spread - by).max(0.0);
        }
    }

    /// Mean number waiting (not in service) this tick, per the model.
    pub fn mean_waiting(&self) -> f64 {
        self.means.0
    }

    /// Mean busy servers this tick, per the model.
    pub fn mean_busy(&self) -> f64 {
        self.means.1
    }

    fn work_out_waiting(&self) -> f64 {
        let Some(p) = self.params else { return 0.0 };
        let c = p.servers as usize;
        match self.view {
            View::Open(w) => p.lambda * w.mean_s(),
            View::Pi => self
                .pi
                .iter()
                .enumerate()
                .skip(c)
                .map(|(n, x)| (n - c) as f64 * x)
                .sum(),
            View::Settling => self
                .dist
                .seen
                .iter()
                .enumerate()
                .map(|(i, x)| (self.dist.lo + i).saturating_sub(c) as f64 * x)
                .sum(),
            View::Closed | View::Fluid => 0.0,
        }
    }

    fn work_out_busy(&self) -> f64 {
        let Some(p) = self.params else { return 0.0 };
        let c = p.servers as usize;
        let busy = |lo: usize, d: &[f64]| -> f64 {
            d.iter()
                .enumerate()
                .map(|(i, x)| (lo + i).min(c) as f64 * x)
                .sum()
        };
        match self.view {
            View::Open(_) => p.lambda / p.mu,
            View::Pi => busy(0, &self.pi),
            View::Settling => busy(self.dist.lo, &self.dist.seen),
            View::Fluid => f64::from(p.servers),
            View::Closed => 0.0,
        }
    }

    /// Fills `pi` with the stationary distribution of `p` (cached).
    fn stationary(&mut self, p: LineParams) {
        if self.pi_for == Some(p) {
            return;
        }
        mmc::stationary_into(p.servers, p.lambda, p.mu, p.stationary_room(), &mut self.pi);
        self.pi_for = Some(p);
    }

    /// Moves the line on by one tick of `tick_s` at rates `p`; `backlog` says
    /// whether requests still wait in order from overload.
    pub fn advance(&mut self, p: LineParams, tick_s: f64, backlog: bool) -> Seen {
        let seen = self.advance_view(p, tick_s, backlog);
        self.means = (self.work_out_waiting(), self.work_out_busy());
        seen
    }

    /// [`Line::advance`] but for the means.
    fn advance_view(&mut self, p: LineParams, tick_s: f64, backlog: bool) -> Seen {
        self.admitted = None;
        if p.servers == 0 || !(p.mu > 0.0) || !p.mu.is_finite() {
            // Nothing serves: when servers come back, the line starts empty.
            self.params = None;
            self.mode = Mode::Evolving;
            self.view = View::Closed;
            self.dist.reset_at(0);
            self.poisson = Some(0.0);
            return Seen::Closed;
        }
        if backlog || p.overloaded() {
            let growth = (p.lambda + f64::from(p.servers) * p.mu) * tick_s;
            match &mut self.mode {
                Mode::Fluid { spread, .. } => *spread += growth,
                _ => {
                    // Entering overload: the work the line holds now is ahead of the backlog.
                    let waiting = self.mean_waiting();
                    let variance = match self.view {
                        View::Settling => self.dist.variance(),
                        _ => waiting,
                    };
                    let ahead_s = waiting / (f64::from(p.servers) * p.mu);
                    self.mode = Mode::Fluid {
                        ahead_s,
                        spread: variance + growth,
                    };
                }
            }
            self.params = Some(p);
            self.view = View::Fluid;
            return Seen::Fluid;
        }
        if let Mode::Fluid { .. } = self.mode {
            // The backlog is gone: every server busy, nobody waiting.
            self.dist.reset_at(p.servers as usize);
            self.poisson = None;
            self.mode = Mode::Evolving;
        }
        // A fast line follows a change of rates at once (its view is worked
        // out again below); a slow one follows it from the old steady state.
        if self.mode == Mode::Stationary && self.params != Some(p) && p.relaxation_s() > SNAP_S {
            if let Some(old) = self.params {
                self.stationary(old);
                self.dist.set_from(&self.pi);
                // Far below its servers, the steady state is Poisson but
                // for a never-full chance.
                let mean = old.lambda / old.mu;
                self.poisson = light::never_full(old.servers, mean).then_some(mean);
            }
            self.mode = Mode::Evolving;
        }
        match self.mode {
            Mode::Stationary => {
                // The same rates as last tick: the same view, at no cost.
                if self.params == Some(p) && matches!(self.view, View::Open(_) | View::Pi) {
                    return Seen::Line;
                }
                self.params = Some(p);
                self.view = match self.erlang.open_wait(&p) {
                    Some(w) => View::Open(w),
                    None => {
                        self.stationary(p);
                        View::Pi
                    }
                };
                Seen::Line
            }
            _ => {
                let settled_mean = p.lambda / p.mu;
                // Never full all tick long: the mean moves monotonically
                // from where it starts to where it settles, and the bound
                // grows with the mean.
                if let Some(start) = self.poisson
                    && light::never_full(p.servers, start)
                    && light::never_full(p.servers, settled_mean)
                {
                    let (end, average) = light::relax(start, p.lambda, p.mu, tick_s);
                    light::fill(&mut self.dist, end, average);
                    self.poisson = Some(end);
                    self.params = Some(p);
                    // Poisson distributions of means d apart are at most d
                    // apart in total variation.
                    if p.relaxation_s() <= SNAP_S || (end - settled_mean).abs() < SETTLED_TV {
                        self.mode = Mode::Stationary;
                    }
                    self.view = View::Settling;
                    return Seen::Line;
                }
                self.poisson = None;
                let evolved = memo::evolve(&mut self.dist, &p.rates(), tick_s);
                self.params = Some(p);
                // Settled within 1e-6 (total variation): worked out only when
                // neither the last step nor the bound from the distribution's
                // own ratios already says it is further off.
                let settled = p.relaxation_s() <= SNAP_S
                    || evolved.away < 2.0 * SETTLED_TV && !surely_unsettled(p, &self.dist) && {
                        self.stationary(p);
                        self.dist.distance(&self.pi) < SETTLED_TV
                    };
                if settled {
                    self.mode = Mode::Stationary;
                }
                self.view = View::Settling;
                Seen::Line
            }
        }
    }

    /// How arrivals asking `ask` fare in a steady line whose waits are `w`.
    fn open_fates(w: Wait, ask: Ask) -> Fates {
        let mu_k = 1.0 / ask.service_s;
        let gave_up = w.over(ask.patience_s);
        let ok = if ask.fixed {
            // Served within patience and started in time to finish by the deadline.
            let slack = ask.deadline_s - ask.service_s;
            if slack < 0.0 {
                0.0
            } else {
                1.0 - w.over(slack.min(ask.patience_s))
            }
        } else {
            w.in_time(mu_k, ask.patience_s, ask.deadline_s)
        }
        .min(1.0 - gave_up);
        Fates {
            blocked: 0.0,
            gave_up,
            ok,
            late: (1.0 - gave_up - ok).max(0.0),
            mean_wait_s: w.mean_s(),
        }
    }

    /// How arrivals of workload `index` (asking `ask`) fare in this tick's line.
    pub fn fates(&mut self, index: usize, ask: Ask) -> Fates {
        let Some(p) = self.params else {
            return Fates::default();
        };
        match self.view {
            View::Closed | View::Fluid => Fates::default(),
            View::Open(w) => {
                // A steady line's view stands from tick to tick, and so do
                // the fates it gives each workload.
                if let Some(Some((at, asked, f))) = self.open_fates.get(index)
                    && *at == w
                    && *asked == ask
                {
                    return *f;
                }
                let f = memo::open_fates(w, ask, || Self::open_fates(w, ask));
                if self.open_fates.len() <= index {
                    self.open_fates.resize(index + 1, None);
                }
                self.open_fates[index] = Some((w, ask, f));
                f
            }
            View::Pi => {
                let pi = std::mem::take(&mut self.pi);
                let f = self.weigh(index, ask, p, 0, &pi);
                self.pi = pi;
                f
            }
            View::Settling => {
                let seen = std::mem::take(&mut self.dist.seen);
                let f = self.weigh(index, ask, p, self.dist.lo, &seen);
                self.dist.seen = seen;
                f
            }
        }
    }

    /// The chance this tick's arrivals find the line full: the `blocked` of
    /// [`Line::fates`], without working out the rest.
    pub fn blocked(&self) -> f64 {
        let Some(p) = self.params else {
            return 0.0;
        };
        let (lo, dist) = match self.view {
            View::Closed | View::Fluid | View::Open(_) => return 0.0,
            View::Pi => (0, &self.pi),
            View::Settling => (self.dist.lo, &self.dist.seen),
        };
        let top = p.rates().top;
        let skip = top.saturating_sub(lo);
        let mut blocked = 0.0;
        for &x in dist.iter().skip(skip) {
            blocked += x;
        }
        blocked
    }

    /// The exponential wait of a line in steady state with endless room, if that is what this tick's arrivals met.
    pub fn open_wait(&self) -> Option<Wait> {
        match self.view {
            View::Open(w) => Some(w),
            _ => None,
        }
    }

    /// Fates from a distribution over the number in the line.
    fn weigh(&mut self, index: usize, ask: Ask, p: LineParams, lo: usize, dist: &[f64]) -> Fates {
        let c = p.servers as usize;
        let top = p.rates().top;
        // Waits scaled for the service's spread: departures seem that much faster.
        let a = f64::from(p.servers) * p.mu / p.scale();
        let hi = lo + dist.len().saturating_sub(1);
        let len = (hi + 2).saturating_sub(c).max(1);
        if self.tables.len() <= index {
            self.tables.resize(index + 1, Tables::default());
        }
        let key = (
            p.servers,
            quantised(a),
            ask.service_s.to_bits(),
            ask.deadline_s.to_bits(),
            ask.patience_s.to_bits() ^ u64::from(ask.fixed),
            len,
        );
        let t = &mut self.tables[index];
        if t.key.is_none_or(|k| {
            k.0 != key.0
                || k.1 != key.1
                || k.2 != key.2
                || k.3 != key.3
                || k.4 != key.4
                || k.5 < len
        }) {
            let b = 1.0 / ask.service_s;
            let room = len + len / 2;
            if ask.fixed {
                // A fixed service: late exactly when the wait passes what the deadline leaves.
                let slack = ask.deadline_s - ask.service_s;
                if slack < 0.0 {
                    t.response.clear();
                    t.response.resize(room, 1.0);
                } else {
                    tails::wait_over(a, slack, room, &mut self.pmf, &mut t.response);
                }
            } else {
                tails::response_over(a, b, ask.deadline_s, room, &mut self.pmf, &mut t.response);
            }
            tails::wait_over(a, ask.patience_s, room, &mut self.pmf, &mut t.give_up);
            t.key = Some((key.0, key.1, key.2, key.3, key.4, room));
        }
        let (mut blocked, mut over, mut give, mut wait) = (0.0, 0.0, 0.0, 0.0);
        for (i, &x) in dist.iter().enumerate() {
            let n = lo + i;
            if n >= top {
                blocked += x;
                continue;
            }
            let k = (n + 1).saturating_sub(c);
            over += x * t.response[k];
            give += x * t.give_up[k];
            wait += x * k as f64 / a;
        }
        let admitted = (1.0 - blocked).max(0.0);
        let gave_up = give.min(admitted);
        let ok = (admitted - over).min(admitted - gave_up).max(0.0);
        Fates {
            blocked,
            gave_up,
            ok,
            late: (admitted - gave_up - ok).max(0.0),
            mean_wait_s: if admitted > 0.0 { wait / admitted } else { 0.0 },
        }
    }

    /// Adds `count` requests of `service` served this tick to `store`, with
    /// the waits this tick's arrivals met (a line in steady state with
    /// limited room, or settling): each admitted arrival waits for the
    /// departures ahead of it. The store sums those by departure rate and
    /// spreads them over its buckets only when read.
    pub fn add_waits(&mut self, store: &mut LatencyStore, service: Service, count: f64) {
        // With no line (or nobody admitted to it) there is no wait to
        // speak of: served at once.
        let served_at_once =
            |store: &mut LatencyStore| store.add_exponential(service, count, 0.0, 0.0);
        let Some(p) = self.params else {
            return served_at_once(store);
        };
        let (lo, dist) = match self.view {
            View::Settling => (self.dist.lo, &self.dist.seen[..]),
            _ => (0, &self.pi[..]),
        };
        let per_s = departures_per_s(p);
        // The admitted share and the mean wait, once a tick for every workload.
        let (admitted, mean_s) = *self.admitted.get_or_insert_with(|| {
            let (mut admitted, mut mean) = (0.0, 0.0);
            for (k, x) in admitted_by_departures(dist, lo, p) {
                admitted += x;
                mean += x * k as f64 / per_s;
            }
            if admitted > 0.0 {
                mean /= admitted;
            }
            (admitted, mean)
        });
        if !(admitted > 0.0) {
            return served_at_once(store);
        }
        let shares = admitted_by_departures(dist, lo, p).map(|(k, x)| (k, x / admitted));
        store.add_departure_waits(service, count, mean_s * 1000.0, per_s, shares);
    }
}

/// Whether a cheap lower bound already puts `dist` further than
/// [`SETTLED_TV`] from the steady state at `p`, so that working the steady
/// state out could not find it settled. The margin covers the rounding of
/// the bound, of the steady state and of the distance, many times over: a
/// line it rules out is one the full check would have ruled out too.
///
/// The states up to the servers are looked at first: what lies above them
/// depends on the room the steady state keeps, worked out only when a line
/// holds states there and the first look did not settle it.
fn surely_unsettled(p: LineParams, dist: &Distribution) -> bool {
    let beyond = SETTLED_TV * (1.0 + 1e-6) + 1e-12;
    let c = p.servers as usize;
    let bound =
        |top| mmc::distance_at_least(p.servers, p.lambda, p.mu, top, dist.lo, &dist.p, beyond);
    bound(c) > beyond || dist.hi() > c && bound(c.saturating_add(p.stationary_room())) > beyond
}

/// The departure rate while every server is busy.
fn departures_per_s(p: LineParams) -> f64 {
    f64::from(p.servers) * p.mu / p.scale()
}

/// The states an arrival is admitted in, in order, as (departures it waits
/// for, probability).
fn admitted_by_departures(
    dist: &[f64],
    lo: usize,
    p: LineParams,
) -> impl Iterator<Item = (usize, f64)> + '_ {
    let (c, top) = (p.servers as usize, p.rates().top);
    dist.iter()
        .enumerate()
        .map(move |(i, &x)| (lo + i, x))
        .filter(move |&(n, _)| n < top)
        .map(move |(n, x)| ((n + 1).saturating_sub(c), x))
}

/// A rate rounded to 1 part in 10⁴, so a table built for it serves rates that
/// differ only by noise in the last digits.
fn quantised(x: f64) -> u64 {
    if x > 0.0 {
        (x.ln() * 1e4).round() as i64 as u64
    } else {
        0
    }
}

mod erlang;
mod memo;
#[cfg(test)]
mod tests;
