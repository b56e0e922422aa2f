//! The link rules: what may link to what, loops, and what reaches each thing.

use std::collections::{BTreeMap, BTreeSet};

use super::super::code::Code;
use super::super::level::Level;
use super::super::locate::{Reporter, Spot};
use super::super::solution::{Capacity, Metric, Policy, Scheme, Thing};
use super::super::spans::Path;
use super::things::hint_names;

/// Why a link cannot exist, in words a screen can look up in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Internet traffic into an internal load balancer.
    InternetToInternal,
    /// A load balancer aimed at something that does not serve.
    BalancerTarget,
    /// A topic delivering to something that cannot subscribe.
    TopicTarget,
    /// A queue delivering to something that does not consume.
    QueueTarget,
    /// Traffic or a topic's deliveries straight into a group.
    NoAddress,
    /// A server's calls straight into a group.
    NoAddressForCalls,
    /// Any other pair the rules do not allow.
    Other,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Refusal; 7] = [
        Refusal::InternetToInternal,
        Refusal::BalancerTarget,
        Refusal::TopicTarget,
        Refusal::QueueTarget,
        Refusal::NoAddress,
        Refusal::NoAddressForCalls,
        Refusal::Other,
    ];

    /// Strings key of the player-facing reason.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::InternetToInternal => "link.internet_to_internal",
            Refusal::BalancerTarget => "link.balancer_target",
            Refusal::TopicTarget => "link.topic_target",
            Refusal::QueueTarget => "link.queue_target",
            Refusal::NoAddress => "link.no_address",
            Refusal::NoAddressForCalls => "link.no_address_for_calls",
            Refusal::Other => "link.other",
        }
    }
}

/// Why a link from `origin` (a source when `None`) to `target` cannot exist, if it cannot.
pub fn link_refusal(origin: Option<&Thing>, target: &Thing) -> Option<Refusal> {
    match (origin, target) {
        // Sources (internet traffic) enter through an internet-facing balancer, a server or a queue.
        (None, Thing::LoadBalancer(lb)) if lb.scheme == Scheme::Internal => {
            Some(Refusal::InternetToInternal)
        }
        // A group of servers has no single address: traffic from the
        // internet, a server's calls and a topic's HTTP deliveries reach it
        // only through a load balancer. Queues are the exception, since the
        // consumers pull.
        (None | Some(Thing::Topic { .. }), t) if t.is_fleet() => Some(Refusal::NoAddress),
        (Some(o), t) if o.serves() && t.is_fleet() => Some(Refusal::NoAddressForCalls),
        (None, _) => None,
        // Load balancers spread over servers.
        (Some(Thing::LoadBalancer(_)), t) if t.serves() => None,
        (Some(Thing::LoadBalancer(_)), _) => Some(Refusal::BalancerTarget),
        // A topic delivers to queues, and to servers or load balancers as HTTP endpoints.
        (Some(Thing::Topic { .. }), t)
            if t.serves() || matches!(t, Thing::Queue(_) | Thing::LoadBalancer(_)) =>
        {
            None
        }
        (Some(Thing::Topic { .. }), _) => Some(Refusal::TopicTarget),
        // A queue is polled by the servers that consume it.
        (Some(Thing::Queue(_)), t) if t.serves() => None,
        (Some(Thing::Queue(_)), _) => Some(Refusal::QueueTarget),
        // Servers call the next tier: directly, through a load balancer, or through a queue.
        (Some(o), _) if o.serves() => None,
        (Some(_), _) => Some(Refusal::Other),
    }
}

/// What a link from one kind of thing to another means, or why it cannot
/// exist: `check`'s message and hint for a [`link_refusal`].
pub fn link_rule(origin: Option<&Thing>, target: &Thing) -> Result<(), (String, &'static str)> {
    let label = target.kind().label();
    let Some(refusal) = link_refusal(origin, target) else {
        return Ok(());
    };
    Err(match refusal {
        Refusal::InternetToInternal => (
            "internet traffic cannot reach an internal load balancer".into(),
            "use an internet-facing load balancer at the front; internal ones sit between tiers",
        ),
        Refusal::NoAddress => (
            format!(
                "{} has no single address for traffic to reach",
                with_article(label)
            ),
            "put a load balancer in front of it: it spreads the work over the servers and stops sending to unhealthy ones",
        ),
        Refusal::NoAddressForCalls => (
            format!(
                "{} has no single address for calls to reach",
                with_article(label)
            ),
            "put an internal load balancer between the tiers, or a queue that its servers poll",
        ),
        Refusal::BalancerTarget => (
            format!("a load balancer cannot target a {label}"),
            "point it at instances, groups or servers",
        ),
        Refusal::TopicTarget => (
            format!("a topic cannot deliver to a {label}"),
            "subscribe queues, servers or load balancers to a topic",
        ),
        Refusal::QueueTarget => (
            format!("a queue cannot deliver to a {label}"),
            "link the queue to the instances or group that consume its messages",
        ),
        Refusal::Other => (
            format!(
                "a {} cannot link to a {label}",
                origin.map_or("source", |o| o.kind().label())
            ),
            "see the link rules in docs/levels.md",
        ),
    })
}

/// "an Auto Scaling group", "a load balancer".
fn with_article(label: &str) -> String {
    let vowel = label.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
    format!("{} {label}", if vowel { "an" } else { "a" })
}

/// Where each thing and each link is written, so that a problem about a
/// pre-placed thing, found while checking a solution, points into the level.
pub(super) struct Places<'a> {
    /// Each thing's path in its file, by id.
    things: BTreeMap<&'a str, Spot<'a>>,
    /// Each link's path, in the order of the links checked (level's first).
    links: Vec<Spot<'a>>,
}

impl<'a> Places<'a> {
    /// Things and links written in one file under `things_at` and `links_at`.
    pub(super) fn new() -> Self {
        Self {
            things: BTreeMap::new(),
            links: Vec::new(),
        }
    }

    /// Adds things listed at `list`, in this file or in the level's.
    pub(super) fn things(
        &mut self,
        things: &'a [Thing],
        list: Path<'a>,
        in_level: bool,
    ) -> &mut Self {
        for (i, t) in things.iter().enumerate() {
            let path = list.index(i);
            let spot = if in_level {
                Spot::InLevel(path)
            } else {
                Spot::At(path)
            };
            self.things.entry(t.id()).or_insert(spot);
        }
        self
    }

    /// Adds links listed at `list`, in this file or in the level's.
    pub(super) fn links(&mut self, count: usize, list: Path<'a>, in_level: bool) -> &mut Self {
        for i in 0..count {
            let path = list.index(i);
            self.links.push(if in_level {
                Spot::InLevel(path)
            } else {
                Spot::At(path)
            });
        }
        self
    }

    /// Where a thing is written (its id), or the top of the file.
    pub(super) fn thing(&self, id: &str) -> Spot<'a> {
        match self.things.get(id) {
            Some(Spot::At(p)) => Spot::At(p.field("id")),
            Some(Spot::InLevel(p)) => Spot::InLevel(p.field("id")),
            _ => Spot::Top,
        }
    }

    /// Where a field of a thing is written.
    pub(super) fn thing_field(&self, id: &str, field: &'a str) -> Spot<'a> {
        match self.things.get(id) {
            Some(Spot::At(p)) => Spot::KeyAt(p.field(field)),
            Some(Spot::InLevel(p)) => Spot::InLevel(p.field(field)),
            _ => Spot::Top,
        }
    }

    /// Where the n-th link is written; `end` 0 is its `from`, 1 its `to`.
    pub(super) fn link(&self, n: usize, end: usize) -> Spot<'a> {
        match self.links.get(n) {
            Some(Spot::At(p)) => Spot::At(p.index(end)),
            Some(Spot::InLevel(p)) => Spot::InLevel(p.index(end)),
            _ => Spot::Top,
        }
    }
}

/// Checks each link on its own: both ends known, not to itself, by the link rules.
/// `first` is the index of `links[0]` among the links `places` knows.
pub(super) fn check_links(
    links: &[(String, String)],
    first: usize,
    places: &Places<'_>,
    sources: &BTreeSet<&str>,
    things: &BTreeMap<&str, &Thing>,
    r: &mut Reporter<'_>,
) {
    let mut seen = BTreeSet::new();
    let names = || sources.iter().copied().chain(things.keys().copied());
    for (i, (from, to)) in links.iter().enumerate() {
        let n = first + i;
        if !seen.insert((from, to)) {
            r.warn(
                Code::DuplicateLink,
                places.link(n, 1),
                format!("the link {from} -> {to} is listed twice"),
                None,
            );
        }
        if !sources.contains(from.as_str()) && !things.contains_key(from.as_str()) {
            let hint = if r.listing() {
                hint_names(from, names(), "ids")
            } else {
                None
            };
            r.error(
                Code::LinkEnd,
                places.link(n, 0),
                format!("link from unknown `{from}`"),
                hint,
            );
            continue;
        }
        let Some(target) = things.get(to.as_str()) else {
            let hint = if sources.contains(to.as_str()) {
                Some(format!(
                    "`{to}` is a traffic source; links run from sources to things"
                ))
            } else if r.listing() {
                hint_names(to, things.keys().copied(), "things")
            } else {
                None
            };
            let message = if sources.contains(to.as_str()) {
                format!("a link cannot point at the source `{to}`")
            } else {
                format!("link into nothing: `{to}` is not a placed thing")
            };
            r.error(Code::LinkEnd, places.link(n, 1), message, hint);
            continue;
        };
        if from == to {
            r.error(
                Code::LinkEnd,
                places.link(n, 1),
                format!("`{to}` is linked to itself"),
                None,
            );
            continue;
        }
        if let Err((message, hint)) = link_rule(things.get(from.as_str()).copied(), target) {
            r.error(
                Code::LinkRule,
                places.link(n, 1),
                format!("{from} -> {to}: {message}"),
                Some(hint.into()),
            );
        }
    }
}

/// A loop in the links, if there is one: the ids on it in order (the first
/// repeated at the end) and the index of the link that closes it.
pub(super) fn find_cycle(links: &[(String, String)]) -> Option<(Vec<String>, usize)> {
    let mut out: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (i, (from, to)) in links.iter().enumerate() {
        out.entry(from.as_str()).or_default().push((i, to.as_str()));
    }
    // Depth-first search with an explicit stack (a hostile file may chain a
    // thousand links): 0 unvisited, 1 on the current path, 2 done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let starts: Vec<&str> = out.keys().copied().collect();
    for start in starts {
        if state.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        // (node, next edge to try); `via` is the link each path step came through.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut via: Vec<usize> = Vec::new();
        state.insert(start, 1);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = out.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&(link, to)) = edges.get(*next) {
                *next += 1;
                match state.get(to).copied().unwrap_or(0) {
                    0 => {
                        state.insert(to, 1);
                        stack.push((to, 0));
                        via.push(link);
                    }
                    1 => {
                        // `to` is on the path: the loop runs from it to here.
                        let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let mut ids: Vec<String> =
                            stack[from..].iter().map(|(n, _)| n.to_string()).collect();
                        ids.push(to.to_string());
                        return Some((ids, link));
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                stack.pop();
                via.pop();
            }
        }
    }
    None
}

/// The workloads each serving thing receives, following sources through load
/// balancers, queues and topics, and served requests' calls to the next tier.
pub(super) fn served_workloads<'a>(
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

pub(super) fn check_reach(
    level: &Level,
    links: &[(String, String)],
    places: &Places<'_>,
    sources: &BTreeSet<&str>,
    things: &BTreeMap<&str, &Thing>,
    r: &mut Reporter<'_>,
) {
    if let Some((ids, closing)) = find_cycle(links) {
        r.error(
            Code::LinkLoop,
            places.link(closing, 1),
            format!("the links loop: {}", ids.join(" -> ")),
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
                Code::Unreached,
                Spot::KeyAt(Path::of("links")),
                format!("traffic from `{source}` goes nowhere: every request will be dropped"),
                Some(format!(
                    "add (\"{source}\", \"<your load balancer or server>\") to links"
                )),
            );
        } else if out > 1 {
            r.error(
                Code::Topology,
                places.link(
                    links
                        .iter()
                        .enumerate()
                        .filter(|(_, (f, _))| f == source)
                        .nth(1)
                        .map_or(0, |(i, _)| i),
                    1,
                ),
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
                r.error(Code::Topology, places.thing(id), format!("the targets of `{id}` call different next tiers"), Some("targets behind one load balancer should be the same tier, linked to the same next thing".into()));
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
            r.warn(Code::Unreached, places.thing(&id), format!("`{id}` serves `{}`, which calls `{}`, but `{id}` links to nothing: those calls fail", w.id, w.calls[0].workload), Some(format!("link `{id}` to the next tier, a queue or a topic")));
        }
    }
    for (id, thing) in things {
        let incoming = links.iter().any(|(_, t)| t == id);
        let outgoing = links.iter().filter(|(f, _)| f == id).count();
        match thing {
            // A topic published to that nobody subscribes to delivers
            // nothing, yet its publishers count as done: a level could be
            // won that way. (One nothing reaches gets the warnings below.)
            Thing::Topic { .. } if outgoing == 0 && incoming => {
                r.error(
                    Code::Topology,
                    places.thing(id),
                    format!(
                        "topic `{id}` has no subscriber: every message published to it is lost"
                    ),
                    Some(format!(
                        "subscribe a queue, a function or a server: (\"{id}\", \"<subscriber>\")"
                    )),
                );
            }
            Thing::LoadBalancer(_) | Thing::Queue(_) | Thing::Topic { .. } if outgoing == 0 => {
                r.warn(
                    Code::Unreached,
                    places.thing(id),
                    format!("`{id}` has nothing behind it: what reaches it is dropped"),
                    None,
                );
            }
            Thing::Queue(_) if outgoing > 1 => {
                r.error(
                    Code::Topology,
                    places.thing(id),
                    format!("queue `{id}` has {outgoing} consumers; link it to one group"),
                    Some(
                        "an Auto Scaling group of consumers scales better than several things"
                            .into(),
                    ),
                );
            }
            t if t.serves() && outgoing > 1 => {
                r.error(
                    Code::Topology,
                    places.thing(id),
                    format!("`{id}` calls {outgoing} things; a tier calls one next tier"),
                    Some("put a load balancer or a queue between the tiers".into()),
                );
            }
            t if t.serves() && outgoing == 1 && !calls_anything => {
                r.warn(
                    Code::Unreached,
                    places.thing(id),
                    format!("`{id}` links onward, but no workload of this level calls another"),
                    None,
                );
            }
            _ if incoming && hosts.contains(id) => {
                r.error(
                    Code::Topology,
                    places.thing(id),
                    format!("`{id}` hosts container tasks and cannot also take traffic itself"),
                    Some("link the container service instead".into()),
                );
            }
            _ if !incoming && !hosts.contains(id) => {
                r.warn(
                    Code::Unreached,
                    places.thing(id),
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
                Code::Topology,
                places.thing_field(id, "policies"),
                format!("group `{id}` scales on queue backlog but no queue feeds it"),
                Some(format!("link a queue to it: (\"<queue>\", \"{id}\")")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Refusal, link_refusal, link_rule};
    use crate::format::solution::Thing;

    fn thing(ron: &str) -> Thing {
        crate::format::load::ron_options()
            .from_str(ron)
            .expect("a thing")
    }

    #[test]
    fn a_group_is_reached_only_through_a_balancer_or_a_queue() {
        let group =
            thing(r#"AutoScalingGroup(id: "g", type: "c5.large", min: 1, desired: 1, max: 4)"#);
        let server = thing(r#"Instance(id: "web", type: "m5.large")"#);
        let topic = thing(r#"Topic(id: "t")"#);
        let queue = thing(r#"Queue(id: "q")"#);
        let lb = thing(r#"LoadBalancer(id: "lb", scheme: Internal)"#);
        let rack = thing(r#"OnPremises(id: "rack", model: "poweredge-r440", servers: 4)"#);
        // No single address: the internet, a server's calls and a topic's pushes.
        for origin in [None, Some(&server), Some(&topic)] {
            let (why, hint) = link_rule(origin, &group).expect_err("refused");
            assert!(
                why.contains("an Auto Scaling group has no single address"),
                "{why}"
            );
            assert!(hint.contains("load balancer"), "{hint}");
        }
        // A balancer spreads over it; its consumers poll a queue.
        assert!(link_rule(Some(&lb), &group).is_ok());
        assert!(link_rule(Some(&queue), &group).is_ok());
        // One instance has an address, and a rack its own front end.
        assert!(link_rule(None, &server).is_ok());
        assert!(link_rule(None, &rack).is_ok());
        // The screen names the same refusals, in the player's language.
        assert_eq!(link_refusal(None, &group), Some(Refusal::NoAddress));
        assert_eq!(
            link_refusal(Some(&server), &group),
            Some(Refusal::NoAddressForCalls)
        );
        assert_eq!(
            link_refusal(Some(&queue), &topic),
            Some(Refusal::QueueTarget)
        );
    }
}
