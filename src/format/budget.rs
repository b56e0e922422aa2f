//! What a level and a solution will cost to simulate, estimated before the
//! run, so that no file, mistaken or hostile, can make scoring hang or run the
//! machine out of memory.
//!
//! The simulation's time grows with the ticks it runs times what it visits in
//! each tick: every server and container task, every placed thing, every
//! stream of requests, every traffic shape and scaling rule, and every batch of
//! requests a thing holds (a queue's backlog, a line of waiting requests). The
//! estimate takes the most of each that the files allow, not what a run
//! happens to reach, so it is an upper bound a player cannot talk past.

use std::collections::{BTreeMap, BTreeSet};

use super::catalogue::Catalogue;
use super::level::{EventKind, Level, Mode, Shape, Source};
use super::solution::{Action, Capacity, Policy, Thing, TimedAction};

// The weights are the simulation's measured costs (release build, Nov 2026):
// about 0.3 µs a tick per server or task, 2.4 µs per placed thing, 0.3 µs per
// stream, and 10 to 50 ns per batch of requests held (a station's line and a
// Lambda function's retries are walked every tick). They make a server's tick
// the unit of work. When the simulation stops walking what it holds, lower
// the held weight (raise `HELD_PER_UNIT`).

/// Work per tick of one placed thing, in servers.
pub const THING_WEIGHT: u64 = 8;
/// Work per tick of one stream of requests, in servers.
pub const STREAM_WEIGHT: u64 = 2;
/// Batches of held requests that cost as much per tick as one server.
pub const HELD_PER_UNIT: u64 = 8;
/// Steps of the simulation's server-by-server scans that cost as much as one
/// server's tick. Placing a container task on EC2 looks at each host in turn
/// and, for each, at every server to add up what runs there; retiring a
/// server counts its peers and removing it searches the roster. Each of these
/// steps is about 1 ns (measured: 5,000 tasks placed on 4,000 hosts among
/// 9,000 servers took 98.6 s, about 10^11 steps), a server's tick about
/// 0.3 µs. When the simulation indexes hosts and the roster, raise this (or
/// drop the terms that use it) and the tests in `tests/expensive.rs` show
/// whether the bound still holds.
pub const SCANS_PER_UNIT: u64 = 300;
/// Work per tick of each stream past the first that reaches a server, in
/// servers: a load balancer splits every stream's arrivals over every
/// target, and each server queues and serves each stream's share apart
/// (measured: 100 streams over 258 instances take 15.8 ms a tick, about
/// 0.6 µs for each stream at each server).
pub const COHORT_WEIGHT: u64 = 6;
/// vCPUs of one server that cost as much per tick as a small server.
pub const VCPU_PER_UNIT: f64 = 32.0;

/// The estimated cost of a run, by what drives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cost {
    /// Ticks the run takes.
    pub ticks: u64,
    /// Most servers and container tasks that can exist at once, all things together.
    pub servers: u64,
    /// The servers' work in a tick, in units of a small server's: a server's
    /// queueing figures grow with its vCPUs (measured: a 64-vCPU owned
    /// server's tick costs about 0.54 µs, a 128-vCPU one 1.1 µs), so each
    /// counts 1 + vCPU / [`VCPU_PER_UNIT`].
    pub server_load: u64,
    /// The thing that can hold the most servers or tasks, and how many.
    pub biggest: Option<(String, u64)>,
    /// Placed things, level's and solution's.
    pub things: u64,
    /// Streams of requests: sources, the calls they make and topic deliveries
    /// (counted up to a little past [`super::bounds::MAX_STREAMS`]).
    pub streams: u64,
    /// Traffic shapes, spikes, scaling policies, policy steps and scheduled
    /// actions, each looked at every tick.
    pub rules: u64,
    /// Most batches of requests that things may hold at once and look at
    /// every tick (one per stream per tick they are held): requests waiting
    /// or in service, Lambda invocations running or retried, deliveries a
    /// topic retries, messages a queue hides from its consumers. (A queue's
    /// visible backlog is not among them: it keeps running totals.)
    pub held: u64,
    /// Most requests all streams together may count over the run, at their
    /// peak rates the whole time (calls multiply their callers' rates).
    pub requests: u64,
    /// Streams past the first at each server, summed over servers: each is
    /// a share of arrivals split off, queued and served apart every tick.
    pub cohorts: u64,
    /// Scan steps every tick: a container service on EC2 with tasks that do
    /// not fit looks at every host, and for each at every server, each tick.
    pub scans_per_tick: u64,
    /// Scan steps over the whole run, not tick by tick: placing every task
    /// at the start (and again after each change that stops hosts), and
    /// retiring servers (each counts its peers and is searched for in the
    /// roster), as often as schedules, actions, events and scaling policies
    /// can empty and refill a thing.
    pub scans_once: u64,
}

impl Cost {
    /// Work of one tick, in units of one server's tick.
    pub fn per_tick(&self) -> u64 {
        self.server_load
            .max(self.servers)
            .saturating_add(THING_WEIGHT.saturating_mul(self.things))
            .saturating_add(STREAM_WEIGHT.saturating_mul(self.streams))
            .saturating_add(self.rules)
            .saturating_add(self.held / HELD_PER_UNIT)
            .saturating_add(self.scans_per_tick / SCANS_PER_UNIT)
            .saturating_add(COHORT_WEIGHT.saturating_mul(self.cohorts))
    }

    /// Work of the whole run: ticks times the work of one tick, and the
    /// scans that happen a few times a run.
    pub fn work(&self) -> u64 {
        self.ticks
            .saturating_mul(self.per_tick())
            .saturating_add(self.scans_once / SCANS_PER_UNIT)
    }

    /// Cells of the per-tick record kept for charts and the trace: one per
    /// stream and two for the totals, every tick.
    pub fn record_cells(&self) -> u64 {
        self.ticks.saturating_mul(self.streams.saturating_add(2))
    }
}

/// An upper bound on a source's rate, requests per second: every shape and
/// spike at its highest at once, growth compounded over the level, and noise
/// six standard deviations high.
pub fn peak_rps(level: &Level, source: &Source) -> f64 {
    let days = level.duration.secs() / 86_400.0;
    let spikes = level.events.iter().filter_map(|e| match &e.what {
        EventKind::TrafficSpike {
            source: s,
            multiplier,
            ..
        } if *s == source.id => Some(multiplier.max(1.0)),
        _ => None,
    });
    let shapes = source.shapes.iter().map(|shape| match *shape {
        Shape::Daily { low, high, .. } => low.max(high),
        Shape::Weekly { weekend } => weekend.max(1.0),
        Shape::Rush { multiplier, .. }
        | Shape::Seasonal { multiplier, .. }
        | Shape::Spike { multiplier, .. }
        | Shape::FlashCrowd { multiplier, .. } => multiplier.max(1.0),
        Shape::Growth { percent_per_day } => (1.0 + percent_per_day / 100.0).max(1.0).powf(days),
    });
    let noise = 1.0 + 6.0 * source.noise;
    shapes
        .chain(spikes)
        .fold(source.base_rps * noise, |peak, m| peak * m)
}

/// Ticks a level runs, computed as the simulation does.
pub fn ticks(level: &Level) -> u64 {
    let tick_s = level.tick.secs().max(1e-3);
    let ticks = (level.duration.secs() / tick_s).round().max(1.0);
    // `as` saturates, and the caller compares with bounds far below u64::MAX.
    ticks as u64
}

/// Ticks the run may go on after the level ends, draining what is in flight:
/// at most until the longest promise (an asynchronous deadline, or a
/// caller's timeout) has passed for the last arrival.
pub fn drain_ticks(level: &Level) -> u64 {
    let tick_s = level.tick.secs().max(1e-3);
    let longest = level
        .workloads
        .iter()
        .map(|w| match w.mode {
            super::level::Mode::Sync { timeout, .. } => timeout.secs(),
            super::level::Mode::Async { deadline } => deadline.secs(),
        })
        .filter(|s| s.is_finite())
        .fold(0.0_f64, f64::max);
    // `as` saturates; bounds keep deadlines and ticks far below u64::MAX.
    (longest / tick_s).ceil().max(0.0) as u64
}

/// Estimates the cost of running a checked level with its solution, if any.
pub fn of_checked(checked: &super::Checked) -> Cost {
    let solution = checked.solution.as_ref().map(|(s, _)| s);
    let things: Vec<&Thing> = checked
        .level
        .preplaced
        .iter()
        .chain(solution.into_iter().flat_map(|s| &s.things))
        .collect();
    let mut links = checked.level.preplaced_links.clone();
    let mut actions = Vec::new();
    if let Some(s) = solution {
        links.extend(s.links.iter().cloned());
        actions.extend(s.actions.iter().cloned());
    }
    estimate(
        &checked.catalogue,
        &checked.level,
        &things,
        &links,
        &actions,
        super::bounds::MAX_STREAMS + 1,
    )
}

/// Estimates the cost of running a level with a solution's things, links and actions.
pub fn estimate(
    catalogue: &Catalogue,
    level: &Level,
    things: &[&Thing],
    links: &[(String, String)],
    actions: &[TimedAction],
    stream_cap: usize,
) -> Cost {
    let ticks = ticks(level);
    let tick_s = level.tick.secs().max(1e-3);
    // Ticks a batch held for `secs` stays: never more than the run.
    let window = |secs: f64| -> u64 {
        if secs.is_finite() {
            ((secs / tick_s).ceil().max(0.0) as u64)
                .saturating_add(1)
                .min(ticks)
        } else {
            ticks
        }
    };
    let by_id: BTreeMap<&str, &Thing> = things.iter().map(|t| (t.id(), *t)).collect();
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in links {
        out.entry(from.as_str()).or_default().push(to.as_str());
    }
    let flows = discover(level, &by_id, &out, stream_cap);

    let run_s = ticks as f64 * tick_s;
    let requests: f64 = flows.peaks.iter().map(|peak| peak * run_s).sum();
    let mut cost = Cost {
        // The run may go on draining after the level ends.
        ticks: ticks.saturating_add(drain_ticks(level)),
        things: things.len() as u64,
        streams: flows.workloads.len() as u64,
        // `as` saturates: an infinite estimate is counted as u64::MAX.
        requests: requests as u64,
        ..Cost::default()
    };
    let spikes = level
        .events
        .iter()
        .filter(|e| matches!(e.what, EventKind::TrafficSpike { .. }))
        .count();
    let shapes: usize = level.sources.iter().map(|s| s.shapes.len()).sum();
    cost.rules = (shapes + spikes) as u64;

    let fed_by_topic: BTreeSet<&str> = links
        .iter()
        .filter(|(f, _)| matches!(by_id.get(f.as_str()), Some(Thing::Topic { .. })))
        .map(|(_, t)| t.as_str())
        .collect();
    let no_reach = Reach::default();
    for thing in things {
        let id = thing.id();
        let reach = flows.visits.get(id).unwrap_or(&no_reach);
        let servers = most_servers(thing, actions);
        cost.servers = cost.servers.saturating_add(servers);
        let weight = 1.0 + most_vcpu(catalogue, thing, actions) / VCPU_PER_UNIT;
        cost.cohorts = cost
            .cohorts
            .saturating_add(servers.saturating_mul(reach.streams.saturating_sub(1)));
        // `as` saturates; the products stay far below u64::MAX.
        cost.server_load = cost
            .server_load
            .saturating_add((servers as f64 * weight).ceil() as u64);
        if servers > cost.biggest.as_ref().map_or(0, |(_, n)| *n) {
            cost.biggest = Some((id.to_string(), servers));
        }
        let held = match thing {
            Thing::Queue(q) => {
                let visibility = q
                    .visibility_timeout
                    .map_or(catalogue.queue.visibility_timeout_s, |v| v.secs());
                window(visibility).saturating_mul(reach.streams)
            }
            Thing::Topic { .. } => {
                let cat = &catalogue.topic;
                let retrying =
                    f64::from(cat.http_retries.saturating_add(1)) * cat.http_retry_delay_s;
                window(retrying).saturating_mul(reach.streams)
            }
            Thing::Function(f) => {
                let cat = &catalogue.lambda;
                let timeout = f.timeout.map_or(cat.default_timeout_s, |t| t.secs());
                // Throttled asynchronous events (from a topic) are kept and
                // retried for hours, but only a function its traffic can
                // outrun is throttled for longer than it takes to warm up.
                let cpu = (f64::from(f.memory_mb) / cat.mb_per_vcpu).min(1.0);
                let limit = f.reserved_concurrency.unwrap_or(cat.account_concurrency);
                let outrun = reach.peak_work_s / cpu > f64::from(limit);
                let secs = if fed_by_topic.contains(id) && outrun {
                    timeout.max(cat.max_event_age_s)
                } else {
                    timeout
                };
                window(secs).saturating_mul(reach.streams)
            }
            Thing::LoadBalancer(_) => reach.streams,
            Thing::OnPremises { .. }
            | Thing::Instance { .. }
            | Thing::AutoScalingGroup(_)
            | Thing::ContainerService(_) => {
                // A request waits until its caller gives up (asynchronous
                // work: to the end), but no more wait than fit in memory.
                let reaching = || {
                    reach
                        .workloads
                        .iter()
                        .filter_map(|&w| level.workloads.get(w))
                };
                let give_up = reaching()
                    .map(|w| match w.mode {
                        Mode::Sync { timeout, .. } => timeout.secs(),
                        Mode::Async { .. } => f64::INFINITY,
                    })
                    .fold(0.0, f64::max);
                let lightest_mib = reaching()
                    .map(|w| w.memory_mib)
                    .filter(|m| *m > 0.0)
                    .fold(f64::INFINITY, f64::min);
                let by_time = window(give_up).saturating_mul(reach.streams);
                let memory_mib = most_memory_gib(catalogue, thing, actions) * 1024.0;
                let by_memory = (memory_mib / lightest_mib).floor().max(1.0) as u64;
                by_time.min(servers.max(1).saturating_mul(by_memory))
            }
        };
        cost.held = cost.held.saturating_add(held);
        let rules = match thing {
            Thing::AutoScalingGroup(g) => {
                g.policies.len()
                    + g.scheduled.len()
                    + g.policies
                        .iter()
                        .map(|p| match p {
                            Policy::Step { steps, .. } => steps.len(),
                            _ => 0,
                        })
                        .sum::<usize>()
            }
            Thing::ContainerService(c) => c.policies.len(),
            _ => 0,
        };
        cost.rules = cost.rules.saturating_add(rules as u64);
    }
    scans(catalogue, level, things, &by_id, actions, &mut cost);
    cost
}

/// The server-by-server scans of a run (see [`Cost::scans_per_tick`] and
/// [`Cost::scans_once`]): superlinear in the servers, so a few thousand
/// hosts and tasks cost more than all the rest.
fn scans(
    catalogue: &Catalogue,
    level: &Level,
    things: &[&Thing],
    by_id: &BTreeMap<&str, &Thing>,
    actions: &[TimedAction],
    cost: &mut Cost,
) {
    let all = cost.servers;
    let run_s = cost.ticks as f64 * level.tick.secs().max(1e-3);
    // How many times a thing may be emptied and refilled over the run.
    let changes = |thing: &Thing| -> u64 {
        let id = thing.id();
        let days = (run_s / 86_400.0).ceil().max(1.0) as u64;
        let scheduled: u64 = match thing {
            Thing::AutoScalingGroup(g) => g
                .scheduled
                .iter()
                .map(|s| if s.daily { days } else { 1 })
                .sum(),
            _ => 0,
        };
        let acted = actions.iter().filter(|a| a.action.thing() == id).count() as u64;
        let struck = level
            .events
            .iter()
            .filter(|e| match &e.what {
                EventKind::InstanceFailure { thing, .. }
                | EventKind::Outage { thing, .. }
                | EventKind::SpotReclaim { thing, .. } => thing == id || thing == "*",
                _ => false,
            })
            .count() as u64;
        // A dynamic policy can empty and refill a thing once per warm-up at
        // most: new capacity is not counted before it, and scale-in waits.
        let policies = match thing {
            Thing::AutoScalingGroup(g) => !g.policies.is_empty(),
            Thing::ContainerService(c) => !c.policies.is_empty(),
            _ => false,
        };
        let dynamic = if policies {
            let cycle_s = catalogue
                .ec2
                .warmup_s
                .max(catalogue.ec2.metric_period_s)
                .max(60.0);
            (run_s / cycle_s).ceil() as u64
        } else {
            0
        };
        1u64.saturating_add(scheduled)
            .saturating_add(acted)
            .saturating_add(struck)
            .saturating_add(dynamic)
    };
    for thing in things {
        let size = most_servers(thing, actions);
        if size == 0 {
            continue;
        }
        // Every server retired: it counts its peers and is looked up in the roster.
        let retired = size.saturating_mul(changes(thing));
        cost.scans_once = cost
            .scans_once
            .saturating_add(retired.saturating_mul(all.saturating_mul(2)));
        if let Thing::ContainerService(c) = thing
            && let Capacity::Ec2(host) = &c.capacity
        {
            let hosts = by_id
                .get(host.as_str())
                .map_or(0, |h| most_servers(h, actions));
            // A task that does not fit looks at every host, and at every
            // server for each: once a tick while it waits for room.
            let scan = hosts.saturating_mul(all);
            cost.scans_per_tick = cost.scans_per_tick.saturating_add(scan);
            // Placing every task, at the start and after each change of
            // the hosts or the service: each may look at every host.
            let waves =
                changes(thing).saturating_add(by_id.get(host.as_str()).map_or(0, |h| changes(h)));
            cost.scans_once = cost
                .scans_once
                .saturating_add(size.saturating_mul(scan).saturating_mul(waves));
        }
    }
}

/// The most servers (or tasks) a thing can hold at once, over its own
/// settings and every action and scheduled change that resizes it.
fn most_servers(thing: &Thing, actions: &[TimedAction]) -> u64 {
    let id = thing.id();
    let on_me = actions.iter().filter(|a| a.action.thing() == id);
    let resized = on_me.clone().map(|a| match a.action {
        Action::SetDesired { desired, .. } => u64::from(desired),
        Action::SetLimits { min, max, .. } => u64::from(min.max(max)),
        Action::Resize { .. } | Action::OrderServers { .. } => 0,
    });
    match thing {
        Thing::Instance { .. } => 1,
        Thing::OnPremises { servers, .. } => on_me
            .map(|a| match a.action {
                Action::OrderServers { count, .. } => u64::from(count),
                _ => 0,
            })
            .fold(u64::from(*servers), u64::saturating_add),
        Thing::AutoScalingGroup(g) => g
            .scheduled
            .iter()
            .flat_map(|s| [s.min, s.desired, s.max])
            .flatten()
            .map(u64::from)
            .chain(resized)
            .chain([g.min, g.desired, g.max].map(u64::from))
            .max()
            .unwrap_or(0),
        Thing::ContainerService(c) => resized
            .chain([c.min, c.desired, c.max].map(u64::from))
            .max()
            .unwrap_or(0),
        Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } | Thing::Function(_) => 0,
    }
}

/// vCPUs of one of a thing's servers (the largest it may be resized to).
fn most_vcpu(catalogue: &Catalogue, thing: &Thing, actions: &[TimedAction]) -> f64 {
    let ec2 = |name: &str| {
        catalogue
            .instance_type(name)
            .map_or(0.0, |(_, t)| f64::from(t.vcpu))
    };
    match thing {
        Thing::Instance {
            id, instance_type, ..
        } => actions
            .iter()
            .filter_map(|a| match &a.action {
                Action::Resize {
                    thing,
                    instance_type,
                } if thing == id => Some(ec2(instance_type)),
                _ => None,
            })
            .fold(ec2(instance_type), f64::max),
        Thing::AutoScalingGroup(g) => ec2(&g.instance_type),
        Thing::OnPremises { model, .. } => catalogue
            .server_model(model)
            .map_or(0.0, |(_, m)| f64::from(m.vcpu)),
        Thing::ContainerService(c) => c.task_vcpu.max(0.0),
        Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } | Thing::Function(_) => 0.0,
    }
}

/// Memory of one of a thing's servers (the largest it may be resized to).
fn most_memory_gib(catalogue: &Catalogue, thing: &Thing, actions: &[TimedAction]) -> f64 {
    let ec2 = |name: &str| {
        catalogue
            .instance_type(name)
            .map_or(0.0, |(_, t)| t.memory_gib)
    };
    match thing {
        Thing::Instance {
            id, instance_type, ..
        } => actions
            .iter()
            .filter_map(|a| match &a.action {
                Action::Resize {
                    thing,
                    instance_type,
                } if thing == id => Some(ec2(instance_type)),
                _ => None,
            })
            .fold(ec2(instance_type), f64::max),
        Thing::AutoScalingGroup(g) => ec2(&g.instance_type),
        Thing::OnPremises { model, .. } => catalogue
            .server_model(model)
            .map_or(0.0, |(_, m)| m.memory_gib),
        Thing::ContainerService(c) => match c.capacity {
            Capacity::Fargate | Capacity::Ec2(_) => c.task_memory_gib,
        },
        Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } | Thing::Function(_) => 0.0,
    }
}

/// Streams found by following the links, as the simulation finds them.
#[derive(Debug, Default)]
struct Flows {
    /// The workload of each stream.
    workloads: Vec<usize>,
    /// The highest rate of each stream, requests per second.
    peaks: Vec<f64>,
    /// What reaches each thing, by id.
    visits: BTreeMap<String, Reach>,
}

/// The streams that reach one thing.
#[derive(Debug, Default)]
struct Reach {
    /// How many streams.
    streams: u64,
    /// Their workloads.
    workloads: BTreeSet<usize>,
    /// Their work at their peak rates, seconds of one vCPU per second.
    peak_work_s: f64,
}

/// Follows every source's requests through the links, the way the
/// simulation's stream discovery does, counting streams up to `cap`: a
/// topic's subscriber gets each incoming stream as a stream of its own, and a
/// serving thing turns each call of a stream's workload into a child stream
/// sent to the first thing it links to.
fn discover(
    level: &Level,
    things: &BTreeMap<&str, &Thing>,
    out: &BTreeMap<&str, Vec<&str>>,
    cap: usize,
) -> Flows {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, w) in level.workloads.iter().enumerate() {
        index.entry(w.id.as_str()).or_insert(i);
    }
    let workload_of = |id: &str| index.get(id).copied().unwrap_or(0);
    let calls = |w: usize| level.workloads.get(w).map_or(&[][..], |w| &w.calls[..]);
    let next = |node: &str| out.get(node).map_or(&[][..], Vec::as_slice);

    let mut flows = Flows {
        workloads: level
            .sources
            .iter()
            .map(|s| workload_of(&s.workload))
            .collect(),
        peaks: level.sources.iter().map(|s| peak_rps(level, s)).collect(),
        visits: BTreeMap::new(),
    };
    let work_s = |w: usize| level.workloads.get(w).map_or(0.0, |w| w.work_ms / 1000.0);
    let mut work: Vec<(usize, &str)> = Vec::new();
    for (i, s) in level.sources.iter().enumerate() {
        work.extend(next(&s.id).iter().map(|t| (i, *t)));
    }
    let mut children: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut fanout: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut seen: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut cursor = 0;
    while cursor < work.len() {
        let (stream, node) = work[cursor];
        cursor += 1;
        if !seen.insert((stream, node)) {
            continue;
        }
        let workload = flows.workloads[stream];
        let peak = flows.peaks[stream];
        let reach = flows.visits.entry(node.to_string()).or_default();
        reach.streams += 1;
        reach.workloads.insert(workload);
        reach.peak_work_s += peak * work_s(workload);
        let Some(thing) = things.get(node) else {
            continue;
        };
        if flows.workloads.len() >= cap {
            continue;
        }
        if matches!(thing, Thing::Topic { .. }) {
            for (k, target) in next(node).iter().enumerate() {
                let child = *fanout.entry((stream, k)).or_insert_with(|| {
                    flows.workloads.push(workload);
                    flows.peaks.push(peak);
                    flows.workloads.len() - 1
                });
                work.push((child, target));
            }
        } else if !thing.serves() {
            work.extend(next(node).iter().map(|t| (stream, *t)));
        } else {
            let downstream = next(node).first().copied();
            for (ci, call) in calls(workload).iter().enumerate() {
                let child = *children.entry((stream, ci)).or_insert_with(|| {
                    flows.workloads.push(workload_of(&call.workload));
                    flows.peaks.push(peak * call.per_request);
                    flows.workloads.len() - 1
                });
                if let Some(d) = downstream {
                    work.push((child, d));
                }
            }
        }
    }
    flows
}
