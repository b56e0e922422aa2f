//! Lifecycle: booting, resizing, draining, spot reclaims and retirement of servers.

use hecs::{Entity, World};
use rand::RngExt;

use crate::format::solution::Purchase;
use crate::sim::components::{LbHealth, Server, ServerState};
use crate::sim::log::What;
use crate::sim::setup::fleet_terms;
use crate::sim::state::Ctx;
use crate::sim::station::Capacity;

use super::name_of;

/// Moves every server along its life for this tick.
pub fn advance(world: &mut World, ctx: &mut Ctx) {
    let now = ctx.now_s;
    let tick_s = ctx.tick_s();
    spot_reclaims(world, ctx);
    if !ctx.lifecycle_dirty && ctx.draining == 0 && now < ctx.next_server_change_s {
        return;
    }
    ctx.lifecycle_dirty = false;
    // One pass: the servers whose life moves on this tick, and when the next
    // one will (most servers are simply in service).
    let mut moving = std::mem::take(&mut ctx.scratch);
    moving.clear();
    let mut next = f64::INFINITY;
    let mut draining = 0;
    for (entity, s) in world.query_mut::<(Entity, &Server)>() {
        let due = match &s.state {
            ServerState::Pending { ready_s } => *ready_s,
            ServerState::Down { until_s } | ServerState::Resizing { until_s, .. } => *until_s,
            ServerState::Draining { .. } => {
                draining += 1;
                now
            }
            _ => f64::INFINITY,
        };
        let reclaim = s.reclaim_at_s.unwrap_or(f64::INFINITY);
        let due = due.min(reclaim);
        if due <= now {
            moving.push((s.serial, entity));
        } else {
            next = next.min(due);
        }
    }
    ctx.next_server_change_s = next;
    ctx.draining = draining;
    moving.sort_unstable_by_key(|&(serial, _)| serial);
    let mut ready: Vec<(Entity, u32)> = Vec::new();
    for &(_, entity) in &moving {
        let Ok(mut guard) = world.get::<&mut Server>(entity) else {
            continue;
        };
        let server: &mut Server = &mut guard;
        let fleet_entity = server.fleet;
        match &mut server.state {
            ServerState::Pending { ready_s } if *ready_s <= now => {
                ctx.changed();
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
                ctx.changed();
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
                ctx.changed();
                let (to, back_at) = (*to, *until_s);
                server.unbilled_s += ctx.setup.catalogue.ec2.resize_downtime_s;
                server.hardware = to;
                server.state = ServerState::InService;
                server.in_service_s = Some(back_at);
                server.health = LbHealth {
                    healthy: false,
                    streak: 0,
                };
                drop(guard);
                if let Some(fleet) = ctx.fleets.get_mut(fleet_entity) {
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
                // Read in place: the fleet is not in the world the server is borrowed from.
                let (terms, slots) = ctx
                    .fleets
                    .get(fleet_entity)
                    .map_or((&[][..], 0), |f| (&f.terms[..], f.slots_per_server));
                station.serve(
                    now,
                    tick_s,
                    terms,
                    Capacity {
                        servers: 1,
                        slots_per_server: slots,
                        hold_per_server: 0,
                        sharing: crate::sim::station::Sharing::PerServer,
                    },
                    &[],
                    &mut ctx.tally,
                );
                let finished = station.is_empty();
                let cut = !finished && until_s <= now + tick_s;
                let leftover = cut.then(|| std::mem::take(&mut **station));
                if finished || cut {
                    server.state = ServerState::Terminated;
                    ctx.changed();
                }
                drop(guard);
                let downstream =
                    super::coupling::downstream_of(&ctx.fleets, &ctx.functions, fleet_entity);
                super::coupling::emit(ctx, downstream);
                if let Some(part) = leftover {
                    let lost = super::queues::lose(ctx, fleet_entity, part);
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
        // A reclaim whose two minutes are up takes the instance.
        if server.reclaim_at_s.is_some_and(|at| at <= now)
            && matches!(
                server.state,
                ServerState::InService | ServerState::Pending { .. } | ServerState::Failed { .. }
            )
        {
            drop(guard);
            retire(world, ctx, entity, None);
            ctx.changed();
            let thing = name_of(world, fleet_entity);
            ctx.note(What::SpotReclaimed { thing });
        }
    }
    ctx.scratch = moving;
    for (fleet, count) in ready {
        let thing = name_of(world, fleet);
        ctx.note(What::InService { thing, count });
    }
}

/// Random spot reclaims: notices arrive as a Poisson process over the spot
/// instances running (each at the catalogue's rate), the same at any tick;
/// each picks its instance at random among them.
fn spot_reclaims(world: &mut World, ctx: &mut Ctx) {
    let rate_per_s = ctx.setup.catalogue.pricing.spot.reclaims_per_instance_hour / 3600.0;
    if ctx.spot_servers == 0 || !(rate_per_s > 0.0) {
        return;
    }
    let (now, end) = (ctx.now_s, ctx.end_s());
    let notice_s = ctx.setup.catalogue.pricing.spot.notice_s;
    while ctx.next_spot_reclaim_s < end {
        let at = ctx.next_spot_reclaim_s.max(now);
        let mut eligible = std::mem::take(&mut ctx.scratch);
        eligible.clear();
        for (entity, s) in world.query_mut::<(Entity, &Server)>() {
            if s.purchase == Purchase::Spot
                && s.reclaim_at_s.is_none()
                && matches!(
                    s.state,
                    ServerState::InService | ServerState::Pending { .. }
                )
            {
                eligible.push((s.serial, entity));
            }
        }
        eligible.sort_unstable_by_key(|&(serial, _)| serial);
        let pick =
            (!eligible.is_empty()).then(|| eligible[ctx.spot_rng.random_range(0..eligible.len())]);
        let n = eligible.len() as f64;
        ctx.scratch = eligible;
        let Some((_, server)) = pick else {
            ctx.next_spot_reclaim_s = f64::INFINITY;
            return;
        };
        let fleet = match world.get::<&mut Server>(server) {
            Ok(mut s) => {
                s.reclaim_at_s = Some(at + notice_s);
                s.fleet
            }
            Err(_) => return,
        };
        ctx.changed();
        ctx.next_server_change_s = ctx.next_server_change_s.min(at + notice_s);
        notice(world, ctx, server, fleet);
        let gap: f64 = -(1.0 - ctx.spot_rng.random::<f64>()).ln() / (rate_per_s * n.max(1.0));
        ctx.next_spot_reclaim_s = at + gap;
    }
}

/// Draws when the next random spot reclaim comes, for `spot` instances running from `now`.
pub fn schedule_spot(ctx: &mut Ctx, spot: u32) {
    let rate_per_s = ctx.setup.catalogue.pricing.spot.reclaims_per_instance_hour / 3600.0;
    ctx.spot_servers = spot;
    ctx.next_spot_reclaim_s = if spot == 0 || !(rate_per_s > 0.0) {
        f64::INFINITY
    } else {
        ctx.now_s - (1.0 - ctx.spot_rng.random::<f64>()).ln() / (rate_per_s * f64::from(spot))
    };
}

/// A spot instance got its notice: behind a draining load balancer it starts
/// draining at once, so it is empty before the reclaim.
pub fn notice(world: &mut World, ctx: &mut Ctx, server: Entity, fleet: Entity) {
    let thing = name_of(world, fleet);
    ctx.note(What::SpotNotice { thing });
    let (draining_s, behind_lb) = ctx
        .fleets
        .get(fleet)
        .map(|f| (f.draining_s, f.checks.is_some()))
        .unwrap_or((0.0, false));
    let reclaim_at = world
        .get::<&Server>(server)
        .ok()
        .and_then(|s| s.reclaim_at_s);
    if behind_lb && draining_s > 0.0 {
        let until = reclaim_at.map_or(ctx.now_s + draining_s, |at| at.min(ctx.now_s + draining_s));
        retire(world, ctx, server, Some(until));
    }
    ctx.changed();
}

/// Takes a server out of its fleet. With `drain_until`, it keeps what it holds
/// and finishes it (connection draining); without, what it holds is lost.
/// Returns the requests lost.
pub fn retire(world: &mut World, ctx: &mut Ctx, server: Entity, drain_until: Option<f64>) -> u64 {
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
        lost += super::queues::lose(ctx, fleet_entity, part);
    }
    let mut share_station = None;
    if serving {
        // Its share of what the fleet holds: one of the servers in service
        // (the census of this tick, before this one leaves it).
        let part = ctx.fleets.get_mut(fleet_entity).map(|f| {
            let peers = (f.census.in_service as usize).max(1);
            f.station.split_off(1.0 / peers as f64)
        });
        if let Some(part) = part {
            if drain_until.is_none() {
                lost = super::queues::lose(ctx, fleet_entity, part);
            } else {
                share_station = Some(part);
            }
        }
    }
    if let Some(f) = ctx.fleets.get_mut(fleet_entity)
        && serving
    {
        // Counted out at once, so a second retirement this tick takes its own share.
        f.census.in_service = f.census.in_service.saturating_sub(1);
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

/// Removes terminated servers from the world (after billing saw them),
/// charging the short ones billing's minimum.
pub fn remove_terminated(world: &mut World, ctx: &mut Ctx) {
    // The count (refresh_fleets) clears `roster_changed` before the tick
    // ends, so the servers it saw terminated are flagged on their own: else
    // they would stay in the world, walked by every pass, until some later
    // change happened to come after the count.
    if !ctx.roster_changed && !ctx.ended {
        return;
    }
    ctx.ended = false;
    let mut gone = std::mem::take(&mut ctx.scratch);
    gone.clear();
    for (entity, s) in world.query_mut::<(Entity, &Server)>() {
        if matches!(s.state, ServerState::Terminated) {
            gone.push((s.serial, entity));
        }
    }
    if !gone.is_empty() {
        gone.sort_unstable_by_key(|&(serial, _)| serial);
        for &(_, server) in &gone {
            if let Ok(s) = world.get::<&Server>(server) {
                super::billing::minimum_charge(ctx, &s);
            }
            let _ = world.despawn(server);
        }
        ctx.roster.retain(|(server, _)| world.contains(*server));
    }
    ctx.scratch = gone;
}
