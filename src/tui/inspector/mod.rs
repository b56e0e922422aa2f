//! The inspector: each placed thing's settings as a list of fields the player
//! steps through, cycles or types into. Every field's value is shown in the
//! same text `set` accepts, so a thing can be rebuilt field by field.
//!
//! This file lists the fields; [`set`] changes them from text (and keeps a
//! group's limits in order), [`commitments`] does both for the account.

use crate::format::Catalogue;
use crate::format::level::Palette;
use crate::format::solution::{
    Algorithm, Arch, Capacity, Metric, Orchestrator, Policy, Purchase, Scheme, Thing,
};
use crate::format::time::{Span, format_span};

mod commitments;
mod set;

pub use commitments::{
    CommitField, CommitKey, adjust_commitment, commitment_fields, remove_commitment, set_commitment,
};
pub use set::{adjust, changed_rows, remove, set};

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
