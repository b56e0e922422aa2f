//! SNS fan-out: one publish reaches every subscriber; a failing HTTP/S
//! subscriber is retried and does not hurt the others.

mod common;

use common::{run, score};

fn level(outage: Option<&str>) -> String {
    let events = outage.map_or(String::new(), |o| {
        format!(r#"events: [Event(at: "00:10", what: Outage(thing: "webhook", lasts: "{o}"))],"#)
    });
    format!(
        r#"Level(
    id: "fanout", title: (en: "fan-out", ko: "팬아웃"), seed: 21, tick: "1s", duration: "30m",
    workloads: [Workload(id: "event", class: Web, work_ms: 20.0, memory_mib: 64.0, response_kib: 2.0, mode: Async(deadline: "10m"))],
    sources: [Source(id: "orders", workload: "event", base_rps: 50.0)],
    palette: (things: [Topic, Queue, Instance]),
    // The webhook's server is the level's own, so its outage cannot be renamed away.
    preplaced: [Instance(id: "webhook", type: "m5.4xlarge")],
    {events}
    goals: (availability_pct: 90.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#
    )
}

const SOLUTION: &str = r#"Solution(level: "fanout", things: [
    Topic(id: "order-events"),
    Queue(id: "billing-q"), Instance(id: "billing", type: "m5.large"),
    Queue(id: "shipping-q"), Instance(id: "shipping", type: "m5.large"),
], links: [
    ("orders", "order-events"),
    ("order-events", "billing-q"), ("billing-q", "billing"),
    ("order-events", "shipping-q"), ("shipping-q", "shipping"),
    ("order-events", "webhook"),
])"#;

#[test]
fn one_publish_reaches_every_subscriber_and_is_billed_once() {
    let sim = run(&level(None), SOLUTION);
    let s = score(&sim);
    let publishes = s.sources[0].requests.arrived;
    assert_eq!(s.calls.len(), 3, "{:?}", s.calls);
    for copy in &s.calls {
        assert_eq!(
            copy.requests.arrived, publishes,
            "{} got every publish",
            copy.id
        );
    }
    // One publish charge per message, one HTTP charge per webhook delivery; SQS deliveries are free.
    let want = publishes as f64 * 0.50 / 1e6 + publishes as f64 * 0.60 / 1e6;
    assert!(
        (s.cost_by_service["sns"] - want).abs() < 1e-9,
        "{} vs {want}",
        s.cost_by_service["sns"]
    );
    println!(
        "SNS: {publishes} publishes -> {} deliveries to 3 subscribers; SNS cost ${:.6} (= publishes x $0.50/M + webhook deliveries x $0.60/M)",
        3 * publishes,
        s.cost_by_service["sns"]
    );
}

#[test]
fn a_short_outage_of_an_http_subscriber_is_covered_by_retries() {
    let s = score(&run(&level(Some("30s")), SOLUTION));
    // Only the requests the webhook was serving at the instant it went down are lost.
    let killed = s.dropped_by_reason.get("killed").copied().unwrap_or(0);
    assert!(
        killed <= 5 && s.requests.dropped == killed,
        "{:?}",
        s.dropped_by_reason
    );
}

#[test]
fn a_long_outage_of_an_http_subscriber_loses_only_its_own_deliveries() {
    let s = score(&run(&level(Some("5m")), SOLUTION));
    let webhook = s
        .calls
        .iter()
        .find(|c| c.id.ends_with("webhook"))
        .expect("webhook stream");
    let failed = s
        .dropped_by_reason
        .get("delivery_failed")
        .copied()
        .unwrap_or(0);
    // Five minutes down, one minute of retries: about four minutes of deliveries given up.
    assert!((9_000..=15_000).contains(&failed), "gave up {failed}");
    // Every drop is the webhook's: those given up, and some of the retried flood when it came back.
    assert_eq!(s.requests.dropped, webhook.requests.dropped);
    assert!(webhook.requests.dropped >= failed);
    println!(
        "SNS webhook down 5m: {failed} deliveries given up after retries; other subscribers dropped 0"
    );
    for other in s.calls.iter().filter(|c| !c.id.ends_with("webhook")) {
        assert_eq!(other.requests.dropped, 0, "{} is not hurt", other.id);
        assert_eq!(other.availability_pct, 100.0);
    }
}

/// The fan-out level with the webhook, billing and shipping named as the
/// services every event must reach.
fn must_reach_level() -> String {
    level(None)
        .replace(
            r#"mode: Async(deadline: "10m"))"#,
            r#"mode: Async(deadline: "10m"), must_reach: ["webhook", "billing-svc"])"#,
        )
        .replace(
            r#"preplaced: [Instance(id: "webhook", type: "m5.4xlarge")],"#,
            r#"preplaced: [Instance(id: "webhook", type: "m5.4xlarge"), Instance(id: "billing-svc", type: "m5.large")],"#,
        )
}

#[test]
fn a_service_nothing_delivers_to_loses_every_copy_meant_for_it() {
    // Issue 15: a design that feeds one subscriber and never the others used
    // to pass at 100%, because a stream it never started was never counted.
    let one_queue = r#"Solution(level: "fanout", things: [Queue(id: "q")],
        links: [("orders", "q"), ("q", "webhook")])"#;
    let s = score(&run(&must_reach_level(), one_queue));
    let sent = s.sources[0].requests.arrived;
    let lost = s
        .calls
        .iter()
        .find(|c| c.id.ends_with("⇏ billing-svc"))
        .unwrap_or_else(|| panic!("no undelivered stream in {:?}", s.calls));
    assert_eq!(lost.requests.arrived, sent, "one copy per event");
    assert_eq!(lost.requests.dropped, sent, "and every one is lost");
    assert_eq!(s.dropped_by_reason.get("undelivered").copied(), Some(sent));
    assert_eq!(lost.availability_pct, 0.0);
    assert!(!s.passed, "the worst stream fails the goal");
    assert_eq!(s.worst_stream, lost.id);
    // The webhook, which the queue does feed, has no such stream.
    assert!(!s.calls.iter().any(|c| c.id.ends_with("⇏ webhook")));
}

#[test]
fn a_topic_that_reaches_every_service_loses_nothing_undelivered() {
    let both = r#"Solution(level: "fanout", things: [Topic(id: "t"), Queue(id: "q")],
        links: [("orders", "t"), ("t", "q"), ("q", "billing-svc"), ("t", "webhook")])"#;
    let s = score(&run(&must_reach_level(), both));
    assert!(s.calls.iter().all(|c| !c.id.contains('⇏')), "{:?}", s.calls);
    assert_eq!(s.dropped_by_reason.get("undelivered"), None);
    assert!(s.passed, "{:?}", s.failed_goals);
}
