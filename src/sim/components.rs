//! Components: plain data of the simulation. Servers and the things' names,
//! order and kind live in the hecs world; each thing's working state (a
//! fleet, group, balancer, queue, topic or function) lives in a plain array
//! beside it ([`crate::sim::state::ByThing`]), found by the thing's entity.

use hecs::Entity;

use crate::format::level::Shape;
use crate::format::solution::{Algorithm, Policy, Purchase, Scheduled, Scheme};

use super::queueing::line::Line;
use super::station::{Cohort, KindTerms, Running, Sharing, Station};

/// Stable order of a placed thing (its position in the level and solution);
/// systems sort by it so hecs's storage order never changes a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Order(pub u32);

/// The id the player gave a thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(pub String);

/// A source of traffic.
#[derive(Debug, Clone)]
pub struct TrafficSource {
    /// Index of the source in the level.
    pub index: u16,
    /// Index of its workload.
    pub workload: u16,
    /// Base rate, requests per second.
    pub base_rps: f64,
    /// Shapes multiplied onto the base rate (scripted spikes included).
    pub shapes: Vec<Shape>,
    /// Relative standard deviation of the rate's slow wander around its shape.
    pub noise: f64,
    /// Where the wander is now: the log of the factor on the rate, before its mean is taken out.
    pub wander: f64,
    /// Where its requests enter, if linked.
    pub target: Option<Entity>,
    /// The rate used in the last tick, requests per second.
    pub last_rps: f64,
    /// The rate before noise at the moment last asked (by its bits): the
    /// spot market and the arrivals ask for the same moment each tick.
    pub rate_kept: Option<(u64, f64)>,
}

/// What a load balancer reads of one target each tick: read once, used
/// for the split and for how the target's servers share lines.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    /// Its share of traffic while some target is healthy.
    pub weight: f64,
    /// Its share when none is and the balancer fails open.
    pub open_weight: f64,
    /// Its working slots, if it is a fleet.
    pub slots: Option<u32>,
}

/// An Elastic Load Balancer. Kept beside the world, by thing
/// ([`crate::sim::state::Ctx::balancers`]).
#[derive(Debug, Clone)]
pub struct Balancer {
    /// Internet-facing or internal.
    pub scheme: Scheme,
    /// How requests are spread.
    pub algorithm: Algorithm,
    /// Deregistration delay, seconds (0 = no draining).
    pub draining_s: f64,
    /// Seconds between health checks.
    pub health_interval_s: f64,
    /// Passing checks before a new target gets traffic.
    pub healthy_threshold: u32,
    /// Failing checks before a target stops getting traffic.
    pub unhealthy_threshold: u32,
    /// Fleets it spreads requests over, in link order.
    pub targets: Vec<Entity>,
    /// Requests routed this tick (for capacity-unit charges).
    pub routed: u64,
    /// Rounding remainders of the split, by target (so no target gets the
    /// odd request every tick).
    pub carry: Vec<f64>,
    /// Each target's weight this tick (kept to spare an allocation a tick).
    pub weights: Vec<f64>,
    /// Each target's share of a cohort (kept likewise).
    pub parts: Vec<u64>,
    /// Every cohort's shares, cohort after cohort (kept likewise): targets
    /// take theirs in one visit each.
    pub split: Vec<u64>,
    /// What the balancer read of each target (kept likewise).
    pub readings: Vec<Reading>,
    /// [`crate::sim::state::Ctx::fleets_counted`] when `readings` were read:
    /// while it stands, so do they, their weights and the targets' sharing.
    pub read_at: Option<u64>,
    /// Response bytes this tick, KiB.
    pub routed_kib: f64,
}

/// What a fleet's servers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hardware {
    /// An EC2 instance type (index into the catalogue).
    Ec2(usize),
    /// An on-premises server model (index into the catalogue).
    OnPrem(usize),
    /// A container task of this size.
    Task {
        /// Thousandths of a vCPU.
        milli_vcpu: u32,
        /// Memory, MiB.
        memory_mib: u32,
    },
}

impl Hardware {
    /// vCPU and memory (GiB) a task of this size takes from its host; none for other hardware.
    pub fn task_size(self) -> Option<(f64, f64)> {
        match self {
            Hardware::Task {
                milli_vcpu,
                memory_mib,
            } => Some((
                f64::from(milli_vcpu) / 1000.0,
                f64::from(memory_mib) / 1024.0,
            )),
            _ => None,
        }
    }
}

/// Marks a fleet that is an ECS or EKS service of container tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerService {
    /// Whether it runs on EKS (with a control-plane fee).
    pub eks: bool,
}

/// An Amazon SQS queue: messages wait here until a consumer takes them.
/// Kept beside the world, by thing ([`crate::sim::state::Ctx::queues`]).
#[derive(Debug, Clone, Default)]
pub struct MessageQueue {
    /// Messages that can be received, oldest first.
    pub visible: Backlog,
    /// Messages received by a consumer that failed: visible again at the time given.
    pub hidden: Vec<(f64, Cohort)>,
    /// Visibility timeout, seconds.
    pub visibility_s: f64,
    /// Retention, seconds.
    pub retention_s: f64,
    /// Receives after which a message goes to the dead-letter queue.
    pub dead_letter_after: Option<u32>,
    /// The fleet that consumes it.
    pub consumer: Option<Entity>,
    /// Messages sent this tick.
    pub sent: u64,
    /// Messages received this tick.
    pub received: u64,
    /// Billed requests per message (64 KiB chunks).
    pub chunks_per_message: f64,
}

impl MessageQueue {
    /// Messages waiting to be received (visible or hidden).
    pub fn backlog(&self) -> u64 {
        self.visible.total() + self.hidden.iter().map(|(_, c)| c.count).sum::<u64>()
    }
}

/// A queue's visible messages in receive order, with running totals: a
/// backlog can hold a day of arrivals, and every tick asks how big it is, so
/// the totals are kept rather than summed.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    cohorts: std::collections::VecDeque<Cohort>,
    total: u64,
    by_stream: Vec<u64>,
    /// No cohort arrived earlier than this (it may be earlier than the true
    /// oldest after receives, which only costs one needless expiry scan).
    oldest_s: f64,
    /// Whether arrival times never decrease from front to back, so expiry
    /// need only look at the front (redelivered messages can break it).
    out_of_order: bool,
}

impl Backlog {
    /// Messages waiting.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Messages waiting, per stream index (shorter than the stream count when
    /// the later streams have none).
    pub fn by_stream(&self) -> &[u64] {
        &self.by_stream
    }

    /// The cohorts, in receive order.
    pub fn iter(&self) -> impl Iterator<Item = &Cohort> {
        self.cohorts.iter()
    }

    fn add(&mut self, c: &Cohort) {
        let stream = usize::from(c.stream);
        if self.by_stream.len() <= stream {
            self.by_stream.resize(stream + 1, 0);
        }
        self.by_stream[stream] += c.count;
        self.total += c.count;
        if self.cohorts.is_empty() || c.arrived_s < self.oldest_s {
            self.oldest_s = c.arrived_s;
        }
    }

    fn remove(&mut self, c: &Cohort) {
        self.by_stream[usize::from(c.stream)] -= c.count;
        self.total -= c.count;
    }

    /// Adds messages at the back.
    pub fn push_back(&mut self, c: Cohort) {
        if self.cohorts.capacity() == 0 {
            // A backlog in balance holds a few ticks' cohorts: room for them at once.
            self.cohorts.reserve(256);
        }
        if self.cohorts.is_empty() {
            self.out_of_order = false;
        } else if self
            .cohorts
            .back()
            .is_some_and(|b| c.arrived_s < b.arrived_s)
        {
            self.out_of_order = true;
        }
        self.add(&c);
        self.cohorts.push_back(c);
    }

    /// Puts messages back at the front (the unreceived part of a cohort).
    pub fn push_front(&mut self, c: Cohort) {
        if self.cohorts.is_empty() {
            self.out_of_order = false;
        } else if self
            .cohorts
            .front()
            .is_some_and(|f| c.arrived_s > f.arrived_s)
        {
            self.out_of_order = true;
        }
        self.add(&c);
        self.cohorts.push_front(c);
    }

    /// Takes the front cohort.
    pub fn pop_front(&mut self) -> Option<Cohort> {
        let c = self.cohorts.pop_front()?;
        self.remove(&c);
        Some(c)
    }

    /// Removes every cohort whose arrival time `expired` accepts, keeping the
    /// order of the rest, and hands each removed cohort to `gone`. `expired`
    /// must accept every time earlier than one it accepts.
    pub fn expire(&mut self, expired: impl Fn(f64) -> bool, mut gone: impl FnMut(&Cohort)) {
        if self.cohorts.is_empty() || !expired(self.oldest_s) {
            return;
        }
        if !self.out_of_order {
            // In arrival order the expired ones are a run at the front.
            while let Some(front) = self.cohorts.front() {
                if !expired(front.arrived_s) {
                    self.oldest_s = front.arrived_s;
                    return;
                }
                if let Some(c) = self.pop_front() {
                    gone(&c);
                }
            }
            return;
        }
        let mut oldest = f64::INFINITY;
        let (mut total, mut by_stream) = (self.total, std::mem::take(&mut self.by_stream));
        self.cohorts.retain(|c| {
            if expired(c.arrived_s) {
                by_stream[usize::from(c.stream)] -= c.count;
                total -= c.count;
                gone(c);
                false
            } else {
                oldest = oldest.min(c.arrived_s);
                true
            }
        });
        self.total = total;
        self.by_stream = by_stream;
        self.oldest_s = oldest;
        self.out_of_order = self
            .cohorts
            .iter()
            .zip(self.cohorts.iter().skip(1))
            .any(|(a, b)| b.arrived_s < a.arrived_s);
    }
}

impl Extend<Cohort> for Backlog {
    fn extend<I: IntoIterator<Item = Cohort>>(&mut self, iter: I) {
        for c in iter {
            self.push_back(c);
        }
    }
}

/// An Amazon SNS topic: every publish goes to every subscriber. Kept beside
/// the world, by thing ([`crate::sim::state::Ctx::topics`]).
#[derive(Debug, Clone, Default)]
pub struct Topic {
    /// Subscribers in link order.
    pub subscribers: Vec<Subscriber>,
    /// Publishes this tick.
    pub published: u64,
    /// HTTP/S deliveries this tick.
    pub http_delivered: u64,
    /// Copies on their way to subscribers (kept to spare an allocation a tick).
    pub direct: Vec<(Entity, Cohort)>,
}

/// One subscription of a topic.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// What receives the deliveries.
    pub entity: Entity,
    /// Whether deliveries go over HTTP/S (servers, load balancers) and are retried.
    pub http: bool,
    /// Deliveries waiting for the endpoint to answer again.
    pub retrying: std::collections::VecDeque<Cohort>,
}

/// An AWS Lambda function: one execution environment per request in flight,
/// up to its concurrency limit. Kept beside the world, by thing
/// ([`crate::sim::state::Ctx::functions`]).
#[derive(Debug, Clone, Default)]
pub struct Function {
    /// Concurrency limit (reserved, or the account's).
    pub limit: u32,
    /// Memory, MB.
    pub memory_mb: u32,
    /// Price per GB-second.
    pub usd_per_gb_s: f64,
    /// Invocations stop after this many seconds.
    pub timeout_s: f64,
    /// Per-workload run time, seconds (infinite where it cannot run).
    pub run_s: Vec<f64>,
    /// Workloads whose requests reach it.
    pub reached: Vec<usize>,
    /// Invocations whose end is decided, until it comes.
    pub running: Vec<Running>,
    /// When each of `running` ends, entry by entry: a tick looks for the
    /// ended ones here, in a ninth of the memory (long runs pile up).
    pub finish_s: Vec<f64>,
    /// Invocations in `running` that hold an environment (on time or late),
    /// kept as they come and go so no tick walks `running` to count them.
    pub held: u64,
    /// Its environments as a line with no room to wait: the chance an
    /// invocation finds every environment busy is the chance it is throttled.
    pub line: Line,
    /// Rounding remainders by stream: (throttled, run), then (on time, late).
    pub carry: Vec<([f64; 2], [f64; 2])>,
    /// Whether it polls a queue (the poller takes only what it can run).
    pub polls: bool,
    /// This tick's invocations to run, and those admitted with their run
    /// time and deadline (kept to spare allocations a tick).
    pub queue: Vec<Cohort>,
    /// See [`Function::queue`].
    pub admitted: Vec<(Cohort, f64, f64)>,
    /// Asynchronous events throttled for now, retried next tick.
    pub retrying: std::collections::VecDeque<Cohort>,
    /// Environments in use at the end of recent ticks, newest last: (time,
    /// environments), only those no newer tick matched or passed.
    pub recent: std::collections::VecDeque<(f64, f64)>,
    /// Environments warm now.
    pub warm: f64,
    /// The next tier its requests call, if linked.
    pub downstream: Option<Entity>,
    /// Concurrency used in the last tick (mean).
    pub concurrency: f64,
    /// Invocations throttled in the last tick.
    pub throttled: u64,
    /// Invocations started in the last tick.
    pub invoked: u64,
    /// Invocations that started a new environment in the last tick.
    pub cold: u64,
    /// Whether it receives events asynchronously (from a topic): throttled events are retried.
    pub asynchronous: bool,
}

/// A pool of identical servers sharing one line: an instance, a group or a
/// rack. Kept beside the world, by thing ([`crate::sim::state::Ctx::fleets`]).
#[derive(Debug, Clone)]
pub struct Fleet {
    /// Hardware of new servers.
    pub hardware: Hardware,
    /// How new servers are bought.
    pub purchase: Purchase,
    /// How each workload fares on this hardware.
    pub terms: Vec<KindTerms>,
    /// Workloads whose traffic can reach this fleet.
    pub reached: Vec<usize>,
    /// Requests one server can serve at once.
    pub slots_per_server: u32,
    /// Requests one server can hold waiting.
    pub hold_per_server: u64,
    /// The requests its servers hold, and their line.
    pub station: Station,
    /// How its servers share lines this tick (set by the load balancer in front).
    pub sharing: Sharing,
    /// Health checks of the load balancer in front, if any.
    pub checks: Option<HealthChecks>,
    /// Seconds a target drains when it leaves (0 = killed at once).
    pub draining_s: f64,
    /// The next tier this fleet's requests call, if linked.
    pub downstream: Option<Entity>,
    /// The queue this fleet consumes, if any: what its servers lose goes back there.
    pub fed_by: Option<Entity>,
    /// Seconds from launch until a new server (or task) serves.
    pub boot_s: f64,
    /// For container tasks on EC2: the fleet whose instances host them.
    pub capacity: Option<Entity>,
    /// Its servers, counted by state.
    pub census: Census,
    /// Server-seconds of work done in the last tick.
    pub busy_s: f64,
    /// Requests received in the last tick.
    pub received: u64,
    /// Rounding remainders of the share sent to failed servers.
    pub failed_carry: [f64; 2],
}

/// A fleet's servers counted by state (refreshed before routing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    /// Serving and reachable: they take traffic and answer it.
    pub working: u32,
    /// Failed but still reachable: they take traffic and answer nothing.
    pub failed_reachable: u32,
    /// In service but not (yet) healthy with the load balancer.
    pub unhealthy: u32,
    /// Booting or on order.
    pub pending: u32,
    /// Leaving with work in hand.
    pub draining: u32,
    /// In service and past their warm-up (what scaling metrics count).
    pub warm: u32,
    /// In service, healthy with the load balancer or not.
    pub in_service: u32,
    /// Counting toward an Auto Scaling group's capacity.
    pub members: u32,
}

impl Census {
    /// Servers that receive traffic.
    pub fn reachable(&self) -> u32 {
        self.working + self.failed_reachable
    }
}

/// Health-check settings a fleet inherits from the load balancer in front of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthChecks {
    /// Seconds between checks.
    pub interval_s: f64,
    /// Passes before a target is healthy.
    pub healthy_threshold: u32,
    /// Failures before a target is unhealthy.
    pub unhealthy_threshold: u32,
}

/// A fleet that is an EC2 Auto Scaling group (or a container service's
/// tasks). Kept beside the world, by thing ([`crate::sim::state::Ctx::groups`]).
#[derive(Debug, Clone)]
pub struct Group {
    /// Fewest instances.
    pub min: u32,
    /// Instances wanted.
    pub desired: u32,
    /// Most instances.
    pub max: u32,
    /// Dynamic policies.
    pub policies: Vec<Policy>,
    /// Scheduled actions.
    pub scheduled: Vec<Scheduled>,
    /// Instance warm-up, seconds.
    pub warmup_s: f64,
    /// Replace failed instances.
    pub replace_unhealthy: bool,
    /// Metric samples of the current period.
    pub window: MetricWindow,
    /// Consecutive periods below target (target tracking scale-in).
    pub low_periods: u32,
    /// When each step policy last changed capacity.
    pub last_step_change_s: Vec<f64>,
    /// When target tracking last scaled in.
    pub last_scale_in_s: f64,
    /// The desired count at which tasks last found no room on the cluster
    /// (no use trying again until a server changes or desired does).
    pub unplaced_at: Option<u32>,
}

/// Sums of metric samples over one metric period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricWindow {
    /// Server-seconds of work done by counted (warm) servers.
    pub busy_s: f64,
    /// Server-seconds of capacity of counted servers.
    pub capacity_s: f64,
    /// Requests received.
    pub requests: f64,
    /// Instance-seconds of counted servers.
    pub instance_s: f64,
    /// Message-seconds waiting in the queue that feeds the group.
    pub backlog_s: f64,
    /// Seconds covered.
    pub span_s: f64,
}

/// Marks a fleet of servers owned on premises (they can be ordered, never shed).
#[derive(Debug, Clone, Copy, Default)]
pub struct OnPremises;

/// One server: an EC2 instance or an on-premises machine.
#[derive(Debug, Clone)]
pub struct Server {
    /// Launch order across the whole run (stable id).
    pub serial: u32,
    /// Position of its fleet among the run's fleets ([`crate::sim::state::Kinds::fleets`]).
    pub slot: u32,
    /// The fleet it belongs to.
    pub fleet: Entity,
    /// What it is.
    pub hardware: Hardware,
    /// How it is bought.
    pub purchase: Purchase,
    /// Where it is in its life.
    pub state: ServerState,
    /// When it was launched (or ordered).
    pub launched_s: f64,
    /// When it entered service.
    pub in_service_s: Option<f64>,
    /// Its standing with the load balancer in front.
    pub health: LbHealth,
    /// When a spot reclaim takes it, if noticed.
    pub reclaim_at_s: Option<f64>,
    /// Seconds it was stopped and not billed (resizes).
    pub unbilled_s: f64,
    /// For a container task on EC2: the instance it runs on.
    pub host: Option<Entity>,
}

/// Where a server is in its life.
#[derive(Debug, Clone)]
pub enum ServerState {
    /// Booting (or on order, for on-premises); serves from `ready_s`.
    Pending {
        /// When it is ready.
        ready_s: f64,
    },
    /// Serving.
    InService,
    /// Broken: takes its share of traffic and answers nothing until noticed.
    Failed {
        /// When it failed.
        since_s: f64,
        /// Whether health checks have noticed.
        detected: bool,
    },
    /// Down with the rest of its tier (an outage); back at `until_s`.
    Down {
        /// When it comes back.
        until_s: f64,
    },
    /// Stopped for a resize; comes back as `to` at `until_s`.
    Resizing {
        /// When it is back.
        until_s: f64,
        /// New hardware.
        to: Hardware,
    },
    /// Leaving: finishes what it holds, takes nothing new.
    Draining {
        /// When it is cut off regardless.
        until_s: f64,
        /// What it still holds.
        station: Box<Station>,
    },
    /// Gone; removed from the world at the end of the tick.
    Terminated,
}

impl ServerState {
    /// Whether EC2 bills it now (stopped instances are not billed).
    pub fn is_billed(&self) -> bool {
        !matches!(self, ServerState::Resizing { .. } | ServerState::Terminated)
    }

    /// Whether it counts toward an Auto Scaling group's capacity.
    pub fn counts_toward_group(&self) -> bool {
        match self {
            ServerState::Pending { .. } | ServerState::InService | ServerState::Down { .. } => true,
            ServerState::Failed { detected, .. } => !detected,
            _ => false,
        }
    }

    /// A short label for the board and the trace.
    pub fn label(&self) -> &'static str {
        match self {
            ServerState::Pending { .. } => "booting",
            ServerState::InService => "in service",
            ServerState::Failed { .. } => "failed",
            ServerState::Down { .. } => "down",
            ServerState::Resizing { .. } => "resizing",
            ServerState::Draining { .. } => "draining",
            ServerState::Terminated => "terminated",
        }
    }
}

/// A target's standing with its load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LbHealth {
    /// Whether it receives traffic.
    pub healthy: bool,
    /// Consecutive checks that disagree with `healthy`.
    pub streak: u32,
}
