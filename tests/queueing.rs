//! The queueing model agrees with theory and with an independent
//! discrete-event simulation, at any tick a level may pick:
//! - steady M/M/c levels give Erlang C's mean wait and the M/M/c
//!   response-time percentiles, and late counts as theory says;
//! - a spike to twice capacity, and a near-critical one, match a
//!   per-request simulation (and the exact forward equations) in late and
//!   dropped requests, peak backlog, time to drain and p99;
//! - callers who give up never hold a server;
//! - least outstanding requests pools a fleet's servers, round robin does not.
//!
//! Run with `-- --nocapture` to see the tables quoted in the closing note.

mod common;
mod oracle;

use common::{rel, run, score};
use oracle::{Des, DesResult, Exact, Mmc};

const TICKS: [&str; 5] = ["50ms", "250ms", "1s", "10s", "60s"];

/// A level with one source at `rps` of 10 ms requests (μ = 100/s on one vCPU).
fn level(
    tick: &str,
    duration: &str,
    rps: f64,
    shapes: &str,
    deadline_ms: f64,
    timeout: &str,
) -> String {
    format!(
        r#"Level(
    id: "q", title: (en: "queueing", ko: "대기열"), seed: 11, tick: "{tick}", duration: "{duration}",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 1.0, mode: Sync(deadline: "{deadline_ms:.4}ms", timeout: "{timeout}"))],
    sources: [Source(id: "s", workload: "w", base_rps: {rps:?}, shapes: [{shapes}])],
    palette: (things: [Instance, LoadBalancer, AutoScalingGroup, ContainerService]),
    goals: (availability_pct: 10.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#
    )
}

/// `c` one-vCPU Fargate tasks sharing one line (the source hands each
/// request to whichever task is free): an M/M/c system.
fn tasks(c: u32) -> String {
    format!(
        r#"Solution(level: "q", things: [ContainerService(id: "svc", orchestrator: Ecs, capacity: Fargate, task_vcpu: 1.0, task_memory_gib: 2.0, min: {c}, desired: {c}, max: {c})], links: [("s", "svc")])"#
    )
}

fn with_seed(level: &str, seed: u64) -> String {
    level.replace("seed: 11", &format!("seed: {seed}"))
}

/// Steady M/M/c at every tick: mean wait within 3% of Erlang C, response
/// percentiles within 5%, late count as theory says.
fn steady(c: u32, load: f64) -> Vec<String> {
    let mu = 100.0;
    let lambda = load * f64::from(c) * mu;
    let theory = Mmc { c, lambda, mu };
    // A deadline at the theoretical p99 makes about 1% late: enough to count.
    let p99 = theory.response_quantile(0.99);
    let des = Des {
        servers: c as usize,
        mu,
        fixed: false,
        patience: f64::INFINITY,
        deadline: p99,
        profile: vec![(4000.0 / lambda * 1000.0, lambda)],
        drain_from: f64::INFINITY,
        windows: Vec::new(),
    }
    .run(7);
    let mut rows = vec![format!(
        "| M/M/{c} at {:.0}% | theory | {:.2} | {:.2} | {:.2} | {:.2} | 1.000% |",
        load * 100.0,
        theory.mean_wait() * 1e3,
        theory.response_quantile(0.5) * 1e3,
        theory.response_quantile(0.95) * 1e3,
        p99 * 1e3
    )];
    rows.push(format!(
        "| M/M/{c} at {:.0}% | DES | {:.2} | {:.2} | {:.2} | {:.2} | {:.3}% |",
        load * 100.0,
        des.mean_wait * 1e3,
        des.quantile(0.5) * 1e3,
        des.quantile(0.95) * 1e3,
        des.quantile(0.99) * 1e3,
        des.late as f64 / des.served as f64 * 100.0
    ));
    for tick in TICKS {
        let sim = run(&level(tick, "30m", lambda, "", p99 * 1e3, "60s"), &tasks(c));
        let s = score(&sim);
        let finished = (s.requests.ok + s.requests.late) as f64;
        let late = s.requests.late as f64;
        let want = 0.01 * finished;
        rows.push(format!(
            "| M/M/{c} at {:.0}% | engine, tick {tick} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3}% |",
            load * 100.0,
            s.wait_ms.mean,
            s.latency_ms.p50,
            s.latency_ms.p95,
            s.latency_ms.p99,
            late / finished * 100.0
        ));
        assert!(
            rel(s.wait_ms.mean, theory.mean_wait() * 1e3) < 0.03,
            "M/M/{c} tick {tick}: mean wait {} vs {}",
            s.wait_ms.mean,
            theory.mean_wait() * 1e3
        );
        assert!((s.mean_wait_ms - s.wait_ms.mean).abs() < 1e-9);
        // Latency and waits describe the same requests: they differ by the mean service.
        assert!(
            (s.latency_ms.mean - s.wait_ms.mean - 10.0).abs() < 0.05,
            "M/M/{c} tick {tick}: {} − {}",
            s.latency_ms.mean,
            s.wait_ms.mean
        );
        for (q, got) in [
            (0.5, s.latency_ms.p50),
            (0.95, s.latency_ms.p95),
            (0.99, s.latency_ms.p99),
        ] {
            let want = theory.response_quantile(q) * 1e3;
            assert!(
                rel(got, want) < 0.05,
                "M/M/{c} tick {tick}: p{} {got} vs {want}",
                q * 100.0
            );
        }
        // Within four standard deviations of a binomial count.
        let sd = (finished * 0.01 * 0.99).sqrt();
        assert!(
            (late - want).abs() < 4.0 * sd + 2.0,
            "M/M/{c} tick {tick}: {late} late, theory {want:.0} ± {sd:.0}"
        );
        assert_eq!(s.requests.dropped, 0);
    }
    // The simulator agrees with theory too.
    assert!(
        rel(des.mean_wait, theory.mean_wait()) < 0.05,
        "DES mean wait {} vs {}",
        des.mean_wait,
        theory.mean_wait()
    );
    assert!(rel(des.quantile(0.99), p99) < 0.05);
    rows
}

#[test]
fn steady_lines_match_erlang_c_at_every_tick() {
    let mut rows = vec![
        "| system | source | mean wait ms | p50 ms | p95 ms | p99 ms | late (deadline = theory's p99) |".to_string(),
        "|---|---|---|---|---|---|---|".to_string(),
    ];
    for (c, load) in [(1, 0.9), (3, 0.8), (16, 0.95)] {
        rows.extend(steady(c, load));
    }
    println!("{}", rows.join("\n"));
}

/// A workload of fixed service time (M/D/c): M/D/1 waits are exactly half
/// of M/M/1's (Pollaczek–Khinchine), at any tick; M/D/c follows the
/// Allen–Cunneen approximation, checked against the simulator.
#[test]
fn fixed_service_times_halve_the_wait() {
    let fixed = |text: String| text.replace("mode: Sync(", "service: Fixed, mode: Sync(");
    let mut rows = vec![
        "| system | source | mean wait ms | p99 latency ms |".to_string(),
        "|---|---|---|---|".to_string(),
    ];
    // M/D/1 at 90%, μ = 100: Wq = ρ / (2μ(1 − ρ)) = 45 ms.
    for tick in ["100ms", "1s", "60s"] {
        let s = score(&run(
            &fixed(level(tick, "30m", 90.0, "", 10_000.0, "60s")),
            &tasks(1),
        ));
        rows.push(format!(
            "| M/D/1 at 90% | engine, tick {tick} | {:.2} | {:.1} |",
            s.wait_ms.mean, s.latency_ms.p99
        ));
        assert!(
            rel(s.wait_ms.mean, 45.0) < 0.03,
            "tick {tick}: M/D/1 wait {}",
            s.wait_ms.mean
        );
        assert!((s.latency_ms.mean - s.wait_ms.mean - 10.0).abs() < 0.05);
    }
    rows.push("| M/D/1 at 90% | Pollaczek–Khinchine | 45.00 | — |".to_string());
    // M/D/4 at 85%: against a simulation with fixed service.
    let lambda = 0.85 * 4.0 * 100.0;
    let des = Des {
        servers: 4,
        mu: 100.0,
        fixed: true,
        patience: f64::INFINITY,
        deadline: 1.0,
        profile: vec![(1500.0, lambda)],
        drain_from: f64::INFINITY,
        windows: Vec::new(),
    }
    .run(3);
    let s = score(&run(
        &fixed(level("1s", "30m", lambda, "", 10_000.0, "60s")),
        &tasks(4),
    ));
    rows.push(format!(
        "| M/D/4 at 85% | DES | {:.2} | {:.1} |",
        des.mean_wait * 1e3,
        des.quantile(0.99) * 1e3
    ));
    rows.push(format!(
        "| M/D/4 at 85% | engine, tick 1s | {:.2} | {:.1} |",
        s.wait_ms.mean, s.latency_ms.p99
    ));
    println!("{}", rows.join("\n"));
    assert!(
        rel(s.wait_ms.mean, des.mean_wait * 1e3) < 0.1,
        "M/D/4 wait {} vs DES {}",
        s.wait_ms.mean,
        des.mean_wait * 1e3
    );
    assert!(
        rel(s.latency_ms.p99, des.quantile(0.99) * 1e3) < 0.1,
        "M/D/4 p99 {} vs DES {}",
        s.latency_ms.p99,
        des.quantile(0.99) * 1e3
    );
}

/// What a run of the 300 → spike → 300/s levels shows, from the engine or the simulator.
#[derive(Debug, Clone, Copy, Default)]
struct Transient {
    late_and_dropped: f64,
    dropped: f64,
    peak_backlog: f64,
    drain_s: f64,
    p99_ms: f64,
}

/// The engine on c = 4, μ = 100 (one m5.xlarge), 300/s for 10 minutes,
/// `spike`/s for a minute, 300/s for 10 minutes; averaged over seeds.
fn engine_transient(tick: &str, multiplier: f64, timeout: &str, seeds: u64) -> Transient {
    let mut sum = Transient::default();
    for seed in 0..seeds {
        let text = with_seed(
            &level(
                tick,
                "21m",
                300.0,
                &format!(
                    r#"Spike(at: "00:10", ramp: "0s", hold: "60s", multiplier: {multiplier:?})"#
                ),
                500.0,
                timeout,
            ),
            seed + 1,
        );
        let sim = run(
            &text,
            r#"Solution(level: "q", things: [Instance(id: "box", type: "m5.xlarge")], links: [("s", "box")])"#,
        );
        let s = score(&sim);
        let records = sim.metrics.records();
        let tick_s = sim.ctx.setup.tick_s;
        let peak = records.iter().map(|r| r.waiting).max().unwrap_or(0) as f64;
        // The backlog drains in a straight line: place its end within the
        // tick it emptied in by the slope of the tick before.
        let mut drain = 0.0;
        for (i, r) in records.iter().enumerate() {
            let end = r.time_s + tick_s;
            if end <= 660.0 + 1e-9 || i == 0 {
                continue;
            }
            if r.waiting <= 4 && records[i - 1].waiting > 4 {
                let before = records[i - 1].waiting as f64;
                let slope = if i >= 2 {
                    (records[i - 2].waiting as f64 - before).max(1.0) / tick_s
                } else {
                    before / tick_s
                };
                drain = (r.time_s + (before / slope).min(tick_s)) - 660.0;
                break;
            }
        }
        sum.late_and_dropped += (s.requests.late + s.requests.dropped) as f64;
        sum.dropped += s.requests.dropped as f64;
        sum.peak_backlog += peak;
        sum.drain_s += drain;
        sum.p99_ms += s.latency_ms.p99;
    }
    let n = seeds as f64;
    Transient {
        late_and_dropped: sum.late_and_dropped / n,
        dropped: sum.dropped / n,
        peak_backlog: sum.peak_backlog / n,
        drain_s: sum.drain_s / n,
        p99_ms: sum.p99_ms / n,
    }
}

fn des_transient(multiplier: f64, patience: f64, seeds: u64) -> (Transient, Vec<DesResult>) {
    let des = Des {
        servers: 4,
        mu: 100.0,
        fixed: false,
        patience,
        deadline: 0.5,
        profile: vec![(600.0, 300.0), (60.0, 300.0 * multiplier), (600.0, 300.0)],
        drain_from: 660.0,
        windows: vec![(629.0, 631.0), (600.0, 660.0)],
    };
    let runs: Vec<DesResult> = (0..seeds).map(|s| des.run(1000 + s)).collect();
    let n = seeds as f64;
    let t = Transient {
        late_and_dropped: runs
            .iter()
            .map(|r| (r.late + r.gave_up) as f64)
            .sum::<f64>()
            / n,
        dropped: runs.iter().map(|r| r.gave_up as f64).sum::<f64>() / n,
        peak_backlog: runs.iter().map(|r| r.peak_backlog as f64).sum::<f64>() / n,
        drain_s: runs.iter().map(|r| r.drain_s.unwrap_or(0.0)).sum::<f64>() / n,
        // The percentile of every seed's requests together: the engine gives
        // the percentile of the expected distribution, not a mean of percentiles.
        p99_ms: pooled_quantile(&runs, 0.99) * 1e3,
    };
    (t, runs)
}

fn pooled_quantile(runs: &[DesResult], q: f64) -> f64 {
    let mut all: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.latency.iter().copied())
        .collect();
    all.sort_by(f64::total_cmp);
    all[((q * all.len() as f64) as usize).min(all.len() - 1)]
}

fn row(label: &str, t: &Transient) -> String {
    format!(
        "| {label} | {:.0} | {:.0} | {:.0} | {:.1} | {:.0} |",
        t.late_and_dropped, t.dropped, t.peak_backlog, t.drain_s, t.p99_ms
    )
}

/// A spike to twice capacity: within 5% of a per-request simulation at
/// ticks of 100 ms, 1 s and 5 s, with callers' patience of a minute and of ten seconds.
#[test]
fn a_spike_to_twice_capacity_matches_a_discrete_event_simulation() {
    let mut rows = vec![
        "| run | late + dropped | dropped (gave up) | peak backlog | drain s | p99 ms |"
            .to_string(),
        "|---|---|---|---|---|---|".to_string(),
    ];
    for (timeout, patience) in [("60s", 60.0), ("10s", 10.0)] {
        // Each seed's drain time varies by seconds with its arrivals: average enough of them.
        let (des, _) = des_transient(2.0, patience, 12);
        rows.push(row(&format!("DES, patience {timeout}, 12 seeds"), &des));
        for tick in ["100ms", "1s", "5s"] {
            let e = engine_transient(tick, 2.0, timeout, 12);
            rows.push(row(
                &format!("engine, patience {timeout}, tick {tick}, 12 seeds"),
                &e,
            ));
            for (what, got, want) in [
                ("late + dropped", e.late_and_dropped, des.late_and_dropped),
                ("peak backlog", e.peak_backlog, des.peak_backlog),
                ("drain", e.drain_s, des.drain_s),
                ("p99", e.p99_ms, des.p99_ms),
            ] {
                assert!(
                    rel(got, want) < 0.05,
                    "patience {timeout}, tick {tick}: {what} {got:.1} vs DES {want:.1}"
                );
            }
            if patience < 60.0 {
                // Callers who give up are as many as in the simulation: they never took a server.
                assert!(
                    rel(e.dropped, des.dropped) < 0.05,
                    "tick {tick}: gave up {} vs {}",
                    e.dropped,
                    des.dropped
                );
            }
        }
    }
    println!("{}", rows.join("\n"));
}

/// A near-critical spike (300 → 390 → 300/s, ρ = 0.975 for a minute): the
/// mean late count, E[N] mid-spike and p99 follow the exact forward
/// equations and the simulation, because the line's state carries over.
#[test]
fn a_near_critical_spike_builds_up_as_the_exact_equations_say() {
    // Exact: the distribution of the number in the system through the
    // spike; what arrivals saw, weighted by how many arrived, gives the
    // expected late count and the run's p99.
    let (top, dt) = (800, 0.001);
    let calm = Exact::stationary(4, 100.0, 300.0, top);
    let mut exact = Exact::stationary(4, 100.0, 300.0, top);
    // Arrivals × the distribution they saw, summed over the run.
    let mut seen: Vec<f64> = calm.p.iter().map(|x| x * 300.0 * 1170.0).collect();
    let mut mid_spike = 0.0;
    let mut spike_mean = 0.0;
    let mut t = 0.0;
    exact.run(390.0, 60.0, dt, |p, dt| {
        for (s, x) in seen.iter_mut().zip(p) {
            *s += 390.0 * dt * x;
        }
        let n: f64 = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        spike_mean += n * dt / 60.0;
        t += dt;
        if (t - 30.0).abs() < dt / 2.0 {
            mid_spike = n;
        }
    });
    exact.run(300.0, 30.0, dt, |p, dt| {
        for (s, x) in seen.iter_mut().zip(p) {
            *s += 300.0 * dt * x;
        }
    });
    let arrived: f64 = seen.iter().sum();
    let over = |d: f64| -> f64 {
        let tail = exact.response_over_table(d);
        seen.iter().zip(&tail).map(|(s, y)| s * y).sum()
    };
    let exact_late = over(0.5);
    let (mut lo, mut hi) = (0.05, 0.5);
    for _ in 0..25 {
        let mid = (lo + hi) / 2.0;
        if over(mid) > 0.01 * arrived {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let exact_p99 = hi * 1e3;

    let (des, runs) = des_transient(1.3, 60.0, 100);
    let n = runs.len() as f64;
    let des_mid: f64 = runs.iter().map(|r| r.in_system[0]).sum::<f64>() / n;
    let des_spike: f64 = runs.iter().map(|r| r.in_system[1]).sum::<f64>() / n;
    // A seed's late count ranges from none to thousands: its standard error.
    let late: Vec<f64> = runs.iter().map(|r| r.late as f64).collect();
    let sd = (late
        .iter()
        .map(|x| (x - des.late_and_dropped).powi(2))
        .sum::<f64>()
        / (n - 1.0))
        .sqrt();
    let se = sd / n.sqrt();
    let mut rows = vec![
        "| run | mean late | E[N] at 00:10:30 | E[N] over the spike | p99 ms |".to_string(),
        "|---|---|---|---|---|".to_string(),
        format!(
            "| exact forward equations | {exact_late:.1} | {mid_spike:.2} | {spike_mean:.2} | {exact_p99:.1} |"
        ),
        format!(
            "| DES, 100 seeds | {:.1} ± {se:.1} | {des_mid:.2} | {des_spike:.2} | {:.1} |",
            des.late_and_dropped, des.p99_ms
        ),
    ];
    for tick in ["100ms", "1s", "5s"] {
        let e = engine_transient(tick, 1.3, "60s", 3);
        // E[N] in the ticks holding 00:10:30, from the engine's own record.
        let text = level(
            tick,
            "21m",
            300.0,
            r#"Spike(at: "00:10", ramp: "0s", hold: "60s", multiplier: 1.3)"#,
            500.0,
            "60s",
        );
        let sim = run(
            &text,
            r#"Solution(level: "q", things: [Instance(id: "box", type: "m5.xlarge")], links: [("s", "box")])"#,
        );
        let tick_s = sim.ctx.setup.tick_s;
        let window: Vec<f64> = sim
            .metrics
            .records()
            .iter()
            .filter(|r| r.time_s + tick_s > 627.5 && r.time_s < 632.5)
            .map(|r| r.in_flight)
            .collect();
        let mid = window.iter().sum::<f64>() / window.len() as f64;
        let spike: Vec<f64> = sim
            .metrics
            .records()
            .iter()
            .filter(|r| r.time_s >= 600.0 - 1e-9 && r.time_s < 660.0 - 1e-9)
            .map(|r| r.in_flight)
            .collect();
        let spike = spike.iter().sum::<f64>() / spike.len() as f64;
        rows.push(format!(
            "| engine, tick {tick} | {:.1} | {mid:.2} | {spike:.2} | {:.1} |",
            e.late_and_dropped, e.p99_ms
        ));
        assert!(
            rel(spike, spike_mean) < 0.05,
            "tick {tick}: E[N] over the spike {spike} vs exact {spike_mean}"
        );
        assert!(
            rel(e.late_and_dropped, exact_late) < 0.05,
            "tick {tick}: late {} vs exact {exact_late}",
            e.late_and_dropped
        );
        assert!(
            rel(mid, mid_spike) < 0.05,
            "tick {tick}: E[N] {mid} vs exact {mid_spike}"
        );
        // The waits behind departures are summed exactly over the run (no
        // shape kept within a bucket), so the p99 lands within 1%.
        assert!(
            rel(e.p99_ms, exact_p99) < 0.01,
            "tick {tick}: p99 {} vs exact {exact_p99}",
            e.p99_ms
        );
    }
    println!("{}", rows.join("\n"));
    // The simulation agrees with the exact equations within its own noise: a
    // near-critical queue wanders for tens of seconds at a time, so a seed's
    // late count ranges from none to thousands.
    assert!(
        rel(des_spike, spike_mean) < 0.05,
        "DES E[N] over the spike {des_spike} vs exact {spike_mean}"
    );
    assert!(
        (des.late_and_dropped - exact_late).abs() < 3.0 * se,
        "DES late {} ± {se} vs exact {exact_late}",
        des.late_and_dropped
    );
    assert!(
        rel(des.p99_ms, exact_p99) < 0.05,
        "DES p99 {} vs exact {exact_p99}",
        des.p99_ms
    );
}

/// Four m5.large behind a load balancer at 85%: round robin gives each
/// instance its own line (four M/M/2), least outstanding requests comes
/// close to one line (M/M/8) and a clearly lower p99; and it makes no
/// difference whether the instances are one group or four things.
#[test]
fn least_outstanding_pools_a_fleet_and_round_robin_does_not() {
    let lambda = 0.85 * 8.0 * 100.0;
    let text = level("1s", "30m", lambda, "", 1000.0, "60s");
    let solution = |algorithm: &str, grouped: bool| {
        let things = if grouped {
            r#"AutoScalingGroup(id: "web", type: "m5.large", min: 4, desired: 4, max: 4)"#
                .to_string()
        } else {
            (1..=4)
                .map(|i| format!(r#"Instance(id: "web-{i}", type: "m5.large")"#))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let links = if grouped {
            r#"("lb", "web")"#.to_string()
        } else {
            (1..=4)
                .map(|i| format!(r#"("lb", "web-{i}")"#))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            r#"Solution(level: "q", things: [LoadBalancer(id: "lb", algorithm: {algorithm}), {things}], links: [("s", "lb"), {links}])"#
        )
    };
    let mut p99 = Vec::new();
    for algorithm in ["RoundRobin", "LeastOutstanding"] {
        let group = score(&run(&text, &solution(algorithm, true)));
        let apart = score(&run(&text, &solution(algorithm, false)));
        assert!(
            rel(group.latency_ms.p99, apart.latency_ms.p99) < 0.01,
            "{algorithm}: grouped {} vs apart {}",
            group.latency_ms.p99,
            apart.latency_ms.p99
        );
        p99.push(group.latency_ms.p99);
    }
    let rr = Mmc {
        c: 2,
        lambda: lambda / 4.0,
        mu: 100.0,
    }
    .response_quantile(0.99)
        * 1e3;
    let pooled = Mmc {
        c: 8,
        lambda,
        mu: 100.0,
    }
    .response_quantile(0.99)
        * 1e3;
    println!(
        "| algorithm | engine p99 ms | theory p99 ms |\n|---|---|---|\n| round robin (4 × M/M/2) | {:.1} | {rr:.1} |\n| least outstanding (≈ M/M/8) | {:.1} | {pooled:.1} |",
        p99[0], p99[1]
    );
    assert!(rel(p99[0], rr) < 0.05 && rel(p99[1], pooled) < 0.05);
    assert!(
        p99[1] < 0.75 * p99[0],
        "least outstanding {} vs round robin {}",
        p99[1],
        p99[0]
    );
}

/// Little's law: time-averaged requests in flight = arrival rate × mean time
/// in system, in steady state and through a backlog that drains.
#[test]
fn littles_law_holds_steady_and_through_a_backlog() {
    for shapes in [
        "",
        r#"Spike(at: "00:30", ramp: "2m", hold: "10m", multiplier: 1.4)"#,
    ] {
        let sim = run(
            &level("1s", "2h", 300.0, shapes, 60_000.0, "30m"),
            &tasks(4),
        );
        let s = score(&sim);
        let records = sim.metrics.records();
        let mean_in_flight =
            records.iter().map(|r| r.in_flight).sum::<f64>() / records.len() as f64;
        let arrival_rate =
            s.requests.arrived as f64 / (records.len() as f64 * sim.ctx.setup.tick_s);
        let little = arrival_rate * s.latency_ms.mean / 1000.0;
        assert!(
            rel(mean_in_flight, little) < 0.03,
            "{shapes}: L {mean_in_flight} vs λW {little}"
        );
    }
}
