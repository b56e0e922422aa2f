//! View: what every placed thing, source and link is doing after the last
//! tick, for the board. Read-only, deterministic (things in file order,
//! sums over servers are whole counts), and cheap enough to call every
//! frame: one pass over the servers, one look at each thing, and no
//! allocation beyond the returned vectors and their strings.

use crate::format::solution::{Algorithm, Purchase, Scheme, ThingKind};

use super::components::{ContainerService, Function, Hardware, Order, Server, ServerState};
use super::metrics::saturated;
use super::systems::observe::{Load, load};
use super::systems::routing::target_weight;
use super::systems::service::reachable;
use super::world::Sim;

mod readout;

pub use readout::{
    BuildWarning, Readout, Unit, build_warnings, readout, traffic_peak, traffic_preview,
};

/// What one placed thing is doing right now (after the last tick).
#[derive(Debug, Clone, PartialEq)]
pub struct ThingFigures {
    /// The thing's id.
    pub id: String,
    /// What kind of thing it is.
    pub kind: ThingKind,
    /// Servers or tasks in service and taking traffic; for a load balancer,
    /// targets that take traffic; for a function, environments in use (rounded).
    pub in_service: u32,
    /// Desired capacity for groups and container services; for a single
    /// instance 1; for on-premises servers the ones owned or on order.
    pub desired: Option<u32>,
    /// A group's or container service's (min, max).
    pub min_max: Option<(u32, u32)>,
    /// Servers booting or on order, and servers up but not yet passing the
    /// load balancer's health checks (they take no traffic yet).
    pub booting: u32,
    /// Servers leaving with requests still in hand (connection draining).
    pub draining: u32,
    /// Servers failed (noticed or not) or down with their tier.
    pub failed: u32,
    /// Whether an instance is stopped for a resize.
    pub resizing: bool,
    /// Whether the tier is down because of a scripted outage.
    pub down: bool,
    /// Share of serving capacity busy in the last tick, 0..=1 (None if it serves nothing).
    pub utilisation: Option<f64>,
    /// Requests that reached it in the last tick, per second.
    pub rps_in: f64,
    /// Requests waiting in its line (fleets); throttled events awaiting a retry
    /// (functions); deliveries awaiting a retry (topics).
    pub waiting: u64,
    /// Messages in a queue (visible and in flight).
    pub backlog: Option<u64>,
    /// A function's environments in use and its concurrency limit.
    pub concurrency: Option<(f64, u32)>,
    /// Requests it refused in the last tick, where known (see [`Sim::figures`]).
    pub refused_last_tick: u64,
    /// Instance type, server model, task size or memory, for the box's second line.
    pub detail: String,
    /// Whether it is overloaded (see [`Sim::figures`] for the rule).
    pub overloaded: bool,
}

impl ThingFigures {
    fn empty(id: &str, kind: ThingKind) -> Self {
        Self {
            id: id.to_string(),
            kind,
            in_service: 0,
            desired: None,
            min_max: None,
            booting: 0,
            draining: 0,
            failed: 0,
            resizing: false,
            down: false,
            utilisation: None,
            rps_in: 0.0,
            waiting: 0,
            backlog: None,
            concurrency: None,
            refused_last_tick: 0,
            detail: String::new(),
            overloaded: false,
        }
    }
}

impl Sim {
    /// Live figures of every placed thing: the level's pre-placed things, then
    /// the solution's, in file order.
    ///
    /// Overloaded means: a fleet that is saturated ([`super::metrics::saturated`]:
    /// ≥ 95% busy, or more requests waiting than it can serve at once) or that
    /// gets traffic with no server to serve it while not down; a queue whose
    /// backlog grew and holds more than its consumer took in the tick; a
    /// function that throttled or is at its concurrency limit.
    ///
    /// Refused is known for fleets (traffic with no server to take it, and the
    /// share sent to failed servers nobody noticed), load balancers (traffic
    /// with no target at all) and functions (throttles); topics and queues
    /// report 0.
    pub fn figures(&self) -> Vec<ThingFigures> {
        let setup = &self.ctx.setup;
        let world = &self.world;
        let fleets = &self.ctx.fleets;
        let functions = &self.ctx.functions;
        let tick_s = self.ctx.tick_s();
        let first = setup.level.sources.len();
        let mut out: Vec<ThingFigures> = setup
            .level
            .preplaced
            .iter()
            .chain(&setup.solution.things)
            .zip(&self.ctx.things)
            .map(|(thing, (id, _))| ThingFigures::empty(id, thing.kind()))
            .collect();

        // One pass over the servers, each counted on its fleet's figures
        // (a thing's order is the number of sources plus its index).
        for server in world.query::<&Server>().iter() {
            let Ok(fleet) = world.entity(server.fleet) else {
                continue;
            };
            let Some(index) = fleet
                .get::<&Order>()
                .and_then(|o| (o.0 as usize).checked_sub(first))
            else {
                continue;
            };
            let checks = fleets.get(server.fleet).is_some_and(|f| f.checks.is_some());
            let Some(f) = out.get_mut(index) else {
                continue;
            };
            match server.state {
                ServerState::Pending { .. } => f.booting += 1,
                ServerState::InService if reachable(server, checks) => f.in_service += 1,
                ServerState::InService => f.booting += 1,
                ServerState::Failed { .. } => f.failed += 1,
                ServerState::Down { .. } => {
                    f.failed += 1;
                    f.down = true;
                }
                ServerState::Resizing { .. } => f.resizing = true,
                ServerState::Draining { .. } => f.draining += 1,
                ServerState::Terminated => {}
            }
        }

        for (f, (_, entity)) in out.iter_mut().zip(&self.ctx.things) {
            let Ok(thing) = world.entity(*entity) else {
                continue;
            };
            if let Some(fleet) = fleets.get(*entity) {
                let group = self.ctx.groups.get(*entity);
                f.desired = match (&group, f.kind) {
                    (Some(g), _) => Some(g.desired),
                    (None, ThingKind::Instance) => Some(1),
                    (None, _) => Some(f.in_service + f.booting + f.failed + f.draining),
                };
                f.min_max = group.as_ref().map(|g| (g.min, g.max));
                let Load {
                    slots, utilisation, ..
                } = load(fleet, tick_s);
                // Container hosts and unlinked fleets serve nothing.
                f.utilisation = (!fleet.reached.is_empty()).then_some(utilisation);
                // Messages a queue hands its consumer skip the inbox: count them too.
                let from_queue = fleet
                    .fed_by
                    .and_then(|q| self.ctx.queues.get(q).map(|q| q.received))
                    .unwrap_or(0);
                f.rps_in = (fleet.received + from_queue) as f64 / tick_s;
                f.waiting = fleet.station.waiting();
                let census = fleet.census;
                f.refused_last_tick = if census.reachable() == 0 {
                    fleet.received
                } else {
                    // The share service sent to failed servers, as service splits it.
                    (fleet.received as f64 * f64::from(census.failed_reachable)
                        / f64::from(census.reachable()))
                    .round() as u64
                };
                f.overloaded = saturated(utilisation, f.waiting, slots)
                    || (slots == 0 && fleet.received > 0 && !f.down);
                f.detail = hardware_label(
                    self,
                    fleet.hardware,
                    fleet.purchase,
                    thing.get::<&ContainerService>().map(|c| c.eks),
                    fleet.capacity.is_some(),
                );
            } else if let Some(lb) = self.ctx.balancers.get(*entity) {
                f.rps_in = lb.routed as f64 / tick_s;
                f.in_service = lb
                    .targets
                    .iter()
                    .filter(|&&t| target_weight(fleets, functions, t, lb.algorithm, false) > 0.0)
                    .count() as u32;
                // Routing fails open to unhealthy targets; only with none at all are requests refused.
                let open: f64 = lb
                    .targets
                    .iter()
                    .map(|&t| target_weight(fleets, functions, t, lb.algorithm, true))
                    .sum();
                if open <= 0.0 {
                    f.refused_last_tick = lb.routed;
                }
                f.detail = format!(
                    "{}, {}",
                    match lb.scheme {
                        Scheme::InternetFacing => "internet-facing",
                        Scheme::Internal => "internal",
                    },
                    match lb.algorithm {
                        Algorithm::RoundRobin => "round robin",
                        Algorithm::LeastOutstanding => "least outstanding",
                    }
                );
            } else if let Some(q) = self.ctx.queues.get(*entity) {
                let backlog = q.backlog();
                f.rps_in = q.sent as f64 / tick_s;
                f.backlog = Some(backlog);
                f.overloaded = q.sent > q.received && backlog > q.received;
                f.detail = "SQS".to_string();
            } else if let Some(t) = self.ctx.topics.get(*entity) {
                f.rps_in = t.published as f64 / tick_s;
                f.waiting = t
                    .subscribers
                    .iter()
                    .flat_map(|s| s.retrying.iter())
                    .map(|c| c.count)
                    .sum();
                f.detail = format!("SNS, {} subscribers", t.subscribers.len());
            } else if let Some(func) = functions.get(*entity) {
                f.in_service = func.concurrency.round() as u32;
                f.concurrency = Some((func.concurrency, func.limit));
                f.utilisation = Some(if func.limit > 0 {
                    (func.concurrency / f64::from(func.limit)).min(1.0)
                } else {
                    0.0
                });
                f.rps_in = self.function_inbound(&f.id, func) / tick_s;
                f.waiting = func.retrying.iter().map(|c| c.count).sum();
                // Counted per attempt, as CloudWatch's Throttles metric counts them.
                f.refused_last_tick = func.throttled;
                f.overloaded = func.throttled > 0
                    || (func.limit > 0 && func.concurrency + 1e-9 >= f64::from(func.limit));
                f.detail = format!("{} MB", func.memory_mb);
            }
        }
        out
    }

    /// Per source of the level, in file order: its id and the requests per
    /// second it offered in the last tick (its rate with noise, before the
    /// Poisson draw).
    pub fn source_rates(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = self
            .ctx
            .setup
            .level
            .sources
            .iter()
            .map(|s| (s.id.clone(), 0.0))
            .collect();
        for s in &self.ctx.sources {
            if let Some(slot) = out.get_mut(usize::from(s.index)) {
                slot.1 = s.last_rps;
            }
        }
        out
    }

    /// Requests per second that flowed along each link in the last tick, for
    /// every link of the level and the solution in file order.
    ///
    /// Exact (to whole requests) for links out of a source (its arrivals), a
    /// queue (messages its consumer received) and a topic (copies delivered;
    /// HTTP/S deliveries split evenly between HTTP/S subscribers). Out of a
    /// load balancer it is what it routed split by the shares routing used
    /// (recomputed from the same census, so exact but for rounding). Out of a
    /// fleet or function (the calls its finished requests made) it is an
    /// estimate: what the far end received, less what the exact links brought
    /// it, split between such callers in proportion to the requests each received.
    pub fn link_rates(&self) -> Vec<((String, String), f64)> {
        let setup = &self.ctx.setup;
        let tick_s = self.ctx.tick_s();
        let links = || {
            setup
                .level
                .preplaced_links
                .iter()
                .chain(&setup.solution.links)
        };
        let mut out = Vec::with_capacity(links().count());
        for (from, to) in links() {
            let count = match self.exact_flow(from, to) {
                Some(n) => n,
                None => {
                    let mut others = 0.0;
                    let mut callers = 0.0;
                    let mut mine = 0.0;
                    let mut n = 0.0;
                    for (f, t) in links().filter(|(_, t)| t == to) {
                        match self.exact_flow(f, t) {
                            Some(x) => others += x,
                            None => {
                                let got = self.inbound(f);
                                callers += got;
                                n += 1.0;
                                if f == from {
                                    mine = got;
                                }
                            }
                        }
                    }
                    let left = (self.inbound(to) - others).max(0.0);
                    let share = if callers > 0.0 {
                        mine / callers
                    } else {
                        1.0 / f64::max(n, 1.0)
                    };
                    left * share
                }
            };
            out.push(((from.clone(), to.clone()), count / tick_s));
        }
        out
    }

    /// Requests that flowed along a link whose origin hands them on itself
    /// (source, load balancer, queue, topic) in the last tick; None when the
    /// origin is a fleet or function, whose calls are not counted per link.
    fn exact_flow(&self, from: &str, to: &str) -> Option<f64> {
        let Some(target) = self.ctx.thing(to) else {
            return Some(0.0);
        };
        if let Some(i) = self
            .ctx
            .setup
            .level
            .sources
            .iter()
            .position(|s| s.id == from)
        {
            let linked = self
                .ctx
                .sources
                .iter()
                .any(|s| usize::from(s.index) == i && s.target == Some(target));
            let arrived = self.metrics.last_streams().get(i).map_or(0, |s| s.arrived);
            return Some(if linked { arrived as f64 } else { 0.0 });
        }
        let origin = self.ctx.thing(from)?;
        if let Some(lb) = self.ctx.balancers.get(origin) {
            let weigh = |open: bool| -> (f64, f64) {
                lb.targets.iter().fold((0.0, 0.0), |(all, mine), &t| {
                    let w =
                        target_weight(&self.ctx.fleets, &self.ctx.functions, t, lb.algorithm, open);
                    (all + w, if t == target { mine + w } else { mine })
                })
            };
            let (all, mine) = match weigh(false) {
                (all, _) if all <= 0.0 => weigh(true),
                w => w,
            };
            return Some(if all > 0.0 {
                lb.routed as f64 * mine / all
            } else {
                0.0
            });
        }
        if let Some(q) = self.ctx.queues.get(origin) {
            return Some(if q.consumer == Some(target) {
                q.received as f64
            } else {
                0.0
            });
        }
        if let Some(t) = self.ctx.topics.get(origin) {
            let http = t.subscribers.iter().filter(|s| s.http).count().max(1) as f64;
            return Some(
                t.subscribers
                    .iter()
                    .filter(|s| s.entity == target)
                    .map(|s| {
                        if s.http {
                            t.http_delivered as f64 / http
                        } else {
                            t.published as f64
                        }
                    })
                    .sum(),
            );
        }
        None
    }

    /// Requests that reached a thing in the last tick.
    fn inbound(&self, id: &str) -> f64 {
        let Some(thing) = self.ctx.thing(id) else {
            return 0.0;
        };
        if let Some(f) = self.ctx.fleets.get(thing) {
            let from_queue = f
                .fed_by
                .and_then(|q| self.ctx.queues.get(q).map(|q| q.received))
                .unwrap_or(0);
            return (f.received + from_queue) as f64;
        }
        if let Some(lb) = self.ctx.balancers.get(thing) {
            return lb.routed as f64;
        }
        if let Some(q) = self.ctx.queues.get(thing) {
            return q.sent as f64;
        }
        if let Some(t) = self.ctx.topics.get(thing) {
            return t.published as f64;
        }
        if let Some(f) = self.ctx.functions.get(thing) {
            return self.function_inbound(id, f);
        }
        0.0
    }

    /// Requests that reached a function in the last tick. Synchronous
    /// invocations are started or throttled at once; asynchronous ones (from
    /// topics) are retried tick after tick, so attempts overstate them and
    /// the topics' deliveries are counted instead.
    fn function_inbound(&self, id: &str, f: &Function) -> f64 {
        if !f.asynchronous {
            return (f.invoked + f.throttled) as f64;
        }
        let setup = &self.ctx.setup;
        setup
            .level
            .preplaced_links
            .iter()
            .chain(&setup.solution.links)
            .filter(|(_, to)| to == id)
            .filter_map(|(from, to)| self.exact_flow(from, to))
            .sum()
    }
}

/// The box's second line for a fleet: what its servers are and how they are bought.
fn hardware_label(
    sim: &Sim,
    hardware: Hardware,
    purchase: Purchase,
    eks: Option<bool>,
    on_ec2: bool,
) -> String {
    let cat = &sim.ctx.setup.catalogue;
    match hardware {
        Hardware::Ec2(i) => {
            let name = cat.instance_types.get(i).map_or("?", |t| t.name.as_str());
            match purchase {
                Purchase::OnDemand => name.to_string(),
                Purchase::Spot => format!("{name} spot"),
                Purchase::DedicatedHost => format!("{name} dedicated"),
            }
        }
        Hardware::OnPrem(i) => cat
            .on_prem_servers
            .get(i)
            .map_or("?", |m| m.name.as_str())
            .to_string(),
        Hardware::Task {
            milli_vcpu,
            memory_mib,
        } => format!(
            "{} {} {} vCPU {} GB",
            if eks == Some(true) { "EKS" } else { "ECS" },
            if on_ec2 { "EC2" } else { "Fargate" },
            f64::from(milli_vcpu) / 1000.0,
            f64::from(memory_mib) / 1024.0
        ),
    }
}

/// Why a box on the board is red, in the terms the player can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// More work arrives than its servers can serve.
    OverCapacity,
    /// Traffic arrives and nothing healthy is there to take it.
    NoHealthyTarget,
    /// A function turned invocations away at its concurrency limit.
    Throttled,
    /// A queue fills and nothing reads it.
    NoConsumer,
    /// A queue grows faster than its consumer reads it.
    Backlog,
    /// The tier is down (a scripted outage).
    Down,
}

impl ThingFigures {
    /// Why the box is red, if it is (see [`Sim::figures`] for when it is overloaded).
    pub fn trouble(&self, has_consumer: bool) -> Option<Trouble> {
        if self.down {
            return Some(Trouble::Down);
        }
        if !self.overloaded && self.refused_last_tick == 0 {
            return None;
        }
        Some(match self.kind {
            ThingKind::Queue if !has_consumer => Trouble::NoConsumer,
            ThingKind::Queue => Trouble::Backlog,
            ThingKind::Function => Trouble::Throttled,
            ThingKind::LoadBalancer => Trouble::NoHealthyTarget,
            _ if self.in_service == 0 => Trouble::NoHealthyTarget,
            _ => Trouble::OverCapacity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{SourceFile, check_texts};
    use crate::sim::Setup;

    /// A bundled level with its reference or naive solution, run up to `until_s`.
    fn sim_at(level: &str, which: &str, until_s: f64) -> Sim {
        let (level_file, text) = crate::sim::testdata::level_and_solution(level, which);
        let checked = check_texts(
            level_file,
            Some(SourceFile::new(format!("{which}.ron"), text)),
        )
        .expect("test files check");
        let solution = checked.solution.clone().map(|(s, _)| s).unwrap_or_default();
        let setup = Setup::new(checked.catalogue, checked.level, solution, None);
        let mut sim = Sim::new(setup).expect("builds");
        while sim.ctx.now_s < until_s {
            sim.step();
        }
        sim
    }

    fn find<'a>(figures: &'a [ThingFigures], id: &str) -> &'a ThingFigures {
        figures
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no figures for {id}"))
    }

    fn rate(links: &[((String, String), f64)], from: &str, to: &str) -> f64 {
        links
            .iter()
            .find(|((f, t), _)| f == from && t == to)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("no link {from} -> {to}"))
    }

    #[test]
    fn a_scaling_group_mid_spike_shows_its_capacity_and_load() {
        // 13:10, ten minutes into the flash sale.
        let sim = sim_at("day", "reference", 47_400.0);
        let figures = sim.figures();
        assert_eq!(
            figures.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["shop-lb", "shop"]
        );
        let shop = find(&figures, "shop");
        println!("{shop:?}");
        assert_eq!(shop.kind, ThingKind::AutoScalingGroup);
        assert_eq!(shop.detail, "c5.large");
        assert_eq!(shop.min_max, Some((4, 60)));
        // Scaled out to its maximum, all sixty in service.
        assert_eq!((shop.in_service, shop.desired), (60, Some(60)));
        assert_eq!((shop.booting, shop.draining, shop.failed), (0, 0, 0));
        assert!(!shop.down && !shop.resizing && !shop.overloaded);
        let u = shop.utilisation.expect("it serves");
        // About half busy: the sale's traffic over sixty instances.
        assert!((0.0..=1.0).contains(&u) && (u - 0.45).abs() < 0.03, "{u}");

        let lb = find(&figures, "shop-lb");
        println!("{lb:?}");
        assert_eq!(lb.kind, ThingKind::LoadBalancer);
        assert_eq!(lb.detail, "internet-facing, round robin");
        assert_eq!((lb.in_service, lb.utilisation), (1, None));

        // Everything the source sent went through the balancer to the group.
        let arrived = sim.metrics.last_streams()[0].arrived as f64;
        assert_eq!(lb.rps_in, arrived);
        assert_eq!(shop.rps_in, arrived);
        let links = sim.link_rates();
        println!("{links:?}");
        assert_eq!(rate(&links, "buyers", "shop-lb"), arrived);
        assert_eq!(rate(&links, "shop-lb", "shop"), arrived);

        // 1000/s × the day's rhythm at 13:10 (0.62) × the sale (2.5), with 5% noise.
        let sources = sim.source_rates();
        println!("{sources:?}");
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].0, "buyers");
        assert!(
            (sources[0].1 / 1_550.0 - 1.0).abs() < 0.2,
            "{}",
            sources[0].1
        );
    }

    #[test]
    fn a_fixed_fleet_in_the_evening_is_overloaded() {
        let sim = sim_at("day", "naive", 19.0 * 3600.0);
        let figures = sim.figures();
        let shop = find(&figures, "shop");
        println!("{shop:?}");
        assert_eq!(
            (shop.in_service, shop.desired, shop.min_max),
            (12, Some(12), Some((12, 12)))
        );
        assert!(shop.utilisation.is_some_and(|u| u > 0.999), "{shop:?}");
        assert!(shop.overloaded);
        assert!(
            shop.waiting > 24,
            "more waiting than its 24 vCPUs serve at once"
        );
    }

    #[test]
    fn during_an_outage_the_queue_grows_and_the_consumer_is_down() {
        // 01:05, five minutes into fulfilment's ten-minute outage.
        let sim = sim_at("08", "reference", 3_900.0);
        let figures = sim.figures();
        let fulfilment = find(&figures, "fulfilment");
        let orders = find(&figures, "orders");
        println!("{fulfilment:?}\n{orders:?}");
        assert!(fulfilment.down);
        assert_eq!(fulfilment.in_service, 0);
        assert_eq!(fulfilment.failed, fulfilment.desired.expect("a group"));
        assert_eq!(fulfilment.rps_in, 0.0);
        assert!(!fulfilment.overloaded, "down, not overloaded");
        assert_eq!(orders.detail, "SQS");
        let backlog = orders.backlog.expect("a queue");
        // About 80 orders a second for the five minutes so far.
        assert!((20_000..=28_000).contains(&backlog), "{backlog}");
        assert!(orders.overloaded);
        // Estimated from what the queue took in: every order the shop finished.
        let links = sim.link_rates();
        println!("{links:?}");
        assert_eq!(rate(&links, "shop", "orders"), orders.rps_in);
        assert!((rate(&links, "shop", "orders") - 80.0).abs() < 30.0);
        assert_eq!(rate(&links, "orders", "fulfilment"), 0.0);

        // Tightly coupled, the shop's calls have nowhere to go: its balancer
        // in front of fulfilment has no target left to hand them to.
        let sim = sim_at("08", "naive", 3_900.0);
        let figures = sim.figures();
        let fulfilment = find(&figures, "fulfilment");
        let lb = find(&figures, "fulfilment-lb");
        println!("{fulfilment:?}\n{lb:?}");
        assert!(fulfilment.down);
        assert_eq!(fulfilment.rps_in, 0.0);
        assert!(lb.rps_in > 40.0);
        assert_eq!(lb.refused_last_tick as f64, lb.rps_in);
    }

    #[test]
    fn a_topic_fans_out_and_a_throttled_function_is_overloaded() {
        // 100 events a second, each 1 s of work on a function limited to 20 at once.
        let level = r#"Level(
    id: "fan", title: (en: "fan", ko: "팬"), seed: 5, tick: "1s", duration: "5m",
    workloads: [Workload(id: "event", class: Web, work_ms: 1000.0, memory_mib: 64.0, mode: Async(deadline: "10m"))],
    sources: [Source(id: "s", workload: "event", base_rps: 100.0)],
    palette: (things: [Topic, Queue, Function, Instance]),
    goals: (availability_pct: 10.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
        let solution = r#"Solution(level: "fan", things: [
    Topic(id: "t"), Queue(id: "q"), Instance(id: "worker", type: "c5.4xlarge"),
    Function(id: "f", memory_mb: 1769, reserved_concurrency: 20),
], links: [("s", "t"), ("t", "q"), ("q", "worker"), ("t", "f")])"#;
        let checked = check_texts(
            SourceFile::new("fan/level.ron", level),
            Some(SourceFile::new("fan/solution.ron", solution)),
        )
        .expect("checks");
        let solution = checked.solution.clone().map(|(s, _)| s).unwrap_or_default();
        let mut sim =
            Sim::new(Setup::new(checked.catalogue, checked.level, solution, None)).expect("builds");
        for _ in 0..120 {
            sim.step();
        }
        let figures = sim.figures();
        let f = find(&figures, "f");
        println!("{f:?}");
        assert_eq!(f.detail, "1769 MB");
        let (running, limit) = f.concurrency.expect("a function");
        assert!(limit == 20 && (running - 20.0).abs() < 0.01, "{f:?}");
        assert_eq!(f.in_service, 20);
        assert!(f.utilisation.is_some_and(|u| u > 0.999), "{f:?}");
        assert!(f.overloaded);
        // Twenty a second get in; throttled events wait for a retry.
        assert!(f.refused_last_tick > 0 && f.waiting > 1_000, "{f:?}");
        let published = sim.metrics.last_streams()[0].arrived as f64;
        assert_eq!(f.rps_in, published, "new events, not retries");
        let t = find(&figures, "t");
        assert_eq!(
            (t.rps_in, t.detail.as_str()),
            (published, "SNS, 2 subscribers")
        );
        let links = sim.link_rates();
        println!("{links:?}");
        // Every publish is copied to both subscribers; the queue's consumer takes what it can start.
        assert_eq!(rate(&links, "s", "t"), published);
        assert_eq!(rate(&links, "t", "q"), published);
        assert_eq!(rate(&links, "t", "f"), published);
        let q = find(&figures, "q");
        let worker = find(&figures, "worker");
        assert_eq!(rate(&links, "q", "worker"), worker.rps_in);
        println!("{q:?}\n{worker:?}");
        assert_eq!(worker.detail, "c5.4xlarge");
        assert_eq!(worker.desired, Some(1));
    }
}
