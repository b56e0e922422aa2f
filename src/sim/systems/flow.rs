//! Flow: every thing handles this tick's requests in the order requests
//! travel (load balancers, servers, queues, the next tier), so a call made
//! at the front reaches the back in the same tick.

use crate::sim::state::Ctx;

/// What a thing in the flow does with what reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A load balancer routes.
    Route,
    /// A function runs.
    Invoke,
    /// A topic fans out.
    Publish,
    /// A queue hands messages to its consumer, if it has one.
    Pump(Option<Consumer>),
    /// A fleet serves.
    Serve,
    /// Nothing to do.
    Pass,
}

/// What takes a queue's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumer {
    /// A fleet, into its servers' line.
    Fleet(hecs::Entity),
    /// A function, which polls the queue itself.
    Function(hecs::Entity),
}

/// What each thing does, found once (things never change kind, and links
/// never change during a run).
pub fn step_of(ctx: &Ctx, entity: hecs::Entity) -> Step {
    if let Some(q) = ctx.queues.get(entity) {
        let consumer = q.consumer.and_then(|c| {
            if ctx.fleets.contains(c) {
                Some(Consumer::Fleet(c))
            } else if ctx.functions.contains(c) {
                Some(Consumer::Function(c))
            } else {
                None
            }
        });
        return Step::Pump(consumer);
    }
    if ctx.balancers.contains(entity) {
        Step::Route
    } else if ctx.functions.contains(entity) {
        Step::Invoke
    } else if ctx.topics.contains(entity) {
        Step::Publish
    } else if ctx.fleets.contains(entity) {
        Step::Serve
    } else {
        Step::Pass
    }
}

/// Passes and serves this tick's requests through every thing, front to back.
pub fn run(ctx: &mut Ctx) {
    for i in 0..ctx.flow.len() {
        let (entity, step) = ctx.flow[i];
        match step {
            Step::Route => super::routing::route(ctx, entity),
            Step::Invoke => super::lambda::invoke(ctx, entity),
            Step::Publish => super::topics::publish(ctx, entity),
            Step::Pump(consumer) => super::queues::pump(ctx, entity, consumer),
            Step::Serve => super::service::serve(ctx, entity),
            Step::Pass => {}
        }
    }
}
