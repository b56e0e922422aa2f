//! A tick in steady state allocates nothing: every buffer the systems use is
//! kept and cleared, not dropped and grown again. Counted with a global
//! allocator that counts, thread by thread (this test binary only).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

thread_local! {
    /// Allocations made on this thread. A test counts its own: the harness
    /// allocates on its other threads whenever a test ends.
    static MINE: Cell<u64> = const { Cell::new(0) };
}

/// Counts an allocation on the thread making it (none while the thread is
/// torn down and its count is gone).
fn count_mine() {
    let _ = MINE.try_with(|n| n.set(n.get() + 1));
}

/// Bytes allocated and not yet freed.
static LIVE: AtomicU64 = AtomicU64::new(0);
/// The most [`LIVE`] has been since it was last reset.
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grow(bytes: usize) {
    let live = LIVE.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_mine();
        grow(layout.size());
        // SAFETY: the same layout goes to the system allocator, as the caller promised it.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_mine();
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        grow(new_size);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One test at a time: the heap figures are global, and another test's setup would land in them.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Steps `warm` ticks, then counts the allocations of the next `count`.
fn allocations_per_tick(level: &str, solution: &str, warm: u64, count: u64) -> f64 {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let checked = common::checked(level, solution);
    let mut sim = common::sim_of(&checked, None);
    for _ in 0..warm {
        sim.step();
    }
    let before = MINE.with(Cell::get);
    for _ in 0..count {
        sim.step();
    }
    let after = MINE.with(Cell::get);
    (after - before) as f64 / count as f64
}

/// Asserts that, once an hour has grown every buffer, the next hour's ticks
/// allocate nothing; `when` says which case failed.
fn assert_allocates_nothing(level: &str, solution: &str, when: &str) {
    let per_tick = allocations_per_tick(level, solution, 3600, 3600);
    assert!(per_tick == 0.0, "{per_tick} allocations a tick {when}");
}

/// `text` with `from` replaced by `to`; `from` must be in it, so a case
/// never tests the unedited files by mistake.
fn edited(text: &str, from: &str, to: &str) -> String {
    let out = text.replace(from, to);
    assert_ne!(out, text, "{from:?} is not in the text");
    out
}

/// A load balancer, a group of instances calling through a queue to a consumer.
fn level(noise: f64) -> String {
    LEVEL.replace("noise: 0.05", &format!("noise: {noise:?}"))
}

const LEVEL: &str = r#"Level(
    id: "steady", title: (en: "steady", ko: "일정"), seed: 3, tick: "1s", duration: "3h",
    workloads: [
        Workload(id: "page", class: Web, work_ms: 20.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"), calls: [(workload: "job", per_request: 0.1)]),
        Workload(id: "job", class: Compute, work_ms: 100.0, memory_mib: 64.0, mode: Async(deadline: "10m")),
    ],
    sources: [Source(id: "users", workload: "page", base_rps: 400.0, noise: 0.05)],
    palette: (things: [LoadBalancer, AutoScalingGroup, Queue, Instance]),
    goals: (availability_pct: 90.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;

const SOLUTION: &str = r#"Solution(level: "steady", things: [
        LoadBalancer(id: "lb"),
        AutoScalingGroup(id: "web", type: "m5.large", min: 6, desired: 6, max: 6),
        Queue(id: "jobs"),
        Instance(id: "worker", type: "c5.xlarge"),
    ], links: [("users", "lb"), ("lb", "web"), ("web", "jobs"), ("jobs", "worker")])"#;

/// Steady traffic: once every buffer has grown, a tick allocates nothing.
#[test]
fn a_steady_tick_allocates_nothing() {
    assert_allocates_nothing(&level(0.0), SOLUTION, "in steady state");
}

/// A group with a schedule looks at it every tick: while no action is due
/// and its size holds, that costs no allocation either.
#[test]
fn a_steady_tick_of_a_scheduled_group_allocates_nothing() {
    let solution = edited(
        SOLUTION,
        "min: 6, desired: 6, max: 6)",
        r#"min: 6, desired: 6, max: 6, scheduled: [(at: "02:30", desired: 6)])"#,
    );
    assert_allocates_nothing(&level(0.0), &solution, "in steady state");
}

/// Traffic that wanders: buffers grow only when the wander reaches a new
/// high, a handful of times an hour, never every tick.
#[test]
fn a_wandering_tick_allocates_only_to_grow() {
    let per_tick = allocations_per_tick(&level(0.05), SOLUTION, 3600, 3600);
    assert!(per_tick < 0.01, "{per_tick} allocations a tick");
}

/// The Day benchmark (`benches/fixtures/day`: a day at one-second ticks,
/// every kind of thing) holds well under 64 MB of heap from start to score.
/// Bigger than `check` lets a level ask for (`MAX_WORK`), it is built from
/// the parsed files.
#[test]
fn the_day_benchmark_holds_well_under_64_mb() {
    use peakload::format::{Checked, SourceFile, load};
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let level = SourceFile::new(
        "level.ron",
        include_str!("../benches/fixtures/day/level.ron").to_string(),
    );
    let solution = SourceFile::new(
        "solution.ron",
        include_str!("../benches/fixtures/day/solution.ron").to_string(),
    );
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = LIVE.load(Ordering::Relaxed);
    let checked = Checked {
        catalogue: load::bundled_catalogue().expect("the bundled catalogue loads"),
        level: load::parse_level(&level).expect("the Day level parses"),
        solution: Some((
            load::parse_solution(&solution).expect("the Day solution parses"),
            solution,
        )),
        level_file: level,
        warnings: Vec::new(),
    };
    let sim = peakload::sim::run_checked(&checked, None, peakload::sim::History::LastTick)
        .expect("the Day builds");
    let score = peakload::sim::Score::of(&sim);
    assert!(score.requests.arrived > 1_000_000_000, "{score:?}");
    let peak = PEAK.load(Ordering::Relaxed) - start;
    // The target is 64 MB. Scoring keeps the last tick alone (about 2 MB
    // at the peak): a whole Day's history kept again (45 MB) fails here.
    assert!(peak < 16 << 20, "{:.1} MB at the peak", peak as f64 / 1e6);
}

/// Steady traffic through every kind of thing a tick serves through (a
/// topic fanning out to a queue of a Lambda function and a queue of an
/// instance, a group with every kind of policy, a container service).
const EVERY_KIND: &str = r#"Level(
    id: "steady", title: (en: "steady", ko: "일정"), seed: 3, tick: "1s", duration: "3h", history: "1d",
    workloads: [
        Workload(id: "page", class: Web, work_ms: 20.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"), calls: [(workload: "job", per_request: 0.1)]),
        Workload(id: "job", class: Compute, work_ms: 100.0, memory_mib: 64.0, mode: Async(deadline: "10m")),
        Workload(id: "api", class: Web, work_ms: 15.0, memory_mib: 64.0, mode: Sync(deadline: "200ms", timeout: "3s")),
    ],
    sources: [Source(id: "users", workload: "page", base_rps: 400.0, noise: 0.0), Source(id: "apps", workload: "api", base_rps: 200.0, noise: 0.0)],
    palette: (things: [LoadBalancer, AutoScalingGroup, Queue, Instance, Topic, Function, ContainerService]),
    goals: (availability_pct: 90.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;

const EVERY_KIND_SOLUTION: &str = r#"Solution(level: "steady", things: [
        LoadBalancer(id: "lb"),
        AutoScalingGroup(id: "web", type: "m5.large", min: 6, desired: 6, max: 6, policies: [TargetTracking(metric: Cpu, target: 90.0), Predictive(target: 90.0), Step(metric: RequestsPerTarget, steps: [(above: 30000.0, change: 1)], cooldown: "2m")]),
        Topic(id: "t"),
        Queue(id: "jobs"),
        Function(id: "f", memory_mb: 512),
        Queue(id: "jobs2"),
        Instance(id: "worker", type: "c5.xlarge"),
        LoadBalancer(id: "lb2"),
        ContainerService(id: "svc", orchestrator: Ecs, capacity: Fargate, task_vcpu: 1.0, task_memory_gib: 2.0, min: 4, desired: 4, max: 4),
    ], links: [("users", "lb"), ("lb", "web"), ("web", "t"), ("t", "jobs"), ("jobs", "f"), ("t", "jobs2"), ("jobs2", "worker"), ("apps", "lb2"), ("lb2", "svc")])"#;

/// Policies are evaluated every minute and decide nothing while the load
/// holds: a decision to stay put writes nothing out.
#[test]
fn a_steady_tick_of_every_kind_allocates_nothing() {
    assert_allocates_nothing(EVERY_KIND, EVERY_KIND_SOLUTION, "in steady state");
}

/// Lasting overload: a group too small for its traffic keeps a backlog that
/// is joined, worked off, given up on and, past what memory holds, turned
/// away every tick. Its buffers are kept like every other's.
#[test]
fn a_tick_of_lasting_overload_allocates_nothing() {
    let solution = edited(
        SOLUTION,
        "min: 6, desired: 6, max: 6",
        "min: 1, desired: 1, max: 1",
    );
    assert_allocates_nothing(&level(0.0), &solution, "in lasting overload");
}

/// A level with a scripted event still to come: waiting for it costs a tick
/// nothing (the event is looked at, not copied, until it is due).
#[test]
fn a_steady_tick_before_a_scripted_event_allocates_nothing() {
    let level = edited(
        &level(0.0),
        "    palette:",
        "    events: [Event(at: \"02:30\", what: TrafficSpike(source: \"users\", multiplier: 1.5, ramp: \"5m\", hold: \"10m\"))],\n    palette:",
    );
    assert_allocates_nothing(&level, SOLUTION, "before the event");
}

/// Synchronous calls: a page waits on the call it makes to a second tier,
/// and callers settle as their calls end, every tick.
#[test]
fn a_steady_tick_of_synchronous_calls_allocates_nothing() {
    let level = edited(
        &level(0.0),
        r#"calls: [(workload: "job", per_request: 0.1)]"#,
        r#"calls: [(workload: "api")]"#,
    );
    let level = edited(
        &level,
        r#"        Workload(id: "job","#,
        r#"        Workload(id: "api", class: Web, work_ms: 10.0, memory_mib: 64.0, mode: Sync(deadline: "300ms", timeout: "5s")),
        Workload(id: "job","#,
    );
    let solution = edited(
        SOLUTION,
        r#"Queue(id: "jobs"),"#,
        r#"LoadBalancer(id: "api-lb"),
        AutoScalingGroup(id: "api", type: "c5.xlarge", min: 3, desired: 3, max: 3),"#,
    );
    let solution = edited(
        &solution,
        r#"("web", "jobs"), ("jobs", "worker")"#,
        r#"("web", "api-lb"), ("api-lb", "api")"#,
    );
    let solution = edited(
        &solution,
        r#"        Instance(id: "worker", type: "c5.xlarge"),
"#,
        "",
    );
    assert_allocates_nothing(&level, &solution, "in steady state");
}

/// Scoring keeps the last tick's record alone, not the run's history: a
/// day of level 12 at two-second ticks, through the path `score`, `par`
/// and `verify` take, stays far below what its 43,200 ticks' records and
/// stream counts would hold (about 9 MB).
#[test]
fn scoring_keeps_no_history() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let level = peakload::bundled::find("12").expect("level 12 is bundled");
    let reference = peakload::format::SourceFile::new(
        "reference.ron",
        level
            .reference
            .expect("level 12 has a reference")
            .to_string(),
    );
    let level_file = level.level_file();
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = LIVE.load(Ordering::Relaxed);
    let score = peakload::batch::score_one(&level_file, &reference, None).expect("level 12 scores");
    let peak = PEAK.load(Ordering::Relaxed) - start;
    assert!(score.requests.arrived > 1_000_000, "{score:?}");
    assert!(peak < 3 << 20, "{:.1} MB at the peak", peak as f64 / 1e6);
}
