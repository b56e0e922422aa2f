//! Containers: tasks of an ECS or EKS service. On Fargate a task brings its
//! own capacity; on EC2 it must fit on an instance of the cluster, and with no
//! room there is no task. A task dies with the instance it runs on.

use hecs::{Entity, World};

use crate::format::solution::Purchase;
use crate::sim::components::{Fleet, Server, ServerState};
use crate::sim::setup::hardware_figures;
use crate::sim::state::Ctx;

use super::lifecycle::retire;
use super::servers_of;

/// Starts one task of a service, ready at `ready_s`; false when an EC2 cluster has no room for it.
pub fn launch(world: &mut World, ctx: &mut Ctx, service: Entity, ready_s: f64) -> bool {
    let Ok(fleet) = world.get::<&Fleet>(service) else {
        return false;
    };
    let (hardware, capacity) = (fleet.hardware, fleet.capacity);
    drop(fleet);
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

/// The first running instance of `cluster` (by launch order) with room for a task of `size`.
fn room_on(world: &World, ctx: &Ctx, cluster: Entity, size: (f64, f64)) -> Option<Entity> {
    let (vcpu, memory) = size;
    servers_of(ctx, cluster).into_iter().find(|&host| {
        let Ok(h) = world.get::<&Server>(host) else {
            return false;
        };
        if !matches!(h.state, ServerState::InService) {
            return false;
        }
        let (host_vcpu, host_memory, _) = hardware_figures(&ctx.setup.catalogue, h.hardware);
        let (used_vcpu, used_memory) = world
            .query::<&Server>()
            .iter()
            .filter(|t| t.host == Some(host) && !matches!(t.state, ServerState::Terminated))
            .filter_map(|t| t.hardware.task_size())
            .fold((0.0, 0.0), |(a, b), (v, m)| (a + v, b + m));
        used_vcpu + vcpu <= f64::from(host_vcpu) + 1e-9
            && used_memory + memory <= host_memory + 1e-9
    })
}

/// Stops tasks whose instance is gone or no longer running: what they held is lost.
pub fn orphans(world: &mut World, ctx: &mut Ctx) {
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
        retire(world, &mut ctx.tally, task, None, ctx.now_s);
    }
}
