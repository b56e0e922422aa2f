//! Auto Scaling: scheduled actions, dynamic policies, and keeping each group
//! at its desired capacity.

use hecs::{Entity, World};

use crate::format::solution::{Metric, Policy};
use crate::sim::components::{Fleet, Group, MessageQueue, Server, ServerState};
use crate::sim::log::What;
use crate::sim::state::Ctx;

use super::lifecycle::retire;
use super::name_of;

const DAY_S: f64 = 86_400.0;

/// Evaluates every group's schedule and policies, then launches or retires
/// instances to match its desired capacity.
pub fn evaluate(world: &mut World, ctx: &mut Ctx) {
    for i in 0..ctx.kinds.groups.len() {
        let entity = ctx.kinds.groups[i];
        // The backlog of the queue the group reads.
        let backlog = ctx.kinds.group_feeds[i]
            .and_then(|q| ctx.queues.get(q))
            .map_or(0, MessageQueue::backlog) as f64;
        let (Some(group), Some(fleet)) = (ctx.groups.get(entity), ctx.fleets.get(entity)) else {
            continue;
        };
        // While no server changed, the census says what the group holds: a
        // group at its desired size that stayed there has nothing to do.
        // (Scheduled actions and policies change the desired size only by
        // resizing, which reconciles anyway.)
        let settled = !ctx.roster_changed && fleet.census.members == group.desired;
        let mut resized = false;
        // Scheduled actions come first; the group is looked up again after
        // them only if it has any.
        if !group.scheduled.is_empty() {
            resized |= scheduled(world, ctx, entity);
        }
        let (Some(group), Some(fleet)) = (ctx.groups.get_mut(entity), ctx.fleets.get(entity))
        else {
            continue;
        };
        let clock = Clock {
            setup: &ctx.setup,
            tick: ctx.tick,
            now_s: ctx.now_s,
            things: &ctx.things,
        };
        if !group.policies.is_empty()
            && let Some((want, why)) = policies(&clock, entity, group, fleet, backlog)
        {
            resized |= set_desired(world, ctx, entity, want, || why.to_string());
        }
        if !settled || resized {
            reconcile(world, ctx, entity);
        }
    }
}

/// Sets a group's desired capacity within its bounds; `why` is written out
/// only when that changes it (a schedule is looked at every tick). Whether
/// it changed.
fn set_desired(
    world: &mut World,
    ctx: &mut Ctx,
    entity: Entity,
    desired: u32,
    why: impl FnOnce() -> String,
) -> bool {
    let Some(group) = ctx.groups.get_mut(entity) else {
        return false;
    };
    let from = group.desired;
    group.desired = desired.clamp(group.min, group.max);
    let to = group.desired;
    if to != from {
        let thing = name_of(world, entity);
        ctx.note(What::Scaled {
            thing,
            from,
            to,
            why: why(),
        });
    }
    to != from
}

/// Applies scheduled actions that fall in this tick; whether the desired
/// capacity changed.
fn scheduled(world: &mut World, ctx: &mut Ctx, entity: Entity) -> bool {
    let (now, end) = (ctx.now_s, ctx.end_s());
    let Some(group) = ctx.groups.get_mut(entity) else {
        return false;
    };
    if group.scheduled.is_empty() {
        return false;
    }
    let mut wanted = None;
    for i in 0..group.scheduled.len() {
        let action = group.scheduled[i].clone();
        let at = action.at.secs();
        let due = if action.daily {
            let first_day = (now / DAY_S).floor();
            // The action's time of day on this tick's day (and the next, for ticks that cross midnight).
            [first_day, first_day + 1.0].iter().any(|day| {
                let t = day * DAY_S + at.rem_euclid(DAY_S);
                t >= now && t < end && t >= at
            })
        } else {
            at >= now && at < end
        };
        if !due {
            continue;
        }
        if let Some(min) = action.min {
            group.min = min;
        }
        if let Some(max) = action.max {
            group.max = max;
        }
        group.max = group.max.max(group.min);
        if let Some(desired) = action.desired {
            wanted = Some(desired);
        }
    }
    let desired = wanted.unwrap_or(group.desired);
    set_desired(world, ctx, entity, desired, || "scheduled action".into())
}

/// What a group's policies read of the run besides the group and its fleet:
/// borrowed field by field, so the group can be changed in place in its store.
struct Clock<'a> {
    setup: &'a crate::sim::Setup,
    tick: u64,
    now_s: f64,
    things: &'a [(String, Entity)],
}

/// Feeds the metric window of `entity`'s group and, once a period is
/// complete, runs its policies (it has some); `backlog` is what waits in
/// the queue the group reads (nil for none). The desired capacity they ask
/// for, and why, if they ask for a change.
fn policies(
    ctx: &Clock,
    entity: Entity,
    group: &mut Group,
    fleet: &Fleet,
    backlog: f64,
) -> Option<(u32, Why)> {
    let cat = &ctx.setup.catalogue.ec2;
    let (period, datapoints, cooldown_default) =
        (cat.metric_period_s, cat.scale_in_datapoints, cat.cooldown_s);
    let tick_s = ctx.setup.tick_s;
    let now = ctx.now_s;
    if ctx.tick > 0 {
        // Last tick's figures; warm servers are what the metrics count.
        let warm_share = if fleet.census.working > 0 {
            f64::from(fleet.census.warm) / f64::from(fleet.census.working)
        } else {
            0.0
        };
        let w = &mut group.window;
        w.busy_s += fleet.busy_s * warm_share;
        w.capacity_s += f64::from(fleet.census.warm * fleet.slots_per_server) * tick_s;
        w.requests += fleet.received as f64;
        w.instance_s += f64::from(fleet.census.warm) * tick_s;
        w.backlog_s += backlog * tick_s;
        w.span_s += tick_s;
    }
    if group.window.span_s + 1e-9 < period {
        return None;
    }
    let window = std::mem::take(&mut group.window);
    let census = fleet.census;
    let counted = census.warm;
    let warming = census.working - census.warm + census.pending + census.unhealthy;
    let desired = group.desired;
    let metric = |m: Metric| -> Option<f64> {
        match m {
            Metric::Cpu if window.capacity_s > 0.0 => {
                Some((window.busy_s / window.capacity_s * 100.0).min(100.0))
            }
            Metric::RequestsPerTarget if window.instance_s > 0.0 => {
                Some(window.requests * 60.0 / window.instance_s)
            }
            // Backlog per instance is defined with no instance at all: it is what scales a consumer up from zero.
            Metric::BacklogPerInstance => {
                Some(window.backlog_s / window.instance_s.max(window.span_s))
            }
            _ => None,
        }
    };
    let mut out: Option<(u32, Why)> = None;
    // Predictive scaling never scales in by itself: what it forecasts is a floor.
    let mut floor: u32 = 0;
    let mut all_in = true;
    let mut in_to: u32 = 0;
    for (i, policy) in group.policies.iter().enumerate() {
        match policy {
            Policy::TargetTracking { metric: m, target } => {
                let Some(value) = metric(*m) else {
                    all_in = false;
                    // Nothing warm to measure: with traffic arriving and no capacity at all, launch one.
                    if counted == 0 && warming == 0 && window.requests > 0.0 && out.is_none() {
                        out = Some((desired.max(1), Why::NoCapacity(*m)));
                    }
                    continue;
                };
                let proportional = (f64::from(counted) * value / target).ceil() as u32;
                if value > *target {
                    let want = proportional.max(counted + 1) + warming;
                    if want > desired && out.as_ref().is_none_or(|(o, _)| want > *o) {
                        out = Some((
                            want,
                            Why::AboveTarget {
                                metric: *m,
                                value,
                                target: *target,
                            },
                        ));
                    }
                    all_in = false;
                } else if value < *target && proportional + warming < desired {
                    in_to = in_to.max(
                        (proportional + warming).max(desired.saturating_sub((desired / 10).max(1))),
                    );
                } else {
                    all_in = false;
                }
            }
            Policy::Predictive { target, ahead } => {
                let ahead = ahead.map_or(DEFAULT_BUFFER_S, |a| a.secs());
                let name = ctx
                    .things
                    .iter()
                    .find(|(_, e)| *e == entity)
                    .map_or("", |(id, _)| id.as_str());
                let need = forecast_need(ctx.setup, name, fleet, now + ahead, *target);
                floor = floor.max(need);
                if need > desired && out.as_ref().is_none_or(|(o, _)| need > *o) {
                    out = Some((need, Why::Forecast(need)));
                }
            }
            Policy::Step {
                metric: m,
                steps,
                cooldown,
            } => {
                all_in = false;
                let Some(value) = metric(*m) else { continue };
                let cooldown = cooldown.map_or(cooldown_default, |c| c.secs());
                if now - group.last_step_change_s[i] < cooldown {
                    continue;
                }
                let step = steps.iter().find(|s| {
                    s.above.is_none_or(|a| value >= a) && s.below.is_none_or(|b| value < b)
                });
                if let Some(step) = step
                    && step.change != 0
                {
                    group.last_step_change_s[i] = now;
                    let want = (i64::from(desired) + i64::from(step.change)).max(0) as u32;
                    let why = Why::Step { metric: *m, value };
                    if step.change > 0 {
                        if out.as_ref().is_none_or(|(o, _)| want > *o) {
                            out = Some((want, why));
                        }
                    } else if out.is_none() {
                        out = Some((want, why));
                    }
                }
            }
        }
    }
    let has_tracking = group
        .policies
        .iter()
        .any(|p| matches!(p, Policy::TargetTracking { .. }));
    if out.is_some() || !all_in || !has_tracking {
        group.low_periods = 0;
    } else {
        // A long tick holds several metric periods, each one a datapoint.
        group.low_periods += ((window.span_s / period).round() as u32).max(1);
    }
    let in_to = in_to.max(floor);
    let scale_in = has_tracking
        && all_in
        && out.is_none()
        && in_to < desired
        && group.low_periods >= datapoints
        && now - group.last_scale_in_s >= cooldown_default;
    if scale_in {
        group.last_scale_in_s = now;
        out = Some((in_to, Why::BelowTarget));
    }
    out
}

/// AWS predictive scaling's default scheduling buffer: capacity launches this early.
const DEFAULT_BUFFER_S: f64 = 300.0;

/// Instances needed to keep CPU at `target` percent under the load forecast for
/// the hour starting at `at`, from the periodic part of each source's traffic:
/// the daily and weekly rhythm, the season and the growth a history shows, not
/// one-off spikes it cannot know about.
fn forecast_need(
    setup: &crate::sim::Setup,
    group: &str,
    fleet: &Fleet,
    at: f64,
    target: f64,
) -> u32 {
    let Some(streams) = setup.visits.get(group) else {
        return 0;
    };
    let per_server = f64::from(fleet.slots_per_server) * target / 100.0;
    if per_server <= 0.0 {
        return 0;
    }
    let mut peak_work = 0.0_f64;
    // AWS forecasts hourly: plan for the busiest moment of the coming hour.
    for step in 0..12 {
        let t = at + f64::from(step) * 300.0;
        let work: f64 = streams
            .iter()
            .filter(|&&s| setup.streams[s].parent.is_none())
            .map(|&s| {
                let source = &setup.level.sources[setup.streams[s].root];
                let rate = super::traffic::periodic_rate(source.base_rps, &source.shapes, t);
                rate * fleet.terms[setup.streams[s].workload].service_s
            })
            .filter(|w| w.is_finite())
            .sum();
        peak_work = peak_work.max(work);
    }
    (peak_work / per_server).ceil() as u32
}

/// Why a policy wants a group resized, written out only when it is.
#[derive(Debug, Clone, Copy)]
enum Why {
    /// Target tracking with nothing warm to measure and traffic arriving.
    NoCapacity(Metric),
    /// Target tracking above its target.
    AboveTarget {
        metric: Metric,
        value: f64,
        target: f64,
    },
    /// Target tracking below its target for long enough.
    BelowTarget,
    /// Predictive scaling's forecast needs this many.
    Forecast(u32),
    /// A step of a step policy.
    Step { metric: Metric, value: f64 },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Why::NoCapacity(m) => write!(f, "{m:?} target tracking: no capacity"),
            Why::AboveTarget {
                metric,
                value,
                target,
            } => write!(
                f,
                "target tracking: {} {value:.0} > {target:.0}",
                metric_label(metric)
            ),
            Why::BelowTarget => f.write_str("target tracking: below target"),
            Why::Forecast(need) => write!(f, "predictive scaling: forecast needs {need}"),
            Why::Step { metric, value } => {
                write!(f, "step scaling: {} {value:.0}", metric_label(metric))
            }
        }
    }
}

fn metric_label(m: Metric) -> &'static str {
    match m {
        Metric::Cpu => "CPU %",
        Metric::RequestsPerTarget => "requests/min per instance",
        Metric::BacklogPerInstance => "queue backlog per instance",
    }
}

/// Launches or retires instances so the group holds its desired capacity.
pub fn reconcile(world: &mut World, ctx: &mut Ctx, entity: Entity) {
    let (Some(group), Some(fleet)) = (ctx.groups.get(entity), ctx.fleets.get(entity)) else {
        return;
    };
    let desired = group.desired;
    let (hardware, purchase, draining_s, behind_lb, boot_s, capacity) = (
        fleet.hardware,
        fleet.purchase,
        fleet.draining_s,
        fleet.checks.is_some(),
        fleet.boot_s,
        fleet.capacity,
    );
    let counted = fleet.census.members;
    let gave_up_at = group.unplaced_at;
    // While no server changed, the census is exact: a group at its desired
    // size has nothing to do.
    if !ctx.roster_changed && counted == desired {
        return;
    }
    // Tasks on EC2 that found no room last time find none now, unless a
    // server changed (an instance came, a task left).
    if !ctx.roster_changed && capacity.is_some() && counted < desired && gave_up_at == Some(desired)
    {
        return;
    }
    let mut active = std::mem::take(&mut ctx.members);
    active.clear();
    active.extend(
        ctx.roster
            .iter()
            .filter(|&&(_, fleet)| fleet == entity)
            .filter_map(|&(e, _)| {
                let s = world.get::<&Server>(e).ok()?;
                s.state
                    .counts_toward_group()
                    .then_some((e, matches!(s.state, ServerState::Pending { .. })))
            }),
    );
    let have = active.len() as u32;
    if have < desired {
        let ready = ctx.now_s + boot_s;
        for _ in have..desired {
            if capacity.is_some() {
                // A task on EC2 needs room on an instance of its cluster.
                if !super::containers::launch(world, ctx, entity, ready) {
                    if let Some(g) = ctx.groups.get_mut(entity) {
                        g.unplaced_at = Some(desired);
                    }
                    break;
                }
            } else {
                ctx.spawn_server(world, entity, hardware, purchase, ready);
            }
            ctx.changed();
        }
    } else if have > desired {
        // Booting instances go first (nothing to lose), then the newest in service.
        let booting = active.iter().rev().filter(|(_, p)| *p);
        let victims = booting.chain(active.iter().rev().filter(|(_, p)| !*p));
        let mut lost = 0;
        for &(victim, _) in victims.take((have - desired) as usize) {
            let drain = (behind_lb && draining_s > 0.0).then_some(ctx.now_s + draining_s);
            lost += retire(world, ctx, victim, drain);
            ctx.changed();
        }
        if lost > 0 {
            let thing = name_of(world, entity);
            ctx.note(What::LostInFlight {
                thing,
                requests: lost,
            });
        }
    }
    ctx.members = active;
}
