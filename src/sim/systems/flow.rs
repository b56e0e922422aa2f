//! Flow: every thing handles this tick's requests in the order requests
//! travel (load balancers, servers, queues, the next tier), so a call made
//! at the front reaches the back in the same tick.

use hecs::World;

use crate::sim::components::{Balancer, Fleet, Function, MessageQueue, Topic};
use crate::sim::state::Ctx;

/// Passes and serves this tick's requests through every thing, front to back.
pub fn run(world: &mut World, ctx: &mut Ctx) {
    for entity in ctx.flow.clone() {
        if world.satisfies::<&Balancer>(entity) {
            super::routing::route(world, ctx, entity);
        } else if world.satisfies::<&Function>(entity) {
            super::lambda::invoke(world, ctx, entity);
        } else if world.satisfies::<&Topic>(entity) {
            super::topics::publish(world, ctx, entity);
        } else if world.satisfies::<&MessageQueue>(entity) {
            super::queues::pump(world, ctx, entity);
        } else if world.satisfies::<&Fleet>(entity) {
            super::service::serve(world, ctx, entity);
        }
    }
}
