//! The link rules: what may link to what, loops, and what reaches each thing.

use std::collections::{BTreeMap, BTreeSet};

use super::super::level::Level;
use super::super::locate::{Reporter, Spot};
use super::super::solution::{Capacity, Metric, Policy, Scheme, Thing};
use super::things::hint_names;

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

pub(super) fn check_links(
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
pub(super) fn has_cycle(links: &[(String, String)]) -> Option<String> {
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
