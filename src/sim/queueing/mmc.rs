//! Closed forms of the M/M/c queue in steady state, and of response times
//! when service is exponential: the exact figures a line uses whenever its
//! state is the stationary one.

/// e^x for a decay: past where e^x rounds to nothing it is nothing at once,
/// without the maths library's slow path for an underflow (the same bits).
#[inline]
pub fn decay(x: f64) -> f64 {
    if x < -746.0 { 0.0 } else { x.exp() }
}

/// Erlang B: the chance an arrival finds all `servers` busy with no room to
/// wait, under offered load `a` = λ/μ.
pub fn erlang_b(servers: u32, a: f64) -> f64 {
    // Past infinity 1/B stays there (every factor is positive): B is nil. A
    // large pool under a light load gets there long before its last server.
    1.0 / inverse_b_until(servers, a, f64::INFINITY)
}

/// 1/B by the stable recursion 1/B(k) = 1 + (k/a)·1/B(k−1), stopped at the
/// first server where it reaches `stop` (it only grows). Every term is
/// positive, and it has a multiply and an add on its path where the
/// recursion on B itself has a division.
fn inverse_b_until(servers: u32, a: f64, stop: f64) -> f64 {
    let per_a = 1.0 / a;
    let mut inverse = 1.0f64;
    for k in 1..=servers {
        inverse = 1.0 + f64::from(k) * per_a * inverse;
        if inverse >= stop {
            break;
        }
    }
    inverse
}

/// Whether Erlang C with `servers` servers under offered load `a` is
/// surely below `bound`, found without finishing Erlang B's recursion.
///
/// C = c / ((c − a)/B + a), and 1/B only grows from server to server, so
/// once it passes c / (bound·(c − a)) C is below the bound whatever the
/// servers left add. False when that is not known (an unstable or empty
/// system, no load, or C that is not below it).
pub fn erlang_c_below(servers: u32, a: f64, bound: f64) -> bool {
    let c = f64::from(servers);
    if servers == 0 || !(a > 0.0) || !(a < c) || !(bound > 0.0) {
        return false;
    }
    let enough = c / (bound * (c - a));
    inverse_b_until(servers, a, enough) >= enough
}

/// Erlang C: the chance an arrival has to wait, with `servers` servers and
/// offered load `a` = λ/μ < servers.
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    let b = erlang_b(servers, a);
    let c = f64::from(servers);
    (c * b / (c - a * (1.0 - b))).clamp(0.0, 1.0)
}

/// The wait of an M/M/c queue in steady state with unlimited room: none
/// with probability `1 − p_wait`, otherwise exponential with rate `theta`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// Probability an arrival waits at all (Erlang C).
    pub p_wait: f64,
    /// Decay rate of the waiting time, per second (cμ − λ).
    pub theta: f64,
}

impl Wait {
    /// Steady-state wait of `servers` servers of rate `mu` under `lambda`;
    /// `None` when the queue is unstable (λ ≥ cμ) or has no servers.
    pub fn new(servers: u32, lambda: f64, mu: f64) -> Option<Wait> {
        let capacity = f64::from(servers) * mu;
        if servers == 0 || mu <= 0.0 || !(lambda >= 0.0) || lambda >= capacity {
            return None;
        }
        Some(Wait {
            p_wait: erlang_c(servers, lambda / mu),
            theta: capacity - lambda,
        })
    }

    /// Mean wait, seconds.
    pub fn mean_s(&self) -> f64 {
        self.p_wait / self.theta
    }

    /// P(W > t).
    pub fn over(&self, t: f64) -> f64 {
        if t < 0.0 {
            1.0
        } else {
            self.p_wait * decay(-self.theta * t)
        }
    }

    /// P(W + S > t) with S exponential of rate `mu`: the response time's tail.
    pub fn response_over(&self, mu: f64, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        (1.0 - self.p_wait) * decay(-mu * t) + self.p_wait * hypo_over(self.theta, mu, t)
    }

    /// P(W ≤ p and W + S ≤ d): served within patience `p` and on time for deadline `d`.
    pub fn in_time(&self, mu: f64, patience: f64, deadline: f64) -> f64 {
        if deadline <= 0.0 {
            return 0.0;
        }
        let none = (1.0 - self.p_wait) * (1.0 - decay(-mu * deadline));
        let top = patience.min(deadline).max(0.0);
        // ∫₀^top θe^{−θw}(1 − e^{−μ(d−w)}) dw
        let th = self.theta;
        let first = 1.0 - decay(-th * top);
        let second = if (th - mu).abs() < 1e-9 * th.max(mu) {
            th * top * decay(-mu * deadline)
        } else {
            th * decay(-mu * deadline) * (1.0 - decay(-(th - mu) * top)) / (th - mu)
        };
        none + self.p_wait * (first - second).max(0.0)
    }
}

/// P(X + Y > t) for independent exponentials of rates `a` and `b`.
pub fn hypo_over(a: f64, b: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    if !a.is_finite() {
        return decay(-b * t);
    }
    if !b.is_finite() {
        return decay(-a * t);
    }
    if (a - b).abs() <= 1e-9 * a.max(b) {
        let m = (a + b) / 2.0;
        return (1.0 + m * t) * decay(-m * t);
    }
    hypo_tail(a, b, decay(-a * t), decay(-b * t))
}

/// [`hypo_over`] for many `a` at one `b` and `t`: `e_bt` is `(-b * t).exp()`,
/// worked out once by the caller. The same bits as [`hypo_over`].
pub fn hypo_over_at(a: f64, b: f64, t: f64, e_bt: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    if !a.is_finite() {
        return e_bt;
    }
    if !b.is_finite() {
        return decay(-a * t);
    }
    if (a - b).abs() <= 1e-9 * a.max(b) {
        let m = (a + b) / 2.0;
        return (1.0 + m * t) * decay(-m * t);
    }
    hypo_tail(a, b, decay(-a * t), e_bt)
}

fn hypo_tail(a: f64, b: f64, e_at: f64, e_bt: f64) -> f64 {
    ((b * e_at - a * e_bt) / (b - a)).clamp(0.0, 1.0)
}

/// The stationary distribution of the number in an M/M/c/K system (`servers`
/// servers, room for `room` more), written into `out` for n = 0..=c+room.
/// Computed in logs so large pools cannot overflow.
pub fn stationary_into(servers: u32, lambda: f64, mu: f64, room: usize, out: &mut Vec<f64>) {
    let c = servers as usize;
    let top = c + room;
    out.clear();
    out.reserve(top + 1);
    if servers == 0 || mu <= 0.0 || !(lambda > 0.0) {
        out.push(1.0);
        out.resize(top + 1, 0.0);
        return;
    }
    let a = lambda / mu;
    let rho = lambda / (f64::from(servers) * mu);
    // Products from n = 0 up, rescaled whenever they grow large, so no state
    // needs a logarithm and none can overflow.
    const BIG: f64 = 1e200;
    let mut x = 1.0_f64;
    out.push(x);
    for n in 1..=top {
        x *= if n <= c { a / n as f64 } else { rho };
        if x > BIG {
            for v in out.iter_mut() {
                *v /= BIG;
            }
            x /= BIG;
        }
        if x == 0.0 {
            // Every state above holds nothing either (each is this one times
            // a factor): a large pool under a light load gets here early.
            break;
        }
        out.push(x);
    }
    let total: f64 = out.iter().sum();
    for v in out.iter_mut() {
        *v /= total;
    }
    out.resize(top + 1, 0.0);
}

/// A lower bound on the total variation distance between `p`, a
/// distribution over n = `lo`.. (holding nothing elsewhere), and the
/// distribution [`stationary_into`] gives for `servers`, `lambda` and `mu`
/// with room for at least `top` in the system (pass `servers` when the
/// room is not known: states above what it holds are never looked at). It
/// stops adding once it passes `stop`, and is nil when nothing is known
/// (no servers, no load, or rates that are not numbers).
///
/// That distribution steps from n to n + 1 by r = (λ/μ)/(n + 1) up to the
/// servers and by ρ above them, up to its top. Wherever π_(n+1) = r·π_n,
/// |p_(n+1) − r·p_n| ≤ max(1, r)·(|p_n − π_n| + |p_(n+1) − π_(n+1)|), so
/// disjoint pairs of states bound twice the distance from below without
/// working π out, in a pass that stops as soon as the bound is enough
/// (π and the distance take two divisions a state, over every state).
pub fn distance_at_least(
    servers: u32,
    lambda: f64,
    mu: f64,
    top: usize,
    lo: usize,
    p: &[f64],
    stop: f64,
) -> f64 {
    if servers == 0 || !(mu > 0.0) || !(lambda > 0.0) || !lambda.is_finite() {
        return 0.0;
    }
    let a = lambda / mu;
    let rho = lambda / (f64::from(servers) * mu);
    let c = servers as usize;
    let mut twice = 0.0;
    for (i, pair) in p.chunks_exact(2).enumerate() {
        let up_to = lo + 2 * i + 1;
        if up_to > top.max(c) {
            break;
        }
        let r = if up_to <= c { a / up_to as f64 } else { rho };
        twice += (pair[1] - r * pair[0]).abs() / r.max(1.0);
        if twice > 2.0 * stop {
            break;
        }
    }
    if twice.is_finite() { twice / 2.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_loads_on_large_pools_stop_early_with_the_same_bits() {
        // The loops as they ran before stopping where nothing moves any more.
        let erlang_b_full = |servers: u32, a: f64| {
            let per_a = 1.0 / a;
            let mut inverse = 1.0f64;
            for k in 1..=servers {
                inverse = 1.0 + f64::from(k) * per_a * inverse;
            }
            1.0 / inverse
        };
        let stationary_full = |servers: u32, lambda: f64, mu: f64, room: usize| {
            let (c, top) = (servers as usize, servers as usize + room);
            let (a, rho) = (lambda / mu, lambda / (f64::from(servers) * mu));
            let mut out = vec![1.0f64];
            let mut x = 1.0f64;
            for n in 1..=top {
                x *= if n <= c { a / n as f64 } else { rho };
                if x > 1e200 {
                    out.iter_mut().for_each(|v| *v /= 1e200);
                    x /= 1e200;
                }
                out.push(x);
            }
            let total: f64 = out.iter().sum();
            out.iter_mut().for_each(|v| *v /= total);
            out
        };
        let mut stopped = 0;
        let mut out = Vec::new();
        for servers in [1, 3, 48, 200, 1000, 3000] {
            for a in [0.001, 0.5, 3.0, 20.0, 150.0, 900.0, 2990.0] {
                let full = erlang_b_full(servers, a);
                assert_eq!(
                    erlang_b(servers, a).to_bits(),
                    full.to_bits(),
                    "B({servers}, {a})"
                );
                stopped += usize::from(full == 0.0);
                for room in [0, 40, 5000] {
                    let lambda = a * 0.7;
                    stationary_into(servers, lambda, 0.7, room, &mut out);
                    let want = stationary_full(servers, lambda, 0.7, room);
                    assert_eq!(out.len(), want.len());
                    assert!(
                        out.iter()
                            .zip(&want)
                            .all(|(x, y)| x.to_bits() == y.to_bits()),
                        "π({servers}, {a}, {room})"
                    );
                }
            }
        }
        assert!(
            stopped > 5,
            "only {stopped} loads ran past what a double holds"
        );
    }

    #[test]
    fn matches_the_worked_example() {
        // FACTS.md: M/M/3, λ = 2.4, μ = 1 → P(wait) 0.6472, Wq 1.0787.
        let w = Wait::new(3, 2.4, 1.0).expect("stable");
        assert!((w.p_wait - 0.6472).abs() < 5e-5, "{}", w.p_wait);
        assert!((w.mean_s() - 1.0787).abs() < 5e-5, "{}", w.mean_s());
    }

    #[test]
    fn limited_room_matches_the_worked_examples() {
        // FACTS.md: M/M/3/6 blocks 9.02%; M/M/3/3 (Erlang B) 26.8%.
        let mut p = Vec::new();
        stationary_into(3, 2.4, 1.0, 3, &mut p);
        assert!((p[6] - 0.0902).abs() < 5e-4, "{}", p[6]);
        stationary_into(3, 2.4, 1.0, 0, &mut p);
        assert!((p[3] - 0.268).abs() < 5e-4, "{}", p[3]);
        assert!((erlang_b(3, 2.4) - p[3]).abs() < 1e-12);
    }

    #[test]
    fn response_tail_is_wait_plus_service() {
        // M/M/1 (ρ = 0.9): the response time is exponential with rate μ − λ.
        let w = Wait::new(1, 0.9, 1.0).expect("stable");
        for t in [0.5, 3.0, 20.0] {
            let want = (-(1.0_f64 - 0.9) * t).exp();
            assert!((w.response_over(1.0, t) - want).abs() < 1e-9, "t {t}");
        }
        // In time within an endless patience is one minus the tail.
        let m3 = Wait::new(3, 240.0, 100.0).expect("stable");
        let d = 0.05;
        assert!(
            (m3.in_time(100.0, f64::INFINITY, d) - (1.0 - m3.response_over(100.0, d))).abs()
                < 1e-12
        );
    }

    #[test]
    fn hypoexponential_meets_its_limit() {
        let near = hypo_over(2.0, 2.0 + 1e-12, 1.3);
        let exact = (1.0 + 2.0 * 1.3) * (-2.6f64).exp();
        assert!((near - exact).abs() < 1e-9);
        assert!((hypo_over(1.0, 3.0, 0.7) - hypo_over(3.0, 1.0, 0.7)).abs() < 1e-12);
        for (a, b, t) in [
            (1.0, 3.0, 0.7),
            (3.0, 1.0, 0.7),
            (2.0, 2.0, 1.3),
            (f64::INFINITY, 0.5, 2.0),
            (0.5, f64::INFINITY, 2.0),
            (0.02, 0.1, 0.0),
            (0.013, 0.1, 250.0),
        ] {
            let given = hypo_over_at(a, b, t, (-b * t).exp());
            assert_eq!(given.to_bits(), hypo_over(a, b, t).to_bits(), "{a} {b} {t}");
        }
    }

    #[test]
    fn unstable_queues_have_no_steady_state() {
        assert!(Wait::new(2, 2.0, 1.0).is_none());
        assert!(Wait::new(0, 0.1, 1.0).is_none());
    }

    /// The distance the settling check works out (`Distribution::distance`)
    /// of `p` on `lo..` to `pi`.
    fn total_variation(lo: usize, p: &[f64], pi: &[f64]) -> f64 {
        let mut d = crate::sim::queueing::chain::Distribution::at(lo);
        d.p = p.to_vec();
        d.distance(pi)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..Default::default()
        })]

        /// The bound never passes the distance the full working-out finds,
        /// whatever the room, the window or the load: near the steady state
        /// of another load (what a settling line holds), or anywhere.
        #[test]
        fn the_distance_bound_never_passes_the_distance(
            servers in 1u32..300,
            load in 0.01f64..1.5,
            room in 0usize..300,
            shift in -0.05f64..0.05,
            noise in proptest::collection::vec(0.0f64..1.0, 1..400),
            lo_pick in 0.0f64..1.0,
            variant in 0u8..3,
            room_known in proptest::bool::ANY,
            more_room in 0usize..40,
        ) {
            let mu = 2.5;
            let lambda = load * f64::from(servers) * mu;
            let mut pi = Vec::new();
            stationary_into(servers, lambda, mu, room, &mut pi);
            let (lo, p): (usize, Vec<f64>) = if variant < 2 {
                // The steady state itself, or that of a load a few percent
                // off, windowed as a settling line holds it.
                let shift = if variant == 0 { 0.0 } else { shift };
                let mut near = Vec::new();
                // A settling line's window reaches past the room the steady
                // state keeps when that is cut to where it holds anything.
                stationary_into(servers, lambda * (1.0 + shift), mu, room + more_room, &mut near);
                let first = near.iter().position(|&x| x > 1e-13).unwrap_or(0);
                let last = near.iter().rposition(|&x| x > 1e-13).unwrap_or(first).max(first);
                (first, near[first..=last].to_vec())
            } else {
                let total: f64 = noise.iter().sum();
                let lo = (lo_pick * (servers as usize + room) as f64) as usize;
                (lo, noise.iter().map(|x| x / total.max(1e-300)).collect())
            };
            let exact = total_variation(lo, &p, &pi);
            // The room, known or not.
            let top = if room_known { servers as usize + room } else { servers as usize };
            let bound = distance_at_least(servers, lambda, mu, top, lo, &p, f64::INFINITY);
            proptest::prop_assert!(bound <= exact * (1.0 + 1e-9) + 1e-14, "{bound} > {exact}");
        }
    }

    #[test]
    fn the_distance_bound_rules_out_a_line_a_load_away_and_knows_nothing_without_load() {
        // A function's pool under a light load, as it settles from a load
        // 1% lower: the bound alone shows it is not yet settled.
        let (servers, mu) = (100, 10.0);
        let (mut was, mut now) = (Vec::new(), Vec::new());
        stationary_into(servers, 70.0, mu, 0, &mut was);
        stationary_into(servers, 70.7, mu, 0, &mut now);
        let exact = total_variation(0, &was, &now);
        let bound = distance_at_least(servers, 70.7, mu, 100, 0, &was, f64::INFINITY);
        assert!(bound > 1e-4 && bound <= exact, "{bound} against {exact}");
        // It stops once past what it is asked about.
        assert!(distance_at_least(servers, 70.7, mu, 100, 0, &was, 1e-6) < bound);
        // Past the top a steady state keeps, it holds nothing: a window
        // reaching further learns nothing from the states there, even from
        // a full loss system's.
        let mut full = Vec::new();
        stationary_into(4, 15.0, 2.5, 0, &mut full);
        full.extend([0.0, 0.0, 0.0]);
        assert!(distance_at_least(4, 15.0, 2.5, 4, 0, &full, f64::INFINITY) < 1e-15);
        // At the steady state itself it finds (almost) nothing.
        assert!(distance_at_least(servers, 70.0, mu, 100, 0, &was, f64::INFINITY) < 1e-15);
        for (servers, lambda, mu) in [
            (0, 70.0, mu),
            (100, 0.0, mu),
            (100, f64::NAN, mu),
            (100, 70.0, 0.0),
        ] {
            assert_eq!(
                distance_at_least(servers, lambda, mu, 100, 0, &was, f64::INFINITY),
                0.0
            );
        }
    }
}
