//! Billing: what this tick cost, by service, from catalogue prices.

use hecs::World;

use crate::format::catalogue::Family;
use crate::format::solution::{Commitment, Payment, PlanKind, Purchase, Term};
use crate::sim::components::{
    Balancer, ContainerService, Fleet, Hardware, MessageQueue, Server, ServerState, Topic,
};
use crate::sim::ledger::Service;
use crate::sim::state::Ctx;

use super::ordered;

/// Charges this tick's costs to the ledger.
pub fn accrue(world: &mut World, ctx: &mut Ctx) {
    let setup = std::sync::Arc::clone(&ctx.setup);
    let cat = &setup.catalogue;
    let tick_s = ctx.tick_s();
    let hours = tick_s / 3600.0;
    let types = cat.instance_types.len();
    let mut on_demand_running = vec![0u32; types];
    let mut host_vcpu: Vec<(Family, u32)> = Vec::new();

    let mut all = world.view::<&mut Server>();
    for &(entity, _) in &ctx.roster {
        let Some(server) = all.get_mut(entity) else {
            continue;
        };
        match server.hardware {
            // A task on EC2 is paid for through its instance; on Fargate it is
            // billed per vCPU-hour and GB-hour, per second with a one-minute minimum.
            Hardware::Task { .. } if server.host.is_some() => {}
            Hardware::Task { .. } => {
                let (vcpu, memory) = server.hardware.task_size().unwrap_or((0.0, 0.0));
                let c = &cat.containers;
                let per_hour =
                    vcpu * c.fargate_usd_per_vcpu_hour + memory * c.fargate_usd_per_gb_hour;
                if matches!(server.state, ServerState::Terminated) {
                    let short = (c.fargate_min_billed_s - server.billed_s).max(0.0);
                    ctx.ledger
                        .charge(Service::Fargate, per_hour * short / 3600.0);
                } else if server.state.is_billed() {
                    server.billed_s += tick_s;
                    ctx.ledger.charge(Service::Fargate, per_hour * hours);
                }
            }
            Hardware::OnPrem(i) => {
                // Owned hardware costs the same busy or idle: depreciation plus
                // power, cooling, space and network.
                let m = &cat.on_prem_servers[i];
                let per_hour = m.purchase_usd * (1.0 + cat.on_prem.overhead_per_server_usd)
                    / (cat.on_prem.depreciation_years * 8760.0);
                if !matches!(server.state, ServerState::Terminated) {
                    ctx.ledger.charge(Service::OnPremises, per_hour * hours);
                }
            }
            Hardware::Ec2(i) => {
                let t = &cat.instance_types[i];
                if matches!(server.state, ServerState::Terminated) {
                    // Per-second billing has a one-minute minimum.
                    let short = (cat.ec2.min_billed_s - server.billed_s).max(0.0);
                    let service = if server.purchase == Purchase::Spot {
                        Service::Ec2Spot
                    } else {
                        Service::Ec2OnDemand
                    };
                    let rate = if server.purchase == Purchase::Spot {
                        1.0 - cat.pricing.spot.discount
                    } else {
                        1.0
                    };
                    ctx.ledger
                        .charge(service, t.usd_per_hour * rate * short / 3600.0);
                    continue;
                }
                if !server.state.is_billed() {
                    continue;
                }
                server.billed_s += tick_s;
                match server.purchase {
                    Purchase::OnDemand => on_demand_running[i] += 1,
                    Purchase::Spot => ctx.ledger.charge(
                        Service::Ec2Spot,
                        t.usd_per_hour
                            * (1.0 - cat.pricing.spot.discount)
                            * ctx.price_factor[Purchase::Spot as usize]
                            * hours,
                    ),
                    Purchase::DedicatedHost => {
                        match host_vcpu.iter_mut().find(|(f, _)| *f == t.family) {
                            Some((_, v)) => *v += t.vcpu,
                            None => host_vcpu.push((t.family, t.vcpu)),
                        }
                    }
                }
            }
        }
    }

    // Reservations are paid every hour of their term, used or not, and cover
    // running on-demand instances of their type.
    let mut uncovered: Vec<f64> = on_demand_running.iter().map(|&n| f64::from(n)).collect();
    for c in &setup.solution.commitments {
        if let Some((i, count, usd_per_hour)) = reserved_rate(cat, c) {
            ctx.ledger
                .charge(Service::Ec2Reserved, count * usd_per_hour * hours);
            uncovered[i] = (uncovered[i] - count).max(0.0);
        }
    }
    // Savings Plans: a commitment per hour that pays for eligible usage at the
    // plan's discount; usage beyond it is billed on demand.
    let mut usage: Vec<f64> = uncovered
        .iter()
        .zip(&cat.instance_types)
        .map(|(n, t)| n * t.usd_per_hour * hours)
        .collect();
    for c in &setup.solution.commitments {
        if let Commitment::SavingsPlan { plan, usd_per_hour } = c {
            let (discount, family) = match plan {
                PlanKind::Compute => (cat.pricing.compute_savings_plan, None),
                PlanKind::Ec2Instance(f) => (cat.pricing.instance_savings_plan, Some(*f)),
            };
            let mut budget = usd_per_hour * hours;
            ctx.ledger.charge(Service::SavingsPlans, budget);
            for (u, t) in usage.iter_mut().zip(&cat.instance_types) {
                if budget <= 0.0 || family.is_some_and(|f| f != t.family) {
                    continue;
                }
                let discounted = *u * (1.0 - discount);
                let covered = discounted.min(budget);
                budget -= covered;
                *u -= covered / (1.0 - discount);
            }
        }
    }
    // What no commitment covered is billed on demand, at today's price.
    ctx.ledger.charge(
        Service::Ec2OnDemand,
        usage.iter().sum::<f64>() * ctx.price_factor[Purchase::OnDemand as usize],
    );

    for (family, vcpu) in host_vcpu {
        if let Some(host) = cat.dedicated_host(family) {
            let hosts = (f64::from(vcpu) / f64::from(host.vcpu.max(1))).ceil();
            ctx.ledger.charge(
                Service::DedicatedHosts,
                hosts
                    * host.usd_per_hour
                    * ctx.price_factor[Purchase::DedicatedHost as usize]
                    * hours,
            );
        }
    }

    // SQS bills every API request: a send, a receive and a delete per message,
    // one request per 64 KiB chunk of it.
    for entity in ordered::<MessageQueue>(world) {
        let Ok(q) = world.get::<&MessageQueue>(entity) else {
            continue;
        };
        let requests = (q.sent as f64 + 2.0 * q.received as f64) * q.chunks_per_message;
        ctx.ledger.charge(
            Service::Sqs,
            requests * cat.queue.usd_per_million_requests / 1e6,
        );
    }

    // SNS bills each publish (per 64 KiB chunk) and each HTTP/S delivery;
    // deliveries to SQS are free.
    for entity in ordered::<Topic>(world) {
        let Ok(t) = world.get::<&Topic>(entity) else {
            continue;
        };
        let usd = t.published as f64 * cat.topic.usd_per_million_publishes / 1e6
            + t.http_delivered as f64 * cat.topic.usd_per_million_http_deliveries / 1e6;
        ctx.ledger.charge(Service::Sns, usd);
    }

    // EKS charges for each cluster's control plane: one per EC2 cluster its
    // services share, one per service on Fargate.
    let mut clusters: Vec<hecs::Entity> = Vec::new();
    for entity in ordered::<ContainerService>(world) {
        let (Ok(service), Ok(fleet)) = (
            world.get::<&ContainerService>(entity),
            world.get::<&Fleet>(entity),
        ) else {
            continue;
        };
        let cluster = fleet.capacity.unwrap_or(entity);
        if service.eks && !clusters.contains(&cluster) {
            clusters.push(cluster);
            ctx.ledger.charge(
                Service::Eks,
                cat.containers.eks_usd_per_cluster_hour * hours,
            );
        }
    }

    let lb = &cat.load_balancer;
    for entity in ordered::<Balancer>(world) {
        let Ok(b) = world.get::<&Balancer>(entity) else {
            continue;
        };
        // Capacity units: the largest of new connections (one per request) and data processed.
        let per_s = b.routed as f64 / tick_s;
        let gb_per_hour = b.routed_kib / (1024.0 * 1024.0) / hours;
        let lcu = (per_s / lb.new_connections_per_lcu).max(gb_per_hour / lb.gb_per_lcu_hour);
        ctx.ledger.charge(
            Service::LoadBalancing,
            (lb.usd_per_hour + lcu * lb.usd_per_lcu_hour) * hours,
        );
    }
}

/// A Reserved Instance commitment's type index, instance count and discounted
/// price per instance-hour (None for savings plans and unknown types).
pub(crate) fn reserved_rate(
    cat: &crate::format::Catalogue,
    commitment: &Commitment,
) -> Option<(usize, f64, f64)> {
    let Commitment::Reserved {
        instance_type,
        count,
        term,
        payment,
    } = commitment
    else {
        return None;
    };
    let (i, t) = cat.instance_type(instance_type)?;
    let table = match term {
        Term::OneYear => &cat.pricing.reserved_1y,
        Term::ThreeYears => &cat.pricing.reserved_3y,
    };
    let discount = match payment {
        Payment::NoUpfront => table.no_upfront,
        Payment::PartialUpfront => table.partial_upfront,
        Payment::AllUpfront => table.all_upfront,
    };
    Some((i, f64::from(*count), t.usd_per_hour * (1.0 - discount)))
}
