//! Checks of a level file's meaning: workloads, calls, sources, palette,
//! pre-placed things, events, goals and steps.

use std::collections::{BTreeMap, BTreeSet};

use super::super::bounds::*;
use super::super::budget;
use super::super::catalogue::Catalogue;
use super::super::code::Code;
use super::super::level::{Condition, EventKind, Level, Mode, Shape};
use super::super::locate::{Reporter, Spot};
use super::super::solution::Thing;
use super::super::spans::Path;
use super::cost::{check_cost, grouped};
use super::links::{Places, check_links};
use super::things::{check_thing, hint_names};

pub(super) struct LevelChecks<'a, 'f> {
    pub(super) catalogue: &'a Catalogue,
    pub(super) level: &'a Level,
    pub(super) r: &'a mut Reporter<'f>,
}

impl LevelChecks<'_, '_> {
    pub(super) fn run(&mut self) {
        let level = self.level;
        if level.id.trim().is_empty() {
            self.r.error(
                Code::EmptyId,
                Spot::KeyAt(Path::of("id")),
                "the level id is empty",
                Some("use the folder name, e.g. \"01-on-prem-dilemma\"".into()),
            );
        }
        let tick = level.tick.secs();
        if tick > MAX_TICK_S {
            self.r.error(
                Code::TimeOutOfRange,
                Spot::KeyAt(Path::of("tick")),
                format!("a tick of {} is longer than a day", level.tick),
                Some("use \"1h\" for long levels".into()),
            );
        }
        if tick < MIN_TICK_S {
            self.r.error(
                Code::Bound(Bound::MinTick),
                Spot::KeyAt(Path::of("tick")),
                format!("the tick must be at least {MIN_TICK_S}s (MIN_TICK_S)"),
                Some("1s suits most levels; 1h suits a year of capacity planning".into()),
            );
        } else if level.duration.secs() < tick {
            self.r.error(
                Code::TimeOutOfRange,
                Spot::KeyAt(Path::of("duration")),
                format!(
                    "the level lasts {} but one tick is {}",
                    level.duration, level.tick
                ),
                Some("the duration must hold at least one tick".into()),
            );
        } else if level.duration.secs() / tick > MAX_TICKS {
            self.r.error(
                Code::Bound(Bound::Ticks),
                Spot::KeyAt(Path::of("duration")),
                format!(
                    "{} of {} ticks is over the {} ticks a level may run (MAX_TICKS)",
                    level.duration,
                    level.tick,
                    grouped(MAX_TICKS as u64)
                ),
                Some("use a longer tick for long levels".into()),
            );
        }
        // Every text the player reads must exist in both languages: a
        // Korean player would otherwise see an empty title or intro.
        for (field, text, required) in [
            ("title", &level.title, true),
            ("intro", &level.intro, false),
            ("summary", &level.summary, false),
        ] {
            let (en, ko) = (text.en.trim().is_empty(), text.ko.trim().is_empty());
            let missing = match (en, ko) {
                (true, true) if required => Some("English and Korean"),
                (true, false) => Some("English"),
                (false, true) => Some("Korean"),
                _ => None,
            };
            if let Some(which) = missing {
                self.r.warn(
                    Code::MissingText,
                    Spot::KeyAt(Path::of(field).field(if en { "en" } else { "ko" })),
                    format!("the level's {field} has no {which} text"),
                    Some("write it in both languages, `en` and `ko`".into()),
                );
            }
        }
        self.workloads();
        self.calls();
        self.sources();
        self.palette();
        self.preplaced();
        self.events();
        self.goals();
        self.teaches();
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
            self.r.error(Code::Missing, Spot::KeyAt(Path::of("workloads")), "the level declares no workload", Some("add Workload(id: \"web\", class: Web, work_ms: 50.0, memory_mib: 64.0, mode: Sync(deadline: \"500ms\"...))".into()));
        }
        for (wi, w) in self.level.workloads.iter().enumerate() {
            let w_at = Path::of("workloads").index(wi);
            let at = Spot::KeyAt(w_at.field("work_ms"));
            if !ids.insert(w.id.as_str()) {
                self.r.error(
                    Code::DuplicateId,
                    Spot::At(w_at.field("id")),
                    format!("workload id `{}` is used twice", w.id),
                    None,
                );
            }
            if !(w.work_ms > 0.0 && w.work_ms.is_finite()) {
                self.r.error(
                    Code::OutOfRange,
                    at,
                    format!("workload `{}` needs work_ms above zero", w.id),
                    None,
                );
            }
            if !(w.memory_mib > 0.0 && w.memory_mib.is_finite()) {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(w_at.field("memory_mib")),
                    format!("workload `{}` needs memory_mib above zero", w.id),
                    None,
                );
            }
            if !(w.response_kib >= 0.0 && w.response_kib.is_finite()) {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(w_at.field("response_kib")),
                    "response size cannot be negative",
                    None,
                );
            }
            if w.mode.deadline_s() <= 0.0 {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(w_at.field("mode").field("deadline")),
                    format!("workload `{}` needs a deadline above zero", w.id),
                    None,
                );
            }
            if let Mode::Sync { deadline, timeout } = w.mode
                && timeout.secs() < deadline.secs()
            {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(w_at.field("mode").field("timeout")),
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
        for (wi, w) in self.level.workloads.iter().enumerate() {
            for (ci, call) in w.calls.iter().enumerate() {
                let c_at = Path::of("workloads").index(wi).field("calls").index(ci);
                let spot = Spot::At(c_at.field("workload"));
                if !ids.contains(&call.workload.as_str()) {
                    self.r.error(
                        Code::UnknownName,
                        spot,
                        format!(
                            "workload `{}` calls unknown workload `{}`",
                            w.id, call.workload
                        ),
                        self.r
                            .listing()
                            .then(|| hint_names(&call.workload, ids.iter().copied(), "workloads"))
                            .flatten(),
                    );
                }
                if !(call.per_request > 0.0 && call.per_request <= 1000.0) {
                    self.r.error(
                        Code::OutOfRange,
                        Spot::KeyAt(c_at.field("per_request")),
                        "a call makes between 0 and 1000 requests per request",
                        None,
                    );
                }
            }
        }
        // Calls must not loop: nothing may call, however indirectly, back to itself.
        for (wi, start) in self.level.workloads.iter().enumerate() {
            let mut frontier: Vec<&str> = start.calls.iter().map(|c| c.workload.as_str()).collect();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            while let Some(id) = frontier.pop() {
                if id == start.id {
                    self.r.error(
                        Code::CallLoop,
                        Spot::At(Path::of("workloads").index(wi).field("id")),
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
                Code::Missing,
                Spot::KeyAt(Path::of("sources")),
                "the level has no traffic source",
                None,
            );
        }
        for (si, s) in self.level.sources.iter().enumerate() {
            let s_at = Path::of("sources").index(si);
            if !ids.insert(s.id.as_str()) {
                self.r.error(
                    Code::DuplicateId,
                    Spot::At(s_at.field("id")),
                    format!("source id `{}` is used twice", s.id),
                    None,
                );
            }
            if !workloads.contains(&s.workload.as_str()) {
                let hint = self
                    .r
                    .listing()
                    .then(|| hint_names(&s.workload, workloads.iter().copied(), "workloads"))
                    .flatten();
                self.r.error(
                    Code::UnknownName,
                    Spot::At(s_at.field("workload")),
                    format!("source `{}` sends unknown workload `{}`", s.id, s.workload),
                    hint,
                );
            }
            if !(s.base_rps >= 0.0 && s.base_rps.is_finite()) {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(s_at.field("base_rps")),
                    format!(
                        "source `{}` has a negative or infinite rate ({})",
                        s.id, s.base_rps
                    ),
                    Some("rates are requests per second, zero or more".into()),
                );
            }
            let peak = budget::peak_rps(self.level, s);
            if peak > MAX_RPS {
                self.r.error(Code::Bound(Bound::Rps), Spot::KeyAt(s_at.field("base_rps")), format!("source `{}` could reach {peak:.3e} requests per second, over the {MAX_RPS:e} a level allows", s.id), Some("lower the base rate or the shapes' multipliers".into()));
            } else if s.base_rps == 0.0 {
                self.r.warn(
                    Code::DoesNothing,
                    Spot::KeyAt(s_at.field("base_rps")),
                    format!("source `{}` never sends anything", s.id),
                    None,
                );
            }
            if !(0.0..=1.0).contains(&s.noise) {
                self.r.error(
                    Code::OutOfRange,
                    Spot::KeyAt(s_at.field("noise")),
                    format!("noise {} is outside 0.0..=1.0", s.noise),
                    Some("noise is a relative standard deviation: 0.05 is 5%".into()),
                );
            }
            for (hi, shape) in s.shapes.iter().enumerate() {
                self.shape(&s.id, s_at.field("shapes").index(hi), shape);
            }
        }
    }

    fn shape(&mut self, source: &str, at: Path<'_>, shape: &Shape) {
        self.shape_time(source, at, shape);
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
            Code::OutOfRange,
            Spot::KeyAt(at.field(field)),
            format!("source `{source}`: {message}"),
            None,
        );
    }

    /// When a shape happens: a time of day must be within a day, and a
    /// one-off shape after the end never shows (an author would be surprised).
    fn shape_time(&mut self, source: &str, at: Path<'_>, shape: &Shape) {
        let end = self.level.duration.secs();
        match *shape {
            Shape::Daily { peak: t, .. } | Shape::Rush { at: t, .. } if t.secs() >= 86_400.0 => {
                let field = if matches!(shape, Shape::Daily { .. }) {
                    "peak"
                } else {
                    "at"
                };
                self.r.error(
                    Code::TimeOutOfRange,
                    Spot::At(at.field(field)),
                    format!(
                        "source `{source}`: {t} is not a time of day; this shape repeats every day"
                    ),
                    Some("write a time from \"00:00\" to \"23:59\"".into()),
                );
            }
            Shape::Spike { at: t, .. } | Shape::FlashCrowd { at: t, .. } if t.secs() >= end => {
                self.r.warn(
                    Code::AfterEnd,
                    Spot::At(at.field("at")),
                    format!(
                        "source `{source}`: this shape starts at {t}, after the level ends ({}), so it never happens",
                        self.level.duration
                    ),
                    Some("move it inside the level, or remove it".into()),
                );
            }
            Shape::Seasonal { peak, width, .. } if peak.secs() - 3.0 * width.secs() >= end => {
                self.r.warn(
                    Code::AfterEnd,
                    Spot::At(at.field("peak")),
                    format!(
                        "source `{source}`: the season peaks at {peak}, long after the level ends ({}), so it never shows",
                        self.level.duration
                    ),
                    None,
                );
            }
            _ => {}
        }
    }

    /// Every idea a lesson teaches must be one its palette lets a design have.
    fn teaches(&mut self) {
        let offered = &self.level.palette.things;
        for (i, idea) in self.level.teaches.iter().enumerate() {
            let needs = idea.needs();
            if !needs.is_empty() && !needs.iter().any(|k| offered.contains(k)) {
                let names: Vec<&str> = needs.iter().map(|k| k.label()).collect();
                self.r.error(
                    Code::NotOffered,
                    Spot::At(Path::of("teaches").index(i)),
                    format!(
                        "the level teaches {} but its palette offers no {}",
                        idea.label(),
                        names.join(" or ")
                    ),
                    Some("add the kind to `palette.things`, or leave the idea out".into()),
                );
            }
        }
    }

    fn palette(&mut self) {
        let palette = &self.level.palette;
        if palette.things.is_empty() {
            self.r.warn(
                Code::DoesNothing,
                Spot::KeyAt(Path::of("palette")),
                "the palette is empty: the player can place nothing",
                None,
            );
        }
        for (ni, name) in palette.instance_types.iter().enumerate() {
            if self.catalogue.instance_type(name).is_none() {
                let hint = self
                    .r
                    .listing()
                    .then(|| {
                        hint_names(
                            name,
                            self.catalogue
                                .instance_types
                                .iter()
                                .map(|t| t.name.as_str()),
                            "instance types",
                        )
                    })
                    .flatten();
                self.r.error(
                    Code::UnknownName,
                    Spot::At(Path::of("palette").field("instance_types").index(ni)),
                    format!("instance type `{name}` is not in the catalogue"),
                    hint,
                );
            }
        }
        for (ni, name) in palette.server_models.iter().enumerate() {
            if self.catalogue.server_model(name).is_none() {
                let hint = self
                    .r
                    .listing()
                    .then(|| {
                        hint_names(
                            name,
                            self.catalogue
                                .on_prem_servers
                                .iter()
                                .map(|m| m.name.as_str()),
                            "server models",
                        )
                    })
                    .flatten();
                self.r.error(
                    Code::UnknownName,
                    Spot::At(Path::of("palette").field("server_models").index(ni)),
                    format!("server model `{name}` is not in the catalogue"),
                    hint,
                );
            }
        }
    }

    /// A workload's `must_reach` names things the level places that take work.
    fn must_reach(&mut self, placed: &BTreeSet<&str>) {
        for (wi, w) in self.level.workloads.iter().enumerate() {
            for (mi, id) in w.must_reach.iter().enumerate() {
                let at = Spot::At(
                    Path::of("workloads")
                        .index(wi)
                        .field("must_reach")
                        .index(mi),
                );
                let thing = self.level.preplaced.iter().find(|t| t.id() == id);
                if thing.is_none() {
                    let hint = self
                        .r
                        .listing()
                        .then(|| hint_names(id, placed.iter().copied(), "pre-placed things"))
                        .flatten()
                        .or_else(|| Some("`must_reach` lists ids of `preplaced` things: a player can rename what they build".into()));
                    self.r.error(
                        Code::UnknownName,
                        at,
                        format!("workload `{}` must reach `{id}`, but the level pre-places no such thing", w.id),
                        hint,
                    );
                } else if thing.is_some_and(|t| !t.serves() && !matches!(t, Thing::Queue(_))) {
                    self.r.error(
                        Code::LinkRule,
                        at,
                        format!("workload `{}` must reach `{id}`, which passes work on rather than taking it", w.id),
                        Some("name the servers, function or queue that receives the work".into()),
                    );
                }
            }
        }
    }

    fn preplaced(&mut self) {
        let sources: BTreeSet<&str> = self.level.sources.iter().map(|s| s.id.as_str()).collect();
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for (ti, thing) in self.level.preplaced.iter().enumerate() {
            let t_at = Path::of("preplaced").index(ti);
            if sources.contains(thing.id()) || !ids.insert(thing.id()) {
                self.r.error(
                    Code::DuplicateId,
                    Spot::At(t_at.field("id")),
                    format!("id `{}` is used twice", thing.id()),
                    None,
                );
            }
            check_thing(self.catalogue, self.level, thing, t_at, self.r);
        }
        self.must_reach(&ids);
        for (ui, id) in self.level.unlocked.iter().enumerate() {
            if !ids.contains(id.as_str()) {
                self.r.error(
                    Code::UnknownName,
                    Spot::At(Path::of("unlocked").index(ui)),
                    format!("`{id}` is unlocked, but the level pre-places no such thing"),
                    Some("`unlocked` lists ids of `preplaced` things a solution's timed actions may change".into()),
                );
            }
        }
        let things: BTreeMap<&str, &Thing> =
            self.level.preplaced.iter().map(|t| (t.id(), t)).collect();
        let mut places = Places::new();
        places
            .things(&self.level.preplaced, Path::of("preplaced"), false)
            .links(
                self.level.preplaced_links.len(),
                Path::of("preplaced_links"),
                false,
            );
        check_links(
            &self.level.preplaced_links,
            0,
            &places,
            &sources,
            &things,
            self.r,
        );
    }

    fn events(&mut self) {
        let sources: Vec<&str> = self.level.sources.iter().map(|s| s.id.as_str()).collect();
        for (i, e) in self.level.events.iter().enumerate() {
            let e_at = Path::of("events").index(i);
            if e.at.secs() > self.level.duration.secs() {
                self.r.warn(
                    Code::AfterEnd,
                    Spot::At(e_at),
                    format!(
                        "an event at {} comes after the level ends ({})",
                        e.at, self.level.duration
                    ),
                    None,
                );
            }
            self.event_target(&e.what, e_at.field("what"));
            match &e.what {
                EventKind::InstanceFailure { count, .. } if *count == 0 => {
                    self.r.warn(
                        Code::DoesNothing,
                        Spot::At(e_at),
                        "an instance failure of zero instances does nothing",
                        None,
                    );
                }
                EventKind::TrafficSpike {
                    source, multiplier, ..
                } => {
                    if !sources.contains(&source.as_str()) {
                        let hint = self
                            .r
                            .listing()
                            .then(|| hint_names(source, sources.iter().copied(), "sources"))
                            .flatten();
                        self.r.error(
                            Code::UnknownName,
                            Spot::At(e_at.field("what").field("source")),
                            format!("spike on unknown source `{source}`"),
                            hint,
                        );
                    }
                    if !(*multiplier >= 0.0 && multiplier.is_finite()) {
                        self.r.error(
                            Code::OutOfRange,
                            Spot::At(e_at),
                            "a spike's multiplier cannot be negative",
                            None,
                        );
                    }
                }
                EventKind::Outage { lasts, .. } if lasts.secs() <= 0.0 => {
                    self.r.error(
                        Code::OutOfRange,
                        Spot::At(e_at),
                        "an outage must last longer than zero",
                        None,
                    );
                }
                EventKind::SpotReclaim { count, .. } if *count == 0 => {
                    self.r.warn(
                        Code::DoesNothing,
                        Spot::At(e_at),
                        "a reclaim of zero instances does nothing",
                        None,
                    );
                }
                EventKind::PriceChange { multiplier, .. }
                    if !(*multiplier > 0.0 && multiplier.is_finite()) =>
                {
                    self.r.error(
                        Code::OutOfRange,
                        Spot::At(e_at),
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

    /// A failure, outage or reclaim aims at what the level controls: every
    /// fleet, a thing it pre-placed, or the tier serving a workload. Never a
    /// player's id, which a design could rename or leave out to dodge it.
    fn event_target(&mut self, what: &EventKind, at: Path) {
        let (EventKind::InstanceFailure { thing, serving, .. }
        | EventKind::Outage { thing, serving, .. }
        | EventKind::SpotReclaim { thing, serving, .. }) = what
        else {
            return;
        };
        match serving {
            Some(_) if !thing.is_empty() => self.r.error(
                Code::WrongValue,
                Spot::At(at.field("serving")),
                "an event aims at `thing` or at `serving`, not both",
                None,
            ),
            Some(w) if !self.level.workloads.iter().any(|x| &x.id == w) => {
                let hint = hint_names(w, self.level.workloads.iter().map(|x| x.id.as_str()), "workloads");
                self.r.error(
                    Code::UnknownName,
                    Spot::At(at.field("serving")),
                    format!("the event aims at the tier serving `{w}`, but the level has no such workload"),
                    hint,
                );
            }
            Some(_) => {}
            None if thing.is_empty() => self.r.error(
                Code::MissingField,
                Spot::At(at),
                "the event needs a target: `thing: \"*\"`, a pre-placed thing, or `serving: \"WORKLOAD\"`",
                None,
            ),
            None if thing == "*" || self.level.preplaced.iter().any(|t| t.id() == thing) => {}
            None => self.r.error(
                Code::UnknownName,
                Spot::At(at.field("thing")),
                format!("the event aims at `{thing}`, which the level does not pre-place: a design could rename it or leave it out"),
                Some("aim at a player's tier by what it does, e.g. `serving: \"render\"`, or at every fleet with `thing: \"*\"`".into()),
            ),
        }
    }

    fn goals(&mut self) {
        let g = &self.level.goals;
        if !(g.availability_pct > 0.0 && g.availability_pct <= 100.0) {
            self.r.error(
                Code::Goals,
                Spot::KeyAt(Path::of("goals").field("availability_pct")),
                format!(
                    "availability goal {} is outside (0, 100]",
                    g.availability_pct
                ),
                None,
            );
        }
        if g.availability_pct > 0.0 && g.availability_pct <= 1.0 {
            self.r.warn(
                Code::LooksLikeFraction,
                Spot::KeyAt(Path::of("goals").field("availability_pct")),
                format!(
                    "an availability goal of {}% lets a level be won with almost every request lost",
                    g.availability_pct
                ),
                Some(format!(
                    "the goal is a percentage: for {}% write {}",
                    g.availability_pct * 100.0,
                    g.availability_pct * 100.0
                )),
            );
        }
        let at = Spot::KeyAt(Path::of("goals").field("sources"));
        for (id, pct) in &g.sources {
            if !self.level.sources.iter().any(|s| s.id == *id) {
                let ids = self.level.sources.iter().map(|s| s.id.as_str());
                self.r.error(
                    Code::UnknownName,
                    at,
                    format!("a goal is set for `{id}`, which is not a source of this level"),
                    hint_names(id, ids, "sources"),
                );
            }
            if !(*pct > 0.0 && *pct <= 100.0) {
                self.r.error(
                    Code::Goals,
                    at,
                    format!("the availability goal for `{id}`, {pct}, is outside (0, 100]"),
                    None,
                );
            }
        }
        if let Some(p99) = g.p99_ms
            && !(p99 > 0.0 && p99.is_finite())
        {
            self.r.error(
                Code::Goals,
                Spot::KeyAt(Path::of("goals").field("p99_ms")),
                "the p99 latency goal must be above zero",
                None,
            );
        }
        if let Some(p99) = g.wait_p99_ms
            && !(p99 > 0.0 && p99.is_finite())
        {
            self.r.error(
                Code::Goals,
                Spot::KeyAt(Path::of("goals").field("wait_p99_ms")),
                "the p99 wait goal must be above zero",
                None,
            );
        }
        let s = g.stars;
        if !(s.three > 0.0 && s.three <= s.two && s.two <= s.one) {
            self.r.error(
                Code::Goals,
                Spot::KeyAt(Path::of("goals").field("stars")),
                format!(
                    "star budgets must satisfy 0 < three <= two <= one (got {} / {} / {})",
                    s.three, s.two, s.one
                ),
                Some("three stars is the cheapest band".into()),
            );
        }
    }

    fn steps(&mut self) {
        super::super::steps::check(self.level, self.r);
        // A step can name only what exists before the player builds: the
        // player picks the ids of what they place.
        let known: BTreeSet<&str> = self
            .level
            .sources
            .iter()
            .map(|s| s.id.as_str())
            .chain(self.level.preplaced.iter().map(Thing::id))
            .collect();
        for (i, step) in self.level.steps.iter().enumerate() {
            if let Condition::Linked { from, .. } = &step.done_when
                && from != "*"
                && !known.contains(from.as_str())
            {
                let hint = if self.r.listing() {
                    hint_names(from, known.iter().copied(), "sources and pre-placed things")
                } else {
                    None
                };
                self.r.error(
                    Code::UnknownStepId,
                    Spot::At(
                        Path::of("steps")
                            .index(i)
                            .field("done_when")
                            .field("from"),
                    ),
                    format!(
                        "the step waits for a link from `{from}`, which is not a source or a pre-placed thing"
                    ),
                    hint.or(Some(
                        "name a source or a pre-placed thing, or \"*\" for any: the player chooses the ids of what they build".into(),
                    )),
                );
            }
            if let Condition::AvailabilityAtLeast(p) = step.done_when
                && p > 0.0
                && p <= 1.0
            {
                self.r.warn(
                    Code::LooksLikeFraction,
                    Spot::At(Path::of("steps").index(i).field("done_when")),
                    format!(
                        "the step waits for availability of {p}%, not {}%",
                        p * 100.0
                    ),
                    Some(format!("percentages run 0 to 100: write {}", p * 100.0)),
                );
            }
            if step.text.en.trim().is_empty() || step.text.ko.trim().is_empty() {
                self.r.warn(
                    Code::MissingText,
                    Spot::At(Path::of("steps").index(i)),
                    "a guided step lacks English or Korean text",
                    None,
                );
            }
            match &step.done_when {
                Condition::AvailabilityAtLeast(p) if !(0.0..=100.0).contains(p) => {
                    self.r.error(
                        Code::OutOfRange,
                        Spot::At(Path::of("steps").index(i)),
                        "availability is a percentage between 0 and 100",
                        None,
                    );
                }
                Condition::ClockReached(t) if t.secs() > self.level.duration.secs() => {
                    self.r.error(
                        Code::TimeOutOfRange,
                        Spot::At(Path::of("steps").index(i)),
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
