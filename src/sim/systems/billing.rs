//! Billing: what this tick cost, by service, from catalogue prices.

use hecs::World;

use crate::format::level::Period;
use crate::format::solution::{Commitment, PlanKind, Purchase, Term};
use crate::sim::components::{ContainerService, Fleet, Hardware, Server};
use crate::sim::ledger::Service;
use crate::sim::state::{BillRates, ByThing, Coverage, Ctx};

/// EKS control planes among container services: one per EC2 cluster
/// EKS services share, one per EKS service on Fargate. Services and their
/// clusters never change during a run, so this is counted once.
pub fn eks_clusters(world: &World, fleets: &ByThing<Fleet>, services: &[hecs::Entity]) -> u32 {
    let cluster_of = |e: hecs::Entity| fleets.get(e).map(|f| f.capacity.unwrap_or(e));
    let eks = |e: hecs::Entity| world.get::<&ContainerService>(e).is_ok_and(|s| s.eks);
    let mut count = 0;
    for (i, &entity) in services.iter().enumerate() {
        // Counted once per cluster: by the first EKS service on it.
        let cluster = cluster_of(entity);
        if eks(entity)
            && !services[..i]
                .iter()
                .any(|&e| eks(e) && cluster_of(e) == cluster)
        {
            count += 1;
        }
    }
    count
}

/// Charges this tick's costs to the ledger. Servers are billed from the
/// counts the census keeps by type ([`crate::sim::state::BillCounts`]), so a
/// tick costs the same whatever order the servers are in, and a tick in
/// which no server changed does no walk at all.
pub fn accrue(ctx: &mut Ctx) {
    // Borrowed, not cloned: a clone of the reference count is two atomic
    // operations a tick.
    let setup = &*ctx.setup;
    let cat = &setup.catalogue;
    let tick_s = setup.tick_s;
    let hours = tick_s / 3600.0;
    let bill = std::mem::take(&mut ctx.bill);
    let rates = bill.usd_per_hour;
    for (service, usd_per_hour, factor) in [
        (Service::Fargate, rates.coverage.fargate_uncovered, 1.0),
        (Service::OnPremises, rates.on_prem, 1.0),
        (
            Service::Ec2Spot,
            rates.spot,
            ctx.price_factor[Purchase::Spot as usize],
        ),
        (
            Service::DedicatedHosts,
            rates.dedicated,
            ctx.price_factor[Purchase::DedicatedHost as usize],
        ),
    ] {
        if usd_per_hour > 0.0 {
            ctx.ledger.charge(service, usd_per_hour * factor * hours);
        }
    }
    // On-demand usage at today's price; commitments at their own.
    let c = rates.coverage;
    for (service, usd_per_hour, factor) in [
        (Service::Ec2Reserved, c.reserved, 1.0),
        (Service::SavingsPlans, c.savings, 1.0),
        (
            Service::Ec2OnDemand,
            c.uncovered,
            ctx.price_factor[Purchase::OnDemand as usize],
        ),
    ] {
        if usd_per_hour > 0.0 {
            ctx.ledger.charge(service, usd_per_hour * factor * hours);
        }
    }
    ctx.bill = bill;

    // A one-off level ends but its commitments do not: the rest of each term
    // is charged as the level ends.
    if ctx.tick + 1 == setup.ticks && setup.level.period == Period::OneOff {
        let level_h = setup.ticks as f64 * tick_s / 3600.0;
        let rest: f64 = setup
            .solution
            .commitments
            .iter()
            .map(|c| commitment_usd_per_hour(cat, c) * (term_hours(c) - level_h).max(0.0))
            .sum();
        ctx.ledger.charge(Service::CommitmentTerms, rest);
    }

    // Lambda duration this tick: what Compute Savings Plans left after EC2
    // and Fargate pays for it at the plan's Lambda rate.
    let duration = std::mem::take(&mut ctx.lambda_duration_usd);
    if duration > 0.0 {
        let d = cat.pricing.savings_plan_lambda;
        let covered = (duration * (1.0 - d)).min(c.compute_left * hours);
        ctx.ledger
            .charge(Service::Lambda, duration - covered / (1.0 - d));
    }

    // SQS bills every API request: a send, a receive and a delete per message,
    // one request per 64 KiB chunk of it.
    for (_, q) in ctx.queues.iter() {
        let requests = (q.sent as f64 + 2.0 * q.received as f64) * q.chunks_per_message;
        ctx.ledger.charge(
            Service::Sqs,
            requests * cat.queue.usd_per_million_requests / 1e6,
        );
    }

    // SNS bills each publish (per 64 KiB chunk) and each HTTP/S delivery;
    // deliveries to SQS are free.
    for (_, t) in ctx.topics.iter() {
        let usd = t.published as f64 * cat.topic.usd_per_million_publishes / 1e6
            + t.http_delivered as f64 * cat.topic.usd_per_million_http_deliveries / 1e6;
        ctx.ledger.charge(Service::Sns, usd);
    }

    // EKS charges for each cluster's control plane: one per EC2 cluster its
    // services share, one per service on Fargate.
    for _ in 0..ctx.kinds.eks_clusters {
        ctx.ledger.charge(
            Service::Eks,
            cat.containers.eks_usd_per_cluster_hour * hours,
        );
    }

    let lb = &cat.load_balancer;
    for (_, b) in ctx.balancers.iter() {
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

/// On-demand instances and Fargate tasks: what Reserved Instances and
/// Savings Plans cover of `running` (instances by type) and `fargate`
/// (dollars an hour at list price), per hour. Commitments are paid every
/// hour, used or not; what they leave is billed on demand. A plan spends
/// itself where its discount is deepest first, as AWS applies it: EC2, then
/// Fargate, then (tick by tick, in [`accrue`]) Lambda.
pub fn cover(
    cat: &crate::format::Catalogue,
    commitments: &[Commitment],
    running: &[u32],
    fargate: f64,
) -> Coverage {
    let list = |i: usize, n: f64| n * cat.instance_types[i].usd_per_hour;
    if commitments.is_empty() {
        let uncovered = running
            .iter()
            .enumerate()
            .map(|(i, &n)| list(i, f64::from(n)))
            .sum();
        return Coverage {
            uncovered,
            fargate_uncovered: fargate,
            ..Coverage::default()
        };
    }
    let mut out = Coverage::default();
    // Reservations cover running on-demand instances of their type.
    let mut left: Vec<f64> = running.iter().map(|&n| f64::from(n)).collect();
    for c in commitments {
        if let Some((i, count, usd_per_hour)) = reserved_rate(cat, c) {
            out.reserved += count * usd_per_hour;
            let used = count.min(left[i]);
            out.unused += (count - used) * usd_per_hour;
            left[i] -= used;
        }
    }
    // Savings Plans: a commitment per hour that pays for eligible usage at the
    // plan's discount; usage beyond it is billed on demand.
    let mut usage: Vec<f64> = left.iter().enumerate().map(|(i, &n)| list(i, n)).collect();
    let mut fargate_left = fargate;
    for c in commitments {
        if let Commitment::SavingsPlan {
            plan,
            usd_per_hour,
            term,
            payment,
        } = c
        {
            let p = &cat.pricing;
            let (discount, family) = match plan {
                PlanKind::Compute => (p.compute_savings_plan.of(*term, *payment), None),
                PlanKind::Ec2Instance(f) => (p.instance_savings_plan.of(*term, *payment), Some(*f)),
            };
            let mut budget = *usd_per_hour;
            out.savings += budget;
            for (u, t) in usage.iter_mut().zip(&cat.instance_types) {
                if budget <= 0.0 || family.is_some_and(|f| f != t.family) {
                    continue;
                }
                let covered = (*u * (1.0 - discount)).min(budget);
                budget -= covered;
                *u -= covered / (1.0 - discount);
            }
            if family.is_none() {
                let d = discount * p.savings_plan_fargate_share;
                let covered = (fargate_left * (1.0 - d)).min(budget.max(0.0));
                budget -= covered;
                fargate_left -= covered / (1.0 - d);
                out.compute_left += budget.max(0.0);
            }
            out.unused += budget.max(0.0);
        }
    }
    out.uncovered = usage.iter().sum();
    out.fargate_uncovered = fargate_left.max(0.0);
    out
}

/// Dollars per hour of Dedicated Hosts for `vcpu` placed by instance type:
/// enough hosts of each family, counted at the family's first type.
fn dedicated_hosts(cat: &crate::format::catalogue::Catalogue, vcpu: &[u32]) -> f64 {
    let mut usd = 0.0;
    for (i, t) in cat.instance_types.iter().enumerate() {
        if cat.instance_types[..i].iter().any(|u| u.family == t.family) {
            continue;
        }
        let placed: u32 = cat
            .instance_types
            .iter()
            .zip(vcpu)
            .filter(|(u, _)| u.family == t.family)
            .map(|(_, &v)| v)
            .sum();
        if placed > 0
            && let Some(host) = cat.dedicated_host(t.family)
        {
            usd += (f64::from(placed) / f64::from(host.vcpu.max(1))).ceil() * host.usd_per_hour;
        }
    }
    usd
}

/// Dollars per hour of the servers counted in `ctx.bill`, at catalogue prices.
pub fn rates(ctx: &Ctx) -> BillRates {
    let cat = &ctx.setup.catalogue;
    let bill = &ctx.bill;
    let mut r = BillRates::default();
    for (i, t) in cat.instance_types.iter().enumerate() {
        r.on_demand += f64::from(bill.on_demand[i]) * t.usd_per_hour;
        r.spot += f64::from(bill.spot[i]) * t.usd_per_hour * (1.0 - cat.pricing.spot.discount);
    }
    // Finding the families walks the catalogue once per type: only worth it
    // when anything is placed on a host.
    if bill.dedicated_vcpu.iter().any(|&v| v > 0) {
        r.dedicated = dedicated_hosts(cat, &bill.dedicated_vcpu);
    }
    // Owned hardware costs the same busy or idle: depreciation plus power,
    // cooling, space and network.
    for (m, &n) in cat.on_prem_servers.iter().zip(&bill.on_prem) {
        r.on_prem += f64::from(n) * m.purchase_usd * (1.0 + cat.on_prem.overhead_per_server_usd)
            / (cat.on_prem.depreciation_years * 8760.0);
    }
    // Fargate: per vCPU-hour and GB-hour of each running task.
    for (slot, &n) in bill.fargate.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let (vcpu, memory) = ctx
            .kinds
            .fleets
            .get(slot)
            .and_then(|&f| ctx.fleets.get(f).and_then(|f| f.hardware.task_size()))
            .unwrap_or((0.0, 0.0));
        let c = &cat.containers;
        r.fargate += f64::from(n)
            * (vcpu * c.fargate_usd_per_vcpu_hour + memory * c.fargate_usd_per_gb_hour);
    }
    r.coverage = cover(
        cat,
        &ctx.setup.solution.commitments,
        &bill.on_demand,
        r.fargate,
    );
    r
}

/// What a server that ends now still owes: billing has a minimum (a minute
/// for EC2 and Fargate), charged when it is removed.
pub fn minimum_charge(ctx: &mut Ctx, server: &Server) {
    let cat = &ctx.setup.catalogue;
    let billed_s = (ctx.end_s() - server.launched_s - server.unbilled_s).max(0.0);
    let (usd_per_hour, minimum_s, service) = match server.hardware {
        Hardware::Task { .. } if server.host.is_none() => {
            let (vcpu, memory) = server.hardware.task_size().unwrap_or((0.0, 0.0));
            let c = &cat.containers;
            (
                vcpu * c.fargate_usd_per_vcpu_hour + memory * c.fargate_usd_per_gb_hour,
                c.fargate_min_billed_s,
                Service::Fargate,
            )
        }
        Hardware::Ec2(i) => {
            let t = &cat.instance_types[i];
            match server.purchase {
                Purchase::OnDemand => (t.usd_per_hour, cat.ec2.min_billed_s, Service::Ec2OnDemand),
                Purchase::Spot => (
                    t.usd_per_hour * (1.0 - cat.pricing.spot.discount),
                    cat.ec2.min_billed_s,
                    Service::Ec2Spot,
                ),
                Purchase::DedicatedHost => return,
            }
        }
        _ => return,
    };
    let short = (minimum_s - billed_s).max(0.0);
    if short > 0.0 {
        ctx.ledger.charge(service, usd_per_hour * short / 3600.0);
    }
}

/// What a commitment costs an hour, used or not.
pub fn commitment_usd_per_hour(cat: &crate::format::Catalogue, c: &Commitment) -> f64 {
    match c {
        Commitment::SavingsPlan { usd_per_hour, .. } => *usd_per_hour,
        Commitment::Reserved { .. } => reserved_rate(cat, c).map_or(0.0, |(_, n, usd)| n * usd),
    }
}

/// Hours in a commitment's term.
pub fn term_hours(c: &Commitment) -> f64 {
    let (Commitment::Reserved { term, .. } | Commitment::SavingsPlan { term, .. }) = c;
    match term {
        Term::OneYear => 8760.0,
        Term::ThreeYears => 3.0 * 8760.0,
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
    let discount = table.of(*payment);
    Some((i, f64::from(*count), t.usd_per_hour * (1.0 - discount)))
}
