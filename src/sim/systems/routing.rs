//! Routing: each load balancer spreads what reached it over its targets, and
//! tells each target fleet how its servers share lines: with round robin
//! every instance has a line of its own; with least outstanding requests
//! the balancer's targets come close to one shared line.

use crate::format::solution::Algorithm;
use crate::sim::components::{Balancer, Fleet, Function, Reading};
use crate::sim::state::{ByThing, Ctx, Inbox};
use crate::sim::station::{DropReason, Sharing, round_carried_into};

/// Spreads a load balancer's inbox over its targets.
pub fn route(ctx: &mut Ctx, lb_entity: hecs::Entity) {
    let Some(lb) = ctx.balancers.get_mut(lb_entity) else {
        return;
    };
    let Some(arrivals) = ctx.inboxes.get_mut(lb_entity).map(Inbox::take) else {
        return;
    };
    let total: u64 = arrivals.iter().map(|c| c.count).sum();
    lb.routed = total;
    lb.routed_kib = arrivals
        .iter()
        .map(|c| c.count as f64 * ctx.setup.workloads[usize::from(c.workload)].response_kib)
        .sum();
    // A target's reading changes only with its fleet's count (or its
    // hardware, which a server change recounts): read again only then.
    let read_at = Some(ctx.fleets_counted);
    let fresh = lb.read_at == read_at && lb.readings.len() == lb.targets.len();
    lb.read_at = read_at;
    // Kept readings need no look at the targets.
    if !fresh {
        read_targets(&mut ctx.fleets, &ctx.functions, lb);
    }
    let Balancer {
        targets,
        carry,
        weights,
        parts,
        split,
        ..
    } = lb;
    let sum: f64 = weights.iter().sum();
    split.clear();
    if sum <= 0.0 {
        for c in &arrivals {
            ctx.tally.drop(c.stream, c.count, DropReason::NoTarget);
        }
    } else {
        for cohort in &arrivals {
            round_carried_into(cohort.count, weights, carry, parts);
            split.extend_from_slice(parts);
        }
    }
    let n = targets.len();
    for (j, &target) in targets.iter().enumerate() {
        // A target linked twice is visited at its first link, and takes the
        // shares of both, cohort by cohort.
        if targets[..j].contains(&target) {
            continue;
        }
        let (Some(inbox), true) = (ctx.inboxes.get_mut(target), sum > 0.0) else {
            continue;
        };
        for (i, cohort) in arrivals.iter().enumerate() {
            for k in (j..n).filter(|&k| targets[k] == target) {
                // The expected count follows the weights exactly: a target's
                // line sees its share of the intensity, whatever the rounding.
                let expected = cohort.expected * weights[k] / sum;
                let count = split[i * n + k];
                if count == 0 && expected <= 0.0 {
                    continue;
                }
                inbox.0.push(cohort.with(count, expected));
            }
        }
    }
    if let Some(inbox) = ctx.inboxes.get_mut(lb_entity) {
        inbox.give_back(arrivals);
    }
}

/// Reads a balancer's targets again: their readings, the weights they give
/// and, from those, how each target fleet shares its lines.
fn read_targets(fleets: &mut ByThing<Fleet>, functions: &ByThing<Function>, lb: &mut Balancer) {
    let algorithm = lb.algorithm;
    let targets = std::mem::take(&mut lb.targets);
    let mut weights = std::mem::take(&mut lb.weights);
    let mut readings = std::mem::take(&mut lb.readings);
    readings.clear();
    readings.extend(
        targets
            .iter()
            .map(|&t| read(fleets, functions, t, algorithm)),
    );
    weights.clear();
    weights.extend(readings.iter().map(|r| r.weight));
    // With no healthy target at all, Elastic Load Balancing fails open:
    // it tries every registered target rather than none.
    if !(weights.iter().sum::<f64>() > 0.0) {
        weights.clear();
        weights.extend(readings.iter().map(|r| r.open_weight));
    }
    let sharing = sharing(&readings, &weights, algorithm);
    let n = targets.len();
    for (j, &target) in targets.iter().enumerate() {
        // A target linked twice takes the sharing of its last link.
        if targets[..j].contains(&target) {
            continue;
        }
        if let Some(f) = fleets.get_mut(target) {
            for k in (j..n).filter(|&k| targets[k] == target) {
                if let Some(share) = sharing.of(&readings[k], weights[k]) {
                    f.sharing = share;
                }
            }
        }
    }
    lb.targets = targets;
    lb.weights = weights;
    lb.readings = readings;
}

/// How a balancer's target fleets share lines this tick.
struct LineSharing {
    algorithm: Algorithm,
    /// Request slots of every target fleet.
    pool_slots: u32,
    /// Their weights, summed.
    pool_weight: f64,
}

impl LineSharing {
    /// How a target fleet of this reading and weight shares its lines (none
    /// for a target that is no fleet).
    fn of(&self, reading: &Reading, weight: f64) -> Option<Sharing> {
        reading.slots?;
        Some(match self.algorithm {
            Algorithm::RoundRobin => Sharing::PerServer,
            Algorithm::LeastOutstanding if self.pool_weight > 0.0 => Sharing::Shared {
                slots: self.pool_slots,
                share: weight / self.pool_weight,
            },
            Algorithm::LeastOutstanding => Sharing::Pooled,
        })
    }
}

/// Pools the target fleets' slots and weights for [`LineSharing::of`].
fn sharing(readings: &[Reading], weights: &[f64], algorithm: Algorithm) -> LineSharing {
    let mut pool_slots = 0u32;
    let mut pool_weight = 0.0;
    for (r, &w) in readings.iter().zip(weights) {
        if let Some(slots) = r.slots {
            pool_slots = pool_slots.saturating_add(slots);
            pool_weight += w;
        }
    }
    LineSharing {
        algorithm,
        pool_slots,
        pool_weight,
    }
}

/// What a balancer reads of one target: a fleet, or else a function.
fn read(
    fleets: &ByThing<Fleet>,
    functions: &ByThing<Function>,
    target: hecs::Entity,
    algorithm: Algorithm,
) -> Reading {
    match fleets.get(target) {
        Some(f) => reading(Some(f), None, algorithm),
        None => reading(None, functions.get(target), algorithm),
    }
}

/// What a balancer reads of a fleet, or else of a function (or of nothing).
fn reading(fleet: Option<&Fleet>, function: Option<&Function>, algorithm: Algorithm) -> Reading {
    if let Some(f) = fleet {
        return Reading {
            weight: weight(f, algorithm, false),
            open_weight: weight(f, algorithm, true),
            slots: Some(f.census.working * f.slots_per_server),
        };
    }
    let limit = function.map_or(0.0, |f| f64::from(f.limit));
    Reading {
        weight: limit,
        open_weight: limit,
        slots: None,
    }
}

/// A target's share of traffic: a fleet by its servers, a Lambda function by
/// its concurrency limit (it scales by itself).
pub(crate) fn target_weight(
    fleets: &ByThing<Fleet>,
    functions: &ByThing<Function>,
    target: hecs::Entity,
    algorithm: Algorithm,
    fail_open: bool,
) -> f64 {
    let r = read(fleets, functions, target, algorithm);
    if fail_open { r.open_weight } else { r.weight }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{SourceFile, check_texts};
    use crate::sim::{Sim, setup_of, testdata};

    /// Runs a level's solution tick by tick and checks, after every tick,
    /// that what each balancer kept of its targets is what it would read
    /// afresh: kept readings go stale with no tick noticing otherwise.
    fn readings_stay_fresh(level: &str, which: &str) {
        let (level_file, text) = testdata::level_and_solution(level, which);
        let checked = check_texts(level_file, Some(SourceFile::new("s.ron", text)))
            .expect("test files check");
        let mut sim = Sim::new(setup_of(&checked, None)).expect("builds");
        let mut checked_ticks = 0;
        while !sim.finished() {
            sim.step();
            for (_, b) in sim.ctx.balancers.iter() {
                if b.readings.len() != b.targets.len() {
                    continue;
                }
                for (k, &t) in b.targets.iter().enumerate() {
                    assert_eq!(
                        b.readings[k],
                        read(&sim.ctx.fleets, &sim.ctx.functions, t, b.algorithm),
                        "{level}/{which}: tick {}, target {k}",
                        sim.ctx.tick
                    );
                }
                checked_ticks += 1;
            }
        }
        assert!(checked_ticks > 0, "{level}/{which}: no balancer routed");
    }

    #[test]
    fn kept_readings_follow_failures_scaling_and_health() {
        // An instance fails behind a balancer; a group scales behind one
        // that pools; a day of scaling, failures and warm-ups.
        for (level, which) in [
            ("05-horizontal-scaling", "reference"),
            ("06-auto-scaling", "reference"),
            ("07-load-balancing", "reference"),
            ("day", "reference"),
        ] {
            readings_stay_fresh(level, which);
        }
    }
}
