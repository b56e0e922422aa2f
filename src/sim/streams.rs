//! Streams: the requests of one source, and the work they call for downstream.
//!
//! A source's requests form a stream. When a tier serves a request whose
//! workload calls another, the calls form a child stream that flows on to the
//! next tier. Every stream is counted on its own, so each keeps the promise
//! arrived = ok + late + dropped + pending. A call through a queue is
//! asynchronous: the caller is done once the message is sent, and the child
//! stream is work of its own. A call straight to a server or a load balancer
//! is synchronous: the caller's request finishes only when its call does, and
//! fails if the call fails.

use std::collections::{BTreeMap, BTreeSet};

use crate::format::level::Level;
use crate::format::solution::Thing;

/// One stream of requests.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpec {
    /// Name for reports: the source id, then `→ workload` per call.
    pub name: String,
    /// Workload index.
    pub workload: usize,
    /// The level source it all started from.
    pub root: usize,
    /// The stream whose requests made these calls.
    pub parent: Option<usize>,
    /// Whether the parent waits for these calls (tight coupling).
    pub sync: bool,
    /// Whether the stream only carries publishes into a topic, which fans
    /// them out as streams of their own.
    pub relay: bool,
}

impl StreamSpec {
    /// A stream of the same work as stream `parent` (`of`), asynchronous and
    /// counted by itself: a topic's copy to one subscriber, or the copies
    /// never delivered to a thing.
    fn copy_of(of: &StreamSpec, parent: usize, name: String) -> StreamSpec {
        StreamSpec {
            name,
            workload: of.workload,
            root: of.root,
            parent: Some(parent),
            sync: false,
            relay: false,
        }
    }

    /// Whether the stream counts toward availability and request totals: every
    /// stream but synchronous calls, whose outcome is already their caller's.
    pub fn counted(&self) -> bool {
        !(self.relay || (self.parent.is_some() && self.sync))
    }
}

/// The streams of a level and solution, found by following the links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Streams {
    /// Every stream: the level's sources first, then calls in the order found.
    pub specs: Vec<StreamSpec>,
    /// For each stream, the child stream of each call its workload makes
    /// (`None` where no tier ever serves the stream).
    pub children: Vec<Vec<Option<usize>>>,
    /// For each thing id, the workloads that reach it.
    pub reaches: BTreeMap<String, BTreeSet<usize>>,
    /// For each thing id, the streams that reach it.
    pub visits: BTreeMap<String, BTreeSet<usize>>,
    /// For each stream published to a topic, the stream each subscriber
    /// receives, in link order (empty for other streams).
    pub fanout: Vec<Vec<usize>>,
    /// Streams of requests never brought to a thing the level says must
    /// receive them.
    pub undelivered: Vec<Undelivered>,
}

/// A stream of requests never brought to a thing that must receive them:
/// every arrival in its origin is one lost here.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    /// The stream that counts them.
    pub stream: usize,
    /// The stream whose arrivals it mirrors.
    pub origin: usize,
    /// The thing they never reach.
    pub thing: String,
}

/// The most streams a level may have: past it, further calls are not followed
/// (a guard against fan-out chains that multiply without end).
pub const MAX_STREAMS: usize = 10_000;

/// Follows every source's requests through the links to find all streams.
pub fn discover(level: &Level, things: &[&Thing], links: &[(String, String)]) -> Streams {
    let mut streams: Vec<StreamSpec> = level
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| StreamSpec {
            name: s.id.clone(),
            workload: level
                .workloads
                .iter()
                .position(|w| w.id == s.workload)
                .unwrap_or(0),
            root: i,
            parent: None,
            sync: false,
            // A source that publishes straight to a topic is counted through its subscribers.
            relay: links.iter().any(|(f, t)| {
                *f == s.id
                    && things
                        .iter()
                        .any(|x| x.id() == t && matches!(x, Thing::Topic { .. }))
            }),
        })
        .collect();
    let calls_of = |stream: &StreamSpec| {
        level
            .workloads
            .get(stream.workload)
            .map_or(0, |w| w.calls.len())
    };
    let mut children: Vec<Vec<Option<usize>>> =
        streams.iter().map(|s| vec![None; calls_of(s)]).collect();
    let next = |from: &str| -> Vec<&str> {
        links
            .iter()
            .filter(|(f, _)| f == from)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    let thing = |id: &str| things.iter().find(|t| t.id() == id).copied();

    let mut work: Vec<(usize, String)> = level
        .sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| next(&s.id).into_iter().map(move |t| (i, t.to_string())))
        .collect();
    let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut reaches: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut visits: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut fanout: Vec<Vec<usize>> = Vec::new();
    let mut cursor = 0;
    while cursor < work.len() {
        let (stream, node) = work[cursor].clone();
        cursor += 1;
        if !seen.insert((stream, node.clone())) {
            continue;
        }
        reaches
            .entry(node.clone())
            .or_default()
            .insert(streams[stream].workload);
        visits.entry(node.clone()).or_default().insert(stream);
        let Some(t) = thing(&node) else { continue };
        if streams.len() >= MAX_STREAMS {
            continue;
        }
        if matches!(t, Thing::Topic { .. }) {
            // Every subscriber gets each publish as a stream of its own.
            for (k, target) in next(&node).into_iter().enumerate() {
                while fanout.len() <= stream {
                    fanout.push(Vec::new());
                }
                let child = match fanout[stream].get(k) {
                    Some(c) => *c,
                    None => {
                        let name = format!("{} ⇒ {target}", streams[stream].name);
                        let spec = StreamSpec::copy_of(&streams[stream], stream, name);
                        children.push(vec![None; level.workloads[spec.workload].calls.len()]);
                        streams.push(spec);
                        let id = streams.len() - 1;
                        fanout[stream].push(id);
                        id
                    }
                };
                work.push((child, target.to_string()));
            }
            continue;
        }
        if !t.serves() {
            for target in next(&node) {
                work.push((stream, target.to_string()));
            }
            continue;
        }
        let downstream = next(&node).first().map(|s| s.to_string());
        let downstream_thing = downstream.as_deref().and_then(thing);
        let asynchronous =
            downstream_thing.is_some_and(|d| matches!(d, Thing::Queue(_) | Thing::Topic { .. }));
        let relay = downstream_thing.is_some_and(|d| matches!(d, Thing::Topic { .. }));
        let workload = streams[stream].workload;
        for (ci, call) in level.workloads[workload].calls.iter().enumerate() {
            let child = match children[stream][ci] {
                Some(c) => c,
                None => {
                    let w = level
                        .workloads
                        .iter()
                        .position(|w| w.id == call.workload)
                        .unwrap_or(0);
                    let spec = StreamSpec {
                        name: format!("{} → {}", streams[stream].name, call.workload),
                        workload: w,
                        root: streams[stream].root,
                        parent: Some(stream),
                        sync: !asynchronous,
                        relay,
                    };
                    children.push(vec![None; level.workloads[w].calls.len()]);
                    streams.push(spec);
                    let id = streams.len() - 1;
                    children[stream][ci] = Some(id);
                    id
                }
            };
            if let Some(d) = &downstream {
                work.push((child, d.clone()));
            }
        }
    }
    fanout.resize(streams.len(), Vec::new());
    let undelivered = undelivered(level, &mut streams, &mut children, &mut fanout, &visits);
    Streams {
        specs: streams,
        children,
        reaches,
        visits,
        fanout,
        undelivered,
    }
}

/// Adds a stream for each thing that a stream's requests must reach and never
/// do: every request that arrives in the first is one never delivered to it.
/// A topic's copies count as the publish's own: a publish reaches whatever
/// its subscribers reach.
fn undelivered(
    level: &Level,
    streams: &mut Vec<StreamSpec>,
    children: &mut Vec<Vec<Option<usize>>>,
    fanout: &mut Vec<Vec<usize>>,
    visits: &BTreeMap<String, BTreeSet<usize>>,
) -> Vec<Undelivered> {
    let copies: BTreeSet<usize> = fanout.iter().flatten().copied().collect();
    let mut out = Vec::new();
    let origins = streams.len();
    for origin in 0..origins {
        let must = &level.workloads[streams[origin].workload].must_reach;
        if must.is_empty() || copies.contains(&origin) {
            continue;
        }
        // The origin and every copy fanned out from it, through topics after topics.
        let mut family = vec![origin];
        let mut k = 0;
        while k < family.len() {
            let more: Vec<usize> = fanout[family[k]]
                .iter()
                .copied()
                .filter(|c| !family.contains(c))
                .collect();
            family.extend(more);
            k += 1;
        }
        for id in must {
            let reached = visits
                .get(id)
                .is_some_and(|v| family.iter().any(|s| v.contains(s)));
            if reached || streams.len() >= MAX_STREAMS {
                continue;
            }
            let name = format!("{} ⇏ {id}", streams[origin].name);
            let spec = StreamSpec::copy_of(&streams[origin], origin, name);
            children.push(vec![None; level.workloads[spec.workload].calls.len()]);
            fanout.push(Vec::new());
            streams.push(spec);
            out.push(Undelivered {
                stream: streams.len() - 1,
                origin,
                thing: id.clone(),
            });
        }
    }
    out
}
