use super::*;

#[test]
fn whether_a_room_matters_is_told_as_the_power_tells_it() {
    let rooms = [
        0,
        1,
        2,
        7,
        50,
        64,
        65,
        400,
        999,
        1000,
        1001,
        1074,
        5000,
        100_000,
        u64::MAX,
    ];
    let chances = [0.0, 1e-300, 1e-12, 1e-9, 0.3, 1.0, 1.5, f64::NAN];
    let mut rhos = vec![0.0, 0.5, 0.999_999, 1.0, 1.2, f64::NAN];
    let mut rho = 1e-320;
    while rho < 1.5 {
        rhos.push(rho);
        rho *= 1.37;
    }
    for &rho in &rhos {
        for room in rooms {
            for p_wait in chances {
                let plain = p_wait * rho.powf(room as f64) < ROOM_MATTERS;
                assert_eq!(
                    room_never_matters(p_wait, rho, room),
                    plain,
                    "{p_wait} {rho}^{room}"
                );
            }
        }
    }
}

fn params(lambda: f64) -> LineParams {
    LineParams {
        servers: 4,
        lambda,
        mu: 100.0,
        room: 100_000,
        wait_scale: 1.0,
    }
}

const ASK: Ask = Ask {
    service_s: 0.01,
    deadline_s: 0.5,
    patience_s: 30.0,
    fixed: false,
};

#[test]
fn a_steady_line_is_erlang_c_at_any_tick() {
    for tick in [0.05, 1.0, 60.0] {
        let mut line = Line::default();
        for _ in 0..5 {
            line.advance(params(300.0), tick, false);
        }
        // Starting empty, a line far from capacity settles at once.
        assert_eq!(line.mode(), Mode::Stationary);
        let f = line.fates(0, ASK);
        let w = Wait::new(4, 300.0, 100.0).expect("stable");
        assert!((f.mean_wait_s - w.mean_s()).abs() < 1e-12);
        assert!((f.ok + f.late + f.gave_up + f.blocked - 1.0).abs() < 1e-12);
    }
}

#[test]
fn a_fast_line_follows_every_change_of_load_at_once() {
    // Far from capacity the line settles within SNAP_S: each new load
    // must give that load's Erlang C figures the same tick, never the
    // figures of a load it saw before (the view once stayed stale).
    let mut line = Line::default();
    // Starting empty, the first tick averages the line filling up.
    line.advance(params(100.0), 1.0, false);
    for lambda in [100.0, 300.0, 300.0, 100.0, 200.0, 100.0] {
        line.advance(params(lambda), 1.0, false);
        assert_eq!(line.mode(), Mode::Stationary);
        let f = line.fates(0, ASK);
        let w = Wait::new(4, lambda, 100.0).expect("stable");
        assert!(
            (f.mean_wait_s - w.mean_s()).abs() < 1e-12,
            "at {lambda}/s: {} against {}",
            f.mean_wait_s,
            w.mean_s()
        );
    }
}

#[test]
fn a_near_critical_spike_builds_up_slowly_and_carries_over() {
    let mut line = Line::default();
    for _ in 0..60 {
        line.advance(params(300.0), 1.0, false);
    }
    line.advance(params(390.0), 1.0, false);
    assert_eq!(line.mode(), Mode::Evolving);
    let early = line.fates(0, ASK).late;
    for _ in 0..40 {
        line.advance(params(390.0), 1.0, false);
    }
    let later = line.fates(0, ASK).late;
    let stationary = Wait::new(4, 390.0, 100.0)
        .expect("stable")
        .response_over(100.0, 0.5);
    assert!(early < later / 3.0, "{early} then {later}");
    assert!(
        (later - stationary).abs() / stationary < 0.1,
        "{later} vs {stationary}"
    );
}

#[test]
fn overload_turns_fluid_with_the_line_s_work_ahead() {
    let mut line = Line::default();
    for _ in 0..60 {
        line.advance(params(390.0), 1.0, false);
    }
    assert!(matches!(
        line.advance(params(600.0), 1.0, false),
        Seen::Fluid
    ));
    assert!(line.ahead_s() > 0.05, "{}", line.ahead_s());
    // Once the backlog is gone and the load is light, the line settles again.
    line.advance(params(100.0), 1.0, false);
    assert_eq!(line.mode(), Mode::Stationary);
}

#[test]
fn a_large_pool_s_table_agrees_with_the_recursion() {
    let mut cache = ErlangCache::default();
    for rho in [0.3, 0.7, 0.9, 0.97, 0.995] {
        let p = LineParams {
            servers: 400,
            lambda: rho * 400.0 * 50.0,
            mu: 50.0,
            room: 1_000_000,
            wait_scale: 1.0,
        };
        let direct = p.open_wait().expect("stable");
        let table = cache.open_wait(&p).expect("stable");
        assert!(
            (table.p_wait - direct.p_wait).abs() <= 1e-4 * direct.p_wait.max(1e-12) + 1e-12,
            "ρ {rho}: {} vs {}",
            table.p_wait,
            direct.p_wait
        );
        assert_eq!(table.theta, direct.theta);
    }
}

#[test]
fn limited_room_blocks_like_erlang_b() {
    let mut line = Line::default();
    let p = LineParams {
        servers: 3,
        lambda: 2.4,
        mu: 1.0,
        room: 0,
        wait_scale: 1.0,
    };
    for _ in 0..100 {
        line.advance(p, 10.0, false);
    }
    let f = line.fates(
        0,
        Ask {
            service_s: 1.0,
            deadline_s: 100.0,
            patience_s: 100.0,
            fixed: false,
        },
    );
    assert!((f.blocked - 0.268).abs() < 1e-3, "{}", f.blocked);
}

#[test]
fn a_line_without_room_keeps_none_when_its_wait_is_surely_negligible() {
    // Wherever the short cut says Erlang C is negligible, the full
    // working-out keeps no room either; and it does say so for a function's
    // large pool under a light load, and not for a busy one.
    let mut told = 0;
    for servers in [1, 2, 3, 5, 8, 13, 40, 100, 1000] {
        for load in [1e-6, 1e-3, 0.01, 0.04, 0.3, 0.7, 0.95, 0.999] {
            for mu in [0.5, 20.0] {
                let p = LineParams {
                    servers,
                    lambda: load * f64::from(servers) * mu,
                    mu,
                    room: 0,
                    wait_scale: 1.0,
                };
                if mmc::erlang_c_below(servers, p.lambda / p.mu, 1e-16) {
                    told += 1;
                    assert!(mmc::erlang_c(servers, p.lambda / p.mu) < 1e-15);
                    assert_eq!(p.room_kept(), 0, "{p:?}");
                }
            }
        }
    }
    assert!(told > 20, "{told}");
    assert!(mmc::erlang_c_below(100, 0.04, 1e-16));
    assert!(!mmc::erlang_c_below(4, 3.0, 1e-16));
    assert!(!mmc::erlang_c_below(4, 4.0, 1e-16));
    assert!(!mmc::erlang_c_below(0, 0.1, 1e-16));
}

/// The forward equations of an M/M/c/c line, integrated with fourth-order
/// Runge–Kutta at a millisecond: the exact transient, to check the closed form against.
struct LossChain {
    p: Vec<f64>,
}

impl LossChain {
    fn empty(servers: usize) -> Self {
        let mut p = vec![0.0; servers + 1];
        p[0] = 1.0;
        LossChain { p }
    }

    fn rate(p: &[f64], lambda: f64, mu: f64) -> Vec<f64> {
        let c = p.len() - 1;
        (0..=c)
            .map(|n| {
                let inflow = if n > 0 { lambda * p[n - 1] } else { 0.0 }
                    + if n < c {
                        mu * (n + 1) as f64 * p[n + 1]
                    } else {
                        0.0
                    };
                let outflow = (if n < c { lambda } else { 0.0 } + mu * n as f64) * p[n];
                inflow - outflow
            })
            .collect()
    }

    /// Runs `t` seconds at `lambda`; returns the time-average number busy.
    fn run(&mut self, lambda: f64, mu: f64, t: f64) -> f64 {
        let dt = 1e-3;
        let steps = (t / dt).round() as usize;
        let mean = |p: &[f64]| p.iter().enumerate().map(|(n, x)| n as f64 * x).sum::<f64>();
        let mut average = 0.0;
        for _ in 0..steps {
            let at = |base: &[f64], k: &[f64], h: f64| -> Vec<f64> {
                base.iter().zip(k).map(|(x, d)| x + h * d).collect()
            };
            let k1 = Self::rate(&self.p, lambda, mu);
            let p2 = at(&self.p, &k1, dt / 2.0);
            let k2 = Self::rate(&p2, lambda, mu);
            let p3 = at(&self.p, &k2, dt / 2.0);
            let k3 = Self::rate(&p3, lambda, mu);
            let p4 = at(&self.p, &k3, dt);
            let k4 = Self::rate(&p4, lambda, mu);
            // The mean's integral takes the same stages, to the same order.
            average += dt / 6.0 * (mean(&self.p) + 2.0 * mean(&p2) + 2.0 * mean(&p3) + mean(&p4));
            for n in 0..self.p.len() {
                self.p[n] += dt / 6.0 * (k1[n] + 2.0 * k2[n] + 2.0 * k3[n] + k4[n]);
            }
        }
        average / t
    }
}

#[test]
fn a_line_far_below_its_servers_follows_the_exact_transient() {
    // A function with room for 60 and a load of a few: every environment is
    // busy at once with a chance far below 1e-16, so the line is M/M/∞,
    // moved on in closed form; each tick's mean busy and its end state must
    // be what the exact forward equations give.
    let (servers, mu) = (60u32, 0.5);
    let mut line = Line::default();
    let mut exact = LossChain::empty(servers as usize);
    for (lambda, tick) in [(1.0, 1.0), (3.0, 1.0), (3.0, 2.0), (0.5, 5.0), (2.0, 0.25)] {
        let p = LineParams {
            servers,
            lambda,
            mu,
            room: 0,
            wait_scale: 1.0,
        };
        line.advance(p, tick, false);
        let busy = exact.run(lambda, mu, tick);
        assert_eq!(line.mode(), Mode::Evolving);
        assert!(line.poisson.is_some(), "kept in closed form");
        assert!(
            (line.mean_busy() - busy).abs() < 1e-9,
            "at {lambda}/s: {} against {busy}",
            line.mean_busy()
        );
        // The window ends below the servers: nobody is turned away.
        assert!(line.dist.hi() < servers as usize);
        assert_eq!(line.blocked(), 0.0);
        let end: f64 = exact.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        assert!((line.dist.mean() - end).abs() < 1e-9);
        assert!(line.dist.distance(&exact.p) < 1e-9);
    }
}

#[test]
fn a_light_line_that_nears_its_servers_is_stepped_again_and_settles_back() {
    let (servers, mu) = (20u32, 1.0);
    let at = |lambda: f64| LineParams {
        servers,
        lambda,
        mu,
        room: 0,
        wait_scale: 1.0,
    };
    let mut line = Line::default();
    line.advance(at(1.0), 1.0, false);
    assert!(line.poisson.is_some());
    // A load of 15 on 20 environments turns some away: the chain steps it.
    let before = line.dist.mean();
    line.advance(at(15.0), 1.0, false);
    assert!(line.poisson.is_none());
    assert!(line.blocked() > 0.0);
    // It goes on from where the closed form left it: a second toward 15,
    // behind the unbounded line (some are turned away, and backward-Euler
    // steps of a quarter second lag the exact relaxation by a few percent).
    let (end, _) = light::relax(before, 15.0, mu, 1.0);
    let mean = line.dist.mean();
    assert!(mean < end && mean > 0.85 * end, "{mean} against {end}");
    // Back at a light load it settles, and from the steady state it is
    // light again.
    for _ in 0..200 {
        line.advance(at(1.0), 1.0, false);
    }
    assert_eq!(line.mode(), Mode::Stationary);
    line.advance(at(1.2), 1.0, false);
    assert!(line.poisson.is_some());
    assert!((line.mean_busy() - light::relax(1.0, 1.2, mu, 1.0).1).abs() < 1e-10);
}

#[test]
fn a_pool_far_below_its_servers_makes_nobody_wait() {
    // A hundred servers at a load of ten, with room to wait: the first tick
    // from empty is in closed form, and its arrivals start at once.
    let p = LineParams {
        servers: 100,
        lambda: 5.0,
        mu: 0.5,
        room: 1000,
        wait_scale: 1.0,
    };
    let ask = Ask {
        service_s: 2.0,
        deadline_s: 3.0,
        patience_s: 30.0,
        fixed: false,
    };
    let mut line = Line::default();
    line.advance(p, 1.0, false);
    assert!(line.poisson.is_some());
    let f = line.fates(0, ask);
    assert_eq!((f.blocked, f.gave_up, f.mean_wait_s), (0.0, 0.0, 0.0));
    let in_time = 1.0 - (-3.0f64 / 2.0).exp();
    assert!((f.ok - in_time).abs() < 1e-12, "{} against {in_time}", f.ok);
    assert_eq!(line.mean_waiting(), 0.0);
    assert!((line.mean_busy() - light::relax(0.0, 5.0, 0.5, 1.0).1).abs() < 1e-12);
}

#[test]
fn a_line_is_known_poisson_only_after_it_empties_or_settles_light() {
    let at = |servers: u32, lambda: f64| LineParams {
        servers,
        lambda,
        mu: 1.0,
        room: 50,
        wait_scale: 1.0,
    };
    let mut line = Line::default();
    assert_eq!(line.poisson, Some(0.0));
    // Overload: a backlog; when it clears every server is busy, which is
    // no Poisson distribution.
    line.advance(at(4, 10.0), 1.0, true);
    assert!(matches!(line.mode(), Mode::Fluid { .. }));
    line.advance(at(4, 1.0), 1.0, false);
    assert_eq!(line.poisson, None);
    // With no servers the line starts again empty.
    line.advance(at(0, 1.0), 1.0, false);
    assert_eq!(line.poisson, Some(0.0));
}
