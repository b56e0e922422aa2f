//! Meaning checks, run after parsing: every problem is reported, not just the first.

use std::collections::{BTreeMap, BTreeSet};

use super::budget;
use super::catalogue::{Catalogue, Family};
use super::level::{Condition, EventKind, Level, Mode, Shape, Text};
use super::locate::{Reporter, Spot};
use super::problem::{Problem, SourceFile, did_you_mean};
use super::solution::{
    Action, AutoScalingGroup, Capacity, Commitment, Metric, Policy, Purchase, Scheme, Solution,
    Thing, ThingKind,
};

/// The most ticks one level may run: almost two years at one minute, or
/// eleven days at one second. Every tick keeps a record for the charts, so ticks are memory.
pub const MAX_TICKS: f64 = 1_000_000.0;
/// The longest tick: a day (a year of capacity planning runs hourly).
pub const MAX_TICK_S: f64 = 86_400.0;
/// The shortest tick: a millisecond (the simulation's clock resolution).
pub const MIN_TICK_S: f64 = 0.001;
/// The most servers, instances or container tasks one thing may hold: an Auto
/// Scaling group's or service's max, scheduled sizes, `SetLimits` and
/// `SetDesired`, on-premises servers and each `OrderServers`.
pub const MAX_GROUP_SIZE: u32 = 10_000;
/// The most servers and tasks all things together may hold at once.
pub const MAX_SERVERS: u64 = 50_000;
/// The highest rate a source may reach, requests per second, shapes included.
pub const MAX_RPS: f64 = 1e8;
/// The most things a level and solution may place together.
pub const MAX_THINGS: usize = 500;
/// The most links a level and solution may draw together.
pub const MAX_LINKS: usize = 1_000;
/// The most workloads a level may declare.
pub const MAX_WORKLOADS: usize = 100;
/// The most traffic sources a level may have.
pub const MAX_SOURCES: usize = 100;
/// The most items any other list may hold (events, steps, shapes, calls,
/// policies, scheduled actions, commitments, actions, palette entries, layout).
pub const MAX_ITEMS: usize = 1_000;
/// The most streams of requests (sources, the calls they make, topic
/// deliveries): each is counted apart every tick and kept in every record.
pub const MAX_STREAMS: usize = 1_000;
/// The longest id or name (of a level, workload, source, thing, instance type ...).
pub const MAX_ID_CHARS: usize = 64;
/// The longest text (a title, an intro, a step's text or hint).
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The most work a run may take, in server-ticks (see [`budget::Cost::work`]):
/// at most about a minute of scoring on one core (a server-tick is about
/// 0.3 µs). The benchmarks fit: a group of 5,000 instances for an hour at
/// one-second ticks is 18,000,000; a day at one-second ticks with every kind
/// of thing (`benches/fixtures/day`) about 140,000,000.
pub const MAX_WORK: u64 = 200_000_000;
/// The most cells of per-tick records a run may keep (ticks × (streams + 2),
/// about 70 bytes each): 200 MB at most.
pub const MAX_RECORD_CELLS: u64 = 3_000_000;
/// The most requests a run may count, all streams together: counts are whole
/// numbers of 64 bits, and this leaves them room ten thousand times over.
/// (A source at the 100,000,000 requests a second of [`MAX_RPS`] for eleven
/// days reaches it; so do calls that multiply a smaller rate.)
pub const MAX_REQUESTS: u64 = 1_000_000_000_000_000;
/// The most batches of requests all things may hold at once (see
/// [`budget::Cost::held`], about 50 bytes each): 50 MB at most.
pub const MAX_HELD: u64 = 1_000_000;

/// Checks a level's meaning against the catalogue.
pub fn check_level(catalogue: &Catalogue, level: &Level, file: &SourceFile) -> Vec<Problem> {
    let mut r = Reporter::new(file);
    // Sizes first: past them the other checks (some quadratic) are not worth running.
    if level_sizes(level, &mut r) {
        LevelChecks {
            catalogue,
            level,
            r: &mut r,
        }
        .run();
    }
    r.finish()
}

/// Checks a solution's meaning against its level and the catalogue.
pub fn check_solution(
    catalogue: &Catalogue,
    level: &Level,
    solution: &Solution,
    file: &SourceFile,
) -> Vec<Problem> {
    let mut r = Reporter::new(file);
    // A level too big to check is reported against the level file; checking a
    // solution against it would be as slow.
    let level_fits = level_sizes(level, &mut Reporter::new(&SourceFile::new("", "")));
    if level_fits && solution_sizes(level, solution, &mut r) {
        SolutionChecks {
            catalogue,
            level,
            solution,
            r: &mut r,
        }
        .run();
    }
    r.finish()
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
        if tick < MIN_TICK_S {
            self.r.error(
                Spot::Field("tick"),
                format!("the tick must be at least {MIN_TICK_S}s (MIN_TICK_S)"),
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
                    "{} of {} ticks is over the {} ticks a level may run (MAX_TICKS)",
                    level.duration,
                    level.tick,
                    grouped(MAX_TICKS as u64)
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
        self.budget();
    }

    /// A level alone (its pre-placed things) must be affordable to run.
    fn budget(&mut self) {
        // A broken tick or duration is already reported; the estimate would repeat it.
        if self.r.has_errors() {
            return;
        }
        let things: Vec<&Thing> = self.level.preplaced.iter().collect();
        let cost = budget::estimate(
            self.catalogue,
            self.level,
            &things,
            &self.level.preplaced_links,
            &[],
            MAX_STREAMS + 1,
        );
        check_cost(&cost, true, self.r);
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
            let peak = budget::peak_rps(self.level, s);
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
        super::steps::check(self.level, self.r);
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
        let before = self.r.count();
        check_links(&self.solution.links, &sources, &things, self.r);
        if self.r.count() == before {
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
                        format!("`{id}` can hold at most {MAX_GROUP_SIZE} (MAX_GROUP_SIZE)"),
                        None,
                    );
                }
                Action::OrderServers { count, .. } if *count > MAX_GROUP_SIZE => {
                    self.r.error(
                        spot,
                        format!(
                            "an order of {count} servers is more than a level can hold ({MAX_GROUP_SIZE}, MAX_GROUP_SIZE)"
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

/// Problems with a run's estimated cost: each names the bound it breaks.
fn cost_problems(cost: &budget::Cost) -> Vec<(CostBound, String, String)> {
    let mut found = Vec::new();
    if cost.servers > MAX_SERVERS {
        let biggest = cost.biggest.as_ref().map_or(String::new(), |(id, n)| {
            format!("; `{id}` alone can hold {}", grouped(*n))
        });
        found.push((
            CostBound::Servers,
            format!(
                "the things here can hold {} servers and tasks at once, over the {} a level allows (MAX_SERVERS){biggest}",
                grouped(cost.servers),
                grouped(MAX_SERVERS)
            ),
            "lower the `max` of groups and services, or the on-premises `servers` and orders".into(),
        ));
    }
    if cost.streams > MAX_STREAMS as u64 {
        found.push((
            CostBound::Streams,
            format!(
                "the links make more than {} streams of requests (MAX_STREAMS)",
                grouped(MAX_STREAMS as u64)
            ),
            "every topic subscriber and every call makes a stream of its own: fewer topics in a chain, fewer subscribers, fewer calls".into(),
        ));
    }
    if cost.work() > MAX_WORK {
        found.push((
            CostBound::Work,
            format!(
                "scoring this would take about {} server-ticks of work ({} ticks × {} a tick), over the {} a level allows (MAX_WORK)",
                grouped(cost.work()),
                grouped(cost.ticks),
                grouped(cost.per_tick()),
                grouped(MAX_WORK)
            ),
            format!(
                "a tick costs {} servers and tasks + {} × {} things + {} × {} streams + {} rules + {} held batches / {}; use a longer tick, a shorter level, or fewer servers",
                grouped(cost.servers),
                budget::THING_WEIGHT,
                cost.things,
                budget::STREAM_WEIGHT,
                cost.streams,
                grouped(cost.rules),
                grouped(cost.held),
                budget::HELD_PER_UNIT
            ),
        ));
    }
    if cost.record_cells() > MAX_RECORD_CELLS {
        found.push((
            CostBound::Records,
            format!(
                "{} ticks × ({} streams + 2) is {} cells of per-tick records, over the {} a run may keep (MAX_RECORD_CELLS)",
                grouped(cost.ticks),
                cost.streams,
                grouped(cost.record_cells()),
                grouped(MAX_RECORD_CELLS)
            ),
            "use a longer tick or a shorter level".into(),
        ));
    }
    if cost.requests > MAX_REQUESTS {
        found.push((
            CostBound::Requests,
            format!(
                "the traffic could count {:.3e} requests over the level, over the {MAX_REQUESTS:.0e} a run may count (MAX_REQUESTS)",
                cost.requests as f64
            ),
            "calls multiply their callers' rates (per_request): lower the rates, the calls' per_request, or the duration".into(),
        ));
    }
    if cost.held > MAX_HELD {
        found.push((
            CostBound::Held,
            format!(
                "the things here may hold {} batches of requests at once, over the {} a run may keep (MAX_HELD)",
                grouped(cost.held),
                grouped(MAX_HELD)
            ),
            "a batch is one tick's requests of one stream, held until served or given up: shorter timeouts, fewer servers, a longer tick".into(),
        ));
    }
    found
}

/// Which cost bound a problem breaks, to place it in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CostBound {
    Servers,
    Streams,
    Work,
    Records,
    Held,
    Requests,
}

/// Reports a run's cost problems: servers at the biggest thing, the rest at
/// the duration in a level, or at the top of a solution.
fn check_cost(cost: &budget::Cost, level_file: bool, r: &mut Reporter<'_>) {
    let elsewhere = if level_file {
        Spot::Field("duration")
    } else {
        Spot::Top
    };
    for (bound, message, hint) in cost_problems(cost) {
        let spot = match (&cost.biggest, bound) {
            (Some((id, _)), CostBound::Servers | CostBound::Work)
                if bound == CostBound::Servers || cost.servers * 2 > cost.per_tick() =>
            {
                Spot::Value {
                    field: Some("id"),
                    value: id,
                }
            }
            _ => elsewhere,
        };
        r.error(spot, message, Some(hint));
    }
}

/// A count with thousands separators, as the docs write bounds.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Strings of a file, each with the field it is written under.
#[derive(Default)]
struct Strings<'a> {
    /// Ids and names: (field, value).
    ids: Vec<(&'static str, &'a str)>,
    /// Texts shown to the player: (field, value).
    texts: Vec<(&'static str, &'a str)>,
}

impl<'a> Strings<'a> {
    fn id(&mut self, field: &'static str, value: &'a str) {
        self.ids.push((field, value));
    }

    fn text(&mut self, field: &'static str, text: &'a Text) {
        self.texts.push((field, &text.en));
        self.texts.push((field, &text.ko));
    }

    fn thing(&mut self, thing: &'a Thing) {
        self.id("id", thing.id());
        match thing {
            Thing::OnPremises { model, .. } => self.id("model", model),
            Thing::Instance { instance_type, .. } => self.id("type", instance_type),
            Thing::AutoScalingGroup(g) => self.id("type", &g.instance_type),
            Thing::ContainerService(c) => {
                if let Capacity::Ec2(host) = &c.capacity {
                    self.id("capacity", host);
                }
            }
            Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } | Thing::Function(_) => {
            }
        }
    }

    fn links(&mut self, links: &'a [(String, String)]) {
        for (from, to) in links {
            self.id("links", from);
            self.id("links", to);
        }
    }

    fn of_level(level: &'a Level) -> Self {
        let mut s = Strings::default();
        s.id("id", &level.id);
        s.text("title", &level.title);
        s.text("intro", &level.intro);
        s.text("summary", &level.summary);
        for w in &level.workloads {
            s.id("id", &w.id);
            for call in &w.calls {
                s.id("workload", &call.workload);
            }
        }
        for src in &level.sources {
            s.id("id", &src.id);
            s.id("workload", &src.workload);
            s.text("name", &src.name);
        }
        for name in level
            .palette
            .instance_types
            .iter()
            .chain(&level.palette.server_models)
        {
            s.id("palette", name);
        }
        for thing in &level.preplaced {
            s.thing(thing);
        }
        s.links(&level.preplaced_links);
        for e in &level.events {
            match &e.what {
                EventKind::InstanceFailure { thing, .. }
                | EventKind::Outage { thing, .. }
                | EventKind::SpotReclaim { thing, .. } => s.id("thing", thing),
                EventKind::TrafficSpike { source, .. } => s.id("source", source),
                EventKind::PriceChange { .. } => {}
            }
        }
        for step in &level.steps {
            s.text("text", &step.text);
            s.text("hint", &step.hint);
            if let Condition::Linked { from, .. } = &step.done_when {
                s.id("from", from);
            }
        }
        s
    }

    fn of_solution(solution: &'a Solution) -> Self {
        let mut s = Strings::default();
        s.id("level", &solution.level);
        for thing in &solution.things {
            s.thing(thing);
        }
        s.links(&solution.links);
        for c in &solution.commitments {
            if let Commitment::Reserved { instance_type, .. } = c {
                s.id("type", instance_type);
            }
        }
        for a in &solution.actions {
            s.id("thing", a.action.thing());
            if let Action::Resize { instance_type, .. } = &a.action {
                s.id("type", instance_type);
            }
        }
        for key in solution.layout.keys() {
            s.id("layout", key);
        }
        s
    }

    /// Reports ids and texts that are too long, and ids with control
    /// characters (which would garble the terminal that prints them).
    fn check(&self, r: &mut Reporter<'_>) -> bool {
        let before = r.count();
        let short = |v: &str| -> String {
            let head: String = v.chars().take(24).filter(|c| !c.is_control()).collect();
            if v.chars().count() > 24 {
                format!("{head}…")
            } else {
                head
            }
        };
        for (field, value) in &self.ids {
            let spot = Spot::Value {
                field: Some(field),
                value,
            };
            let n = value.chars().count();
            if n > MAX_ID_CHARS {
                r.error(
                    spot,
                    format!(
                        "`{}` is {n} characters long; an id or name holds at most {MAX_ID_CHARS} (MAX_ID_CHARS)",
                        short(value)
                    ),
                    None,
                );
            } else if value.chars().any(char::is_control) {
                r.error(
                    spot,
                    format!("`{}` holds a control character", short(value)),
                    Some("ids and names are letters, digits and punctuation".into()),
                );
            }
        }
        for (field, value) in &self.texts {
            let n = value.chars().count();
            if n > MAX_TEXT_CHARS {
                r.error(
                    Spot::Value {
                        field: Some(field),
                        value,
                    },
                    format!(
                        "a text of {n} characters is over the {MAX_TEXT_CHARS} one may hold (MAX_TEXT_CHARS)"
                    ),
                    Some("split it into steps, or shorten it".into()),
                );
            }
        }
        r.count() == before
    }
}

/// Reports a list longer than its bound; true when it fits.
fn fits(
    len: usize,
    max: usize,
    bound: &str,
    what: &str,
    field: &str,
    r: &mut Reporter<'_>,
) -> bool {
    if len <= max {
        return true;
    }
    r.error(
        Spot::Field(field),
        format!(
            "{} {what} are more than the {} allowed ({bound})",
            grouped(len as u64),
            grouped(max as u64)
        ),
        None,
    );
    false
}

/// The lists inside one thing.
fn thing_sizes(thing: &Thing, r: &mut Reporter<'_>) -> bool {
    let mut ok = true;
    let policies = |policies: &[Policy], r: &mut Reporter<'_>| {
        let mut ok = fits(
            policies.len(),
            MAX_ITEMS,
            "MAX_ITEMS",
            "policies",
            "policies",
            r,
        );
        for p in policies {
            if let Policy::Step { steps, .. } = p {
                ok &= fits(steps.len(), MAX_ITEMS, "MAX_ITEMS", "steps", "steps", r);
            }
        }
        ok
    };
    match thing {
        Thing::AutoScalingGroup(g) => {
            ok &= policies(&g.policies, r);
            ok &= fits(
                g.scheduled.len(),
                MAX_ITEMS,
                "MAX_ITEMS",
                "scheduled actions",
                "scheduled",
                r,
            );
        }
        Thing::ContainerService(c) => ok &= policies(&c.policies, r),
        _ => {}
    }
    ok
}

/// A level's lists and strings against their bounds; true when all fit, so the
/// slower checks may run.
fn level_sizes(level: &Level, r: &mut Reporter<'_>) -> bool {
    let mut ok = fits(
        level.workloads.len(),
        MAX_WORKLOADS,
        "MAX_WORKLOADS",
        "workloads",
        "workloads",
        r,
    );
    ok &= fits(
        level.sources.len(),
        MAX_SOURCES,
        "MAX_SOURCES",
        "sources",
        "sources",
        r,
    );
    ok &= fits(
        level.preplaced.len(),
        MAX_THINGS,
        "MAX_THINGS",
        "pre-placed things",
        "preplaced",
        r,
    );
    ok &= fits(
        level.preplaced_links.len(),
        MAX_LINKS,
        "MAX_LINKS",
        "pre-placed links",
        "preplaced_links",
        r,
    );
    ok &= fits(
        level.events.len(),
        MAX_ITEMS,
        "MAX_ITEMS",
        "events",
        "events",
        r,
    );
    ok &= fits(
        level.steps.len(),
        MAX_ITEMS,
        "MAX_ITEMS",
        "steps",
        "steps",
        r,
    );
    let palette = &level.palette;
    for (len, what) in [
        (palette.things.len(), "palette things"),
        (palette.instance_types.len(), "palette instance types"),
        (palette.server_models.len(), "palette server models"),
    ] {
        ok &= fits(len, MAX_ITEMS, "MAX_ITEMS", what, "palette", r);
    }
    for w in &level.workloads {
        ok &= fits(w.calls.len(), MAX_ITEMS, "MAX_ITEMS", "calls", "calls", r);
    }
    for s in &level.sources {
        ok &= fits(
            s.shapes.len(),
            MAX_ITEMS,
            "MAX_ITEMS",
            "shapes",
            "shapes",
            r,
        );
    }
    for thing in &level.preplaced {
        ok &= thing_sizes(thing, r);
    }
    ok && Strings::of_level(level).check(r)
}

/// A solution's lists and strings against their bounds, together with its
/// level's where they add up; true when all fit.
fn solution_sizes(level: &Level, solution: &Solution, r: &mut Reporter<'_>) -> bool {
    let mut ok = fits(
        level.preplaced.len().saturating_add(solution.things.len()),
        MAX_THINGS,
        "MAX_THINGS",
        "things (the level's and the solution's)",
        "things",
        r,
    );
    ok &= fits(
        level
            .preplaced_links
            .len()
            .saturating_add(solution.links.len()),
        MAX_LINKS,
        "MAX_LINKS",
        "links (the level's and the solution's)",
        "links",
        r,
    );
    ok &= fits(
        solution.commitments.len(),
        MAX_ITEMS,
        "MAX_ITEMS",
        "commitments",
        "commitments",
        r,
    );
    ok &= fits(
        solution.actions.len(),
        MAX_ITEMS,
        "MAX_ITEMS",
        "actions",
        "actions",
        r,
    );
    ok &= fits(
        solution.layout.len(),
        MAX_ITEMS,
        "MAX_ITEMS",
        "layout entries",
        "layout",
        r,
    );
    for thing in &solution.things {
        ok &= thing_sizes(thing, r);
    }
    ok && Strings::of_solution(solution).check(r)
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
            if *servers > MAX_GROUP_SIZE {
                r.error(
                    Spot::FieldAfter {
                        anchor: id,
                        field: "servers",
                    },
                    format!(
                        "{servers} servers is more than a level can hold ({MAX_GROUP_SIZE}, MAX_GROUP_SIZE)"
                    ),
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
                r.error(at("max"), format!("service `{}` may grow to {} tasks, over the {MAX_GROUP_SIZE} a level allows (MAX_GROUP_SIZE)", c.id, c.max), None);
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
                "group `{}` may grow to {}, over the {MAX_GROUP_SIZE} a level allows (MAX_GROUP_SIZE)",
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
                    "a scheduled action of `{}` sets a size over {MAX_GROUP_SIZE} (MAX_GROUP_SIZE)",
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
