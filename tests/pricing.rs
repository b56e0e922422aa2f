//! Pricing models under stress: spot reclaims, commitments charged whether
//! used or not, Dedicated Hosts for a no-shared-tenancy rule, price changes,
//! and predictive scaling against a known daily peak.

mod common;

use common::{run, score};

fn level(body: &str) -> String {
    format!(
        r#"Level(
    id: "pricing", title: (en: "pricing", ko: "요금"), seed: 9, tick: "1s",
    palette: (things: [Instance, AutoScalingGroup, LoadBalancer, Queue]),
    goals: (availability_pct: 50.0, stars: (one: 10000.0, two: 10000.0, three: 10000.0)),
    {body}
)"#
    )
}

/// A batch of 60-second jobs on four spot instances; two get reclaimed.
fn reclaim_case(draining: &str) -> peakload::sim::Score {
    let lvl = level(
        r#"duration: "30m",
    workloads: [Workload(id: "job", class: Compute, work_ms: 60000.0, memory_mib: 512.0, mode: Async(deadline: "1h"))],
    sources: [Source(id: "s", workload: "job", base_rps: 0.1)],
    events: [Event(at: "00:10", what: SpotReclaim(serving: "job", count: 2))],"#,
    );
    let solution = format!(
        r#"Solution(level: "pricing", things: [
            LoadBalancer(id: "lb", draining: "{draining}"),
            AutoScalingGroup(id: "batch", type: "c5.xlarge", purchase: Spot, min: 4, desired: 4, max: 4),
        ], links: [("s", "lb"), ("lb", "batch")])"#
    );
    score(&run(&lvl, &solution))
}

#[test]
fn a_spot_reclaim_loses_work_in_flight_unless_it_is_drained_in_time() {
    let cut = reclaim_case("0s");
    let lost = cut.dropped_by_reason.get("killed").copied().unwrap_or(0);
    assert!(
        lost > 0,
        "without draining the reclaimed instances' jobs are lost: {:?}",
        cut.dropped_by_reason
    );
    let drained = reclaim_case("5m");
    assert_eq!(
        drained.requests.dropped, 0,
        "with draining the jobs finish within the two-minute notice: {:?}",
        drained.dropped_by_reason
    );
    println!("spot reclaim of 2 of 4: without draining {lost} jobs lost, with draining 0");
    // Spot costs less than on demand: 4 × c5.xlarge at half price, 30 minutes.
    let on_demand = 4.0 * 0.17 * 0.5;
    assert!(
        drained.cost_by_service["ec2_spot"] < 0.6 * on_demand + 0.2,
        "{:?}",
        drained.cost_by_service
    );
}

#[test]
fn reservations_and_savings_plans_are_charged_whether_used_or_not() {
    let lvl = level(
        r#"duration: "10h",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 1.0)],"#,
    );
    let unused = score(&run(
        &lvl,
        r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large")], links: [("s", "a")],
            commitments: [
                Reserved(type: "m5.xlarge", count: 4, term: OneYear, payment: PartialUpfront),
                SavingsPlan(plan: Compute, usd_per_hour: 0.5, term: ThreeYears, payment: AllUpfront),
            ])"#,
    ));
    // Four idle m5.xlarge reservations at 41% off, ten hours.
    let reserved = 4.0 * 0.192 * (1.0 - 0.41) * 10.0;
    assert!(
        (unused.cost_by_service["ec2_reserved"] - reserved).abs() < 1e-9,
        "{:?}",
        unused.cost_by_service
    );
    // The savings plan commitment is paid in full, and here covers the running m5.large.
    assert!((unused.cost_by_service["savings_plans"] - 5.0).abs() < 1e-9);
    assert!(
        !unused.cost_by_service.contains_key("ec2_on_demand"),
        "{:?}",
        unused.cost_by_service
    );
    println!("unused commitments over 10 h: {:?}", unused.cost_by_service);

    // A reservation that matches the running instance makes it free at the margin.
    let matched = score(&run(
        &lvl,
        r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large")], links: [("s", "a")],
            commitments: [Reserved(type: "m5.large", count: 1, term: ThreeYears, payment: AllUpfront)])"#,
    ));
    let want = 0.096 * (1.0 - 0.62) * 10.0;
    assert!(
        (matched.cost_usd - want).abs() < 1e-9,
        "{} vs {want}",
        matched.cost_usd
    );
}

#[test]
fn dedicated_hosts_pass_a_no_shared_tenancy_rule_and_shared_instances_break_it() {
    let lvl = r#"Level(
    id: "pricing", title: (en: "pricing", ko: "요금"), seed: 9, tick: "1s", duration: "1h",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 20.0)],
    palette: (things: [Instance]),
    goals: (availability_pct: 99.0, dedicated_only: true, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let dedicated = score(&run(
        lvl,
        r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large", purchase: DedicatedHost)], links: [("s", "a")])"#,
    ));
    assert!(dedicated.passed, "{:?}", dedicated.failed_goals);
    println!(
        "no shared tenancy: Dedicated Host passes at ${:.3}",
        dedicated.cost_usd
    );
    // Billed per host, not per instance: one m5 host-hour.
    assert!(
        (dedicated.cost_by_service["dedicated_hosts"] - 5.069).abs() < 0.01,
        "{:?}",
        dedicated.cost_by_service
    );
    let shared = score(&run(
        lvl,
        r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large")], links: [("s", "a")])"#,
    ));
    assert!(!shared.passed);
    assert!(
        shared
            .failed_goals
            .iter()
            .any(|g| g.contains("shares hardware")),
        "{:?}",
        shared.failed_goals
    );
}

#[test]
fn a_price_change_applies_from_its_time_on() {
    let lvl = level(
        r#"duration: "2h",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 1.0)],
    events: [Event(at: "01:00", what: PriceChange(purchase: Spot, multiplier: 1.8))],"#,
    );
    let s = score(&run(
        &lvl,
        r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large", purchase: Spot)], links: [("s", "a")])"#,
    ));
    let want = 0.096 * 0.5 * (1.0 + 1.8);
    assert!((s.cost_usd - want).abs() < 1e-9, "{} vs {want}", s.cost_usd);
}

/// A sharp daily peak: predictive scaling launches ahead of it and keeps
/// requests in time; target tracking alone reacts after the peak has hit.
#[test]
fn predictive_scaling_beats_target_tracking_on_a_sharp_daily_peak() {
    let lvl = r#"Level(
    id: "pricing", title: (en: "pricing", ko: "요금"), seed: 9, tick: "1s", duration: "1d", history: "14d",
    workloads: [Workload(id: "w", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "5s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 100.0, shapes: [Rush(at: "09:00", width: "8m", multiplier: 10.0)], noise: 0.02)],
    palette: (things: [AutoScalingGroup, LoadBalancer]),
    goals: (availability_pct: 99.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;
    let with = |policies: &str| {
        format!(
            r#"Solution(level: "pricing", things: [
                LoadBalancer(id: "lb"),
                AutoScalingGroup(id: "web", type: "c5.large", min: 4, desired: 4, max: 60, policies: [{policies}]),
            ], links: [("s", "lb"), ("lb", "web")])"#
        )
    };
    let reactive = score(&run(
        lvl,
        &with("TargetTracking(metric: Cpu, target: 70.0)"),
    ));
    let predictive = score(&run(
        lvl,
        &with(
            "TargetTracking(metric: Cpu, target: 70.0), Predictive(target: 70.0, ahead: \"10m\")",
        ),
    ));
    let missed = |s: &peakload::sim::Score| s.requests.late + s.requests.dropped;
    // Reacting, the group is still booting while the rush climbs: requests run late.
    assert!(
        missed(&reactive) > 1000,
        "reactive missed {}",
        missed(&reactive)
    );
    // Forecasting, the capacity is warm before the rush: (almost) nothing is missed.
    assert!(
        missed(&predictive) * 10 < missed(&reactive),
        "predictive missed {} vs reactive {}",
        missed(&predictive),
        missed(&reactive)
    );
    assert!(predictive.availability_pct > reactive.availability_pct);
    println!(
        "daily rush: target tracking missed {} (${:.2}), with predictive {} (${:.2})",
        missed(&reactive),
        reactive.cost_usd,
        missed(&predictive),
        predictive.cost_usd
    );
}

#[test]
fn a_savings_plan_s_term_and_payment_set_its_discount() {
    // Issue 15: a plan is not always the 3-year all-upfront maximum. $0.05 an
    // hour of a Compute plan against one m5.large ($0.096 on demand).
    let lvl = level(
        r#"duration: "10h",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 1.0)],"#,
    );
    let with = |term: &str, payment: &str| {
        score(&run(
            &lvl,
            &format!(
                r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large")], links: [("s", "a")],
                commitments: [SavingsPlan(plan: Compute, usd_per_hour: 0.05, term: {term}, payment: {payment})])"#
            ),
        ))
    };
    // One year, nothing up front: 40.5% off, so $0.05 pays for $0.084 of
    // the $0.096 an hour and the rest is on demand.
    let short = with("OneYear", "NoUpfront");
    let rest = (0.096 - 0.05 / (1.0 - 0.405)) * 10.0;
    assert!(
        (short.cost_by_service["ec2_on_demand"] - rest).abs() < 1e-9,
        "{:?}",
        short.cost_by_service
    );
    // Three years, all up front: 66% off, so the same $0.05 covers it all.
    let long = with("ThreeYears", "AllUpfront");
    assert!(
        !long.cost_by_service.contains_key("ec2_on_demand"),
        "{:?}",
        long.cost_by_service
    );
    assert!(long.cost_usd < short.cost_usd);
}

/// A Fargate service and a Lambda function, each busy all day, with `commitments`.
fn serverless_bill(commitments: &str) -> peakload::sim::Score {
    let lvl = r#"Level(
    id: "pricing", title: (en: "pricing", ko: "요금"), seed: 9, tick: "1s", duration: "2h",
    workloads: [
        Workload(id: "api", class: Web, work_ms: 100.0, memory_mib: 64.0, mode: Sync(deadline: "2s", timeout: "10s")),
        Workload(id: "fn", class: Web, work_ms: 200.0, memory_mib: 64.0, mode: Sync(deadline: "5s", timeout: "10s")),
    ],
    sources: [Source(id: "s", workload: "api", base_rps: 10.0), Source(id: "t", workload: "fn", base_rps: 20.0)],
    palette: (things: [ContainerService, Function]),
    goals: (availability_pct: 50.0, stars: (one: 10000.0, two: 10000.0, three: 10000.0)),
)"#;
    let solution = format!(
        r#"Solution(level: "pricing", things: [
            ContainerService(id: "svc", orchestrator: Ecs, capacity: Fargate, task_vcpu: 1.0, task_memory_gib: 2.0, min: 4, desired: 4, max: 4),
            Function(id: "f", memory_mb: 1769),
        ], links: [("s", "svc"), ("t", "f")], commitments: [{commitments}])"#
    );
    score(&run(lvl, &solution))
}

#[test]
fn a_compute_savings_plan_covers_fargate_and_lambda_and_an_instance_plan_does_not() {
    // Issue 15 / FACTS: Compute Savings Plans cover Fargate (up to about 50%
    // off) and Lambda duration (up to 17%); EC2 Instance plans cover neither.
    let none = serverless_bill("");
    let compute = serverless_bill(
        "SavingsPlan(plan: Compute, usd_per_hour: 0.5, term: ThreeYears, payment: AllUpfront)",
    );
    let instance = serverless_bill(
        "SavingsPlan(plan: Ec2Instance(GeneralPurpose), usd_per_hour: 0.5, term: ThreeYears, payment: AllUpfront)",
    );
    let line = |s: &peakload::sim::Score, k: &str| s.cost_by_service.get(k).copied().unwrap_or(0.0);
    let fargate = line(&none, "fargate");
    assert!(
        fargate > 0.0 && line(&none, "lambda") > 0.0,
        "{:?}",
        none.cost_by_service
    );
    // $0.50 an hour at 66% x 0.758 = 50% off pays for $1.00 an hour of Fargate,
    // more than four 1-vCPU tasks cost; the rest goes to Lambda at 17% off.
    assert!(
        line(&compute, "fargate") < 1e-9,
        "{:?}",
        compute.cost_by_service
    );
    assert!(
        line(&compute, "lambda") < line(&none, "lambda"),
        "{:?}",
        compute.cost_by_service
    );
    assert_eq!(line(&instance, "fargate"), fargate);
    assert_eq!(line(&instance, "lambda"), line(&none, "lambda"));
}

#[test]
fn in_a_one_off_level_a_commitment_costs_its_whole_term() {
    // Issue 15: a three-year reservation bought for a ten-hour one-off event
    // costs three years; in a level that stands for a repeating day it costs
    // the level's hours.
    let body = r#"duration: "10h",
    workloads: [Workload(id: "w", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "w", base_rps: 1.0)],"#;
    let solution = r#"Solution(level: "pricing", things: [Instance(id: "a", type: "m5.large")], links: [("s", "a")],
        commitments: [Reserved(type: "m5.large", count: 1, term: ThreeYears, payment: AllUpfront)])"#;
    let hourly = 0.096 * (1.0 - 0.62);
    let repeats = score(&run(&level(body), solution));
    assert!(!repeats.cost_by_service.contains_key("commitment_terms"));
    assert!((repeats.cost_usd - hourly * 10.0).abs() < 1e-9);
    let one_off = score(&run(&level(&format!("period: OneOff, {body}")), solution));
    let rest = hourly * (3.0 * 8760.0 - 10.0);
    assert!(
        (one_off.cost_by_service["commitment_terms"] - rest).abs() < 1e-6,
        "{:?}",
        one_off.cost_by_service
    );
    assert!((one_off.cost_usd - hourly * 3.0 * 8760.0).abs() < 1e-6);
}
