//! The inspector: each placed thing's settings as a list of fields the player
//! steps through, cycles or types into. Every field's value is shown in the
//! same text `set` accepts, so a thing can be rebuilt field by field.

use crate::format::Catalogue;
use crate::format::catalogue::Family;
use crate::format::level::Palette;
use crate::format::solution::{
    Algorithm, Arch, Capacity, Commitment, Metric, Orchestrator, Payment, PlanKind, Policy,
    Purchase, Scheme, Term, Thing,
};
use crate::format::time::{Span, format_span, parse_span};

/// Which setting a field edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKey {
    /// The thing's id (rename).
    Id,
    /// On-premises server model.
    Model,
    /// On-premises servers racked at the start.
    Servers,
    /// Instance type (of an instance or a group's launch template).
    Type,
    /// How instances are bought.
    Purchase,
    /// Fewest instances or tasks.
    Min,
    /// Instances or tasks wanted at the start.
    Desired,
    /// Most instances or tasks.
    Max,
    /// Auto Scaling warm-up.
    Warmup,
    /// Replace instances that fail health checks.
    ReplaceUnhealthy,
    /// The kind of the n-th scaling policy (or "none" to remove it).
    PolicyKind(usize),
    /// The n-th policy's target.
    PolicyTarget(usize),
    /// Scheduled actions (edited in the file).
    Scheduled,
    /// Load balancer scheme.
    Scheme,
    /// Load balancer algorithm.
    Algorithm,
    /// Connection draining time.
    Draining,
    /// Health check interval.
    HealthInterval,
    /// Passing checks before a target gets traffic.
    HealthyThreshold,
    /// Queue visibility timeout.
    VisibilityTimeout,
    /// Queue retention.
    Retention,
    /// Receives before a message is dead-lettered.
    DeadLetterAfter,
    /// Lambda memory.
    MemoryMb,
    /// Lambda reserved concurrency.
    ReservedConcurrency,
    /// Lambda timeout.
    Timeout,
    /// Lambda architecture.
    Arch,
    /// Container orchestrator.
    Orchestrator,
    /// Where container tasks run.
    Capacity,
    /// vCPU per task.
    TaskVcpu,
    /// Memory per task.
    TaskMemory,
}

/// How a field is changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Left/right steps through these values.
    Choice(Vec<String>),
    /// Left/right adds or removes this much; Enter types a number.
    Number(f64),
    /// Enter types a time span (`90s`, `5m`) or `-` for the default.
    Span,
    /// Enter types text.
    Text,
    /// Shown, not edited here.
    Fixed,
}

/// One row of the inspector.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// What it edits.
    pub key: FieldKey,
    /// Strings key of its label.
    pub label: &'static str,
    /// Its value in the text `set` accepts.
    pub value: String,
    /// How it is changed.
    pub input: Input,
    /// Price or size shown beside it, in the catalogue's figures.
    pub note: Option<String>,
}

/// What the inspector may offer: the level's palette and the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// The service catalogue.
    pub catalogue: &'a Catalogue,
    /// The level's palette.
    pub palette: &'a Palette,
    /// Ids of placed instances and groups (container capacity choices).
    pub hosts: &'a [String],
}

impl Offer<'_> {
    /// Instance types the level allows.
    pub fn instance_types(&self) -> Vec<String> {
        if self.palette.instance_types.is_empty() {
            self.catalogue
                .instance_types
                .iter()
                .map(|t| t.name.clone())
                .collect()
        } else {
            self.palette.instance_types.clone()
        }
    }

    /// Server models the level allows.
    pub fn server_models(&self) -> Vec<String> {
        if self.palette.server_models.is_empty() {
            self.catalogue
                .on_prem_servers
                .iter()
                .map(|m| m.name.clone())
                .collect()
        } else {
            self.palette.server_models.clone()
        }
    }
}

/// Why a typed value was refused (a strings key and the offending text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Strings key of the explanation.
    pub why: &'static str,
    /// What was typed.
    pub text: String,
}

fn refuse(why: &'static str, text: &str) -> Refused {
    Refused {
        why,
        text: text.to_string(),
    }
}

fn opt_span(s: Option<Span>) -> String {
    s.map_or_else(|| "-".to_string(), |s| format_span(s.0))
}

fn opt_u32(n: Option<u32>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

fn field(key: FieldKey, label: &'static str, value: String, input: Input) -> Field {
    Field {
        key,
        label,
        value,
        input,
        note: None,
    }
}

fn choices(items: &[&str]) -> Input {
    Input::Choice(items.iter().map(|s| s.to_string()).collect())
}

const PURCHASES: [&str; 3] = ["on-demand", "spot", "dedicated-host"];
/// What the "add policy" row offers ("none" adds nothing).
const POLICIES: [&str; 5] = ["none", "cpu", "requests", "backlog", "predictive"];
/// What an existing policy's kind cycles through: never "none", so stepping
/// past the last kind wraps to the first instead of deleting the policy
/// (deleting is its own key).
const POLICY_KINDS: [&str; 4] = ["cpu", "requests", "backlog", "predictive"];
const VCPUS: [&str; 5] = ["0.25", "0.5", "1", "2", "4"];

fn purchase_text(p: Purchase) -> &'static str {
    match p {
        Purchase::OnDemand => "on-demand",
        Purchase::Spot => "spot",
        Purchase::DedicatedHost => "dedicated-host",
    }
}

fn policy_text(p: &Policy) -> &'static str {
    match p {
        Policy::TargetTracking {
            metric: Metric::Cpu,
            ..
        } => "cpu",
        Policy::TargetTracking {
            metric: Metric::RequestsPerTarget,
            ..
        } => "requests",
        Policy::TargetTracking {
            metric: Metric::BacklogPerInstance,
            ..
        } => "backlog",
        Policy::Predictive { .. } => "predictive",
        Policy::Step { .. } => "step",
    }
}

fn type_note(offer: &Offer, name: &str, purchase: Purchase) -> Option<String> {
    let (_, t) = offer.catalogue.instance_type(name)?;
    let price = match purchase {
        Purchase::OnDemand => t.usd_per_hour,
        Purchase::Spot => t.usd_per_hour * (1.0 - offer.catalogue.pricing.spot.discount),
        Purchase::DedicatedHost => {
            return offer
                .catalogue
                .dedicated_host(t.family)
                .map(|h| format!("${:.3}/host-h", h.usd_per_hour));
        }
    };
    Some(format!("${price:.4}/h {}vCPU {}GiB", t.vcpu, t.memory_gib))
}

fn policy_fields(out: &mut Vec<Field>, policies: &[Policy]) {
    for (i, p) in policies.iter().enumerate() {
        let kind = policy_text(p);
        let input = if kind == "step" {
            Input::Fixed
        } else {
            choices(&POLICY_KINDS)
        };
        out.push(field(
            FieldKey::PolicyKind(i),
            "field.policy",
            kind.to_string(),
            input,
        ));
        let target = match p {
            Policy::TargetTracking { target, .. } | Policy::Predictive { target, .. } => {
                Some(*target)
            }
            Policy::Step { .. } => None,
        };
        if let Some(t) = target {
            let step = if matches!(
                p,
                Policy::TargetTracking {
                    metric: Metric::RequestsPerTarget,
                    ..
                }
            ) {
                100.0
            } else {
                5.0
            };
            out.push(field(
                FieldKey::PolicyTarget(i),
                "field.target",
                t.to_string(),
                Input::Number(step),
            ));
        }
    }
    out.push(field(
        FieldKey::PolicyKind(policies.len()),
        "field.add_policy",
        "none".to_string(),
        choices(&POLICIES),
    ));
}

/// The fields of a thing, in the order the inspector lists them.
pub fn fields(thing: &Thing, offer: &Offer) -> Vec<Field> {
    let mut out = vec![field(
        FieldKey::Id,
        "field.id",
        thing.id().to_string(),
        Input::Text,
    )];
    match thing {
        Thing::OnPremises { model, servers, .. } => {
            let mut f = field(
                FieldKey::Model,
                "field.model",
                model.clone(),
                Input::Choice(offer.server_models()),
            );
            f.note = offer
                .catalogue
                .server_model(model)
                .map(|(_, m)| format!("${:.0} · {} vCPU", m.purchase_usd, m.vcpu));
            out.push(f);
            out.push(field(
                FieldKey::Servers,
                "field.servers",
                servers.to_string(),
                Input::Number(1.0),
            ));
        }
        Thing::Instance {
            instance_type,
            purchase,
            ..
        } => {
            let mut f = field(
                FieldKey::Type,
                "field.type",
                instance_type.clone(),
                Input::Choice(offer.instance_types()),
            );
            f.note = type_note(offer, instance_type, *purchase);
            out.push(f);
            out.push(field(
                FieldKey::Purchase,
                "field.purchase",
                purchase_text(*purchase).into(),
                choices(&PURCHASES),
            ));
        }
        Thing::AutoScalingGroup(g) => {
            let mut f = field(
                FieldKey::Type,
                "field.type",
                g.instance_type.clone(),
                Input::Choice(offer.instance_types()),
            );
            f.note = type_note(offer, &g.instance_type, g.purchase);
            out.push(f);
            out.push(field(
                FieldKey::Purchase,
                "field.purchase",
                purchase_text(g.purchase).into(),
                choices(&PURCHASES),
            ));
            out.push(field(
                FieldKey::Min,
                "field.min",
                g.min.to_string(),
                Input::Number(1.0),
            ));
            out.push(field(
                FieldKey::Desired,
                "field.desired",
                g.desired.to_string(),
                Input::Number(1.0),
            ));
            out.push(field(
                FieldKey::Max,
                "field.max",
                g.max.to_string(),
                Input::Number(1.0),
            ));
            policy_fields(&mut out, &g.policies);
            out.push(field(
                FieldKey::Warmup,
                "field.warmup",
                opt_span(g.warmup),
                Input::Span,
            ));
            out.push(field(
                FieldKey::ReplaceUnhealthy,
                "field.replace_unhealthy",
                if g.replace_unhealthy { "yes" } else { "no" }.into(),
                choices(&["yes", "no"]),
            ));
            if !g.scheduled.is_empty() {
                out.push(field(
                    FieldKey::Scheduled,
                    "field.scheduled",
                    g.scheduled.len().to_string(),
                    Input::Fixed,
                ));
            }
        }
        Thing::LoadBalancer(b) => {
            out.push(field(
                FieldKey::Scheme,
                "field.scheme",
                match b.scheme {
                    Scheme::InternetFacing => "internet-facing",
                    Scheme::Internal => "internal",
                }
                .into(),
                choices(&["internet-facing", "internal"]),
            ));
            out.push(field(
                FieldKey::Algorithm,
                "field.algorithm",
                match b.algorithm {
                    Algorithm::RoundRobin => "round-robin",
                    Algorithm::LeastOutstanding => "least-outstanding",
                }
                .into(),
                choices(&["round-robin", "least-outstanding"]),
            ));
            out.push(field(
                FieldKey::Draining,
                "field.draining",
                opt_span(b.draining),
                Input::Span,
            ));
            out.push(field(
                FieldKey::HealthInterval,
                "field.health_interval",
                opt_span(b.health_interval),
                Input::Span,
            ));
            out.push(field(
                FieldKey::HealthyThreshold,
                "field.healthy_threshold",
                opt_u32(b.healthy_threshold),
                Input::Number(1.0),
            ));
            if let Some(f) = out.get_mut(1) {
                f.note = Some(format!(
                    "${:.4}/h",
                    offer.catalogue.load_balancer.usd_per_hour
                ));
            }
        }
        Thing::Queue(q) => {
            let mut f = field(
                FieldKey::VisibilityTimeout,
                "field.visibility_timeout",
                opt_span(q.visibility_timeout),
                Input::Span,
            );
            f.note = Some(format!(
                "${:.2}/M",
                offer.catalogue.queue.usd_per_million_requests
            ));
            out.push(f);
            out.push(field(
                FieldKey::Retention,
                "field.retention",
                opt_span(q.retention),
                Input::Span,
            ));
            out.push(field(
                FieldKey::DeadLetterAfter,
                "field.dead_letter_after",
                opt_u32(q.dead_letter_after),
                Input::Number(1.0),
            ));
        }
        Thing::Topic { .. } => {
            if let Some(f) = out.first_mut() {
                f.note = Some(format!(
                    "${:.2}/M",
                    offer.catalogue.topic.usd_per_million_publishes
                ));
            }
        }
        Thing::Function(fun) => {
            let mut f = field(
                FieldKey::MemoryMb,
                "field.memory_mb",
                fun.memory_mb.to_string(),
                Input::Number(128.0),
            );
            let per_gb_s = match fun.arch {
                Arch::X86 => offer.catalogue.lambda.usd_per_gb_second_x86,
                Arch::Arm => offer.catalogue.lambda.usd_per_gb_second_arm,
            };
            f.note = Some(format!(
                "${:.8}/s · ${:.2}/M",
                per_gb_s * f64::from(fun.memory_mb) / 1024.0,
                offer.catalogue.lambda.usd_per_million_requests
            ));
            out.push(f);
            out.push(field(
                FieldKey::ReservedConcurrency,
                "field.reserved_concurrency",
                opt_u32(fun.reserved_concurrency),
                Input::Number(10.0),
            ));
            out.push(field(
                FieldKey::Timeout,
                "field.timeout",
                opt_span(fun.timeout),
                Input::Span,
            ));
            out.push(field(
                FieldKey::Arch,
                "field.arch",
                match fun.arch {
                    Arch::X86 => "x86",
                    Arch::Arm => "arm",
                }
                .into(),
                choices(&["x86", "arm"]),
            ));
        }
        Thing::ContainerService(c) => {
            out.push(field(
                FieldKey::Orchestrator,
                "field.orchestrator",
                match c.orchestrator {
                    Orchestrator::Ecs => "ecs",
                    Orchestrator::Eks => "eks",
                }
                .into(),
                choices(&["ecs", "eks"]),
            ));
            let mut capacity = vec!["fargate".to_string()];
            capacity.extend(offer.hosts.iter().cloned());
            let mut f = field(
                FieldKey::Capacity,
                "field.capacity",
                match &c.capacity {
                    Capacity::Fargate => "fargate".to_string(),
                    Capacity::Ec2(id) => id.clone(),
                },
                Input::Choice(capacity),
            );
            if c.capacity == Capacity::Fargate {
                let k = &offer.catalogue.containers;
                f.note = Some(format!(
                    "${:.4}/task-h",
                    c.task_vcpu * k.fargate_usd_per_vcpu_hour
                        + c.task_memory_gib * k.fargate_usd_per_gb_hour
                ));
            }
            out.push(f);
            out.push(field(
                FieldKey::TaskVcpu,
                "field.task_vcpu",
                c.task_vcpu.to_string(),
                choices(&VCPUS),
            ));
            out.push(field(
                FieldKey::TaskMemory,
                "field.task_memory_gib",
                c.task_memory_gib.to_string(),
                Input::Number(0.5),
            ));
            out.push(field(
                FieldKey::Min,
                "field.min",
                c.min.to_string(),
                Input::Number(1.0),
            ));
            out.push(field(
                FieldKey::Desired,
                "field.desired",
                c.desired.to_string(),
                Input::Number(1.0),
            ));
            out.push(field(
                FieldKey::Max,
                "field.max",
                c.max.to_string(),
                Input::Number(1.0),
            ));
            policy_fields(&mut out, &c.policies);
        }
    }
    out
}

fn parse_u32(text: &str) -> Result<u32, Refused> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| refuse("refused.whole_number", text))
}

fn parse_f64(text: &str) -> Result<f64, Refused> {
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

/// Removes the commitment a row belongs to. Returns whether one was removed.
pub fn remove_commitment(commitments: &mut Vec<Commitment>, key: CommitKey) -> bool {
    match key {
        CommitKey::What(i) | CommitKey::Amount(i) | CommitKey::Term(i) | CommitKey::Payment(i)
            if i < commitments.len() =>
        {
            commitments.remove(i);
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

/// A fresh thing of a kind, named `id`, with the first allowed type or model.
pub fn new_thing(kind: crate::format::solution::ThingKind, id: String, offer: &Offer) -> Thing {
    use crate::format::solution::{
        AutoScalingGroup, ContainerSpec, FunctionSpec, LoadBalancer, QueueSpec, ThingKind,
    };
    let first_type = offer
        .instance_types()
        .into_iter()
        .next()
        .unwrap_or_else(|| "m5.large".into());
    match kind {
        ThingKind::OnPremises => Thing::OnPremises {
            id,
            model: offer.server_models().into_iter().next().unwrap_or_default(),
            servers: 1,
        },
        ThingKind::Instance => Thing::Instance {
            id,
            instance_type: first_type,
            purchase: Purchase::OnDemand,
        },
        ThingKind::AutoScalingGroup => Thing::AutoScalingGroup(AutoScalingGroup {
            id,
            instance_type: first_type,
            purchase: Purchase::OnDemand,
            min: 1,
            desired: 2,
            max: 4,
            policies: Vec::new(),
            scheduled: Vec::new(),
            warmup: None,
            replace_unhealthy: true,
        }),
        ThingKind::LoadBalancer => Thing::LoadBalancer(LoadBalancer {
            id,
            scheme: Scheme::InternetFacing,
            algorithm: Algorithm::RoundRobin,
            draining: None,
            health_interval: None,
            healthy_threshold: None,
        }),
        ThingKind::Queue => Thing::Queue(QueueSpec {
            id,
            visibility_timeout: None,
            retention: None,
            dead_letter_after: None,
        }),
        ThingKind::Topic => Thing::Topic { id },
        ThingKind::Function => Thing::Function(FunctionSpec {
            id,
            memory_mb: 512,
            reserved_concurrency: None,
            timeout: None,
            arch: Arch::X86,
        }),
        ThingKind::ContainerService => Thing::ContainerService(ContainerSpec {
            id,
            orchestrator: Orchestrator::Ecs,
            capacity: Capacity::Fargate,
            task_vcpu: 0.5,
            task_memory_gib: 1.0,
            min: 1,
            desired: 2,
            max: 4,
            policies: Vec::new(),
        }),
    }
}

/// Which setting of a commitment a field edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitKey {
    /// Reserved instance type, or savings plan kind.
    What(usize),
    /// Reserved count, or savings plan dollars per hour.
    Amount(usize),
    /// Reserved term.
    Term(usize),
    /// Reserved payment option.
    Payment(usize),
    /// A new commitment (choose its kind).
    Add,
}

/// One row of the account panel (commitments for the whole level).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitField {
    /// What it edits.
    pub key: CommitKey,
    /// Strings key of its label.
    pub label: &'static str,
    /// Value in the text `set_commitment` accepts.
    pub value: String,
    /// How it is changed.
    pub input: Input,
}

const PLANS: [&str; 6] = [
    "compute",
    "ec2-general",
    "ec2-compute",
    "ec2-memory",
    "ec2-accelerated",
    "ec2-storage",
];

fn plan_text(p: PlanKind) -> &'static str {
    match p {
        PlanKind::Compute => "compute",
        PlanKind::Ec2Instance(Family::GeneralPurpose) => "ec2-general",
        PlanKind::Ec2Instance(Family::ComputeOptimised) => "ec2-compute",
        PlanKind::Ec2Instance(Family::MemoryOptimised) => "ec2-memory",
        PlanKind::Ec2Instance(Family::Accelerated) => "ec2-accelerated",
        PlanKind::Ec2Instance(Family::StorageOptimised) => "ec2-storage",
    }
}

/// The commitment rows, ending with one that adds a commitment.
pub fn commitment_fields(commitments: &[Commitment], offer: &Offer) -> Vec<CommitField> {
    let mut out = Vec::new();
    for (i, c) in commitments.iter().enumerate() {
        match c {
            Commitment::Reserved {
                instance_type,
                count,
                term,
                payment,
            } => {
                out.push(CommitField {
                    key: CommitKey::What(i),
                    label: "field.reserved",
                    value: instance_type.clone(),
                    input: Input::Choice(offer.instance_types()),
                });
                out.push(CommitField {
                    key: CommitKey::Amount(i),
                    label: "field.count",
                    value: count.to_string(),
                    input: Input::Number(1.0),
                });
                out.push(CommitField {
                    key: CommitKey::Term(i),
                    label: "field.term",
                    value: match term {
                        Term::OneYear => "1y",
                        Term::ThreeYears => "3y",
                    }
                    .into(),
                    input: choices(&["1y", "3y"]),
                });
                out.push(CommitField {
                    key: CommitKey::Payment(i),
                    label: "field.payment",
                    value: match payment {
                        Payment::NoUpfront => "no-upfront",
                        Payment::PartialUpfront => "partial-upfront",
                        Payment::AllUpfront => "all-upfront",
                    }
                    .into(),
                    input: choices(&["no-upfront", "partial-upfront", "all-upfront"]),
                });
            }
            Commitment::SavingsPlan { plan, usd_per_hour } => {
                out.push(CommitField {
                    key: CommitKey::What(i),
                    label: "field.savings_plan",
                    value: plan_text(*plan).into(),
                    input: choices(&PLANS),
                });
                out.push(CommitField {
                    key: CommitKey::Amount(i),
                    label: "field.usd_per_hour",
                    value: usd_per_hour.to_string(),
                    input: Input::Number(0.1),
                });
            }
        }
    }
    out.push(CommitField {
        key: CommitKey::Add,
        label: "field.add_commitment",
        value: "none".into(),
        input: choices(&["none", "reserved", "savings-plan"]),
    });
    out
}

/// Sets a commitment field from text; `Add` with `reserved`/`savings-plan` appends one, a `What` of `none` removes one.
pub fn set_commitment(
    commitments: &mut Vec<Commitment>,
    key: CommitKey,
    text: &str,
    offer: &Offer,
) -> Result<(), Refused> {
    let text = text.trim();
    match key {
        CommitKey::Add => match text {
            "reserved" => commitments.push(Commitment::Reserved {
                instance_type: offer
                    .instance_types()
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
                count: 1,
                term: Term::OneYear,
                payment: Payment::NoUpfront,
            }),
            "savings-plan" => commitments.push(Commitment::SavingsPlan {
                plan: PlanKind::Compute,
                usd_per_hour: 0.1,
            }),
            "none" => {}
            _ => return Err(refuse("refused.choice", text)),
        },
        CommitKey::What(i) | CommitKey::Amount(i) | CommitKey::Term(i) | CommitKey::Payment(i) => {
            if text == "none" && matches!(key, CommitKey::What(_)) {
                if i < commitments.len() {
                    commitments.remove(i);
                }
                return Ok(());
            }
            let Some(c) = commitments.get_mut(i) else {
                return Err(refuse("refused.not_here", text));
            };
            match (c, key) {
                (Commitment::Reserved { instance_type, .. }, CommitKey::What(_)) => {
                    if !offer.instance_types().iter().any(|t| t == text) {
                        return Err(refuse("refused.choice", text));
                    }
                    *instance_type = text.into();
                }
                (Commitment::Reserved { count, .. }, CommitKey::Amount(_)) => {
                    *count = parse_u32(text)?.min(1000)
                }
                (Commitment::Reserved { term, .. }, CommitKey::Term(_)) => {
                    *term = match text {
                        "1y" => Term::OneYear,
                        "3y" => Term::ThreeYears,
                        _ => return Err(refuse("refused.choice", text)),
                    }
                }
                (Commitment::Reserved { payment, .. }, CommitKey::Payment(_)) => {
                    *payment = match text {
                        "no-upfront" => Payment::NoUpfront,
                        "partial-upfront" => Payment::PartialUpfront,
                        "all-upfront" => Payment::AllUpfront,
                        _ => return Err(refuse("refused.choice", text)),
                    }
                }
                (Commitment::SavingsPlan { plan, .. }, CommitKey::What(_)) => {
                    *plan = match PLANS.iter().position(|p| *p == text) {
                        Some(0) => PlanKind::Compute,
                        Some(i) => PlanKind::Ec2Instance(Family::ALL[i - 1]),
                        None => return Err(refuse("refused.choice", text)),
                    }
                }
                (Commitment::SavingsPlan { usd_per_hour, .. }, CommitKey::Amount(_)) => {
                    *usd_per_hour = parse_f64(text)?
                }
                _ => return Err(refuse("refused.not_here", text)),
            }
        }
    }
    Ok(())
}

/// Steps a commitment field one notch.
pub fn adjust_commitment(
    commitments: &mut Vec<Commitment>,
    key: CommitKey,
    delta: i32,
    offer: &Offer,
) -> Result<(), Refused> {
    let Some(f) = commitment_fields(commitments, offer)
        .into_iter()
        .find(|f| f.key == key)
    else {
        return Err(refuse("refused.not_here", ""));
    };
    let next = match &f.input {
        Input::Choice(options) if !options.is_empty() => {
            let at = options.iter().position(|o| *o == f.value).unwrap_or(0) as i64;
            options[(at + i64::from(delta)).rem_euclid(options.len() as i64) as usize].clone()
        }
        Input::Number(step) => {
            let v = (f.value.parse::<f64>().unwrap_or(0.0) + step * f64::from(delta)).max(0.0);
            if *step >= 1.0 {
                format!("{}", v.round())
            } else {
                format!("{}", (v * 1000.0).round() / 1000.0)
            }
        }
        _ => return Err(refuse("refused.not_here", "")),
    };
    set_commitment(commitments, key, &next, offer)
}
