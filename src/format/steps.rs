//! A lesson's guided steps: what a step's condition means on a build, and
//! the checks `peakload check` runs on the steps a level author wrote.
//!
//! A step is a *build* step (it tests the architecture on the board: a
//! route of links, a scaling policy, a commitment) or a *run* step (it
//! watches the run: a time reached, availability so far, the run passed).
//! Build steps hold or not on the build as it is now, so they follow every
//! change; run steps need a run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalogue::{Catalogue, Family};
use super::code::Code;
use super::level::{Condition, Level};
use super::locate::{Reporter, Spot};
use super::solution::{
    Algorithm, Capacity, Metric, Policy, Purchase, Scheme, Solution, Thing, ThingKind,
};
use super::spans::Path;

/// One box along a [`Condition::Route`]: a kind of thing, a thing set up a
/// certain way, or one thing by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Hop {
    /// On-premises servers.
    OnPremises,
    /// A single EC2 instance.
    Instance,
    /// An Auto Scaling group.
    AutoScalingGroup,
    /// A load balancer.
    LoadBalancer,
    /// An SQS queue.
    Queue,
    /// An SNS topic.
    Topic,
    /// A Lambda function.
    Function,
    /// A container service.
    ContainerService,
    /// Anything that does the work: servers, an instance, a group, a function, a container service.
    Servers,
    /// An instance or group whose type is of this family.
    Family(Family),
    /// An instance or group bought as Spot.
    Spot,
    /// An instance or group on Dedicated Hosts.
    Dedicated,
    /// An internal load balancer.
    Internal,
    /// A load balancer that sends each target a share by its outstanding requests.
    LeastOutstanding,
    /// A container service whose tasks run on Fargate.
    Fargate,
    /// A container service whose tasks run on EC2 instances the player manages.
    OnHosts,
    /// The thing with this id.
    Id(String),
}

/// Which scaling policy a [`Condition::Scales`] step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ScalingBy {
    /// Any policy at all.
    Any,
    /// Target tracking on CPU.
    Cpu,
    /// Target tracking on requests per target.
    Requests,
    /// Target tracking on queue backlog per instance.
    Backlog,
    /// Predictive scaling.
    Predictive,
    /// Step scaling.
    Step,
}

/// The things a build step looks at: the level's and the player's.
struct Build<'a> {
    catalogue: Option<&'a Catalogue>,
    level: &'a Level,
    solution: &'a Solution,
}

impl Build<'_> {
    fn things(&self) -> impl Iterator<Item = &Thing> {
        self.level.preplaced.iter().chain(&self.solution.things)
    }

    fn thing(&self, id: &str) -> Option<&Thing> {
        self.things().find(|t| t.id() == id)
    }

    fn links(&self) -> impl Iterator<Item = &(String, String)> {
        self.level
            .preplaced_links
            .iter()
            .chain(&self.solution.links)
    }

    fn family(&self, type_name: &str) -> Option<Family> {
        self.catalogue?
            .instance_type(type_name)
            .map(|(_, t)| t.family)
    }

    /// Whether the box `id` is what `hop` asks for.
    fn matches(&self, hop: &Hop, id: &str) -> bool {
        if let Hop::Id(want) = hop {
            return want == id;
        }
        let Some(thing) = self.thing(id) else {
            return false;
        };
        let kind = thing.kind();
        let bought = match thing {
            Thing::Instance { purchase, .. } => Some(*purchase),
            Thing::AutoScalingGroup(g) => Some(g.purchase),
            _ => None,
        };
        match hop {
            Hop::OnPremises => kind == ThingKind::OnPremises,
            Hop::Instance => kind == ThingKind::Instance,
            Hop::AutoScalingGroup => kind == ThingKind::AutoScalingGroup,
            Hop::LoadBalancer => kind == ThingKind::LoadBalancer,
            Hop::Queue => kind == ThingKind::Queue,
            Hop::Topic => kind == ThingKind::Topic,
            Hop::Function => kind == ThingKind::Function,
            Hop::ContainerService => kind == ThingKind::ContainerService,
            Hop::Servers => serves(kind),
            Hop::Family(f) => match thing {
                Thing::Instance { instance_type, .. } => self.family(instance_type) == Some(*f),
                Thing::AutoScalingGroup(g) => self.family(&g.instance_type) == Some(*f),
                _ => false,
            },
            Hop::Spot => bought == Some(Purchase::Spot),
            Hop::Dedicated => bought == Some(Purchase::DedicatedHost),
            Hop::Internal => {
                matches!(thing, Thing::LoadBalancer(b) if b.scheme == Scheme::Internal)
            }
            Hop::LeastOutstanding => matches!(
                thing,
                Thing::LoadBalancer(b) if b.algorithm == Algorithm::LeastOutstanding
            ),
            Hop::Fargate => {
                matches!(thing, Thing::ContainerService(c) if c.capacity == Capacity::Fargate)
            }
            Hop::OnHosts => {
                matches!(thing, Thing::ContainerService(c) if matches!(c.capacity, Capacity::Ec2(_)))
            }
            Hop::Id(_) => false,
        }
    }

    /// The boxes a route of links reaches from `from` through boxes matching
    /// `via` in order, each the next link on.
    fn route_ends(&self, from: &str, via: &[Hop]) -> Vec<String> {
        let mut at: Vec<String> = if from == "*" {
            self.level.sources.iter().map(|s| s.id.clone()).collect()
        } else {
            vec![from.to_string()]
        };
        for hop in via {
            let mut next: Vec<String> = Vec::new();
            for (f, t) in self.links() {
                if at.contains(f) && !next.contains(t) && self.matches(hop, t) {
                    next.push(t.clone());
                }
            }
            if next.is_empty() {
                return next;
            }
            at = next;
        }
        at
    }

    fn scales(&self, thing: &str, by: ScalingBy) -> bool {
        self.things()
            .filter(|t| thing == "*" || t.id() == thing)
            .any(|t| {
                let policies: &[Policy] = match t {
                    Thing::AutoScalingGroup(g) => &g.policies,
                    Thing::ContainerService(c) => &c.policies,
                    _ => &[],
                };
                policies.iter().any(|p| policy_is(p, by))
            })
    }
}

fn policy_is(p: &Policy, by: ScalingBy) -> bool {
    match (by, p) {
        (ScalingBy::Any, _) => true,
        (ScalingBy::Cpu, Policy::TargetTracking { metric, .. }) => *metric == Metric::Cpu,
        (ScalingBy::Requests, Policy::TargetTracking { metric, .. }) => {
            *metric == Metric::RequestsPerTarget
        }
        (ScalingBy::Backlog, Policy::TargetTracking { metric, .. }) => {
            *metric == Metric::BacklogPerInstance
        }
        (ScalingBy::Predictive, Policy::Predictive { .. }) => true,
        (ScalingBy::Step, Policy::Step { .. }) => true,
        _ => false,
    }
}

/// Whether a kind of thing does work itself (rather than passing it on).
pub fn serves(kind: ThingKind) -> bool {
    matches!(
        kind,
        ThingKind::OnPremises
            | ThingKind::Instance
            | ThingKind::AutoScalingGroup
            | ThingKind::Function
            | ThingKind::ContainerService
    )
}

/// Whether a condition watches a run (rather than testing the build).
pub fn watches_run(condition: &Condition) -> bool {
    match condition {
        Condition::ClockReached(_)
        | Condition::AvailabilityAtLeast(_)
        | Condition::RunFinished
        | Condition::Passed => true,
        Condition::All(all) | Condition::Any(all) => all.iter().any(watches_run),
        Condition::Placed(_)
        | Condition::Linked { .. }
        | Condition::Route { .. }
        | Condition::Scales { .. }
        | Condition::Commits => false,
    }
}

/// Whether a build condition holds on a build. `None` for a condition that
/// watches a run (see [`watches_run`]); the catalogue is needed only for
/// [`Hop::Family`].
pub fn holds_on_build(
    condition: &Condition,
    catalogue: Option<&Catalogue>,
    level: &Level,
    solution: &Solution,
) -> Option<bool> {
    let b = Build {
        catalogue,
        level,
        solution,
    };
    let kind_of = |id: &str| b.thing(id).map(Thing::kind);
    Some(match condition {
        Condition::Placed(kind) => solution.things.iter().any(|t| t.kind() == *kind),
        Condition::Linked { from, to } => b
            .links()
            .any(|(f, t)| (from == "*" || f == from) && kind_of(t) == Some(*to)),
        Condition::Route {
            from,
            via,
            at_least,
        } => {
            let ends = b.route_ends(from, via);
            !ends.is_empty() && ends.len() >= at_least.unwrap_or(1) as usize
        }
        Condition::Scales { thing, by } => b.scales(thing, *by),
        Condition::Commits => !solution.commitments.is_empty(),
        Condition::All(all) => {
            let mut every = true;
            for c in all {
                every &= holds_on_build(c, catalogue, level, solution)?;
            }
            every
        }
        Condition::Any(any) => {
            let mut some = false;
            for c in any {
                some |= holds_on_build(c, catalogue, level, solution)?;
            }
            some
        }
        Condition::ClockReached(_)
        | Condition::AvailabilityAtLeast(_)
        | Condition::RunFinished
        | Condition::Passed => return None,
    })
}

/// Checks a level's steps for what would keep a lesson from working: a
/// route from an id that is neither a source nor a pre-placed thing (an
/// error, like any unknown id), and as warnings a box the palette cannot
/// give (the step can never complete; the level still plays) and a build
/// step after a run step.
pub fn check(level: &Level, r: &mut Reporter<'_>) {
    let mut seen_run = false;
    for (i, step) in level.steps.iter().enumerate() {
        let at = || Path::of("steps").index(i).field("done_when");
        let run = watches_run(&step.done_when);
        if seen_run && !run {
            r.warn(
                Code::StepNeverCompletes,
                Spot::At(Path::of("steps").index(i)),
                "a build step comes after a step that watches the run",
                Some("give every build instruction before the run: move this step up".into()),
            );
        }
        seen_run |= run;
        check_condition(level, &step.done_when, at, r);
    }
}

fn check_condition<'p>(
    level: &Level,
    c: &Condition,
    at: impl Fn() -> Path<'p> + Copy,
    r: &mut Reporter<'_>,
) {
    let known = |id: &str| {
        id == "*"
            || level.sources.iter().any(|s| s.id == id)
            || level.preplaced.iter().any(|t| t.id() == id)
    };
    let offered = |kind: ThingKind| {
        level.palette.things.contains(&kind) || level.preplaced.iter().any(|t| t.kind() == kind)
    };
    match c {
        Condition::Route { from, via, .. } => {
            if !known(from) {
                r.error(
                    Code::UnknownStepId,
                    Spot::At(at().field("from")),
                    format!("the step's route starts at `{from}`, which is neither a source nor a pre-placed thing"),
                    Some("start it at a source's id, or \"*\" for any source".into()),
                );
            }
            if via.is_empty() {
                r.error(
                    Code::Missing,
                    Spot::At(at()),
                    "the step's route has no `via`",
                    None,
                );
            }
            for hop in via {
                let kinds = hop_kinds(hop);
                if !kinds.is_empty() && !kinds.iter().any(|k| offered(*k)) {
                    r.warn(
                        Code::StepNeverCompletes,
                        Spot::At(at().field("via")),
                        format!("the step can never complete: nothing on the palette or the board is a {hop:?}"),
                        Some("add the kind to `palette.things`, or change the step".into()),
                    );
                }
            }
        }
        Condition::Linked { to, .. } if !offered(*to) => r.warn(
            Code::StepNeverCompletes,
            Spot::At(at().field("to")),
            format!("the step can never complete: the palette offers no {to:?}"),
            None,
        ),
        Condition::Placed(kind) if !level.palette.things.contains(kind) => r.warn(
            Code::StepNeverCompletes,
            Spot::At(at()),
            format!("the step can never complete: the palette offers no {kind:?}"),
            None,
        ),
        Condition::Scales { thing, .. } if thing != "*" && !known(thing) => {
            // A thing the player places has an id only once placed; name one
            // from the level, or use "*".
            r.warn(
                Code::StepNeverCompletes,
                Spot::At(at().field("thing")),
                format!("the step asks `{thing}` to scale, but the level has no thing of that id"),
                Some("use \"*\" for any group the player places".into()),
            );
        }
        Condition::All(all) | Condition::Any(all) => {
            if all.is_empty() {
                r.error(
                    Code::Missing,
                    Spot::At(at()),
                    "`All` and `Any` need at least one condition",
                    None,
                );
            }
            for c in all {
                check_condition(level, c, at, r);
            }
        }
        _ => {}
    }
}

/// The kinds of thing a hop can be (empty for an id, which may be any).
fn hop_kinds(hop: &Hop) -> Vec<ThingKind> {
    use ThingKind as K;
    match hop {
        Hop::OnPremises => vec![K::OnPremises],
        Hop::Instance => vec![K::Instance],
        Hop::AutoScalingGroup => vec![K::AutoScalingGroup],
        Hop::LoadBalancer | Hop::Internal | Hop::LeastOutstanding => vec![K::LoadBalancer],
        Hop::Queue => vec![K::Queue],
        Hop::Topic => vec![K::Topic],
        Hop::Function => vec![K::Function],
        Hop::ContainerService | Hop::Fargate | Hop::OnHosts => vec![K::ContainerService],
        Hop::Servers => vec![
            K::OnPremises,
            K::Instance,
            K::AutoScalingGroup,
            K::Function,
            K::ContainerService,
        ],
        Hop::Family(_) | Hop::Spot | Hop::Dedicated => vec![K::Instance, K::AutoScalingGroup],
        Hop::Id(_) => Vec::new(),
    }
}
