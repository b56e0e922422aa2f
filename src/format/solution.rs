//! The solution file: the architecture a player built.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalogue::Family;
use super::time::{ClockTime, Span};

/// A player's architecture, as saved by the game and scored by `peakload score`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    /// Id of the level this solves.
    pub level: String,
    /// Things placed.
    #[serde(default)]
    pub things: Vec<Thing>,
    /// Links `(from, to)`: from a source or thing id to a thing id.
    #[serde(default)]
    pub links: Vec<(String, String)>,
    /// Reservations and savings plans bought for the whole level.
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    /// Changes made while the run was going.
    #[serde(default)]
    pub actions: Vec<TimedAction>,
    /// Where each box sits on the screen's board, `(column, row)`; the
    /// simulation ignores it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub layout: std::collections::BTreeMap<String, (u16, u16)>,
}

/// The kinds of thing a player can place (the palette).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum ThingKind {
    /// Servers bought for an on-premises data centre.
    OnPremises,
    /// One EC2 instance.
    Instance,
    /// An EC2 Auto Scaling group.
    AutoScalingGroup,
    /// An Elastic Load Balancer.
    LoadBalancer,
    /// An Amazon SQS queue.
    Queue,
    /// An Amazon SNS topic.
    Topic,
    /// An AWS Lambda function.
    Function,
    /// An Amazon ECS or EKS service of container tasks.
    ContainerService,
}

impl ThingKind {
    /// English name for messages.
    pub fn label(self) -> &'static str {
        match self {
            ThingKind::OnPremises => "on-premises servers",
            ThingKind::Instance => "EC2 instance",
            ThingKind::AutoScalingGroup => "Auto Scaling group",
            ThingKind::LoadBalancer => "load balancer",
            ThingKind::Queue => "SQS queue",
            ThingKind::Topic => "SNS topic",
            ThingKind::Function => "Lambda function",
            ThingKind::ContainerService => "container service",
        }
    }
}

/// One placed thing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Thing` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Thing {
    /// Servers in your own data centre: bought up front, fixed, slow to add.
    OnPremises {
        /// Id used in links and actions.
        id: String,
        /// Server model from the catalogue.
        model: String,
        /// Servers racked when the level starts.
        servers: u32,
    },
    /// A single EC2 instance.
    Instance {
        /// Id used in links and actions.
        id: String,
        /// Instance type, e.g. `m5.large`.
        #[serde(rename = "type")]
        instance_type: String,
        /// How it is bought.
        #[serde(default)]
        purchase: Purchase,
    },
    /// An Auto Scaling group of identical instances.
    AutoScalingGroup(AutoScalingGroup),
    /// An Elastic Load Balancer spreading requests over its targets.
    LoadBalancer(LoadBalancer),
    /// An SQS queue: a buffer between a producer and its consumers.
    Queue(QueueSpec),
    /// An SNS topic: one publish fans out to every subscriber.
    Topic {
        /// Id used in links.
        id: String,
    },
    /// A Lambda function: runs per request, scales by itself, costs nothing idle.
    Function(FunctionSpec),
    /// An ECS or EKS service running container tasks on Fargate or on EC2 capacity.
    ContainerService(ContainerSpec),
}

/// An Amazon ECS or EKS service.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    /// Id used in links.
    pub id: String,
    /// Which orchestrator runs it.
    pub orchestrator: Orchestrator,
    /// Where its tasks run.
    pub capacity: Capacity,
    /// vCPU per task.
    pub task_vcpu: f64,
    /// Memory per task, GiB.
    pub task_memory_gib: f64,
    /// Fewest tasks.
    pub min: u32,
    /// Tasks wanted at the start.
    pub desired: u32,
    /// Most tasks.
    pub max: u32,
    /// Service auto scaling policies.
    #[serde(default)]
    pub policies: Vec<Policy>,
}

/// A container orchestrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Orchestrator {
    /// Amazon ECS: no charge for the control plane.
    Ecs,
    /// Amazon EKS (Kubernetes): a fee per cluster-hour.
    Eks,
}

/// Where container tasks run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Capacity {
    /// AWS Fargate: no instances to manage, priced per task vCPU and GB.
    Fargate,
    /// On the EC2 instances of a group or instance you manage (its id).
    Ec2(String),
}

/// An AWS Lambda function.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    /// Id used in links.
    pub id: String,
    /// Memory, MB: also sets CPU speed and the price per second.
    pub memory_mb: u32,
    /// Concurrency reserved for this function (the account limit when left out).
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Longest an invocation may run before it is stopped (at most 15 minutes).
    #[serde(default)]
    pub timeout: Option<Span>,
    /// Processor architecture.
    #[serde(default)]
    pub arch: Arch,
}

/// A Lambda function's processor architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Arch {
    /// Intel or AMD.
    #[default]
    X86,
    /// AWS Graviton, cheaper per GB-second.
    Arm,
}

impl Thing {
    /// The thing's id.
    pub fn id(&self) -> &str {
        match self {
            Thing::OnPremises { id, .. } | Thing::Instance { id, .. } => id,
            Thing::AutoScalingGroup(g) => &g.id,
            Thing::LoadBalancer(b) => &b.id,
            Thing::Queue(q) => &q.id,
            Thing::Topic { id } => id,
            Thing::Function(f) => &f.id,
            Thing::ContainerService(c) => &c.id,
        }
    }

    /// The kind of thing.
    pub fn kind(&self) -> ThingKind {
        match self {
            Thing::OnPremises { .. } => ThingKind::OnPremises,
            Thing::Instance { .. } => ThingKind::Instance,
            Thing::AutoScalingGroup(_) => ThingKind::AutoScalingGroup,
            Thing::LoadBalancer(_) => ThingKind::LoadBalancer,
            Thing::Queue(_) => ThingKind::Queue,
            Thing::Topic { .. } => ThingKind::Topic,
            Thing::Function(_) => ThingKind::Function,
            Thing::ContainerService(_) => ThingKind::ContainerService,
        }
    }

    /// Whether the thing is several servers with no single address, which
    /// traffic and calls can reach only through a load balancer.
    pub fn is_fleet(&self) -> bool {
        // A rack has its own front end in the data centre, and a container
        // service is found by service discovery; an Auto Scaling group's
        // instances come and go with addresses nobody else knows.
        matches!(self, Thing::AutoScalingGroup(_))
    }

    /// Whether the thing serves requests itself (rather than passing them on).
    pub fn serves(&self) -> bool {
        matches!(
            self,
            Thing::OnPremises { .. }
                | Thing::Instance { .. }
                | Thing::AutoScalingGroup(_)
                | Thing::Function(_)
                | Thing::ContainerService(_)
        )
    }
}

/// How an instance is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Purchase {
    /// Pay by the second while it runs (covered by any matching commitment).
    #[default]
    OnDemand,
    /// Spare capacity at a discount; reclaimed with two minutes' notice.
    Spot,
    /// On a physical host of your own, billed per host.
    DedicatedHost,
}

/// An Auto Scaling group.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoScalingGroup {
    /// Id used in links and actions.
    pub id: String,
    /// Launch template: instance type.
    #[serde(rename = "type")]
    pub instance_type: String,
    /// Launch template: how instances are bought.
    #[serde(default)]
    pub purchase: Purchase,
    /// Fewest instances.
    pub min: u32,
    /// Instances wanted at the start.
    pub desired: u32,
    /// Most instances.
    pub max: u32,
    /// Dynamic scaling policies.
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Scheduled changes of min, desired or max.
    #[serde(default)]
    pub scheduled: Vec<Scheduled>,
    /// Time after boot during which a new instance's metrics are ignored.
    #[serde(default)]
    pub warmup: Option<Span>,
    /// Replace instances that fail health checks.
    #[serde(default = "yes")]
    pub replace_unhealthy: bool,
}

fn yes() -> bool {
    true
}

/// A dynamic scaling policy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Policy` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Policy {
    /// Keep a metric near a target: scale out fast and in proportion, scale in slowly.
    TargetTracking {
        /// The metric.
        metric: Metric,
        /// Its target value.
        target: f64,
    },
    /// Forecast the load from the level's traffic history and launch capacity
    /// ahead of it, so it is warm when the load arrives. Never scales in.
    Predictive {
        /// CPU utilisation to plan for, percent.
        target: f64,
        /// How far ahead capacity is launched (scheduling buffer).
        #[serde(default)]
        ahead: Option<Span>,
    },
    /// Add or remove instances by steps when the metric crosses bounds.
    Step {
        /// The metric.
        metric: Metric,
        /// Adjustments, checked in order; the first that matches applies.
        steps: Vec<StepAdjustment>,
        /// Time after a change during which this policy waits.
        #[serde(default)]
        cooldown: Option<Span>,
    },
}

/// A metric a policy can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Metric {
    /// Average CPU utilisation of in-service instances, percent.
    Cpu,
    /// Requests per minute per in-service instance.
    RequestsPerTarget,
    /// Messages waiting in the queue that feeds the group, per in-service instance.
    BacklogPerInstance,
}

/// One step of a step-scaling policy.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepAdjustment {
    /// Applies when the metric is at or above this (if set).
    #[serde(default)]
    pub above: Option<f64>,
    /// Applies when the metric is below this (if set).
    #[serde(default)]
    pub below: Option<f64>,
    /// Instances to add (negative removes).
    pub change: i32,
}

/// A scheduled action of an Auto Scaling group.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    /// When it applies.
    pub at: ClockTime,
    /// Repeat every day.
    #[serde(default)]
    pub daily: bool,
    /// New minimum.
    #[serde(default)]
    pub min: Option<u32>,
    /// New desired capacity.
    #[serde(default)]
    pub desired: Option<u32>,
    /// New maximum.
    #[serde(default)]
    pub max: Option<u32>,
}

/// An Elastic Load Balancer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Id used in links.
    pub id: String,
    /// Internet-facing or internal (tier to tier).
    #[serde(default)]
    pub scheme: Scheme,
    /// How requests are spread.
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Connection draining on deregistration; `"0s"` turns it off.
    #[serde(default)]
    pub draining: Option<Span>,
    /// Time between health checks (catalogue default when left out).
    #[serde(default)]
    pub health_interval: Option<Span>,
    /// Passing checks before a new target gets traffic.
    #[serde(default)]
    pub healthy_threshold: Option<u32>,
}

/// An Amazon SQS standard queue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Id used in links.
    pub id: String,
    /// How long a received message stays hidden before it can be received again.
    #[serde(default)]
    pub visibility_timeout: Option<Span>,
    /// How long a message is kept before it is deleted unread.
    #[serde(default)]
    pub retention: Option<Span>,
    /// Receives after which a message moves to the dead-letter queue (none = never).
    #[serde(default)]
    pub dead_letter_after: Option<u32>,
}

/// Who can reach a load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Scheme {
    /// Reached from the internet (sources).
    #[default]
    InternetFacing,
    /// Reached only from other tiers.
    Internal,
}

/// How a load balancer picks a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Algorithm {
    /// Each healthy instance gets an equal share.
    #[default]
    RoundRobin,
    /// Instances with fewer requests in flight get more.
    LeastOutstanding,
}

/// A commitment bought for the whole level, charged whether used or not.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Commitment` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Commitment {
    /// Reserved Instances of one type.
    Reserved {
        /// Instance type reserved.
        #[serde(rename = "type")]
        instance_type: String,
        /// How many instances.
        count: u32,
        /// One or three years.
        term: Term,
        /// How much is paid up front.
        payment: Payment,
    },
    /// A Savings Plan: a spend per hour at a discount.
    SavingsPlan {
        /// Compute (any family, Fargate and Lambda) or EC2 Instance (one family).
        plan: PlanKind,
        /// Commitment in discounted dollars per hour.
        usd_per_hour: f64,
        /// One or three years: the longer, the deeper the discount.
        term: Term,
        /// How much is paid up front: the more, the deeper the discount.
        payment: Payment,
    },
}

/// A commitment's term (Reserved Instances and Savings Plans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Term {
    /// One year.
    OneYear,
    /// Three years.
    ThreeYears,
}

/// A commitment's payment option (Reserved Instances and Savings Plans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Payment {
    /// Nothing up front.
    NoUpfront,
    /// Part up front.
    PartialUpfront,
    /// Everything up front.
    AllUpfront,
}

/// A Savings Plan type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PlanKind {
    /// Any instance family.
    Compute,
    /// One instance family, deeper discount.
    Ec2Instance(Family),
}

/// A change the player made while the run was going.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimedAction {
    /// When it was made.
    pub at: ClockTime,
    /// What was done.
    #[serde(rename = "do")]
    pub action: Action,
}

/// Something the player does to a running architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Action` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Action {
    /// Set an Auto Scaling group's desired capacity (clamped to its min and max).
    SetDesired {
        /// The group.
        thing: String,
        /// New desired capacity.
        desired: u32,
    },
    /// Change an Auto Scaling group's min and max.
    SetLimits {
        /// The group.
        thing: String,
        /// New minimum.
        min: u32,
        /// New maximum.
        max: u32,
    },
    /// Resize a single instance (vertical scaling): it stops, changes type, restarts.
    Resize {
        /// The instance.
        thing: String,
        /// New instance type.
        #[serde(rename = "type")]
        instance_type: String,
    },
    /// Order more on-premises servers; they arrive after the procurement lead time.
    OrderServers {
        /// The on-premises thing.
        thing: String,
        /// Servers ordered.
        count: u32,
    },
}

impl Action {
    /// The id of the thing acted on.
    pub fn thing(&self) -> &str {
        match self {
            Action::SetDesired { thing, .. }
            | Action::SetLimits { thing, .. }
            | Action::Resize { thing, .. }
            | Action::OrderServers { thing, .. } => thing,
        }
    }
}
