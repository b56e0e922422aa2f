//! Coupling: requests that call the next tier. Served requests send their
//! calls downstream; callers of synchronous calls wait for them, and share
//! their fate.

use hecs::Entity;

use crate::sim::components::{Fleet, Function};
use crate::sim::state::{ByThing, Ctx};
use crate::sim::station::{Cohort, DropReason, round_shares_of};

/// Sends the calls of everything finished since the last call into
/// `downstream`, the finisher's downstream link. A synchronous call holds its
/// caller back from the tally until the call resolves.
pub fn emit(ctx: &mut Ctx, downstream: Option<Entity>) {
    if ctx.tally.completions.is_empty() {
        return;
    }
    let mut completions = std::mem::take(&mut ctx.tally.completions);
    let mid = ctx.now_s + ctx.tick_s() / 2.0;
    // Borrowed field by field: the setup is read while the rest is written,
    // with no reference count to move every call.
    let Ctx {
        setup,
        tally,
        awaiting,
        carry,
        arrived,
        inboxes,
        ..
    } = ctx;
    for &done in &completions {
        let (stream, ok, late) = (done.stream, done.ok, done.late);
        let parent = usize::from(stream);
        let Some(children) = setup.children.get(parent) else {
            continue;
        };
        let calls = &setup.level.workloads[setup.streams[parent].workload].calls;
        // A caller waits on its first synchronous call; any further calls it
        // makes to the same tier go along without holding it twice.
        let mut held = false;
        for (ci, child) in children.iter().enumerate() {
            let Some(child) = *child else { continue };
            let spec = &setup.streams[child];
            let count = if spec.sync && !held {
                held = true;
                let o = tally.outcome(stream);
                o.ok -= ok;
                o.late -= late;
                let (latency_s, wait_s) = tally.take_latency(stream);
                let waiting = &mut awaiting[child];
                waiting.ok += ok;
                waiting.late += late;
                waiting.latency_s += latency_s;
                waiting.wait_s += wait_s;
                (ok + late, done.expected)
            } else if spec.sync {
                (ok + late, done.expected)
            } else {
                let per = calls[ci].per_request;
                let wanted = per * (ok + late) as f64 + carry[child];
                let whole = wanted.floor();
                carry[child] = wanted - whole;
                (whole as u64, per * done.expected)
            };
            let (count, expected) = count;
            if count == 0 && !(expected > 0.0) {
                continue;
            }
            arrived[child] += count;
            let cohort = Cohort {
                stream: child as u16,
                workload: spec.workload as u16,
                count,
                expected,
                arrived_s: mid,
                tries: 0,
            };
            match downstream.and_then(|d| inboxes.get_mut(d)) {
                Some(inbox) => inbox.0.push(cohort),
                None => tally.drop(cohort.stream, count, DropReason::NoTarget),
            }
        }
    }
    // The buffer goes back for the next finisher (nothing finished meanwhile).
    completions.clear();
    if ctx.tally.completions.is_empty() {
        ctx.tally.completions = completions;
    }
}

/// The downstream link of a fleet or a function, if it has one.
pub fn downstream_of(
    fleets: &ByThing<Fleet>,
    functions: &ByThing<Function>,
    entity: Entity,
) -> Option<Entity> {
    fleets
        .get(entity)
        .and_then(|f| f.downstream)
        .or_else(|| functions.get(entity).and_then(|f| f.downstream))
}

/// Settles callers whose synchronous calls finished this tick. A caller's
/// latency is its own plus its call's; past its deadline it is late, past its
/// caller's patience it is dropped, and a dropped call drops it.
/// Deepest calls first, so a chain of calls settles within the tick.
pub fn resolve(ctx: &mut Ctx) {
    // Borrowed, not cloned: a clone of the reference count is two atomic
    // operations a tick.
    let setup = &*ctx.setup;
    for (child, spec) in setup.streams.iter().enumerate().rev() {
        let (Some(parent), true) = (spec.parent, spec.sync) else {
            continue;
        };
        let waiting = ctx.awaiting[child];
        if waiting.count() == 0 {
            continue;
        }
        let o = ctx.tally.by_stream.get(child).copied().unwrap_or_default();
        let (call_ok, call_late, call_dropped) = (o.ok, o.late, o.dropped_total());
        let settled = (call_ok + call_late + call_dropped).min(waiting.count());
        if settled == 0 {
            continue;
        }
        let call_finished = call_ok + call_late;
        let (call_latency, call_wait) = if call_finished > 0 {
            let (l, w) = ctx.tally.take_latency(child as u16);
            (l / call_finished as f64, w / call_finished as f64)
        } else {
            (0.0, 0.0)
        };
        let own_latency = waiting.latency_s / waiting.count() as f64;
        let own_wait = waiting.wait_s / waiting.count() as f64;
        // Which callers settle: in proportion to how they stood before the call.
        let took = round_shares_of(settled, [waiting.ok as f64, waiting.late as f64]);
        let (from_ok, from_late) = (took[0].min(waiting.ok), took[1].min(waiting.late));
        let w = &mut ctx.awaiting[child];
        w.ok -= from_ok;
        w.late -= from_late;
        w.latency_s -= own_latency * (from_ok + from_late) as f64;
        w.wait_s -= own_wait * (from_ok + from_late) as f64;
        // How their calls ended: the same mix for both kinds of caller.
        let mix = [call_ok as f64, call_late as f64, call_dropped as f64];
        let a = round_shares_of(from_ok, mix);
        let b = round_shares_of(from_late, mix);
        let latency = own_latency + call_latency;
        let wait = own_wait + call_wait;
        let terms = &setup.workloads[setup.streams[parent].workload];
        let finished = a[0] + a[1] + b[0] + b[1];
        let (mut ok, mut late, mut gave_up) = (a[0], a[1] + b[0] + b[1], 0);
        if latency > terms.give_up_s {
            (gave_up, ok, late) = (ok + late, 0, 0);
        } else if latency > terms.deadline_s + 1e-9 {
            (late, ok) = (late + ok, 0);
        }
        let caller = ctx.tally.outcome(parent as u16);
        caller.ok += ok;
        caller.late += late;
        caller.dropped[DropReason::DownstreamFailed.index()] += a[2] + b[2];
        caller.dropped[DropReason::GaveUp.index()] += gave_up;
        // Callers are left out of the distribution until now; add them if they count.
        let kept = (ok + late) as f64;
        if setup.streams[parent].counted() && kept > 0.0 {
            ctx.tally
                .times
                .of(terms.caller_waits)
                .add_whole(latency * 1000.0, wait * 1000.0, kept);
        }
        // A caller that is itself a synchronous call passes its latency up the chain.
        if finished > 0 {
            ctx.tally.add_latency(parent as u16, kept, latency, wait);
        }
    }
}

/// Counts what arrived this tick in a stream whose requests must reach a
/// thing they never do as dropped there too, `undelivered`: a subscriber left
/// without a link loses every copy meant for it.
pub fn undelivered(ctx: &mut Ctx) {
    let setup = &*ctx.setup;
    for u in &setup.undelivered {
        let n = ctx.arrived[u.origin];
        ctx.arrived[u.stream] += n;
        ctx.tally.drop(u.stream as u16, n, DropReason::Undelivered);
    }
}
