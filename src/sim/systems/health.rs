//! Health: load balancer health checks, EC2 status checks, and Auto Scaling
//! replacing what they find broken.

use hecs::{Entity, World};

use crate::sim::components::{Fleet, Group, Server, ServerState};
use crate::sim::log::What;
use crate::sim::state::Ctx;

use super::lifecycle::retire;
use super::name_of;

/// Runs this tick's health checks and replaces failed group members.
pub fn check(world: &mut World, ctx: &mut Ctx) {
    let now = ctx.now_s;
    let end = ctx.end_s();
    let status_check_s = ctx.setup.catalogue.ec2.status_check_s;
    let grace_s = ctx.setup.catalogue.ec2.health_check_grace_s;
    let mut detected: Vec<Entity> = Vec::new();
    let mut to_replace: Vec<Entity> = Vec::new();
    // One borrow of each column for the whole walk, not one per server.
    let mut all = world.view::<&mut Server>();
    let fleets = world.view::<&Fleet>();
    for &(entity, fleet_entity) in &ctx.roster {
        let Some(server) = all.get_mut(entity) else {
            continue;
        };
        let Some(fleet) = fleets.get(fleet_entity) else {
            continue;
        };
        let checks = fleet.checks;
        if let Some(c) = checks {
            // Checks happen every interval; count those falling in this tick.
            // Beyond the larger threshold, more checks in one tick change nothing.
            let most = c.healthy_threshold.max(c.unhealthy_threshold) + 1;
            let runs = (((end / c.interval_s).ceil() - (now / c.interval_s).ceil()).max(0.0)
                as u32)
                .min(most);
            for _ in 0..runs {
                let passing = matches!(server.state, ServerState::InService);
                let failing = matches!(
                    server.state,
                    ServerState::Failed { .. }
                        | ServerState::Resizing { .. }
                        | ServerState::Down { .. }
                );
                if server.health.healthy && failing {
                    server.health.streak += 1;
                    if server.health.streak >= c.unhealthy_threshold {
                        server.health.healthy = false;
                        server.health.streak = 0;
                    }
                } else if !server.health.healthy && passing {
                    server.health.streak += 1;
                    if server.health.streak >= c.healthy_threshold {
                        server.health.healthy = true;
                        server.health.streak = 0;
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
                detected.push(fleet_entity);
            }
        }
        if let ServerState::Failed { detected: true, .. } = server.state
            && (server.in_service_s == Some(f64::NEG_INFINITY)
                || server.launched_s + grace_s <= now)
        {
            to_replace.push(entity);
        }
    }
    drop((all, fleets));
    for fleet in detected {
        let thing = name_of(world, fleet);
        ctx.note(What::FailureDetected { thing });
    }
    for server in to_replace {
        let fleet = match world.get::<&Server>(server) {
            Ok(s) => s.fleet,
            Err(_) => continue,
        };
        let replaces = world
            .get::<&Group>(fleet)
            .map(|g| g.replace_unhealthy)
            .unwrap_or(false);
        if replaces {
            retire(world, &mut ctx.tally, server, None, now);
        }
    }
}
