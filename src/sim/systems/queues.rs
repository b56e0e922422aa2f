//! Queues: SQS holds messages until a consumer has room for them; messages a
//! failed consumer held come back after the visibility timeout; messages kept
//! too long expire; messages received too often go to the dead-letter queue.

use hecs::Entity;

use crate::sim::components::{Fleet, MessageQueue};
use crate::sim::state::Ctx;
use crate::sim::station::{Cohort, DropReason, Station, Tally};

use super::flow::Consumer;

/// Takes in this tick's messages and hands `consumer` as many as it can start.
pub fn pump(ctx: &mut Ctx, entity: Entity, consumer: Option<Consumer>) {
    let now = ctx.now_s;
    let tick_s = ctx.tick_s();
    let end = now + tick_s;
    // What the consumer can start, read before the queue is borrowed: taking
    // in messages changes nothing of it.
    let room = match consumer {
        Some(Consumer::Fleet(c)) => ctx.fleets.get(c).map(|f| room_for(f, tick_s)),
        Some(Consumer::Function(c)) => ctx.functions.get(c).map(|f| {
            let ramp = ctx.setup.catalogue.lambda.new_environments_per_10s;
            super::lambda::room(f, tick_s, ramp)
        }),
        None => None,
    };
    let (Some(q), Some(inbox)) = (ctx.queues.get_mut(entity), ctx.inboxes.get_mut(entity)) else {
        return;
    };
    let mut arrivals = inbox.take();
    q.sent = arrivals.iter().map(|c| c.count).sum();
    q.received = 0;
    q.visible.extend(arrivals.drain(..));
    inbox.give_back(arrivals);
    // Messages a failed consumer held are visible again once their timeout passes.
    if q.hidden.iter().any(|(at, _)| *at < end) {
        let (due, hidden): (Vec<_>, Vec<_>) = std::mem::take(&mut q.hidden)
            .into_iter()
            .partition(|(at, _)| *at < end);
        q.hidden = hidden;
        q.visible.extend(due.into_iter().map(|(_, c)| c));
    }
    // Messages older than the retention period are deleted unread.
    let retention = q.retention_s;
    let tally = &mut ctx.tally;
    q.visible.expire(
        |arrived_s| now - arrived_s >= retention,
        |c| {
            tally.drop(c.stream, c.count, DropReason::Expired);
        },
    );
    let (Some(consumer), Some(room)) = (consumer, room) else {
        return;
    };
    let mut handed = std::mem::take(&mut ctx.handing);
    let mut left = room;
    while left > 0 {
        let Some(mut c) = q.visible.pop_front() else {
            break;
        };
        if c.count > left {
            let rest = Cohort {
                count: c.count - left,
                ..c.clone()
            };
            c.count = left;
            q.visible.push_front(rest);
        }
        left -= c.count;
        q.received += c.count;
        handed.push(c);
    }
    match consumer {
        Consumer::Fleet(c) => {
            if let Some(f) = ctx.fleets.get_mut(c) {
                for c in handed.drain(..) {
                    f.station.enqueue(c);
                }
            }
        }
        Consumer::Function(c) => {
            // A function polls the queue itself: messages keep their arrival time.
            if let Some(inbox) = ctx.inboxes.get_mut(c) {
                inbox.0.append(&mut handed);
            }
        }
    }
    // Every consumer takes all it was handed (a fleet's entity and a
    // function's inbox outlive the run): only the buffer's length is left.
    handed.clear();
    ctx.handing = handed;
}

/// Messages a consumer fleet can start this tick beyond what it already holds.
fn room_for(fleet: &Fleet, tick_s: f64) -> u64 {
    let slots = f64::from(fleet.census.working * fleet.slots_per_server);
    let service = fleet
        .reached
        .iter()
        .map(|&w| fleet.terms[w].service_s)
        .filter(|s| s.is_finite() && *s > 0.0)
        .fold(0.0, f64::max);
    if slots <= 0.0 || service <= 0.0 {
        return 0;
    }
    // What the servers hold now leaves them as it finishes: free servers take
    // a message at once, and every server frees up tick/service times a tick.
    let free_now = (slots - fleet.station.running() as f64).max(0.0);
    let per_tick = free_now + slots * tick_s / service;
    // What still waits in the consumer's own backlog is ahead of new messages.
    // Truncation is the floor of what is never negative.
    (per_tick as u64).saturating_sub(fleet.station.backlog())
}

/// Gives back work a consumer lost: each message is received one more time and
/// reappears after the visibility timeout, or goes to the dead-letter queue.
pub fn give_back(queue: &mut MessageQueue, lost: Station, now: f64, tally: &mut Tally) {
    let mut lost = lost;
    for mut c in lost.take_all() {
        c.tries += 1;
        if queue
            .dead_letter_after
            .is_some_and(|n| u32::from(c.tries) >= n)
        {
            tally.drop(c.stream, c.count, DropReason::DeadLetter);
        } else {
            queue.hidden.push((now + queue.visibility_s, c));
        }
    }
}

/// Loses the work a fleet's departed servers held: back to the queue that fed
/// it if there is one, otherwise dropped. Returns the requests dropped.
pub fn lose(ctx: &mut Ctx, fleet: Entity, mut part: Station) -> u64 {
    let fed_by = ctx.fleets.get(fleet).and_then(|f| f.fed_by);
    if let Some(queue) = fed_by
        && let Some(q) = ctx.queues.get_mut(queue)
    {
        give_back(q, part, ctx.now_s, &mut ctx.tally);
        return 0;
    }
    let lost = part.in_flight();
    part.drop_all(DropReason::Killed, &mut ctx.tally);
    lost
}
