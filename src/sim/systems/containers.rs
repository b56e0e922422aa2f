//! Containers: tasks of an ECS or EKS service. On Fargate a task brings its
//! own capacity; on EC2 it must fit on an instance of the cluster, and with no
//! room there is no task. A task dies with the instance it runs on.

use hecs::{Entity, World};

use crate::format::solution::Purchase;
use crate::sim::components::{Server, ServerState};
use crate::sim::setup::hardware_figures;
use crate::sim::state::Ctx;

use super::lifecycle::retire;
use super::servers_of;

/// Starts one task of a service, ready at `ready_s`; false when an EC2 cluster has no room for it.
pub fn launch(world: &mut World, ctx: &mut Ctx, service: Entity, ready_s: f64) -> bool {
    let Some(fleet) = ctx.fleets.get(service) else {
        return false;
    };
    let (hardware, capacity) = (fleet.hardware, fleet.capacity);
    let host = match capacity {
        None => None,
        Some(cluster) => match room_on(
            world,
            ctx,
            cluster,
            hardware.task_size().unwrap_or((0.0, 0.0)),
        ) {
            Some(host) => Some(host),
            None => return false,
        },
    };
    let task = ctx.spawn_server(world, service, hardware, Purchase::OnDemand, ready_s);
    if let Ok(mut s) = world.get::<&mut Server>(task) {
        s.host = host;
    }
    true
}

/// The first running instance of `cluster` (by launch order) with room for a
/// task of `size`: what every instance holds is summed in one pass over the
/// tasks, not once per instance.
fn room_on(world: &World, ctx: &Ctx, cluster: Entity, size: (f64, f64)) -> Option<Entity> {
    let (vcpu, memory) = size;
    let hosts: Vec<(Entity, f64, f64)> = servers_of(ctx, cluster)
        .into_iter()
        .filter_map(|host| {
            let h = world.get::<&Server>(host).ok()?;
            if !matches!(h.state, ServerState::InService) {
                return None;
            }
            let (host_vcpu, host_memory, _) = hardware_figures(&ctx.setup.catalogue, h.hardware);
            Some((host, f64::from(host_vcpu), host_memory))
        })
        .collect();
    if hosts.is_empty() {
        return None;
    }
    let mut used = vec![(0.0_f64, 0.0_f64); hosts.len()];
    for t in world.query::<&Server>().iter() {
        let (Some(host), Some((v, m))) = (t.host, t.hardware.task_size()) else {
            continue;
        };
        if matches!(t.state, ServerState::Terminated) {
            continue;
        }
        if let Some(i) = hosts.iter().position(|(h, _, _)| *h == host) {
            used[i].0 += v;
            used[i].1 += m;
        }
    }
    hosts
        .iter()
        .zip(&used)
        .find(|((_, cap_v, cap_m), (used_v, used_m))| {
            used_v + vcpu <= cap_v + 1e-9 && used_m + memory <= cap_m + 1e-9
        })
        .map(|((h, _, _), _)| *h)
}

/// Stops tasks whose instance is gone or no longer running: what they held is lost.
/// Only a change of some server can orphan a task.
pub fn orphans(world: &mut World, ctx: &mut Ctx) {
    if !ctx.roster_changed || ctx.kinds.services.is_empty() {
        return;
    }
    let orphaned: Vec<Entity> = world
        .query::<(Entity, &Server)>()
        .iter()
        .filter(|(_, s)| !matches!(s.state, ServerState::Terminated))
        .filter(|(_, s)| {
            s.host.is_some_and(|h| {
                world
                    .get::<&Server>(h)
                    .map_or(true, |host| !matches!(host.state, ServerState::InService))
            })
        })
        .map(|(e, _)| e)
        .collect();
    for task in orphaned {
        retire(world, ctx, task, None);
        ctx.changed();
    }
}
