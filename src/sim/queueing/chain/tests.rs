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
fn a_reset_distribution_is_a_new_one_and_evolves_as_one() {
    let mut used = Distribution::at(0);
    used.evolve(&rates(420.0), 30.0);
    used.reset_at(3);
    let mut new = Distribution::at(3);
    assert_eq!(used, new);
    used.evolve(&rates(300.0), 1.0);
    new.evolve(&rates(300.0), 1.0);
    assert_eq!(used, new);
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

/// A line that settles in a second, from empty, over a minute: the slow
/// mode summed in closed form ends where stepping it ends, and averages
/// what stepping averages, in a fraction of the steps.
#[test]
fn a_long_step_sums_the_slow_mode_as_the_steps_would_go() {
    let fast = Rates {
        servers: 4,
        lambda: 30.0,
        mu: 10.0,
        top: 10_000,
    };
    let mut summed = Distribution::at(0);
    let steps = summed.evolve(&fast, 60.0).steps;
    let mut stepped = Distribution::at(0);
    let all = stepped.evolve_summing(&fast, 60.0, false).steps;
    assert!(steps * 2 < all, "{steps} steps against {all}");
    let full = |d: &Distribution, of: &[f64]| {
        let mut v = vec![0.0; d.lo + of.len()];
        v[d.lo..].copy_from_slice(of);
        v
    };
    let end = summed.distance(&full(&stepped, &stepped.p));
    assert!(end < 1e-9, "{end}");
    let mut average = summed.clone();
    average.p = summed.seen.clone();
    let seen = average.distance(&full(&stepped, &stepped.seen));
    assert!(seen < 1e-7, "{seen}");
    assert!((summed.seen.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

/// Far from its end the distance shrinks by ratios that agree only by
/// chance: a loss line of slow jobs filling up is stepped all the way.
#[test]
fn a_line_far_from_settled_is_stepped_not_summed() {
    let filling = Rates {
        servers: 4,
        lambda: 0.03,
        mu: 1.0 / 960.0,
        top: 4,
    };
    let mut d = Distribution::at(0);
    assert_eq!(d.evolve(&filling, 10.0).steps, 40);
}

#[test]
fn relaxation_is_slow_near_capacity() {
    assert!(relaxation_s(4, 390.0, 100.0) > 10.0);
    assert!(relaxation_s(4, 200.0, 100.0) < 0.2);
    assert!(relaxation_s(4, 400.0, 100.0).is_infinite());
}

#[test]
fn a_light_line_sweeps_little_more_than_the_states_it_holds() {
    // A large pool under a light load, as a function's concurrency often
    // is: the number busy barely leaves 0..7, and no step should sweep
    // many states beyond them.
    let light = Rates {
        servers: 100,
        lambda: 0.02,
        mu: 0.5,
        top: 100,
    };
    let mut d = Distribution::at(0);
    for _ in 0..60 {
        let evolved = d.evolve(&light, 1.0);
        let held = d.p.len();
        assert!(held <= 8, "holds {held}");
        assert!(
            evolved.rows <= evolved.steps * (held + 8),
            "{} states swept in {} steps, {held} held",
            evolved.rows,
            evolved.steps
        );
    }
    assert!((d.mean() - 0.04).abs() < 1e-3, "{}", d.mean());
}

/// (I − hQ) x = p solved the plain way, one row at a time (the Thomas
/// algorithm), on the window `lo..lo + p.len()` with reflecting edges.
fn solved_row_by_row(rates: &Rates, h: f64, lo: usize, p: &[f64]) -> Vec<f64> {
    let len = p.len();
    let up = |i: usize| {
        if lo + i >= rates.top || i + 1 == len {
            0.0
        } else {
            rates.lambda
        }
    };
    let down = |i: usize| if i == 0 { 0.0 } else { rates.down(lo + i) };
    let diag: Vec<f64> = (0..len).map(|i| 1.0 + h * (up(i) + down(i))).collect();
    let mut c = vec![0.0; len];
    let mut d = vec![0.0; len];
    for i in 0..len {
        let from_below = if i == 0 { 0.0 } else { -h * up(i - 1) };
        let to_above = if i + 1 == len { 0.0 } else { -h * down(i + 1) };
        let (c_below, d_below) = if i == 0 {
            (0.0, 0.0)
        } else {
            (c[i - 1], d[i - 1])
        };
        let pivot = diag[i] - from_below * c_below;
        c[i] = to_above / pivot;
        d[i] = (p[i] - from_below * d_below) / pivot;
    }
    let mut x = vec![0.0; len];
    for i in (0..len).rev() {
        x[i] = d[i] - if i + 1 == len { 0.0 } else { c[i] * x[i + 1] };
    }
    x
}

#[test]
fn a_step_solves_its_equations_whatever_the_window() {
    // Windows of odd and even length (the sweeps take two rows a turn), at
    // both edges of the chain and inside it, for a light and a heavy line.
    for (lambda, top) in [(5.0, 9), (40.0, 30)] {
        let rates = Rates {
            servers: 3,
            lambda,
            mu: 4.0,
            top,
        };
        for lo in [0, 2] {
            for len in 1..=(top + 1 - lo) {
                let weights = (0..len).map(|i| 1.0 + (i % 3) as f64);
                let total: f64 = weights.clone().sum();
                let mut d = Distribution {
                    lo,
                    p: weights.map(|x| x / total).collect(),
                    seen: vec![0.0; len],
                    ..Distribution::default()
                };
                let want = solved_row_by_row(&rates, 0.25, lo, &d.p);
                d.step(&rates, 0.25, None, false);
                for (i, (got, want)) in d.p.iter().zip(&want).enumerate() {
                    assert!(
                        (got - want).abs() <= 1e-14 * want.abs().max(1e-3),
                        "λ {lambda}, window {lo}+{len}, row {i}: {got} against {want}"
                    );
                }
            }
        }
    }
}

/// Widens `d` to the whole chain 0..=`top`, so that nothing is ever at the
/// edge of its window (`evolve` trims it again as it ends).
fn widen_to_whole(d: &mut Distribution, top: usize) {
    let mut p = vec![0.0; top + 1];
    p[d.lo..d.lo + d.p.len()].copy_from_slice(&d.p);
    d.lo = 0;
    d.seen = vec![0.0; top + 1];
    d.p = p;
}

/// Evolves `windowed` and the whole chain `whole` side by side for `seconds`
/// at `rates`, and checks that the means, and those of the time-averages,
/// agree to 1e-9.
fn follows_the_whole_chain(
    windowed: &mut Distribution,
    whole: &mut Distribution,
    rates: &Rates,
    seconds: usize,
    what: &str,
) {
    let seen = |d: &Distribution| -> f64 {
        let mut v = d.clone();
        v.p = d.seen.clone();
        v.mean()
    };
    for second in 0..seconds {
        windowed.evolve(rates, 1.0);
        widen_to_whole(whole, rates.top);
        whole.evolve(rates, 1.0);
        for (got, want, of) in [
            (windowed.mean(), whole.mean(), "mean"),
            (seen(windowed), seen(whole), "time-average"),
        ] {
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{what}, second {second}, {of}: {got} against {want}"
            );
        }
    }
}

#[test]
fn a_pool_filling_from_empty_is_followed_as_on_the_whole_chain() {
    // Servers coming back to a heavy load start from an empty line, and
    // each step carries the distribution hundreds of states up: the window
    // must reach as far as the step does, or its reflecting edge holds the
    // line back (growing by half of itself, a thousand servers were at 143
    // after a second where the whole chain is at 894).
    for (servers, lambda, mu) in [(1000, 9000.0, 10.0), (200, 190.0, 1.0), (40, 38.0, 1.0)] {
        let rates = Rates {
            servers,
            lambda,
            mu,
            top: servers as usize + 500,
        };
        let (mut windowed, mut whole) = (Distribution::at(0), Distribution::at(0));
        let what = format!("{servers} servers from empty");
        follows_the_whole_chain(&mut windowed, &mut whole, &rates, 6, &what);
    }
}

#[test]
fn a_sudden_rush_is_followed_as_on_the_whole_chain() {
    // From the steady state of a light load, the load jumps close to what
    // the servers can take: the bulk moves hundreds of states within a step.
    for (servers, calm, rush, mu) in [
        (1000, 2000.0, 9500.0, 10.0),
        (200, 40.0, 195.0, 1.0),
        (40, 10.0, 39.0, 1.0),
    ] {
        let top = servers as usize + 500;
        let rates = |lambda| Rates {
            servers,
            lambda,
            mu,
            top,
        };
        let mut windowed = Distribution::at(0);
        for _ in 0..30 {
            windowed.evolve(&rates(calm), 1.0);
        }
        let mut whole = windowed.clone();
        let what = format!("{servers} servers in a rush");
        follows_the_whole_chain(&mut windowed, &mut whole, &rates(rush), 6, &what);
    }
}
