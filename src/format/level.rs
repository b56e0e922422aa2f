//! The level file: the world a player is dropped into.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalogue::WorkClass;
use super::solution::{Capacity, Commitment, Policy, Purchase, Scheme, Solution, Thing, ThingKind};
use super::time::{ClockTime, Span};

/// Text in every language the game speaks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// English.
    pub en: String,
    /// Korean.
    pub ko: String,
}

/// A whole level as written in `level.ron`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Stable id, the folder name (`01-on-prem-dilemma`).
    pub id: String,
    /// Lesson (guided, unlocks in order) or challenge.
    #[serde(default)]
    pub kind: LevelKind,
    /// Title shown on the campaign map.
    pub title: Text,
    /// The lesson's opening text.
    #[serde(default)]
    pub intro: Text,
    /// A one-paragraph summary of the concept, shown after the level.
    #[serde(default)]
    pub summary: Text,
    /// Seed of the level's random traffic (overridable with `--seed`).
    pub seed: u64,
    /// Length of one simulation step.
    pub tick: Span,
    /// How long the level runs.
    pub duration: Span,
    /// Kinds of request the level's traffic is made of.
    pub workloads: Vec<Workload>,
    /// Where traffic comes from.
    pub sources: Vec<Source>,
    /// What the player may place.
    pub palette: Palette,
    /// Things already in place that the player cannot remove.
    #[serde(default)]
    pub preplaced: Vec<Thing>,
    /// Pre-placed things the player's timed actions may change (resize, new
    /// limits, more servers ordered); every other pre-placed thing is locked,
    /// so a design cannot empty or shrink what a level's events aim at.
    #[serde(default)]
    pub unlocked: Vec<String>,
    /// Links between pre-placed things (and from sources).
    #[serde(default)]
    pub preplaced_links: Vec<(String, String)>,
    /// Scripted events.
    #[serde(default)]
    pub events: Vec<Event>,
    /// How much traffic history exists before the level starts (predictive
    /// scaling forecasts from it; it needs at least a day).
    #[serde(default)]
    pub history: Option<Span>,
    /// What stretch of time the level stands for, which decides what a
    /// commitment (a reservation or a Savings Plan) costs in it.
    #[serde(default)]
    pub period: Period,
    /// What makes the lesson's idea: a ★★★ design must have every one of them
    /// (`peakload verify` searches for one that does not).
    #[serde(default)]
    pub teaches: Vec<Idea>,
    /// What counts as winning.
    pub goals: Goals,
    /// Guided steps of a lesson, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// Where a level sits in the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum LevelKind {
    /// A guided lesson that teaches one idea.
    #[default]
    Lesson,
    /// A level that mixes the lessons' ideas under a budget.
    Challenge,
    /// Free building: no lesson, loose goals.
    Sandbox,
}

/// One kind of request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Id used by sources.
    pub id: String,
    /// The kind of work, which decides how fast each instance family does it.
    pub class: WorkClass,
    /// Service time on one m5 vCPU (speed 1.0), milliseconds.
    pub work_ms: f64,
    /// Memory the request holds while in flight (waiting or served), MiB.
    pub memory_mib: f64,
    /// Response size, KiB (load balancer traffic charges).
    #[serde(default = "default_response_kib")]
    pub response_kib: f64,
    /// Whether a caller waits for the answer.
    pub mode: Mode,
    /// How service times vary around `work_ms`: exponential (the default:
    /// the line is M/M/c), or fixed (every request takes exactly its work:
    /// M/D/c, as for renders or batch jobs of a known size).
    #[serde(default)]
    pub service: ServiceTime,
    /// Work this request asks of the next tier once it is served. Through a
    /// queue the call is asynchronous (the request is done once the message is
    /// sent); straight to a server or load balancer it is synchronous (the
    /// request fails if the call fails).
    #[serde(default)]
    pub calls: Vec<Call>,
    /// Pre-placed things that must each receive every request of this
    /// workload (every subscriber a message is meant for): a request a
    /// design never brings to one of them counts as dropped, `undelivered`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_reach: Vec<String>,
}

/// How service times vary around their mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum ServiceTime {
    /// Exponential: most requests are quick, a few take several times the mean.
    #[default]
    Exponential,
    /// Every request takes exactly its work.
    Fixed,
}

/// Downstream work triggered by a served request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The workload of the downstream request.
    pub workload: String,
    /// Downstream requests per request served (exactly 1 for synchronous calls).
    #[serde(default = "one")]
    pub per_request: f64,
}

fn default_response_kib() -> f64 {
    32.0
}

/// Whether the caller waits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Mode` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Mode {
    /// The caller waits: late after `deadline`; the caller gives up after `timeout`
    /// (the request is then dropped).
    Sync {
        /// Latency goal of one request.
        deadline: Span,
        /// When a waiting caller gives up.
        timeout: Span,
    },
    /// Nobody waits: the work must finish within `deadline` of arriving.
    Async {
        /// Completion deadline.
        deadline: Span,
    },
}

impl Mode {
    /// Seconds after arrival at which the request counts as late.
    pub fn deadline_s(&self) -> f64 {
        match self {
            Mode::Sync { deadline, .. } | Mode::Async { deadline } => deadline.secs(),
        }
    }

    /// Seconds after arrival at which a still-waiting request is given up on.
    pub fn give_up_s(&self) -> f64 {
        match self {
            Mode::Sync { timeout, .. } => timeout.secs(),
            Mode::Async { .. } => f64::INFINITY,
        }
    }
}

/// A source of traffic.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Id used in links (`("shoppers", "web-lb")`).
    pub id: String,
    /// Label shown on the board.
    #[serde(default)]
    pub name: Text,
    /// Which workload its requests are.
    pub workload: String,
    /// Base arrival rate, requests per second.
    pub base_rps: f64,
    /// Shapes multiplied onto the base rate.
    #[serde(default)]
    pub shapes: Vec<Shape>,
    /// Relative standard deviation of the rate's slow wander around its
    /// shapes (0.05 = 5%); it drifts over minutes, whatever the tick.
    #[serde(default)]
    pub noise: f64,
}

/// A traffic shape; every shape multiplies the rate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Shape` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Shape {
    /// A smooth daily cycle between `low` and `high` times the base, highest at `peak`.
    Daily {
        /// Multiplier at the quietest hour.
        low: f64,
        /// Multiplier at the busiest hour.
        #[serde(default = "one")]
        high: f64,
        /// Time of day of the peak.
        peak: ClockTime,
    },
    /// A rush every day: a bell-shaped bump `multiplier` high around `at`.
    Rush {
        /// Time of day at the top of the rush.
        at: ClockTime,
        /// Standard deviation of the bump.
        width: Span,
        /// Multiplier at the top.
        multiplier: f64,
    },
    /// Weekends run at `weekend` times the weekday rate (days 6 and 7 of each week).
    Weekly {
        /// Weekend multiplier.
        weekend: f64,
    },
    /// A bell-shaped busy season (a year of on-premises planning).
    Seasonal {
        /// When the season peaks.
        peak: ClockTime,
        /// Standard deviation of the bell.
        width: Span,
        /// Multiplier at the peak.
        multiplier: f64,
    },
    /// A spike: ramps up over `ramp`, holds for `hold`, ramps down over `ramp`.
    Spike {
        /// When the ramp starts.
        at: ClockTime,
        /// Ramp length.
        ramp: Span,
        /// Time at full height.
        hold: Span,
        /// Multiplier at full height.
        multiplier: f64,
    },
    /// A flash crowd: jumps at once to `multiplier` and decays back with time constant `decay`.
    FlashCrowd {
        /// When it hits.
        at: ClockTime,
        /// Multiplier at the jump.
        multiplier: f64,
        /// Exponential decay time constant.
        decay: Span,
    },
    /// Steady compound growth.
    Growth {
        /// Percent growth per day.
        percent_per_day: f64,
    },
}

fn one() -> f64 {
    1.0
}

/// What the player may place.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Palette {
    /// Kinds of thing on the palette.
    pub things: Vec<ThingKind>,
    /// Instance types allowed (empty = every type in the catalogue).
    #[serde(default)]
    pub instance_types: Vec<String>,
    /// On-premises server models allowed (empty = every model).
    #[serde(default)]
    pub server_models: Vec<String>,
    /// Ways of buying instances offered (left out = every way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchases: Option<Vec<Purchase>>,
    /// Commitments offered (left out = both kinds; `[]` = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitments: Option<Vec<CommitmentKind>>,
}

/// A kind of commitment a palette can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CommitmentKind {
    /// Reserved Instances.
    Reserved,
    /// Savings Plans.
    SavingsPlan,
}

impl Palette {
    /// Whether instances may be bought this way.
    pub fn offers_purchase(&self, purchase: Purchase) -> bool {
        self.purchases
            .as_ref()
            .is_none_or(|p| p.contains(&purchase))
    }

    /// Whether this kind of commitment may be bought.
    pub fn offers_commitment(&self, kind: CommitmentKind) -> bool {
        self.commitments.as_ref().is_none_or(|c| c.contains(&kind))
    }
}

/// What stretch of time a level stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Period {
    /// A typical stretch that repeats for a commitment's whole term (a day
    /// like every other): a commitment costs the level's hours of it.
    #[default]
    Repeats,
    /// A one-off (a launch, a season, a migration): a commitment still runs
    /// for its whole term, and what is left of it when the level ends is
    /// charged then.
    OneOff,
}

/// Whom a failure, outage or reclaim aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Every fleet (`thing: "*"`).
    All,
    /// A thing by id (the level's own pre-placed things only).
    Thing(&'a str),
    /// Every tier that serves this workload.
    Serving(&'a str),
}

impl EventKind {
    /// The target of a failure, outage or reclaim (`None` for other events).
    pub fn target(&self) -> Option<Target<'_>> {
        let (EventKind::InstanceFailure { thing, serving, .. }
        | EventKind::Outage { thing, serving, .. }
        | EventKind::SpotReclaim { thing, serving, .. }) = self
        else {
            return None;
        };
        Some(match serving {
            Some(w) => Target::Serving(w),
            None if thing == "*" => Target::All,
            None => Target::Thing(thing),
        })
    }
}

/// A scripted event.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When it happens.
    pub at: ClockTime,
    /// What happens.
    pub what: EventKind,
}

/// What a scripted event does.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `EventKind` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum EventKind {
    /// `count` servers (serving, booting or resizing) of the target fail
    /// (hardware fault), drawn at random among all of them.
    InstanceFailure {
        /// A pre-placed thing (instance, group or on-premises servers), or
        /// `*` for every fleet; leave it out to aim at `serving`.
        #[serde(default)]
        thing: String,
        /// Aims at every tier that serves this workload, whatever the player named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serving: Option<String>,
        /// How many of its servers fail.
        count: u32,
    },
    /// A whole tier goes down (outage of its servers or its zone) and comes back.
    Outage {
        /// A pre-placed thing, or `*`; leave it out to aim at `serving`.
        #[serde(default)]
        thing: String,
        /// Aims at every tier that serves this workload, whatever the player named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serving: Option<String>,
        /// How long it stays down.
        lasts: Span,
    },
    /// `count` spot instances of the target get the two-minute reclaim
    /// notice, drawn at random among all of them.
    SpotReclaim {
        /// A pre-placed thing, or `*` for any; leave it out to aim at `serving`.
        #[serde(default)]
        thing: String,
        /// Aims at every tier that serves this workload, whatever the player named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serving: Option<String>,
        /// How many instances.
        count: u32,
    },
    /// A price changes from now on: on-demand, spot or Dedicated Host rates are multiplied.
    PriceChange {
        /// Which way of buying changes price.
        purchase: Purchase,
        /// New price as a multiple of the catalogue price.
        multiplier: f64,
    },
    /// A traffic spike on one source.
    TrafficSpike {
        /// The source.
        source: String,
        /// Multiplier at full height.
        multiplier: f64,
        /// Ramp up (and down) time.
        ramp: Span,
        /// Time at full height.
        hold: Span,
    },
}

/// One thing a lesson's idea is made of, as `teaches` lists it. Every listed
/// idea is essential: a design that lacks any one of them must not win ★★★.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
// Struct-like variants refuse unknown fields too (none today; kept so one
// added later cannot swallow a misspelt field).
#[serde(deny_unknown_fields)]
pub enum Idea {
    /// The design places a thing of this kind itself (pre-placed things do not count).
    Thing(ThingKind),
    /// Some instance or group of the design is bought this way (e.g. `Spot`).
    Purchase(Purchase),
    /// The design holds a Savings Plan.
    SavingsPlan,
    /// The design holds Reserved Instances.
    ReservedInstances,
    /// Some group or container service of the design changes size by itself
    /// (any scaling policy, or a scheduled action).
    Scaling,
    /// Some group or container service of the design has a policy of this kind.
    Policy(PolicyKind),
    /// The design places an internal load balancer (one tier calling the next at one address).
    InternalLoadBalancer,
    /// Some load balancer of the design drains targets before they leave (draining not `"0s"`).
    Draining,
    /// Some container service of the design runs its tasks on Fargate.
    Fargate,
    /// At least one of these (e.g. a Savings Plan or Reserved Instances: any commitment).
    AnyOf(Vec<Idea>),
}

/// The kinds of scaling policy, as an [`Idea`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PolicyKind {
    /// Target tracking.
    TargetTracking,
    /// Predictive scaling.
    Predictive,
    /// Step scaling.
    Step,
}

impl PolicyKind {
    /// The kind of a policy.
    pub fn of(policy: &Policy) -> PolicyKind {
        match policy {
            Policy::TargetTracking { .. } => PolicyKind::TargetTracking,
            Policy::Predictive { .. } => PolicyKind::Predictive,
            Policy::Step { .. } => PolicyKind::Step,
        }
    }
}

impl Idea {
    /// The idea in a few words, for reports.
    pub fn label(&self) -> String {
        match self {
            Idea::Thing(kind) => format!("a placed {}", kind.label()),
            Idea::Purchase(p) => format!("{p:?} purchase"),
            Idea::SavingsPlan => "a Savings Plan".into(),
            Idea::ReservedInstances => "Reserved Instances".into(),
            Idea::Scaling => "scaling by itself (policy or schedule)".into(),
            Idea::Policy(k) => format!("a {k:?} scaling policy"),
            Idea::InternalLoadBalancer => "an internal load balancer".into(),
            Idea::Draining => "connection draining".into(),
            Idea::Fargate => "tasks on Fargate".into(),
            Idea::AnyOf(ideas) => {
                let all: Vec<String> = ideas.iter().map(Idea::label).collect();
                format!("any of: {}", all.join(" / "))
            }
        }
    }

    /// Kinds of thing of which the palette must offer at least one for a
    /// design to have this idea (empty: nothing needed beyond the idea itself).
    pub fn needs(&self) -> Vec<ThingKind> {
        use ThingKind as K;
        match self {
            Idea::Thing(kind) => vec![*kind],
            Idea::Purchase(_) | Idea::SavingsPlan | Idea::ReservedInstances => {
                vec![K::Instance, K::AutoScalingGroup]
            }
            Idea::Scaling | Idea::Policy(_) => vec![K::AutoScalingGroup, K::ContainerService],
            Idea::InternalLoadBalancer | Idea::Draining => vec![K::LoadBalancer],
            Idea::Fargate => vec![K::ContainerService],
            Idea::AnyOf(ideas) => {
                let mut all: Vec<ThingKind> = ideas.iter().flat_map(Idea::needs).collect();
                all.sort();
                all.dedup();
                all
            }
        }
    }
}

/// Whether a design has the idea. Only what the design places counts: a
/// thing whose id is one of the level's pre-placed things is left out.
pub fn has(idea: &Idea, solution: &Solution, level: &Level) -> bool {
    let mine = || {
        solution
            .things
            .iter()
            .filter(|t| !level.preplaced.iter().any(|p| p.id() == t.id()))
    };
    let policies = |t: &Thing| -> Vec<PolicyKind> {
        match t {
            Thing::AutoScalingGroup(g) => g.policies.iter().map(PolicyKind::of).collect(),
            Thing::ContainerService(c) => c.policies.iter().map(PolicyKind::of).collect(),
            _ => Vec::new(),
        }
    };
    match idea {
        Idea::Thing(kind) => mine().any(|t| t.kind() == *kind),
        Idea::Purchase(p) => mine().any(|t| match t {
            Thing::Instance { purchase, .. } => purchase == p,
            Thing::AutoScalingGroup(g) => g.purchase == *p,
            _ => false,
        }),
        Idea::SavingsPlan => solution
            .commitments
            .iter()
            .any(|c| matches!(c, Commitment::SavingsPlan { .. })),
        Idea::ReservedInstances => solution
            .commitments
            .iter()
            .any(|c| matches!(c, Commitment::Reserved { .. })),
        Idea::Scaling => mine().any(|t| match t {
            Thing::AutoScalingGroup(g) => !g.policies.is_empty() || !g.scheduled.is_empty(),
            Thing::ContainerService(c) => !c.policies.is_empty(),
            _ => false,
        }),
        Idea::Policy(kind) => mine().any(|t| policies(t).contains(kind)),
        Idea::InternalLoadBalancer => {
            mine().any(|t| matches!(t, Thing::LoadBalancer(b) if b.scheme == Scheme::Internal))
        }
        // Left out, draining is the catalogue's default delay (on).
        Idea::Draining => mine().any(
            |t| matches!(t, Thing::LoadBalancer(b) if b.draining.is_none_or(|d| d.secs() > 0.0)),
        ),
        Idea::Fargate => mine()
            .any(|t| matches!(t, Thing::ContainerService(c) if c.capacity == Capacity::Fargate)),
        Idea::AnyOf(ideas) => ideas.iter().any(|i| has(i, solution, level)),
    }
}

/// Goals and star thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Goals {
    /// Minimum percent of finished requests that were ok.
    pub availability_pct: f64,
    /// Optional p99 latency ceiling, milliseconds.
    #[serde(default)]
    pub p99_ms: Option<f64>,
    /// Optional ceiling on the p99 of the wait in line before service,
    /// milliseconds (a queueing lesson can ask for it directly).
    #[serde(default)]
    pub wait_p99_ms: Option<f64>,
    /// Cost ceilings for one, two and three stars; above `one` the level is lost.
    pub stars: StarThresholds,
    /// Compliance: no instance may share hardware with another customer
    /// (EC2 Dedicated Hosts or servers you own).
    #[serde(default)]
    pub dedicated_only: bool,
    /// Availability goals of their own for some sources, by source id: in
    /// place of `availability_pct` for the source's requests and for the
    /// work they call for.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sources: std::collections::BTreeMap<String, f64>,
}

impl Goals {
    /// The availability goal of requests that started at source `id`.
    pub fn availability_of(&self, id: &str) -> f64 {
        self.sources
            .get(id)
            .copied()
            .unwrap_or(self.availability_pct)
    }
}

/// Cost ceilings for the stars, in dollars over the whole level.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StarThresholds {
    /// The budget: at or below it the level is won with one star.
    pub one: f64,
    /// Two stars at or below this.
    pub two: f64,
    /// Three stars at or below this.
    pub three: f64,
}

/// A guided step of a lesson.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the player is asked to do.
    pub text: Text,
    /// A hint shown on request.
    #[serde(default)]
    pub hint: Text,
    /// When the step is complete.
    pub done_when: Condition,
}

/// A condition the game checks to complete a guided step. Build conditions
/// test the architecture on the board (they follow every change); the
/// others watch a run (see `format::steps`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
// Struct-like variants refuse unknown fields too: a misspelt field
// inside `Condition` must not fall back to its default without a word.
#[serde(deny_unknown_fields)]
pub enum Condition {
    /// A thing of this kind is placed.
    Placed(ThingKind),
    /// A link runs from `from` (a source or thing id, or `*`) to a thing of kind `to`.
    Linked {
        /// Source or thing id, `*` for any.
        from: String,
        /// Kind of the thing linked to.
        to: ThingKind,
    },
    /// Links run from `from` through boxes matching `via`, in order, each
    /// linked from the one before: `Route(from: "shoppers", via:
    /// [LoadBalancer, AutoScalingGroup])` is shoppers → a load balancer → a group.
    Route {
        /// Source or thing id, `*` for any source.
        from: String,
        /// The boxes along the way, in order.
        via: Vec<super::steps::Hop>,
        /// How many different boxes the last hop must reach (default 1).
        #[serde(default)]
        at_least: Option<u32>,
    },
    /// A group or container service (`thing`, or `*` for any) has a scaling policy of this kind.
    Scales {
        /// Thing id, `*` for any.
        thing: String,
        /// The kind of policy.
        by: super::steps::ScalingBy,
    },
    /// The account holds a Reserved Instance or a Savings Plan.
    Commits,
    /// Every one of these holds.
    All(Vec<Condition>),
    /// At least one of these holds.
    Any(Vec<Condition>),
    /// The run has reached this time.
    ClockReached(ClockTime),
    /// Availability so far is at least this percent.
    AvailabilityAtLeast(f64),
    /// The run has finished.
    RunFinished,
    /// The run has finished and met the level's goals.
    Passed,
}
