//! The mutable state the systems share each tick, besides the hecs world:
//! the clock, the tick's tally, callers waiting on calls, the roster of
//! servers, random streams and the ledger.

use std::sync::Arc;

use hecs::{Entity, World};
use rand::rngs::ChaCha8Rng;

use crate::format::level::EventKind;
use crate::format::solution::{Purchase, TimedAction};

use super::components::{Hardware, LbHealth, Server, ServerState};
use super::ledger::Ledger;
use super::log::{Happening, What};
use super::setup::Setup;
use super::station::Tally;

/// Callers waiting on their synchronous calls of one call stream.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Awaiting {
    /// Callers that were in time when they made the call.
    pub ok: u64,
    /// Callers already late when they made the call.
    pub late: u64,
    /// Their latency so far, summed, seconds.
    pub latency_s: f64,
}

impl Awaiting {
    /// Callers waiting.
    pub fn count(&self) -> u64 {
        self.ok + self.late
    }
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
    /// Things that pass or serve requests, in the order requests flow through them.
    pub flow: Vec<Entity>,
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
    /// One random stream per source, so one source's draws never shift another's.
    pub traffic_rng: Vec<ChaCha8Rng>,
    /// Random stream for spot reclaims.
    pub spot_rng: ChaCha8Rng,
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
        let in_service = ready_s <= self.now_s;
        let server = world.spawn((Server {
            serial,
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
            billed_s: 0.0,
            host: None,
        },));
        self.roster.push((server, fleet));
        server
    }
}
