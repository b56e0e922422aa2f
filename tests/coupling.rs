//! Tight and loose coupling: the same ten-minute outage of the back tier,
//! with the front tier calling it directly or through an SQS queue.

mod common;

use common::{run_bundled, score};
use peakload::bundled;

const OUTAGE: std::ops::Range<usize> = 3600..4200; // 01:00 to 01:10, one-second ticks

#[test]
fn a_direct_call_fails_the_caller_while_the_back_tier_is_down() {
    let level = bundled::find("08-loose-coupling").expect("level 08");
    let (_, sim) = run_bundled(&level, "naive", level.naive.expect("naive"));
    let s = score(&sim);
    let customers = &s.sources[0].requests;
    let failed = s
        .dropped_by_reason
        .get("downstream_failed")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        customers.dropped, failed,
        "every lost order failed because its call failed"
    );
    // Orders placed during the outage fail; before and after it they succeed.
    let during: u64 = OUTAGE.map(|t| sim.metrics.streams_at(t)[0].dropped).sum();
    let arrived: u64 = OUTAGE.map(|t| sim.metrics.streams_at(t)[0].arrived).sum();
    assert!(
        during as f64 > 0.98 * arrived as f64,
        "{during} of {arrived} orders failed during the outage"
    );
    // Calls fail until the internal balancer's health checks see fulfilment
    // healthy again, two minutes after it is back.
    let outside: u64 = (0..sim.metrics.records().len())
        .filter(|t| !(3590..4330).contains(t))
        .map(|t| sim.metrics.streams_at(t)[0].dropped)
        .sum();
    assert_eq!(outside, 0);
    assert!(s.sources[0].availability_pct < 93.0);
    println!(
        "direct call: {during} of {arrived} orders failed during the outage; availability {:.3}%",
        s.sources[0].availability_pct
    );
}

#[test]
fn a_queue_keeps_the_caller_working_and_the_back_tier_catches_up() {
    let level = bundled::find("08-loose-coupling").expect("level 08");
    let (_, sim) = run_bundled(&level, "reference", level.reference.expect("reference"));
    let s = score(&sim);
    let customers = &s.sources[0];
    assert!(
        customers.availability_pct >= 99.9,
        "orders kept succeeding: {}",
        customers.availability_pct
    );
    // The queue holds the orders while fulfilment is down...
    let backlog_at_end_of_outage = sim.metrics.records()[OUTAGE.end].queued;
    let arrived_in_outage: u64 = OUTAGE.map(|t| sim.metrics.streams_at(t)[0].arrived).sum();
    assert!(
        backlog_at_end_of_outage as f64 > 0.95 * arrived_in_outage as f64,
        "backlog {backlog_at_end_of_outage}"
    );
    // ...and fulfilment drains it afterwards, every order packed within its deadline.
    let drained = sim.metrics.records()[OUTAGE.end..]
        .iter()
        .position(|r| r.queued < 200)
        .expect("the backlog drains");
    assert!(drained < 30 * 60, "drained {drained} s after the outage");
    // Orders take their service time; packing also its wait in the queue, within the deadline.
    let packed = s.completion_ms.expect("packing is work nobody waits for");
    assert!(
        s.latency_ms.mean >= 35.0 && s.latency_ms.p99 < 500.0,
        "{:?}",
        s.latency_ms
    );
    assert!(
        packed.p50 >= 100.0 && packed.p99 < 30.0 * 60_000.0,
        "{packed:?}"
    );
    let packing = &s.calls[0];
    println!(
        "queue: orders {:.3}% ok; backlog {backlog_at_end_of_outage} at the end of the outage, drained {drained} s later; packing {:?}",
        customers.availability_pct, packing.requests
    );
    assert_eq!(packing.synchronous, Some(false));
    assert_eq!(packing.requests.dropped + packing.requests.late, 0);
    assert!(packing.requests.pending < 500);
}

#[test]
fn messages_lost_by_a_failing_consumer_come_back_after_the_visibility_timeout() {
    let level = r#"Level(
    id: "redeliver", title: (en: "redeliver", ko: "재전달"), seed: 5, tick: "1s", duration: "30m",
    workloads: [
        Workload(id: "job", class: Web, work_ms: 5000.0, memory_mib: 64.0, mode: Async(deadline: "1h")),
    ],
    sources: [Source(id: "s", workload: "job", base_rps: 2.0)],
    palette: (things: [Queue, AutoScalingGroup]),
    events: [Event(at: "00:10", what: InstanceFailure(serving: "job", count: 2))],
    goals: (availability_pct: 50.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let with = |dead_letter: &str| {
        format!(
            r#"Solution(level: "redeliver", things: [
                Queue(id: "jobs", visibility_timeout: "2m"{dead_letter}),
                AutoScalingGroup(id: "workers", type: "m5.xlarge", min: 4, desired: 4, max: 4),
            ], links: [("s", "jobs"), ("jobs", "workers")])"#
        )
    };
    let sim = common::run(level, &with(""));
    let s = score(&sim);
    // The failed workers' jobs were not lost: they came back and were done again.
    assert_eq!(s.requests.dropped, 0, "{:?}", s.dropped_by_reason);
    assert!(s.requests.ok > 3000);
    // With a dead-letter queue after one receive, those same jobs are parked instead.
    let strict = score(&common::run(level, &with(", dead_letter_after: 1")));
    let parked = strict
        .dropped_by_reason
        .get("dead_letter")
        .copied()
        .unwrap_or(0);
    assert!(parked > 0 && parked <= 10, "parked {parked}");
    println!(
        "visibility timeout: {} jobs done, 0 lost; with a dead-letter queue after one receive {parked} parked",
        s.requests.ok
    );
}

#[test]
fn messages_older_than_the_retention_period_are_lost() {
    let level = r#"Level(
    id: "retain", title: (en: "retain", ko: "보존"), seed: 5, tick: "1s", duration: "20m",
    workloads: [Workload(id: "job", class: Web, work_ms: 100.0, memory_mib: 64.0, mode: Async(deadline: "1h"))],
    sources: [Source(id: "s", workload: "job", base_rps: 10.0)],
    palette: (things: [Queue, Instance]),
    events: [Event(at: "00:01", what: Outage(serving: "job", lasts: "10m"))],
    goals: (availability_pct: 50.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let sim = common::run(
        level,
        r#"Solution(level: "retain", things: [Queue(id: "jobs", retention: "5m"), Instance(id: "worker", type: "m5.large")],
            links: [("s", "jobs"), ("jobs", "worker")])"#,
    );
    let s = score(&sim);
    let expired = s.dropped_by_reason.get("expired").copied().unwrap_or(0);
    // Ten minutes down with five minutes of retention: about five minutes of messages expire.
    assert!((2400..=3600).contains(&expired), "expired {expired}");
    println!("retention 5m through a 10m outage: {expired} messages expired");
}

/// Two tiers with an internal load balancer between them: a failed back-end
/// instance is routed around, and the front tier's requests keep succeeding.
#[test]
fn an_internal_load_balancer_spreads_tier_to_tier_calls_and_routes_around_failure() {
    let level = r#"Level(
    id: "tiers", title: (en: "tiers", ko: "계층"), seed: 8, tick: "1s", duration: "30m",
    workloads: [
        Workload(id: "page", class: Web, work_ms: 20.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"), calls: [(workload: "query")]),
        Workload(id: "query", class: Memory, work_ms: 30.0, memory_mib: 256.0, mode: Sync(deadline: "500ms", timeout: "10s")),
    ],
    sources: [Source(id: "users", workload: "page", base_rps: 60.0)],
    palette: (things: [Instance, LoadBalancer]),
    events: [Event(at: "00:10", what: InstanceFailure(serving: "query", count: 1))],
    goals: (availability_pct: 99.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let through_lb = r#"Solution(level: "tiers", things: [
        LoadBalancer(id: "web-lb"), Instance(id: "web", type: "m5.xlarge"),
        LoadBalancer(id: "db-lb", scheme: Internal),
        Instance(id: "db-1", type: "r5.large"), Instance(id: "db-2", type: "r5.large"),
    ], links: [("users", "web-lb"), ("web-lb", "web"), ("web", "db-lb"), ("db-lb", "db-1"), ("db-lb", "db-2")])"#;
    let sim = common::run(level, through_lb);
    let s = score(&sim);
    assert!(s.passed, "{:?}", s.failed_goals);
    let failed = s
        .dropped_by_reason
        .get("downstream_failed")
        .copied()
        .unwrap_or(0);
    assert!(
        failed > 0 && failed < 60 * 90,
        "only calls sent to the broken instance before health checks noticed fail: {failed}"
    );
    assert_eq!(s.calls.len(), 1);
    assert_eq!(s.calls[0].synchronous, Some(true));
    // Callers and calls agree: every page whose query failed failed too.
    assert_eq!(s.calls[0].requests.dropped, failed);

    let single = r#"Solution(level: "tiers", things: [
        LoadBalancer(id: "web-lb"), Instance(id: "web", type: "m5.xlarge"), Instance(id: "db-1", type: "r5.xlarge"),
    ], links: [("users", "web-lb"), ("web-lb", "web"), ("web", "db-1")])"#;
    let alone = score(&common::run(level, single));
    assert!(
        !alone.passed,
        "one database instance takes the front tier down with it"
    );
    assert!(alone.availability_pct < 40.0, "{}", alone.availability_pct);

    // Internet traffic cannot enter through the internal balancer.
    let wrong = r#"Solution(level: "tiers", things: [LoadBalancer(id: "db-lb", scheme: Internal), Instance(id: "web", type: "m5.xlarge")],
        links: [("users", "db-lb"), ("db-lb", "web")])"#;
    let err = peakload::format::check_texts(
        peakload::format::SourceFile::new("t/level.ron", level),
        Some(peakload::format::SourceFile::new("t/solution.ron", wrong)),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("internal load balancer"), "{err}");
}

/// A consumer group that scales on the queue's backlog per instance grows when
/// messages pile up and shrinks when they are gone.
#[test]
fn a_consumer_group_scales_on_backlog_per_instance() {
    let level = r#"Level(
    id: "backlog", title: (en: "backlog", ko: "적체"), seed: 6, tick: "1s", duration: "1h",
    workloads: [Workload(id: "job", class: Compute, work_ms: 500.0, memory_mib: 128.0, mode: Async(deadline: "30m"))],
    sources: [Source(id: "s", workload: "job", base_rps: 5.0, shapes: [Spike(at: "00:10", ramp: "1m", hold: "10m", multiplier: 10.0)])],
    palette: (things: [Queue, AutoScalingGroup]),
    goals: (availability_pct: 99.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
    let with = |policies: &str| {
        format!(
            r#"Solution(level: "backlog", things: [Queue(id: "jobs"),
                AutoScalingGroup(id: "workers", type: "c5.large", min: 1, desired: 2, max: 20, policies: [{policies}])],
                links: [("s", "jobs"), ("jobs", "workers")])"#
        )
    };
    let sim = common::run(
        level,
        &with("TargetTracking(metric: BacklogPerInstance, target: 100.0)"),
    );
    let peak = sim
        .metrics
        .records()
        .iter()
        .map(|r| r.servers_working)
        .max()
        .unwrap_or(0);
    let end = sim.metrics.last_record().map_or(0, |r| r.servers_working);
    assert!(peak >= 8, "grew to {peak} on the backlog");
    assert!(end < peak, "shrank back to {end} once the backlog was gone");
    let scaled = score(&sim);
    assert!(scaled.passed, "{:?}", scaled.failed_goals);
    let fixed = score(&common::run(level, &with("")));
    assert!(
        fixed.requests.late > 0 || fixed.requests.dropped > 0,
        "two fixed workers fall behind"
    );
    assert!(scaled.availability_pct > fixed.availability_pct);
}

/// A synchronous caller's latency is its own plus its call's: a slow back
/// tier makes the front tier's requests late, and past the callers' patience
/// they give up.
#[test]
fn a_synchronous_callers_latency_includes_its_call() {
    let level = |back_ms: f64| {
        format!(
            r#"Level(
    id: "chain", title: (en: "chain", ko: "사슬"), seed: 12, tick: "1s", duration: "20m",
    workloads: [
        Workload(id: "page", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "5s"), calls: [(workload: "lookup")]),
        Workload(id: "lookup", class: Web, work_ms: {back_ms:?}, memory_mib: 64.0, mode: Sync(deadline: "2s", timeout: "5s")),
    ],
    sources: [Source(id: "users", workload: "page", base_rps: 20.0)],
    palette: (things: [Instance]),
    goals: (availability_pct: 99.0, p99_ms: 800.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#
        )
    };
    let solution = r#"Solution(level: "chain", things: [Instance(id: "front", type: "m5.xlarge"), Instance(id: "back", type: "m5.4xlarge")],
        links: [("users", "front"), ("front", "back")])"#;
    let quick = score(&common::run(&level(100.0), solution));
    assert!(quick.passed, "{:?}", quick.failed_goals);
    // 50 ms of its own and 100 ms of its call on average (each varies, so
    // the median is below the mean).
    assert!(
        quick.latency_ms.mean >= 150.0 && quick.latency_ms.mean < 200.0,
        "{:?}",
        quick.latency_ms
    );
    assert!(quick.latency_ms.p50 < quick.latency_ms.mean);
    // A 600 ms call is within the call's own deadline, but makes every caller late.
    let slow = score(&common::run(&level(600.0), solution));
    assert!(!slow.passed);
    assert!(
        slow.requests.late as f64 > 0.99 * (slow.requests.ok + slow.requests.late) as f64,
        "{:?}",
        slow.requests
    );
    assert!(slow.latency_ms.mean >= 650.0, "{:?}", slow.latency_ms);
}

/// Work waiting in a queue past its deadline when the level ends is late,
/// not merely pending: a queue that nobody reads cannot win a level.
#[test]
fn a_queue_nobody_reads_loses_instead_of_looking_pending() {
    let level = bundled::find("14-batch-night").expect("level 14");
    let unread = r#"Solution(
        level: "14-batch-night",
        things: [
            Queue(id: "jobs"),
            AutoScalingGroup(id: "workers", type: "c5.xlarge", purchase: Spot, min: 0, desired: 0, max: 0),
        ],
        links: [("export", "jobs"), ("jobs", "workers")],
    )"#;
    let (_, sim) = run_bundled(&level, "unread", unread);
    let s = score(&sim);
    let r = s.requests;
    assert!(r.arrived > 1000, "{r:?}");
    assert_eq!((r.ok, r.dropped, r.pending), (0, 0, 0), "{r:?}");
    assert_eq!(r.late, r.arrived, "every job is overdue at the end");
    assert_eq!(r.overdue, r.arrived);
    assert!(!s.passed && s.availability_pct == 0.0);
    // The reference leaves nothing overdue.
    let (_, sim) = run_bundled(&level, "reference", level.reference.expect("reference"));
    assert_eq!(score(&sim).requests.overdue, 0);
}
