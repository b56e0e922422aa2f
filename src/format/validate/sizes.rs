//! Sizes of lists and strings, checked before anything slower runs.

use super::super::bounds::*;
use super::super::code::Code;
use super::super::level::{Condition, EventKind, Level, Text};
use super::super::locate::{Reporter, Spot};
use super::super::solution::{Action, Capacity, Commitment, Policy, Solution, Thing};
use super::super::spans::Path;
use super::cost::grouped;

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
                EventKind::InstanceFailure { thing, serving, .. }
                | EventKind::Outage { thing, serving, .. }
                | EventKind::SpotReclaim { thing, serving, .. } => {
                    s.id("thing", thing);
                    if let Some(w) = serving {
                        s.id("serving", w);
                    }
                }
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
            let head: String = v
                .chars()
                .take(24)
                .filter(|c| !crate::files::is_unsafe_char(*c))
                .collect();
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
                r.error(Code::Bound(Bound::IdChars),
                    spot,
                    format!(
                        "`{}` is {n} characters long; an id or name holds at most {MAX_ID_CHARS} (MAX_ID_CHARS)",
                        short(value)
                    ),
                    None,
                );
            } else if value.chars().any(crate::files::is_unsafe_char) {
                r.error(
                    Code::BadCharacters,
                    spot,
                    format!(
                        "`{}` holds a control character, a newline or a bidi override",
                        short(value)
                    ),
                    Some("ids and names are letters, digits and punctuation".into()),
                );
            }
        }
        for (field, value) in &self.texts {
            let n = value.chars().count();
            if n > MAX_TEXT_CHARS {
                r.error(Code::Bound(Bound::TextChars),
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
pub(super) fn fits(
    len: usize,
    max: usize,
    bound: Bound,
    what: &str,
    field: &str,
    r: &mut Reporter<'_>,
) -> bool {
    if len <= max {
        return true;
    }
    r.error(
        Code::Bound(bound),
        Spot::KeyAt(Path::of(field)),
        format!(
            "{} {what} are more than the {} allowed ({})",
            grouped(len as u64),
            grouped(max as u64),
            bound.name()
        ),
        None,
    );
    false
}

/// The lists inside one thing.
pub(super) fn thing_sizes(thing: &Thing, r: &mut Reporter<'_>) -> bool {
    let mut ok = true;
    let policies = |policies: &[Policy], r: &mut Reporter<'_>| {
        let mut ok = fits(
            policies.len(),
            MAX_ITEMS,
            Bound::Items,
            "policies",
            "policies",
            r,
        );
        for p in policies {
            if let Policy::Step { steps, .. } = p {
                ok &= fits(steps.len(), MAX_ITEMS, Bound::Items, "steps", "steps", r);
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
                Bound::Items,
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
pub(super) fn level_sizes(level: &Level, r: &mut Reporter<'_>) -> bool {
    let mut ok = fits(
        level.workloads.len(),
        MAX_WORKLOADS,
        Bound::Workloads,
        "workloads",
        "workloads",
        r,
    );
    ok &= fits(
        level.sources.len(),
        MAX_SOURCES,
        Bound::Sources,
        "sources",
        "sources",
        r,
    );
    ok &= fits(
        level.preplaced.len(),
        MAX_THINGS,
        Bound::Things,
        "pre-placed things",
        "preplaced",
        r,
    );
    ok &= fits(
        level.preplaced_links.len(),
        MAX_LINKS,
        Bound::Links,
        "pre-placed links",
        "preplaced_links",
        r,
    );
    ok &= fits(
        level.events.len(),
        MAX_ITEMS,
        Bound::Items,
        "events",
        "events",
        r,
    );
    ok &= fits(
        level.steps.len(),
        MAX_ITEMS,
        Bound::Items,
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
        ok &= fits(len, MAX_ITEMS, Bound::Items, what, "palette", r);
    }
    for w in &level.workloads {
        ok &= fits(w.calls.len(), MAX_ITEMS, Bound::Items, "calls", "calls", r);
    }
    for s in &level.sources {
        ok &= fits(
            s.shapes.len(),
            MAX_ITEMS,
            Bound::Items,
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
pub(super) fn solution_sizes(level: &Level, solution: &Solution, r: &mut Reporter<'_>) -> bool {
    let mut ok = fits(
        level.preplaced.len().saturating_add(solution.things.len()),
        MAX_THINGS,
        Bound::Things,
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
        Bound::Links,
        "links (the level's and the solution's)",
        "links",
        r,
    );
    ok &= fits(
        solution.commitments.len(),
        MAX_ITEMS,
        Bound::Items,
        "commitments",
        "commitments",
        r,
    );
    ok &= fits(
        solution.actions.len(),
        MAX_ITEMS,
        Bound::Items,
        "actions",
        "actions",
        r,
    );
    ok &= fits(
        solution.layout.len(),
        MAX_ITEMS,
        Bound::Items,
        "layout entries",
        "layout",
        r,
    );
    for thing in &solution.things {
        ok &= thing_sizes(thing, r);
    }
    ok && Strings::of_solution(solution).check(r)
}
