//! Waits seen from a known number ahead: an arrival that finds all `c`
//! servers busy and `k − 1` waiting starts service after `k` departures at
//! rate cμ, an Erlang(k, cμ) time. These tables give, for every k, the chance
//! that this wait (plus an exponential service) passes a time, so a line
//! whose state is a distribution over the number in it can weigh them.

/// `out[j]` = P(N = j) for N Poisson with mean `x`, j = 0..len: one
/// exponential at the mode, the rest by the ratio of neighbours, and exact
/// zeros where the terms fall below any share that could matter. Returns
/// the range of the terms written: every other one is zero.
pub fn poisson_pmf(x: f64, len: usize, out: &mut Vec<f64>) -> std::ops::Range<usize> {
    out.clear();
    out.resize(len, 0.0);
    if len == 0 {
        return 0..0;
    }
    if !(x > 0.0) {
        out[0] = 1.0;
        return 0..1;
    }
    // Below 1e-40 of the whole no term adds anything a count of requests
    // could show; stopping there also keeps exp() off its slow underflow path.
    const FLOOR: f64 = 1e-40;
    let mode = (x.floor() as usize).min(len - 1);
    let m = mode as f64;
    // ln P(mode) = −x + m ln x − ln m!
    let at_mode = (-x + m * x.ln() - ln_factorial(mode)).exp();
    out[mode] = at_mode;
    let (mut first, mut end) = (0, len);
    let mut p = at_mode;
    for j in (0..mode).rev() {
        p *= (j + 1) as f64 / x;
        if p < FLOOR {
            first = j + 1;
            break;
        }
        out[j] = p;
    }
    p = at_mode;
    for (j, slot) in out.iter_mut().enumerate().take(len).skip(mode + 1) {
        p *= x / j as f64;
        if p < FLOOR {
            end = j;
            break;
        }
        *slot = p;
    }
    first..end
}

/// ln(n!): summed for small n, Stirling's series past them.
pub fn ln_factorial(n: usize) -> f64 {
    LN_FACTORIALS
        .get(n)
        .copied()
        .unwrap_or_else(|| ln_factorial_of(n))
}

/// ln n! of the small n, where the tails spend their time, each worked out
/// once (by [`ln_factorial_of`], so to the same bit).
static LN_FACTORIALS: std::sync::LazyLock<Vec<f64>> =
    std::sync::LazyLock::new(|| (0..1024).map(ln_factorial_of).collect());

/// ln n!: summed below 20, Stirling's series from there.
fn ln_factorial_of(n: usize) -> f64 {
    if n < 20 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let n = n as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n * n * n)
}

/// P(W > t) for a wait of k departures at rate `a` each (Erlang(k, a)),
/// with k distributed as `suffix` says: `suffix[m]` = P(k ≥ m).
pub struct ErlangMixTail<'a> {
    /// suffix[m] = P(at least m departures to wait for).
    suffix: &'a [f64],
    /// Departures per second.
    a: f64,
}

impl<'a> ErlangMixTail<'a> {
    /// The tail of the mixture `suffix` describes, departures at `a` a second.
    pub fn new(suffix: &'a [f64], a: f64) -> ErlangMixTail<'a> {
        ErlangMixTail { suffix, a }
    }

    /// P(W > t) = Σ_j Pois(j; at)·P(k > j): Poisson weights from their mode
    /// outward by the recurrence (one exponential per call).
    pub fn over(&self, t: f64) -> f64 {
        let x = self.a * t;
        let s = |j: usize| self.suffix.get(j + 1).copied().unwrap_or(0.0);
        if !(x > 0.0) {
            return s(0);
        }
        let mode = x.floor() as usize;
        let spread = (10.0 * x.sqrt() + 10.0) as usize;
        // Past the longest queue the arrivals saw, nobody needs so many departures.
        let last = self.suffix.len().saturating_sub(2);
        if mode.saturating_sub(spread) > last {
            return 0.0;
        }
        let start = mode.min(last);
        let pmf = |j: usize| (-x + j as f64 * x.ln() - ln_factorial(j)).exp();
        let at_start = pmf(start);
        let mut sum = at_start * s(start);
        let mut w = at_start;
        let per_x = 1.0 / x;
        // The weights fall away from the mode, and P(k > j) is at most its
        // value at j = 0: once a term is [`NEGLIGIBLE`], so is every term
        // past it, and adding them would leave every bit of the sum as it
        // is. So the sums stop there.
        let top = s(0);
        for j in (start.saturating_sub(spread)..start).rev() {
            w *= (j + 1) as f64 * per_x;
            if w * top < sum * NEGLIGIBLE {
                break;
            }
            sum += w * s(j);
        }
        w = at_start;
        let per_j = &RECIPROCALS;
        for j in start + 1..=(mode + spread).min(last) {
            w *= x * per_j.get(j).copied().unwrap_or_else(|| 1.0 / j as f64);
            let term = w * s(j);
            if term < sum * NEGLIGIBLE {
                break;
            }
            sum += term;
        }
        sum.clamp(0.0, 1.0)
    }
}

/// A term below this share of a sum (2⁻⁵⁵) is under a quarter of the sum's
/// last bit: adding it rounds back to the same sum, even after the few
/// roundings that may nudge the next weight up.
const NEGLIGIBLE: f64 = 1.0 / 36_028_797_018_963_968.0;

/// 1/j for the j the tails sum over most, worked out once: a multiply costs
/// a fraction of a divide.
static RECIPROCALS: std::sync::LazyLock<Vec<f64>> =
    std::sync::LazyLock::new(|| (0..4096).map(|j| 1.0 / j as f64).collect());

/// `out[k]` = P(Erlang(k, a) > t) = P(fewer than k events at rate `a` in `t`),
/// for k = 0..len (`out[0]` = 0: no departure needed, no wait).
pub fn wait_over(a: f64, t: f64, len: usize, pmf: &mut Vec<f64>, out: &mut Vec<f64>) {
    out.clear();
    out.reserve(len);
    if len == 0 {
        return;
    }
    if !(t > 0.0) {
        // Everyone who must wait at all waits longer than no time.
        out.push(0.0);
        out.resize(len, 1.0);
        return;
    }
    if t.is_infinite() {
        // Nobody waits forever: whoever joins the line is served.
        out.resize(len, 0.0);
        return;
    }
    poisson_pmf(a * t, len, pmf);
    let mut below = 0.0_f64;
    for &p in &pmf[..len] {
        out.push(below.min(1.0));
        below += p;
    }
}

/// `out[k]` = P(Erlang(k, a) + S > d) with S exponential of rate `b`, for
/// k = 0..len: the chance a request that needs k departures before it
/// starts, then takes an exponential service, finishes after `d`.
pub fn response_over(a: f64, b: f64, d: f64, len: usize, pmf: &mut Vec<f64>, out: &mut Vec<f64>) {
    out.clear();
    out.reserve(len);
    if len == 0 {
        return;
    }
    if !(d > 0.0) {
        out.resize(len, 1.0);
        return;
    }
    if d.is_infinite() {
        out.resize(len, 0.0);
        return;
    }
    if !b.is_finite() {
        // No service time: only the wait counts.
        let mut scratch = Vec::new();
        wait_over(a, d, len, &mut scratch, out);
        return;
    }
    // P(E_k + S > d) = P(E_k > d) + I_k, where I_k = ∫₀^d f_k(w) e^{−b(d−w)} dw
    // obeys I_{k−1} = (a′/a)·I_k + π_{k−1}(ad) with a′ = a − b. Run downward
    // from far past the mass, where I is nil: stable while |a′/a| < 1.
    let x = a * d;
    let top = len.max((x + 12.0 * x.sqrt() + 40.0).ceil() as usize);
    let written = poisson_pmf(x, top, pmf);
    let ratio = (a - b) / a;
    out.resize(len, 0.0);
    if ratio.abs() < 1.0 {
        // I_top is nil; each pass turns I_k into I_{k−1}. Above the Poisson
        // terms written they are nil, and so is I: the passes start at the
        // highest. Below them the terms are nil, and once a pass leaves I as
        // it was (nil, or the least number there is, which a ratio over ½
        // rounds back to itself) every pass left does: what is left to write
        // is that I. A long deadline puts the terms millions of departures
        // up, and only the first few hundred are kept.
        let mut i = 0.0f64;
        for k in (1..=written.end.min(top)).rev() {
            let next = ratio * i + pmf[k - 1];
            if k - 1 < written.start && next.to_bits() == i.to_bits() {
                out[..k.min(len)].fill(i);
                break;
            }
            i = next;
            if k - 1 < len {
                out[k - 1] = i;
            }
        }
    } else {
        // Service much faster than the line drains (b ≥ 2a): integrate directly.
        for (k, slot) in out.iter_mut().enumerate().skip(1) {
            *slot = erlang_times_exp(k, a, b, d);
        }
    }
    out[0] = (-b * d).exp();
    let mut below = 0.0;
    for (k, slot) in out.iter_mut().enumerate() {
        *slot = (*slot + below).clamp(0.0, 1.0);
        below += pmf[k];
    }
}

/// ∫₀^d f_k(w) e^{−b(d−w)} dw for the Erlang(k, a) density f_k, by Gauss–Legendre.
fn erlang_times_exp(k: usize, a: f64, b: f64, d: f64) -> f64 {
    const NODES: [(f64, f64); 8] = [
        (-0.960_289_856_497_536, 0.101_228_536_290_376),
        (-0.796_666_477_413_627, 0.222_381_034_453_374),
        (-0.525_532_409_916_329, 0.313_706_645_877_887),
        (-0.183_434_642_495_650, 0.362_683_783_378_362),
        (0.183_434_642_495_650, 0.362_683_783_378_362),
        (0.525_532_409_916_329, 0.313_706_645_877_887),
        (0.796_666_477_413_627, 0.222_381_034_453_374),
        (0.960_289_856_497_536, 0.101_228_536_290_376),
    ];
    let ln_fact: f64 = (1..k).map(|j| (j as f64).ln()).sum();
    let half = d / 2.0;
    NODES
        .iter()
        .map(|&(x, w)| {
            let t = half * (x + 1.0);
            if t <= 0.0 {
                return 0.0;
            }
            let ln_f = k as f64 * a.ln() + (k as f64 - 1.0) * t.ln() - a * t - ln_fact;
            w * half * (ln_f - b * (d - t)).exp()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`response_over`]'s downward passes as they were, every one of them.
    fn response_over_every_pass(a: f64, b: f64, d: f64, len: usize) -> Vec<f64> {
        let x = a * d;
        let top = len.max((x + 12.0 * x.sqrt() + 40.0).ceil() as usize);
        let mut pmf = Vec::new();
        poisson_pmf(x, top, &mut pmf);
        let ratio = (a - b) / a;
        let mut out = vec![0.0; len];
        let mut i = 0.0;
        for k in (1..=top).rev() {
            i = ratio * i + pmf[k - 1];
            if k - 1 < len {
                out[k - 1] = i;
            }
        }
        out[0] = (-b * d).exp();
        let mut below = 0.0;
        for (k, slot) in out.iter_mut().enumerate() {
            *slot = (*slot + below).clamp(0.0, 1.0);
            below += pmf[k];
        }
        out
    }

    #[test]
    fn response_tails_skip_only_passes_that_change_nothing() {
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        // Departure rates and deadlines from a millisecond's work to a
        // two-hour one, services from half as fast to nearly as fast.
        for &(a, d) in &[
            (400.0, 0.02),
            (3.0, 1.5),
            (50.0, 2.0),
            (25.0, 7200.0),
            (10.0, 3600.0),
            (0.5, 30.0),
            (700.0, 7200.0),
        ] {
            // Ratios (a − b)/a of ½, ⅒, −½ and −0.99, and 0.986 (which rounds
            // the least number there is back to itself).
            for b in [0.5 * a, 0.9 * a, 1.5 * a, 1.99 * a, 0.014 * a] {
                for len in [1, 2, 24, 300] {
                    response_over(a, b, d, len, &mut pmf, &mut out);
                    let want = response_over_every_pass(a, b, d, len);
                    let same = out.len() == want.len()
                        && out
                            .iter()
                            .zip(&want)
                            .all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "a {a} b {b} d {d} len {len}");
                }
            }
        }
    }

    #[test]
    fn the_poisson_terms_outside_the_range_returned_are_zero() {
        let mut pmf = Vec::new();
        for (x, len) in [(0.0, 5), (0.3, 10), (40.0, 200), (180_000.0, 190_000)] {
            let written = poisson_pmf(x, len, &mut pmf);
            assert!(!written.is_empty() && written.end <= len, "{x}");
            assert!(pmf[..written.start].iter().all(|&p| p == 0.0), "{x}");
            assert!(pmf[written.end..].iter().all(|&p| p == 0.0), "{x}");
        }
    }

    #[test]
    fn response_tail_of_one_departure_is_hypoexponential() {
        let (a, b, d) = (400.0, 100.0, 0.02);
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        response_over(a, b, d, 4, &mut pmf, &mut out);
        assert!((out[0] - (-b * d).exp()).abs() < 1e-12);
        let want = crate::sim::queueing::mmc::hypo_over(a, b, d);
        assert!((out[1] - want).abs() < 1e-9, "{} vs {want}", out[1]);
        assert!(out[2] > out[1] && out[3] > out[2]);
    }

    #[test]
    fn nobody_outwaits_endless_patience_or_misses_no_deadline() {
        // A caller that never gives up must never be counted as giving up,
        // however long the line: rounding would otherwise turn dust into requests.
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        wait_over(300.0, f64::INFINITY, 50, &mut pmf, &mut out);
        assert!(out.iter().all(|&x| x == 0.0), "{out:?}");
        response_over(300.0, 100.0, f64::INFINITY, 50, &mut pmf, &mut out);
        assert!(out.iter().all(|&x| x == 0.0), "{out:?}");
    }

    #[test]
    fn equal_rates_and_fast_service_agree_with_quadrature() {
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        // a = b: the sum of k + 1 exponentials of one rate.
        response_over(50.0, 50.0, 0.1, 6, &mut pmf, &mut out);
        let x = 5.0_f64;
        for (k, &got) in out.iter().enumerate().take(6) {
            let want: f64 = (0..=k)
                .map(|j| (-x).exp() * x.powi(j as i32) / (1..=j).map(|i| i as f64).product::<f64>())
                .sum();
            assert!((got - want).abs() < 1e-9, "k {k}: {got} vs {want}");
        }
        // b ≥ 2a takes the quadrature path and still gives a tail in [0, 1] that grows with k.
        response_over(10.0, 50.0, 0.3, 5, &mut pmf, &mut out);
        assert!(out.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{out:?}");
    }

    #[test]
    fn wait_tail_counts_departures() {
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        wait_over(100.0, 0.01, 4, &mut pmf, &mut out);
        assert_eq!(out[0], 0.0);
        assert!((out[1] - (-1.0f64).exp()).abs() < 1e-12);
        assert!((out[2] - 2.0 * (-1.0f64).exp()).abs() < 1e-12);
    }
}
