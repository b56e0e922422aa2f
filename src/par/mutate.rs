//! One random change to a design: a knob a player could turn in the
//! inspector (an instance type, a purchase option, a group's limits, a
//! policy's target, a function's memory, a task's size, a commitment).
//!
//! Changes stay within the palette and near the values they start from
//! (halving to doubling), so most changed designs are ones a player might
//! build; `check` throws out the rest.

use crate::format::level::CommitmentKind;
use crate::format::solution::{
    Algorithm, Arch, AutoScalingGroup, Capacity, Commitment, ContainerSpec, FunctionSpec,
    LoadBalancer, Metric, Orchestrator, Payment, PlanKind, Policy, Purchase, QueueSpec, Solution,
    Term, Thing,
};
use crate::format::time::Span;

use super::sample::{Dice, Palette};

/// Factors a count or a figure is scaled by.
const FACTORS: [f64; 6] = [0.5, 0.67, 0.8, 1.25, 1.5, 2.0];
/// CPU targets a policy may aim at, percent.
pub const CPU_TARGETS: [f64; 7] = [30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0];
/// Lambda memory sizes, MB (1769 MB buys one full vCPU).
pub const MEMORY_MB: [u32; 9] = [128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240];
/// Container task sizes, vCPU.
pub const TASK_VCPU: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];
/// A sampled group or service grows to at most this many: enough to meet any
/// bundled level's peak, few enough that one design scores in seconds.
pub const MOST_SERVERS: u32 = 200;

/// Makes one random change to the design.
pub fn once(solution: &mut Solution, palette: &Palette<'_>, dice: &mut Dice) {
    let things = u32::try_from(solution.things.len()).unwrap_or(u32::MAX);
    // One more choice than there are things: the commitments.
    let at = dice.below(things.saturating_add(1)) as usize;
    match solution.things.get_mut(at) {
        Some(thing) => change_thing(thing, palette, dice),
        None => change_commitments(solution, palette, dice),
    }
}

fn change_thing(thing: &mut Thing, palette: &Palette<'_>, dice: &mut Dice) {
    match thing {
        Thing::OnPremises { model, servers, .. } => {
            if dice.chance(0.8) {
                *servers = scale(*servers, dice).clamp(1, MOST_SERVERS);
            } else if let Some(m) = dice.pick(&palette.server_models()) {
                *model = (*m).to_string();
            }
        }
        Thing::Instance {
            instance_type,
            purchase,
            ..
        } => {
            if dice.chance(0.6) {
                retype(instance_type, palette, dice);
            } else {
                *purchase = purchase_option(palette, dice);
            }
        }
        Thing::AutoScalingGroup(g) => change_group(g, palette, dice),
        Thing::LoadBalancer(lb) => change_balancer(lb, dice),
        Thing::Queue(q) => change_queue(q, dice),
        // A topic has nothing to turn.
        Thing::Topic { .. } => {}
        Thing::Function(f) => change_function(f, palette, dice),
        Thing::ContainerService(c) => change_service(c, dice),
    }
}

/// A count scaled by one of [`FACTORS`], moved by at least one.
pub fn scale(n: u32, dice: &mut Dice) -> u32 {
    let f = dice.pick_or(&FACTORS, 1.0);
    let scaled = (f64::from(n) * f).round() as u32;
    match scaled.cmp(&n) {
        std::cmp::Ordering::Equal if f > 1.0 => n.saturating_add(1),
        std::cmp::Ordering::Equal => n.saturating_sub(1),
        _ => scaled,
    }
}

fn retype(instance_type: &mut String, palette: &Palette<'_>, dice: &mut Dice) {
    if let Some(t) = dice.pick(&palette.instance_types()) {
        instance_type.clone_from(&t.name);
    }
}

/// A way of buying instances: on-demand most often; Dedicated Hosts only
/// where the level asks for dedicated hardware or now and then elsewhere.
pub fn purchase_option(palette: &Palette<'_>, dice: &mut Dice) -> Purchase {
    let offered = &palette.level.palette;
    if palette.level.goals.dedicated_only
        && offered.offers_purchase(Purchase::DedicatedHost)
        && dice.chance(0.8)
    {
        return Purchase::DedicatedHost;
    }
    let roll = dice.unit();
    let wanted = if roll < 0.55 {
        Purchase::OnDemand
    } else if roll < 0.9 {
        Purchase::Spot
    } else {
        Purchase::DedicatedHost
    };
    // Only what the level offers: on demand, or the first way it lists.
    if offered.offers_purchase(wanted) {
        wanted
    } else if offered.offers_purchase(Purchase::OnDemand) {
        Purchase::OnDemand
    } else {
        offered
            .purchases
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or_default()
    }
}

fn change_group(g: &mut AutoScalingGroup, palette: &Palette<'_>, dice: &mut Dice) {
    match dice.below(5) {
        0 => retype(&mut g.instance_type, palette, dice),
        1 => g.purchase = purchase_option(palette, dice),
        2 | 3 => {
            let (min, desired, max) = limits(g.min, g.desired, g.max, dice);
            (g.min, g.desired, g.max) = (min, desired, max);
        }
        _ => change_policies(&mut g.policies, palette.level.history.is_some(), dice),
    }
}

/// New min, desired and max: one of them scaled, the others moved to keep
/// min ≤ desired ≤ max.
pub fn limits(min: u32, desired: u32, max: u32, dice: &mut Dice) -> (u32, u32, u32) {
    let (mut min, mut desired, mut max) = (min, desired, max);
    match dice.below(3) {
        0 => {
            min = scale(min, dice).min(MOST_SERVERS);
            desired = desired.max(min);
            max = max.max(desired);
        }
        1 => {
            desired = scale(desired, dice).min(MOST_SERVERS);
            min = min.min(desired);
            max = max.max(desired);
        }
        _ => {
            max = scale(max, dice).clamp(1, MOST_SERVERS);
            desired = desired.min(max);
            min = min.min(desired);
        }
    }
    (min, desired, max)
}

fn change_policies(policies: &mut Vec<Policy>, has_history: bool, dice: &mut Dice) {
    let roll = dice.unit();
    if policies.is_empty() || roll < 0.15 {
        // A group without a policy gets one; one with policies gets another kind.
        if has_history && dice.chance(0.4) && !policies.iter().any(is_predictive) {
            policies.push(Policy::Predictive {
                target: dice.pick_or(&CPU_TARGETS, 60.0),
                ahead: None,
            });
        } else if policies.is_empty() {
            policies.push(Policy::TargetTracking {
                metric: Metric::Cpu,
                target: dice.pick_or(&CPU_TARGETS, 60.0),
            });
        }
        return;
    }
    if roll < 0.25 {
        // Fixed size or only the other policies: a design that does not react.
        let n = u32::try_from(policies.len()).unwrap_or(u32::MAX);
        policies.remove(dice.below(n) as usize);
        return;
    }
    let n = u32::try_from(policies.len()).unwrap_or(u32::MAX);
    let Some(policy) = policies.get_mut(dice.below(n) as usize) else {
        return;
    };
    match policy {
        Policy::TargetTracking {
            metric: Metric::Cpu,
            target,
        }
        | Policy::Predictive { target, .. } => *target = dice.pick_or(&CPU_TARGETS, *target),
        Policy::TargetTracking { target, .. } => *target = figure(*target, dice),
        Policy::Step { steps, .. } => {
            for s in steps {
                s.change = if s.change < 0 {
                    -(scale(s.change.unsigned_abs(), dice).max(1) as i32)
                } else {
                    scale(s.change.unsigned_abs(), dice).max(1) as i32
                };
            }
        }
    }
}

fn is_predictive(p: &Policy) -> bool {
    matches!(p, Policy::Predictive { .. })
}

/// A figure scaled by one of [`FACTORS`], kept to three significant digits
/// so a par's designs read like a person's.
pub fn figure(x: f64, dice: &mut Dice) -> f64 {
    let scaled = x * dice.pick_or(&FACTORS, 1.0);
    if scaled <= 0.0 || !scaled.is_finite() {
        return x;
    }
    let digits = 10f64.powi(2 - scaled.log10().floor() as i32);
    (scaled * digits).round() / digits
}

fn change_balancer(lb: &mut LoadBalancer, dice: &mut Dice) {
    if dice.chance(0.5) {
        lb.algorithm = match lb.algorithm {
            Algorithm::RoundRobin => Algorithm::LeastOutstanding,
            Algorithm::LeastOutstanding => Algorithm::RoundRobin,
        };
    } else {
        lb.draining = Some(Span(dice.pick_or(&[0.0, 10.0, 60.0, 300.0], 300.0)));
    }
}

fn change_queue(q: &mut QueueSpec, dice: &mut Dice) {
    if dice.chance(0.5) {
        q.visibility_timeout = Some(Span(dice.pick_or(&[30.0, 300.0, 1800.0, 7200.0], 30.0)));
    } else {
        q.retention = Some(Span(
            dice.pick_or(&[600.0, 3600.0, 14_400.0, 345_600.0], 345_600.0),
        ));
    }
}

fn change_function(f: &mut FunctionSpec, palette: &Palette<'_>, dice: &mut Dice) {
    let lambda = &palette.catalogue.lambda;
    match dice.below(3) {
        0 | 1 => {
            let sizes: Vec<u32> = MEMORY_MB
                .iter()
                .copied()
                .filter(|m| (lambda.min_memory_mb..=lambda.max_memory_mb).contains(m))
                .collect();
            f.memory_mb = dice.pick_or(&sizes, f.memory_mb);
        }
        _ if dice.chance(0.7) => {
            let now = f.reserved_concurrency.unwrap_or(100);
            f.reserved_concurrency = match dice.below(4) {
                0 => None,
                _ => Some(scale(now, dice).clamp(1, lambda.account_concurrency)),
            };
        }
        _ => {
            f.arch = match f.arch {
                Arch::X86 => Arch::Arm,
                Arch::Arm => Arch::X86,
            }
        }
    }
}

fn change_service(c: &mut ContainerSpec, dice: &mut Dice) {
    match dice.below(5) {
        0 | 1 => {
            let (min, desired, max) = limits(c.min, c.desired, c.max, dice);
            (c.min, c.desired, c.max) = (min, desired, max);
        }
        2 => {
            // Fargate sizes: memory of two or four GiB per vCPU.
            c.task_vcpu = dice.pick_or(&TASK_VCPU, c.task_vcpu);
            c.task_memory_gib = c.task_vcpu * dice.pick_or(&[2.0, 4.0], 2.0);
        }
        3 => change_policies(&mut c.policies, false, dice),
        _ if dice.chance(0.5) => {
            c.orchestrator = match c.orchestrator {
                Orchestrator::Ecs => Orchestrator::Eks,
                Orchestrator::Eks => Orchestrator::Ecs,
            };
        }
        // From EC2 hosts to Fargate (the hosts are left idle, as a player might).
        _ => c.capacity = Capacity::Fargate,
    }
}

fn change_commitments(solution: &mut Solution, palette: &Palette<'_>, dice: &mut Dice) {
    let n = u32::try_from(solution.commitments.len()).unwrap_or(u32::MAX);
    if n == 0 || dice.chance(0.2) {
        if let Some(c) = new_commitment(solution, palette, dice) {
            solution.commitments.push(c);
        }
        return;
    }
    let at = dice.below(n) as usize;
    if dice.chance(0.25) {
        solution.commitments.remove(at);
        return;
    }
    let Some(c) = solution.commitments.get_mut(at) else {
        return;
    };
    match c {
        Commitment::Reserved {
            instance_type,
            count,
            term,
            payment,
        } => match dice.below(4) {
            0 => *count = scale(*count, dice).clamp(1, MOST_SERVERS),
            1 => retype(instance_type, palette, dice),
            2 => *term = dice.pick_or(&[Term::OneYear, Term::ThreeYears], *term),
            _ => {
                *payment = dice.pick_or(
                    &[
                        Payment::NoUpfront,
                        Payment::PartialUpfront,
                        Payment::AllUpfront,
                    ],
                    *payment,
                );
            }
        },
        Commitment::SavingsPlan { usd_per_hour, .. } => {
            *usd_per_hour = figure(*usd_per_hour, dice);
        }
    }
}

/// A reservation or savings plan for a few of the instance types the design
/// already runs, at their discounted price.
fn new_commitment(
    solution: &Solution,
    palette: &Palette<'_>,
    dice: &mut Dice,
) -> Option<Commitment> {
    let running: Vec<&str> = solution
        .things
        .iter()
        .filter_map(|t| match t {
            Thing::Instance { instance_type, .. } => Some(instance_type.as_str()),
            Thing::AutoScalingGroup(g) => Some(g.instance_type.as_str()),
            _ => None,
        })
        .collect();
    let name = *dice.pick(&running)?;
    let (_, it) = palette.catalogue.instance_type(name)?;
    let count = 1 + dice.below(4);
    let offered = &palette.level.palette;
    let reserve = match (
        offered.offers_commitment(CommitmentKind::Reserved),
        offered.offers_commitment(CommitmentKind::SavingsPlan),
    ) {
        (false, false) => return None,
        (true, false) => true,
        (false, true) => false,
        (true, true) => dice.chance(0.5),
    };
    if reserve {
        return Some(Commitment::Reserved {
            instance_type: name.to_string(),
            count,
            term: dice.pick_or(&[Term::OneYear, Term::ThreeYears], Term::OneYear),
            payment: dice.pick_or(
                &[
                    Payment::NoUpfront,
                    Payment::PartialUpfront,
                    Payment::AllUpfront,
                ],
                Payment::NoUpfront,
            ),
        });
    }
    let pricing = &palette.catalogue.pricing;
    let term = dice.pick_or(&[Term::OneYear, Term::ThreeYears], Term::OneYear);
    let payment = dice.pick_or(
        &[
            Payment::NoUpfront,
            Payment::PartialUpfront,
            Payment::AllUpfront,
        ],
        Payment::NoUpfront,
    );
    let (plan, discount) = if dice.chance(0.5) {
        (
            PlanKind::Compute,
            pricing.compute_savings_plan.of(term, payment),
        )
    } else {
        (
            PlanKind::Ec2Instance(it.family),
            pricing.instance_savings_plan.of(term, payment),
        )
    };
    let usd_per_hour = it.usd_per_hour * f64::from(count) * (1.0 - discount);
    Some(Commitment::SavingsPlan {
        plan,
        usd_per_hour: (usd_per_hour * 1e4).round() / 1e4,
        term,
        payment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_always_moves_and_never_wraps() {
        let mut d = Dice::new(5);
        for n in [0u32, 1, 2, 7, 100, u32::MAX] {
            for _ in 0..50 {
                let s = scale(n, &mut d);
                assert!(s != n || n == 0 || n == u32::MAX, "{n} stayed");
            }
        }
    }

    #[test]
    fn limits_stay_in_order() {
        let mut d = Dice::new(9);
        let (mut min, mut desired, mut max) = (2, 4, 10);
        for _ in 0..500 {
            (min, desired, max) = limits(min, desired, max, &mut d);
            assert!(min <= desired && desired <= max, "{min} {desired} {max}");
            assert!((1..=MOST_SERVERS).contains(&max));
        }
    }

    #[test]
    fn figures_keep_three_digits() {
        let mut d = Dice::new(2);
        for _ in 0..100 {
            let f = figure(0.0714, &mut d);
            assert!(f > 0.03 && f < 0.15, "{f}");
            assert_eq!(f, (f * 1e4).round() / 1e4, "three digits: {f}");
        }
    }
}
