//! Observe: the per-tick record (counts, in flight, capacity, cost).

use hecs::World;

use crate::sim::components::{
    Fleet, Function, MessageQueue, Server, ServerState, Topic, TrafficSource,
};
use crate::sim::metrics::{StreamTick, TickRecord};
use crate::sim::world::Ctx;

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
    for f in world.query::<&Function>().iter() {
        for (stream, _, count, _, _) in &f.running {
            pending[usize::from(*stream)] += count;
        }
        for c in &f.retrying {
            pending[usize::from(c.stream)] += c.count;
        }
    }
    for t in world.query::<&Topic>().iter() {
        for c in t.subscribers.iter().flat_map(|s| s.retrying.iter()) {
            pending[usize::from(c.stream)] += c.count;
        }
    }
    for q in world.query::<&MessageQueue>().iter() {
        for c in q.visible.iter().chain(q.hidden.iter().map(|(_, c)| c)) {
            pending[usize::from(c.stream)] += c.count;
            queued += c.count;
        }
    }
    let mut capacity_rps = 0.0;
    let mut slot_s = 0.0;
    let mut servers_working = 0;
    for fleet in world.query::<&Fleet>().iter() {
        fleet.station.in_flight_by_stream(&mut pending);
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
    for server in world.query::<&Server>().iter() {
        if let ServerState::Draining { station, .. } = &server.state {
            station.in_flight_by_stream(&mut pending);
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
    }
}
