//! Systems: plain functions over the world, run in a fixed order each tick
//! (see [`crate::sim::Sim::step`]).

pub mod autoscaling;
pub mod billing;
pub mod containers;
pub mod coupling;
pub mod flow;
pub mod health;
pub mod lambda;
pub mod lifecycle;
pub mod observe;
pub mod queues;
pub mod routing;
pub mod script;
pub mod service;
pub mod topics;
pub mod traffic;

use hecs::{Entity, World};

use super::components::Order;
use super::state::Ctx;

/// Entities with component `C`, sorted by their stable order.
pub fn ordered<C: hecs::Component>(world: &World) -> Vec<Entity> {
    let mut found: Vec<(Order, Entity)> = world
        .query::<(Entity, &Order, &C)>()
        .iter()
        .map(|(e, o, _)| (*o, e))
        .collect();
    found.sort_unstable_by_key(|(o, _)| *o);
    found.into_iter().map(|(_, e)| e).collect()
}

/// The servers of one fleet, sorted by serial.
pub fn servers_of(ctx: &Ctx, fleet: Entity) -> Vec<Entity> {
    ctx.roster
        .iter()
        .filter(|&&(_, f)| f == fleet)
        .map(|&(server, _)| server)
        .collect()
}

/// The id of a thing, for the event log.
pub fn name_of(world: &World, entity: Entity) -> String {
    world
        .get::<&super::components::Name>(entity)
        .map(|n| n.0.clone())
        .unwrap_or_default()
}
