//! The queueing model agrees with theory: on steady levels the engine's
//! waits match Erlang C (computed here from the formula, independently of
//! the engine), an independent discrete-event simulator agrees with both,
//! and Little's law holds.

mod common;

use common::{rel, run, score};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Erlang C by the textbook sum (not the engine's recursion).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0; // k = 0
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

/// A level with one source at `rps` and requests of `work_ms` on one instance of `type_`.
fn steady_level(rps: f64, work_ms: f64, deadline_ms: f64, duration: &str) -> String {
    let deadline_ms = format!("{deadline_ms:.6}");
    format!(
        r#"Level(
    id: "steady", title: (en: "steady", ko: "일정"), seed: 11, tick: "1s", duration: "{duration}",
    workloads: [Workload(id: "w", class: Web, work_ms: {work_ms:?}, memory_mib: 1.0, mode: Sync(deadline: "{deadline_ms}ms", timeout: "60s"))],
    sources: [Source(id: "s", workload: "w", base_rps: {rps:?})],
    palette: (things: [Instance, LoadBalancer]),
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#
    )
}

fn one_instance(type_: &str) -> String {
    format!(
        r#"Solution(level: "steady", things: [Instance(id: "box", type: "{type_}")], links: [("s", "box")])"#
    )
}

/// Time-averaged requests in flight, and arrival rate × mean time in system.
fn littles_law(sim: &peakload::sim::Sim) -> (f64, f64) {
    let s = score(sim);
    let records = &sim.metrics.records;
    let mean_in_flight = records.iter().map(|r| r.in_flight).sum::<f64>() / records.len() as f64;
    let arrival_rate = s.requests.arrived as f64 / (records.len() as f64 * sim.ctx.setup.tick_s);
    // Time in system over everything finished: what callers waited for and what nobody did.
    let (l, c) = (&sim.metrics.latency, &sim.metrics.completion);
    let mean_ms = (l.mean_ms() * l.count() + c.mean_ms() * c.count()) / (l.count() + c.count());
    (mean_in_flight, arrival_rate * mean_ms / 1000.0)
}

/// FACTS.md worked example, checked against the formula used as the oracle here.
#[test]
fn oracle_matches_the_worked_example() {
    let c = erlang_c(3, 2.4);
    assert!((c - 0.6472).abs() < 5e-5, "{c}");
    assert!((c / (3.0 - 2.4) - 1.0787).abs() < 5e-5);
}

/// Simulates an M/M/c FIFO queue event by event; returns (mean wait, share waiting longer than t).
fn discrete_event(
    c: usize,
    lambda: f64,
    mu: f64,
    t: f64,
    customers: usize,
    seed: u64,
) -> (f64, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut exp = |rate: f64| -> f64 { -(1.0 - rng.random::<f64>()).ln() / rate };
    // Time each server next becomes free; FIFO means each arrival takes the earliest.
    let mut free = vec![0.0_f64; c];
    let (mut now, mut total_wait, mut over) = (0.0, 0.0, 0usize);
    let warmup = customers / 10;
    for i in 0..customers + warmup {
        now += exp(lambda);
        let (k, &earliest) = free
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("servers");
        let start = earliest.max(now);
        free[k] = start + exp(mu);
        if i >= warmup {
            let wait = start - now;
            total_wait += wait;
            if wait > t {
                over += 1;
            }
        }
    }
    (
        total_wait / customers as f64,
        over as f64 / customers as f64,
    )
}

/// For c servers at 80% load: mean wait and P(Wq > t) from the engine, Erlang C and a DES.
fn check_steady(type_: &str, c: u32) {
    let mu = 1000.0; // 1 ms of work per request on an m5 vCPU
    let lambda = 0.8 * f64::from(c) * mu;
    let erlang = erlang_c(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    // The deadline leaves t of waiting after 1 ms of service, with t chosen so
    // that a good share of requests wait longer than t whatever c is.
    let slack_s = 0.5 / theta;
    let deadline_ms = 1.0 + slack_s * 1000.0;
    let sim = run(
        &steady_level(lambda, 1.0, deadline_ms, "30m"),
        &one_instance(type_),
    );
    let s = score(&sim);

    let wq_theory = erlang / theta;
    let over_theory = erlang * (-theta * slack_s).exp();

    let wq_engine = s.mean_wait_ms / 1000.0;
    let finished = (s.requests.ok + s.requests.late) as f64;
    let over_engine = s.requests.late as f64 / finished;
    assert!(
        rel(wq_engine, wq_theory) < 0.03,
        "c={c}: mean wait {wq_engine} vs Erlang C {wq_theory}"
    );
    assert!(
        rel(over_engine, over_theory) < 0.03,
        "c={c}: P(Wq > t) {over_engine} vs {over_theory}"
    );
    assert_eq!(s.requests.dropped, 0);

    let (wq_des, over_des) = discrete_event(c as usize, lambda, mu, slack_s, 2_000_000, 5);
    assert!(
        rel(wq_des, wq_theory) < 0.03,
        "c={c}: DES mean wait {wq_des} vs Erlang C {wq_theory}"
    );
    assert!(
        rel(over_des, over_theory) < 0.03,
        "c={c}: DES P(Wq > t) {over_des} vs {over_theory}"
    );

    // Little's law: time-averaged requests in flight = arrival rate × mean time in system.
    let (mean_in_flight, little) = littles_law(&sim);
    assert!(
        rel(mean_in_flight, little) < 0.02,
        "c={c}: L {mean_in_flight} vs λW {little}"
    );
    println!(
        "M/M/{c} at 80%: mean wait engine {:.4} ms, Erlang C {:.4} ms, DES {:.4} ms; P(Wq > {:.3} ms) engine {:.4}, formula {:.4}, DES {:.4}; L {:.3} vs λW {:.3}",
        wq_engine * 1e3,
        wq_theory * 1e3,
        wq_des * 1e3,
        slack_s * 1e3,
        over_engine,
        over_theory,
        over_des,
        mean_in_flight,
        little
    );
}

#[test]
fn two_servers_at_80_percent_match_erlang_c() {
    check_steady("m5.large", 2);
}

#[test]
fn four_servers_at_80_percent_match_erlang_c() {
    check_steady("m5.xlarge", 4);
}

#[test]
fn sixteen_servers_at_80_percent_match_erlang_c() {
    check_steady("m5.4xlarge", 16);
}

/// Little's law also holds through overload: a spike builds a backlog that
/// drains afterwards (nobody gives up, nothing is dropped).
#[test]
fn littles_law_holds_through_a_backlog() {
    let level = r#"Level(
    id: "steady", title: (en: "spike", ko: "급증"), seed: 3, tick: "1s", duration: "2h",
    workloads: [Workload(id: "w", class: Web, work_ms: 20.0, memory_mib: 1.0, mode: Async(deadline: "30m"))],
    sources: [Source(id: "s", workload: "w", base_rps: 300.0, shapes: [Spike(at: "00:30", ramp: "2m", hold: "10m", multiplier: 1.4)], noise: 0.05)],
    palette: (things: [Instance]),
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;
    let sim = run(level, &one_instance("m5.2xlarge"));
    let s = score(&sim);
    assert_eq!(s.requests.dropped, 0);
    let peak_backlog = sim
        .metrics
        .records
        .iter()
        .map(|r| r.total().pending)
        .max()
        .unwrap_or(0);
    assert!(
        peak_backlog > 10_000,
        "the spike should build a backlog, peak {peak_backlog}"
    );
    assert!(
        s.requests.pending < 100,
        "the backlog drains: {} left",
        s.requests.pending
    );
    let (mean_in_flight, little) = littles_law(&sim);
    assert!(
        rel(mean_in_flight, little) < 0.02,
        "L {mean_in_flight} vs λW {little}"
    );
}
