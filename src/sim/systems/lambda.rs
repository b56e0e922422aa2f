//! Lambda: a function runs one execution environment per request in flight.
//! It scales with demand up to its concurrency limit, new environments add a
//! cold start, work longer than the function's timeout (at most 15 minutes)
//! is stopped, and it costs nothing while idle: a price per request and per
//! GB-second of run time.
//!
//! Its environments are a line with no room to wait (M/M/L/L): an
//! invocation that finds every environment it may use busy is throttled,
//! with Erlang B's chance in steady state, whatever the tick. Run times are
//! exponential around the workload's time on the function's CPU.

use hecs::Entity;

use crate::sim::components::Function;
use crate::sim::latency::Service;
use crate::sim::ledger::Service as Bill;
use crate::sim::queueing::line::LineParams;
use crate::sim::state::{Ctx, Inbox};
use crate::sim::station::{Cohort, DropReason, Fate, Running, Tally, round_carried};

/// Runs this tick's invocations of one function.
pub fn invoke(ctx: &mut Ctx, entity: Entity) {
    let Some(f) = ctx.functions.get_mut(entity) else {
        return;
    };
    let Some(mut arrivals) = ctx.inboxes.get_mut(entity).map(Inbox::take) else {
        return;
    };
    // Borrowed, not cloned: a clone of the reference count is two atomic
    // operations a tick.
    let setup = &*ctx.setup;
    let cat = &setup.catalogue.lambda;
    let (now, tick_s) = (ctx.now_s, setup.tick_s);
    let end = now + tick_s;
    let mid = now + tick_s / 2.0;

    release(&mut ctx.tally, f, end);
    let held = f.held;
    debug_assert_eq!(held, holding(f));

    // Environments it may use this tick: its limit, and no faster than the
    // function may scale from what is warm.
    let ramp = f64::from(cat.new_environments_per_10s) / 10.0 * tick_s;
    let ceiling = f64::from(f.limit).min(f.warm.max(held as f64) + ramp);

    let mut queue = std::mem::take(&mut f.queue);
    queue.clear();
    queue.extend(f.retrying.drain(..));
    queue.append(&mut arrivals);
    if let Some(inbox) = ctx.inboxes.get_mut(entity) {
        inbox.give_back(arrivals);
    }
    let (mut expected, mut work) = (0.0, 0.0);
    for c in &queue {
        let run = f.run_s[usize::from(c.workload)].min(f.timeout_s);
        if run.is_finite() {
            expected += c.expected;
            work += c.expected * run;
        }
    }
    let mu = if work > 0.0 {
        expected / work
    } else {
        mean_rate(f)
    };
    let params = LineParams {
        // Truncation is the floor of what is never negative (and saturates alike).
        servers: ceiling as u32,
        lambda: expected / tick_s,
        mu,
        room: 0,
        wait_scale: 1.0,
    };
    // A poller takes only what it can run: its invocations are never throttled.
    let open = f.polls || {
        f.line.advance(params, tick_s, false);
        false
    };
    let (mut invoked, mut throttled) = (0u64, 0u64);
    let mut outlasting = 0u64;
    let mut admitted = std::mem::take(&mut f.admitted);
    admitted.clear();
    for c in queue.drain(..) {
        let run = f.run_s[usize::from(c.workload)];
        if !run.is_finite() {
            ctx.tally.drop(c.stream, c.count, DropReason::Incapable);
            continue;
        }
        let w = &setup.workloads[usize::from(c.workload)];
        let blocked = if open || params.servers == 0 && f.polls {
            0.0
        } else if params.servers == 0 {
            1.0
        } else {
            f.line.blocked()
        };
        let i = usize::from(c.stream);
        if f.carry.len() <= i {
            f.carry.resize(i + 1, ([0.0; 2], [0.0; 2]));
        }
        let [mut out, mut take] =
            round_carried(c.count, [blocked, 1.0 - blocked], &mut f.carry[i].0);
        // Invocations that outlast the tick hold their environment past it:
        // never more of them than the limit.
        if mid + run.min(f.timeout_s) > end {
            let room = u64::from(f.limit).saturating_sub(held + outlasting);
            let over = take.saturating_sub(room);
            take -= over;
            out += over;
            outlasting += take;
        }
        invoked += take;
        if take > 0 || c.expected * (1.0 - blocked) > 0.0 {
            admitted.push((
                c.with(take, c.expected * (1.0 - blocked)),
                run,
                w.deadline_s,
            ));
        }
        if out == 0 {
            continue;
        }
        throttled += out;
        if f.asynchronous && mid - c.arrived_s < cat.max_event_age_s {
            // Lambda keeps throttled asynchronous events and retries them.
            f.retrying.push_back(c.with(out, c.expected * blocked));
        } else if f.asynchronous {
            ctx.tally.drop(c.stream, out, DropReason::Expired);
        } else {
            ctx.tally.drop(c.stream, out, DropReason::Throttled);
        }
    }

    // Mean environments busy, and the new ones that start cold: each serves
    // its first invocation late by the cold start.
    let environments = f
        .line
        .mean_busy()
        .max(if open { work / tick_s } else { 0.0 })
        .min(f64::from(f.limit));
    let mut cold_left = (environments - f.warm).max(0.0).ceil() as u64;
    f.cold = cold_left.min(invoked);
    let mut gb_s = 0.0;
    for (c, run, deadline_s) in admitted.drain(..) {
        let cold = cold_left.min(c.count);
        cold_left -= cold;
        let stopped = run > f.timeout_s;
        let ran = run.min(f.timeout_s);
        // Billed per millisecond, rounded up: a fixed run to its next
        // millisecond, a varying one half a millisecond more on average.
        let g = cat.billing_granularity_s;
        let billed = if setup.workloads[usize::from(c.workload)].fixed && g > 0.0 {
            ((ran / g) - 1e-9).ceil().max(0.0) * g
        } else {
            ran + g / 2.0
        };
        gb_s += c.count as f64 * billed * f64::from(f.memory_mb) / 1024.0;
        let waited = (mid - c.arrived_s).max(0.0);
        for (n, start_up) in [(cold, cat.cold_start_s), (c.count - cold, 0.0)] {
            if n == 0 && start_up > 0.0 {
                continue;
            }
            let share = if c.count > 0 {
                n as f64 / c.count as f64
            } else {
                1.0
            };
            let expected = c.expected * share;
            if stopped {
                start(
                    f,
                    entry(
                        &c,
                        n,
                        expected,
                        Fate::Dropped(DropReason::TimedOut),
                        mid + start_up + ran,
                        waited + start_up,
                        ran,
                    ),
                );
                continue;
            }
            // On time if the run ends within what the deadline leaves: a fixed
            // run exactly when it fits, an exponential one with its chance.
            let slack = deadline_s - waited - start_up;
            let fixed = setup.workloads[usize::from(c.workload)].fixed;
            let in_time = if slack <= 0.0 {
                0.0
            } else if fixed {
                if ran <= slack + 1e-9 { 1.0 } else { 0.0 }
            } else {
                1.0 - (-slack / ran).exp()
            };
            let i = usize::from(c.stream);
            let [ok, late] = round_carried(n, [in_time, 1.0 - in_time], &mut f.carry[i].1);
            let finish = mid + start_up + ran;
            for (count, part, fate) in [(ok, in_time, Fate::Ok), (late, 1.0 - in_time, Fate::Late)]
            {
                if count > 0 || expected * part > 0.0 {
                    f.held += count;
                    start(
                        f,
                        entry(
                            &c,
                            count,
                            expected * part,
                            fate,
                            finish,
                            waited + start_up,
                            ran,
                        ),
                    );
                }
            }
            if n > 0 && ctx.tally.heard(c.stream) {
                let w = &setup.workloads[usize::from(c.workload)];
                let wait_ms = (waited + start_up) * 1000.0;
                let service = Service {
                    ms: ran * 1000.0,
                    fixed: w.fixed,
                };
                ctx.tally
                    .times
                    .of(w.caller_waits)
                    .add_uniform_wait(service, n as f64, wait_ms, wait_ms);
            }
        }
    }
    ctx.ledger.charge(
        Bill::Lambda,
        invoked as f64 * cat.usd_per_million_requests / 1e6,
    );
    // Duration is billed with the tick's other compute, where a Compute
    // Savings Plan may cover it.
    ctx.lambda_duration_usd += gb_s * f.usd_per_gb_s;
    release(&mut ctx.tally, f, end);

    // Environments stay warm for a while after their last use: the most in
    // use within that window. Kept as a falling run (an older tick with no
    // more than a newer one can never be the most again), so the front is it.
    while f.recent.back().is_some_and(|&(_, e)| e <= environments) {
        f.recent.pop_back();
    }
    f.recent.push_back((end, environments));
    while f
        .recent
        .front()
        .is_some_and(|(t, _)| end - t > cat.warm_for_s)
    {
        f.recent.pop_front();
    }
    f.warm = f.recent.front().map_or(0.0, |&(_, e)| e);
    f.concurrency = environments;
    f.invoked = invoked;
    f.throttled = throttled;
    f.queue = queue;
    f.admitted = admitted;
    let downstream = f.downstream;
    super::coupling::emit(ctx, downstream);
}

/// A decided group of invocations.
fn entry(
    c: &Cohort,
    count: u64,
    expected: f64,
    fate: Fate,
    finish_s: f64,
    wait_s: f64,
    run_s: f64,
) -> Running {
    Running {
        stream: c.stream,
        workload: c.workload,
        count,
        expected,
        arrived_s: c.arrived_s,
        start_s: finish_s - run_s,
        finish_s,
        fate,
        latency_s: wait_s + run_s,
        wait_s,
        tries: c.tries,
        decided_s: 0.0,
    }
}

/// Adds a decided group of invocations to those running.
fn start(f: &mut Function, r: Running) {
    f.finish_s.push(r.finish_s);
    f.running.push(r);
}

/// Ends the invocations whose time has come by `end`.
fn release(tally: &mut Tally, f: &mut Function, end: f64) {
    debug_assert_eq!(f.finish_s.len(), f.running.len());
    let mut i = 0;
    // The next ended one from `i` on, found in the finish times alone; the
    // last moves into its place and is looked at next.
    while let Some(at) = f
        .finish_s
        .get(i..)
        .and_then(|rest| rest.iter().position(|&t| !(t > end)))
    {
        i += at;
        f.finish_s.swap_remove(i);
        let r = f.running.swap_remove(i);
        match r.fate {
            Fate::Ok | Fate::Late => {
                f.held -= r.count;
                tally.finish(r.stream, r.count, r.fate == Fate::Late, r.expected);
                tally.add_latency(r.stream, r.count as f64, r.latency_s, r.wait_s);
            }
            Fate::Dropped(reason) => tally.drop(r.stream, r.count, reason),
        }
    }
}

/// Invocations holding an environment, counted the long way (for checks).
fn holding(f: &Function) -> u64 {
    f.running
        .iter()
        .filter(|r| matches!(r.fate, Fate::Ok | Fate::Late))
        .map(|r| r.count)
        .sum()
}

/// The service rate of the work a function runs, when no traffic says which.
fn mean_rate(f: &Function) -> f64 {
    let runs: Vec<f64> = f
        .reached
        .iter()
        .map(|&w| f.run_s[w].min(f.timeout_s))
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    if runs.is_empty() {
        1.0
    } else {
        runs.len() as f64 / runs.iter().sum::<f64>()
    }
}

/// Requests a function could start this tick (for a queue handing it messages).
pub fn room(f: &Function, tick_s: f64, new_environments_per_10s: u32) -> u64 {
    let held = f.held;
    debug_assert_eq!(held, holding(f));
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
    // Each free environment runs a tick's worth of invocations (or one that
    // outlasts the tick). Truncation is the floor of what is never negative.
    (free * (tick_s / run).max(1.0)) as u64
}
