//! Lambda: a function runs one execution environment per request in flight.
//! It scales with demand up to its concurrency limit (beyond it, requests are
//! throttled), new environments add a cold start, work longer than the
//! function's timeout (at most 15 minutes) is stopped, and it costs nothing
//! while idle: a price per request and per GB-second of run time.

use hecs::{Entity, World};

use crate::sim::components::{Function, Inbox};
use crate::sim::ledger::Service;
use crate::sim::state::Ctx;
use crate::sim::station::{Cohort, DropReason};

/// Runs this tick's invocations of one function.
pub fn invoke(world: &mut World, ctx: &mut Ctx, entity: Entity) {
    let arrivals = match world.get::<&mut Inbox>(entity) {
        Ok(mut inbox) => std::mem::take(&mut inbox.0),
        Err(_) => return,
    };
    let Ok(mut f) = world
        .get::<&mut Function>(entity)
        .map(|mut f| std::mem::take(&mut *f))
    else {
        return;
    };
    let setup = std::sync::Arc::clone(&ctx.setup);
    let cat = &setup.catalogue.lambda;
    let (now, tick_s) = (ctx.now_s, ctx.tick_s());
    let end = now + tick_s;
    let mid = now + tick_s / 2.0;

    // Invocations from earlier ticks that end now give their environments back.
    let mut held = 0u64;
    let mut still = Vec::with_capacity(f.running.len());
    for (stream, workload, count, arrived_s, finish_s) in std::mem::take(&mut f.running) {
        if finish_s <= end {
            settle(ctx, stream, workload, count, finish_s - arrived_s, &f);
        } else {
            held += count;
            still.push((stream, workload, count, arrived_s, finish_s));
        }
    }
    f.running = still;

    // Environments available: the concurrency limit, and no faster than the
    // function may scale from what is warm.
    let ramp = f64::from(cat.new_environments_per_10s) / 10.0 * tick_s;
    let ceiling = f64::from(f.limit).min(f.warm.max(held as f64) + ramp);
    let mut free_envs = (ceiling - held as f64).max(0.0);
    let mut budget = free_envs * tick_s;
    let mut used_env_s = held as f64 * tick_s;
    let (mut invoked, mut throttled) = (0u64, 0u64);

    let mut queue: Vec<Cohort> = f.retrying.drain(..).collect();
    queue.extend(arrivals);
    let mut admitted: Vec<(Cohort, f64)> = Vec::new();
    for c in queue {
        let run = f.run_s[usize::from(c.workload)];
        if !run.is_finite() {
            ctx.tally.drop(c.stream, c.count, DropReason::Incapable);
            continue;
        }
        let dur = run.min(f.timeout_s);
        let take = if dur > tick_s {
            // Long invocations hold an environment for whole ticks.
            let n = (c.count as f64).min(free_envs.floor()) as u64;
            free_envs -= n as f64;
            budget -= n as f64 * tick_s;
            n
        } else {
            let n = (c.count as f64).min((budget / dur).floor()) as u64;
            budget -= n as f64 * dur;
            free_envs = budget / tick_s;
            n
        };
        used_env_s += take as f64 * dur.min(tick_s);
        invoked += take;
        let rest = c.count - take;
        if take > 0 {
            admitted.push((
                Cohort {
                    count: take,
                    ..c.clone()
                },
                dur,
            ));
        }
        if rest == 0 {
            continue;
        }
        throttled += rest;
        if f.asynchronous && mid - c.arrived_s < cat.max_event_age_s {
            // Lambda keeps throttled asynchronous events and retries them.
            f.retrying.push_back(Cohort { count: rest, ..c });
        } else if f.asynchronous {
            ctx.tally.drop(c.stream, rest, DropReason::Expired);
        } else {
            ctx.tally.drop(c.stream, rest, DropReason::Throttled);
        }
    }

    // New environments start cold; each serves its first invocation late by the cold start.
    let environments = used_env_s / tick_s;
    let mut cold_left = (environments - f.warm).max(0.0).ceil() as u64;
    f.cold = cold_left.min(invoked);
    let mut gb_s = 0.0;
    for (c, dur) in admitted {
        let cold = cold_left.min(c.count);
        cold_left -= cold;
        let billed = (dur / cat.billing_granularity_s).ceil() * cat.billing_granularity_s;
        gb_s += c.count as f64 * billed * f64::from(f.memory_mb) / 1024.0;
        let waited = (mid - c.arrived_s).max(0.0);
        for (n, start_up) in [(cold, cat.cold_start_s), (c.count - cold, 0.0)] {
            if n == 0 {
                continue;
            }
            let finish = mid + start_up + dur;
            if dur > tick_s {
                f.running
                    .push((c.stream, c.workload, n, mid - waited, finish));
            } else {
                settle(ctx, c.stream, c.workload, n, waited + start_up + dur, &f);
            }
        }
    }
    ctx.ledger.charge(
        Service::Lambda,
        invoked as f64 * cat.usd_per_million_requests / 1e6 + gb_s * f.usd_per_gb_s,
    );

    // Environments stay warm for a while after their last use.
    f.recent.push_back((end, environments));
    while f
        .recent
        .front()
        .is_some_and(|(t, _)| end - t > cat.warm_for_s)
    {
        f.recent.pop_front();
    }
    f.warm = f.recent.iter().map(|(_, e)| *e).fold(0.0, f64::max);
    f.concurrency = environments;
    f.invoked = invoked;
    f.throttled = throttled;
    if let Ok(mut slot) = world.get::<&mut Function>(entity) {
        *slot = f;
    }
    super::coupling::emit(world, ctx, entity);
}

/// Ends invocations that ran `latency` seconds in all: ok, late, or stopped at the timeout.
fn settle(ctx: &mut Ctx, stream: u16, workload: u16, count: u64, latency: f64, f: &Function) {
    if f.run_s[usize::from(workload)] > f.timeout_s {
        ctx.tally.drop(stream, count, DropReason::TimedOut);
        return;
    }
    let deadline = ctx.setup.workloads[usize::from(workload)].deadline_s;
    ctx.tally.finish(stream, count, latency > deadline + 1e-9);
    if ctx.tally.heard(stream) {
        let waits = ctx.setup.workloads[usize::from(workload)].caller_waits;
        ctx.tally
            .times(waits)
            .add_point(latency * 1000.0, count as f64);
    }
    ctx.tally.add_latency(stream, count as f64, latency);
}

/// Requests a function could start this tick (for a queue handing it messages).
pub fn room(f: &Function, tick_s: f64, new_environments_per_10s: u32) -> u64 {
    let held: u64 = f.running.iter().map(|r| r.2).sum();
    let ramp = f64::from(new_environments_per_10s) / 10.0 * tick_s;
    let free = (f64::from(f.limit).min(f.warm.max(held as f64) + ramp) - held as f64).max(0.0);
    let run = f
        .reached
        .iter()
        .map(|&w| f.run_s[w])
        .filter(|r| r.is_finite())
        .fold(0.0, f64::max)
        .min(f.timeout_s);
    if run <= 0.0 {
        return 0;
    }
    let per_tick = if run > tick_s {
        free
    } else {
        free * tick_s / run
    };
    per_tick.floor() as u64
}
