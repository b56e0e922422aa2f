//! Topics: SNS takes a publish and delivers a copy to every subscriber.
//! Deliveries to queues are immediate; deliveries to HTTP/S endpoints that do
//! not answer are retried (three times, twenty seconds apart) and then given
//! up, without holding back the other subscribers.

use hecs::Entity;

use crate::sim::components::{Balancer, Fleet};
use crate::sim::state::{ByThing, Ctx, Inbox};
use crate::sim::station::{Cohort, DropReason};

/// Takes this tick's publishes and delivers them to every subscriber.
pub fn publish(ctx: &mut Ctx, entity: Entity) {
    let Some(mut arrivals) = ctx.inboxes.get_mut(entity).map(Inbox::take) else {
        return;
    };
    // Borrowed, not cloned: a clone of the reference count is two atomic
    // operations a tick.
    let setup = &*ctx.setup;
    let retry_window =
        f64::from(setup.catalogue.topic.http_retries) * setup.catalogue.topic.http_retry_delay_s;
    let Some(topic) = ctx.topics.get_mut(entity) else {
        return;
    };
    topic.published = 0;
    topic.http_delivered = 0;
    let mut direct = std::mem::take(&mut topic.direct);
    direct.clear();
    for publish in arrivals.drain(..) {
        topic.published += publish.count;
        // The publish itself succeeded.
        ctx.tally.outcome(publish.stream).ok += publish.count;
        let Some(copies) = setup.fanout.get(usize::from(publish.stream)) else {
            continue;
        };
        for (sub, &child) in topic.subscribers.iter_mut().zip(copies) {
            ctx.arrived[child] += publish.count;
            let copy = Cohort {
                stream: child as u16,
                tries: 0,
                ..publish.clone()
            };
            if sub.http {
                sub.retrying.push_back(copy);
            } else {
                direct.push((sub.entity, copy));
            }
        }
    }
    for sub in &mut topic.subscribers {
        if !sub.http || sub.retrying.is_empty() {
            continue;
        }
        if answers(&ctx.balancers, &ctx.fleets, sub.entity) {
            for copy in sub.retrying.drain(..) {
                topic.http_delivered += copy.count;
                direct.push((sub.entity, copy));
            }
        } else {
            // Deliveries past their last retry are given up.
            while let Some(front) = sub.retrying.front() {
                if ctx.now_s - front.arrived_s < retry_window {
                    break;
                }
                if let Some(c) = sub.retrying.pop_front() {
                    ctx.tally
                        .drop(c.stream, c.count, DropReason::DeliveryFailed);
                }
            }
        }
    }
    if let Some(inbox) = ctx.inboxes.get_mut(entity) {
        inbox.give_back(arrivals);
    }
    // The topic stays borrowed: the inboxes are a store of their own.
    for (to, copy) in direct.drain(..) {
        match ctx.inboxes.get_mut(to) {
            Some(inbox) => inbox.0.push(copy),
            None => ctx
                .tally
                .drop(copy.stream, copy.count, DropReason::NoTarget),
        }
    }
    topic.direct = direct;
}

/// Whether an HTTP/S endpoint answers now: a fleet with a server taking
/// traffic, or a load balancer with such a fleet behind it.
fn answers(balancers: &ByThing<Balancer>, fleets: &ByThing<Fleet>, endpoint: Entity) -> bool {
    let fleet_answers = |e: Entity| fleets.get(e).is_some_and(|f| f.census.reachable() > 0);
    if let Some(lb) = balancers.get(endpoint) {
        return lb.targets.iter().any(|&t| fleet_answers(t));
    }
    fleet_answers(endpoint)
}
