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

use std::collections::BTreeMap;

use super::queueing::mmc::hypo_over_at;

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

/// A wait distribution over the histogram's buckets, worked out once and
/// added for many requests: (bucket, share), shares summing to one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaitShape {
    buckets: Vec<(u16, f64)>,
    /// Mean wait, milliseconds.
    pub mean_ms: f64,
}

impl WaitShape {
    /// The shape of a wait with tail `over(ms)` = P(W > ms) and mean `mean_ms`.
    pub fn of_tail(mean_ms: f64, over: impl FnMut(f64) -> f64) -> WaitShape {
        let mut shape = WaitShape::default();
        shape.fill(mean_ms, over);
        shape
    }

    /// Makes this the shape of a wait with tail `over(ms)` and mean `mean_ms`,
    /// reusing its buffer.
    pub fn fill(&mut self, mean_ms: f64, mut over: impl FnMut(f64) -> f64) {
        self.mean_ms = mean_ms;
        let buckets = &mut self.buckets;
        buckets.clear();
        // Room for every bucket once: a shape never needs to grow again.
        buckets.reserve(BUCKETS + 1);
        let mut above = 1.0;
        for i in 0..=BUCKETS {
            let next = if i == BUCKETS {
                0.0
            } else {
                over(edge(i)).clamp(0.0, above)
            };
            let m = above - next;
            if m > 0.0 {
                buckets.push((i as u16, m));
            }
            above = next;
            if above < 1e-12 {
                if above > 0.0
                    && let Some(last) = buckets.last_mut()
                {
                    last.1 += above;
                }
                break;
            }
        }
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
    /// Exponential waits: decay-rate bin → requests that waited.
    exponential: BTreeMap<i32, f64>,
    /// Other waits, milliseconds.
    waits: Histogram,
}

impl Class {
    fn theta_of(bin: i32) -> f64 {
        THETA_BIN.powi(bin)
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
        for (&bin, &n) in &self.exponential {
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
        let bin = (theta_per_ms.ln() / THETA_BIN.ln()).round() as i32;
        *class.exponential.entry(bin).or_insert(0.0) += count * p_wait;
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

    /// `count` requests of `service` whose waits follow `shape`.
    pub fn add_shape(&mut self, service: Service, count: f64, shape: &WaitShape) {
        if !(count > 0.0) {
            return;
        }
        self.count_in(count, shape.mean_ms, service.ms);
        let h = &mut self.class(service).waits;
        for &(i, m) in &shape.buckets {
            let i = usize::from(i);
            h.mass[i] += count * m;
            h.touch(i);
        }
        h.total += count;
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
            for (&bin, &n) in &c.exponential {
                *mine.exponential.entry(bin).or_insert(0.0) += n;
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
        let target = q.clamp(0.0, 1.0) * self.total;
        if !latency && self.at_most(0.0, false) >= target {
            return 0.0;
        }
        // Bisection on a log scale: the answer lies between a microsecond and
        // a few weeks; 60 halvings pin it far below a bucket's width.
        let (mut lo, mut hi) = (1e-3_f64.ln(), 1e10_f64.ln());
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if self.at_most(mid.exp(), latency) >= target {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn near(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() / want < tol, "{got} vs {want}");
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
}
