//! Checks of a solution file against its level: ids, palette, links,
//! hosts, commitments, timed actions and the events that name its things.

use std::collections::{BTreeMap, BTreeSet};

use super::super::bounds::*;
use super::super::budget;
use super::super::catalogue::Catalogue;
use super::super::code::Code;
use super::super::level::{CommitmentKind, Level, Target};
use super::super::locate::{Reporter, Spot};
use super::super::solution::{
    Action, Capacity, Commitment, Solution, Thing, ThingKind, TimedAction,
};
use super::super::spans::Path;
use super::cost::{check_cost, cost_problems};
use super::links::{Places, check_links, check_reach};
use super::things::{check_instance_type, check_thing, hint_names};

pub(super) struct SolutionChecks<'a, 'f> {
    pub(super) catalogue: &'a Catalogue,
    pub(super) level: &'a Level,
    pub(super) solution: &'a Solution,
    pub(super) r: &'a mut Reporter<'f>,
}

impl SolutionChecks<'_, '_> {
    pub(super) fn run(&mut self) {
        if self.solution.level != self.level.id {
            self.r.error(
                Code::WrongLevel,
                Spot::At(Path::of("level")),
                format!(
                    "this solution is for level `{}`, not `{}`",
                    self.solution.level, self.level.id
                ),
                Some(format!(
                    "write level: \"{}\" or score it against its own level",
                    self.level.id
                )),
            );
        }
        let sources: BTreeSet<&str> = self.level.sources.iter().map(|s| s.id.as_str()).collect();
        let mut things: BTreeMap<&str, &Thing> =
            self.level.preplaced.iter().map(|t| (t.id(), t)).collect();
        for (ti, thing) in self.solution.things.iter().enumerate() {
            let t_at = Path::of("things").index(ti);
            let id = thing.id();
            if id.trim().is_empty() {
                self.r.error(
                    Code::EmptyId,
                    Spot::At(t_at.field("id")),
                    "a thing has an empty id",
                    None,
                );
            }
            if sources.contains(id) || things.insert(id, thing).is_some() {
                self.r.error(
                    Code::DuplicateId,
                    Spot::At(t_at.field("id")),
                    format!("id `{id}` is already taken"),
                    Some("every source and thing needs its own id".into()),
                );
            }
            if !self.level.palette.things.contains(&thing.kind()) {
                let allowed: Vec<&str> = self
                    .level
                    .palette
                    .things
                    .iter()
                    .map(|k| k.label())
                    .collect();
                self.r.error(
                    Code::NotOffered,
                    Spot::At(t_at.field("id")),
                    format!(
                        "this level does not offer {} (`{id}`)",
                        thing.kind().label()
                    ),
                    Some(format!("the palette holds: {}", allowed.join(", "))),
                );
            }
            check_thing(self.catalogue, self.level, thing, t_at, self.r);
        }
        let mut links = self.level.preplaced_links.clone();
        links.extend(self.solution.links.iter().cloned());
        let mut places = Places::new();
        places
            .things(&self.solution.things, Path::of("things"), false)
            .things(&self.level.preplaced, Path::of("preplaced"), true)
            .links(
                self.level.preplaced_links.len(),
                Path::of("preplaced_links"),
                true,
            )
            .links(self.solution.links.len(), Path::of("links"), false);
        let before = self.r.count();
        let first = self.level.preplaced_links.len();
        check_links(
            &self.solution.links,
            first,
            &places,
            &sources,
            &things,
            self.r,
        );
        if self.r.count() == before {
            check_reach(self.level, &links, &places, &sources, &things, self.r);
        }
        for thing in things.values() {
            if let Thing::ContainerService(c) = thing
                && let Capacity::Ec2(host) = &c.capacity
                && !matches!(
                    things.get(host.as_str()),
                    Some(Thing::Instance { .. } | Thing::AutoScalingGroup(_))
                )
            {
                let hint = self
                    .r
                    .listing()
                    .then(|| {
                        hint_names(
                            host,
                            things
                                .iter()
                                .filter(|(_, t)| {
                                    matches!(t, Thing::Instance { .. } | Thing::AutoScalingGroup(_))
                                })
                                .map(|(k, _)| *k),
                            "instances and groups",
                        )
                    })
                    .flatten();
                self.r.error(Code::UnknownName, places.thing_field(&c.id, "capacity"), format!("service `{}` runs on `{host}`, which is not an instance or Auto Scaling group", c.id), hint);
            }
        }
        self.commitments();
        self.actions(&things);
        for (ei, e) in self.level.events.iter().enumerate() {
            // Only a named thing can be missing or of the wrong kind; `*` and
            // a workload's tier are whatever the design makes them.
            let Some(Target::Thing(thing)) = e.what.target() else {
                continue;
            };
            match things.get(thing) {
                None => self.r.warn(
                    Code::MissingThing,
                    Spot::InLevel(Path::of("events").index(ei).field("what").field("thing")),
                    format!(
                        "the level fails `{thing}` at {}, but this solution has no such thing",
                        e.at
                    ),
                    Some(format!(
                        "name a thing `{thing}` to face the failure the level scripts"
                    )),
                ),
                // Only servers fail here: load balancers, queues, topics and functions are managed by AWS.
                Some(t)
                    if !matches!(
                        t,
                        Thing::Instance { .. }
                            | Thing::AutoScalingGroup(_)
                            | Thing::OnPremises { .. }
                            | Thing::ContainerService(_)
                    ) =>
                {
                    self.r.error(
                        Code::WrongKind,
                        places.thing(thing),
                        format!(
                            "the level fails `{thing}` at {}, but a {} has no servers to fail",
                            e.at,
                            t.kind().label()
                        ),
                        Some(
                            "name this thing after one of your servers, groups or services".into(),
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        if things.len() > MAX_THINGS {
            self.r.error(
                Code::Bound(Bound::Things),
                Spot::KeyAt(Path::of("things")),
                format!(
                    "{} things are more than a level can hold ({MAX_THINGS}, MAX_THINGS)",
                    things.len()
                ),
                None,
            );
        }
        self.budget();
    }

    /// The level with this solution must be affordable to run; a level that
    /// is too costly on its own is reported against the level file.
    fn budget(&mut self) {
        if self.r.has_errors() {
            return;
        }
        let alone = budget::estimate(
            self.catalogue,
            self.level,
            &self.level.preplaced.iter().collect::<Vec<_>>(),
            &self.level.preplaced_links,
            &[],
            MAX_STREAMS + 1,
        );
        if !cost_problems(&alone).is_empty() {
            return;
        }
        let things: Vec<&Thing> = self
            .level
            .preplaced
            .iter()
            .chain(&self.solution.things)
            .collect();
        let mut links = self.level.preplaced_links.clone();
        links.extend(self.solution.links.iter().cloned());
        let cost = budget::estimate(
            self.catalogue,
            self.level,
            &things,
            &links,
            &self.solution.actions,
            MAX_STREAMS + 1,
        );
        check_cost(&cost, false, self.r);
    }

    fn commitments(&mut self) {
        for (ci, c) in self.solution.commitments.iter().enumerate() {
            let c_at = Path::of("commitments").index(ci);
            let kind = match c {
                Commitment::Reserved { .. } => CommitmentKind::Reserved,
                Commitment::SavingsPlan { .. } => CommitmentKind::SavingsPlan,
            };
            if !self.level.palette.offers_commitment(kind) {
                self.r.error(
                    Code::NotOffered,
                    Spot::At(c_at),
                    format!("this level does not offer {kind:?} commitments"),
                    None,
                );
                continue;
            }
            match c {
                Commitment::Reserved {
                    instance_type,
                    count,
                    ..
                } => {
                    let spot = Spot::At(c_at.field("type"));
                    check_instance_type(self.catalogue, self.level, instance_type, spot, self.r);
                    if *count == 0 {
                        self.r.warn(
                            Code::DoesNothing,
                            Spot::KeyAt(c_at.field("count")),
                            "a reservation of zero instances does nothing",
                            None,
                        );
                    }
                }
                Commitment::SavingsPlan { usd_per_hour, .. } => {
                    if !(*usd_per_hour > 0.0 && usd_per_hour.is_finite()) {
                        self.r.error(
                            Code::OutOfRange,
                            Spot::KeyAt(c_at.field("usd_per_hour")),
                            "a savings plan commits to more than $0 an hour",
                            None,
                        );
                    }
                }
            }
        }
    }

    fn actions(&mut self, things: &BTreeMap<&str, &Thing>) {
        for (ai, timed) in self.solution.actions.iter().enumerate() {
            let a_at = Path::of("actions").index(ai);
            let id = timed.action.thing();
            let spot = Spot::At(a_at.field("do").field("thing"));
            if timed.at.secs() > self.level.duration.secs() {
                self.r.warn(
                    Code::AfterEnd,
                    spot,
                    format!(
                        "an action at {} comes after the level ends ({})",
                        timed.at, self.level.duration
                    ),
                    None,
                );
            }
            let Some(thing) = things.get(id) else {
                let hint = self
                    .r
                    .listing()
                    .then(|| hint_names(id, things.keys().copied(), "things"))
                    .flatten();
                self.r.error(
                    Code::UnknownName,
                    spot,
                    format!("action on unknown thing `{id}`"),
                    hint,
                );
                continue;
            };
            let preplaced = self.level.preplaced.iter().any(|t| t.id() == id);
            if preplaced && !self.level.unlocked.iter().any(|u| u == id) {
                self.r.error(
                    Code::Locked,
                    spot,
                    format!("`{id}` is pre-placed by the level and locked: timed actions cannot change it"),
                    Some("a level lets a solution change a pre-placed thing by listing it in `unlocked`".into()),
                );
                continue;
            }
            let wanted = match &timed.action {
                Action::SetDesired { .. } | Action::SetLimits { .. } => ThingKind::AutoScalingGroup,
                Action::Resize { .. } => ThingKind::Instance,
                Action::OrderServers { .. } => ThingKind::OnPremises,
            };
            // Services of container tasks scale like groups of instances.
            let scales_like_group = wanted == ThingKind::AutoScalingGroup
                && thing.kind() == ThingKind::ContainerService;
            if thing.kind() != wanted && !scales_like_group {
                self.r.error(
                    Code::WrongKind,
                    spot,
                    format!(
                        "`{id}` is a {}, but this action needs a {}",
                        thing.kind().label(),
                        wanted.label()
                    ),
                    None,
                );
                continue;
            }
            match &timed.action {
                Action::SetLimits { max, .. } | Action::SetDesired { desired: max, .. }
                    if *max > MAX_GROUP_SIZE =>
                {
                    self.r.error(
                        Code::Bound(Bound::GroupSize),
                        spot,
                        format!("`{id}` can hold at most {MAX_GROUP_SIZE} (MAX_GROUP_SIZE)"),
                        None,
                    );
                }
                Action::OrderServers { count, .. } if *count > MAX_GROUP_SIZE => {
                    self.r.error(Code::Bound(Bound::GroupSize),
                        spot,
                        format!(
                            "an order of {count} servers is more than a level can hold ({MAX_GROUP_SIZE}, MAX_GROUP_SIZE)"
                        ),
                        None,
                    );
                }
                Action::SetLimits { min, max, .. } if min > max => {
                    self.r.error(
                        Code::OutOfRange,
                        spot,
                        format!("new limits for `{id}` have min {min} above max {max}"),
                        None,
                    );
                }
                Action::Resize { instance_type, .. } => {
                    let spot = Spot::At(a_at.field("do").field("type"));
                    if resized_from(thing, &self.solution.actions, ai) == Some(instance_type) {
                        self.r.error(
                            Code::NoChange,
                            spot,
                            format!("`{id}` already runs as {instance_type} at {}: a resize to the same type changes nothing", timed.at),
                            Some("name another instance type, or leave the action out".into()),
                        );
                        continue;
                    }
                    check_instance_type(self.catalogue, self.level, instance_type, spot, self.r);
                }
                _ => {}
            }
        }
    }
}

/// The type an instance runs as just before a resize: its own type, or the
/// type of the latest earlier resize (at the same time, the one listed first).
fn resized_from<'a>(
    thing: &'a Thing,
    actions: &'a [TimedAction],
    this: usize,
) -> Option<&'a String> {
    let Thing::Instance { instance_type, .. } = thing else {
        return None;
    };
    let when = |i: usize| (actions[i].at.secs(), i);
    let latest = actions
        .iter()
        .enumerate()
        .filter(|&(i, a)| a.action.thing() == thing.id() && when(i) < when(this))
        .filter_map(|(i, a)| match &a.action {
            Action::Resize { instance_type, .. } => Some((when(i), instance_type)),
            _ => None,
        })
        .max_by(|x, y| x.0.0.total_cmp(&y.0.0).then(x.0.1.cmp(&y.0.1)));
    Some(latest.map_or(instance_type, |(_, t)| t))
}
