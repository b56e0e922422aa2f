//! Containers: ECS and EKS services on Fargate or on EC2 capacity.

mod common;

use common::{run, score};

fn level(duration: &str, rps: f64) -> String {
    format!(
        r#"Level(
    id: "ctr", title: (en: "containers", ko: "컨테이너"), seed: 41, tick: "1s", duration: "{duration}",
    workloads: [Workload(id: "api", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"))],
    sources: [Source(id: "s", workload: "api", base_rps: {rps:?})],
    palette: (things: [ContainerService, AutoScalingGroup, Instance, LoadBalancer, Queue]),
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#
    )
}

fn service(orchestrator: &str, capacity: &str, tasks: u32, extra_things: &str) -> String {
    format!(
        r#"Solution(level: "ctr", things: [
    {extra_things}
    ContainerService(id: "svc", orchestrator: {orchestrator}, capacity: {capacity}, task_vcpu: 1.0, task_memory_gib: 2.0,
        min: 1, desired: {tasks}, max: 20),
], links: [("s", "svc")])"#
    )
}

#[test]
fn fargate_tasks_cost_vcpu_hours_and_gb_hours() {
    let s = score(&run(&level("2h", 20.0), &service("Ecs", "Fargate", 3, "")));
    let want = 3.0 * 2.0 * (1.0 * 0.04048 + 2.0 * 0.004445);
    assert!(
        (s.cost_usd - want).abs() < 1e-9,
        "{} vs {want}: {:?}",
        s.cost_usd,
        s.cost_by_service
    );
    // Three tasks at a third of their capacity: nobody is turned away, and
    // late only the rare run past ten times the mean (e^-10 ≈ 0.005%).
    assert_eq!(s.requests.dropped, 0);
    assert!(
        (s.requests.late as f64) < 1e-4 * s.requests.arrived as f64,
        "{:?}",
        s.requests
    );
    // EKS adds its control plane by the hour; ECS has none.
    let eks = score(&run(&level("2h", 20.0), &service("Eks", "Fargate", 3, "")));
    assert!((eks.cost_by_service["eks"] - 0.2).abs() < 1e-9);
    assert!((eks.cost_usd - want - 0.2).abs() < 1e-9);
    println!(
        "Fargate 3 tasks x 1 vCPU/2 GB x 2 h: ECS ${:.5}, EKS ${:.5}",
        s.cost_usd, eks.cost_usd
    );
}

#[test]
fn tasks_on_ec2_are_packed_onto_instances_and_without_room_there_is_no_task() {
    // Two m5.large (2 vCPU, 8 GiB each) fit four tasks of 1 vCPU: six are wanted.
    let sim = run(
        &level("1h", 20.0),
        &service(
            "Ecs",
            r#"Ec2("hosts")"#,
            6,
            r#"AutoScalingGroup(id: "hosts", type: "m5.large", min: 2, desired: 2, max: 2),"#,
        ),
    );
    let tasks = sim.metrics.last_record().expect("ran").servers_working;
    // The two hosts are counted as working servers of their own group, plus the tasks.
    assert_eq!(tasks, 2 + 4, "only four tasks fit");
    let s = score(&sim);
    // Only the instances are billed.
    assert!(
        (s.cost_usd - 2.0 * 0.096).abs() < 1e-9,
        "{:?}",
        s.cost_by_service
    );
}

#[test]
fn a_task_dies_with_its_instance_and_comes_back_where_there_is_room() {
    let lvl = r#"Level(
    id: "ctr", title: (en: "containers", ko: "컨테이너"), seed: 41, tick: "1s", duration: "1h",
    workloads: [Workload(id: "api", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"))],
    sources: [Source(id: "s", workload: "api", base_rps: 20.0)],
    palette: (things: [ContainerService, AutoScalingGroup]),
    // The hosts are the level's own, so its failure cannot be renamed away.
    preplaced: [AutoScalingGroup(id: "hosts", type: "m5.xlarge", min: 2, desired: 2, max: 2)],
    events: [Event(at: "00:10", what: InstanceFailure(thing: "hosts", count: 1))],
    goals: (availability_pct: 50.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;
    let sim = run(lvl, &service("Ecs", r#"Ec2("hosts")"#, 2, ""));
    let at = |min: usize| sim.metrics.records()[min * 60].servers_working;
    assert_eq!(at(5), 2 + 2);
    // The failed host takes its task down; the other host has room, so the task comes back there.
    assert!(at(11) < 4, "{}", at(11));
    assert_eq!(at(30), 2 + 2, "replacement host and task back in service");
}

#[test]
fn fargate_adds_capacity_faster_than_an_instance() {
    let first_working = |solution: &str| {
        let sim = run(&level("20m", 5.0), solution);
        sim.metrics
            .records()
            .iter()
            .position(|r| r.servers_working >= 3)
            .expect("scaled")
    };
    let fargate = first_working(
        r#"Solution(level: "ctr", things: [ContainerService(id: "svc", orchestrator: Ecs, capacity: Fargate, task_vcpu: 1.0, task_memory_gib: 2.0, min: 1, desired: 1, max: 5)],
            links: [("s", "svc")], actions: [(at: "00:05", do: SetDesired(thing: "svc", desired: 3))])"#,
    );
    let instances = first_working(
        // Fed by a queue its consumers poll, so no balancer's health checks
        // stand between the boot and the work.
        r#"Solution(level: "ctr", things: [Queue(id: "q"), AutoScalingGroup(id: "svc", type: "m5.large", min: 1, desired: 1, max: 5)],
            links: [("s", "q"), ("q", "svc")], actions: [(at: "00:05", do: SetDesired(thing: "svc", desired: 3))])"#,
    );
    assert_eq!(fargate, 300 + 45, "a Fargate task starts in 45 s");
    assert_eq!(instances, 300 + 90, "an instance boots in 90 s");
    println!(
        "capacity added: Fargate task after {} s, EC2 instance after {} s",
        fargate - 300,
        instances - 300
    );
}

#[test]
fn service_auto_scaling_follows_cpu() {
    let lvl = r#"Level(
    id: "ctr", title: (en: "containers", ko: "컨테이너"), seed: 41, tick: "1s", duration: "1h",
    workloads: [Workload(id: "api", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: "500ms", timeout: "10s"))],
    sources: [Source(id: "s", workload: "api", base_rps: 20.0, shapes: [Spike(at: "00:10", ramp: "5m", hold: "20m", multiplier: 5.0)])],
    palette: (things: [ContainerService]),
    goals: (availability_pct: 99.0, stars: (one: 1000.0, two: 1000.0, three: 1000.0)),
)"#;
    let sim = run(
        lvl,
        r#"Solution(level: "ctr", things: [ContainerService(id: "svc", orchestrator: Ecs, capacity: Fargate, task_vcpu: 1.0, task_memory_gib: 2.0,
            min: 2, desired: 2, max: 20, policies: [TargetTracking(metric: Cpu, target: 50.0)])], links: [("s", "svc")])"#,
    );
    let peak = sim
        .metrics
        .records()
        .iter()
        .map(|r| r.servers_working)
        .max()
        .unwrap_or(0);
    assert!(peak >= 8, "scaled out to {peak}");
    let s = score(&sim);
    assert!(s.passed, "{:?}", s.failed_goals);
}
