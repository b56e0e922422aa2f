//! Coupling: requests that call the next tier. Served requests send their
//! calls downstream; callers of synchronous calls wait for them, and share
//! their fate.

use hecs::{Entity, World};

use crate::sim::components::{Fleet, Function, Inbox};
use crate::sim::station::{Cohort, DropReason, round_shares};
use crate::sim::world::Ctx;

/// Sends the calls of everything `fleet` finished since the last call, into
/// its downstream link. A synchronous call holds its caller back from the
/// tally until the call resolves.
pub fn emit(world: &mut World, ctx: &mut Ctx, fleet: Entity) {
    let completions = std::mem::take(&mut ctx.tally.completions);
    if completions.is_empty() {
        return;
    }
    let downstream = world
        .get::<&Fleet>(fleet)
        .ok()
        .and_then(|f| f.downstream)
        .or_else(|| {
            world
                .get::<&Function>(fleet)
                .ok()
                .and_then(|f| f.downstream)
        });
    let mid = ctx.now_s + ctx.tick_s() / 2.0;
    let setup = std::sync::Arc::clone(&ctx.setup);
    for (stream, ok, late) in completions {
        let parent = usize::from(stream);
        let Some(children) = setup.children.get(parent) else {
            continue;
        };
        let calls = &setup.level.workloads[setup.streams[parent].workload].calls;
        for (ci, child) in children.iter().enumerate() {
            let Some(child) = *child else { continue };
            let spec = &setup.streams[child];
            let count = if spec.sync {
                // One call per caller, who now waits on it.
                let o = ctx.tally.outcome(stream);
                o.ok -= ok;
                o.late -= late;
                ctx.awaiting[child].0 += ok;
                ctx.awaiting[child].1 += late;
                ok + late
            } else {
                let wanted = calls[ci].per_request * (ok + late) as f64 + ctx.carry[child];
                let whole = wanted.floor();
                ctx.carry[child] = wanted - whole;
                whole as u64
            };
            if count == 0 {
                continue;
            }
            ctx.arrived[child] += count;
            let cohort = Cohort {
                stream: child as u16,
                workload: spec.workload as u16,
                count,
                arrived_s: mid,
                tries: 0,
            };
            match downstream.and_then(|d| world.get::<&mut Inbox>(d).ok()) {
                Some(mut inbox) => inbox.0.push(cohort),
                None => ctx.tally.drop(cohort.stream, count, DropReason::NoTarget),
            }
        }
    }
}

/// Settles callers whose synchronous calls finished this tick: a call that
/// was dropped fails its caller, a late call makes its caller late.
/// Deepest calls first, so a chain of calls settles within the tick.
pub fn resolve(ctx: &mut Ctx) {
    let setup = std::sync::Arc::clone(&ctx.setup);
    for (child, spec) in setup.streams.iter().enumerate().rev() {
        let (Some(parent), true) = (spec.parent, spec.sync) else {
            continue;
        };
        let (waiting_ok, waiting_late) = ctx.awaiting[child];
        if waiting_ok + waiting_late == 0 {
            continue;
        }
        let o = ctx.tally.by_stream.get(child).copied().unwrap_or_default();
        let (call_ok, call_late, call_dropped) = (o.ok, o.late, o.dropped_total());
        let settled = (call_ok + call_late + call_dropped).min(waiting_ok + waiting_late);
        if settled == 0 {
            continue;
        }
        // Which callers settle: in proportion to how they stood before the call.
        let took = round_shares(
            settled,
            [waiting_ok as f64, waiting_late as f64].into_iter(),
        );
        let (from_ok, from_late) = (took[0].min(waiting_ok), took[1].min(waiting_late));
        ctx.awaiting[child] = (waiting_ok - from_ok, waiting_late - from_late);
        // How their calls ended: the same mix for both kinds of caller.
        let mix = [call_ok as f64, call_late as f64, call_dropped as f64];
        let a = round_shares(from_ok, mix.into_iter());
        let b = round_shares(from_late, mix.into_iter());
        let caller = ctx.tally.outcome(parent as u16);
        caller.ok += a[0];
        caller.late += a[1] + b[0] + b[1];
        caller.dropped[DropReason::DownstreamFailed.index()] += a[2] + b[2];
    }
}
