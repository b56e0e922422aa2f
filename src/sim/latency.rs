//! Latency and wait distributions of a run: percentiles without keeping samples.
//!
//! A request's latency is its wait in line plus its service time, and service
//! times are exponential. Convolving every tick's waits with the service
//! distribution would cost far more than the tick itself, so a [`LatencyStore`]
//! keeps the waits apart, per service rate:
//! - requests that did not wait;
//! - exponential waits (what an M/M/c line in steady state gives), summed by
//!   their decay rate in 1%-wide bins;
//! - any other wait, in 5%-wide log buckets ([`Histogram`]);
//!
//! and forms the latency distribution only when a percentile is asked for.
//! Latencies known whole (a caller plus its call) go to buckets of their own.

use std::borrow::Cow;

use super::queueing::mmc::hypo_over_at;
use super::queueing::tails::ErlangMixTail;

/// Smallest bucket edge above zero, milliseconds.
const FIRST_EDGE_MS: f64 = 0.1;
/// Ratio between neighbouring bucket edges (5% wide buckets).
pub(crate) const RATIO: f64 = 1.05;
/// Buckets: from 0.1 ms to about two weeks.
const BUCKETS: usize = 520;
/// Width of the bins exponential waits are summed in, as a ratio of decay rates.
const THETA_BIN: f64 = 1.01;

/// Upper edges of the buckets in milliseconds, computed once.
static EDGES: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
    (0..=BUCKETS)
        .map(|i| FIRST_EDGE_MS * RATIO.powi(i as i32))
        .collect()
});

/// Upper edge of bucket `i` in milliseconds (bucket 0 is [0, 0.1 ms)).
fn edge(i: usize) -> f64 {
    EDGES[i.min(BUCKETS)]
}

/// Lower edge of bucket `i`, milliseconds.
fn lower(i: usize) -> f64 {
    if i == 0 { 0.0 } else { edge(i - 1) }
}

fn bucket_of(ms: f64) -> usize {
    if ms < FIRST_EDGE_MS {
        0
    } else {
        (((ms / FIRST_EDGE_MS).ln() / RATIO.ln()).floor() as usize + 1).min(BUCKETS)
    }
}

/// Counts by value in log-spaced buckets (milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    mass: Vec<f64>,
    /// Mass a millisecond spread evenly over whole buckets, as differences:
    /// bucket i also holds its width times the sum of `density[..=i]`. A
    /// spread over a hundred buckets then costs two additions, not a hundred.
    density: Vec<f64>,
    total: f64,
    /// Lowest and highest bucket holding anything.
    span: Option<(usize, usize)>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            mass: vec![0.0; BUCKETS + 1],
            density: vec![0.0; BUCKETS + 2],
            total: 0.0,
            span: None,
        }
    }
}

impl Histogram {
    /// Total counted.
    pub fn count(&self) -> f64 {
        self.total
    }

    fn touch(&mut self, i: usize) {
        self.span = Some(match self.span {
            None => (i, i),
            Some((lo, hi)) => (lo.min(i), hi.max(i)),
        });
    }

    /// Adds `count` values of `ms`.
    pub fn add_point(&mut self, ms: f64, count: f64) {
        if !(count > 0.0) || !ms.is_finite() {
            return;
        }
        let i = bucket_of(ms.max(0.0));
        self.mass[i] += count;
        self.total += count;
        self.touch(i);
    }

    /// Adds `count` values spread evenly between `lo_ms` and `hi_ms`.
    pub fn add_uniform(&mut self, lo_ms: f64, hi_ms: f64, count: f64) {
        if !(count > 0.0) {
            return;
        }
        let (lo_ms, hi_ms) = (lo_ms.max(0.0), hi_ms.max(0.0));
        if !(hi_ms - lo_ms >= 1e-9) || !hi_ms.is_finite() {
            return self.add_point(lo_ms, count);
        }
        let (first, last) = (bucket_of(lo_ms), bucket_of(hi_ms));
        let per_ms = count / (hi_ms - lo_ms);
        // The buckets at the ends hold part of their width; those between, all of it.
        for i in [first, last] {
            let overlap = edge(i).min(hi_ms) - lower(i).max(lo_ms);
            if overlap > 0.0 {
                self.mass[i] += per_ms * overlap;
            }
            if last == first {
                break;
            }
        }
        if last > first + 1 {
            self.density[first + 1] += per_ms;
            self.density[last] -= per_ms;
        }
        self.total += count;
        self.touch(first);
        self.touch(last);
    }

    /// Adds `count` values distributed with tail `over(ms)` = P(X > ms), X ≥ 0.
    pub fn add_tail(&mut self, count: f64, mut over: impl FnMut(f64) -> f64) {
        if !(count > 0.0) {
            return;
        }
        let mut above = 1.0;
        for i in 0..=BUCKETS {
            let next = if i == BUCKETS {
                0.0
            } else {
                over(edge(i)).clamp(0.0, above)
            };
            let m = above - next;
            if m > 0.0 {
                self.mass[i] += count * m;
                self.touch(i);
            }
            above = next;
            if above < 1e-12 {
                if above > 0.0 {
                    self.mass[i] += count * above;
                }
                break;
            }
        }
        self.total += count;
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &Histogram) {
        let Some((lo, hi)) = other.span else { return };
        for i in lo..=hi {
            self.mass[i] += other.mass[i];
            // A spread's differences lie within its span.
            self.density[i] += other.density[i];
        }
        self.total += other.total;
        self.touch(lo);
        self.touch(hi);
    }

    /// The buckets holding anything: (lower edge, upper edge, mass), milliseconds.
    fn buckets(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let (lo, hi) = self.span.unwrap_or((1, 0));
        let mut spread: f64 = self.density[..lo.min(self.density.len())].iter().sum();
        (lo..=hi)
            .map(move |i| {
                spread += self.density[i];
                let (below, above) = (lower(i), edge(i));
                (below, above, self.mass[i] + spread * (above - below))
            })
            .filter(|&(_, _, m)| m > 0.0)
    }

    /// How much is at most `ms`, with values spread evenly within their bucket.
    fn at_most(&self, ms: f64) -> f64 {
        self.buckets()
            .map(|(lo, hi, m)| m * ((ms - lo) / (hi - lo)).clamp(0.0, 1.0))
            .sum()
    }

    /// How much is at most `ms` once an exponential of rate `per_ms` is added
    /// to every value (values spread evenly within their bucket).
    fn at_most_plus_exp(&self, ms: f64, per_ms: f64) -> f64 {
        // Neighbouring buckets share an edge: its exponential is worked out
        // once (the same bits either way).
        let mut known = [(f64::NAN, 0.0); 2];
        let mut decay_from = |x: f64| {
            if let Some(&(_, e)) = known.iter().find(|(at, _)| *at == x) {
                return e;
            }
            let e = (-per_ms * (ms - x)).exp();
            known = [known[1], (x, e)];
            e
        };
        self.buckets()
            .map(|(lo, hi, m)| m * uniform_plus_exp_at_most(lo, hi, per_ms, ms, &mut decay_from))
            .sum()
    }
}

/// P(U + S ≤ t) for U uniform on [lo, hi] and S exponential of rate `b`,
/// given `decay_from(x)` = e^{−b(t−x)}.
fn uniform_plus_exp_at_most(
    lo: f64,
    hi: f64,
    b: f64,
    t: f64,
    decay_from: &mut impl FnMut(f64) -> f64,
) -> f64 {
    if t <= lo {
        return 0.0;
    }
    let top = t.min(hi);
    let width = hi - lo;
    if width <= 1e-12 {
        return 1.0 - decay_from(lo);
    }
    // (1/width) ∫_lo^top (1 − e^{−b(t−u)}) du
    let part = (top - lo) - (decay_from(top) - decay_from(lo)) / b;
    (part / width).clamp(0.0, 1.0)
}

/// Requests that each waited for some number of departures at one rate: the
/// wait of one that needed k is Erlang(k, rate). Such mixtures of one rate
/// add up by k exactly, so the ticks of a run are summed here and spread over
/// the buckets once, when a percentile is asked for, not once a tick.
#[derive(Debug, Clone, Default, PartialEq)]
struct DepartureWaits {
    /// Departures per second.
    per_s: f64,
    /// Requests by the departures they waited for.
    by_departures: Vec<f64>,
    /// Requests held.
    count: f64,
}

impl DepartureWaits {
    /// Spreads what is held over `waits` and empties it (keeping its buffer).
    fn spread_into(&mut self, waits: &mut Histogram) {
        if self.count > 0.0 {
            // In place: by_departures[m] becomes the share that waited for at
            // least m departures, with room past the longest wait.
            let v = &mut self.by_departures;
            v.extend([0.0, 0.0]);
            let mut at_least = 0.0;
            for x in v.iter_mut().rev() {
                at_least += *x;
                *x = at_least / self.count;
            }
            let tail = ErlangMixTail::new(v, self.per_s);
            waits.add_tail(self.count, |ms| tail.over(ms / 1000.0));
        }
        self.by_departures.clear();
        self.count = 0.0;
    }
}

/// Departure rates a class sums apart before the least recent is spread
/// over the buckets (a group that scales moves between a few sizes).
const PENDING_RATES: usize = 8;

/// Requests whose waits were exponential, summed by the bin of their decay
/// rate, in bin order.
#[derive(Debug, Clone, Default)]
struct Bins {
    /// The bins held, in order.
    by_bin: Vec<Bin>,
    /// Where the last add went: a line's rate moves a little each tick, and
    /// its bin seldom.
    last: usize,
}

/// One bin of [`Bins`]: its requests, and the lowest and highest decay rates
/// found in it. Any rate between two of one bin is of that bin too (the bin
/// rises with the rate), so most adds need no logarithm: only a rate outside
/// every range seen is binned afresh.
#[derive(Debug, Clone, Copy)]
struct Bin {
    bin: i32,
    requests: f64,
    lo: f64,
    hi: f64,
}

impl PartialEq for Bins {
    /// What is held; the ranges and `last` are only shortcuts to it.
    fn eq(&self, other: &Bins) -> bool {
        self.by_bin.len() == other.by_bin.len()
            && self
                .by_bin
                .iter()
                .zip(&other.by_bin)
                .all(|(a, b)| a.bin == b.bin && a.requests == b.requests)
    }
}

impl Bins {
    /// Adds `count` requests that waited with decay rate `theta_per_ms`.
    fn add(&mut self, theta_per_ms: f64, count: f64) {
        let seen = |b: &Bin| b.lo <= theta_per_ms && theta_per_ms <= b.hi;
        let i = if self.by_bin.get(self.last).is_some_and(seen) {
            self.last
        } else {
            // The ranges seen rise with the bins: the one that may hold the
            // rate is the first that reaches up to it.
            let k = self.by_bin.partition_point(|b| b.hi < theta_per_ms);
            if self.by_bin.get(k).is_some_and(seen) {
                k
            } else {
                let i = self.place((theta_per_ms.ln() / THETA_BIN.ln()).round() as i32);
                let b = &mut self.by_bin[i];
                (b.lo, b.hi) = (b.lo.min(theta_per_ms), b.hi.max(theta_per_ms));
                i
            }
        };
        self.last = i;
        self.by_bin[i].requests += count;
    }

    /// Where `bin` is held, made with nothing in it (and no rate seen) if it was not.
    fn place(&mut self, bin: i32) -> usize {
        match self.by_bin.binary_search_by_key(&bin, |b| b.bin) {
            Ok(i) => i,
            Err(i) => {
                self.by_bin.insert(
                    i,
                    Bin {
                        bin,
                        requests: 0.0,
                        lo: f64::INFINITY,
                        hi: f64::NEG_INFINITY,
                    },
                );
                i
            }
        }
    }

    /// (bin, requests) of every bin, in order.
    fn iter(&self) -> impl Iterator<Item = (i32, f64)> + '_ {
        self.by_bin.iter().map(|b| (b.bin, b.requests))
    }
}

/// The waits of requests served at one rate.
#[derive(Debug, Clone, Default, PartialEq)]
struct Class {
    /// Service rate, per millisecond.
    per_ms: f64,
    /// Whether every service takes exactly 1/`per_ms` (else exponential).
    fixed: bool,
    /// Requests served without waiting.
    idle: f64,
    /// Exponential waits, by decay-rate bin.
    exponential: Bins,
    /// Other waits, milliseconds.
    waits: Histogram,
    /// Waits behind departures not yet spread over `waits`, least recently
    /// added first.
    pending: Vec<DepartureWaits>,
}

impl Class {
    fn theta_of(bin: i32) -> f64 {
        THETA_BIN.powi(bin)
    }

    /// The waits held for departures at `per_s` a second, made the most
    /// recent; when too many rates are held, the least recent is spread over
    /// the buckets and its buffer serves the new rate.
    fn pending_at(&mut self, per_s: f64) -> &mut DepartureWaits {
        let pending = &mut self.pending;
        match pending.iter().position(|p| p.per_s == per_s) {
            Some(i) => pending[i..].rotate_left(1),
            None => {
                let mut fresh = if pending.len() >= PENDING_RATES {
                    let mut oldest = pending.remove(0);
                    oldest.spread_into(&mut self.waits);
                    oldest
                } else {
                    DepartureWaits::default()
                };
                fresh.per_s = per_s;
                pending.push(fresh);
            }
        }
        let last = pending.len() - 1;
        &mut pending[last]
    }

    /// Spreads every wait held by departure rate over the buckets.
    fn settle(&mut self) {
        for p in &mut self.pending {
            p.spread_into(&mut self.waits);
        }
    }

    /// Whether nothing is held by departure rate.
    fn is_settled(&self) -> bool {
        self.pending.iter().all(|p| p.count == 0.0)
    }

    /// Requests whose wait is at most `ms`, or (with `service`) whose wait plus service is.
    fn at_most(&self, ms: f64, service: bool) -> f64 {
        if service && self.fixed {
            // A fixed service only shifts the waits.
            let wait = ms - 1.0 / self.per_ms;
            return if wait < 0.0 {
                0.0
            } else {
                self.at_most(wait, false)
            };
        }
        let b = self.per_ms;
        // The service's own exponential is the same for every bin.
        let e_bt = if service { (-b * ms).exp() } else { 0.0 };
        let mut sum = if service {
            self.idle * (1.0 - e_bt)
        } else {
            self.idle
        };
        for (bin, n) in self.exponential.iter() {
            let theta = Self::theta_of(bin);
            sum += n * if service {
                1.0 - hypo_over_at(theta, b, ms, e_bt)
            } else {
                1.0 - (-theta * ms).exp()
            };
        }
        sum + if service {
            self.waits.at_most_plus_exp(ms, b)
        } else {
            self.waits.at_most(ms)
        }
    }
}

/// A service time: its mean, and whether every service takes exactly that.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Service {
    /// Mean service time, milliseconds.
    pub ms: f64,
    /// Whether every service takes exactly `ms` (else exponential).
    pub fixed: bool,
}

impl Service {
    /// An exponential service of mean `ms`.
    pub fn exponential(ms: f64) -> Service {
        Service { ms, fixed: false }
    }
}

/// Latency and wait of finished requests, by service rate (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyStore {
    classes: Vec<Class>,
    /// Latencies recorded whole.
    whole: Histogram,
    /// Waits recorded whole (of the same requests as `whole`).
    whole_waits: Histogram,
    total: f64,
    latency_sum_ms: f64,
    wait_sum_ms: f64,
}

impl LatencyStore {
    /// Requests counted.
    pub fn count(&self) -> f64 {
        self.total
    }

    /// Mean latency, milliseconds (exact, not from buckets).
    pub fn mean_ms(&self) -> f64 {
        if self.total > 0.0 {
            self.latency_sum_ms / self.total
        } else {
            0.0
        }
    }

    /// Mean wait in line, milliseconds (exact).
    pub fn mean_wait_ms(&self) -> f64 {
        if self.total > 0.0 {
            self.wait_sum_ms / self.total
        } else {
            0.0
        }
    }

    fn class(&mut self, service: Service) -> &mut Class {
        let per_ms = if service.ms > 0.0 {
            1.0 / service.ms
        } else {
            f64::INFINITY
        };
        let fixed = service.fixed;
        let i = match self
            .classes
            .iter()
            .position(|c| c.per_ms == per_ms && c.fixed == fixed)
        {
            Some(i) => i,
            None => {
                self.classes.push(Class {
                    per_ms,
                    fixed,
                    ..Class::default()
                });
                self.classes.len() - 1
            }
        };
        &mut self.classes[i]
    }

    fn count_in(&mut self, count: f64, mean_wait_ms: f64, service_ms: f64) {
        self.total += count;
        self.wait_sum_ms += count * mean_wait_ms;
        self.latency_sum_ms += count * (mean_wait_ms + service_ms.max(0.0));
    }

    /// `count` requests of `service` whose wait is none with
    /// probability `1 − p_wait` and else exponential with rate `theta_per_ms`.
    pub fn add_exponential(
        &mut self,
        service: Service,
        count: f64,
        p_wait: f64,
        theta_per_ms: f64,
    ) {
        if !(count > 0.0) {
            return;
        }
        let p_wait = p_wait.clamp(0.0, 1.0);
        let waits = p_wait > 0.0 && theta_per_ms > 0.0 && theta_per_ms.is_finite();
        let mean = if waits { p_wait / theta_per_ms } else { 0.0 };
        self.count_in(count, mean, service.ms);
        let class = self.class(service);
        if !waits {
            class.idle += count;
            return;
        }
        class.idle += count * (1.0 - p_wait);
        class.exponential.add(theta_per_ms, count * p_wait);
    }

    /// `count` requests of `service` whose waits have tail
    /// `over(ms)` and mean `mean_wait_ms`.
    pub fn add_wait_tail(
        &mut self,
        service: Service,
        count: f64,
        mean_wait_ms: f64,
        over: impl FnMut(f64) -> f64,
    ) {
        if !(count > 0.0) {
            return;
        }
        self.count_in(count, mean_wait_ms, service.ms);
        self.class(service).waits.add_tail(count, over);
    }

    /// `count` requests of `service` with mean wait `mean_wait_ms`, a share
    /// `x` of which waited for `k` departures at `per_s` a second, for every
    /// `(k, x)` of `shares` (the shares sum to one).
    pub fn add_departure_waits(
        &mut self,
        service: Service,
        count: f64,
        mean_wait_ms: f64,
        per_s: f64,
        shares: impl IntoIterator<Item = (usize, f64)>,
    ) {
        if !(count > 0.0) {
            return;
        }
        self.count_in(count, mean_wait_ms, service.ms);
        let held = self.class(service).pending_at(per_s);
        for (k, x) in shares {
            if k >= held.by_departures.len() {
                held.by_departures.resize(k + 1, 0.0);
            }
            held.by_departures[k] += count * x;
        }
        held.count += count;
    }

    /// Spreads every wait still summed by departure rate over the buckets.
    /// Reads do this on a copy when needed; a finished run does it once.
    pub fn settle(&mut self) {
        for c in &mut self.classes {
            c.settle();
        }
    }

    /// This store with every wait spread over the buckets.
    fn settled(&self) -> Cow<'_, LatencyStore> {
        if self.classes.iter().all(Class::is_settled) {
            Cow::Borrowed(self)
        } else {
            let mut copy = self.clone();
            copy.settle();
            Cow::Owned(copy)
        }
    }

    /// `count` requests of `service` that waited between `lo_ms` and `hi_ms`.
    pub fn add_uniform_wait(&mut self, service: Service, count: f64, lo_ms: f64, hi_ms: f64) {
        if !(count > 0.0) {
            return;
        }
        self.count_in(count, (lo_ms + hi_ms) / 2.0, service.ms);
        self.class(service).waits.add_uniform(lo_ms, hi_ms, count);
    }

    /// `count` requests that took `latency_ms` in all, of which `wait_ms` in line.
    pub fn add_whole(&mut self, latency_ms: f64, wait_ms: f64, count: f64) {
        if !(count > 0.0) || !latency_ms.is_finite() {
            return;
        }
        self.total += count;
        self.latency_sum_ms += count * latency_ms;
        self.wait_sum_ms += count * wait_ms;
        self.whole.add_point(latency_ms, count);
        self.whole_waits.add_point(wait_ms, count);
    }

    /// Adds another store.
    pub fn merge(&mut self, other: &LatencyStore) {
        let other = other.settled();
        for c in &other.classes {
            let per_ms = c.per_ms;
            let mine = self.class(Service {
                ms: if per_ms.is_finite() {
                    1.0 / per_ms
                } else {
                    0.0
                },
                fixed: c.fixed,
            });
            mine.idle += c.idle;
            for (bin, n) in c.exponential.iter() {
                let i = mine.exponential.place(bin);
                mine.exponential.by_bin[i].requests += n;
            }
            mine.waits.merge(&c.waits);
        }
        self.whole.merge(&other.whole);
        self.whole_waits.merge(&other.whole_waits);
        self.total += other.total;
        self.latency_sum_ms += other.latency_sum_ms;
        self.wait_sum_ms += other.wait_sum_ms;
    }

    fn at_most(&self, ms: f64, latency: bool) -> f64 {
        let classes: f64 = self.classes.iter().map(|c| c.at_most(ms, latency)).sum();
        let whole = if latency {
            self.whole.at_most(ms)
        } else {
            self.whole_waits.at_most(ms)
        };
        classes + whole
    }

    fn quantile(&self, q: f64, latency: bool) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let settled = self.settled();
        let store = settled.as_ref();
        let target = q.clamp(0.0, 1.0) * self.total;
        if !latency && store.at_most(0.0, false) >= target {
            return 0.0;
        }
        // Bisection on a log scale: the answer lies between a microsecond and
        // a few weeks; 60 halvings pin it far below a bucket's width.
        let count_at = |ln_ms: f64| store.at_most(ln_ms.exp(), latency);
        let (mut lo, mut hi) = (1e-3_f64.ln(), 1e10_f64.ln());
        // The count at most a time only grows with the time: a halving whose
        // middle lies at or past a time known to reach the target reaches it
        // too, and one at or before a time known to fall short falls short.
        // Those known times come from a search that closes in far faster
        // than halving, so the halvings ask only about the few middles
        // between them. Where rounding makes the count wobble by its last
        // bit near the target, the answer may move by a millionth of a
        // millionth of itself; elsewhere it is the one asking about all.
        let (short, reached) = bracket(&count_at, target, lo, hi);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            let yes = if mid <= short {
                false
            } else if mid >= reached {
                true
            } else {
                count_at(mid) >= target
            };
            if yes {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi.exp()
    }

    /// The latency below which a share `q` (0..=1) of requests fall, milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.quantile(q, true)
    }

    /// The wait in line below which a share `q` of requests fall, milliseconds.
    pub fn wait_quantile_ms(&self, q: f64) -> f64 {
        self.quantile(q, false)
    }
}

/// Tries of [`bracket`] at most.
const BRACKET_TRIES: usize = 48;

/// How close [`bracket`] brings its ends, in log milliseconds: a few hundred
/// times a double's resolution there, so the halvings left are few.
const BRACKET_WIDTH: f64 = 1e-13;

/// Log times around where `count_at` (a count that only grows with the
/// time) reaches `target` within `lo..=hi`: the latest tried that fell short
/// and the earliest tried that reached it (infinite where none was). Found by
/// regula falsi, with the Illinois halving of an end that stays put, so it
/// closes in on the crossing in a few tries where halving needs fifty.
fn bracket(count_at: &impl Fn(f64) -> f64, target: f64, lo: f64, hi: f64) -> (f64, f64) {
    let (at_lo, at_hi) = (count_at(lo), count_at(hi));
    if at_lo >= target {
        return (f64::NEG_INFINITY, lo);
    }
    if !(at_hi >= target) {
        return (hi, f64::INFINITY);
    }
    let (mut a, mut b) = (lo, hi);
    let (mut fa, mut fb) = (at_lo - target, at_hi - target);
    let mut last_reached = None;
    // Whether a try just inside an end met the target exactly too: the
    // count is flat there, and halving finds where the flat part starts.
    let mut flat = false;
    for _ in 0..BRACKET_TRIES {
        let width = b - a;
        if width <= BRACKET_WIDTH {
            break;
        }
        let inside = fb == 0.0 && !flat;
        let mut x = if inside {
            // The target is met exactly at `b`: the crossing is there or
            // just before it, and the secant would land on `b` again.
            b - 0.5 * BRACKET_WIDTH
        } else if fb == 0.0 {
            // Flat at the target: the secant would creep along it.
            a + width / 2.0
        } else {
            (a * fb - b * fa) / (fb - fa)
        };
        if !(x > a && x < b) {
            x = a + width / 2.0;
        }
        let count = count_at(x);
        let reached = count >= target;
        flat |= inside && reached;
        if reached {
            (b, fb) = (x, count - target);
        } else {
            (a, fa) = (x, count - target);
        }
        // The same end moved twice running: the other has gone stale, and
        // its weight is halved so the next point lands past the crossing.
        if last_reached == Some(reached) {
            if reached {
                fa /= 2.0;
            } else {
                fb /= 2.0;
            }
        }
        last_reached = Some(reached);
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() / want < tol, "{got} vs {want}");
    }

    #[test]
    fn bins_hold_each_rate_where_its_logarithm_puts_it() {
        use rand::{RngExt as _, SeedableRng as _};
        use std::collections::BTreeMap;
        // Two lines whose rates wander within their bins and across their
        // edges, taking turns; now and then a jump far off and back, and
        // bins made by a merge (with no rate seen) before any rate lands there.
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        let mut thetas = [0.05, 0.3];
        let mut bins = Bins::default();
        let mut want = BTreeMap::<i32, f64>::new();
        for bin in [-250, -180, -120] {
            let i = bins.place(bin);
            bins.by_bin[i].requests += 1.0;
            want.insert(bin, 1.0);
        }
        for i in 0..40_000u32 {
            let line = (i % 2) as usize;
            thetas[line] *= 1.0 + rng.random_range(-0.004..0.004);
            let t = match i % 97 {
                13 => thetas[line] * 40.0,
                50 => thetas[line] / 40.0,
                _ => thetas[line],
            };
            let count = f64::from(i % 7 + 1);
            bins.add(t, count);
            let bin = (t.ln() / THETA_BIN.ln()).round() as i32;
            *want.entry(bin).or_insert(0.0) += count;
        }
        let want: Vec<(i32, f64)> = want.into_iter().collect();
        assert!(want.len() > 40, "the rates crossed {} bins", want.len());
        assert_eq!(bins.iter().collect::<Vec<_>>(), want);
    }

    #[test]
    fn uniform_quantiles_land_in_place() {
        let mut s = LatencyStore::default();
        s.add_whole(150.0, 0.0, 1.0);
        let mut h = Histogram::default();
        h.add_uniform(100.0, 200.0, 1000.0);
        for (q, want) in [(0.5, 150.0), (0.95, 195.0)] {
            let target = q * h.count();
            let mut x = 100.0;
            while h.at_most(x) < target {
                x += 0.1;
            }
            near(x, want, 0.03);
        }
    }

    #[test]
    fn mm1_response_time_is_exponential() {
        // M/M/1 at ρ = 0.9, μ = 100/s: response time is Exp(μ − λ = 10/s).
        let mut s = LatencyStore::default();
        s.add_exponential(Service::exponential(10.0), 1e6, 0.9, 0.01);
        for q in [0.5, 0.95, 0.99] {
            near(s.quantile_ms(q), -(1.0 - q).ln() / 0.01, 0.005);
        }
        near(s.mean_ms(), 100.0, 1e-9);
        near(s.mean_wait_ms(), 90.0, 1e-9);
        // Waits: P(W > w) = 0.9 e^{−w/100}.
        near(
            s.wait_quantile_ms(0.99),
            100.0 * (0.9f64 / 0.01).ln(),
            0.005,
        );
        assert_eq!(s.wait_quantile_ms(0.05), 0.0);
    }

    #[test]
    fn tails_and_exponentials_agree() {
        let mut a = LatencyStore::default();
        a.add_exponential(Service::exponential(20.0), 1000.0, 0.6, 0.05);
        let mut b = LatencyStore::default();
        b.add_wait_tail(Service::exponential(20.0), 1000.0, 0.6 / 0.05, |ms| {
            0.6 * (-0.05 * ms).exp()
        });
        for q in [0.5, 0.9, 0.99] {
            near(b.quantile_ms(q), a.quantile_ms(q), 0.03);
        }
    }

    #[test]
    fn a_fixed_service_shifts_the_waits() {
        let mut s = LatencyStore::default();
        s.add_exponential(
            Service {
                ms: 10.0,
                fixed: true,
            },
            1e6,
            0.9,
            0.01,
        );
        // P(W > w) = 0.9 e^{−w/100}: the p99 wait is 100 ln 90; latency adds 10 ms exactly.
        near(s.quantile_ms(0.99), 10.0 + 100.0 * 90f64.ln(), 0.005);
        near(s.quantile_ms(0.05), 10.0, 0.01);
    }

    #[test]
    fn merged_stores_add_up() {
        let mut a = LatencyStore::default();
        a.add_exponential(Service::exponential(10.0), 100.0, 0.5, 0.1);
        let mut b = LatencyStore::default();
        b.add_whole(40.0, 5.0, 50.0);
        b.add_uniform_wait(Service::exponential(10.0), 50.0, 0.0, 20.0);
        let mut m = a.clone();
        m.merge(&b);
        assert!((m.count() - 200.0).abs() < 1e-9);
        let mean = (a.mean_ms() * 100.0 + b.mean_ms() * 100.0) / 200.0;
        near(m.mean_ms(), mean, 1e-12);
    }

    /// Geometric numbers of departures ahead, P(k) = (1 − r) r^k: the wait is
    /// then r·Exp((1 − r)·rate), the M/M/c wait.
    fn geometric(r: f64, n: usize) -> impl Iterator<Item = (usize, f64)> {
        (0..n).map(move |k| (k, (1.0 - r) * r.powi(k as i32)))
    }

    #[test]
    fn departure_waits_are_the_erlang_mixture() {
        // 0.6 of the arrivals wait; the wait's decay is (1 − 0.6)·125/s = 50/s.
        let mut a = LatencyStore::default();
        a.add_exponential(Service::exponential(20.0), 1000.0, 0.6, 0.05);
        let mut b = LatencyStore::default();
        b.add_departure_waits(
            Service::exponential(20.0),
            1000.0,
            12.0,
            125.0,
            geometric(0.6, 200),
        );
        for q in [0.5, 0.9, 0.99] {
            near(b.quantile_ms(q), a.quantile_ms(q), 0.03);
            near(
                b.wait_quantile_ms(q.max(0.7)),
                a.wait_quantile_ms(q.max(0.7)),
                0.03,
            );
        }
    }

    #[test]
    fn departure_waits_of_many_ticks_and_rates_add_up() {
        // Three ticks at two rates, summed by rate, against each tick spread
        // on its own: the same mixture.
        let ticks = [(300.0, 0.5, 80.0), (500.0, 0.7, 80.0), (200.0, 0.6, 40.0)];
        let mut summed = LatencyStore::default();
        let mut apart = LatencyStore::default();
        for (count, r, per_s) in ticks {
            let mean_ms = r / (1.0 - r) / per_s * 1000.0;
            summed.add_departure_waits(
                Service::exponential(10.0),
                count,
                mean_ms,
                per_s,
                geometric(r, 300),
            );
            apart.add_departure_waits(
                Service::exponential(10.0),
                count,
                mean_ms,
                per_s,
                geometric(r, 300),
            );
            apart.settle();
        }
        for q in [0.3, 0.5, 0.9, 0.99, 0.999] {
            near(summed.quantile_ms(q), apart.quantile_ms(q), 1e-9);
        }
    }

    #[test]
    fn reading_a_store_changes_nothing_it_will_say() {
        // A screen reads percentiles mid-run; the run's score must not
        // depend on when it did. Nine rates also spill the least recent.
        let add = |s: &mut LatencyStore, i: usize| {
            let per_s = 50.0 + 10.0 * (i % 9) as f64;
            s.add_departure_waits(
                Service::exponential(10.0),
                100.0,
                5.0,
                per_s,
                geometric(0.5, 100),
            );
        };
        let (mut read, mut unread) = (LatencyStore::default(), LatencyStore::default());
        for i in 0..40 {
            add(&mut read, i);
            add(&mut unread, i);
            let _ = read.quantile_ms(0.99);
        }
        read.settle();
        unread.settle();
        assert_eq!(read, unread);
        assert!(read.quantile_ms(0.99) > 0.0);
    }

    #[test]
    fn quantiles_land_where_plain_halving_does() {
        let mut s = LatencyStore::default();
        s.add_exponential(Service::exponential(20.0), 5000.0, 0.4, 0.02);
        s.add_departure_waits(
            Service::exponential(5.0),
            800.0,
            30.0,
            60.0,
            geometric(0.8, 300),
        );
        s.add_uniform_wait(Service::exponential(50.0), 300.0, 10.0, 900.0);
        s.add_whole(2500.0, 400.0, 20.0);
        s.settle();
        for latency in [true, false] {
            for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
                let target = q * s.total;
                let (mut lo, mut hi) = (1e-3_f64.ln(), 1e10_f64.ln());
                for _ in 0..60 {
                    let mid = (lo + hi) / 2.0;
                    if s.at_most(mid.exp(), latency) >= target {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                near(s.quantile(q, latency), hi.exp(), 1e-11);
            }
        }
        // A straight line crosses at 2; a count always past or never at the
        // target gives the end it starts from.
        let (short, reached) = bracket(&|x: f64| x, 2.0, 0.0, 10.0);
        assert!(short < 2.0 && reached >= 2.0 && reached - short <= 1e-12);
        assert_eq!(bracket(&|_| 5.0, 1.0, 0.0, 10.0), (f64::NEG_INFINITY, 0.0));
        // Flat at the target from 3 on: halving finds where the flat part starts.
        let (short, reached) = bracket(&|x: f64| x.min(3.0), 3.0, 0.0, 10.0);
        assert!(short < 3.0 && reached >= 3.0 && reached - short <= 1e-12);
        assert_eq!(bracket(&|_| 0.0, 1.0, 0.0, 10.0), (10.0, f64::INFINITY));
    }
}
