//! The mutable state the systems share each tick, besides the hecs world:
//! the clock, the tick's tally, callers waiting on calls, the roster of
//! servers, random streams and the ledger, and the hot per-tick state kept
//! in plain arrays (the traffic sources, each thing's inbox and working
//! state by kind, the census by fleet slot).

use std::sync::Arc;

use hecs::{Entity, World};
use rand::rngs::ChaCha8Rng;

use crate::format::level::EventKind;
use crate::format::solution::{Purchase, TimedAction};

use super::components::{
    Balancer, Census, Fleet, Function, Group, Hardware, LbHealth, MessageQueue, Server,
    ServerState, Topic, TrafficSource,
};
use super::ledger::Ledger;
use super::log::{Happening, What};
use super::setup::Setup;
use super::station::{Cohort, Tally};

/// Callers waiting on their synchronous calls of one call stream.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Awaiting {
    /// Callers that were in time when they made the call.
    pub ok: u64,
    /// Callers already late when they made the call.
    pub late: u64,
    /// Their latency so far, summed, seconds.
    pub latency_s: f64,
    /// Their wait in line so far, summed, seconds.
    pub wait_s: f64,
}

impl Awaiting {
    /// Callers waiting.
    pub fn count(&self) -> u64 {
        self.ok + self.late
    }
}

/// Requests handed to a thing this tick, not yet routed or served.
#[derive(Debug, Clone, Default)]
pub struct Inbox(pub Vec<Cohort>);

impl Inbox {
    /// Takes what arrived, leaving the inbox empty.
    pub fn take(&mut self) -> Vec<Cohort> {
        std::mem::take(&mut self.0)
    }

    /// Gives back the buffer [`Inbox::take`] took, emptied, so the next tick
    /// needs no new one (unless something arrived meanwhile).
    pub fn give_back(&mut self, mut buffer: Vec<Cohort>) {
        if self.0.is_empty() {
            buffer.clear();
            self.0 = buffer;
        }
    }
}

/// Per-thing state kept beside the world in a plain array, found by entity
/// in two array reads instead of a query: what the flow touches every tick.
/// Things never come or go during a run, so nothing is ever removed.
#[derive(Debug, Clone)]
pub struct ByThing<T> {
    /// The slot of each thing's value, by entity id (`u32::MAX`: none).
    slot: Vec<u32>,
    /// Each value, with its thing's entity, in the order they were put.
    items: Vec<(Entity, T)>,
}

impl<T> Default for ByThing<T> {
    fn default() -> Self {
        ByThing {
            slot: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T> ByThing<T> {
    /// Puts (or replaces) the value of a thing.
    pub fn insert(&mut self, e: Entity, value: T) {
        if let Some(old) = self.get_mut(e) {
            *old = value;
            return;
        }
        let id = e.id() as usize;
        if self.slot.len() <= id {
            self.slot.resize(id + 1, u32::MAX);
        }
        self.slot[id] = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.push((e, value));
    }

    /// The value of a thing; none for anything else.
    pub fn get(&self, e: Entity) -> Option<&T> {
        let slot = *self.slot.get(e.id() as usize)?;
        match self.items.get(slot as usize) {
            Some((owner, value)) if *owner == e => Some(value),
            _ => None,
        }
    }

    /// The value of a thing, to change; none for anything else.
    pub fn get_mut(&mut self, e: Entity) -> Option<&mut T> {
        let slot = *self.slot.get(e.id() as usize)?;
        match self.items.get_mut(slot as usize) {
            Some((owner, value)) if *owner == e => Some(value),
            _ => None,
        }
    }

    /// Whether a thing has a value here.
    pub fn contains(&self, e: Entity) -> bool {
        self.get(e).is_some()
    }

    /// Every thing with its value, in the order they were put.
    pub fn iter(&self) -> impl Iterator<Item = (Entity, &T)> {
        self.items.iter().map(|(e, v)| (*e, v))
    }
}

/// Requests that reached each thing this tick: every step of the flow hands
/// requests on through an inbox.
pub type Inboxes = ByThing<Inbox>;

impl Inboxes {
    /// An empty inbox for each of `things`.
    pub fn of(things: impl IntoIterator<Item = Entity>) -> Inboxes {
        let mut inboxes = Inboxes::default();
        for e in things {
            inboxes.insert(e, Inbox::default());
        }
        inboxes
    }
}

/// The things of each kind, in file order: things never come or go during a
/// run, so systems walk these lists instead of querying the world each tick.
#[derive(Debug, Clone, Default)]
pub struct Kinds {
    /// Auto Scaling groups and container services.
    pub groups: Vec<Entity>,
    /// The queue each of [`Kinds::groups`] reads its backlog from, if any
    /// (links never change during a run).
    pub group_feeds: Vec<Option<Entity>>,
    /// Fleets (anything with servers).
    pub fleets: Vec<Entity>,
    /// Container services.
    pub services: Vec<Entity>,
    /// The things a tick's samples describe, as (thing index, entity, the
    /// fleet's slot in [`Kinds::fleets`] or none for a function), in thing order.
    pub sampled: Vec<(u16, Entity, Option<usize>)>,
    /// EKS control planes billed every hour (see [`super::systems::billing::eks_clusters`]).
    pub eks_clusters: u32,
}

/// Mutable state shared by the systems, besides the world itself.
pub struct Ctx {
    /// The fixed setup.
    pub setup: Arc<Setup>,
    /// Current tick number.
    pub tick: u64,
    /// Start of the current tick, seconds.
    pub now_s: f64,
    /// Outcomes of the current tick.
    pub tally: Tally,
    /// Arrivals of the current tick by stream.
    pub arrived: Vec<u64>,
    /// Callers waiting on a synchronous call, by the call's stream: (ok so far, late so far).
    pub awaiting: Vec<Awaiting>,
    /// Fractions of a call not yet made, by the call's stream (calls per request need not be whole).
    pub carry: Vec<f64>,
    /// Things that pass or serve requests, in the order requests flow
    /// through them, with what each does.
    pub flow: Vec<(Entity, super::systems::flow::Step)>,
    /// Price changes so far: multipliers for on-demand, spot and Dedicated Host rates.
    pub price_factor: [f64; 3],
    /// Streams whose latency the score leaves out (see [`Tally::quiet`]).
    pub quiet: Arc<[bool]>,
    /// Money spent.
    pub ledger: Ledger,
    /// What happened, for the event log.
    pub log: Vec<Happening>,
    /// Next server serial.
    pub next_serial: u32,
    /// Every server as (server, its fleet), in serial order: kept as servers
    /// come and go so that no system sorts them every tick.
    pub roster: Vec<(Entity, Entity)>,
    /// The traffic sources, by their index in the level: their draws move
    /// every tick, so they live here rather than in the world.
    pub sources: Vec<TrafficSource>,
    /// One random stream per source, so one source's draws never shift another's.
    pub traffic_rng: Vec<ChaCha8Rng>,
    /// Random stream for spot reclaims.
    pub spot_rng: ChaCha8Rng,
    /// The level's mean demand (requests a second, every source, no noise),
    /// against which a peak that starts a wave of spot reclaims is measured.
    pub demand_mean: f64,
    /// Whether demand is above the wave threshold (a wave starts on the way up).
    pub demand_high: bool,
    /// Lambda duration charged this tick at list price, before Savings Plans.
    pub lambda_duration_usd: f64,
    /// Random stream for the victims of scripted failures and reclaims, so
    /// no listing order decides who is hit.
    pub event_rng: ChaCha8Rng,
    /// Player actions in time order, with the index of the next due.
    pub actions: Vec<TimedAction>,
    /// Index of the next due action.
    pub next_action: usize,
    /// Scripted events in time order.
    pub events: Vec<(f64, EventKind)>,
    /// Index of the next due event.
    pub next_event: usize,
    /// Entities by thing id, in file order.
    pub things: Vec<(String, Entity)>,
    /// What reached each thing this tick.
    pub inboxes: Inboxes,
    /// Each fleet (anything with servers): its line, its servers' terms and
    /// its links. Kept here rather than in the world, where every tick's many
    /// lookups of it cost more than the rest of the query machinery gives.
    pub fleets: ByThing<Fleet>,
    /// Each load balancer: its targets, their readings and what it routed
    /// (beside the world, as the fleets are).
    pub balancers: ByThing<Balancer>,
    /// Each Lambda function: its environments, what runs and what it was
    /// asked (beside the world, as the fleets are).
    pub functions: ByThing<Function>,
    /// Each topic: its subscribers and their retries (beside the world, as
    /// the fleets are).
    pub topics: ByThing<Topic>,
    /// Each Auto Scaling group and container service: its size, bounds,
    /// policies and metric window (beside the world, as the fleets are).
    pub groups: ByThing<Group>,
    /// Each queue: its messages and counts (beside the world, as the fleets are).
    pub queues: ByThing<MessageQueue>,
    /// The things of each kind.
    pub kinds: Kinds,
    /// Whether a server came, went, or changed state, health or hardware
    /// since the fleets were last counted: census, health checks and billing
    /// have nothing to redo while nothing changed.
    pub roster_changed: bool,
    /// Whether a terminated server waits to be removed at the tick's end.
    pub ended: bool,
    /// Whether a server changed since the lifecycle last looked at them all.
    pub lifecycle_dirty: bool,
    /// The earliest time a server's state moves on by itself (a boot done,
    /// an outage or resize over, a failure noticed, a warm-up over).
    pub next_server_change_s: f64,
    /// Servers draining: they serve what they hold every tick.
    pub draining: u32,
    /// When the next random spot reclaim notice comes.
    pub next_spot_reclaim_s: f64,
    /// Spot servers a random reclaim may hit, at the last count.
    pub spot_servers: u32,
    /// Scratch list of servers, reused from tick to tick.
    pub scratch: Vec<(u32, Entity)>,
    /// Messages a queue is handing its consumer, reused from queue to queue.
    pub handing: Vec<Cohort>,
    /// Scratch list of a group's members as (server, still booting), reused
    /// each time a group matches its size to its desired capacity.
    pub members: Vec<(Entity, bool)>,
    /// This tick's sample of each fleet (by slot; none for a fleet that
    /// serves nothing), read with the rest of the record's figures of it.
    pub fleet_samples: Vec<Option<crate::sim::metrics::ThingSample>>,
    /// What the servers running now are, counted for billing.
    pub bill: BillCounts,
    /// Per fleet (by slot): its census as counted, its instances' warm-up,
    /// and whether a load balancer checks its health.
    pub census: Vec<Census>,
    /// Warm-up of each fleet's servers, seconds (by slot).
    pub warmup_s: Vec<f64>,
    /// Whether each fleet's servers are health-checked by a load balancer (by slot).
    pub checked: Vec<bool>,
    /// The health checks of each fleet's load balancer, if any (by slot).
    pub checks: Vec<Option<super::components::HealthChecks>>,
    /// When the next server finishes its warm-up (the census changes then).
    pub next_warm_s: f64,
    /// Servers the health checks must look at: disagreeing with their
    /// standing, or failed.
    pub health_attention: u32,
    /// Times the fleets were counted, or a server changed: what a load
    /// balancer read of its targets stands while this stays.
    pub fleets_counted: u64,
    /// How much of its wander a traffic source keeps over a tick, and the
    /// fresh spread it gains per unit of noise: the same every tick.
    pub noise_memory: (f64, f64),
}

/// The servers running now, counted by what they cost: whole numbers by
/// type, so the order they are counted in never changes a bill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BillCounts {
    /// EC2 on demand, by instance type.
    pub on_demand: Vec<u32>,
    /// EC2 Spot, by instance type.
    pub spot: Vec<u32>,
    /// Dedicated Host vCPU in use, by instance type (hosts are by family).
    pub dedicated_vcpu: Vec<u32>,
    /// On-premises servers, by model.
    pub on_prem: Vec<u32>,
    /// Fargate tasks, by fleet slot.
    pub fargate: Vec<u32>,
    /// What those cost per hour at catalogue prices, worked out when they
    /// are counted (price changes and commitments apply when billed).
    pub usd_per_hour: BillRates,
}

/// Dollars per hour of the servers running, by how they are bought.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BillRates {
    /// EC2 on demand, before any commitment covers it.
    pub on_demand: f64,
    /// EC2 Spot, after its discount.
    pub spot: f64,
    /// Dedicated Hosts (whole hosts of each family).
    pub dedicated: f64,
    /// On-premises servers (depreciation and overheads).
    pub on_prem: f64,
    /// Fargate tasks.
    pub fargate: f64,
    /// What the solution's commitments cover of the on-demand instances.
    pub coverage: Coverage,
}

/// Dollars per hour of on-demand instances and the commitments covering
/// them: Reserved Instances first, in file order, then Savings Plans against
/// the usage left.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Coverage {
    /// Reserved Instances, paid whether used or not.
    pub reserved: f64,
    /// Savings Plans commitments, paid whether used or not.
    pub savings: f64,
    /// On-demand usage no commitment covers, at list price.
    pub uncovered: f64,
    /// Of the commitments paid, what no running instance or task used.
    pub unused: f64,
    /// Fargate usage no Compute Savings Plan covers, at list price.
    pub fargate_uncovered: f64,
    /// What Compute Savings Plans leave after EC2 and Fargate, at plan
    /// rates: Lambda duration may use it tick by tick.
    pub compute_left: f64,
}

impl Ctx {
    /// Seconds per tick.
    pub fn tick_s(&self) -> f64 {
        self.setup.tick_s
    }

    /// End of the current tick, seconds.
    pub fn end_s(&self) -> f64 {
        self.now_s + self.setup.tick_s
    }

    /// The entity of a thing id.
    pub fn thing(&self, id: &str) -> Option<Entity> {
        self.things
            .iter()
            .find(|(name, _)| name == id)
            .map(|(_, e)| *e)
    }

    /// Records a happening at the current time.
    pub fn note(&mut self, what: What) {
        self.log.push(Happening {
            at_s: self.now_s,
            what,
        });
    }

    /// Spawns a server for a fleet, booting until `ready_s`.
    pub fn spawn_server(
        &mut self,
        world: &mut World,
        fleet: Entity,
        hardware: Hardware,
        purchase: Purchase,
        ready_s: f64,
    ) -> Entity {
        let serial = self.next_serial;
        self.next_serial += 1;
        // A fleet gets its slot when its first server comes (while the world
        // is built), or when the world is done.
        let slot = match self.kinds.fleets.iter().position(|&f| f == fleet) {
            Some(i) => i,
            None => {
                self.kinds.fleets.push(fleet);
                self.kinds.fleets.len() - 1
            }
        } as u32;
        let in_service = ready_s <= self.now_s;
        let server = world.spawn((Server {
            serial,
            slot,
            fleet,
            hardware,
            purchase,
            state: if in_service {
                ServerState::InService
            } else {
                ServerState::Pending { ready_s }
            },
            launched_s: self.now_s,
            in_service_s: in_service.then_some(f64::NEG_INFINITY),
            health: LbHealth {
                healthy: in_service,
                streak: 0,
            },
            reclaim_at_s: None,
            unbilled_s: 0.0,
            host: None,
        },));
        self.roster.push((server, fleet));
        self.changed();
        server
    }

    /// Notes that a server changed: the fleets are counted again this tick,
    /// and the lifecycle looks at every server again next tick.
    pub fn changed(&mut self) {
        self.roster_changed = true;
        self.lifecycle_dirty = true;
        self.fleets_counted += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_finds_each_thing_by_entity_and_nothing_else() {
        let mut world = World::new();
        let (a, b, other) = (world.spawn(()), world.spawn(()), world.spawn(()));
        let mut store = ByThing::default();
        store.insert(b, "b");
        store.insert(a, "a");
        assert_eq!(store.get(a), Some(&"a"));
        assert_eq!(store.get(b), Some(&"b"));
        assert_eq!(store.get(other), None);
        assert!(store.contains(a) && !store.contains(other));
        // Kept in the order they were put, not by entity.
        assert!(store.iter().map(|(e, _)| e).eq([b, a]));
        // Putting again replaces, in place.
        store.insert(a, "a2");
        if let Some(v) = store.get_mut(b) {
            *v = "b2";
        }
        assert!(store.iter().map(|(_, v)| *v).eq(["b2", "a2"]));
        // An entity that reuses a gone one's slot is another thing.
        world.despawn(a).expect("spawned");
        let reused = world.spawn(());
        assert_eq!(reused.id(), a.id());
        assert_eq!(store.get(reused), None);
    }
}
