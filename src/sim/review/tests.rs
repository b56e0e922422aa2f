//! The review of bundled and hand-made runs: each finding, and the mistakes
//! the playtest saw named as their cause.
use super::*;
use crate::format::{SourceFile, check_texts};

/// Runs a test level (bundled or frozen) to the end with a solution text, and reviews it.
fn review_of(level: &str, name: &str, solution: &str) -> (Score, Vec<Finding>) {
    let (level_file, _) = super::super::testdata::level_and_solution(level, name);
    let checked = check_texts(
        level_file,
        Some(SourceFile::new(format!("{name}.ron"), solution)),
    )
    .expect("test files check");
    let sim =
        super::super::run_checked(&checked, None, super::super::History::LastTick).expect("builds");
    let score = Score::of(&sim);
    let findings = review(&sim, &score);
    println!("{level} / {name}:");
    for f in &findings {
        println!("  {f:?}");
    }
    (score, findings)
}

fn bundled_review(level: &str, which: &str) -> (Score, Vec<Finding>) {
    let (_, text) = super::super::testdata::level_and_solution(level, which);
    review_of(level, which, text)
}

fn worst(findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .find(|f| matches!(f, Finding::WorstLosses { .. }))
}

/// The requests a run lost or finished late, counted streams only.
fn failed(score: &Score) -> u64 {
    score.requests.late + score.requests.dropped
}

#[test]
fn a_fixed_fleet_saturates_and_loses_most_through_the_spike() {
    let (score, findings) = bundled_review("day", "naive");
    assert!(findings.len() <= MAX_FINDINGS);
    assert!(!score.passed);
    // Goals are the score's verdict, not repeated as findings.
    assert!(
        !findings.iter().any(|f| matches!(f, Finding::GoalMissed(_))),
        "{findings:?}"
    );
    // Losses begin as the evening rises past the fleet and run to the
    // end of the day; the 13:00 flash sale comes in the middle of the
    // stretch, so it is said to have come during it, not to have begun it.
    let Some(Finding::WorstLosses {
        from_s,
        to_s,
        main_reason,
        trigger,
        trigger_during,
        ..
    }) = worst(&findings)
    else {
        panic!("no worst stretch: {findings:?}");
    };
    assert!(*from_s < 46_800.0 && *to_s > 46_800.0, "{from_s}–{to_s}");
    assert_eq!(*main_reason, Some(DropReason::QueueFull));
    assert!(matches!(
        trigger,
        Some(Trigger::Spike { at_s: 46_800.0, .. })
    ));
    assert!(
        *trigger_during,
        "a spike inside the stretch did not begin it"
    );
    // The fleet saturated; min = max = 12 with no policy: it never asked.
    assert!(findings.iter().any(|f| matches!(
        f,
        Finding::Saturated { thing, locked: false, .. } if thing == "shop"
    )));
    assert!(findings.iter().any(|f| matches!(
        f,
        Finding::ScalingLag { thing, asked_s: None, from: 12, to: 12, max: 12, locked: false, .. }
            if thing == "shop"
    )));
    // Ranked by requests explained: the first finding explains the most.
    assert!(matches!(
        findings[0],
        Finding::Saturated { .. } | Finding::WorstLosses { .. }
    ));
}

#[test]
fn target_tracking_asks_within_a_minute_and_has_capacity_soon_after() {
    let (score, findings) = bundled_review("day", "reference");
    assert!(score.passed);
    let lag = findings
        .iter()
        .find_map(|f| match f {
            Finding::ScalingLag {
                thing,
                asked_s,
                from,
                to,
                max,
                ready_s,
                has_policy,
                ..
            } if thing == "shop" => Some((*asked_s, *from, *to, *max, *ready_s, *has_policy)),
            _ => None,
        })
        .expect("a scaling lag for shop");
    let (asked, from, to, max, ready, has_policy) = lag;
    assert!(has_policy);
    assert!(asked.is_some_and(|a| a <= 120.0), "{asked:?}");
    assert!(to > from && to <= max, "{from} → {to} of {max}");
    assert!(ready.is_some_and(|r| r > asked.unwrap_or(0.0)));
}

#[test]
fn owning_for_the_average_loses_requests_at_the_seasonal_peak() {
    let (score, findings) = bundled_review("01", "naive");
    let Some(Finding::WorstLosses {
        from_s,
        dropped,
        main_reason,
        trigger,
        ..
    }) = worst(&findings)
    else {
        panic!("no worst stretch: {findings:?}");
    };
    // Inside the season (peak day 45).
    assert!((36.0..=54.0).contains(&(from_s / 86_400.0)));
    // The line grows past what callers will wait for (10 s) long before it
    // fills the servers' memory, so they give up.
    assert_eq!(*main_reason, Some(DropReason::GaveUp));
    assert!(*dropped > 0 && *dropped <= score.requests.dropped);
    // The season is the level's rhythm, not a scripted event.
    assert_eq!(*trigger, None);
    assert!(findings.iter().any(|f| matches!(
        f,
        Finding::Saturated { thing, peak_utilisation, .. }
            if thing == "rack" && *peak_utilisation == 1.0
    )));
    assert!(
        !findings
            .iter()
            .any(|f| matches!(f, Finding::IdleCapacity { .. }))
    );
}

#[test]
fn owning_for_the_peak_pays_for_idle_servers() {
    let (score, findings) = review_of(
        "01",
        "buy-for-peak",
        include_str!("../../../levels/01-on-prem-dilemma/buy-for-peak.ron"),
    );
    assert!(score.passed);
    assert!(worst(&findings).is_none(), "nothing failed: {findings:?}");
    // One star: cost is what kept the others away, so money comes first.
    assert!(score.stars < 3);
    let Finding::IdleCapacity {
        mean_utilisation,
        idle_usd,
        compute_usd,
    } = findings[0]
    else {
        panic!("idle capacity first: {findings:?}");
    };
    assert!(mean_utilisation < IDLE_BELOW, "{mean_utilisation}");
    assert!((compute_usd - score.cost_by_service["on_premises"]).abs() < 1e-9);
    assert!((idle_usd - compute_usd * (1.0 - mean_utilisation)).abs() < 1e-6);
    assert_eq!(
        findings[1],
        Finding::CostliestLine {
            service: Service::OnPremises,
            usd: compute_usd,
            total_usd: score.cost_usd
        }
    );
}

#[test]
fn a_tightly_coupled_call_fails_every_order_during_the_outage() {
    let (score, findings) = bundled_review("08", "naive");
    let lost = score.dropped_by_reason["downstream_failed"];
    assert!(lost > 0);
    assert!(matches!(
        worst(&findings),
        Some(Finding::WorstLosses {
            from_s: 3_600.0,
            main_reason: Some(DropReason::DownstreamFailed),
            trigger: Some(Trigger::Outage { .. }),
            trigger_during: false,
            ..
        })
    ));
    // The failure explains every lost order, so it leads.
    assert_eq!(
        findings[0],
        Finding::FailureLosses {
            by_reason: vec![(DropReason::DownstreamFailed, lost)],
            spot_reclaims: 0,
            servers_failed: 0,
            outages: 1,
        }
    );

    // With a queue between, the consumer works flat out through the
    // backlog after the outage, loses nothing, and that is no finding.
    let (score, findings) = bundled_review("08", "reference");
    // Only the tail of exponential service times is ever late: a handful in
    // a hundred thousand, which no finding is about.
    let failed = score.requests.dropped + score.requests.late;
    assert!(failed * 10_000 < score.requests.arrived, "{failed}");
    assert_eq!(
        findings,
        vec![Finding::CostliestLine {
            service: Service::Ec2OnDemand,
            usd: score.cost_by_service["ec2_on_demand"],
            total_usd: score.cost_usd
        }]
    );
}

#[test]
fn services_a_design_never_delivers_to_are_named_with_what_they_lost() {
    // Level 09 with the orders sent through one queue to fulfilment alone:
    // the mailer and analytics never get the copies they must receive.
    let solution = r#"Solution(
level: "09-sns-fan-out",
things: [
    LoadBalancer(id: "shop-lb"),
    AutoScalingGroup(id: "shop", type: "m5.large", min: 2, desired: 2, max: 8, policies: [TargetTracking(metric: Cpu, target: 60.0)]),
    Queue(id: "fulfilment-q"),
],
links: [("customers", "shop-lb"), ("shop-lb", "shop"), ("shop", "fulfilment-q"), ("fulfilment-q", "fulfilment")],
)"#;
    let (score, findings) = review_of("09", "fulfilment-only", solution);
    assert!(!score.passed);
    let named: Vec<(&str, u64)> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Undelivered { thing, lost } => Some((thing.as_str(), *lost)),
            _ => None,
        })
        .collect();
    let orders = score.sources[0].requests.arrived;
    assert_eq!(
        named,
        vec![("mailer", orders), ("analytics", orders)],
        "{findings:?}"
    );
    // Between them they explain all but the tail of what failed.
    assert!(
        matches!(findings[0], Finding::Undelivered { .. }),
        "{findings:?}"
    );
    assert!(2 * orders * 1000 >= failed(&score) * 999);
}

#[test]
fn a_queue_with_no_consumer_is_named_first_and_explains_the_loss() {
    // Level 08 built as the reference, but the queue is never linked on
    // to fulfilment: every order's packing job waits in it.
    let solution = r#"Solution(
level: "08-loose-coupling",
things: [
    LoadBalancer(id: "shop-lb"),
    AutoScalingGroup(id: "shop", type: "m5.large", min: 3, desired: 4, max: 8, policies: [TargetTracking(metric: Cpu, target: 60.0)]),
    Queue(id: "orders"),
],
links: [("customers", "shop-lb"), ("shop-lb", "shop"), ("shop", "orders")],
)"#;
    let (score, findings) = review_of("08", "no-consumer", solution);
    assert!(!score.passed);
    let Finding::NoConsumer { queue, stuck } = &findings[0] else {
        panic!("the queue without a consumer comes first: {findings:?}");
    };
    assert_eq!(queue, "orders");
    // It explains most of what failed.
    assert!(
        2 * *stuck >= failed(&score),
        "{stuck} of {} failed",
        failed(&score)
    );
    // Fulfilment's outage hit a box no traffic reached: it explains nothing.
    assert!(
        !findings.iter().any(|f| matches!(
            f,
            Finding::WorstLosses {
                trigger: Some(Trigger::Outage { .. }),
                ..
            }
        )),
        "{findings:?}"
    );
}

#[test]
fn a_round_robin_balancer_over_unequal_targets_is_named() {
    // Level 02's reference with the balancer left on round robin: the
    // 64-vCPU server room gets no more than one small instance does.
    let solution = r#"Solution(
level: "02-ec2-virtualisation",
things: [
    LoadBalancer(id: "front"),
    AutoScalingGroup(id: "campaign", type: "m5.large", min: 1, desired: 1, max: 60, policies: [TargetTracking(metric: Cpu, target: 70.0)]),
],
links: [("customers", "front"), ("front", "server-room"), ("front", "campaign")],
)"#;
    let (_, findings) = review_of("02", "round-robin", solution);
    let Some(Finding::RoundRobinUneven {
        balancer,
        busiest,
        idlest,
        ..
    }) = findings
        .iter()
        .find(|f| matches!(f, Finding::RoundRobinUneven { .. }))
    else {
        panic!("round robin not named: {findings:?}");
    };
    assert_eq!(balancer, "front");
    assert_eq!(idlest.0, "server-room");
    assert!(busiest.1 >= 2.0 * idlest.1, "{busiest:?} {idlest:?}");
    // With least outstanding, there is nothing to say about the balancer.
    let (_, findings) = bundled_review("02", "reference");
    assert!(
        !findings
            .iter()
            .any(|f| matches!(f, Finding::RoundRobinUneven { .. })),
        "{findings:?}"
    );
}

#[test]
fn a_group_at_its_maximum_is_said_to_hit_it_and_a_level_box_is_locked() {
    // Level 06's reference capped at four instances.
    let solution = r#"Solution(
level: "06-auto-scaling",
things: [
    LoadBalancer(id: "shop-lb"),
    AutoScalingGroup(id: "shop", type: "c5.large", min: 4, desired: 4, max: 4, policies: [TargetTracking(metric: Cpu, target: 45.0)]),
],
links: [("buyers", "shop-lb"), ("shop-lb", "shop")],
)"#;
    let (_, findings) = review_of("06", "max-four", solution);
    let lag = findings.iter().find_map(|f| match f {
        Finding::ScalingLag {
            to,
            max,
            has_policy,
            locked,
            ..
        } => Some((*to, *max, *has_policy, *locked)),
        _ => None,
    });
    assert_eq!(lag, Some((4, 4, true, false)), "{findings:?}");

    // A thing the level placed is marked locked, so nothing is advised for it.
    let level = r#"Level(
id: "locked", title: (en: "locked", ko: "잠김"), seed: 1, tick: "1s", duration: "10m",
workloads: [Workload(id: "page", class: Web, work_ms: 200.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "5s"))],
sources: [Source(id: "users", workload: "page", base_rps: 100.0)],
palette: (things: [Queue]),
preplaced: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "legacy", type: "m5.large", min: 1, desired: 1, max: 1)],
preplaced_links: [("users", "lb"), ("lb", "legacy")],
goals: (availability_pct: 99.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let checked = check_texts(
        SourceFile::new("locked/level.ron", level),
        Some(SourceFile::new("s.ron", r#"Solution(level: "locked")"#)),
    )
    .expect("checks");
    let sim =
        super::super::run_checked(&checked, None, super::super::History::LastTick).expect("builds");
    let score = Score::of(&sim);
    let findings = review(&sim, &score);
    assert!(
        findings.iter().any(|f| matches!(
            f,
            Finding::Saturated { thing, locked: true, .. } if thing == "legacy"
        )),
        "{findings:?}"
    );
    assert!(findings.iter().any(|f| matches!(
        f,
        Finding::ScalingLag {
            locked: true,
            has_policy: false,
            ..
        }
    )));
}

#[test]
fn a_failed_server_is_named_as_the_cause_of_lost_requests() {
    let (_, findings) = bundled_review("05", "reference");
    assert!(matches!(
        worst(&findings),
        Some(Finding::WorstLosses {
            from_s: 9_000.0,
            main_reason: Some(DropReason::ServerFailed),
            trigger: Some(Trigger::ServersFailed {
                count: 1,
                at_s: 9_000.0,
                ..
            }),
            trigger_during: false,
            ..
        })
    ));
    assert!(findings.iter().any(|f| matches!(
        f,
        Finding::FailureLosses {
            servers_failed: 1,
            outages: 0,
            ..
        }
    )));
}

#[test]
fn an_oversized_fixed_fleet_is_over_budget_for_idle_capacity() {
    let (score, findings) = review_of(
        "day",
        "fixed-for-peak",
        include_str!("../testdata/day-fixed-for-peak.ron"),
    );
    assert!(score.failed_goals.iter().any(|g| g.starts_with("cost ")));
    let Finding::IdleCapacity {
        mean_utilisation,
        idle_usd,
        compute_usd,
    } = findings[0]
    else {
        panic!("idle capacity should come first: {findings:?}");
    };
    assert!(mean_utilisation < IDLE_BELOW, "{mean_utilisation}");
    assert!((idle_usd - compute_usd * (1.0 - mean_utilisation)).abs() < 1e-9);
}

#[test]
fn reservations_nobody_uses_are_reported_in_dollars() {
    // Level 03's naive fleet runs 12 on-demand m5.large all day; 20 are reserved.
    let solution = r#"Solution(
level: "day-fixture",
things: [
    LoadBalancer(id: "shop-lb"),
    AutoScalingGroup(id: "shop", type: "m5.large", min: 12, desired: 12, max: 12),
],
links: [("buyers", "shop-lb"), ("shop-lb", "shop")],
commitments: [Reserved(type: "m5.large", count: 20, term: OneYear, payment: NoUpfront)],
)"#;
    let (score, findings) = review_of("day", "reserved", solution);
    let reserved = score.cost_by_service["ec2_reserved"];
    let Some(Finding::UnusedCommitment {
        unused_usd,
        committed_usd,
    }) = findings
        .iter()
        .find(|f| matches!(f, Finding::UnusedCommitment { .. }))
    else {
        panic!("no unused commitment: {findings:?}");
    };
    assert!((committed_usd - reserved).abs() < 1e-9);
    // Eight of the twenty idle every hour of the day.
    assert!(
        (unused_usd - reserved * 8.0 / 20.0).abs() < 1e-6,
        "{unused_usd} of {reserved}"
    );
    assert!(!score.cost_by_service.contains_key("ec2_on_demand"));
}
