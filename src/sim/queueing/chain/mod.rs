//! The number in a line as a probability distribution that evolves in time:
//! the forward (Kolmogorov) equations of the M(t)/M/c/K birth–death chain,
//! stepped with backward Euler.
//!
//! Backward Euler keeps probabilities non-negative and their sum exact, its
//! fixed point is the stationary distribution whatever the step, and steps
//! of a quarter second follow even a near-critical queue's slow build-up
//! (checked against the exact matrix exponential in `tests/queueing.rs`).
//! Steps are cut from the tick, never longer than [`MAX_STEP_S`] or a
//! quarter of the line's settling time, so the answer barely depends on the
//! tick a level picked. Once only the slowest mode is left, the rest of a
//! long tick is summed in closed form instead of stepped ([`SlowMode`]).

/// Longest step of the forward equations, seconds.
pub const MAX_STEP_S: f64 = 0.25;

/// Below this, probability at the edge of the window counts as none.
pub(super) const NEGLIGIBLE: f64 = 1e-13;

/// The fewest states the window grows by at an edge.
const GROW_MIN: usize = 4;

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

/// What a call of [`Distribution::evolve`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evolved {
    /// Steps taken.
    pub steps: usize,
    /// States swept, summed over the steps: what the call cost.
    pub rows: usize,
    /// How far (in total probability moved, twice the total variation) the
    /// distribution is at least from its stationary one: what the last step
    /// moved says so, without working the stationary distribution out. Nil
    /// when nothing is known.
    pub away: f64,
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
    /// The factored matrices of two step lengths: the one in use, and the
    /// one used before it or factored ahead for the next step (a tick's
    /// steps double up to a cap and its last is cut short, so few lengths
    /// come back).
    factors: [Factors; 2],
    /// Which of [`Distribution::factors`] was used last.
    current: usize,
    /// The fixed point of the steps on the current window.
    fixed: Vec<f64>,
    /// Scratch for the tridiagonal solves.
    rhs: Vec<f64>,
}

/// The LU factors of one backward-Euler step's tridiagonal matrix. They
/// depend on the rates, the step and the window alone, which the steps of
/// one tick mostly share: kept, a step costs two multiply-add sweeps and no
/// division.
#[derive(Debug, Clone, Default, PartialEq)]
struct Factors {
    /// What the factors were made for.
    key: Option<(Rates, u64, usize, usize)>,
    /// 1 / pivot, by row.
    inv: Vec<f64>,
    /// What a row takes from the row below it on the way down: h·up(n−1) / pivot.
    below: Vec<f64>,
    /// `below` of a row times `below` of the row under it: the sweep down
    /// takes two rows a turn, so its chain of dependent operations is half as long.
    below_pair: Vec<f64>,
    /// What a row takes from the row above it on the way back: h·down(n+1) / pivot.
    above: Vec<f64>,
    /// `above` of a row times `above` of the row over it, for the sweep back.
    above_pair: Vec<f64>,
}

/// Continuants past this are scaled down (their ratios, the pivots, stay).
const CONTINUANT_MAX: f64 = 1e150;

impl Factors {
    /// Factors (I − hQ) on the window `lo..lo + len`, reflecting at its edges,
    /// unless they are already those.
    fn make(&mut self, rates: &Rates, h: f64, lo: usize, len: usize) {
        if self.key != Some((*rates, h.to_bits(), lo, len)) {
            make_all([self], rates, [h], lo, len);
        }
    }
}

/// Factors (I − h·Q) for each of `K` step lengths on the window
/// `lo..lo + len` in one pass: each length's recurrence waits on its own
/// last row only, so two of them run side by side in the time of one, and
/// each comes out bit for bit as it would alone.
fn make_all<const K: usize>(
    mut factors: [&mut Factors; K],
    rates: &Rates,
    hs: [f64; K],
    lo: usize,
    len: usize,
) {
    let top = rates.top;
    let end = lo + len;
    let up = |n: usize| {
        if n >= top || n + 1 >= end {
            0.0
        } else {
            rates.lambda
        }
    };
    let down = |n: usize| if n <= lo { 0.0 } else { rates.down(n) };
    for f in factors.iter_mut() {
        for v in [
            &mut f.inv,
            &mut f.below,
            &mut f.below_pair,
            &mut f.above,
            &mut f.above_pair,
        ] {
            // Every row a sweep reads is written below: only a longer window
            // needs new room.
            v.resize(len, 0.0);
        }
    }
    // The pivots d_i = diag_i − e_i / d_{i−1} (e_i the product of the two
    // off-diagonal entries between rows i − 1 and i) are the ratios
    // q_i / q_{i−1} of the continuants q_i = diag_i q_{i−1} − e_i q_{i−2}.
    // Their recurrence has no division on its path, and the divisions left
    // are independent of each other. The matrix's columns each sum to one
    // over a positive diagonal, so every pivot is at least one and the
    // continuants only grow.
    let (mut q2, mut q1) = ([0.0; K], [1.0; K]);
    let mut from_above = [0.0; K];
    // The pair products are made as the rows are, from the row before kept
    // at hand: one pass over the factors, not two.
    let (mut below_last, mut above_last) = ([0.0; K], [0.0; K]);
    // Each row's rates up and down are the row before's, one along: carried
    // from row to row, each is worked out once.
    let (mut up_below, mut down_here) = (0.0, down(lo));
    for i in 0..len {
        let n = lo + i;
        let up_here = up(n);
        let out = up_here + down_here;
        let down_above = if i + 1 == len { 0.0 } else { down(n + 1) };
        for k in 0..K {
            let h = hs[k];
            let from_below = if i == 0 { 0.0 } else { h * up_below };
            let diag = 1.0 + h * out;
            let to_above = if i + 1 == len { 0.0 } else { h * down_above };
            let q = diag * q1[k] - (from_below * from_above[k]) * q2[k];
            let inv = q1[k] / q;
            let (below, above) = (from_below * inv, to_above * inv);
            let f = &mut *factors[k];
            f.inv[i] = inv;
            f.below[i] = below;
            f.above[i] = above;
            if i > 0 {
                f.below_pair[i] = below * below_last[k];
                f.above_pair[i - 1] = above_last[k] * above;
            }
            (below_last[k], above_last[k]) = (below, above);
            (q2[k], q1[k]) = (q1[k], q);
            if q1[k] > CONTINUANT_MAX {
                q2[k] /= CONTINUANT_MAX;
                q1[k] /= CONTINUANT_MAX;
            }
            from_above[k] = to_above;
        }
        (up_below, down_here) = (up_here, down_above);
    }
    for (f, h) in factors.into_iter().zip(hs) {
        f.key = Some((*rates, h.to_bits(), lo, len));
    }
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

    /// Makes this [`Distribution::at`]`(n)`, keeping its buffers: a line that
    /// closes or leaves overload starts again without allocating.
    pub fn reset_at(&mut self, n: usize) {
        self.lo = n;
        self.p.clear();
        self.p.push(1.0);
        self.seen.clear();
        self.seen.push(1.0);
        for f in &mut self.factors {
            f.key = None;
            f.inv.clear();
            f.below.clear();
            f.below_pair.clear();
            f.above.clear();
            f.above_pair.clear();
        }
        self.current = 0;
        self.fixed.clear();
        self.rhs.clear();
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
        // Past both the window and the last state `full` holds anything in,
        // every term is nil: adding them changes nothing.
        let held = full.iter().rposition(|&q| q != 0.0).map_or(0, |n| n + 1);
        let end = held.max(hi + 1).min(full.len());
        for (n, &q) in full[..end].iter().enumerate() {
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

    /// Widens the window wherever probability reaches its edge, within
    /// 0..=top, by as far as the next step of `h` seconds can carry it.
    ///
    /// Past a window's edge a backward-Euler step leaves a tail that shrinks
    /// by one ratio a state (see [`tail_ratios`]); the window grows by the
    /// states that tail takes to fall from one to [`NEGLIGIBLE`], and never
    /// by fewer than [`GROW_MIN`]. A light line grows by a few states, and a
    /// large pool filling from empty by hundreds at once: it once grew by
    /// half of itself and lagged behind such a pool for seconds, while a
    /// light line swept dozens of empty states every step.
    fn fit(&mut self, rates: &Rates, h: f64) {
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
            let (up, _) = tail_ratios(h * rates.lambda, h * rates.down(self.hi()));
            let grow = states_to_negligible(up).min(room_up);
            self.p.resize(self.p.len() + grow, 0.0);
        }
        if self.lo > 0 && self.p.first().is_some_and(|&x| x > NEGLIGIBLE) {
            let (_, down) = tail_ratios(h * rates.lambda, h * rates.down(self.lo));
            let grow = states_to_negligible(down).min(self.lo);
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
    /// settled, and the rest of the duration needs no steps at all; once
    /// the distance to where the steps lead shrinks by one steady ratio, the
    /// rest is that geometric series, summed.
    pub fn evolve(&mut self, rates: &Rates, duration: f64) -> Evolved {
        self.evolve_summing(rates, duration, true)
    }

    /// [`Distribution::evolve`], summing the slow mode in closed form or
    /// stepping it to the end (for checking the one against the other).
    fn evolve_summing(&mut self, rates: &Rates, duration: f64, sum_slow: bool) -> Evolved {
        let settle_s = relaxation_s(rates.servers, rates.lambda, rates.mu);
        let cap = if settle_s.is_finite() {
            (settle_s / 4.0).max(MAX_STEP_S)
        } else {
            MAX_STEP_S
        };
        let mut h = MAX_STEP_S.min(duration);
        self.fit(rates, h);
        self.seen.clear();
        self.seen.resize(self.p.len(), 0.0);
        let mut left = duration;
        let mut slow = SlowMode::default();
        let (mut steps, mut rows) = (0, 0);
        let mut away = 0.0;
        while left > 1e-12 {
            let step = h.min(left);
            // The distance to the fixed point is summed in the step's sweep
            // when the slow mode is watching steps of this length on this window.
            let watched = slow.fixed && slow.step == step && slow.window == (self.lo, self.p.len());
            // The next step's length, if it is another: its factors are made
            // with this step's, in the same pass.
            let next = (h * 2.0).min(cap).min(left - step);
            let next = (left - step > 1e-12 && next != step).then_some(next);
            let (change, distance) = self.step(rates, step, next, watched);
            steps += 1;
            rows += self.p.len();
            // The step moved hQ·p, and |hQ·(p − π)| is at most 2h(λ + cμ)
            // times |p − π|: so far, at least, p still is from π.
            away = change
                / (2.0 * step * (rates.lambda + rates.down(rates.top))).max(f64::MIN_POSITIVE);
            let (lo, len) = (self.lo, self.p.len());
            self.fit(rates, (h * 2.0).min(cap));
            if self.lo != lo || self.p.len() != len {
                // New states at the edges hold nothing yet.
                let front = lo - self.lo;
                self.seen.splice(0..0, std::iter::repeat_n(0.0, front));
                self.seen.resize(self.p.len(), 0.0);
            }
            left -= step;
            if change < SETTLED && left > 0.0 {
                // Settled: it stays as it is for the rest of the time.
                for (s, x) in self.seen.iter_mut().zip(&self.p) {
                    *s += left * x;
                }
                left = 0.0;
            }
            if sum_slow && left > 0.0 {
                let same = self.lo == lo && self.p.len() == len;
                if slow.watch(
                    self,
                    rates,
                    step,
                    same,
                    left,
                    (watched && same).then_some(distance),
                ) {
                    slow.finish(self, step, left);
                    left = 0.0;
                    away = 0.0;
                }
            }
            h = (h * 2.0).min(cap);
        }
        self.rescale();
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
        Evolved { steps, rows, away }
    }

    /// The fixed point of the steps on the current window (the chain's
    /// stationary distribution with the window's edges reflecting), into
    /// [`Distribution::fixed`], by detailed balance. False when there is none.
    fn fixed_point(&mut self, rates: &Rates) -> bool {
        let (lo, len) = (self.lo, self.p.len());
        self.fixed.clear();
        self.fixed.reserve(len);
        let mut x = 1.0f64;
        let mut total = 0.0;
        for i in 0..len {
            if i > 0 {
                let n = lo + i;
                // Up from n − 1 (the window's top row has nowhere up to go,
                // and n is inside the window).
                let up = if n > rates.top { 0.0 } else { rates.lambda };
                let down = rates.down(n);
                if !(down > 0.0) {
                    return false;
                }
                x *= up / down;
                if x > 1e200 {
                    // Scale what is held down before it overflows.
                    self.fixed.iter_mut().for_each(|f| *f *= 1e-200);
                    total *= 1e-200;
                    x *= 1e-200;
                }
            }
            self.fixed.push(x);
            total += x;
        }
        if !(total > 0.0 && total.is_finite()) {
            return false;
        }
        self.fixed.iter_mut().for_each(|f| *f /= total);
        true
    }

    /// One backward-Euler step of `h` seconds: solves (I − hQ) x = p for x,
    /// Q the chain's generator on the window (reflecting at its edges), and
    /// adds the step to [`Distribution::seen`] by the trapezoid rule. Returns
    /// how much probability moved and, when `to_fixed` asks (and
    /// [`Distribution::fixed`] holds this window's fixed point), the distance
    /// to the fixed point after the step. `next` is the length of the step
    /// after, if it differs: when this one's factors must be made, so are its.
    fn step(&mut self, rates: &Rates, h: f64, next: Option<f64>, to_fixed: bool) -> (f64, f64) {
        let len = self.p.len();
        if len == 1 {
            self.seen[0] += h * self.p[0];
            let distance = if to_fixed {
                (self.p[0] - self.fixed[0]).abs()
            } else {
                0.0
            };
            return (0.0, distance);
        }
        let key = Some((*rates, h.to_bits(), self.lo, len));
        if self.factors[self.current].key != key {
            // The other one; swapped by index, not by moving the factors.
            self.current = 1 - self.current;
        }
        if self.factors[self.current].key != key {
            let [a, b] = &mut self.factors;
            let (now, then) = if self.current == 0 { (a, b) } else { (b, a) };
            match next {
                Some(h2) if then.key != Some((*rates, h2.to_bits(), self.lo, len)) => {
                    make_all([now, then], rates, [h, h2], self.lo, len);
                }
                _ => now.make(rates, h, self.lo, len),
            }
        }
        let f = &self.factors[self.current];
        // Every factor is non-negative (the matrix is an M-matrix), so
        // neither sweep subtracts: no probability cancels away. Each sweep
        // takes two rows a turn (see `Factors::below_pair`).
        // The sweep down writes every row: only a longer window needs new room.
        self.rhs.resize(len, 0.0);
        let (x, rhs) = (&self.p[..len], &mut self.rhs[..len]);
        let (inv, below, below_pair) = (&f.inv[..len], &f.below[..len], &f.below_pair[..len]);
        let mut y = 0.0;
        let mut i = 0;
        while i + 1 < len {
            let (a0, a1) = (x[i] * inv[i], x[i + 1] * inv[i + 1]);
            rhs[i] = a0 + below[i] * y;
            y = (a1 + below[i + 1] * a0) + below_pair[i + 1] * y;
            rhs[i + 1] = y;
            i += 2;
        }
        if i < len {
            rhs[i] = x[i] * inv[i] + below[i] * y;
        }
        // The sweep back settles each row as it goes: the step's sum is
        // exact but for rounding (every column of the matrix sums to one),
        // so the distribution is scaled back to one only at the end of
        // `evolve`, and nothing here waits for the whole sum.
        let (above, above_pair) = (&f.above[..len], &f.above_pair[..len]);
        let (p, seen) = (&mut self.p[..len], &mut self.seen[..len]);
        let half = 0.5 * h;
        if to_fixed {
            let fixed = &self.fixed[..len];
            let settle =
                |i: usize, y: f64, p: &mut [f64], seen: &mut [f64], sums: &mut [f64; 2]| {
                    let y = y.max(0.0);
                    sums[0] += (y - p[i]).abs();
                    sums[1] += (y - fixed[i]).abs();
                    seen[i] += half * (p[i] + y);
                    p[i] = y;
                };
            sweep_back(rhs, above, above_pair, p, seen, settle)
        } else {
            let settle =
                |i: usize, y: f64, p: &mut [f64], seen: &mut [f64], sums: &mut [f64; 2]| {
                    let y = y.max(0.0);
                    sums[0] += (y - p[i]).abs();
                    seen[i] += half * (p[i] + y);
                    p[i] = y;
                };
            sweep_back(rhs, above, above_pair, p, seen, settle)
        }
    }

    /// Scales the distribution back to a sum of one (steps leave it off by rounding).
    fn rescale(&mut self) {
        let total: f64 = self.p.iter().sum();
        if total > 0.0 && total.is_finite() {
            let scale = 1.0 / total;
            self.p.iter_mut().for_each(|x| *x *= scale);
        }
    }
}

/// The ratios by which a backward-Euler step's tail shrinks from state to
/// state, upwards and downwards, past a window's edge where a step of `h`
/// moves `up` = hλ and `down` = h·(departure rate) of a state's
/// probability. Beyond the edge the step's equations are homogeneous,
/// x_n (1 + up + down) = up·x_(n−1) + down·x_(n+1), and the ratios are the
/// roots below one of their characteristic equations, in the form that
/// cancels nothing. The departure rate only grows upwards and shrinks
/// downwards from an edge, so the ratio at the edge is the largest beyond it.
fn tail_ratios(up: f64, down: f64) -> (f64, f64) {
    let sum = 1.0 + up + down;
    let root = (sum * sum - 4.0 * up * down).max(0.0).sqrt();
    (2.0 * up / (sum + root), 2.0 * down / (sum + root))
}

/// States a tail shrinking by `ratio` a state takes to fall from one to
/// [`NEGLIGIBLE`], and at least [`GROW_MIN`].
fn states_to_negligible(ratio: f64) -> usize {
    if !(ratio > 0.0) {
        return GROW_MIN;
    }
    if ratio >= 1.0 {
        // A tail that never shrinks: the room caps the growth.
        return usize::MAX;
    }
    // Saturates where the ratio rounds close to one, as it should.
    ((NEGLIGIBLE.ln() / ratio.ln()).ceil() as usize).max(GROW_MIN)
}

/// The sweep back of a step, two rows a turn, settling each row with
/// `settle` as it goes; returns the two sums `settle` keeps, each added up
/// from two partial sums (one for each row of a pair: neither waits on the
/// other).
fn sweep_back(
    rhs: &[f64],
    above: &[f64],
    above_pair: &[f64],
    p: &mut [f64],
    seen: &mut [f64],
    settle: impl Fn(usize, f64, &mut [f64], &mut [f64], &mut [f64; 2]),
) -> (f64, f64) {
    let len = p.len();
    let (mut sums_hi, mut sums_lo) = ([0.0; 2], [0.0; 2]);
    let mut next = 0.0;
    let mut i = len;
    while i >= 2 {
        let (hi, lo) = (i - 1, i - 2);
        let r_hi = rhs[hi] + above[hi] * next;
        next = (rhs[lo] + above[lo] * rhs[hi]) + above_pair[lo] * next;
        settle(hi, r_hi, p, seen, &mut sums_hi);
        settle(lo, next, p, seen, &mut sums_lo);
        i -= 2;
    }
    if i == 1 {
        settle(0, rhs[0] + above[0] * next, p, seen, &mut sums_lo);
    }
    (sums_hi[0] + sums_lo[0], sums_hi[1] + sums_lo[1])
}

/// Consecutive steps whose distance to the fixed point must shrink by the
/// same ratio before the rest of a tick is summed in closed form.
const STEADY_RATIOS: usize = 2;

/// The distance to the fixed point (total variation, doubled) below which
/// the rest of a tick may be summed: whatever error the sum makes is a
/// fraction of what is left to move.
const CLOSE_ENOUGH: f64 = 1e-3;

/// Steps that must be left in a tick for summing them to be worth finding
/// the fixed point.
const WORTH_SUMMING: f64 = 4.0;

/// How close two decays per step (1 − ratio) must be, relatively, for the
/// decay to count as one mode's.
const RATIO_AGREES: f64 = 0.01;

/// The decay of a distribution towards the fixed point of its steps, watched
/// step by step. Once the distance shrinks by the same ratio from step to
/// step, only the slowest mode is left, and every further step of the same
/// length would shrink it by that ratio again: the rest of the tick is that
/// geometric series, summed in closed form instead of stepped. A line whose
/// changes settle in a second would otherwise take a step every quarter
/// second of a long tick to find out where it ends.
#[derive(Debug, Default)]
struct SlowMode {
    /// Length of the steps watched.
    step: f64,
    /// Whether [`Distribution::fixed`] holds the fixed point of this window.
    fixed: bool,
    /// The window (`lo`, length) the steps watched are on.
    window: (usize, usize),
    /// Distance to the fixed point after the last step of the same length.
    distance: Option<f64>,
    /// The last ratio of successive distances.
    ratio: Option<f64>,
    /// Ratios in a row that agreed with the one before.
    steady: usize,
}

impl SlowMode {
    /// Looks at the distribution after a step of `step` seconds, with `left`
    /// seconds of the tick to go; whether they may be summed. `same_window`
    /// says whether the step left the window as it was; `swept`, the
    /// distance to the fixed point the step summed, if it did.
    fn watch(
        &mut self,
        d: &mut Distribution,
        rates: &Rates,
        step: f64,
        same_window: bool,
        left: f64,
        swept: Option<f64>,
    ) -> bool {
        if step != self.step || !same_window {
            *self = SlowMode {
                step,
                window: (d.lo, d.p.len()),
                ..SlowMode::default()
            };
        }
        if left < WORTH_SUMMING * step {
            // Stepping what is left costs less than finding the fixed point.
            return false;
        }
        if !self.fixed {
            if !d.fixed_point(rates) {
                return false;
            }
            self.fixed = true;
        }
        let distance = match swept {
            Some(distance) => distance,
            None => d.p.iter().zip(&d.fixed).map(|(x, f)| (x - f).abs()).sum(),
        };
        let Some(before) = self.distance.replace(distance) else {
            return false;
        };
        if !(before > 0.0) {
            return false;
        }
        let r = distance / before;
        if !(r > 0.0 && r < 1.0) {
            self.ratio = None;
            self.steady = 0;
            return false;
        }
        match self.ratio.replace(r) {
            // The decay per step, 1 − r, must agree: near r = 1 the ratios
            // always look alike while the decay they stand for does not.
            Some(r0) if (r - r0).abs() <= RATIO_AGREES * (1.0 - r) => self.steady += 1,
            _ => self.steady = 0,
        }
        self.steady >= STEADY_RATIOS && distance < CLOSE_ENOUGH
    }

    /// Sums `left` seconds more of steps of `step` seconds, each shrinking
    /// the distance to the fixed point by the ratio watched, into the
    /// distribution and its time-average.
    fn finish(&self, d: &mut Distribution, step: f64, left: f64) {
        let r = self.ratio.unwrap_or(0.0);
        let m = left / step;
        let rm = r.powf(m);
        // Σ over the m steps of the trapezoid weights of (p − fixed)·r^j.
        let tail = 0.5 * step * (1.0 + r) * (1.0 - rm) / (1.0 - r);
        let mut total = 0.0;
        for ((x, s), &f) in d.p.iter_mut().zip(&mut d.seen).zip(&d.fixed) {
            let off = *x - f;
            *s += left * f + tail * off;
            *x = (f + rm * off).max(0.0);
            total += *x;
        }
        if total > 0.0 {
            d.p.iter_mut().for_each(|x| *x /= total);
        }
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
mod tests;
