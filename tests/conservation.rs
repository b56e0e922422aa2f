//! The simulation's bookkeeping holds after every tick, on every bundled
//! level's reference and naive design and on random levels and solutions:
//!
//! - every request that arrives ends as exactly one of ok, late, dropped or
//!   pending: arrived = ok + late + dropped + pending, per stream and in total;
//! - costs and capacities are finite and never negative, and the cost never
//!   goes down;
//! - an Auto Scaling group's desired capacity stays within [min, max], and it
//!   never runs more members than its maximum;
//! - a Lambda function never runs more at once than its concurrency limit;
//! - a queue's running totals match its messages, and no visible message is
//!   older than the queue's retention;
//! - the same seed gives the same score, to the byte.

mod common;

use common::{checked, per_level, sim_of, solutions_on_disk};
use hecs::Entity;
use peakload::format::{self, SourceFile};
use peakload::sim::components::Server;
use peakload::sim::review::review;
use peakload::sim::{History, Score, Sim, run_checked};
use proptest::prelude::*;

/// Steps a simulation to the end, checking every invariant after every tick.
fn assert_conserves(mut sim: Sim, what: &str) {
    let n = sim.ctx.setup.streams.len();
    let mut totals = vec![(0u64, 0u64); n]; // (arrived, finished)
    let mut total = (0u64, 0u64);
    let mut cost = 0.0;
    while !sim.finished() {
        sim.step();
        let record = *sim.metrics.last_record().expect("a record per tick");
        let tick = record.tick;
        // Requests in flight, walked one by one, are what the record says is pending.
        let walked = peakload::sim::systems::observe::in_flight_by_stream(&sim.world, &sim.ctx);
        let streams = sim.metrics.last_streams();
        for (i, (s, w)) in streams.iter().zip(&walked).enumerate() {
            assert_eq!(
                s.pending, *w,
                "{what}: stream {i} has {} pending by its counts but {w} in flight at tick {tick}",
                s.pending
            );
        }
        // The kept census is what a fresh count gives, whenever no server changed since.
        if !sim.ctx.roster_changed && sim.ctx.now_s < sim.ctx.next_warm_s {
            let fresh = peakload::sim::systems::service::census_afresh(&sim.world, &sim.ctx);
            for (slot, &fleet) in sim.ctx.kinds.fleets.iter().enumerate() {
                let kept = sim.ctx.fleets.get(fleet).map(|f| f.census);
                assert_eq!(
                    kept,
                    Some(fresh[slot]),
                    "{what}: fleet {slot}'s census is stale at tick {tick}"
                );
            }
        }
        for (i, s) in streams.iter().enumerate() {
            totals[i].0 += s.arrived;
            totals[i].1 += s.ok + s.late + s.dropped;
            assert_eq!(
                totals[i].0,
                totals[i].1 + s.pending,
                "{what}: stream {i} breaks conservation at tick {tick}: arrived {} vs finished {} + pending {}",
                totals[i].0,
                totals[i].1,
                s.pending
            );
        }
        let t = record.total();
        total.0 += t.arrived;
        total.1 += t.ok + t.late + t.dropped;
        assert_eq!(
            total.0,
            total.1 + t.pending,
            "{what}: the totals break conservation at tick {tick}"
        );

        for (name, x) in [
            ("cost", record.cost_usd),
            ("capacity", record.capacity_rps),
            ("utilisation", record.utilisation),
            ("offered rate", record.offered_rps),
            ("requests in flight", record.in_flight),
        ] {
            assert!(
                x.is_finite() && x >= 0.0,
                "{what}: {name} is {x} at tick {tick}"
            );
        }
        assert!(
            record.cost_usd >= cost,
            "{what}: the cost went down at tick {tick}: {cost} then {}",
            record.cost_usd
        );
        cost = record.cost_usd;

        assert_world_is_sound(&sim, what, tick);
    }
}

/// Auto Scaling, Lambda and queue invariants of the world as it stands.
fn assert_world_is_sound(sim: &Sim, what: &str, tick: u64) {
    let world = &sim.world;
    for (entity, group) in sim.ctx.groups.iter() {
        assert!(
            group.min <= group.desired && group.desired <= group.max,
            "{what}: a group wants {} outside [{}, {}] at tick {tick}",
            group.desired,
            group.min,
            group.max
        );
        let members = sim
            .ctx
            .roster
            .iter()
            .filter(|&&(server, fleet)| {
                fleet == entity
                    && world
                        .get::<&Server>(server)
                        .is_ok_and(|s| s.state.counts_toward_group())
            })
            .count();
        assert!(
            members <= group.max as usize,
            "{what}: a group runs {members} members over its maximum {} at tick {tick}",
            group.max
        );
    }
    for (_, f) in sim.ctx.functions.iter() {
        let limit = f64::from(f.limit);
        let held: u64 = f
            .running
            .iter()
            .filter(|r| r.finish_s > sim.ctx.now_s)
            .map(|r| r.count)
            .sum();
        assert!(
            f.concurrency <= limit + 1e-6 && held as f64 <= limit + 1e-6,
            "{what}: a function ran {} at once (holding {held}) over its limit {limit} at tick {tick}",
            f.concurrency
        );
    }
    let now = sim.ctx.now_s;
    let tick_s = sim.ctx.setup.tick_s;
    for (_, q) in sim.ctx.queues.iter() {
        let counted: u64 = q.visible.iter().map(|c| c.count).sum();
        assert_eq!(
            counted,
            q.visible.total(),
            "{what}: a queue's total drifted at tick {tick}"
        );
        let by_stream: u64 = q.visible.by_stream().iter().sum();
        assert_eq!(
            by_stream, counted,
            "{what}: a queue's per-stream totals drifted at tick {tick}"
        );
        for c in q.visible.iter() {
            assert!(
                now - c.arrived_s < q.retention_s + tick_s + 1e-9,
                "{what}: a message {}s old outlived the {}s retention at tick {tick}",
                now - c.arrived_s,
                q.retention_s
            );
        }
    }
}

/// Runs `check` on the reference and the naive design of every bundled
/// level, checked, with their names; the random levels below cover the rest
/// of the design space.
fn each_reference_and_naive(check: impl Fn(&format::Checked, &str) + Sync) {
    per_level(|level| {
        let files = solutions_on_disk(level)
            .into_iter()
            .filter(|(name, _)| name == "reference" || name == "naive");
        for (name, text) in files {
            let file = SourceFile::new(format!("levels/{}/{name}.ron", level.folder), text);
            let checked =
                format::check_texts(level.level_file(), Some(file)).expect("bundled files check");
            check(&checked, &format!("{}/{name}", level.folder));
        }
        Vec::<()>::new()
    });
}

#[test]
fn every_bundled_reference_and_naive_conserves_requests() {
    each_reference_and_naive(|checked, what| assert_conserves(sim_of(checked, None), what));
}

/// A run that keeps its last tick alone (as scoring and the screen do)
/// against one that keeps every tick: the same score, review and last tick,
/// with nothing of the earlier ticks held.
fn assert_history_changes_nothing(checked: &format::Checked, what: &str) {
    let mut every = sim_of(checked, None);
    every.run_to_end();
    let last = run_checked(checked, None, History::LastTick).expect("checked input builds");
    let json = |sim: &Sim| serde_json::to_string(&Score::of(sim)).expect("json");
    assert_eq!(json(&last), json(&every), "{what}: score");
    let findings = |sim: &Sim| review(sim, &Score::of(sim));
    assert_eq!(findings(&last), findings(&every), "{what}: review");
    let ticks = every.metrics.ticks();
    assert_eq!(last.metrics.ticks(), ticks, "{what}: ticks");
    assert_eq!(
        every.metrics.records().len(),
        ticks,
        "{what}: every tick kept"
    );
    assert_eq!(
        last.metrics.records().len(),
        1,
        "{what}: the last tick alone"
    );
    assert_eq!(
        last.metrics.last_record(),
        every.metrics.last_record(),
        "{what}: last record"
    );
    assert_eq!(
        last.metrics.last_streams(),
        every.metrics.last_streams(),
        "{what}: last streams"
    );
    assert!(
        !every.metrics.last_streams().is_empty(),
        "{what}: streams of the last tick"
    );
    assert_eq!(
        last.metrics.streams_at(ticks - 1),
        every.metrics.last_streams(),
        "{what}"
    );
    if let Some(earlier) = ticks.checked_sub(2) {
        assert!(
            last.metrics.streams_at(earlier).is_empty(),
            "{what}: an earlier tick is not kept"
        );
        assert!(
            !every.metrics.streams_at(earlier).is_empty(),
            "{what}: an earlier tick is kept"
        );
    }
}

#[test]
fn keeping_the_last_tick_alone_changes_no_score_or_finding() {
    each_reference_and_naive(assert_history_changes_nothing);
}

#[test]
fn a_target_linked_twice_takes_two_shares_and_loses_nothing() {
    // A duplicate link is only a warning: the balancer lists the target
    // twice, and each listing takes a share.
    let level = r#"Level(
    id: "twice", title: (en: "twice", ko: "두 번"), seed: 3, tick: "1s", duration: "20m",
    workloads: [Workload(id: "w", class: Web, work_ms: 20.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"))],
    sources: [
        Source(id: "a", workload: "w", base_rps: 90.0, noise: 0.1),
        Source(id: "b", workload: "w", base_rps: 30.0),
    ],
    palette: (things: [Instance, LoadBalancer]),
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;
    let solution = r#"Solution(level: "twice", things: [
    LoadBalancer(id: "lb"),
    Instance(id: "one", type: "c5.xlarge"),
    Instance(id: "two", type: "c5.xlarge"),
], links: [("a", "lb"), ("b", "lb"), ("lb", "one"), ("lb", "two"), ("lb", "one")])"#;
    let checked = checked(level, solution);
    assert_conserves(sim_of(&checked, None), "a target linked twice");
    let mut sim = sim_of(&checked, None);
    let fleet = |sim: &Sim, id: &str| sim.ctx.thing(id).expect("placed");
    let (one, two) = (fleet(&sim, "one"), fleet(&sim, "two"));
    let (mut to_one, mut to_two) = (0u64, 0u64);
    while !sim.finished() {
        sim.step();
        let received = |e: Entity| sim.ctx.fleets.get(e).map_or(0, |f| f.received);
        to_one += received(one);
        to_two += received(two);
    }
    let share = to_one as f64 / (to_one + to_two) as f64;
    assert!(
        (share - 2.0 / 3.0).abs() < 0.01,
        "`one` took {share:.3} of the traffic"
    );
}

/// A random but valid level and solution: several sources and shapes, every
/// kind of thing, failures, scaling, draining on or off, long and short work.
fn random_case() -> impl Strategy<Value = (String, String)> {
    (
        (1u64..1000, 1.0f64..400.0, 0.0f64..0.3, 0.5f64..6.0, prop::sample::select(vec!["1s", "5s", "1m"])),
        (prop::sample::select(vec![5.0f64, 40.0, 300.0, 4000.0]), prop::sample::select(vec![64.0f64, 1024.0, 6000.0]), prop::bool::ANY),
        (1u32..5, 0u32..4, 1u32..8, 10.0f64..90.0, prop::sample::select(vec!["0s", "30s", "5m"])),
        (prop::bool::ANY, prop::sample::select(vec!["RoundRobin", "LeastOutstanding"]), 0u32..3, prop::sample::select(vec!["m5.large", "c5.xlarge", "r5.large", "g4dn.xlarge"])),
        (prop::sample::select(vec!["direct", "queue", "topic", "lambda", "queue-lambda", "none"]), prop::sample::select(vec![50.0f64, 2000.0]), 1u32..4, 0.2f64..3.0),
    )
        .prop_map(|(traffic, work, group, extra, back)| {
            let (seed, rps, noise, spike, tick) = traffic;
            let (work_ms, memory, sync) = work;
            let (min, extra_desired, extra_max, target, draining) = group;
            let (spot, algorithm, failures, itype) = extra;
            let (coupling, back_ms, back_size, per_request) = back;
            let per_request = if coupling.contains("queue") || coupling == "topic" { per_request } else { 1.0 };
            let mode = if sync { r#"Sync(deadline: "800ms", timeout: "20s")"# } else { r#"Async(deadline: "10m")"# };
            let level = format!(
                r#"Level(
    id: "random", title: (en: "random", ko: "무작위"), seed: {seed}, tick: "{tick}", duration: "40m",
    workloads: [
        Workload(id: "w", class: Web, work_ms: {work_ms:?}, memory_mib: {memory:?}, mode: {mode}, calls: [(workload: "back", per_request: {per_request:?})]),
        Workload(id: "back", class: Compute, work_ms: {back_ms:?}, memory_mib: 128.0, mode: Async(deadline: "5m")),
        Workload(id: "g", class: Gpu, work_ms: 30.0, memory_mib: 256.0, mode: Sync(deadline: "1s", timeout: "5s")),
    ],
    sources: [
        Source(id: "a", workload: "w", base_rps: {rps:?}, noise: {noise:?}, shapes: [
            Daily(low: 0.3, peak: "00:20"),
            Spike(at: "00:10", ramp: "1m", hold: "5m", multiplier: {spike:?}),
            FlashCrowd(at: "00:25", multiplier: 3.0, decay: "3m"),
        ]),
        Source(id: "b", workload: "g", base_rps: 5.0),
    ],
    palette: (things: [Instance, AutoScalingGroup, LoadBalancer, OnPremises, Queue, Topic, Function, ContainerService]),
    events: [
        Event(at: "00:18", what: Outage(serving: "back", lasts: "4m")),
        Event(at: "00:15", what: InstanceFailure(thing: "*", count: {failures})),
        Event(at: "00:30", what: TrafficSpike(source: "b", multiplier: 4.0, ramp: "30s", hold: "2m")),
    ],
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#
            );
            let purchase = if spot { "Spot" } else { "OnDemand" };
            // Every tier behind the load balancer calls the same next thing.
            let next = match coupling {
                // A group is reached through a balancer, never straight.
                "direct" => Some("back-lb"),
                "queue" | "queue-lambda" => Some("jobs"),
                "topic" => Some("events"),
                "lambda" => Some("worker-fn"),
                _ => None,
            };
            let mut back_links = String::new();
            if let Some(next) = next {
                for front in ["grp", "one", "rack", "svc"] {
                    back_links.push_str(&format!(r#"("{front}", "{next}"), "#));
                }
            }
            back_links.push_str(match coupling {
                "direct" => r#"("back-lb", "backend"),"#,
                "queue" => r#"("jobs", "backend"),"#,
                "queue-lambda" => r#"("jobs", "worker-fn"),"#,
                "topic" => r#"("events", "jobs"), ("jobs", "backend"), ("events", "worker-fn"),"#,
                _ => "",
            });
            let solution = format!(
                r#"Solution(level: "random", things: [
    LoadBalancer(id: "lb", algorithm: {algorithm}, draining: "{draining}"),
    LoadBalancer(id: "b-lb", algorithm: {algorithm}),
    LoadBalancer(id: "back-lb", scheme: Internal),
    AutoScalingGroup(id: "grp", type: "{itype}", purchase: {purchase}, min: {min}, desired: {desired}, max: {max},
        policies: [TargetTracking(metric: Cpu, target: {target:?})]),
    Instance(id: "one", type: "m5.xlarge"),
    OnPremises(id: "rack", model: "poweredge-r440", servers: 1),
    Queue(id: "jobs", visibility_timeout: "1m", retention: "3m", dead_letter_after: 2),
    Topic(id: "events"),
    AutoScalingGroup(id: "hosts", type: "m5.xlarge", min: 1, desired: 2, max: 3),
    ContainerService(id: "svc", orchestrator: Eks, capacity: {svc_capacity}, task_vcpu: 0.5, task_memory_gib: 1.0, min: 1, desired: 2, max: 6,
        policies: [TargetTracking(metric: Cpu, target: 60.0)]),
    Function(id: "worker-fn", memory_mb: {fn_memory}, reserved_concurrency: 5, timeout: "{fn_timeout}"),
    AutoScalingGroup(id: "backend", type: "c5.large", min: 1, desired: {back_size}, max: 6,
        policies: [TargetTracking(metric: {back_metric}, target: 50.0)]),
], links: [("a", "lb"), ("lb", "grp"), ("lb", "one"), ("lb", "rack"), ("lb", "svc"), ("b", "b-lb"), ("b-lb", "grp"), {back_links}],
actions: [
    (at: "00:12", do: SetDesired(thing: "grp", desired: {min})),
    (at: "00:20", do: Resize(thing: "one", type: "m5.2xlarge")),
    (at: "00:22", do: SetLimits(thing: "grp", min: 0, max: {max})),
])"#,
                desired = min + extra_desired,
                svc_capacity = if spot { "Fargate" } else { r#"Ec2("hosts")"# },
                fn_memory = if back_size % 2 == 0 { 512 } else { 1769 },
                fn_timeout = if back_ms > 1000.0 && back_size == 3 { "1s" } else { "30s" },
                back_metric = if coupling == "queue" || coupling == "topic" { "BacklogPerInstance" } else { "Cpu" },
                max = min + extra_desired + extra_max,
            );
            (level, solution)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every service in one world: the same input twice gives the same score, to the byte.
    #[test]
    fn random_levels_are_deterministic((level, solution) in random_case()) {
        let checked = checked(&level, &solution);
        let once = |seed| {
            let mut sim = sim_of(&checked, seed);
            sim.run_to_end();
            serde_json::to_string(&peakload::sim::Score::of(&sim)).expect("json")
        };
        prop_assert_eq!(once(None), once(None));
        prop_assert_eq!(once(Some(77)), once(Some(77)));
    }

    #[test]
    fn random_levels_score_the_same_keeping_the_last_tick_alone((level, solution) in random_case()) {
        assert_history_changes_nothing(&checked(&level, &solution), "random case");
    }

    #[test]
    fn random_levels_conserve_requests((level, solution) in random_case()) {
        let checked = checked(&level, &solution);
        assert_conserves(sim_of(&checked, None), "random case");
    }
}
