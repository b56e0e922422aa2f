//! The number in a line as a probability distribution that evolves in time:
//! the forward (Kolmogorov) equations of the M(t)/M/c/K birth–death chain,
//! stepped with backward Euler.
//!
//! Backward Euler keeps probabilities non-negative and their sum exact, its
//! fixed point is the stationary distribution whatever the step, and steps
//! of a quarter second follow even a near-critical queue's slow build-up
//! (checked against the exact matrix exponential in `tests/queueing.rs`).
//! Steps are cut from the tick, never longer than [`MAX_STEP_S`], so the
//! answer barely depends on the tick a level picked.

/// Longest step of the forward equations, seconds.
pub const MAX_STEP_S: f64 = 0.25;

/// Below this, probability at the edge of the window counts as none.
const NEGLIGIBLE: f64 = 1e-13;

/// A step that moves less probability than this has reached the steady state.
const SETTLED: f64 = 1e-10;

/// The most states a distribution keeps; a line that would need more is
/// treated as full at the top (a queue that long is in overload, where the
/// fluid model takes over).
pub const MAX_STATES: usize = 1 << 16;

/// Rates of one birth–death chain: `servers` servers of rate `mu`,
/// arrivals `lambda`, and room for `top` in the system at most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Servers.
    pub servers: u32,
    /// Arrivals per second.
    pub lambda: f64,
    /// Service rate of one server, per second.
    pub mu: f64,
    /// Most in the system (servers plus room to wait).
    pub top: usize,
}

impl Rates {
    fn down(&self, n: usize) -> f64 {
        self.mu * n.min(self.servers as usize) as f64
    }
}

/// A distribution over the number in a line, n = `lo`..`lo + p.len()`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distribution {
    /// Lowest state held; below it the probability is negligible.
    pub lo: usize,
    /// Probabilities from `lo` up.
    pub p: Vec<f64>,
    /// Time-average of the distribution over the last call to [`Distribution::evolve`]
    /// (what Poisson arrivals see), on the same window.
    pub seen: Vec<f64>,
    // Scratch for the tridiagonal solves.
    upper: Vec<f64>,
    rhs: Vec<f64>,
}

impl Distribution {
    /// A point mass at `n`.
    pub fn at(n: usize) -> Distribution {
        Distribution {
            lo: n,
            p: vec![1.0],
            seen: vec![1.0],
            ..Default::default()
        }
    }

    /// Replaces the distribution with `full` (indexed from 0), trimmed to where it matters.
    pub fn set_from(&mut self, full: &[f64]) {
        let first = full.iter().position(|&x| x > NEGLIGIBLE).unwrap_or(0);
        let last = full
            .iter()
            .rposition(|&x| x > NEGLIGIBLE)
            .unwrap_or(first)
            .max(first);
        self.lo = first;
        self.p.clear();
        self.p.extend_from_slice(&full[first..=last]);
        self.seen.clear();
        self.seen.extend_from_slice(&self.p);
    }

    /// Highest state held.
    pub fn hi(&self) -> usize {
        self.lo + self.p.len().saturating_sub(1)
    }

    /// Mean number in the line.
    pub fn mean(&self) -> f64 {
        self.p
            .iter()
            .enumerate()
            .map(|(i, x)| (self.lo + i) as f64 * x)
            .sum()
    }

    /// Variance of the number in the line.
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.p
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let d = (self.lo + i) as f64 - m;
                d * d * x
            })
            .sum()
    }

    /// Probability of `n` or more.
    pub fn at_least(&self, n: usize) -> f64 {
        if n <= self.lo {
            return 1.0;
        }
        self.p.iter().skip(n - self.lo).sum()
    }

    /// Total variation distance to `full` (indexed from 0).
    pub fn distance(&self, full: &[f64]) -> f64 {
        let mut d = 0.0;
        let hi = self.hi();
        for (n, &q) in full.iter().enumerate() {
            let here = if n >= self.lo && n <= hi {
                self.p[n - self.lo]
            } else {
                0.0
            };
            d += (here - q).abs();
        }
        for n in full.len()..=hi {
            if n >= self.lo {
                d += self.p[n - self.lo];
            }
        }
        d / 2.0
    }

    /// Widens the window wherever probability reaches its edge, within 0..=top.
    fn fit(&mut self, rates: &Rates) {
        let top = rates.top.min(MAX_STATES - 1);
        // Shed states past the top (the room shrank): they are blocked now.
        if self.hi() > top {
            let keep = (top + 1).saturating_sub(self.lo).max(1);
            let spill: f64 = self.p.iter().skip(keep).sum();
            self.p.truncate(keep);
            if let Some(last) = self.p.last_mut() {
                *last += spill;
            }
        }
        let room_up = top.saturating_sub(self.hi());
        if room_up > 0 && self.p.last().is_some_and(|&x| x > NEGLIGIBLE) {
            let grow = (self.p.len() / 2).max(32).min(room_up);
            self.p.resize(self.p.len() + grow, 0.0);
        }
        if self.lo > 0 && self.p.first().is_some_and(|&x| x > NEGLIGIBLE) {
            let grow = (self.p.len() / 2).max(32).min(self.lo);
            self.p.splice(0..0, std::iter::repeat_n(0.0, grow));
            self.lo -= grow;
        }
        if self.p.len() > MAX_STATES {
            let spill: f64 = self.p.iter().skip(MAX_STATES).sum();
            self.p.truncate(MAX_STATES);
            if let Some(last) = self.p.last_mut() {
                *last += spill;
            }
        }
    }

    /// Drops negligible states at both ends.
    fn trim(&mut self) {
        let first = self.p.iter().position(|&x| x > NEGLIGIBLE).unwrap_or(0);
        let last = self
            .p
            .iter()
            .rposition(|&x| x > NEGLIGIBLE)
            .unwrap_or(first)
            .max(first);
        if last + 1 < self.p.len() {
            let spill: f64 = self.p[last + 1..].iter().sum();
            self.p.truncate(last + 1);
            self.p[last] += spill;
        }
        if first > 0 {
            let spill: f64 = self.p[..first].iter().sum();
            self.p.drain(..first);
            self.p[0] += spill;
            self.lo += first;
        }
    }

    /// Evolves the distribution for `duration` seconds at `rates`, and leaves
    /// in [`Distribution::seen`] its average over that time.
    ///
    /// Steps start at [`MAX_STEP_S`] and double, up to a quarter of the
    /// line's settling time: the fast modes die within the first steps, and
    /// the slow ones are followed at a fraction of their own time scale.
    /// Once a step changes the distribution by almost nothing, it has
    /// settled, and the rest of the duration needs no steps at all.
    pub fn evolve(&mut self, rates: &Rates, duration: f64) {
        let settle_s = relaxation_s(rates.servers, rates.lambda, rates.mu);
        let cap = if settle_s.is_finite() {
            (settle_s / 4.0).max(MAX_STEP_S)
        } else {
            MAX_STEP_S
        };
        self.fit(rates);
        self.seen.clear();
        self.seen.resize(self.p.len(), 0.0);
        let mut left = duration;
        let mut h = MAX_STEP_S.min(duration);
        while left > 1e-12 {
            let step = h.min(left);
            // Trapezoid: half the step's weight on each end.
            for (s, x) in self.seen.iter_mut().zip(&self.p) {
                *s += 0.5 * step * x;
            }
            let change = self.step(rates, step);
            let (lo, len) = (self.lo, self.p.len());
            self.fit(rates);
            if self.lo != lo || self.p.len() != len {
                let front = lo - self.lo;
                self.seen.splice(0..0, std::iter::repeat_n(0.0, front));
                self.seen.resize(self.p.len(), 0.0);
            }
            for (s, x) in self.seen.iter_mut().zip(&self.p) {
                *s += 0.5 * step * x;
            }
            left -= step;
            if change < SETTLED && left > 0.0 {
                // Settled: it stays as it is for the rest of the time.
                for (s, x) in self.seen.iter_mut().zip(&self.p) {
                    *s += left * x;
                }
                left = 0.0;
            }
            h = (h * 2.0).min(cap);
        }
        for s in &mut self.seen {
            *s /= duration;
        }
        let (lo, len) = (self.lo, self.p.len());
        self.trim();
        if self.lo != lo || self.p.len() != len {
            // Fold what the trim dropped from `seen` into its new edges.
            let front = self.lo - lo;
            let head: f64 = self.seen[..front].iter().sum();
            self.seen.drain(..front);
            let keep = self.p.len();
            let tail: f64 = self.seen[keep..].iter().sum();
            self.seen.truncate(keep);
            if let Some(first) = self.seen.first_mut() {
                *first += head;
            }
            if let Some(last) = self.seen.last_mut() {
                *last += tail;
            }
        }
    }

    /// One backward-Euler step: solves (I − hQ) x = p for x, Q the chain's
    /// generator on the window (reflecting at its edges), by the Thomas algorithm.
    fn step(&mut self, rates: &Rates, h: f64) -> f64 {
        let len = self.p.len();
        if len == 1 {
            return 0.0;
        }
        let (lo, top) = (self.lo, rates.top);
        let up = |n: usize| {
            if n >= top || n + 1 >= lo + len {
                0.0
            } else {
                rates.lambda
            }
        };
        let down = |n: usize| {
            if n <= lo { 0.0 } else { rates.down(n) }
        };
        // Row i: −h·up(n−1)·x[i−1] + (1 + h(up(n) + down(n)))·x[i] − h·down(n+1)·x[i+1] = p[i].
        self.upper.clear();
        self.upper.resize(len, 0.0);
        self.rhs.clear();
        self.rhs.extend_from_slice(&self.p);
        let mut prev_upper = 0.0;
        for i in 0..len {
            let n = lo + i;
            let sub = if i == 0 { 0.0 } else { -h * up(n - 1) };
            let diag = 1.0 + h * (up(n) + down(n));
            let sup = if i + 1 == len { 0.0 } else { -h * down(n + 1) };
            let denom = diag - sub * prev_upper;
            let u = sup / denom;
            self.upper[i] = u;
            let prev_rhs = if i == 0 { 0.0 } else { self.rhs[i - 1] };
            self.rhs[i] = (self.rhs[i] - sub * prev_rhs) / denom;
            prev_upper = u;
        }
        for i in (0..len - 1).rev() {
            self.rhs[i] -= self.upper[i] * self.rhs[i + 1];
        }
        let total: f64 = self.rhs.iter().map(|y| y.max(0.0)).sum();
        let mut change = 0.0;
        for (x, &y) in self.p.iter_mut().zip(&self.rhs) {
            let y = if total > 0.0 { y.max(0.0) / total } else { *x };
            change += (y - *x).abs();
            *x = y;
        }
        change
    }
}

/// Seconds a line takes to settle after a change, from the spectral gap of
/// its queue, (√(cμ) − √λ)²; infinite when λ ≥ cμ.
pub fn relaxation_s(servers: u32, lambda: f64, mu: f64) -> f64 {
    let cmu = f64::from(servers) * mu;
    if lambda >= cmu || cmu <= 0.0 {
        return f64::INFINITY;
    }
    let gap = (cmu.sqrt() - lambda.max(0.0).sqrt()).powi(2);
    1.0 / gap
}

#[cfg(test)]
mod tests {
    use super::super::mmc::stationary_into;
    use super::*;

    fn rates(lambda: f64) -> Rates {
        Rates {
            servers: 4,
            lambda,
            mu: 100.0,
            top: 100_000,
        }
    }

    #[test]
    fn settles_on_the_stationary_distribution() {
        let mut d = Distribution::at(0);
        for _ in 0..200 {
            d.evolve(&rates(300.0), 1.0);
        }
        let mut pi = Vec::new();
        stationary_into(4, 300.0, 100.0, d.hi() + 10, &mut pi);
        assert!(d.distance(&pi) < 1e-6, "{}", d.distance(&pi));
        assert!((d.p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn near_critical_build_up_follows_the_exact_solution() {
        // From the stationary state at 300/s, 390/s for 5 s: the exact
        // forward equations (scipy's expm_multiply) give E[N] = 31.58.
        let mut pi = Vec::new();
        stationary_into(4, 300.0, 100.0, 200, &mut pi);
        let mut d = Distribution::default();
        d.set_from(&pi);
        for _ in 0..5 {
            d.evolve(&rates(390.0), 1.0);
        }
        assert!((d.mean() - 31.58).abs() / 31.58 < 0.02, "{}", d.mean());
    }

    #[test]
    fn the_window_grows_with_the_queue_and_keeps_every_bit_of_probability() {
        let mut d = Distribution::at(0);
        d.evolve(&rates(420.0), 30.0);
        assert!(d.hi() > 200, "{}", d.hi());
        assert!((d.p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((d.seen.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(d.seen.len(), d.p.len());
    }

    #[test]
    fn relaxation_is_slow_near_capacity() {
        assert!(relaxation_s(4, 390.0, 100.0) > 10.0);
        assert!(relaxation_s(4, 200.0, 100.0) < 0.2);
        assert!(relaxation_s(4, 400.0, 100.0).is_infinite());
    }
}
