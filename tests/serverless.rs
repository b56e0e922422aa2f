//! Lambda: pay per use, scale with demand up to the concurrency limit, cold
//! starts, and the 15-minute limit.

mod common;

use common::{run, score};

fn level(body: &str) -> String {
    format!(
        r#"Level(
    id: "fn", title: (en: "functions", ko: "함수"), seed: 31, tick: "1s",
    palette: (things: [Function, Instance, Queue, LoadBalancer, Topic]),
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
    {body}
)"#
    )
}

fn api(rps: f64, duration: &str) -> String {
    level(&format!(
        r#"duration: "{duration}",
    workloads: [Workload(id: "call", class: Web, work_ms: 100.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "10s"))],
    sources: [Source(id: "s", workload: "call", base_rps: {rps:?})],"#
    ))
}

fn function(memory: u32, extra: &str) -> String {
    format!(
        r#"Solution(level: "fn", things: [Function(id: "f", memory_mb: {memory}{extra})], links: [("s", "f")])"#
    )
}

#[test]
fn an_idle_function_costs_nothing() {
    let s = score(&run(&api(0.0, "1h"), &function(1024, "")));
    assert_eq!(s.requests.arrived, 0);
    assert_eq!(s.cost_usd, 0.0, "{:?}", s.cost_by_service);
    println!("Lambda idle hour: ${}", s.cost_usd);
}

#[test]
fn a_busy_hour_costs_requests_and_gb_seconds() {
    let sim = run(&api(50.0, "1h"), &function(1769, ""));
    let s = score(&sim);
    let n = (s.requests.ok + s.requests.late) as f64;
    // 100 ms on average at one full vCPU (1,769 MB), billed per millisecond
    // rounded up: a run of varying length pays half a millisecond more.
    let want = n * 0.20 / 1e6 + n * 0.1005 * (1769.0 / 1024.0) * 0.0000166667;
    assert!(
        (s.cost_by_service["lambda"] - want).abs() < 1e-9,
        "{} vs {want}",
        s.cost_by_service["lambda"]
    );
    println!(
        "Lambda busy hour: {n} requests, ${:.6} = requests x $0.20/M + GB-s x $0.0000166667",
        s.cost_by_service["lambda"]
    );
    assert_eq!(s.requests.dropped, 0);
    // Less memory, less CPU: the same work takes longer at 885 MB (half a vCPU).
    let half = score(&run(&api(50.0, "10m"), &function(885, "")));
    // Twice the mean run (200 ms); with runs of varying length the median is 200 ms × ln 2.
    assert!(
        (half.latency_ms.mean - 200.0).abs() < 5.0,
        "mean {}",
        half.latency_ms.mean
    );
    assert!(
        (half.latency_ms.p50 - 200.0 * std::f64::consts::LN_2).abs() < 5.0,
        "p50 {}",
        half.latency_ms.p50
    );
}

#[test]
fn throttling_follows_erlang_b_at_the_concurrency_limit() {
    // 100 ms per request, limit 10: the function can run 100 requests a
    // second on average. Arrivals are random, so an invocation is throttled
    // whenever all ten environments happen to be busy: Erlang B, already a
    // few percent below the limit and far from "only the excess" above it.
    fn erlang_b(servers: u32, a: f64) -> f64 {
        (1..=servers).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
    }
    for rps in [60.0, 100.0, 150.0] {
        let sim = run(
            &api(rps, "10m"),
            &function(1769, ", reserved_concurrency: 10"),
        );
        let s = score(&sim);
        assert_eq!(
            s.requests.dropped,
            s.dropped_by_reason.get("throttled").copied().unwrap_or(0)
        );
        let share = s.requests.dropped as f64 / s.requests.arrived as f64;
        let want = erlang_b(10, rps * 0.1);
        assert!(
            (share - want).abs() < 0.01,
            "{rps}/s: throttled {share:.4}, Erlang B {want:.4}"
        );
        println!(
            "Lambda limit 10 x 100 ms at {rps}/s: {} throttled of {} ({:.2}%, Erlang B {:.2}%)",
            s.requests.dropped,
            s.requests.arrived,
            100.0 * share,
            100.0 * want
        );
    }
}

#[test]
fn cold_starts_add_latency_when_concurrency_grows() {
    let lvl = level(
        r#"duration: "20m",
    workloads: [Workload(id: "call", class: Web, work_ms: 100.0, memory_mib: 64.0, service: Fixed, mode: Sync(deadline: "300ms", timeout: "10s"))],
    sources: [Source(id: "s", workload: "call", base_rps: 20.0, shapes: [Spike(at: "00:10", ramp: "1s", hold: "5m", multiplier: 50.0)])],"#,
    );
    let sim = run(&lvl, &function(1769, ""));
    let s = score(&sim);
    // Every run takes exactly 100 ms: only a cold start (250 ms) pushes a
    // request past 300 ms, and only the first of a new environment.
    assert!(s.requests.late > 50, "late {}", s.requests.late);
    assert!(
        s.requests.late < s.requests.arrived / 100,
        "late {} of {}",
        s.requests.late,
        s.requests.arrived
    );
    let spike_tick = &sim.metrics.records()[600];
    assert!(
        spike_tick.total().late > 0,
        "the jump at 00:10 starts environments cold"
    );
    println!(
        "Lambda cold starts: {} of {} requests late (250 ms cold start on a 300 ms deadline)",
        s.requests.late, s.requests.arrived
    );
}

#[test]
fn sixteen_minutes_of_work_fails_on_lambda_and_succeeds_on_an_instance() {
    let lvl = level(
        r#"duration: "1h",
    workloads: [Workload(id: "report", class: Compute, work_ms: 960000.0, memory_mib: 512.0, mode: Async(deadline: "1h"))],
    sources: [Source(id: "s", workload: "report", base_rps: 0.002, shapes: [FlashCrowd(at: "00:05", multiplier: 1.0, decay: "1m")])],"#,
    );
    let on_lambda = score(&run(&lvl, &function(1769, r#", timeout: "15m""#)));
    assert!(on_lambda.requests.arrived > 0);
    assert_eq!(
        on_lambda.dropped_by_reason.get("timed_out").copied(),
        Some(on_lambda.requests.arrived - on_lambda.requests.pending)
    );
    assert_eq!(on_lambda.requests.ok, 0);
    let on_instance = score(&run(
        &lvl,
        r#"Solution(level: "fn", things: [Instance(id: "box", type: "c5.xlarge")], links: [("s", "box")])"#,
    ));
    assert_eq!(on_instance.requests.dropped, 0);
    assert!(on_instance.requests.ok > 0);
    println!(
        "16-minute job: Lambda {:?}, instance ok {} dropped {}",
        on_lambda.dropped_by_reason, on_instance.requests.ok, on_instance.requests.dropped
    );
    // A timeout over 15 minutes is refused outright.
    let err = peakload::format::check_texts(
        peakload::format::SourceFile::new("t/level.ron", lvl.clone()),
        Some(peakload::format::SourceFile::new(
            "t/solution.ron",
            function(1769, r#", timeout: "16m""#),
        )),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("15 minutes"), "{err}");
}

#[test]
fn a_queue_feeds_a_function_within_its_concurrency() {
    let lvl = level(
        r#"duration: "30m",
    workloads: [Workload(id: "job", class: Web, work_ms: 2000.0, memory_mib: 64.0, mode: Async(deadline: "30m"))],
    sources: [Source(id: "s", workload: "job", base_rps: 20.0, shapes: [Spike(at: "00:05", ramp: "10s", hold: "2m", multiplier: 5.0)])],"#,
    );
    let s = score(&run(
        &lvl,
        r#"Solution(level: "fn", things: [Queue(id: "q"), Function(id: "f", memory_mb: 1769, reserved_concurrency: 50, timeout: "10s")],
            links: [("s", "q"), ("q", "f")])"#,
    ));
    // The queue absorbs the burst the function's 50 environments cannot take at once.
    assert_eq!(s.requests.dropped, 0, "{:?}", s.dropped_by_reason);
    assert_eq!(s.requests.late, 0);
}

#[test]
fn a_function_behind_a_load_balancer_or_a_topic_is_invoked_per_request() {
    let lvl = api(30.0, "10m");
    let behind_lb = score(&run(
        &lvl,
        r#"Solution(level: "fn", things: [LoadBalancer(id: "lb"), Function(id: "f", memory_mb: 1769)], links: [("s", "lb"), ("lb", "f")])"#,
    ));
    assert_eq!(behind_lb.requests.dropped, 0);
    assert!(
        behind_lb.cost_by_service.contains_key("lambda")
            && behind_lb
                .cost_by_service
                .contains_key("elastic_load_balancing")
    );
    let lvl = level(
        r#"duration: "10m",
    workloads: [Workload(id: "event", class: Web, work_ms: 100.0, memory_mib: 64.0, mode: Async(deadline: "5m"))],
    sources: [Source(id: "s", workload: "event", base_rps: 30.0)],"#,
    );
    let via_topic = score(&run(
        &lvl,
        r#"Solution(level: "fn", things: [Topic(id: "t"), Function(id: "f", memory_mb: 1769)], links: [("s", "t"), ("t", "f")])"#,
    ));
    let delivered = &via_topic.calls[0];
    assert_eq!(
        delivered.requests.arrived,
        via_topic.sources[0].requests.arrived
    );
    assert_eq!(delivered.requests.dropped, 0);
    // Deliveries from SNS to Lambda are free: only the publishes are billed.
    let publishes = via_topic.sources[0].requests.arrived as f64;
    assert!((via_topic.cost_by_service["sns"] - publishes * 0.5 / 1e6).abs() < 1e-12);
}
