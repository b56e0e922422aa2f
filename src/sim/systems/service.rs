//! Service: each fleet serves what reached it, through its shared line.

use hecs::{Entity, World};

use crate::sim::components::{Census, Fleet, Group, Inbox, Server, ServerState};
use crate::sim::state::Ctx;
use crate::sim::station::{Capacity, Cohort, DropReason, round_shares};

/// Whether a server takes traffic now (in service or silently failed, and
/// healthy with the load balancer if there is one).
pub fn reachable(server: &Server, has_checks: bool) -> bool {
    let up = match server.state {
        ServerState::InService => true,
        ServerState::Failed { detected, .. } => !detected,
        _ => false,
    };
    up && (!has_checks || server.health.healthy)
}

/// Counts every fleet's servers by state.
pub fn refresh_fleets(world: &mut World, now_s: f64) {
    let mut counts: Vec<(Entity, Census)> = Vec::new();
    let warmups: Vec<(Entity, f64)> = world
        .query::<(Entity, &Group)>()
        .iter()
        .map(|(e, g)| (e, g.warmup_s))
        .collect();
    let checks: Vec<(Entity, bool)> = world
        .query::<(Entity, &Fleet)>()
        .iter()
        .map(|(e, f)| (e, f.checks.is_some()))
        .collect();
    for (e, _) in &checks {
        counts.push((*e, Census::default()));
    }
    for server in world.query::<&Server>().iter() {
        let Some(slot) = counts.iter_mut().position(|(e, _)| *e == server.fleet) else {
            continue;
        };
        let has_checks = checks[slot].1;
        let warmup = warmups
            .iter()
            .find(|(e, _)| *e == server.fleet)
            .map_or(0.0, |(_, w)| *w);
        let c = &mut counts[slot].1;
        let reach = reachable(server, has_checks);
        match server.state {
            ServerState::InService if reach => {
                c.working += 1;
                if server.in_service_s.is_some_and(|t| t + warmup <= now_s) {
                    c.warm += 1;
                }
            }
            ServerState::InService => c.unhealthy += 1,
            ServerState::Failed { .. } if reach => c.failed_reachable += 1,
            ServerState::Pending { .. } | ServerState::Down { .. } => c.pending += 1,
            ServerState::Draining { .. } => c.draining += 1,
            _ => {}
        }
    }
    for (e, census) in counts {
        if let Ok(mut fleet) = world.get::<&mut Fleet>(e) {
            fleet.census = census;
        }
    }
}

/// Serves what reached one fleet, then sends the calls of what it finished downstream.
pub fn serve(world: &mut World, ctx: &mut Ctx, entity: Entity) {
    let now = ctx.now_s;
    let tick_s = ctx.tick_s();
    {
        let Ok((fleet, inbox)) = world.query_one_mut::<(&mut Fleet, &mut Inbox)>(entity) else {
            return;
        };
        let arrivals: Vec<Cohort> = std::mem::take(&mut inbox.0);
        let census = fleet.census;
        fleet.received = arrivals.iter().map(|c| c.count).sum();

        // Requests sent to a failed server that nobody has noticed yet are lost.
        let reachable = census.reachable();
        let mut kept = Vec::with_capacity(arrivals.len());
        for cohort in arrivals {
            if reachable == 0 {
                ctx.tally
                    .drop(cohort.stream, cohort.count, DropReason::NoTarget);
                continue;
            }
            let parts = round_shares(
                cohort.count,
                [
                    f64::from(census.failed_reachable),
                    f64::from(census.working),
                ]
                .into_iter(),
            );
            if parts[0] > 0 {
                ctx.tally
                    .drop(cohort.stream, parts[0], DropReason::ServerFailed);
            }
            if parts[1] > 0 {
                kept.push(Cohort {
                    count: parts[1],
                    ..cohort
                });
            }
        }
        let cap = Capacity {
            slots: census.working * fleet.slots_per_server,
            hold: u64::from(census.working) * fleet.hold_per_server,
        };
        let busy_before = ctx.tally.busy_s;
        fleet
            .station
            .serve(now, tick_s, &fleet.terms, cap, &kept, &mut ctx.tally);
        fleet.busy_s = ctx.tally.busy_s - busy_before;
    }
    super::coupling::emit(world, ctx, entity);
}
