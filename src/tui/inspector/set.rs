//! Changing a thing's fields from typed or chosen text, one notch at a
//! time, and removing what a row stands for.

use crate::format::solution::{
    Algorithm, Arch, Capacity, Metric, Orchestrator, Policy, Purchase, Scheme, Thing,
};
use crate::format::time::{Span, format_span, parse_span};

use super::{Field, FieldKey, Input, Offer, Refused, fields, refuse};

pub(super) fn parse_u32(text: &str) -> Result<u32, Refused> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| refuse("refused.whole_number", text))
}

pub(super) fn parse_f64(text: &str) -> Result<f64, Refused> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(refuse("refused.number", text)),
    }
}

fn parse_opt_span(text: &str) -> Result<Option<Span>, Refused> {
    let t = text.trim();
    if t == "-" || t.is_empty() {
        return Ok(None);
    }
    parse_span(t)
        .map(|s| Some(Span(s)))
        .map_err(|_| refuse("refused.span", text))
}

fn parse_opt_u32(text: &str) -> Result<Option<u32>, Refused> {
    let t = text.trim();
    if t == "-" || t.is_empty() {
        return Ok(None);
    }
    parse_u32(t).map(Some)
}

fn parse_purchase(text: &str) -> Result<Purchase, Refused> {
    match text.trim() {
        "on-demand" => Ok(Purchase::OnDemand),
        "spot" => Ok(Purchase::Spot),
        "dedicated-host" => Ok(Purchase::DedicatedHost),
        _ => Err(refuse("refused.choice", text)),
    }
}

fn is_id(text: &str) -> bool {
    // "fargate" names the serverless capacity of a container service.
    text != "fargate"
        && !text.is_empty()
        && text.len() <= 40
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn set_policy(policies: &mut Vec<Policy>, i: usize, text: &str) -> Result<(), Refused> {
    let new = match text.trim() {
        "none" => {
            if i < policies.len() {
                policies.remove(i);
            }
            return Ok(());
        }
        "cpu" => Policy::TargetTracking {
            metric: Metric::Cpu,
            target: 50.0,
        },
        "requests" => Policy::TargetTracking {
            metric: Metric::RequestsPerTarget,
            target: 1000.0,
        },
        "backlog" => Policy::TargetTracking {
            metric: Metric::BacklogPerInstance,
            target: 100.0,
        },
        "predictive" => Policy::Predictive {
            target: 50.0,
            ahead: None,
        },
        _ => return Err(refuse("refused.choice", text)),
    };
    // Changing the kind keeps a target that still makes sense.
    let new = match (policies.get(i), new) {
        (
            Some(Policy::TargetTracking {
                metric: old,
                target,
            }),
            Policy::TargetTracking { metric, .. },
        ) if *old == metric => Policy::TargetTracking {
            metric,
            target: *target,
        },
        (Some(Policy::Predictive { target, ahead }), Policy::Predictive { .. }) => {
            Policy::Predictive {
                target: *target,
                ahead: *ahead,
            }
        }
        (_, new) => new,
    };
    if let Some(p) = policies.get_mut(i) {
        *p = new;
    } else if i == policies.len() {
        policies.push(new);
    } else {
        return Err(refuse("refused.choice", text));
    }
    Ok(())
}

fn set_target(policies: &mut [Policy], i: usize, text: &str) -> Result<(), Refused> {
    let v = parse_f64(text)?;
    match policies.get_mut(i) {
        Some(Policy::TargetTracking { target, metric }) => {
            if *metric == Metric::Cpu && !(1.0..=100.0).contains(&v) {
                return Err(refuse("refused.percent", text));
            }
            *target = v;
        }
        Some(Policy::Predictive { target, .. }) => {
            if !(1.0..=100.0).contains(&v) {
                return Err(refuse("refused.percent", text));
            }
            *target = v;
        }
        _ => return Err(refuse("refused.choice", text)),
    }
    Ok(())
}

/// Sets a field from typed (or chosen) text.
pub fn set(thing: &mut Thing, key: FieldKey, text: &str, offer: &Offer) -> Result<(), Refused> {
    let text = text.trim();
    let not_here = || refuse("refused.not_here", text);
    match (thing, key) {
        (thing, FieldKey::Id) => {
            if !is_id(text) {
                return Err(refuse("refused.id", text));
            }
            match thing {
                Thing::OnPremises { id, .. } | Thing::Instance { id, .. } | Thing::Topic { id } => {
                    *id = text.into()
                }
                Thing::AutoScalingGroup(g) => g.id = text.into(),
                Thing::LoadBalancer(b) => b.id = text.into(),
                Thing::Queue(q) => q.id = text.into(),
                Thing::Function(f) => f.id = text.into(),
                Thing::ContainerService(c) => c.id = text.into(),
            }
        }
        (Thing::OnPremises { model, .. }, FieldKey::Model) => {
            if !offer.server_models().iter().any(|m| m == text) {
                return Err(refuse("refused.choice", text));
            }
            *model = text.into();
        }
        (Thing::OnPremises { servers, .. }, FieldKey::Servers) => {
            *servers = parse_u32(text)?.clamp(1, 1000)
        }
        (Thing::Instance { instance_type, .. }, FieldKey::Type) => {
            if !offer.instance_types().iter().any(|m| m == text) {
                return Err(refuse("refused.choice", text));
            }
            *instance_type = text.into();
        }
        (Thing::AutoScalingGroup(g), FieldKey::Type) => {
            if !offer.instance_types().iter().any(|m| m == text) {
                return Err(refuse("refused.choice", text));
            }
            g.instance_type = text.into();
        }
        (Thing::Instance { purchase, .. }, FieldKey::Purchase) => *purchase = parse_purchase(text)?,
        (Thing::AutoScalingGroup(g), FieldKey::Purchase) => g.purchase = parse_purchase(text)?,
        (Thing::AutoScalingGroup(g), k @ (FieldKey::Min | FieldKey::Desired | FieldKey::Max)) => {
            set_limits(&mut g.min, &mut g.desired, &mut g.max, k, parse_u32(text)?);
        }
        (Thing::ContainerService(c), k @ (FieldKey::Min | FieldKey::Desired | FieldKey::Max)) => {
            set_limits(&mut c.min, &mut c.desired, &mut c.max, k, parse_u32(text)?);
        }
        (Thing::AutoScalingGroup(g), FieldKey::PolicyKind(i)) => {
            set_policy(&mut g.policies, i, text)?
        }
        (Thing::ContainerService(c), FieldKey::PolicyKind(i)) => {
            set_policy(&mut c.policies, i, text)?
        }
        (Thing::AutoScalingGroup(g), FieldKey::PolicyTarget(i)) => {
            set_target(&mut g.policies, i, text)?
        }
        (Thing::ContainerService(c), FieldKey::PolicyTarget(i)) => {
            set_target(&mut c.policies, i, text)?
        }
        (Thing::AutoScalingGroup(g), FieldKey::Warmup) => g.warmup = parse_opt_span(text)?,
        (Thing::AutoScalingGroup(g), FieldKey::ReplaceUnhealthy) => {
            g.replace_unhealthy = match text {
                "yes" => true,
                "no" => false,
                _ => return Err(refuse("refused.choice", text)),
            }
        }
        (Thing::LoadBalancer(b), FieldKey::Scheme) => {
            b.scheme = match text {
                "internet-facing" => Scheme::InternetFacing,
                "internal" => Scheme::Internal,
                _ => return Err(refuse("refused.choice", text)),
            }
        }
        (Thing::LoadBalancer(b), FieldKey::Algorithm) => {
            b.algorithm = match text {
                "round-robin" => Algorithm::RoundRobin,
                "least-outstanding" => Algorithm::LeastOutstanding,
                _ => return Err(refuse("refused.choice", text)),
            }
        }
        (Thing::LoadBalancer(b), FieldKey::Draining) => b.draining = parse_opt_span(text)?,
        (Thing::LoadBalancer(b), FieldKey::HealthInterval) => {
            b.health_interval = parse_opt_span(text)?
        }
        (Thing::LoadBalancer(b), FieldKey::HealthyThreshold) => {
            b.healthy_threshold = parse_opt_u32(text)?
        }
        (Thing::Queue(q), FieldKey::VisibilityTimeout) => {
            q.visibility_timeout = parse_opt_span(text)?
        }
        (Thing::Queue(q), FieldKey::Retention) => q.retention = parse_opt_span(text)?,
        (Thing::Queue(q), FieldKey::DeadLetterAfter) => q.dead_letter_after = parse_opt_u32(text)?,
        (Thing::Function(f), FieldKey::MemoryMb) => {
            let mb = parse_u32(text)?;
            let l = &offer.catalogue.lambda;
            if !(l.min_memory_mb..=l.max_memory_mb).contains(&mb) {
                return Err(refuse("refused.range", text));
            }
            f.memory_mb = mb;
        }
        (Thing::Function(f), FieldKey::ReservedConcurrency) => {
            f.reserved_concurrency = parse_opt_u32(text)?
        }
        (Thing::Function(f), FieldKey::Timeout) => f.timeout = parse_opt_span(text)?,
        (Thing::Function(f), FieldKey::Arch) => {
            f.arch = match text {
                "x86" => Arch::X86,
                "arm" => Arch::Arm,
                _ => return Err(refuse("refused.choice", text)),
            }
        }
        (Thing::ContainerService(c), FieldKey::Orchestrator) => {
            c.orchestrator = match text {
                "ecs" => Orchestrator::Ecs,
                "eks" => Orchestrator::Eks,
                _ => return Err(refuse("refused.choice", text)),
            }
        }
        (Thing::ContainerService(c), FieldKey::Capacity) => {
            c.capacity = if text == "fargate" {
                Capacity::Fargate
            } else if is_id(text) {
                Capacity::Ec2(text.into())
            } else {
                return Err(refuse("refused.id", text));
            }
        }
        (Thing::ContainerService(c), FieldKey::TaskVcpu) => c.task_vcpu = parse_f64(text)?,
        (Thing::ContainerService(c), FieldKey::TaskMemory) => c.task_memory_gib = parse_f64(text)?,
        _ => return Err(not_here()),
    }
    Ok(())
}

/// Keeps min ≤ desired ≤ max while one of them changes: desired is held
/// between min and max (never moving them), min at most max, max at least
/// min. What moved besides the field itself, the screen says
/// ([`changed_rows`]).
fn set_limits(min: &mut u32, desired: &mut u32, max: &mut u32, key: FieldKey, value: u32) {
    let value = value.min(1000);
    match key {
        FieldKey::Min => {
            *min = value.min(*max);
            *desired = (*desired).max(*min);
        }
        FieldKey::Desired => *desired = value.clamp(*min, *max),
        _ => {
            *max = value.max(*min);
            *desired = (*desired).min(*max);
        }
    }
}

/// Rows whose value differs between two listings of the same thing:
/// `(label, before, after)`, in row order.
pub fn changed_rows(before: &[Field], after: &[Field]) -> Vec<(&'static str, String, String)> {
    before
        .iter()
        .filter_map(|b| {
            let a = after.iter().find(|a| a.key == b.key)?;
            (a.value != b.value).then(|| (b.label, b.value.clone(), a.value.clone()))
        })
        .collect()
}

/// Removes what a row stands for, where that is a thing of its own: a
/// scaling policy. Returns whether something was removed.
pub fn remove(thing: &mut Thing, key: FieldKey) -> bool {
    let policies = match thing {
        Thing::AutoScalingGroup(g) => &mut g.policies,
        Thing::ContainerService(c) => &mut c.policies,
        _ => return false,
    };
    match key {
        FieldKey::PolicyKind(i) | FieldKey::PolicyTarget(i) if i < policies.len() => {
            policies.remove(i);
            true
        }
        _ => false,
    }
}

/// Steps a field one notch (a choice to the next or previous value, a number
/// by its step, a span by a sensible unit).
pub fn adjust(thing: &mut Thing, key: FieldKey, delta: i32, offer: &Offer) -> Result<(), Refused> {
    let Some(f) = fields(thing, offer).into_iter().find(|f| f.key == key) else {
        return Err(refuse("refused.not_here", ""));
    };
    let next = match &f.input {
        Input::Choice(options) if !options.is_empty() => {
            let at = options.iter().position(|o| *o == f.value).unwrap_or(0) as i64;
            let n = options.len() as i64;
            options[(at + i64::from(delta)).rem_euclid(n) as usize].clone()
        }
        Input::Number(step) => {
            let now = f.value.parse::<f64>().unwrap_or(0.0);
            let v = (now + step * f64::from(delta)).max(0.0);
            if *step >= 1.0 {
                format!("{}", v.round())
            } else {
                format!("{v}")
            }
        }
        Input::Span => {
            let now = parse_span(&f.value).unwrap_or(0.0);
            let unit = if now >= 3600.0 {
                3600.0
            } else if now >= 60.0 {
                60.0
            } else {
                10.0
            };
            format_span((now + unit * f64::from(delta)).max(0.0))
        }
        _ => return Err(refuse("refused.not_here", "")),
    };
    set(thing, key, &next, offer)
}
