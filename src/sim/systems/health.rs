//! Health: load balancer health checks, EC2 status checks, and Auto Scaling
//! replacing what they find broken.

use hecs::{Entity, World};

use crate::sim::components::{Server, ServerState};
use crate::sim::log::What;
use crate::sim::state::Ctx;

use super::lifecycle::retire;
use super::name_of;

/// Runs this tick's health checks and replaces failed group members. A tick
/// in which no server disagrees with its standing, none has failed and none
/// changed has nothing to check.
pub fn check(world: &mut World, ctx: &mut Ctx) {
    if !ctx.roster_changed && ctx.health_attention == 0 {
        return;
    }
    let now = ctx.now_s;
    let end = ctx.end_s();
    let status_check_s = ctx.setup.catalogue.ec2.status_check_s;
    let grace_s = ctx.setup.catalogue.ec2.health_check_grace_s;
    // Servers noticed failing, and failed ones to replace, by serial.
    let mut found = std::mem::take(&mut ctx.scratch);
    found.clear();
    let mut changed = false;
    for (entity, server) in world.query_mut::<(Entity, &mut Server)>() {
        let slot = server.slot as usize;
        let checks = ctx
            .kinds
            .fleets
            .get(slot)
            .and_then(|_| ctx.checks.get(slot).copied().flatten());
        let passing = matches!(server.state, ServerState::InService);
        let failing = matches!(
            server.state,
            ServerState::Failed { .. } | ServerState::Resizing { .. } | ServerState::Down { .. }
        );
        let disagrees = if server.health.healthy {
            failing
        } else {
            passing
        };
        if checks.is_some() && !disagrees && server.health.streak == 0 {
            // Checks that agree with the standing change nothing.
        } else if let Some(c) = checks {
            // Checks happen every interval; count those falling in this tick.
            // Beyond the larger threshold, more checks in one tick change nothing.
            let most = c.healthy_threshold.max(c.unhealthy_threshold) + 1;
            let runs = (((end / c.interval_s).ceil() - (now / c.interval_s).ceil()).max(0.0)
                as u32)
                .min(most);
            for _ in 0..runs {
                if server.health.healthy && failing {
                    server.health.streak += 1;
                    if server.health.streak >= c.unhealthy_threshold {
                        server.health.healthy = false;
                        server.health.streak = 0;
                        changed = true;
                    }
                } else if !server.health.healthy && passing {
                    server.health.streak += 1;
                    if server.health.streak >= c.healthy_threshold {
                        server.health.healthy = true;
                        server.health.streak = 0;
                        changed = true;
                    }
                } else {
                    server.health.streak = 0;
                }
            }
        }
        let healthy = server.health.healthy;
        if let ServerState::Failed {
            since_s,
            detected: seen,
        } = &mut server.state
            && !*seen
        {
            let by_lb = checks.is_some() && !healthy;
            if by_lb || *since_s + status_check_s <= now {
                *seen = true;
                changed = true;
                // Noticed: the high bit marks it, the serial keeps the order.
                found.push((server.serial | 1 << 31, entity));
            }
        }
        if let ServerState::Failed { detected: true, .. } = server.state
            && (server.in_service_s == Some(f64::NEG_INFINITY)
                || server.launched_s + grace_s <= now)
        {
            found.push((server.serial, entity));
        }
    }
    if changed {
        ctx.changed();
    }
    found.sort_unstable_by_key(|&(key, _)| (key & !(1 << 31), key >> 31));
    for &(key, server) in &found {
        let Ok(fleet) = world.get::<&Server>(server).map(|s| s.fleet) else {
            continue;
        };
        if key >> 31 == 1 {
            let thing = name_of(world, fleet);
            ctx.note(What::FailureDetected { thing });
            continue;
        }
        let replaces = ctx.groups.get(fleet).is_some_and(|g| g.replace_unhealthy);
        if replaces {
            retire(world, ctx, server, None);
            ctx.changed();
        }
    }
    ctx.scratch = found;
}
