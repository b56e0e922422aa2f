//! Observe: the per-tick record (counts, in flight, capacity, cost), with the
//! per-thing samples and unused commitments the run's review is drawn from.

use hecs::World;

use crate::sim::components::{Fleet, Server, ServerState};
use crate::sim::metrics::{Metrics, StreamTick, ThingSample, TickRecord, saturated};
use crate::sim::state::Ctx;

/// Visits every cohort of requests in flight that carries its arrival time,
/// as (stream, workload, count, arrived_s). Callers waiting on a synchronous
/// call are not visited: they carry no cohort of their own.
fn each_in_flight(world: &World, ctx: &Ctx, mut visit: impl FnMut(u16, u16, u64, f64)) {
    for (_, q) in ctx.queues.iter() {
        for c in q.visible.iter().chain(q.hidden.iter().map(|(_, c)| c)) {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    each_outside_queues(world, ctx, visit);
}

/// [`each_in_flight`] without the queues: a backlog can hold a day of
/// cohorts, so the per-tick count reads the queue's running totals instead.
fn each_outside_queues(world: &World, ctx: &Ctx, mut visit: impl FnMut(u16, u16, u64, f64)) {
    for (_, f) in ctx.functions.iter() {
        for r in &f.running {
            visit(r.stream, r.workload, r.count, r.arrived_s);
        }
        for c in &f.retrying {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    for (_, t) in ctx.topics.iter() {
        for c in t.subscribers.iter().flat_map(|s| s.retrying.iter()) {
            visit(c.stream, c.workload, c.count, c.arrived_s);
        }
    }
    for (_, fleet) in ctx.fleets.iter() {
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
    each_in_flight(world, ctx, |stream, workload, count, arrived_s| {
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
pub fn record(ctx: &mut Ctx, metrics: &mut Metrics) {
    let tick_s = ctx.tick_s();
    let mut queued = 0;
    for (_, q) in ctx.queues.iter() {
        queued += q.backlog();
    }
    let mut capacity_rps = 0.0;
    let mut slot_s = 0.0;
    let mut servers_working = 0;
    let mut waiting = 0;
    // Each fleet is read once: its sample is kept for `samples`, which
    // lists the things in their own order.
    let mut fleet_samples = std::mem::take(&mut ctx.fleet_samples);
    fleet_samples.clear();
    for &e in &ctx.kinds.fleets {
        let Some(fleet) = ctx.fleets.get(e) else {
            fleet_samples.push(None);
            continue;
        };
        let fleet_waiting = fleet.station.waiting();
        waiting += fleet_waiting;
        let slots = f64::from(fleet.census.working * fleet.slots_per_server);
        servers_working += fleet.census.working;
        slot_s += slots * tick_s;
        let (sum, n) = fleet
            .reached
            .iter()
            .map(|&w| fleet.terms[w].service_s)
            .filter(|s| s.is_finite() && *s > 0.0)
            .fold((0.0, 0u32), |(sum, n), s| (sum + s, n + 1));
        if n > 0 {
            capacity_rps += slots / (sum / f64::from(n));
        }
        fleet_samples.push(fleet_sample(fleet, fleet_waiting, tick_s));
    }
    ctx.fleet_samples = fleet_samples;
    let offered_rps = ctx.sources.iter().map(|s| s.last_rps).sum();
    samples(ctx, &mut metrics.samples);
    let record = TickRecord {
        tick: ctx.tick,
        time_s: ctx.now_s,
        counted_total: StreamTick::default(),
        queued,
        waiting,
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
        unused_commitment_usd: unused_commitments(ctx),
    };
    metrics.push(record, &ctx.arrived, &ctx.tally);
}

/// A fleet's figures this tick, with `waiting` in its line; none for
/// container hosts and unlinked fleets, which serve nothing (no
/// utilisation to speak of). The thing's index is filled in by [`samples`].
fn fleet_sample(f: &Fleet, waiting: u64, tick_s: f64) -> Option<ThingSample> {
    if f.reached.is_empty() {
        return None;
    }
    let Load {
        slots,
        capacity_s,
        utilisation,
    } = load(f, tick_s);
    Some(ThingSample {
        thing: 0,
        busy_s: f.busy_s,
        capacity_s,
        saturated: saturated(utilisation, waiting, slots),
        paid_idle: true,
    })
}

/// A fleet's request slots in the last tick and how busy they were: what
/// the record's samples and the screen both show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// Requests its working servers could serve at once.
    pub slots: u64,
    /// Their slot-seconds over the tick.
    pub capacity_s: f64,
    /// The share of those its servers spent serving (0..=1).
    pub utilisation: f64,
}

/// A fleet's [`Load`] over a tick of `tick_s`.
pub fn load(f: &Fleet, tick_s: f64) -> Load {
    let slots = u64::from(f.census.working) * u64::from(f.slots_per_server);
    let capacity_s = slots as f64 * tick_s;
    let utilisation = if capacity_s > 0.0 {
        (f.busy_s / capacity_s).min(1.0)
    } else {
        0.0
    };
    Load {
        slots,
        capacity_s,
        utilisation,
    }
}

/// Requests in flight now, per stream, counted by walking everything that
/// holds them (stations, queues, functions, topics' retries, callers
/// waiting on calls). The per-tick record gets the same figure from running
/// totals; this walk is for checking it.
pub fn in_flight_by_stream(world: &World, ctx: &Ctx) -> Vec<u64> {
    let mut pending = vec![0u64; ctx.setup.streams.len()];
    for (child, waiting) in ctx.awaiting.iter().enumerate() {
        if let Some(parent) = ctx.setup.streams.get(child).and_then(|s| s.parent) {
            pending[parent] += waiting.count();
        }
    }
    each_in_flight(world, ctx, |stream, _, count, _| {
        if let Some(slot) = pending.get_mut(usize::from(stream)) {
            *slot += count;
        }
    });
    pending
}

/// This tick's figures of every thing that serves requests, in thing order
/// (the fleets' as [`record`] read them into [`Ctx::fleet_samples`]).
fn samples(ctx: &Ctx, out: &mut Vec<ThingSample>) {
    let tick_s = ctx.tick_s();
    out.clear();
    for &(thing, entity, slot) in &ctx.kinds.sampled {
        match slot {
            Some(slot) => {
                if let Some(Some(sample)) = ctx.fleet_samples.get(slot) {
                    out.push(ThingSample { thing, ..*sample });
                }
            }
            None => {
                if let Some(f) = ctx.functions.get(entity) {
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
        }
    }
}

/// Dollars of this tick's commitments that no running instance used, as
/// billing works them out (see [`super::billing::cover`]).
fn unused_commitments(ctx: &Ctx) -> f64 {
    ctx.bill.usd_per_hour.coverage.unused * ctx.tick_s() / 3600.0
}
