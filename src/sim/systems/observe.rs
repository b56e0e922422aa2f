//! Observe: the per-tick record (counts, in flight, capacity, cost), with the
//! per-thing samples and unused commitments the run's review is drawn from.

use hecs::World;

use crate::format::solution::{Commitment, PlanKind, Purchase};
use crate::sim::components::{
    Fleet, Function, Hardware, MessageQueue, Server, ServerState, Topic, TrafficSource,
};
use crate::sim::metrics::{StreamTick, ThingSample, TickRecord, saturated};
use crate::sim::state::Ctx;

/// Visits every cohort of requests in flight that carries its arrival time,
/// as (stream, workload, count, arrived_s). Callers waiting on a synchronous
/// call are not visited: they carry no cohort of their own.
fn each_in_flight(world: &World, mut visit: impl FnMut(u16, u16, u64, f64)) {
    for q in world.query::<&MessageQueue>().iter() {
        for c in q.visible.iter().chain(q.hidden.iter().map(|(_, c)| c)) {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    each_outside_queues(world, visit);
}

/// [`each_in_flight`] without the queues: a backlog can hold a day of
/// cohorts, so the per-tick count reads the queue's running totals instead.
fn each_outside_queues(world: &World, mut visit: impl FnMut(u16, u16, u64, f64)) {
    for f in world.query::<&Function>().iter() {
        for &(stream, workload, count, arrived_s, _) in &f.running {
            visit(stream, workload, count, arrived_s);
        }
        for c in &f.retrying {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    for t in world.query::<&Topic>().iter() {
        for c in t.subscribers.iter().flat_map(|s| s.retrying.iter()) {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    for fleet in world.query::<&Fleet>().iter() {
        for (stream, workload, count, arrived_s) in fleet.station.cohorts() {
            visit(stream, workload, count, arrived_s);
        }
    }
    for server in world.query::<&Server>().iter() {
        if let ServerState::Draining { station, .. } = &server.state {
            for (stream, workload, count, arrived_s) in station.cohorts() {
                visit(stream, workload, count, arrived_s);
            }
        }
    }
}

/// Per stream, the requests still in flight whose deadline has already
/// passed: whatever happens to them now, they cannot be on time. (Callers
/// waiting on a synchronous call are left out: their timeout settles them.)
pub fn overdue(world: &World, ctx: &Ctx) -> Vec<u64> {
    let workloads = &ctx.setup.level.workloads;
    let mut out = vec![0u64; ctx.setup.streams.len()];
    each_in_flight(world, |stream, workload, count, arrived_s| {
        let deadline_s = workloads
            .get(usize::from(workload))
            .map_or(f64::INFINITY, |w| w.mode.deadline_s());
        if arrived_s < ctx.now_s - deadline_s
            && let Some(slot) = out.get_mut(usize::from(stream))
        {
            *slot += count;
        }
    });
    out
}

/// Builds this tick's record from the world and the tick's tally.
pub fn record(world: &mut World, ctx: &Ctx) -> TickRecord {
    let tick_s = ctx.tick_s();
    let n = ctx.setup.streams.len();
    // In flight: in a station's line or service, waiting on a call, or in a queue.
    // Callers waiting on a synchronous call are still in flight themselves.
    let mut pending = vec![0u64; n];
    for (child, waiting) in ctx.awaiting.iter().enumerate() {
        if let Some(parent) = ctx.setup.streams.get(child).and_then(|s| s.parent) {
            pending[parent] += waiting.count();
        }
    }
    let mut queued = 0;
    for q in world.query::<&MessageQueue>().iter() {
        for (slot, count) in pending.iter_mut().zip(q.visible.by_stream()) {
            *slot += count;
        }
        queued += q.visible.total();
        for (_, c) in &q.hidden {
            pending[usize::from(c.stream)] += c.count;
            queued += c.count;
        }
    }
    each_outside_queues(world, |stream, _, count, _| {
        pending[usize::from(stream)] += count;
    });
    let mut capacity_rps = 0.0;
    let mut slot_s = 0.0;
    let mut servers_working = 0;
    for fleet in world.query::<&Fleet>().iter() {
        let slots = f64::from(fleet.census.working * fleet.slots_per_server);
        servers_working += fleet.census.working;
        slot_s += slots * tick_s;
        let served: Vec<f64> = fleet
            .reached
            .iter()
            .map(|&w| fleet.terms[w].service_s)
            .filter(|s| s.is_finite() && *s > 0.0)
            .collect();
        if !served.is_empty() {
            let mean = served.iter().sum::<f64>() / served.len() as f64;
            capacity_rps += slots / mean;
        }
    }
    let offered_rps = world
        .query::<&TrafficSource>()
        .iter()
        .map(|s| s.last_rps)
        .sum();
    let streams: Vec<StreamTick> = (0..n)
        .map(|i| {
            let o = ctx.tally.by_stream.get(i).copied().unwrap_or_default();
            StreamTick {
                arrived: ctx.arrived[i],
                ok: o.ok,
                late: o.late,
                dropped: o.dropped_total(),
                pending: pending[i],
            }
        })
        .collect();
    TickRecord {
        tick: ctx.tick,
        time_s: ctx.now_s,
        counted_total: streams
            .iter()
            .zip(&ctx.setup.streams)
            .filter(|(_, spec)| spec.counted())
            .fold(StreamTick::default(), |mut t, (s, _)| {
                t.arrived += s.arrived;
                t.ok += s.ok;
                t.late += s.late;
                t.dropped += s.dropped;
                t.pending += s.pending;
                t
            }),
        streams,
        queued,
        offered_rps,
        in_flight: ctx.tally.sojourn_s / tick_s,
        capacity_rps,
        utilisation: if slot_s > 0.0 {
            (ctx.tally.busy_s / slot_s).min(1.0)
        } else {
            0.0
        },
        servers_working,
        cost_usd: ctx.ledger.total(),
        things: samples(world, ctx),
        unused_commitment_usd: unused_commitments(world, ctx),
    }
}

/// This tick's figures of every thing that serves requests, in thing order.
fn samples(world: &World, ctx: &Ctx) -> Vec<ThingSample> {
    let tick_s = ctx.tick_s();
    let mut out = Vec::new();
    for (i, (_, entity)) in ctx.things.iter().enumerate() {
        let thing = i as u16;
        if let Ok(f) = world.get::<&Fleet>(*entity) {
            // Container hosts and unlinked fleets serve nothing: no utilisation to speak of.
            if f.reached.is_empty() {
                continue;
            }
            let slots = u64::from(f.census.working) * u64::from(f.slots_per_server);
            let capacity_s = slots as f64 * tick_s;
            let utilisation = if capacity_s > 0.0 {
                (f.busy_s / capacity_s).min(1.0)
            } else {
                0.0
            };
            out.push(ThingSample {
                thing,
                busy_s: f.busy_s,
                capacity_s,
                saturated: saturated(utilisation, f.station.waiting(), slots),
                paid_idle: true,
            });
        } else if let Ok(f) = world.get::<&Function>(*entity) {
            out.push(ThingSample {
                thing,
                busy_s: f.concurrency * tick_s,
                capacity_s: f64::from(f.limit) * tick_s,
                saturated: f.throttled > 0
                    || (f.limit > 0 && f.concurrency + 1e-9 >= f64::from(f.limit)),
                // Lambda bills only what runs.
                paid_idle: false,
            });
        }
    }
    out
}

/// Dollars of this tick's commitments that no running instance used: the
/// same coverage as billing works out (reservations first, in file order,
/// then Savings Plans against the on-demand usage left).
fn unused_commitments(world: &World, ctx: &Ctx) -> f64 {
    let setup = &ctx.setup;
    if setup.solution.commitments.is_empty() {
        return 0.0;
    }
    let cat = &setup.catalogue;
    let hours = ctx.tick_s() / 3600.0;
    // Billing ran before terminated servers were removed, and did not count them.
    let mut uncovered = vec![0.0_f64; cat.instance_types.len()];
    for s in world.query::<&Server>().iter() {
        if let Hardware::Ec2(i) = s.hardware
            && s.purchase == Purchase::OnDemand
            && s.state.is_billed()
            && let Some(n) = uncovered.get_mut(i)
        {
            *n += 1.0;
        }
    }
    let mut unused = 0.0;
    for c in &setup.solution.commitments {
        if let Some((i, count, usd_per_hour)) = super::billing::reserved_rate(cat, c) {
            let used = count.min(uncovered[i]);
            unused += (count - used) * usd_per_hour * hours;
            uncovered[i] -= used;
        }
    }
    let mut usage: Vec<f64> = uncovered
        .iter()
        .zip(&cat.instance_types)
        .map(|(n, t)| n * t.usd_per_hour * hours)
        .collect();
    for c in &setup.solution.commitments {
        if let Commitment::SavingsPlan { plan, usd_per_hour } = c {
            let (discount, family) = match plan {
                PlanKind::Compute => (cat.pricing.compute_savings_plan, None),
                PlanKind::Ec2Instance(f) => (cat.pricing.instance_savings_plan, Some(*f)),
            };
            let mut budget = usd_per_hour * hours;
            for (u, t) in usage.iter_mut().zip(&cat.instance_types) {
                if budget <= 0.0 || family.is_some_and(|f| f != t.family) {
                    continue;
                }
                let covered = (*u * (1.0 - discount)).min(budget);
                budget -= covered;
                *u -= covered / (1.0 - discount);
            }
            unused += budget.max(0.0);
        }
    }
    unused
}
