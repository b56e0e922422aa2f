//! A line whose servers are all busy at once with no more than a negligible
//! chance is, to that chance, an M/M/∞ line, and an M/M/∞ line has an exact
//! transient: started from a Poisson distribution (an empty line is one, of
//! mean nil), the number in it stays Poisson, and its mean m follows
//! dm/dt = λ − μm. So such a line is moved on by a tick in closed form, at
//! the cost of one exponential and one pass over the states it holds, where
//! stepping the forward equations takes several passes and is, besides, a
//! little off in the lag (a step of `h` shrinks a change by 1/(1 + μh), not
//! e^(−μh)).
//!
//! A function far below its concurrency limit (every function of the
//! campaign but a throttled one) is such a line, and so is a pool of
//! servers far from busy.

use super::chain::Distribution;

/// Below this chance of finding every server busy, a line counts as never
/// full: 1 − this rounds to one, so a share worked out as the rest of it
/// cannot tell it from nil.
pub const NEVER_FULL: f64 = 1e-16;

/// The largest mean kept in closed form: e^(−m), where the Poisson
/// probabilities start, stays a normal number well past it.
const MAX_MEAN: f64 = 600.0;

/// Below this, a state's probability counts as none (as in [`super::chain`]).
const NEGLIGIBLE: f64 = 1e-13;

/// Whether a Poisson number of mean at most `mean` reaches `servers` with a
/// chance below [`NEVER_FULL`], by the Chernoff bound
/// P(N ≥ c) ≤ e^(−m) (e·m / c)^c for c > m (the bound only errs on the safe side).
pub fn never_full(servers: u32, mean: f64) -> bool {
    let c = f64::from(servers);
    if !((0.0..=MAX_MEAN).contains(&mean) && c > mean) {
        return false;
    }
    if mean == 0.0 {
        return true;
    }
    let log_bound = c - mean + c * (mean / c).ln();
    log_bound < NEVER_FULL.ln()
}

/// Where the mean `start` of an M/M/∞ line with arrivals `lambda` a second
/// and service rate `mu` a server is after `t` seconds, and its average
/// over them (what Poisson arrivals see).
pub fn relax(start: f64, lambda: f64, mu: f64, t: f64) -> (f64, f64) {
    let settled = lambda / mu;
    let x = mu * t;
    // 1 − e^(−x), without cancelling away when x is small.
    let gone = -(-x).exp_m1();
    let end = settled + (start - settled) * (1.0 - gone);
    let average = settled + (start - settled) * (gone / x);
    (end, average)
}

/// Makes `dist` Poisson of mean `end`, with `seen` Poisson of mean
/// `average` on the same window: the window holds every state where either
/// has more than a negligible probability, and what lies beyond it on
/// either side is folded into its edge states (as the chain's trim does).
pub fn fill(dist: &mut Distribution, end: f64, average: f64) {
    let (lo, hi) = window(end.min(average), end.max(average));
    poisson_on(&mut dist.p, end, lo, hi);
    poisson_on(&mut dist.seen, average, lo, hi);
    dist.lo = lo;
}

/// The states from the first that the smaller mean gives more than a
/// negligible probability to, to the last that the larger one does.
fn window(small: f64, large: f64) -> (usize, usize) {
    let mut lo = 0;
    let mut x = (-small).exp();
    while x <= NEGLIGIBLE && (lo as f64) < small {
        lo += 1;
        x *= small / lo as f64;
    }
    let mut hi = 0;
    let mut y = (-large).exp();
    while y > NEGLIGIBLE || (hi as f64) < large {
        hi += 1;
        y *= large / hi as f64;
    }
    (lo, hi.max(lo))
}

/// Fills `out` with the Poisson probabilities of mean `m` for states
/// `lo..=hi`, the chance below `lo` added to the first and the rest of one
/// to the last.
fn poisson_on(out: &mut Vec<f64>, m: f64, lo: usize, hi: usize) {
    out.clear();
    let mut x = (-m).exp();
    let mut below = 0.0;
    for n in 0..=hi {
        if n > 0 {
            x *= m / n as f64;
        }
        if n < lo {
            below += x;
        } else {
            out.push(x);
        }
    }
    let rest = 1.0 - below - out.iter().sum::<f64>();
    if let Some(first) = out.first_mut() {
        *first += below;
    }
    if let Some(last) = out.last_mut() {
        *last += rest.max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_relaxes_as_the_equation_says() {
        let (lambda, mu, t) = (3.0, 0.5, 2.0);
        let (end, average) = relax(1.0, lambda, mu, t);
        // m(t) = 6 − 5 e^(−t/2); its average over [0, 2] is 6 − 5 (1 − e^(−1)).
        assert!((end - (6.0 - 5.0 * (-1.0f64).exp())).abs() < 1e-12);
        assert!((average - (6.0 - 5.0 * (1.0 - (-1.0f64).exp()))).abs() < 1e-12);
        // A settled line stays where it is.
        let (end, average) = relax(6.0, lambda, mu, t);
        assert_eq!((end, average), (6.0, 6.0));
    }

    #[test]
    fn a_filled_distribution_is_poisson_and_sums_to_one() {
        let mut d = Distribution::at(0);
        fill(&mut d, 4.0, 2.5);
        assert_eq!(d.p.len(), d.seen.len());
        assert!((d.p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((d.seen.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((d.mean() - 4.0).abs() < 1e-12);
        assert!((d.variance() - 4.0).abs() < 1e-10);
        let seen_mean: f64 = d
            .seen
            .iter()
            .enumerate()
            .map(|(i, x)| (d.lo + i) as f64 * x)
            .sum();
        assert!((seen_mean - 2.5).abs() < 1e-12);
        // A large mean keeps only the states near it.
        fill(&mut d, 400.0, 400.0);
        assert!(d.lo > 240 && d.hi() < 560, "{}..{}", d.lo, d.hi());
        assert!((d.mean() - 400.0).abs() < 1e-9);
    }

    #[test]
    fn never_full_holds_only_far_below_the_servers() {
        assert!(never_full(100, 0.0));
        assert!(never_full(100, 5.0));
        assert!(!never_full(100, 60.0));
        assert!(!never_full(4, 1.0));
        assert!(!never_full(100, 100.0));
        assert!(!never_full(100, f64::NAN) && !never_full(100, -1.0));
        assert!(!never_full(0, 0.0) && !never_full(2000, 700.0));
        // The bound grows with the mean below the servers, so a tick whose
        // mean starts and settles never full stays never full between.
        for servers in [3u32, 30, 300] {
            let mut was = true;
            for i in 0..=3000 {
                let now = never_full(servers, f64::from(servers) * f64::from(i) / 3000.0);
                assert!(
                    was || !now,
                    "{servers} servers: full, then not, as the mean grew"
                );
                was = now;
            }
        }
        // Wherever the bound says so, the chance itself is below it.
        for servers in [1u32, 2, 5, 10, 40, 100, 1000] {
            for m in [0.001, 0.1, 1.0, 3.0, 10.0, 50.0, 300.0] {
                if never_full(servers, m) {
                    assert!(poisson_tail(m, servers) < NEVER_FULL, "{servers} at {m}");
                }
            }
        }
    }

    /// P(N ≥ c) for N Poisson of mean m, summed term by term.
    fn poisson_tail(m: f64, c: u32) -> f64 {
        let (mut x, mut tail) = ((-m).exp(), 0.0);
        for n in 0..(c + 2000) {
            if n > 0 {
                x *= m / f64::from(n);
            }
            if n >= c {
                tail += x;
            }
        }
        tail
    }
}
