//! Service: each fleet serves what reached it, through its shared line.

use hecs::{Entity, World};

use crate::format::solution::Purchase;
use crate::sim::components::{Census, Hardware, Server, ServerState};
use crate::sim::state::Ctx;
use crate::sim::station::{Capacity, DropReason, round_carried};

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

/// Counts every fleet's servers by state, and the servers running by what
/// they cost and what the health checks must look at. Only when a server
/// changed since the last count, or a warm-up ended: otherwise every figure
/// is as it was.
pub fn refresh_fleets(world: &mut World, ctx: &mut Ctx) {
    let now = ctx.now_s;
    if !ctx.roster_changed && now < ctx.next_warm_s {
        return;
    }
    let cat = &ctx.setup.catalogue;
    let status_check_s = cat.ec2.status_check_s;
    ctx.census.iter_mut().for_each(|c| *c = Census::default());
    let bill = &mut ctx.bill;
    for counts in [
        &mut bill.on_demand,
        &mut bill.spot,
        &mut bill.dedicated_vcpu,
    ] {
        counts.clear();
        counts.resize(cat.instance_types.len(), 0);
    }
    bill.on_prem.clear();
    bill.on_prem.resize(cat.on_prem_servers.len(), 0);
    bill.fargate.clear();
    bill.fargate.resize(ctx.kinds.fleets.len(), 0);
    let (mut next_warm, mut attention, mut spot) = (f64::INFINITY, 0u32, 0u32);
    let mut terminated = false;
    for server in world.query_mut::<&Server>() {
        terminated |= matches!(server.state, ServerState::Terminated);
        let slot = server.slot as usize;
        let (Some(c), Some(&checked), Some(&warmup)) = (
            ctx.census.get_mut(slot),
            ctx.checked.get(slot),
            ctx.warmup_s.get(slot),
        ) else {
            continue;
        };
        let reach = reachable(server, checked);
        match server.state {
            ServerState::InService if reach => {
                c.working += 1;
                match server.in_service_s {
                    Some(t) if t + warmup <= now => c.warm += 1,
                    Some(t) => next_warm = next_warm.min(t + warmup),
                    None => {}
                }
            }
            ServerState::InService => c.unhealthy += 1,
            ServerState::Failed { .. } if reach => c.failed_reachable += 1,
            ServerState::Pending { .. } | ServerState::Down { .. } => c.pending += 1,
            ServerState::Draining { .. } => c.draining += 1,
            _ => {}
        }
        if matches!(server.state, ServerState::InService) {
            c.in_service += 1;
        }
        if server.state.counts_toward_group() {
            c.members += 1;
        }
        // What the health checks must look at: a server whose standing with
        // its load balancer disagrees with its state, or a failed one.
        let passing = matches!(server.state, ServerState::InService);
        let failing = matches!(
            server.state,
            ServerState::Failed { .. } | ServerState::Resizing { .. } | ServerState::Down { .. }
        );
        if (checked && (server.health.healthy && failing || !server.health.healthy && passing))
            || matches!(server.state, ServerState::Failed { .. })
        {
            attention += 1;
            if let ServerState::Failed {
                since_s,
                detected: false,
            } = server.state
            {
                next_warm = next_warm.min(since_s + status_check_s);
            }
        }
        if server.purchase == Purchase::Spot
            && server.reclaim_at_s.is_none()
            && matches!(
                server.state,
                ServerState::InService | ServerState::Pending { .. }
            )
        {
            spot += 1;
        }
        if !server.state.is_billed() {
            continue;
        }
        match server.hardware {
            // A task on EC2 is paid for through its instance.
            Hardware::Task { .. } if server.host.is_some() => {}
            Hardware::Task { .. } => bill.fargate[slot] += 1,
            Hardware::OnPrem(i) => bill.on_prem[i] += 1,
            Hardware::Ec2(i) => match server.purchase {
                Purchase::OnDemand => bill.on_demand[i] += 1,
                Purchase::Spot => bill.spot[i] += 1,
                Purchase::DedicatedHost => {
                    bill.dedicated_vcpu[i] += cat.instance_types[i].vcpu;
                }
            },
        }
    }
    ctx.next_warm_s = next_warm;
    ctx.health_attention = attention;
    ctx.bill.usd_per_hour = super::billing::rates(ctx);
    for (i, &fleet) in ctx.kinds.fleets.iter().enumerate() {
        if let Some(f) = ctx.fleets.get_mut(fleet) {
            f.census = ctx.census[i];
        }
    }
    if spot != ctx.spot_servers {
        super::lifecycle::schedule_spot(ctx, spot);
    }
    ctx.roster_changed = false;
    ctx.fleets_counted += 1;
    // Servers that ended before this count are removed at the tick's end.
    ctx.ended |= terminated;
}

/// Every fleet's census counted afresh from its servers, in slot order, for
/// checking the kept census against (tests).
pub fn census_afresh(world: &World, ctx: &Ctx) -> Vec<Census> {
    let mut out = vec![Census::default(); ctx.kinds.fleets.len()];
    let now = ctx.now_s;
    for server in world.query::<&Server>().iter() {
        let slot = server.slot as usize;
        let (Some(c), Some(&checked), Some(&warmup)) = (
            out.get_mut(slot),
            ctx.checked.get(slot),
            ctx.warmup_s.get(slot),
        ) else {
            continue;
        };
        match server.state {
            ServerState::InService if reachable(server, checked) => {
                c.working += 1;
                if server.in_service_s.is_some_and(|t| t + warmup <= now) {
                    c.warm += 1;
                }
            }
            ServerState::InService => c.unhealthy += 1,
            ServerState::Failed { .. } if reachable(server, checked) => c.failed_reachable += 1,
            ServerState::Pending { .. } | ServerState::Down { .. } => c.pending += 1,
            ServerState::Draining { .. } => c.draining += 1,
            _ => {}
        }
        if matches!(server.state, ServerState::InService) {
            c.in_service += 1;
        }
        if server.state.counts_toward_group() {
            c.members += 1;
        }
    }
    out
}

/// Serves what reached one fleet, then sends the calls of what it finished downstream.
pub fn serve(ctx: &mut Ctx, entity: Entity) {
    let now = ctx.now_s;
    let tick_s = ctx.tick_s();
    let downstream = {
        let (Some(fleet), Some(inbox)) = (ctx.fleets.get_mut(entity), ctx.inboxes.get_mut(entity))
        else {
            return;
        };
        let mut arrivals = inbox.take();
        let census = fleet.census;
        fleet.received = arrivals.iter().map(|c| c.count).sum();
        let reachable = census.reachable();
        if reachable == 0 {
            for cohort in &arrivals {
                ctx.tally
                    .drop(cohort.stream, cohort.count, DropReason::NoTarget);
            }
            arrivals.clear();
        } else if census.failed_reachable > 0 {
            // Requests sent to a failed server that nobody has noticed yet are lost.
            let working = f64::from(census.working) / f64::from(reachable);
            for cohort in &mut arrivals {
                let [lost, kept] = round_carried(
                    cohort.count,
                    [1.0 - working, working],
                    &mut fleet.failed_carry,
                );
                ctx.tally
                    .drop(cohort.stream, lost, DropReason::ServerFailed);
                cohort.count = kept;
                cohort.expected *= working;
            }
        }
        let cap = Capacity {
            servers: census.working,
            slots_per_server: fleet.slots_per_server,
            hold_per_server: fleet.hold_per_server,
            sharing: fleet.sharing,
        };
        let busy_before = ctx.tally.busy_s;
        fleet
            .station
            .serve(now, tick_s, &fleet.terms, cap, &arrivals, &mut ctx.tally);
        fleet.busy_s = ctx.tally.busy_s - busy_before;
        inbox.give_back(arrivals);
        fleet.downstream
    };
    super::coupling::emit(ctx, downstream);
}
