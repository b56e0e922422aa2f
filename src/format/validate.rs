//! Meaning checks, run after parsing: every problem is reported, not just the first.

use std::collections::{BTreeMap, BTreeSet};

use super::catalogue::{Catalogue, Family};
use super::level::{Condition, EventKind, Level, Mode, Shape};
use super::locate::{Reporter, Spot};
use super::problem::{Problem, SourceFile, did_you_mean};
use super::solution::{
    Action, AutoScalingGroup, Capacity, Commitment, Metric, Policy, Purchase, Scheme, Solution,
    Thing, ThingKind,
};

/// The most ticks one level may run, so a typo cannot hang headless scoring.
pub const MAX_TICKS: f64 = 5_000_000.0;
/// The most instances an Auto Scaling group may hold.
pub const MAX_GROUP_SIZE: u32 = 1000;
/// The longest tick: a day (a year of capacity planning runs hourly).
pub const MAX_TICK_S: f64 = 86_400.0;
/// The highest rate a source may reach, requests per second, shapes included.
pub const MAX_RPS: f64 = 1e8;
/// The most things a level and solution may place together.
pub const MAX_THINGS: usize = 500;

/// Checks a level's meaning against the catalogue.
pub fn check_level(catalogue: &Catalogue, level: &Level, file: &SourceFile) -> Vec<Problem> {
    let mut r = Reporter::new(file);
    LevelChecks {
        catalogue,
        level,
        r: &mut r,
    }
    .run();
    r.problems
}

/// Checks a solution's meaning against its level and the catalogue.
pub fn check_solution(
    catalogue: &Catalogue,
    level: &Level,
    solution: &Solution,
    file: &SourceFile,
) -> Vec<Problem> {
    let mut r = Reporter::new(file);
    SolutionChecks {
        catalogue,
        level,
        solution,
        r: &mut r,
    }
    .run();
    r.problems
}

struct LevelChecks<'a, 'f> {
    catalogue: &'a Catalogue,
    level: &'a Level,
    r: &'a mut Reporter<'f>,
}

impl LevelChecks<'_, '_> {
    fn run(&mut self) {
        let level = self.level;
        if level.id.trim().is_empty() {
            self.r.error(
                Spot::Field("id"),
                "the level id is empty",
                Some("use the folder name, e.g. \"01-on-prem-dilemma\"".into()),
            );
        }
        let tick = level.tick.secs();
        if tick > MAX_TICK_S {
            self.r.error(
                Spot::Field("tick"),
                format!("a tick of {} is longer than a day", level.tick),
                Some("use \"1h\" for long levels".into()),
            );
        }
        if tick <= 0.0 {
            self.r.error(
                Spot::Field("tick"),
                "the tick must be longer than zero",
                Some("1s suits most levels; 1h suits a year of capacity planning".into()),
            );
        } else if level.duration.secs() < tick {
            self.r.error(
                Spot::Field("duration"),
                format!(
                    "the level lasts {} but one tick is {}",
                    level.duration, level.tick
                ),
                Some("the duration must hold at least one tick".into()),
            );
        } else if level.duration.secs() / tick > MAX_TICKS {
            self.r.error(
                Spot::Field("duration"),
                format!(
                    "{} of {} ticks is over {MAX_TICKS} ticks",
                    level.duration, level.tick
                ),
                Some("use a longer tick for long levels".into()),
            );
        }
        if level.title.en.trim().is_empty() {
            self.r
                .warn(Spot::Field("title"), "the level has no English title", None);
        }
        self.workloads();
        self.calls();
        self.sources();
        self.palette();
        self.preplaced();
        self.events();
        self.goals();
        self.steps();
    }

    fn workloads(&mut self) {
        let mut ids = BTreeSet::new();
        if self.level.workloads.is_empty() {
            self.r.error(Spot::Field("workloads"), "the level declares no workload", Some("add Workload(id: \"web\", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: \"500ms\"...))".into()));
        }
        for w in &self.level.workloads {
            let at = Spot::FieldAfter {
                anchor: &w.id,
                field: "work_ms",
            };
            if !ids.insert(w.id.as_str()) {
                self.r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: &w.id,
                    },
                    format!("workload id `{}` is used twice", w.id),
                    None,
                );
            }
            if !(w.work_ms > 0.0 && w.work_ms.is_finite()) {
                self.r.error(
                    at,
                    format!("workload `{}` needs work_ms above zero", w.id),
                    None,
                );
            }
            if !(w.memory_mib > 0.0 && w.memory_mib.is_finite()) {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &w.id,
                        field: "memory_mib",
                    },
                    format!("workload `{}` needs memory_mib above zero", w.id),
                    None,
                );
            }
            if !(w.response_kib >= 0.0 && w.response_kib.is_finite()) {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &w.id,
                        field: "response_kib",
                    },
                    "response size cannot be negative",
                    None,
                );
            }
            if w.mode.deadline_s() <= 0.0 {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &w.id,
                        field: "deadline",
                    },
                    format!("workload `{}` needs a deadline above zero", w.id),
                    None,
                );
            }
            if let Mode::Sync { deadline, timeout } = w.mode
                && timeout.secs() < deadline.secs()
            {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &w.id,
                        field: "timeout",
                    },
                    format!(
                        "workload `{}` gives up ({timeout}) before its deadline ({deadline})",
                        w.id
                    ),
                    Some("a caller waits at least until the deadline".into()),
                );
            }
        }
    }

    fn calls(&mut self) {
        let ids: Vec<&str> = self.level.workloads.iter().map(|w| w.id.as_str()).collect();
        for w in &self.level.workloads {
            for call in &w.calls {
                let spot = Spot::Value {
                    field: Some("workload"),
                    value: &call.workload,
                };
                if !ids.contains(&call.workload.as_str()) {
                    self.r.error(
                        spot,
                        format!(
                            "workload `{}` calls unknown workload `{}`",
                            w.id, call.workload
                        ),
                        hint_names(&call.workload, ids.iter().copied(), "workloads"),
                    );
                }
                if !(call.per_request > 0.0 && call.per_request <= 1000.0) {
                    self.r.error(
                        Spot::FieldAfter {
                            anchor: &call.workload,
                            field: "per_request",
                        },
                        "a call makes between 0 and 1000 requests per request",
                        None,
                    );
                }
            }
        }
        // Calls must not loop: nothing may call, however indirectly, back to itself.
        for start in &self.level.workloads {
            let mut frontier: Vec<&str> = start.calls.iter().map(|c| c.workload.as_str()).collect();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            while let Some(id) = frontier.pop() {
                if id == start.id {
                    self.r.error(
                        Spot::Value {
                            field: Some("id"),
                            value: &start.id,
                        },
                        format!("workload `{}` ends up calling itself", start.id),
                        Some("calls must flow one way, from front tiers to back tiers".into()),
                    );
                    break;
                }
                if seen.insert(id)
                    && let Some(w) = self.level.workloads.iter().find(|w| w.id == id)
                {
                    frontier.extend(w.calls.iter().map(|c| c.workload.as_str()));
                }
            }
        }
    }

    fn sources(&mut self) {
        let workloads: Vec<&str> = self.level.workloads.iter().map(|w| w.id.as_str()).collect();
        let mut ids = BTreeSet::new();
        if self.level.sources.is_empty() {
            self.r.error(
                Spot::Field("sources"),
                "the level has no traffic source",
                None,
            );
        }
        for s in &self.level.sources {
            if !ids.insert(s.id.as_str()) {
                self.r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: &s.id,
                    },
                    format!("source id `{}` is used twice", s.id),
                    None,
                );
            }
            if !workloads.contains(&s.workload.as_str()) {
                let hint = hint_names(&s.workload, workloads.iter().copied(), "workloads");
                self.r.error(
                    Spot::Value {
                        field: Some("workload"),
                        value: &s.workload,
                    },
                    format!("source `{}` sends unknown workload `{}`", s.id, s.workload),
                    hint,
                );
            }
            if !(s.base_rps >= 0.0 && s.base_rps.is_finite()) {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &s.id,
                        field: "base_rps",
                    },
                    format!(
                        "source `{}` has a negative or infinite rate ({})",
                        s.id, s.base_rps
                    ),
                    Some("rates are requests per second, zero or more".into()),
                );
            }
            let peak = self.peak_rps(s);
            if peak > MAX_RPS {
                self.r.error(Spot::FieldAfter { anchor: &s.id, field: "base_rps" }, format!("source `{}` could reach {peak:.3e} requests per second, over the {MAX_RPS:e} a level allows", s.id), Some("lower the base rate or the shapes' multipliers".into()));
            } else if s.base_rps == 0.0 {
                self.r.warn(
                    Spot::FieldAfter {
                        anchor: &s.id,
                        field: "base_rps",
                    },
                    format!("source `{}` never sends anything", s.id),
                    None,
                );
            }
            if !(0.0..=1.0).contains(&s.noise) {
                self.r.error(
                    Spot::FieldAfter {
                        anchor: &s.id,
                        field: "noise",
                    },
                    format!("noise {} is outside 0.0..=1.0", s.noise),
                    Some("noise is a relative standard deviation: 0.05 is 5%".into()),
                );
            }
            for shape in &s.shapes {
                self.shape(&s.id, shape);
            }
        }
    }

    /// An upper bound on a source's rate: every shape at its highest at once.
    fn peak_rps(&self, source: &crate::format::level::Source) -> f64 {
        let days = self.level.duration.secs() / 86_400.0;
        let spikes = self.level.events.iter().filter_map(|e| match &e.what {
            EventKind::TrafficSpike {
                source: s,
                multiplier,
                ..
            } if *s == source.id => Some(multiplier.max(1.0)),
            _ => None,
        });
        let shapes = source.shapes.iter().map(|shape| match *shape {
            Shape::Daily { low, high, .. } => low.max(high),
            Shape::Weekly { weekend } => weekend.max(1.0),
            Shape::Rush { multiplier, .. }
            | Shape::Seasonal { multiplier, .. }
            | Shape::Spike { multiplier, .. }
            | Shape::FlashCrowd { multiplier, .. } => multiplier.max(1.0),
            Shape::Growth { percent_per_day } => {
                (1.0 + percent_per_day / 100.0).max(1.0).powf(days)
            }
        });
        let noise = 1.0 + 6.0 * source.noise;
        shapes
            .chain(spikes)
            .fold(source.base_rps * noise, |peak, m| peak * m)
    }

    fn shape(&mut self, source: &str, shape: &Shape) {
        let bad = |m: f64| !(m >= 0.0 && m.is_finite());
        let (field, message) = match *shape {
            Shape::Daily { low, high, .. } if bad(low) || bad(high) || low > high => {
                ("low", "a daily cycle needs 0 <= low <= high")
            }
            Shape::Rush {
                multiplier, width, ..
            } if bad(multiplier) || width.secs() <= 0.0 => (
                "multiplier",
                "a rush needs a multiplier of zero or more and a width above zero",
            ),
            Shape::Weekly { weekend } if bad(weekend) => {
                ("weekend", "the weekend multiplier cannot be negative")
            }
            Shape::Seasonal {
                multiplier, width, ..
            } if bad(multiplier) || width.secs() <= 0.0 => (
                "multiplier",
                "a season needs a multiplier of zero or more and a width above zero",
            ),
            Shape::Spike { multiplier, .. } if bad(multiplier) => {
                ("multiplier", "a spike's multiplier cannot be negative")
            }
            Shape::FlashCrowd {
                multiplier, decay, ..
            } if bad(multiplier) || decay.secs() <= 0.0 => (
                "multiplier",
                "a flash crowd needs a multiplier of zero or more and a decay above zero",
            ),
            Shape::Growth { percent_per_day }
                if percent_per_day <= -100.0 || !percent_per_day.is_finite() =>
            {
                ("percent_per_day", "growth must be above -100% a day")
            }
            _ => return,
        };
        self.r.error(
            Spot::FieldAfter {
                anchor: source,
                field,
            },
            format!("source `{source}`: {message}"),
            None,
        );
    }

    fn palette(&mut self) {
        let palette = &self.level.palette;
        if palette.things.is_empty() {
            self.r.warn(
                Spot::Field("palette"),
                "the palette is empty: the player can place nothing",
                None,
            );
        }
        for name in &palette.instance_types {
            if self.catalogue.instance_type(name).is_none() {
                let hint = hint_names(
                    name,
                    self.catalogue
                        .instance_types
                        .iter()
                        .map(|t| t.name.as_str()),
                    "instance types",
                );
                self.r.error(
                    Spot::Value {
                        field: None,
                        value: name,
                    },
                    format!("instance type `{name}` is not in the catalogue"),
                    hint,
                );
            }
        }
        for name in &palette.server_models {
            if self.catalogue.server_model(name).is_none() {
                let hint = hint_names(
                    name,
                    self.catalogue
                        .on_prem_servers
                        .iter()
                        .map(|m| m.name.as_str()),
                    "server models",
                );
                self.r.error(
                    Spot::Value {
                        field: None,
                        value: name,
                    },
                    format!("server model `{name}` is not in the catalogue"),
                    hint,
                );
            }
        }
    }

    fn preplaced(&mut self) {
        let sources: BTreeSet<&str> = self.level.sources.iter().map(|s| s.id.as_str()).collect();
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for thing in &self.level.preplaced {
            if sources.contains(thing.id()) || !ids.insert(thing.id()) {
                self.r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: thing.id(),
                    },
                    format!("id `{}` is used twice", thing.id()),
                    None,
                );
            }
            check_thing(self.catalogue, self.level, thing, self.r);
        }
        let things: BTreeMap<&str, &Thing> =
            self.level.preplaced.iter().map(|t| (t.id(), t)).collect();
        check_links(&self.level.preplaced_links, &sources, &things, self.r);
    }

    fn events(&mut self) {
        let sources: Vec<&str> = self.level.sources.iter().map(|s| s.id.as_str()).collect();
        for (i, e) in self.level.events.iter().enumerate() {
            if e.at.secs() > self.level.duration.secs() {
                self.r.warn(
                    Spot::Nth("Event(", i),
                    format!(
                        "an event at {} comes after the level ends ({})",
                        e.at, self.level.duration
                    ),
                    None,
                );
            }
            match &e.what {
                EventKind::InstanceFailure { count, .. } if *count == 0 => {
                    self.r.warn(
                        Spot::Nth("Event(", i),
                        "an instance failure of zero instances does nothing",
                        None,
                    );
                }
                EventKind::TrafficSpike {
                    source, multiplier, ..
                } => {
                    if !sources.contains(&source.as_str()) {
                        let hint = hint_names(source, sources.iter().copied(), "sources");
                        self.r.error(
                            Spot::Value {
                                field: Some("source"),
                                value: source,
                            },
                            format!("spike on unknown source `{source}`"),
                            hint,
                        );
                    }
                    if !(*multiplier >= 0.0 && multiplier.is_finite()) {
                        self.r.error(
                            Spot::Nth("Event(", i),
                            "a spike's multiplier cannot be negative",
                            None,
                        );
                    }
                }
                EventKind::Outage { lasts, .. } if lasts.secs() <= 0.0 => {
                    self.r.error(
                        Spot::Nth("Event(", i),
                        "an outage must last longer than zero",
                        None,
                    );
                }
                EventKind::SpotReclaim { count, .. } if *count == 0 => {
                    self.r.warn(
                        Spot::Nth("Event(", i),
                        "a reclaim of zero instances does nothing",
                        None,
                    );
                }
                EventKind::PriceChange { multiplier, .. }
                    if !(*multiplier > 0.0 && multiplier.is_finite()) =>
                {
                    self.r.error(
                        Spot::Nth("Event(", i),
                        "a price multiplier must be above zero",
                        Some("1.0 keeps the catalogue price; 2.0 doubles it".into()),
                    );
                }
                EventKind::InstanceFailure { .. }
                | EventKind::Outage { .. }
                | EventKind::SpotReclaim { .. }
                | EventKind::PriceChange { .. } => {}
            }
        }
    }

    fn goals(&mut self) {
        let g = &self.level.goals;
        if !(g.availability_pct > 0.0 && g.availability_pct <= 100.0) {
            self.r.error(
                Spot::Field("availability_pct"),
                format!(
                    "availability goal {} is outside (0, 100]",
                    g.availability_pct
                ),
                None,
            );
        }
        if let Some(p99) = g.p99_ms
            && !(p99 > 0.0 && p99.is_finite())
        {
            self.r.error(
                Spot::Field("p99_ms"),
                "the p99 latency goal must be above zero",
                None,
            );
        }
        let s = g.stars;
        if !(s.three > 0.0 && s.three <= s.two && s.two <= s.one) {
            self.r.error(
                Spot::Field("stars"),
                format!(
                    "star budgets must satisfy 0 < three <= two <= one (got {} / {} / {})",
                    s.three, s.two, s.one
                ),
                Some("three stars is the cheapest band".into()),
            );
        }
    }

    fn steps(&mut self) {
        for (i, step) in self.level.steps.iter().enumerate() {
            if step.text.en.trim().is_empty() || step.text.ko.trim().is_empty() {
                self.r.warn(
                    Spot::Nth("Step(", i),
                    "a guided step lacks English or Korean text",
                    None,
                );
            }
            match &step.done_when {
                Condition::AvailabilityAtLeast(p) if !(0.0..=100.0).contains(p) => {
                    self.r.error(
                        Spot::Nth("Step(", i),
                        "availability is a percentage between 0 and 100",
                        None,
                    );
                }
                Condition::ClockReached(t) if t.secs() > self.level.duration.secs() => {
                    self.r.error(
                        Spot::Nth("Step(", i),
                        format!(
                            "the step waits for {t} but the level ends at {}",
                            self.level.duration
                        ),
                        None,
                    );
                }
                _ => {}
            }
        }
    }
}

struct SolutionChecks<'a, 'f> {
    catalogue: &'a Catalogue,
    level: &'a Level,
    solution: &'a Solution,
    r: &'a mut Reporter<'f>,
}

impl SolutionChecks<'_, '_> {
    fn run(&mut self) {
        if self.solution.level != self.level.id {
            self.r.error(
                Spot::Value {
                    field: Some("level"),
                    value: &self.solution.level,
                },
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
        for thing in &self.solution.things {
            let id = thing.id();
            if id.trim().is_empty() {
                self.r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    "a thing has an empty id",
                    None,
                );
            }
            if sources.contains(id) || things.insert(id, thing).is_some() {
                self.r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
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
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!(
                        "this level does not offer {} (`{id}`)",
                        thing.kind().label()
                    ),
                    Some(format!("the palette holds: {}", allowed.join(", "))),
                );
            }
            check_thing(self.catalogue, self.level, thing, self.r);
        }
        let mut links = self.level.preplaced_links.clone();
        links.extend(self.solution.links.iter().cloned());
        let before = self.r.problems.len();
        check_links(&self.solution.links, &sources, &things, self.r);
        if self.r.problems.len() == before {
            check_reach(self.level, &links, &sources, &things, self.r);
        }
        for thing in things.values() {
            if let Thing::ContainerService(c) = thing
                && let Capacity::Ec2(host) = &c.capacity
                && !matches!(
                    things.get(host.as_str()),
                    Some(Thing::Instance { .. } | Thing::AutoScalingGroup(_))
                )
            {
                let hint = hint_names(
                    host,
                    things
                        .iter()
                        .filter(|(_, t)| {
                            matches!(t, Thing::Instance { .. } | Thing::AutoScalingGroup(_))
                        })
                        .map(|(k, _)| *k),
                    "instances and groups",
                );
                self.r.error(Spot::Value { field: None, value: host }, format!("service `{}` runs on `{host}`, which is not an instance or Auto Scaling group", c.id), hint);
            }
        }
        self.commitments();
        self.actions(&things);
        for e in &self.level.events {
            let (EventKind::InstanceFailure { thing, .. }
            | EventKind::Outage { thing, .. }
            | EventKind::SpotReclaim { thing, .. }) = &e.what
            else {
                continue;
            };
            if thing == "*" {
                continue;
            }
            match things.get(thing.as_str()) {
                None => self.r.warn(
                    Spot::Top,
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
                        Spot::Value {
                            field: Some("id"),
                            value: thing,
                        },
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
                Spot::Field("things"),
                format!(
                    "{} things are more than a level can hold ({MAX_THINGS})",
                    things.len()
                ),
                None,
            );
        }
    }

    fn commitments(&mut self) {
        for c in &self.solution.commitments {
            match c {
                Commitment::Reserved {
                    instance_type,
                    count,
                    ..
                } => {
                    check_instance_type(self.catalogue, self.level, instance_type, self.r);
                    if *count == 0 {
                        self.r.warn(
                            Spot::Value {
                                field: Some("type"),
                                value: instance_type,
                            },
                            "a reservation of zero instances does nothing",
                            None,
                        );
                    }
                }
                Commitment::SavingsPlan { usd_per_hour, .. } => {
                    if !(*usd_per_hour > 0.0 && usd_per_hour.is_finite()) {
                        self.r.error(
                            Spot::Field("usd_per_hour"),
                            "a savings plan commits to more than $0 an hour",
                            None,
                        );
                    }
                }
            }
        }
    }

    fn actions(&mut self, things: &BTreeMap<&str, &Thing>) {
        for timed in &self.solution.actions {
            let id = timed.action.thing();
            let spot = Spot::Value {
                field: Some("thing"),
                value: id,
            };
            if timed.at.secs() > self.level.duration.secs() {
                self.r.warn(
                    spot,
                    format!(
                        "an action at {} comes after the level ends ({})",
                        timed.at, self.level.duration
                    ),
                    None,
                );
            }
            let Some(thing) = things.get(id) else {
                let hint = hint_names(id, things.keys().copied(), "things");
                self.r
                    .error(spot, format!("action on unknown thing `{id}`"), hint);
                continue;
            };
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
                        spot,
                        format!("`{id}` can hold at most {MAX_GROUP_SIZE}"),
                        None,
                    );
                }
                Action::OrderServers { count, .. } if *count > 10_000 => {
                    self.r.error(
                        spot,
                        format!(
                            "an order of {count} servers is more than a level can hold (10000)"
                        ),
                        None,
                    );
                }
                Action::SetLimits { min, max, .. } if min > max => {
                    self.r.error(
                        spot,
                        format!("new limits for `{id}` have min {min} above max {max}"),
                        None,
                    );
                }
                Action::Resize { instance_type, .. } => {
                    check_instance_type(self.catalogue, self.level, instance_type, self.r);
                }
                _ => {}
            }
        }
    }
}

fn hint_names<'a>(
    word: &str,
    names: impl IntoIterator<Item = &'a str> + Clone,
    what: &str,
) -> Option<String> {
    if let Some(close) = did_you_mean(word, names.clone()) {
        return Some(format!("did you mean `{close}`?"));
    }
    let list: Vec<&str> = names.into_iter().take(12).collect();
    (!list.is_empty()).then(|| format!("known {what}: {}", list.join(", ")))
}

fn check_instance_type(
    catalogue: &Catalogue,
    level: &Level,
    name: &str,
    r: &mut Reporter<'_>,
) -> Option<Family> {
    let spot = Spot::Value {
        field: Some("type"),
        value: name,
    };
    let Some((_, t)) = catalogue.instance_type(name) else {
        let allowed = &level.palette.instance_types;
        let hint = if allowed.is_empty() {
            hint_names(
                name,
                catalogue.instance_types.iter().map(|t| t.name.as_str()),
                "instance types",
            )
        } else {
            hint_names(
                name,
                allowed.iter().map(String::as_str),
                "instance types in this level",
            )
        };
        r.error(spot, format!("unknown instance type `{name}`"), hint);
        return None;
    };
    let allowed = &level.palette.instance_types;
    if !allowed.is_empty() && !allowed.iter().any(|a| a == name) {
        r.error(
            spot,
            format!("this level does not allow `{name}`"),
            Some(format!("allowed: {}", allowed.join(", "))),
        );
    }
    Some(t.family)
}

fn check_thing(catalogue: &Catalogue, level: &Level, thing: &Thing, r: &mut Reporter<'_>) {
    match thing {
        Thing::OnPremises { id, model, servers } => {
            match catalogue.server_model(model) {
                None => {
                    let hint = hint_names(
                        model,
                        catalogue.on_prem_servers.iter().map(|m| m.name.as_str()),
                        "server models",
                    );
                    r.error(
                        Spot::Value {
                            field: Some("model"),
                            value: model,
                        },
                        format!("unknown server model `{model}`"),
                        hint,
                    );
                }
                Some(_) => {
                    let allowed = &level.palette.server_models;
                    if !allowed.is_empty() && !allowed.contains(model) {
                        r.error(
                            Spot::Value {
                                field: Some("model"),
                                value: model,
                            },
                            format!("this level does not allow `{model}`"),
                            Some(format!("allowed: {}", allowed.join(", "))),
                        );
                    }
                }
            }
            if *servers > 10_000 {
                r.error(
                    Spot::FieldAfter {
                        anchor: id,
                        field: "servers",
                    },
                    format!("{servers} servers is more than a level can hold (10000)"),
                    None,
                );
            }
        }
        Thing::Instance {
            instance_type,
            purchase,
            ..
        } => {
            let family = check_instance_type(catalogue, level, instance_type, r);
            check_purchase(catalogue, family, *purchase, instance_type, r);
        }
        Thing::AutoScalingGroup(g) => check_group(catalogue, level, g, r),
        Thing::Topic { .. } => {}
        Thing::ContainerService(c) => {
            let cat = &catalogue.containers;
            let at = |field| Spot::FieldAfter {
                anchor: &c.id,
                field,
            };
            if !(cat.min_task_vcpu..=cat.max_task_vcpu).contains(&c.task_vcpu) {
                r.error(
                    at("task_vcpu"),
                    format!(
                        "a task has {} to {} vCPU",
                        cat.min_task_vcpu, cat.max_task_vcpu
                    ),
                    None,
                );
            }
            if !(cat.min_task_memory_gib..=cat.max_task_memory_gib).contains(&c.task_memory_gib) {
                r.error(
                    at("task_memory_gib"),
                    format!(
                        "a task has {} to {} GiB of memory",
                        cat.min_task_memory_gib, cat.max_task_memory_gib
                    ),
                    None,
                );
            }
            if c.min > c.max {
                r.error(
                    at("min"),
                    format!("service `{}` has min {} above max {}", c.id, c.min, c.max),
                    Some("min <= desired <= max".into()),
                );
            } else if c.desired < c.min || c.desired > c.max {
                r.error(
                    at("desired"),
                    format!(
                        "service `{}` wants {} tasks, outside min {} and max {}",
                        c.id, c.desired, c.min, c.max
                    ),
                    None,
                );
            }
            if c.max > MAX_GROUP_SIZE {
                r.error(at("max"), format!("service `{}` may grow to {} tasks, over the {MAX_GROUP_SIZE} a level allows", c.id, c.max), None);
            }
            if c.policies
                .iter()
                .any(|p| matches!(p, Policy::Predictive { .. }))
            {
                r.error(at("policies"), "service auto scaling has no predictive policy here; use target tracking or steps", None);
            }
        }
        Thing::Function(f) => {
            let cat = &catalogue.lambda;
            if !(cat.min_memory_mb..=cat.max_memory_mb).contains(&f.memory_mb) {
                r.error(
                    Spot::FieldAfter {
                        anchor: &f.id,
                        field: "memory_mb",
                    },
                    format!(
                        "Lambda memory runs from {} to {} MB",
                        cat.min_memory_mb, cat.max_memory_mb
                    ),
                    None,
                );
            }
            if f.reserved_concurrency
                .is_some_and(|c| c == 0 || c > cat.account_concurrency)
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &f.id,
                        field: "reserved_concurrency",
                    },
                    format!(
                        "reserved concurrency runs from 1 to the account's {}",
                        cat.account_concurrency
                    ),
                    None,
                );
            }
            if f.timeout
                .is_some_and(|t| t.secs() > cat.max_timeout_s || t.secs() <= 0.0)
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &f.id,
                        field: "timeout",
                    },
                    "a Lambda function runs for at most 15 minutes",
                    Some(
                        "work longer than that belongs on an instance, a container or a batch job"
                            .into(),
                    ),
                );
            }
        }
        Thing::Queue(q) => {
            let cat = &catalogue.queue;
            if q.visibility_timeout
                .is_some_and(|v| v.secs() > cat.max_visibility_timeout_s)
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &q.id,
                        field: "visibility_timeout",
                    },
                    "the visibility timeout runs from 0s to 12h",
                    None,
                );
            }
            if q.retention
                .is_some_and(|v| v.secs() < cat.min_retention_s || v.secs() > cat.max_retention_s)
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &q.id,
                        field: "retention",
                    },
                    "retention runs from 60s to 14d",
                    None,
                );
            }
            if q.dead_letter_after
                .is_some_and(|n| !(1..=1000).contains(&n))
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &q.id,
                        field: "dead_letter_after",
                    },
                    "a dead-letter queue takes messages after 1 to 1000 receives",
                    None,
                );
            }
        }
        Thing::LoadBalancer(lb) => {
            if lb.healthy_threshold.is_some_and(|n| !(2..=10).contains(&n)) {
                r.error(
                    Spot::FieldAfter {
                        anchor: &lb.id,
                        field: "healthy_threshold",
                    },
                    "healthy threshold runs from 2 to 10 checks",
                    None,
                );
            }
            if lb
                .health_interval
                .is_some_and(|i| !(5.0..=300.0).contains(&i.secs()))
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &lb.id,
                        field: "health_interval",
                    },
                    "health checks run every 5s to 300s",
                    None,
                );
            }
            if let Some(d) = lb.draining
                && d.secs() > 3600.0
            {
                r.error(
                    Spot::FieldAfter {
                        anchor: &lb.id,
                        field: "draining",
                    },
                    format!("draining of {d} is over the 1h that Elastic Load Balancing allows"),
                    None,
                );
            }
        }
    }
}

fn check_purchase(
    catalogue: &Catalogue,
    family: Option<Family>,
    purchase: Purchase,
    type_name: &str,
    r: &mut Reporter<'_>,
) {
    if purchase == Purchase::DedicatedHost
        && let Some(family) = family
        && catalogue.dedicated_host(family).is_none()
    {
        r.error(
            Spot::Value {
                field: Some("type"),
                value: type_name,
            },
            format!(
                "no Dedicated Host is offered for {} instances",
                family.label()
            ),
            None,
        );
    }
}

fn check_group(catalogue: &Catalogue, level: &Level, g: &AutoScalingGroup, r: &mut Reporter<'_>) {
    let family = check_instance_type(catalogue, level, &g.instance_type, r);
    check_purchase(catalogue, family, g.purchase, &g.instance_type, r);
    let at = |field| Spot::FieldAfter {
        anchor: &g.id,
        field,
    };
    if g.min > g.max {
        r.error(
            at("min"),
            format!("group `{}` has min {} above max {}", g.id, g.min, g.max),
            Some("min <= desired <= max".into()),
        );
    } else if g.desired < g.min || g.desired > g.max {
        r.error(
            at("desired"),
            format!(
                "group `{}` wants {} instances, outside min {} and max {}",
                g.id, g.desired, g.min, g.max
            ),
            Some("min <= desired <= max".into()),
        );
    }
    if g.max > MAX_GROUP_SIZE {
        r.error(
            at("max"),
            format!(
                "group `{}` may grow to {}, over the {MAX_GROUP_SIZE} a level allows",
                g.id, g.max
            ),
            None,
        );
    }
    if let Some(w) = g.warmup
        && w.secs() > 3600.0
    {
        r.error(
            at("warmup"),
            "instance warm-up runs from 0 to 3600 seconds",
            None,
        );
    }
    for policy in &g.policies {
        match policy {
            Policy::TargetTracking { metric, target } => {
                let bad = match metric {
                    Metric::Cpu => !(*target > 0.0 && *target <= 100.0),
                    Metric::RequestsPerTarget | Metric::BacklogPerInstance => {
                        !(*target > 0.0 && target.is_finite())
                    }
                };
                if bad {
                    r.error(at("target"), format!("target {target} does not suit {metric:?}"), Some("CPU targets are percentages (e.g. 50.0); request targets are requests per minute per instance".into()));
                }
            }
            Policy::Predictive { target, ahead } => {
                if !(*target > 0.0 && *target <= 100.0) {
                    r.error(
                        at("target"),
                        format!("predictive target {target} is not a CPU percentage"),
                        Some("e.g. Predictive(target: 50.0)".into()),
                    );
                }
                if ahead.is_some_and(|a| a.secs() > 3600.0) {
                    r.error(
                        at("ahead"),
                        "the scheduling buffer runs from 0s to 1h",
                        None,
                    );
                }
                let history = level.history.map_or(0.0, |h| h.secs());
                if history < 86_400.0 {
                    r.error(at("policies"), format!("predictive scaling needs at least a day of traffic history; this level provides {}", level.history.map_or("none".to_string(), |h| h.to_string())), Some("use target tracking here, or give the level `history: \"14d\"`".into()));
                }
            }
            Policy::Step { steps, .. } => {
                if steps.is_empty() {
                    r.error(at("steps"), "a step policy needs at least one step", None);
                }
                for s in steps {
                    if s.above.is_none() && s.below.is_none() {
                        r.error(
                            at("steps"),
                            "a step needs `above` or `below`",
                            Some("e.g. (above: 70.0, change: 2)".into()),
                        );
                    }
                }
            }
        }
    }
    for s in &g.scheduled {
        if let (Some(min), Some(max)) = (s.min, s.max)
            && min > max
        {
            r.error(
                at("scheduled"),
                format!(
                    "a scheduled action of `{}` sets min {min} above max {max}",
                    g.id
                ),
                None,
            );
        }
        if s.max.is_some_and(|m| m > MAX_GROUP_SIZE)
            || s.min.is_some_and(|m| m > MAX_GROUP_SIZE)
            || s.desired.is_some_and(|m| m > MAX_GROUP_SIZE)
        {
            r.error(
                at("scheduled"),
                format!(
                    "a scheduled action of `{}` sets a size over {MAX_GROUP_SIZE}",
                    g.id
                ),
                None,
            );
        }
    }
}

/// What a link from one kind of thing to another means, or why it cannot exist.
pub fn link_rule(origin: Option<&Thing>, target: &Thing) -> Result<(), (String, &'static str)> {
    let label = target.kind().label();
    match (origin, target) {
        // Sources (internet traffic) enter through an internet-facing balancer, a server or a queue.
        (None, Thing::LoadBalancer(lb)) if lb.scheme == Scheme::Internal => Err((
            "internet traffic cannot reach an internal load balancer".into(),
            "use an internet-facing load balancer at the front; internal ones sit between tiers",
        )),
        (None, _) => Ok(()),
        // Load balancers spread over servers.
        (Some(Thing::LoadBalancer(_)), t) if t.serves() => Ok(()),
        (Some(Thing::LoadBalancer(_)), _) => Err((
            format!("a load balancer cannot target a {label}"),
            "point it at instances, groups or servers",
        )),
        // A topic delivers to queues, and to servers or load balancers as HTTP endpoints.
        (Some(Thing::Topic { .. }), t)
            if t.serves() || matches!(t, Thing::Queue(_) | Thing::LoadBalancer(_)) =>
        {
            Ok(())
        }
        (Some(Thing::Topic { .. }), _) => Err((
            format!("a topic cannot deliver to a {label}"),
            "subscribe queues, servers or load balancers to a topic",
        )),
        // A queue is polled by the servers that consume it.
        (Some(Thing::Queue(_)), t) if t.serves() => Ok(()),
        (Some(Thing::Queue(_)), _) => Err((
            format!("a queue cannot deliver to a {label}"),
            "link the queue to the instances or group that consume its messages",
        )),
        // Servers call the next tier: directly, through a load balancer, or through a queue.
        (Some(o), _) if o.serves() => Ok(()),
        (Some(o), _) => Err((
            format!("a {} cannot link to a {label}", o.kind().label()),
            "see the link rules in docs/levels.md",
        )),
    }
}

fn check_links(
    links: &[(String, String)],
    sources: &BTreeSet<&str>,
    things: &BTreeMap<&str, &Thing>,
    r: &mut Reporter<'_>,
) {
    let mut seen = BTreeSet::new();
    let names = || sources.iter().copied().chain(things.keys().copied());
    for (from, to) in links {
        if !seen.insert((from, to)) {
            r.warn(
                Spot::Value {
                    field: None,
                    value: to,
                },
                format!("the link {from} -> {to} is listed twice"),
                None,
            );
        }
        if !sources.contains(from.as_str()) && !things.contains_key(from.as_str()) {
            r.error(
                Spot::Value {
                    field: None,
                    value: from,
                },
                format!("link from unknown `{from}`"),
                hint_names(from, names(), "ids"),
            );
            continue;
        }
        let Some(target) = things.get(to.as_str()) else {
            let hint = if sources.contains(to.as_str()) {
                Some(format!(
                    "`{to}` is a traffic source; links run from sources to things"
                ))
            } else {
                hint_names(to, things.keys().copied(), "things")
            };
            r.error(
                Spot::Value {
                    field: None,
                    value: to,
                },
                format!("link into nothing: `{to}` is not a placed thing"),
                hint,
            );
            continue;
        };
        if from == to {
            r.error(
                Spot::Value {
                    field: None,
                    value: to,
                },
                format!("`{to}` is linked to itself"),
                None,
            );
            continue;
        }
        if let Err((message, hint)) = link_rule(things.get(from.as_str()).copied(), target) {
            r.error(
                Spot::Value {
                    field: None,
                    value: to,
                },
                format!("{from} -> {to}: {message}"),
                Some(hint.into()),
            );
        }
    }
}

/// Whether the links, read as a graph, loop back on themselves.
fn has_cycle(links: &[(String, String)]) -> Option<String> {
    let nodes: BTreeSet<&str> = links
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    // Kahn's algorithm: what cannot be ordered is on a cycle.
    let mut incoming: BTreeMap<&str, usize> = nodes.iter().map(|n| (*n, 0)).collect();
    for (_, to) in links {
        *incoming.entry(to.as_str()).or_insert(0) += 1;
    }
    let mut ready: Vec<&str> = incoming
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(node) = ready.pop() {
        for (from, to) in links {
            if from == node {
                let n = incoming.entry(to.as_str()).or_insert(1);
                *n -= 1;
                if *n == 0 {
                    ready.push(to);
                }
            }
        }
        incoming.remove(node);
    }
    incoming.into_keys().next().map(str::to_string)
}

/// The workloads each serving thing receives, following sources through load
/// balancers, queues and topics, and served requests' calls to the next tier.
fn served_workloads<'a>(
    level: &'a Level,
    links: &'a [(String, String)],
    things: &BTreeMap<&str, &Thing>,
) -> BTreeMap<String, BTreeSet<&'a str>> {
    let mut served: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut work: Vec<(&str, &str)> = level
        .sources
        .iter()
        .flat_map(|s| {
            links
                .iter()
                .filter(move |(f, _)| *f == s.id)
                .map(move |(_, t)| (t.as_str(), s.workload.as_str()))
        })
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((node, workload)) = work.pop() {
        if !seen.insert((node, workload)) {
            continue;
        }
        let Some(thing) = things.get(node) else {
            continue;
        };
        let onward = links
            .iter()
            .filter(|(f, _)| f == node)
            .map(|(_, t)| t.as_str());
        if thing.serves() {
            served.entry(node.to_string()).or_default().insert(workload);
            if let Some(w) = level.workloads.iter().find(|w| w.id == workload) {
                for next in onward {
                    work.extend(w.calls.iter().map(|c| (next, c.workload.as_str())));
                }
            }
        } else {
            work.extend(onward.map(|t| (t, workload)));
        }
    }
    served
}

fn check_reach(
    level: &Level,
    links: &[(String, String)],
    sources: &BTreeSet<&str>,
    things: &BTreeMap<&str, &Thing>,
    r: &mut Reporter<'_>,
) {
    if let Some(on_loop) = has_cycle(links) {
        r.error(
            Spot::Value {
                field: None,
                value: &on_loop,
            },
            format!("the links loop back through `{on_loop}`"),
            Some(
                "requests must flow one way: sources, then tiers, then queues and consumers".into(),
            ),
        );
        return;
    }
    for source in sources {
        let out = links.iter().filter(|(f, _)| f == source).count();
        if out == 0 {
            r.warn(
                Spot::Top,
                format!("traffic from `{source}` goes nowhere: every request will be dropped"),
                Some(format!(
                    "add (\"{source}\", \"<your load balancer or server>\") to links"
                )),
            );
        } else if out > 1 {
            r.error(
                Spot::Value {
                    field: None,
                    value: source,
                },
                format!("source `{source}` is linked to {out} things; it enters through one"),
                Some("put a load balancer in front to spread it".into()),
            );
        }
    }
    let calls_anything = level.workloads.iter().any(|w| !w.calls.is_empty());
    // Instances that host container tasks serve through their tasks.
    let hosts: BTreeSet<&str> = things
        .values()
        .filter_map(|t| match t {
            Thing::ContainerService(c) => match &c.capacity {
                Capacity::Ec2(id) => Some(id.as_str()),
                Capacity::Fargate => None,
            },
            _ => None,
        })
        .collect();
    // A load balancer's targets are one tier: if they called different next
    // tiers, whether a call waits would depend on which target took it.
    for (id, thing) in things {
        if let Thing::LoadBalancer(_) = thing {
            let nexts: BTreeSet<Option<&str>> = links
                .iter()
                .filter(|(f, t)| f == id && things.get(t.as_str()).is_some_and(|t| t.serves()))
                .map(|(_, t)| links.iter().find(|(f, _)| f == t).map(|(_, n)| n.as_str()))
                .collect();
            if nexts.len() > 1 {
                r.error(Spot::Value { field: Some("id"), value: id }, format!("the targets of `{id}` call different next tiers"), Some("targets behind one load balancer should be the same tier, linked to the same next thing".into()));
            }
        }
    }
    // Workloads that make calls, served by a thing with nowhere to send them.
    for (id, workloads) in served_workloads(level, links, things) {
        if links.iter().any(|(f, _)| *f == id) {
            continue;
        }
        for w in level
            .workloads
            .iter()
            .filter(|w| workloads.contains(w.id.as_str()) && !w.calls.is_empty())
        {
            r.warn(Spot::Value { field: Some("id"), value: &id }, format!("`{id}` serves `{}`, which calls `{}`, but `{id}` links to nothing: those calls fail", w.id, w.calls[0].workload), Some(format!("link `{id}` to the next tier, a queue or a topic")));
        }
    }
    for (id, thing) in things {
        let incoming = links.iter().any(|(_, t)| t == id);
        let outgoing = links.iter().filter(|(f, _)| f == id).count();
        match thing {
            Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } if outgoing == 0 => {
                r.warn(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("`{id}` has nothing behind it: what reaches it is dropped"),
                    None,
                );
            }
            Thing::Queue(_) if outgoing > 1 => {
                r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("queue `{id}` has {outgoing} consumers; link it to one group"),
                    Some(
                        "an Auto Scaling group of consumers scales better than several things"
                            .into(),
                    ),
                );
            }
            t if t.serves() && outgoing > 1 => {
                r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("`{id}` calls {outgoing} things; a tier calls one next tier"),
                    Some("put a load balancer or a queue between the tiers".into()),
                );
            }
            t if t.serves() && outgoing == 1 && !calls_anything => {
                r.warn(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("`{id}` links onward, but no workload of this level calls another"),
                    None,
                );
            }
            _ if incoming && hosts.contains(id) => {
                r.error(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("`{id}` hosts container tasks and cannot also take traffic itself"),
                    Some("link the container service instead".into()),
                );
            }
            _ if !incoming && !hosts.contains(id) => {
                r.warn(
                    Spot::Value {
                        field: Some("id"),
                        value: id,
                    },
                    format!("`{id}` receives no traffic but still costs money"),
                    None,
                );
            }
            _ => {}
        }
        if let Thing::AutoScalingGroup(g) = thing
            && g.policies.iter().any(|p| {
                matches!(
                    p,
                    Policy::TargetTracking {
                        metric: Metric::BacklogPerInstance,
                        ..
                    } | Policy::Step {
                        metric: Metric::BacklogPerInstance,
                        ..
                    }
                )
            })
            && !links
                .iter()
                .any(|(f, t)| t == id && matches!(things.get(f.as_str()), Some(Thing::Queue(_))))
        {
            r.error(
                Spot::FieldAfter {
                    anchor: id,
                    field: "policies",
                },
                format!("group `{id}` scales on queue backlog but no queue feeds it"),
                Some(format!("link a queue to it: (\"<queue>\", \"{id}\")")),
            );
        }
    }
}
