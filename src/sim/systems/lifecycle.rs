//! Lifecycle: booting, resizing, draining, spot reclaims and retirement of servers.

use hecs::{Entity, World};
use rand::RngExt;

use crate::format::solution::Purchase;
use crate::sim::components::{Fleet, LbHealth, Server, ServerState};
use crate::sim::log::What;
use crate::sim::setup::fleet_terms;
use crate::sim::state::Ctx;
use crate::sim::station::{Capacity, Tally};

use super::name_of;

/// Moves every server along its life for this tick.
pub fn advance(world: &mut World, ctx: &mut Ctx) {
    let now = ctx.now_s;
    let tick_s = ctx.tick_s();
    let spot = ctx.setup.catalogue.pricing.spot.clone();
    let reclaim_chance = spot.reclaims_per_instance_hour * tick_s / 3600.0;
    let mut ready: Vec<(Entity, u32)> = Vec::new();
    // Most servers are simply in service: pick out, in one borrow, the few
    // whose life moves on this tick.
    let moving: Vec<Entity> = {
        let all = world.view::<&Server>();
        ctx.roster
            .iter()
            .filter(|&&(entity, _)| {
                all.get(entity).is_some_and(|s| {
                    s.purchase == Purchase::Spot
                        || match &s.state {
                            ServerState::Pending { ready_s } => *ready_s <= now,
                            ServerState::Down { until_s }
                            | ServerState::Resizing { until_s, .. } => *until_s <= now,
                            ServerState::Draining { .. } => true,
                            _ => false,
                        }
                })
            })
            .map(|&(entity, _)| entity)
            .collect()
    };
    for entity in moving {
        let Ok(mut guard) = world.get::<&mut Server>(entity) else {
            continue;
        };
        let server: &mut Server = &mut guard;
        let fleet_entity = server.fleet;
        match &mut server.state {
            ServerState::Pending { ready_s } if *ready_s <= now => {
                server.in_service_s = Some(*ready_s);
                server.state = ServerState::InService;
                server.health = LbHealth {
                    healthy: false,
                    streak: 0,
                };
                match ready.iter_mut().find(|(f, _)| *f == fleet_entity) {
                    Some((_, n)) => *n += 1,
                    None => ready.push((fleet_entity, 1)),
                }
            }
            ServerState::Down { until_s } if *until_s <= now => {
                let back_at = *until_s;
                server.state = ServerState::InService;
                server.in_service_s = Some(back_at);
                // Behind a load balancer it must pass health checks again.
                server.health = LbHealth {
                    healthy: false,
                    streak: 0,
                };
                continue;
            }
            ServerState::Resizing { until_s, to } if *until_s <= now => {
                let (to, back_at) = (*to, *until_s);
                server.hardware = to;
                server.state = ServerState::InService;
                server.in_service_s = Some(back_at);
                server.health = LbHealth {
                    healthy: false,
                    streak: 0,
                };
                drop(guard);
                if let Ok(mut fleet) = world.get::<&mut Fleet>(fleet_entity) {
                    let (terms, slots, hold) = fleet_terms(&ctx.setup, to, &fleet.reached);
                    fleet.hardware = to;
                    fleet.terms = terms;
                    fleet.slots_per_server = slots;
                    fleet.hold_per_server = hold;
                }
                continue;
            }
            ServerState::Draining { until_s, station } => {
                let until_s = *until_s;
                let (terms, slots) = world
                    .get::<&Fleet>(fleet_entity)
                    .map(|f| (f.terms.clone(), f.slots_per_server))
                    .unwrap_or_default();
                station.serve(
                    now,
                    tick_s,
                    &terms,
                    Capacity { slots, hold: 0 },
                    &[],
                    &mut ctx.tally,
                );
                let finished = station.is_empty();
                let cut = !finished && until_s <= now + tick_s;
                let leftover = cut.then(|| std::mem::take(&mut **station));
                if finished || cut {
                    server.state = ServerState::Terminated;
                }
                drop(guard);
                super::coupling::emit(world, ctx, fleet_entity);
                if let Some(part) = leftover {
                    let lost = super::queues::lose(world, &mut ctx.tally, fleet_entity, part, now);
                    if lost > 0 {
                        let thing = name_of(world, fleet_entity);
                        ctx.note(What::LostInFlight {
                            thing,
                            requests: lost,
                        });
                    }
                }
                continue;
            }
            _ => {}
        }
        // Spot capacity can be taken back at any time, with a two-minute notice.
        if server.purchase == Purchase::Spot
            && matches!(
                server.state,
                ServerState::InService | ServerState::Pending { .. }
            )
        {
            match server.reclaim_at_s {
                None if ctx.spot_rng.random_bool(reclaim_chance.clamp(0.0, 1.0)) => {
                    server.reclaim_at_s = Some(now + spot.notice_s);
                    drop(guard);
                    notice(world, ctx, entity, fleet_entity);
                }
                Some(at) if at <= now => {
                    drop(guard);
                    retire(world, &mut ctx.tally, entity, None, now);
                    let thing = name_of(world, fleet_entity);
                    ctx.note(What::SpotReclaimed { thing });
                }
                _ => {}
            }
        }
    }
    for (fleet, count) in ready {
        let thing = name_of(world, fleet);
        ctx.note(What::InService { thing, count });
    }
}

/// A spot instance got its notice: behind a draining load balancer it starts
/// draining at once, so it is empty before the reclaim.
pub fn notice(world: &mut World, ctx: &mut Ctx, server: Entity, fleet: Entity) {
    let thing = name_of(world, fleet);
    ctx.note(What::SpotNotice { thing });
    let (draining_s, behind_lb) = world
        .get::<&Fleet>(fleet)
        .map(|f| (f.draining_s, f.checks.is_some()))
        .unwrap_or((0.0, false));
    let reclaim_at = world
        .get::<&Server>(server)
        .ok()
        .and_then(|s| s.reclaim_at_s);
    if behind_lb && draining_s > 0.0 {
        let until = reclaim_at.map_or(ctx.now_s + draining_s, |at| at.min(ctx.now_s + draining_s));
        retire(world, &mut ctx.tally, server, Some(until), ctx.now_s);
    }
}

/// Takes a server out of its fleet. With `drain_until`, it keeps what it holds
/// and finishes it (connection draining); without, what it holds is lost.
/// Returns the requests lost.
pub fn retire(
    world: &mut World,
    tally: &mut Tally,
    server: Entity,
    drain_until: Option<f64>,
    now_s: f64,
) -> u64 {
    let Ok(s) = world.get::<&Server>(server) else {
        return 0;
    };
    let fleet_entity = s.fleet;
    let serving = matches!(s.state, ServerState::InService);
    drop(s);
    let mut lost = 0;
    // A server cut off while draining loses what it still holds.
    let held = match world.get::<&mut Server>(server) {
        Ok(mut s) => match &mut s.state {
            ServerState::Draining { station, .. } => Some(std::mem::take(&mut **station)),
            _ => None,
        },
        Err(_) => None,
    };
    if let Some(part) = held {
        lost += super::queues::lose(world, tally, fleet_entity, part, now_s);
    }
    let mut share_station = None;
    if serving {
        let peers = world
            .query::<&Server>()
            .iter()
            .filter(|p| p.fleet == fleet_entity && matches!(p.state, ServerState::InService))
            .count()
            .max(1);
        let part = world
            .get::<&mut Fleet>(fleet_entity)
            .map(|mut f| f.station.split_off(1.0 / peers as f64));
        if let Ok(part) = part {
            if drain_until.is_none() {
                lost = super::queues::lose(world, tally, fleet_entity, part, now_s);
            } else {
                share_station = Some(part);
            }
        }
    }
    if let Ok(mut s) = world.get::<&mut Server>(server) {
        s.state = match (drain_until, share_station) {
            (Some(until_s), Some(station)) if !station.is_empty() => ServerState::Draining {
                until_s,
                station: Box::new(station),
            },
            _ => ServerState::Terminated,
        };
    }
    lost
}

/// Removes terminated servers from the world (after billing saw them).
pub fn remove_terminated(world: &mut World, ctx: &mut Ctx) {
    let gone: Vec<Entity> = {
        let all = world.view::<&Server>();
        ctx.roster
            .iter()
            .filter(|&&(server, _)| {
                all.get(server)
                    .is_none_or(|s| matches!(s.state, ServerState::Terminated))
            })
            .map(|&(server, _)| server)
            .collect()
    };
    if gone.is_empty() {
        return;
    }
    ctx.roster.retain(|(server, _)| !gone.contains(server));
    for server in gone {
        let _ = world.despawn(server);
    }
}
