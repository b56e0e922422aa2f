//! The simulation world: building it from a level and a solution, and stepping it.

use std::sync::Arc;

use hecs::{Entity, World};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::format::catalogue::{Catalogue, WorkClass};
use crate::format::level::{EventKind, Shape};
use crate::format::solution::{Action, Purchase, Thing, TimedAction};

use super::components::{
    Balancer, ContainerService, Fleet, Function, Group, Hardware, HealthChecks, MessageQueue,
    MetricWindow, Name, OnPremises, Order, Subscriber, Topic, TrafficSource,
};
use super::ledger::Ledger;
use super::metrics::Metrics;
use super::setup::{Setup, fleet_terms};
use super::state::{Awaiting, Ctx, Inboxes, Kinds};
use super::station::Tally;
use super::systems;

/// Why a world could not be built (input that skipped `peakload check`).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BuildError {
    /// An id that names nothing.
    #[error("`{0}` names no source or thing")]
    UnknownId(String),
    /// A catalogue entry that does not exist.
    #[error("`{0}` is not in the catalogue")]
    UnknownCatalogueEntry(String),
}

/// A running simulation.
pub struct Sim {
    /// The hecs world of sources, things and servers.
    pub world: World,
    /// Resources the systems share.
    pub ctx: Ctx,
    /// Per-tick records and run totals.
    pub metrics: Metrics,
}

impl Sim {
    /// Builds the world of a level with a player's solution.
    pub fn new(setup: Setup) -> Result<Sim, BuildError> {
        let setup = Arc::new(setup);
        let mut world = World::new();
        let sources = setup.level.sources.len();
        let mut ctx = Ctx {
            setup: Arc::clone(&setup),
            tick: 0,
            now_s: 0.0,
            tally: Tally::new(setup.streams.len()),
            arrived: vec![0; setup.streams.len()],
            awaiting: vec![Awaiting::default(); setup.streams.len()],
            carry: vec![0.0; setup.streams.len()],
            flow: Vec::new(),
            price_factor: [1.0; 3],
            // Callers of synchronous calls are heard when their calls finish, with both latencies.
            quiet: setup
                .streams
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    !s.counted() || setup.streams.iter().any(|c| c.parent == Some(i) && c.sync)
                })
                .collect(),
            ledger: Ledger::default(),
            log: Vec::new(),
            next_serial: 1,
            roster: Vec::new(),
            sources: Vec::with_capacity(sources),
            traffic_rng: (0..sources)
                .map(|i| {
                    ChaCha8Rng::seed_from_u64(
                        setup.seed ^ (0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(i as u64 + 1)),
                    )
                })
                .collect(),
            spot_rng: ChaCha8Rng::seed_from_u64(setup.seed ^ 0x5B07_5B07_5B07_5B07),
            event_rng: ChaCha8Rng::seed_from_u64(setup.seed ^ 0xE7E7_E7E7_E7E7_E7E7),
            lambda_duration_usd: 0.0,
            demand_mean: 0.0,
            demand_high: false,
            actions: Vec::new(),
            next_action: 0,
            events: Vec::new(),
            next_event: 0,
            things: Vec::new(),
            inboxes: Inboxes::default(),
            fleets: Default::default(),
            balancers: Default::default(),
            functions: Default::default(),
            topics: Default::default(),
            groups: Default::default(),
            queues: Default::default(),
            kinds: Default::default(),
            roster_changed: true,
            ended: false,
            lifecycle_dirty: true,
            next_server_change_s: 0.0,
            draining: 0,
            next_spot_reclaim_s: 0.0,
            spot_servers: 0,
            scratch: Vec::new(),
            handing: Vec::new(),
            members: Vec::new(),
            fleet_samples: Vec::new(),
            bill: Default::default(),
            census: Vec::new(),
            warmup_s: Vec::new(),
            checked: Vec::new(),
            checks: Vec::new(),
            next_warm_s: f64::INFINITY,
            health_attention: 0,
            fleets_counted: 0,
            noise_memory: systems::traffic::memory(setup.tick_s),
        };
        ctx.tally.quiet = Arc::clone(&ctx.quiet);
        let level = &setup.level;
        let mut source_entities = Vec::with_capacity(sources);
        for (i, s) in level.sources.iter().enumerate() {
            let workload = level
                .workloads
                .iter()
                .position(|w| w.id == s.workload)
                .ok_or_else(|| BuildError::UnknownId(s.workload.clone()))?;
            let mut shapes = s.shapes.clone();
            for e in &level.events {
                if let EventKind::TrafficSpike {
                    source,
                    multiplier,
                    ramp,
                    hold,
                } = &e.what
                    && *source == s.id
                {
                    shapes.push(Shape::Spike {
                        at: e.at,
                        ramp: *ramp,
                        hold: *hold,
                        multiplier: *multiplier,
                    });
                }
            }
            let entity = world.spawn((Order(i as u32), Name(s.id.clone())));
            ctx.sources.push(TrafficSource {
                index: i as u16,
                workload: workload as u16,
                base_rps: s.base_rps,
                shapes,
                noise: s.noise,
                wander: f64::NAN,
                target: None,
                last_rps: 0.0,
                rate_kept: None,
            });
            source_entities.push((s.id.clone(), entity));
        }

        let things: Vec<&Thing> = level
            .preplaced
            .iter()
            .chain(&setup.solution.things)
            .collect();
        let links: Vec<&(String, String)> = level
            .preplaced_links
            .iter()
            .chain(&setup.solution.links)
            .collect();
        for (i, thing) in things.iter().enumerate() {
            let order = Order((sources + i) as u32);
            let name = Name(thing.id().to_string());
            let reached: Vec<usize> = setup
                .reaches
                .get(thing.id())
                .map(|w| w.iter().copied().collect())
                .unwrap_or_default();
            let entity = match thing {
                Thing::LoadBalancer(lb) => {
                    let cat = &setup.catalogue.load_balancer;
                    let balancer = world.spawn((order, name));
                    ctx.balancers.insert(
                        balancer,
                        Balancer {
                            scheme: lb.scheme,
                            algorithm: lb.algorithm,
                            draining_s: lb
                                .draining
                                .map_or(cat.deregistration_delay_s, |d| d.secs()),
                            health_interval_s: lb
                                .health_interval
                                .map_or(cat.health_interval_s, |d| d.secs()),
                            healthy_threshold: lb
                                .healthy_threshold
                                .unwrap_or(cat.healthy_threshold),
                            unhealthy_threshold: cat.unhealthy_threshold,
                            targets: Vec::new(),
                            routed: 0,
                            carry: Vec::new(),
                            weights: Vec::new(),
                            parts: Vec::new(),
                            split: Vec::new(),
                            readings: Vec::new(),
                            read_at: None,
                            routed_kib: 0.0,
                        },
                    );
                    balancer
                }
                Thing::Instance {
                    instance_type,
                    purchase,
                    ..
                } => {
                    let hw = ec2(&setup.catalogue, instance_type)?;
                    let fleet = world.spawn((order, name));
                    ctx.fleets
                        .insert(fleet, new_fleet(&setup, hw, *purchase, &reached));
                    ctx.spawn_server(&mut world, fleet, hw, *purchase, 0.0);
                    fleet
                }
                Thing::AutoScalingGroup(g) => {
                    let hw = ec2(&setup.catalogue, &g.instance_type)?;
                    let group = Group {
                        min: g.min,
                        desired: g.desired.clamp(g.min, g.max.max(g.min)),
                        max: g.max.max(g.min),
                        policies: g.policies.clone(),
                        scheduled: g.scheduled.clone(),
                        warmup_s: g.warmup.map_or(setup.catalogue.ec2.warmup_s, |w| w.secs()),
                        replace_unhealthy: g.replace_unhealthy,
                        window: MetricWindow::default(),
                        low_periods: 0,
                        last_step_change_s: vec![f64::NEG_INFINITY; g.policies.len()],
                        last_scale_in_s: f64::NEG_INFINITY,
                        unplaced_at: None,
                    };
                    let desired = group.desired;
                    let fleet = world.spawn((order, name));
                    ctx.fleets
                        .insert(fleet, new_fleet(&setup, hw, g.purchase, &reached));
                    ctx.groups.insert(fleet, group);
                    for _ in 0..desired {
                        ctx.spawn_server(&mut world, fleet, hw, g.purchase, 0.0);
                    }
                    fleet
                }
                Thing::Queue(q) => {
                    let cat = &setup.catalogue.queue;
                    let queue = world.spawn((order, name));
                    ctx.queues.insert(
                        queue,
                        MessageQueue {
                            visibility_s: q
                                .visibility_timeout
                                .map_or(cat.visibility_timeout_s, |v| v.secs()),
                            retention_s: q.retention.map_or(cat.retention_s, |v| v.secs()),
                            dead_letter_after: q.dead_letter_after,
                            chunks_per_message: reached
                                .iter()
                                .map(|&w| {
                                    (setup.workloads[w].response_kib / cat.kib_per_request).ceil()
                                })
                                .fold(1.0, f64::max),
                            ..MessageQueue::default()
                        },
                    );
                    queue
                }
                Thing::Topic { .. } => {
                    let topic = world.spawn((order, name));
                    ctx.topics.insert(topic, Topic::default());
                    topic
                }
                Thing::ContainerService(spec) => {
                    let hw = Hardware::Task {
                        milli_vcpu: (spec.task_vcpu * 1000.0).round() as u32,
                        memory_mib: (spec.task_memory_gib * 1024.0).round() as u32,
                    };
                    let mut fleet = new_fleet(&setup, hw, Purchase::OnDemand, &reached);
                    let cat = &setup.catalogue.containers;
                    fleet.boot_s = match spec.capacity {
                        crate::format::solution::Capacity::Fargate => cat.fargate_task_start_s,
                        crate::format::solution::Capacity::Ec2(_) => cat.ec2_task_start_s,
                    };
                    let group = Group {
                        min: spec.min,
                        desired: spec.desired.clamp(spec.min, spec.max.max(spec.min)),
                        max: spec.max.max(spec.min),
                        policies: spec.policies.clone(),
                        scheduled: Vec::new(),
                        warmup_s: 0.0,
                        replace_unhealthy: true,
                        window: MetricWindow::default(),
                        low_periods: 0,
                        last_step_change_s: vec![f64::NEG_INFINITY; spec.policies.len()],
                        last_scale_in_s: f64::NEG_INFINITY,
                        unplaced_at: None,
                    };
                    let eks = spec.orchestrator == crate::format::solution::Orchestrator::Eks;
                    let service = world.spawn((order, name, ContainerService { eks }));
                    ctx.fleets.insert(service, fleet);
                    ctx.groups.insert(service, group);
                    service
                }
                Thing::Function(spec) => {
                    let cat = &setup.catalogue.lambda;
                    // CPU grows with memory; one request uses at most one vCPU's worth.
                    let cpu = (f64::from(spec.memory_mb) / cat.mb_per_vcpu).min(1.0);
                    let run_s = setup
                        .workloads
                        .iter()
                        .map(|w| {
                            if w.class == WorkClass::Gpu {
                                f64::INFINITY
                            } else {
                                w.work_s / cpu
                            }
                        })
                        .collect();
                    let usd_per_gb_s = match spec.arch {
                        crate::format::solution::Arch::X86 => cat.usd_per_gb_second_x86,
                        crate::format::solution::Arch::Arm => cat.usd_per_gb_second_arm,
                    };
                    let function = world.spawn((order, name));
                    ctx.functions.insert(
                        function,
                        Function {
                            limit: spec.reserved_concurrency.unwrap_or(cat.account_concurrency),
                            memory_mb: spec.memory_mb,
                            usd_per_gb_s,
                            timeout_s: spec
                                .timeout
                                .map_or(cat.default_timeout_s, |t| t.secs())
                                .min(cat.max_timeout_s),
                            run_s,
                            reached: reached.clone(),
                            ..Function::default()
                        },
                    );
                    function
                }
                Thing::OnPremises { model, servers, .. } => {
                    let (index, _) = setup
                        .catalogue
                        .server_model(model)
                        .ok_or_else(|| BuildError::UnknownCatalogueEntry(model.clone()))?;
                    let hw = Hardware::OnPrem(index);
                    let fleet = world.spawn((order, name, OnPremises));
                    ctx.fleets
                        .insert(fleet, new_fleet(&setup, hw, Purchase::OnDemand, &reached));
                    for _ in 0..*servers {
                        ctx.spawn_server(&mut world, fleet, hw, Purchase::OnDemand, 0.0);
                    }
                    fleet
                }
            };
            ctx.things.push((thing.id().to_string(), entity));
        }
        ctx.inboxes = Inboxes::of(ctx.things.iter().map(|&(_, e)| e));

        for (from, to) in links.iter().copied() {
            let target = ctx
                .thing(to)
                .ok_or_else(|| BuildError::UnknownId(to.clone()))?;
            if let Some(i) = source_entities.iter().position(|(id, _)| id == from) {
                ctx.sources[i].target = Some(target);
                continue;
            }
            let origin = ctx
                .thing(from)
                .ok_or_else(|| BuildError::UnknownId(from.clone()))?;
            if let Some(queue) = ctx.queues.get_mut(origin) {
                queue.consumer = Some(target);
                if let Some(function) = ctx.functions.get_mut(target) {
                    function.polls = true;
                }
                if let Some(fleet) = ctx.fleets.get_mut(target) {
                    fleet.fed_by = Some(origin);
                }
                continue;
            }
            if let Some(fleet) = ctx.fleets.get_mut(origin) {
                fleet.downstream = Some(target);
                continue;
            }
            if let Some(function) = ctx.functions.get_mut(origin) {
                function.downstream = Some(target);
                continue;
            }
            if let Some(topic) = ctx.topics.get_mut(origin) {
                // Queues and functions are delivered to for free (a function asynchronously);
                // servers and load balancers are HTTP endpoints.
                let http = !ctx.queues.contains(target) && !ctx.functions.contains(target);
                if let Some(function) = ctx.functions.get_mut(target) {
                    function.asynchronous = true;
                }
                topic.subscribers.push(Subscriber {
                    entity: target,
                    http,
                    retrying: Default::default(),
                });
                continue;
            }
            let checks = match ctx.balancers.get_mut(origin) {
                Some(lb) => {
                    lb.targets.push(target);
                    Some((
                        HealthChecks {
                            interval_s: lb.health_interval_s,
                            healthy_threshold: lb.healthy_threshold,
                            unhealthy_threshold: lb.unhealthy_threshold,
                        },
                        lb.draining_s,
                    ))
                }
                None => None,
            };
            if let (Some((checks, draining_s)), Some(fleet)) = (checks, ctx.fleets.get_mut(target))
                && fleet.checks.is_none()
            {
                fleet.checks = Some(checks);
                fleet.draining_s = draining_s;
            }
        }

        let mut actions = setup.solution.actions.clone();
        actions.sort_by(|a, b| a.at.secs().total_cmp(&b.at.secs()));
        ctx.actions = actions;
        let mut events: Vec<(f64, EventKind)> = level
            .events
            .iter()
            .map(|e| (e.at.secs(), e.what.clone()))
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        ctx.events = events;

        // Container services on EC2 find their hosts, then start with their tasks running.
        for thing in &things {
            let Thing::ContainerService(spec) = thing else {
                continue;
            };
            let Some(service) = ctx.thing(&spec.id) else {
                continue;
            };
            if let crate::format::solution::Capacity::Ec2(cluster) = &spec.capacity {
                let host = ctx
                    .thing(cluster)
                    .ok_or_else(|| BuildError::UnknownId(cluster.clone()))?;
                if let Some(fleet) = ctx.fleets.get_mut(service) {
                    fleet.capacity = Some(host);
                }
            }
            let desired = ctx.groups.get(service).map_or(0, |g| g.desired);
            for _ in 0..desired {
                systems::containers::launch(&mut world, &mut ctx, service, 0.0);
            }
        }
        ctx.flow = flow_order(&world, &ctx.things, &links)
            .into_iter()
            .map(|e| (e, systems::flow::step_of(&ctx, e)))
            .collect();
        // Fleets keep the slots their servers were given; the rest follow.
        let mut fleets = std::mem::take(&mut ctx.kinds.fleets);
        // Every store holds its things in file order, their things' order.
        for (f, _) in ctx.fleets.iter() {
            if !fleets.contains(&f) {
                fleets.push(f);
            }
        }
        ctx.warmup_s = fleets
            .iter()
            .map(|&f| ctx.groups.get(f).map_or(0.0, |g| g.warmup_s))
            .collect();
        ctx.checked = fleets
            .iter()
            .map(|&f| ctx.fleets.get(f).is_some_and(|f| f.checks.is_some()))
            .collect();
        ctx.checks = fleets
            .iter()
            .map(|&f| ctx.fleets.get(f).and_then(|f| f.checks))
            .collect();
        ctx.census = vec![Default::default(); fleets.len()];
        let groups: Vec<Entity> = ctx.groups.iter().map(|(e, _)| e).collect();
        ctx.kinds = Kinds {
            group_feeds: groups
                .iter()
                .map(|&g| ctx.fleets.get(g).and_then(|f| f.fed_by))
                .collect(),
            groups,
            services: systems::ordered::<ContainerService>(&world),
            sampled: ctx
                .things
                .iter()
                .enumerate()
                .filter_map(|(i, &(_, e))| {
                    let slot = fleets.iter().position(|&f| f == e);
                    (slot.is_some() || ctx.functions.contains(e)).then_some((i as u16, e, slot))
                })
                .collect(),
            fleets,
            eks_clusters: 0,
        };
        ctx.kinds.eks_clusters =
            systems::billing::eks_clusters(&world, &ctx.fleets, &ctx.kinds.services);
        let metrics = Metrics::new(&setup);
        let mut sim = Sim {
            world,
            ctx,
            metrics,
        };
        systems::service::refresh_fleets(&mut sim.world, &mut sim.ctx);
        sim.ctx.demand_mean = systems::traffic::mean_demand(&sim.ctx);
        Ok(sim)
    }

    /// The run's latency and wait distributions so far.
    pub fn times(&self) -> &crate::sim::station::Times {
        &self.ctx.tally.times
    }

    /// Whether the run is over: the level has ended and what was in flight
    /// has drained (finished, or past its deadline or timeout).
    pub fn finished(&self) -> bool {
        let setup = &self.ctx.setup;
        self.ctx.tick >= setup.ticks
            && (self.ctx.tick >= setup.ticks.saturating_add(setup.drain_ticks) || self.drained())
    }

    /// Whether the level's time is over and the run only drains.
    pub fn draining(&self) -> bool {
        self.ctx.tick >= self.ctx.setup.ticks
    }

    /// Nothing in flight anywhere.
    fn drained(&self) -> bool {
        self.metrics.last_streams().iter().all(|s| s.pending == 0)
    }

    /// Runs one tick of every system, in a fixed order.
    pub fn step(&mut self) {
        if self.finished() {
            return;
        }
        let (world, ctx) = (&mut self.world, &mut self.ctx);
        ctx.tally.begin_tick();
        ctx.arrived.iter_mut().for_each(|a| *a = 0);

        systems::script::apply_due(world, ctx);
        systems::lifecycle::advance(world, ctx);
        systems::containers::orphans(world, ctx);
        systems::health::check(world, ctx);
        systems::autoscaling::evaluate(world, ctx);
        systems::service::refresh_fleets(world, ctx);
        systems::traffic::arrive(ctx);
        systems::flow::run(ctx);
        systems::coupling::resolve(ctx);
        systems::coupling::undelivered(ctx);
        systems::billing::accrue(ctx);
        systems::lifecycle::remove_terminated(world, ctx);

        systems::observe::record(ctx, &mut self.metrics);
        ctx.tick += 1;
        ctx.now_s = ctx.tick as f64 * ctx.setup.tick_s;
        if self.finished() {
            // Reads would do it on a copy each time: a finished run does it once.
            self.ctx.tally.times.settle();
        }
    }

    /// Runs to the end of the level.
    pub fn run_to_end(&mut self) {
        while !self.finished() {
            self.step();
        }
    }

    /// Applies a player action now (from the screen); it is logged for replay.
    pub fn act(&mut self, action: Action) {
        let at = crate::format::time::ClockTime(self.ctx.now_s);
        systems::script::apply_action(&mut self.world, &mut self.ctx, &action);
        self.ctx.changed();
        self.ctx
            .actions
            .insert(self.ctx.next_action, TimedAction { at, action });
        self.ctx.next_action += 1;
    }
}

fn ec2(catalogue: &Catalogue, name: &str) -> Result<Hardware, BuildError> {
    catalogue
        .instance_type(name)
        .map(|(i, _)| Hardware::Ec2(i))
        .ok_or_else(|| BuildError::UnknownCatalogueEntry(name.to_string()))
}

/// Things in the order requests flow through them (links form no loop:
/// `peakload check` refuses one), ties broken by file order.
fn flow_order(
    world: &World,
    things: &[(String, Entity)],
    links: &[&(String, String)],
) -> Vec<Entity> {
    let ids: Vec<&str> = things.iter().map(|(id, _)| id.as_str()).collect();
    let mut incoming: Vec<usize> = ids
        .iter()
        .map(|id| {
            links
                .iter()
                .filter(|(f, t)| t == id && ids.contains(&f.as_str()))
                .count()
        })
        .collect();
    let mut order = Vec::with_capacity(ids.len());
    let mut placed = vec![false; ids.len()];
    while order.len() < ids.len() {
        // The first thing in file order with nothing left upstream; on a loop, the first left.
        let next = (0..ids.len())
            .find(|&i| !placed[i] && incoming[i] == 0)
            .or_else(|| (0..ids.len()).find(|&i| !placed[i]));
        let Some(i) = next else { break };
        placed[i] = true;
        order.push(i);
        for (f, t) in links {
            if f == ids[i]
                && let Some(j) = ids.iter().position(|id| id == t)
            {
                incoming[j] = incoming[j].saturating_sub(1);
            }
        }
    }
    order
        .into_iter()
        .map(|i| things[i].1)
        .filter(|e| world.contains(*e))
        .collect()
}

fn new_fleet(setup: &Setup, hw: Hardware, purchase: Purchase, reached: &[usize]) -> Fleet {
    let (terms, slots_per_server, hold_per_server) = fleet_terms(setup, hw, reached);
    Fleet {
        hardware: hw,
        purchase,
        terms,
        reached: reached.to_vec(),
        slots_per_server,
        hold_per_server,
        station: Default::default(),
        sharing: crate::sim::station::Sharing::Pooled,
        checks: None,
        draining_s: 0.0,
        census: Default::default(),
        downstream: None,
        fed_by: None,
        boot_s: setup.catalogue.ec2.boot_s,
        capacity: None,
        busy_s: 0.0,
        received: 0,
        failed_carry: [0.0; 2],
    }
}
