//! Script: scripted events of the level and timed actions of the player,
//! applied at the start of the tick they fall in.

use hecs::{Entity, World};
use rand::RngExt;

use crate::format::level::{EventKind, Target};
use crate::format::solution::{Action, Purchase};
use crate::sim::components::{Hardware, OnPremises, Server, ServerState};
use crate::sim::log::What;
use crate::sim::state::Ctx;

use super::servers_of;

/// Applies every event and action due before the end of this tick.
pub fn apply_due(world: &mut World, ctx: &mut Ctx) {
    spot_wave(world, ctx);
    let end = ctx.end_s();
    // The level's script ends with the level; the drain only finishes work.
    let level_end = ctx.setup.ticks as f64 * ctx.setup.tick_s;
    // Only a due event is copied out (most ticks have none, and an event
    // holds names): applying it needs the context the list lives in.
    while let Some(&(at, _)) = ctx.events.get(ctx.next_event) {
        if at >= end || at >= level_end {
            break;
        }
        let event = ctx.events[ctx.next_event].1.clone();
        ctx.next_event += 1;
        apply_event(world, ctx, &event);
        // Events and actions may touch servers: every server is looked at again.
        ctx.changed();
    }
    while let Some(timed) = ctx.actions.get(ctx.next_action) {
        if timed.at.secs() >= end {
            break;
        }
        let action = timed.action.clone();
        ctx.next_action += 1;
        apply_action(world, ctx, &action);
        ctx.changed();
    }
}

fn apply_event(world: &mut World, ctx: &mut Ctx, event: &EventKind) {
    match event {
        EventKind::TrafficSpike {
            source, multiplier, ..
        } => {
            ctx.note(What::SpikeStarted {
                source: source.clone(),
                multiplier: *multiplier,
            });
        }
        EventKind::Outage { lasts, .. } => {
            let fleets = targets(world, ctx, event);
            let until_s = ctx.now_s + lasts.secs();
            for fleet in fleets {
                let mut down = 0;
                for server in servers_of(ctx, fleet) {
                    if let Ok(mut s) = world.get::<&mut Server>(server)
                        && matches!(
                            s.state,
                            ServerState::InService
                                | ServerState::Pending { .. }
                                | ServerState::Failed { .. }
                        )
                    {
                        s.state = ServerState::Down { until_s };
                        down += 1;
                    }
                }
                if down > 0 {
                    lose_share(world, ctx, fleet, down);
                    let thing = super::name_of(world, fleet);
                    ctx.note(What::Outage { thing, until_s });
                }
            }
        }
        EventKind::PriceChange {
            purchase,
            multiplier,
        } => {
            ctx.price_factor[*purchase as usize] = *multiplier;
            ctx.note(What::PriceChanged {
                purchase: *purchase,
                multiplier: *multiplier,
            });
        }
        EventKind::SpotReclaim { count, .. } => {
            let fleets = targets(world, ctx, event);
            let notice_s = ctx.setup.catalogue.pricing.spot.notice_s;
            // Booting and resizing spot instances are as exposed as serving ones.
            let victims = pick_victims(world, ctx, &fleets, *count, |s| {
                s.purchase == Purchase::Spot
                    && s.reclaim_at_s.is_none()
                    && matches!(
                        s.state,
                        ServerState::InService
                            | ServerState::Pending { .. }
                            | ServerState::Resizing { .. }
                    )
            });
            for (server, fleet) in victims {
                if let Ok(mut s) = world.get::<&mut Server>(server) {
                    s.reclaim_at_s = Some(ctx.now_s + notice_s);
                }
                super::lifecycle::notice(world, ctx, server, fleet);
            }
        }
        EventKind::InstanceFailure { count, .. } => {
            let fleets = targets(world, ctx, event);
            let victims = pick_victims(world, ctx, &fleets, *count, |s| {
                matches!(
                    s.state,
                    ServerState::InService
                        | ServerState::Pending { .. }
                        | ServerState::Resizing { .. }
                )
            });
            for fleet in fleets {
                let (mut failed, mut serving) = (0, 0);
                for &(server, _) in victims.iter().filter(|&&(_, f)| f == fleet) {
                    if let Ok(mut s) = world.get::<&mut Server>(server) {
                        serving += u32::from(matches!(s.state, ServerState::InService));
                        s.state = ServerState::Failed {
                            since_s: ctx.now_s,
                            detected: false,
                        };
                        failed += 1;
                    }
                }
                if serving > 0 {
                    // What the failed servers held is gone with them.
                    lose_share(world, ctx, fleet, serving);
                }
                if failed > 0 {
                    let thing = super::name_of(world, fleet);
                    ctx.note(What::ServersFailed {
                        thing,
                        count: failed,
                    });
                }
            }
        }
    }
}

/// Spare capacity runs short when demand peaks: as the level's demand rises
/// past the catalogue's threshold (a multiple of its mean), a wave gives a
/// share of the spot instances running their notice, drawn at random.
fn spot_wave(world: &mut World, ctx: &mut Ctx) {
    let spot = &ctx.setup.catalogue.pricing.spot;
    let (above, share) = (spot.wave_above, spot.wave_share);
    if !(ctx.demand_mean > 0.0) || !(share > 0.0) || ctx.tick >= ctx.setup.ticks {
        return;
    }
    let demand = super::traffic::demand_at_kept(ctx, ctx.now_s + ctx.tick_s() / 2.0);
    let high = demand > above * ctx.demand_mean;
    let rising = high && !ctx.demand_high;
    ctx.demand_high = high;
    if !rising || ctx.spot_servers == 0 {
        return;
    }
    let fleets: Vec<Entity> = ctx.fleets.iter().map(|(e, _)| e).collect();
    let eligible = |s: &Server| {
        s.purchase == Purchase::Spot
            && s.reclaim_at_s.is_none()
            && matches!(
                s.state,
                ServerState::InService | ServerState::Pending { .. } | ServerState::Resizing { .. }
            )
    };
    let running = ctx
        .roster
        .iter()
        .filter(|&&(server, _)| world.get::<&Server>(server).is_ok_and(|s| eligible(&s)))
        .count();
    let count = (running as f64 * share).ceil() as u32;
    let notice_s = ctx.setup.catalogue.pricing.spot.notice_s;
    for (server, fleet) in pick_victims(world, ctx, &fleets, count, eligible) {
        if let Ok(mut s) = world.get::<&mut Server>(server) {
            s.reclaim_at_s = Some(ctx.now_s + notice_s);
        }
        super::lifecycle::notice(world, ctx, server, fleet);
    }
    ctx.changed();
}

/// The fleets an event aims at: every fleet that serves traffic for `*`
/// (a spare server nothing reaches is no decoy), the named thing, or every
/// fleet the workload's requests reach, in listing order.
fn targets(world: &World, ctx: &Ctx, event: &EventKind) -> Vec<Entity> {
    match event.target() {
        Some(Target::All) => ctx
            .fleets
            .iter()
            .map(|(fleet, _)| fleet)
            .filter(|&fleet| {
                ctx.setup
                    .reaches
                    .get(&super::name_of(world, fleet))
                    .is_some_and(|reached| !reached.is_empty())
            })
            .collect(),
        Some(Target::Thing(thing)) => ctx.thing(thing).into_iter().collect(),
        Some(Target::Serving(workload)) => {
            let Some(index) = ctx.setup.workloads.iter().position(|w| w.id == workload) else {
                return Vec::new();
            };
            ctx.fleets
                .iter()
                .map(|(fleet, _)| fleet)
                .filter(|&fleet| {
                    let id = super::name_of(world, fleet);
                    ctx.setup
                        .reaches
                        .get(&id)
                        .is_some_and(|reached| reached.contains(&index))
                })
                .collect()
        }
        None => Vec::new(),
    }
}

/// Up to `count` servers of the fleets that `eligible` accepts, drawn by the
/// seeded event stream among all of them: neither listing order nor serial
/// decides who is hit, so no decoy can draw an event away.
fn pick_victims(
    world: &World,
    ctx: &mut Ctx,
    fleets: &[Entity],
    count: u32,
    eligible: impl Fn(&Server) -> bool,
) -> Vec<(Entity, Entity)> {
    let mut pool: Vec<(Entity, Entity)> = fleets
        .iter()
        .flat_map(|&fleet| servers_of(ctx, fleet).into_iter().map(move |s| (s, fleet)))
        .filter(|&(server, _)| world.get::<&Server>(server).is_ok_and(|s| eligible(&s)))
        .collect();
    let take = (count as usize).min(pool.len());
    // A partial Fisher–Yates shuffle: the first `take` are a uniform draw.
    for i in 0..take {
        let j = ctx.event_rng.random_range(i..pool.len());
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

/// Loses the share of a fleet's in-flight work held by `gone` of its servers,
/// counted before they stopped serving (back to the queue that fed it, if any).
fn lose_share(world: &mut World, ctx: &mut Ctx, fleet: hecs::Entity, gone: u32) {
    let serving = world
        .query::<&Server>()
        .iter()
        .filter(|s| s.fleet == fleet && matches!(s.state, ServerState::InService))
        .count() as u32;
    let part = match ctx.fleets.get_mut(fleet) {
        Some(f) => f
            .station
            .split_off(f64::from(gone) / f64::from(serving + gone)),
        None => return,
    };
    let lost = super::queues::lose(ctx, fleet, part);
    if lost > 0 {
        let thing = super::name_of(world, fleet);
        ctx.note(What::LostInFlight {
            thing,
            requests: lost,
        });
    }
}

/// Applies one player action now.
pub fn apply_action(world: &mut World, ctx: &mut Ctx, action: &Action) {
    let Some(entity) = ctx.thing(action.thing()) else {
        return;
    };
    match action {
        Action::SetDesired { desired, .. } => {
            let Some(g) = ctx.groups.get_mut(entity) else {
                return;
            };
            let from = g.desired;
            g.desired = (*desired).clamp(g.min, g.max);
            let to = g.desired;
            if from != to {
                ctx.note(What::Scaled {
                    thing: action.thing().to_string(),
                    from,
                    to,
                    why: "set by hand".into(),
                });
            }
        }
        Action::SetLimits { min, max, .. } => {
            let Some(g) = ctx.groups.get_mut(entity) else {
                return;
            };
            let from = g.desired;
            g.min = *min;
            g.max = (*max).max(*min);
            g.desired = g.desired.clamp(g.min, g.max);
            let to = g.desired;
            if from != to {
                ctx.note(What::Scaled {
                    thing: action.thing().to_string(),
                    from,
                    to,
                    why: "limits set by hand".into(),
                });
            }
        }
        Action::Resize { instance_type, .. } => {
            let Some((index, _)) = ctx.setup.catalogue.instance_type(instance_type) else {
                return;
            };
            let until_s = ctx.now_s + ctx.setup.catalogue.ec2.resize_downtime_s;
            let mut stopped = 0;
            for server in servers_of(ctx, entity) {
                if let Ok(mut s) = world.get::<&mut Server>(server)
                    && matches!(s.state, ServerState::InService | ServerState::Failed { .. })
                {
                    s.state = ServerState::Resizing {
                        until_s,
                        to: Hardware::Ec2(index),
                    };
                    stopped += 1;
                }
            }
            if stopped > 0 {
                // Stopping an instance ends everything it was doing.
                let part = ctx
                    .fleets
                    .get_mut(entity)
                    .map(|f| f.station.split_off(1.0))
                    .unwrap_or_default();
                let lost = super::queues::lose(ctx, entity, part);
                if lost > 0 {
                    ctx.note(What::LostInFlight {
                        thing: action.thing().to_string(),
                        requests: lost,
                    });
                }
                ctx.note(What::Resized {
                    thing: action.thing().to_string(),
                    to: instance_type.clone(),
                });
            }
        }
        Action::OrderServers { count, .. } => {
            if world.get::<&OnPremises>(entity).is_err() {
                return;
            }
            let Some(hardware) = ctx.fleets.get(entity).map(|f| f.hardware) else {
                return;
            };
            let arrive_s = ctx.now_s + ctx.setup.catalogue.on_prem.lead_time_days * 86_400.0;
            for _ in 0..*count {
                ctx.spawn_server(
                    world,
                    entity,
                    hardware,
                    crate::format::solution::Purchase::OnDemand,
                    arrive_s,
                );
            }
            ctx.note(What::Ordered {
                thing: action.thing().to_string(),
                count: *count,
                arrive_s,
            });
        }
    }
}
