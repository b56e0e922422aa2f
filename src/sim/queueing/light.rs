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
//! What the tick's arrivals saw is kept as a Poisson distribution of the
//! tick's average mean. The true time average mixes the Poissons the tick
//! passed through, and is a little wider; but a line that never fills has
//! nobody waiting and nobody turned away in any of its states, so all that
//! is read from it is the mean number busy, and that is exact.
//!
//! A function far below its concurrency limit (every function of the
//! campaign but a throttled one) is such a line, and so is a pool of
//! servers far from busy.

use super::chain::{Distribution, NEGLIGIBLE};

/// Below this chance of finding every server busy at any moment of a tick,
/// a line counts as never full (and so is the share of the tick's arrivals
/// that would find them busy): 1 − this rounds to one, so a share worked
/// out as the rest of it cannot tell it from nil.
pub const NEVER_FULL: f64 = 1e-16;

/// The largest mean kept in closed form: e^(−m), where the Poisson
/// probabilities start, stays a normal number well past it.
const MAX_MEAN: f64 = 600.0;

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
    // gone / x is one at x = 0, and never more (it may round up a hair).
    let kept = if x > 0.0 { (gone / x).min(1.0) } else { 1.0 };
    let average = settled + (start - settled) * kept;
    (end, average.max(0.0))
}

/// Makes `dist` Poisson of mean `end`, with `seen` Poisson of mean
/// `average` on the same window: the window holds every state where either
/// has more than a negligible probability, and what lies beyond it on
/// either side is folded into its edge states (as the chain's trim does).
/// Means outside 0..=`MAX_MEAN` (which [`never_full`] never lets through)
/// are held to it, so the window stays bounded.
pub fn fill(dist: &mut Distribution, end: f64, average: f64) {
    let hold = |m: f64| if m > 0.0 { m.min(MAX_MEAN) } else { 0.0 };
    let (end, average) = (hold(end), hold(average));
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
///
/// Not [`super::tails::poisson_pmf`]: that one zeroes terms below 1e−40 and
/// takes ln m! from Stirling's series (a few parts in 10¹⁰ off past twenty),
/// right for weighing a wait's tail, not for a distribution carried from
/// tick to tick.
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

    /// The Poisson probability of `n` at mean `m`, from its logarithm.
    fn pmf(m: f64, n: usize) -> f64 {
        let log_factorial: f64 = (1..=n).map(|k| (k as f64).ln()).sum();
        (n as f64 * m.ln() - m - log_factorial).exp()
    }

    #[test]
    fn each_state_holds_its_poisson_probability_and_the_window_misses_none() {
        let mut d = Distribution::at(0);
        for (end, average) in [(40.0, 2.0), (0.5, 30.0), (7.0, 7.0), (599.0, 550.0)] {
            fill(&mut d, end, average);
            assert_eq!(d.p.len(), d.seen.len());
            for (m, probs) in [(end, &d.p), (average, &d.seen)] {
                let last = probs.len() - 1;
                for (i, &x) in probs.iter().enumerate() {
                    let n = d.lo + i;
                    if i == 0 || i == last {
                        // The edges hold what lies beyond them too.
                        assert!(x >= pmf(m, n) * (1.0 - 1e-9), "{m} at {n}");
                    } else {
                        let want = pmf(m, n);
                        assert!(
                            (x - want).abs() <= 1e-9 * want + 1e-300,
                            "{m} at {n}: {x} against {want}"
                        );
                    }
                }
                // Outside the window, neither mean leaves anything that counts.
                for n in (d.lo.saturating_sub(50)..d.lo).chain(d.hi() + 1..d.hi() + 50) {
                    assert!(
                        pmf(m, n) <= NEGLIGIBLE,
                        "{m} at {n} outside {}..{}",
                        d.lo,
                        d.hi()
                    );
                }
                assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
        }
        // An empty line is a point mass at nought; means past the bound are
        // held to it, so the window stays bounded.
        fill(&mut d, 0.0, 0.0);
        assert_eq!((d.lo, d.p[0]), (0, 1.0));
        for wild in [f64::INFINITY, f64::NAN, -3.0, 1e300] {
            fill(&mut d, wild, 1.0);
            assert!(d.hi() < 1000 && d.p.iter().all(|x| x.is_finite()));
        }
    }

    #[test]
    fn the_average_of_a_tick_is_never_below_nought_nor_past_its_ends() {
        for (start, lambda, mu, t) in [
            (0.0, 1.0, 1e-300, 1.0),
            (5.0, 0.0, 1e9, 1.0),
            (3.0, 2.0, 1.0, 0.0),
        ] {
            let (end, average) = relax(start, lambda, mu, t);
            let (lo, hi) = (start.min(end), start.max(end));
            assert!(
                average >= 0.0 && average >= lo - 1e-12 && average <= hi + 1e-12,
                "{average}"
            );
        }
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
