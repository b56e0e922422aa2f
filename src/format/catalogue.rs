//! The service catalogue: every price, size and documented default the
//! simulation uses, loaded from `assets/catalogue.ron`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything that can be bought, with its public list price.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// EC2 instance types on offer.
    pub instance_types: Vec<InstanceType>,
    /// Launch, billing and lifecycle defaults shared by every instance.
    pub ec2: Ec2Defaults,
    /// Discounts and rules of the pricing models.
    pub pricing: PricingModels,
    /// Server models that can be bought for an on-premises data centre.
    pub on_prem_servers: Vec<ServerModel>,
    /// What an on-premises data centre costs beyond the servers.
    pub on_prem: OnPremCosts,
    /// Elastic Load Balancing prices and defaults.
    pub load_balancer: LoadBalancerCatalogue,
    /// Amazon SQS prices and defaults.
    pub queue: QueueCatalogue,
    /// Amazon SNS prices and defaults.
    pub topic: TopicCatalogue,
    /// AWS Lambda prices and limits.
    pub lambda: LambdaCatalogue,
    /// Container prices and task start times.
    pub containers: ContainerCatalogue,
}

/// Amazon ECS / EKS and AWS Fargate prices and defaults.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerCatalogue {
    /// Fargate price per vCPU-hour.
    pub fargate_usd_per_vcpu_hour: f64,
    /// Fargate price per GB-hour of memory.
    pub fargate_usd_per_gb_hour: f64,
    /// Shortest billed Fargate task run, seconds.
    pub fargate_min_billed_s: f64,
    /// EKS control plane price per cluster-hour.
    pub eks_usd_per_cluster_hour: f64,
    /// Seconds from launch until a Fargate task serves.
    pub fargate_task_start_s: f64,
    /// Seconds from launch until a task on a running EC2 instance serves.
    pub ec2_task_start_s: f64,
    /// Smallest task, vCPU.
    pub min_task_vcpu: f64,
    /// Largest task, vCPU.
    pub max_task_vcpu: f64,
    /// Least task memory, GiB.
    pub min_task_memory_gib: f64,
    /// Most task memory, GiB.
    pub max_task_memory_gib: f64,
}

/// AWS Lambda prices and limits.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LambdaCatalogue {
    /// Price per million invocations.
    pub usd_per_million_requests: f64,
    /// Price per GB-second on x86.
    pub usd_per_gb_second_x86: f64,
    /// Price per GB-second on Arm (Graviton).
    pub usd_per_gb_second_arm: f64,
    /// Duration is billed in steps of this many seconds.
    pub billing_granularity_s: f64,
    /// Timeout when a function sets none, seconds.
    pub default_timeout_s: f64,
    /// Longest an invocation may run, seconds.
    pub max_timeout_s: f64,
    /// Least memory, MB.
    pub min_memory_mb: u32,
    /// Most memory, MB.
    pub max_memory_mb: u32,
    /// Memory that buys one vCPU of speed, MB.
    pub mb_per_vcpu: f64,
    /// Concurrent executions per account and Region.
    pub account_concurrency: u32,
    /// New execution environments a function may add every ten seconds.
    pub new_environments_per_10s: u32,
    /// Extra latency of an invocation that starts a new environment, seconds.
    pub cold_start_s: f64,
    /// How long an idle environment stays warm, seconds.
    pub warm_for_s: f64,
    /// How long an asynchronous event is retried before it is dropped, seconds.
    pub max_event_age_s: f64,
}

/// Amazon SNS prices and delivery defaults.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicCatalogue {
    /// Price per million publishes.
    pub usd_per_million_publishes: f64,
    /// Price per million deliveries to HTTP/S endpoints (SQS and Lambda deliveries are free).
    pub usd_per_million_http_deliveries: f64,
    /// Message size billed as one publish, KiB.
    pub kib_per_publish: f64,
    /// Retries of a failed HTTP/S delivery.
    pub http_retries: u32,
    /// Seconds between retries.
    pub http_retry_delay_s: f64,
}

/// Amazon SQS (standard queue) prices and defaults.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueCatalogue {
    /// Price per million API requests.
    pub usd_per_million_requests: f64,
    /// Message size billed as one request, KiB.
    pub kib_per_request: f64,
    /// Requests per message processed (send, receive, delete).
    pub requests_per_message: f64,
    /// Default visibility timeout, seconds.
    pub visibility_timeout_s: f64,
    /// Default message retention, seconds.
    pub retention_s: f64,
    /// Longest retention allowed, seconds.
    pub max_retention_s: f64,
    /// Shortest retention allowed, seconds.
    pub min_retention_s: f64,
    /// Longest visibility timeout allowed, seconds.
    pub max_visibility_timeout_s: f64,
}

/// The five EC2 instance families of the course.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Family {
    /// Balanced compute, memory and network (m5, m7i).
    GeneralPurpose,
    /// High-performance processors for CPU-bound work (c5, c7i).
    ComputeOptimised,
    /// Large memory for data held in RAM (r5, r7i).
    MemoryOptimised,
    /// GPUs for graphics, inference and training (g4dn, g5).
    Accelerated,
    /// Local NVMe for heavy disk I/O (i3, i4i).
    StorageOptimised,
}

impl Family {
    /// Every family, in the order the course teaches them.
    pub const ALL: [Family; 5] = [
        Family::GeneralPurpose,
        Family::ComputeOptimised,
        Family::MemoryOptimised,
        Family::Accelerated,
        Family::StorageOptimised,
    ];

    /// A short English name for tables.
    pub fn label(self) -> &'static str {
        match self {
            Family::GeneralPurpose => "general purpose",
            Family::ComputeOptimised => "compute optimised",
            Family::MemoryOptimised => "memory optimised",
            Family::Accelerated => "accelerated",
            Family::StorageOptimised => "storage optimised",
        }
    }
}

/// The kind of work a request asks for; instance speed differs per class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum WorkClass {
    /// Ordinary web and API requests.
    Web,
    /// CPU-bound work: encoding, simulation, compression.
    Compute,
    /// Work over large in-memory data: caches, analytics.
    Memory,
    /// Work that needs a GPU: inference, rendering.
    Gpu,
    /// Work bound by local disk I/O: databases, indexing.
    Storage,
}

/// Relative throughput per vCPU for each class of work (1.0 = an m5 vCPU on web work).
///
/// Zero means the machine cannot do that work at all (no GPU).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Speed {
    /// Web and API requests.
    pub web: f64,
    /// CPU-bound work.
    pub compute: f64,
    /// In-memory data work.
    pub memory: f64,
    /// GPU work (zero without a GPU).
    pub gpu: f64,
    /// Disk-bound work.
    pub storage: f64,
}

impl Speed {
    /// The speed factor for one class of work.
    pub fn for_class(&self, class: WorkClass) -> f64 {
        match class {
            WorkClass::Web => self.web,
            WorkClass::Compute => self.compute,
            WorkClass::Memory => self.memory,
            WorkClass::Gpu => self.gpu,
            WorkClass::Storage => self.storage,
        }
    }
}

/// One EC2 instance type with its on-demand price.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceType {
    /// The API name, e.g. `m5.large`.
    pub name: String,
    /// Which family it belongs to.
    pub family: Family,
    /// Virtual CPUs; each serves one request at a time.
    pub vcpu: u32,
    /// Memory in GiB; bounds how many requests can be held at once.
    pub memory_gib: f64,
    /// GPUs attached.
    #[serde(default)]
    pub gpus: u32,
    /// Relative speed per class of work.
    pub speed: Speed,
    /// On-demand price, us-east-1 Linux, $/hour.
    pub usd_per_hour: f64,
}

/// Lifecycle and billing defaults shared by all instances.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ec2Defaults {
    /// Seconds from launch until the instance can serve (boot + application start).
    pub boot_s: f64,
    /// Shortest billed run in seconds (per-second billing with a minimum).
    pub min_billed_s: f64,
    /// Seconds a resize (stop, change type, start) keeps the instance down.
    pub resize_downtime_s: f64,
    /// Seconds for a failed instance to be noticed by EC2 status checks.
    pub status_check_s: f64,
    /// Auto Scaling health-check grace period for new instances, seconds.
    pub health_check_grace_s: f64,
    /// Default Auto Scaling instance warm-up, seconds.
    pub warmup_s: f64,
    /// Default cooldown for simple and step scaling, seconds.
    pub cooldown_s: f64,
    /// How often scaling policies see a new metric datapoint, seconds.
    pub metric_period_s: f64,
    /// Datapoints below target before target tracking scales in.
    pub scale_in_datapoints: u32,
}

/// Discounts of the pricing models, as fractions off on-demand.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingModels {
    /// Compute Savings Plan discounts on EC2, by term and payment.
    pub compute_savings_plan: TermDiscounts,
    /// EC2 Instance Savings Plan discounts, by term and payment.
    pub instance_savings_plan: TermDiscounts,
    /// A Compute Savings Plan's discount on Fargate vCPU and memory, as a
    /// share of its discount on EC2 at the same term and payment.
    pub savings_plan_fargate_share: f64,
    /// A Compute Savings Plan's discount on Lambda duration, whatever the term.
    pub savings_plan_lambda: f64,
    /// Reserved Instance discounts for a one-year term.
    pub reserved_1y: ReservedDiscounts,
    /// Reserved Instance discounts for a three-year term.
    pub reserved_3y: ReservedDiscounts,
    /// Spot capacity: price and interruption behaviour.
    pub spot: SpotTerms,
    /// Dedicated Hosts: one price per host and family.
    pub dedicated_hosts: Vec<DedicatedHost>,
}

/// Discounts for a one-year and a three-year term, by payment option.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TermDiscounts {
    /// One-year term.
    pub one_year: ReservedDiscounts,
    /// Three-year term.
    pub three_years: ReservedDiscounts,
}

impl TermDiscounts {
    /// The discount for a term and payment option.
    pub fn of(&self, term: super::solution::Term, payment: super::solution::Payment) -> f64 {
        let table = match term {
            super::solution::Term::OneYear => &self.one_year,
            super::solution::Term::ThreeYears => &self.three_years,
        };
        table.of(payment)
    }
}

impl ReservedDiscounts {
    /// The discount for a payment option.
    pub fn of(&self, payment: super::solution::Payment) -> f64 {
        match payment {
            super::solution::Payment::NoUpfront => self.no_upfront,
            super::solution::Payment::PartialUpfront => self.partial_upfront,
            super::solution::Payment::AllUpfront => self.all_upfront,
        }
    }
}

/// Reserved Instance discounts by payment option.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservedDiscounts {
    /// Nothing paid up front.
    pub no_upfront: f64,
    /// About half paid up front.
    pub partial_upfront: f64,
    /// The whole term paid up front.
    pub all_upfront: f64,
}

/// Spot capacity terms.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpotTerms {
    /// Typical discount off on-demand.
    pub discount: f64,
    /// Warning given before a reclaim, seconds.
    pub notice_s: f64,
    /// Chance that one spot instance is reclaimed in one hour.
    pub reclaims_per_instance_hour: f64,
    /// Demand, as a multiple of the level's mean, at which spare capacity
    /// runs short and a wave of reclaims begins.
    pub wave_above: f64,
    /// Share of the spot instances running that a wave reclaims.
    pub wave_share: f64,
}

/// A Dedicated Host of one family.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DedicatedHost {
    /// Family the host runs.
    pub family: Family,
    /// Price per host-hour, on-demand.
    pub usd_per_hour: f64,
    /// vCPUs of instances one host can run.
    pub vcpu: u32,
}

/// A server model bought for an on-premises data centre.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerModel {
    /// Name used in solutions.
    pub name: String,
    /// Hardware threads; each serves one request at a time.
    pub vcpu: u32,
    /// Memory in GiB.
    pub memory_gib: f64,
    /// GPUs fitted.
    #[serde(default)]
    pub gpus: u32,
    /// Relative speed per class of work.
    pub speed: Speed,
    /// Purchase price of one server, $.
    pub purchase_usd: f64,
}

/// The running costs of owning servers.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnPremCosts {
    /// Years over which a server's price is written off.
    pub depreciation_years: f64,
    /// Power, cooling, space and networking per dollar of server cost.
    pub overhead_per_server_usd: f64,
    /// Days from order until a server is racked and serving.
    pub lead_time_days: f64,
}

/// Elastic Load Balancing (Application Load Balancer) prices and defaults.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerCatalogue {
    /// Price per load balancer-hour.
    pub usd_per_hour: f64,
    /// Price per capacity-unit-hour.
    pub usd_per_lcu_hour: f64,
    /// New connections per second in one capacity unit.
    pub new_connections_per_lcu: f64,
    /// Gigabytes processed per hour in one capacity unit.
    pub gb_per_lcu_hour: f64,
    /// Seconds between health checks.
    pub health_interval_s: f64,
    /// Passing checks before a target receives traffic.
    pub healthy_threshold: u32,
    /// Failing checks before a target stops receiving traffic.
    pub unhealthy_threshold: u32,
    /// Connection draining (deregistration delay), seconds.
    pub deregistration_delay_s: f64,
}

impl Catalogue {
    /// Looks up an instance type by API name.
    pub fn instance_type(&self, name: &str) -> Option<(usize, &InstanceType)> {
        self.instance_types
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == name)
    }

    /// Looks up an on-premises server model by name.
    pub fn server_model(&self, name: &str) -> Option<(usize, &ServerModel)> {
        self.on_prem_servers
            .iter()
            .enumerate()
            .find(|(_, m)| m.name == name)
    }

    /// The Dedicated Host offer for a family, if there is one.
    pub fn dedicated_host(&self, family: Family) -> Option<&DedicatedHost> {
        self.pricing
            .dedicated_hosts
            .iter()
            .find(|h| h.family == family)
    }
}
