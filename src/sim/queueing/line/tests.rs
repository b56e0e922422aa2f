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
