//! Routing: each load balancer spreads what reached it over its targets.

use hecs::World;

use crate::format::solution::Algorithm;
use crate::sim::components::{Balancer, Fleet, Function, Inbox};
use crate::sim::state::Ctx;
use crate::sim::station::{Cohort, DropReason, round_shares};

/// Spreads a load balancer's inbox over its targets.
pub fn route(world: &mut World, ctx: &mut Ctx, lb_entity: hecs::Entity) {
    {
        let Ok((lb, inbox)) = world.query_one_mut::<(&mut Balancer, &mut Inbox)>(lb_entity) else {
            return;
        };
        let arrivals = std::mem::take(&mut inbox.0);
        let algorithm = lb.algorithm;
        let targets = lb.targets.clone();
        let total: u64 = arrivals.iter().map(|c| c.count).sum();
        lb.routed = total;
        lb.routed_kib = arrivals
            .iter()
            .map(|c| c.count as f64 * ctx.setup.workloads[usize::from(c.workload)].response_kib)
            .sum();
        if total == 0 {
            return;
        }
        let weights: Vec<f64> = targets
            .iter()
            .map(|&t| target_weight(world, t, algorithm, false))
            .collect();
        // With no healthy target at all, Elastic Load Balancing fails open:
        // it tries every registered target rather than none.
        let weights = if weights.iter().sum::<f64>() > 0.0 {
            weights
        } else {
            targets
                .iter()
                .map(|&t| target_weight(world, t, algorithm, true))
                .collect()
        };
        if weights.iter().sum::<f64>() <= 0.0 {
            for c in arrivals {
                ctx.tally.drop(c.stream, c.count, DropReason::NoTarget);
            }
            return;
        }
        for cohort in arrivals {
            let parts = round_shares(cohort.count, weights.iter().copied());
            for (&target, n) in targets.iter().zip(parts) {
                if n == 0 {
                    continue;
                }
                if let Ok(mut inbox) = world.get::<&mut Inbox>(target) {
                    inbox.0.push(Cohort {
                        count: n,
                        ..cohort.clone()
                    });
                }
            }
        }
    }
}

/// A target's share of traffic: a fleet by its servers, a Lambda function by
/// its concurrency limit (it scales by itself).
pub(crate) fn target_weight(
    world: &World,
    target: hecs::Entity,
    algorithm: Algorithm,
    fail_open: bool,
) -> f64 {
    if let Ok(f) = world.get::<&Fleet>(target) {
        return weight(&f, algorithm, fail_open);
    }
    world
        .get::<&Function>(target)
        .map_or(0.0, |f| f64::from(f.limit))
}

/// A target fleet's share of traffic.
fn weight(fleet: &Fleet, algorithm: Algorithm, fail_open: bool) -> f64 {
    let servers = if fail_open {
        fleet.census.reachable() + fleet.census.unhealthy
    } else {
        fleet.census.reachable()
    };
    match algorithm {
        // Every reachable instance gets the same share, whatever its size.
        Algorithm::RoundRobin => f64::from(servers),
        // Fewer requests in flight means more new ones: averaged over a tick
        // that is a share in proportion to how fast each target clears its line.
        Algorithm::LeastOutstanding => {
            let fastest = fleet
                .terms
                .iter()
                .map(|t| t.service_s)
                .fold(f64::INFINITY, f64::min);
            let slots = servers * fleet.slots_per_server;
            if fastest.is_finite() && fastest > 0.0 && slots > 0 {
                f64::from(slots) / fastest
            } else {
                0.0
            }
        }
    }
}
