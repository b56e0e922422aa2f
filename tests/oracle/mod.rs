//! Oracles for the queueing tests, written independently of the engine:
//! M/M/c theory by the textbook formulas, the exact M(t)/M/c forward
//! equations by fourth-order Runge–Kutta, and a per-request discrete-event
//! simulator with exponential (or fixed) service and callers who leave after a fixed
//! patience.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Erlang C by the textbook sum (not the engine's recursion).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0; // k = 0
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

/// Steady-state M/M/c: `c` servers of rate `mu`, arrivals `lambda`.
#[derive(Debug, Clone, Copy)]
pub struct Mmc {
    pub c: u32,
    pub lambda: f64,
    pub mu: f64,
}

impl Mmc {
    /// P(wait > 0).
    pub fn p_wait(&self) -> f64 {
        erlang_c(self.c, self.lambda / self.mu)
    }

    fn theta(&self) -> f64 {
        f64::from(self.c) * self.mu - self.lambda
    }

    /// Mean wait in line, seconds.
    pub fn mean_wait(&self) -> f64 {
        self.p_wait() / self.theta()
    }

    /// P(response > t): no wait and an exponential service, or an
    /// exponential wait then service (their sum by direct integration).
    pub fn response_over(&self, t: f64) -> f64 {
        let (c, th, mu) = (self.p_wait(), self.theta(), self.mu);
        // ∫₀^t θe^{−θw} e^{−μ(t−w)} dw by Simpson's rule.
        let n = 4000;
        let h = t / n as f64;
        let f = |w: f64| th * (-th * w).exp() * (-mu * (t - w)).exp();
        let mut s = f(0.0) + f(t);
        for i in 1..n {
            s += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        let waited_then_served = (-th * t).exp() + s * h / 3.0;
        (1.0 - c) * (-mu * t).exp() + c * waited_then_served
    }

    /// The response time below which a share `q` fall, seconds (bisection).
    pub fn response_quantile(&self, q: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 1.0);
        while self.response_over(hi) > 1.0 - q {
            hi *= 2.0;
        }
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if self.response_over(mid) > 1.0 - q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

/// A discrete-event run: per request, exponential service, first come first
/// served, callers who leave after `patience` seconds in line.
#[derive(Debug, Clone)]
pub struct Des {
    pub servers: usize,
    pub mu: f64,
    /// Whether every service takes exactly 1/μ (else exponential).
    pub fixed: bool,
    pub patience: f64,
    pub deadline: f64,
    /// Arrival rate over time: (seconds, requests per second), in order.
    pub profile: Vec<(f64, f64)>,
    /// When to start timing the drain of the backlog.
    pub drain_from: f64,
    /// Windows over which to average the number in the system.
    pub windows: Vec<(f64, f64)>,
}

/// What a discrete-event run measured.
#[derive(Debug, Clone, Default)]
pub struct DesResult {
    pub arrived: u64,
    pub served: u64,
    pub late: u64,
    pub gave_up: u64,
    pub peak_backlog: usize,
    pub drain_s: Option<f64>,
    /// Latency of every served request, sorted, seconds.
    pub latency: Vec<f64>,
    pub mean_wait: f64,
    /// Time-averaged number in the system over each window.
    pub in_system: Vec<f64>,
}

impl DesResult {
    /// A latency percentile, seconds.
    pub fn quantile(&self, q: f64) -> f64 {
        let i = ((q * self.latency.len() as f64) as usize).min(self.latency.len() - 1);
        self.latency[i]
    }
}

struct Time(f64);
impl PartialEq for Time {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Time {}
impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Time {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Des {
    /// Runs one seed.
    pub fn run(&self, seed: u64) -> DesResult {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut exp = move |rate: f64| -(1.0 - rng.random::<f64>()).ln() / rate;
        let mut arrivals = Vec::new();
        let mut start = 0.0;
        for &(dur, rate) in &self.profile {
            let end = start + dur;
            let mut t = start;
            loop {
                t += exp(rate);
                if t >= end {
                    break;
                }
                arrivals.push(t);
            }
            start = end;
        }
        let horizon = start;
        let mut r = DesResult {
            arrived: arrivals.len() as u64,
            in_system: vec![0.0; self.windows.len()],
            ..DesResult::default()
        };
        let mut queue: VecDeque<f64> = VecDeque::new();
        let mut departures: BinaryHeap<Reverse<Time>> = BinaryHeap::new();
        let mut busy = 0usize;
        let mut wait_sum = 0.0;
        let (mut next, mut last_t) = (0usize, 0.0_f64);
        loop {
            let ta = arrivals.get(next).copied().unwrap_or(f64::INFINITY);
            let td = departures
                .peek()
                .map_or(f64::INFINITY, |Reverse(Time(t))| *t);
            let now = ta.min(td);
            if !now.is_finite() {
                break;
            }
            // Callers whose patience ran out have left, oldest first.
            while queue.front().is_some_and(|&a| a + self.patience < now) {
                queue.pop_front();
                r.gave_up += 1;
            }
            // The number in the system was constant since the last event.
            let n = (busy + queue.len()) as f64;
            for (w, &(from, to)) in self.windows.iter().enumerate() {
                let overlap = now.min(to) - last_t.max(from);
                if overlap > 0.0 {
                    r.in_system[w] += n * overlap / (to - from);
                }
            }
            last_t = now;
            let fixed = self.fixed;
            let mut serve =
                |arrived: f64,
                 now: f64,
                 r: &mut DesResult,
                 departures: &mut BinaryHeap<Reverse<Time>>| {
                    let s = if fixed { 1.0 / self.mu } else { exp(self.mu) };
                    departures.push(Reverse(Time(now + s)));
                    let w = now - arrived;
                    wait_sum += w;
                    r.served += 1;
                    r.latency.push(w + s);
                    if w + s > self.deadline {
                        r.late += 1;
                    }
                };
            if ta <= td {
                next += 1;
                if busy < self.servers {
                    busy += 1;
                    serve(now, now, &mut r, &mut departures);
                } else {
                    queue.push_back(now);
                }
            } else {
                departures.pop();
                match queue.pop_front() {
                    Some(a) => serve(a, now, &mut r, &mut departures),
                    None => busy -= 1,
                }
            }
            r.peak_backlog = r.peak_backlog.max(queue.len());
            if r.drain_s.is_none() && now > self.drain_from && queue.is_empty() && now <= horizon {
                r.drain_s = Some(now - self.drain_from);
            }
        }
        r.gave_up += queue.len() as u64;
        r.latency.sort_by(f64::total_cmp);
        r.mean_wait = wait_sum / r.served.max(1) as f64;
        r
    }
}

/// The exact M(t)/M/c forward equations on states 0..=top, by RK4 steps of `dt`.
pub struct Exact {
    pub servers: usize,
    pub mu: f64,
    pub top: usize,
    pub p: Vec<f64>,
}

impl Exact {
    /// Starts from the M/M/c steady state at `lambda`.
    pub fn stationary(servers: usize, mu: f64, lambda: f64, top: usize) -> Exact {
        let a = lambda / mu;
        let rho = a / servers as f64;
        let mut p = vec![0.0; top + 1];
        p[0] = 1.0;
        for n in 1..=top {
            p[n] = p[n - 1] * if n <= servers { a / n as f64 } else { rho };
        }
        let s: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= s);
        Exact {
            servers,
            mu,
            top,
            p,
        }
    }

    fn derivative(&self, lambda: f64, p: &[f64], out: &mut [f64]) {
        for n in 0..=self.top {
            let up = if n < self.top { lambda } else { 0.0 };
            let down = self.mu * n.min(self.servers) as f64;
            let mut d = -(up + down) * p[n];
            if n > 0 {
                d += lambda * p[n - 1];
            }
            if n < self.top {
                d += self.mu * (n + 1).min(self.servers) as f64 * p[n + 1];
            }
            out[n] = d;
        }
    }

    /// Advances `seconds` at `lambda`, calling `each(p)` after every step.
    pub fn run(&mut self, lambda: f64, seconds: f64, dt: f64, mut each: impl FnMut(&[f64], f64)) {
        let steps = (seconds / dt).round() as usize;
        let len = self.top + 1;
        let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
            vec![0.0; len],
            vec![0.0; len],
            vec![0.0; len],
            vec![0.0; len],
            vec![0.0; len],
        );
        for _ in 0..steps {
            self.derivative(lambda, &self.p, &mut k1);
            for i in 0..len {
                tmp[i] = self.p[i] + dt / 2.0 * k1[i];
            }
            self.derivative(lambda, &tmp, &mut k2);
            for i in 0..len {
                tmp[i] = self.p[i] + dt / 2.0 * k2[i];
            }
            self.derivative(lambda, &tmp, &mut k3);
            for i in 0..len {
                tmp[i] = self.p[i] + dt * k3[i];
            }
            self.derivative(lambda, &tmp, &mut k4);
            for i in 0..len {
                self.p[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            each(&self.p, dt);
        }
    }

    /// Mean number in the system.
    pub fn mean(&self) -> f64 {
        self.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum()
    }

    /// For each state n, P(response > d) of an arrival that finds n: an
    /// Erlang(n − c + 1, cμ) wait if every server is busy, then an
    /// exponential service (integrated numerically).
    pub fn response_over_table(&self, d: f64) -> Vec<f64> {
        let (c, mu) = (self.servers, self.mu);
        let a = c as f64 * mu;
        let steps = 2000;
        let h = d / steps as f64;
        (0..=self.top)
            .map(|n| {
                if n < c {
                    return (-mu * d).exp();
                }
                let k = (n - c + 1) as f64;
                let ln_fact: f64 = (1..(n - c + 1)).map(|j| (j as f64).ln()).sum();
                let density = |w: f64| {
                    if w <= 0.0 {
                        return if k == 1.0 { a } else { 0.0 };
                    }
                    (k * a.ln() + (k - 1.0) * w.ln() - a * w - ln_fact).exp()
                };
                let f = |w: f64| density(w) * (-mu * (d - w)).exp();
                let mut s = f(0.0) + f(d);
                let mut cdf = 0.0;
                for i in 1..steps {
                    let w = i as f64 * h;
                    s += f(w) * if i % 2 == 1 { 4.0 } else { 2.0 };
                }
                // P(Erlang > d) as the Poisson sum of fewer than k departures.
                let x = a * d;
                let mut term = (-x).exp();
                for j in 0..(n - c + 1) {
                    if j > 0 {
                        term *= x / j as f64;
                    }
                    cdf += term;
                }
                (cdf + s * h / 3.0).min(1.0)
            })
            .collect()
    }
}
