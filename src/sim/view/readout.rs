//! Before any run: what the level's traffic will be (a preview with its
//! peak), what one server of a thing serves of the work that can reach it
//! and how many the peak takes (from the catalogue and the build alone),
//! and what to warn about a build. Pure functions of level, solution and
//! catalogue; deterministic.

use std::collections::BTreeMap;

use crate::format::Catalogue;
use crate::format::level::{EventKind, Level, Shape};
use crate::format::solution::{Solution, Thing, ThingKind};

use super::super::components::Hardware;
use super::super::setup::hardware_figures;
use super::super::systems::traffic::shape_factor;

/// A level's traffic before any run: every source's expected rate (its
/// shapes and scripted spikes, without noise), summed, at the midpoint of
/// each of `points` equal slices of the level. Pure: level data only.
pub fn traffic_preview(level: &Level, points: usize) -> Vec<f64> {
    let end = level.duration.secs();
    let shapes = source_shapes(level);
    (0..points)
        .map(|i| {
            let t = (i as f64 + 0.5) * end / points.max(1) as f64;
            shapes
                .iter()
                .map(|(base, sh)| rate(*base, sh, t))
                .sum::<f64>()
        })
        .collect()
}

/// The busiest moment of a level's expected traffic: when (seconds) and
/// its rate (requests per second, every source together), on the same grid
/// [`readout`] looks for a thing's peak on, so the two agree.
pub fn traffic_peak(level: &Level) -> (f64, f64) {
    let end = level.duration.secs();
    traffic_preview(level, PEAK_POINTS)
        .into_iter()
        .enumerate()
        .fold((0.0, 0.0), |best, (i, rps)| {
            if rps > best.1 {
                ((i as f64 + 0.5) * end / PEAK_POINTS as f64, rps)
            } else {
                best
            }
        })
}

/// Each source's base rate and its shapes, scripted spikes included (as the
/// simulation adds them).
fn source_shapes(level: &Level) -> Vec<(f64, Vec<Shape>)> {
    level
        .sources
        .iter()
        .map(|s| {
            let mut shapes = s.shapes.clone();
            for e in &level.events {
                if let EventKind::TrafficSpike {
                    source,
                    multiplier,
                    ramp,
                    hold,
                } = &e.what
                    && *source == s.id
                {
                    shapes.push(Shape::Spike {
                        at: e.at,
                        ramp: *ramp,
                        hold: *hold,
                        multiplier: *multiplier,
                    });
                }
            }
            (s.base_rps, shapes)
        })
        .collect()
}

fn rate(base: f64, shapes: &[Shape], t: f64) -> f64 {
    shapes
        .iter()
        .fold(base, |r, sh| r * shape_factor(sh, t))
        .max(0.0)
}

/// What one server (instance, task or function environment) of a thing can
/// serve of each workload that can reach it, and what it takes at the
/// level's busiest moment. Worked out from the catalogue and the build
/// alone, before any run: service rate = slots × speed for the work's class
/// ÷ work time, where slots = vCPUs, fewer if memory holds fewer requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// Per workload that reaches the thing: its id and requests per second
    /// one server serves flat out.
    pub per_server: Vec<(String, f64)>,
    /// The busiest moment of the traffic that can reach the thing: when,
    /// seconds, and its requests per second (every such stream in full).
    pub peak: Option<(f64, f64)>,
    /// Servers it takes to serve that peak flat out (None if it cannot serve the work at all).
    pub servers_at_peak: Option<u32>,
    /// What a server is here.
    pub unit: Unit,
    /// The catalogue's figures behind it: vCPUs (or the task's or function's
    /// share), memory in GiB, and the speed for the first workload's class.
    pub basis: (f64, f64, f64),
}

/// What one "server" of a thing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An on-premises server.
    Server,
    /// An EC2 instance.
    Instance,
    /// A container task.
    Task,
    /// A Lambda execution environment.
    Environment,
}

/// Slices the level is cut into when looking for its peak.
const PEAK_POINTS: usize = 2_000;

/// The workloads (with their rate multipliers) reaching each thing, found by
/// following the links from every source: load balancers, queues and topics
/// pass work on; a thing that serves a workload sends its calls on along its
/// own links. Rates are each stream in full, not split between targets.
fn reaching(level: &Level, solution: &Solution) -> BTreeMap<String, Vec<(usize, usize, f64)>> {
    let things: BTreeMap<&str, ThingKind> = level
        .preplaced
        .iter()
        .chain(&solution.things)
        .map(|t| (t.id(), t.kind()))
        .collect();
    let links: Vec<&(String, String)> = level
        .preplaced_links
        .iter()
        .chain(&solution.links)
        .collect();
    let workload = |id: &str| level.workloads.iter().position(|w| w.id == id);
    // (thing, workload) → (source index, multiplier), each pair visited once.
    let mut out: BTreeMap<String, Vec<(usize, usize, f64)>> = BTreeMap::new();
    let mut todo: Vec<(String, usize, usize, f64, u32)> = Vec::new();
    for (i, s) in level.sources.iter().enumerate() {
        let Some(w) = workload(&s.workload) else {
            continue;
        };
        for (f, t) in &links {
            if *f == s.id {
                todo.push((t.clone(), w, i, 1.0, 0));
            }
        }
    }
    while let Some((at, w, src, mult, depth)) = todo.pop() {
        let Some(kind) = things.get(at.as_str()).copied() else {
            continue;
        };
        let seen = out.entry(at.clone()).or_default();
        if seen.iter().any(|(ww, ss, _)| *ww == w && *ss == src) || depth > 16 {
            continue;
        }
        seen.push((w, src, mult));
        let next: Vec<&String> = links
            .iter()
            .filter(|(f, _)| *f == at)
            .map(|(_, t)| t)
            .collect();
        if matches!(
            kind,
            ThingKind::LoadBalancer | ThingKind::Queue | ThingKind::Topic
        ) {
            for t in next {
                todo.push((t.clone(), w, src, mult, depth + 1));
            }
        } else {
            for call in &level.workloads[w].calls {
                let Some(cw) = workload(&call.workload) else {
                    continue;
                };
                for t in &next {
                    todo.push(((*t).clone(), cw, src, mult * call.per_request, depth + 1));
                }
            }
        }
    }
    out
}

/// The readout for one thing of the build (None for a thing that does not
/// serve work itself, or that no traffic can reach and no workload fits).
pub fn readout(
    catalogue: &Catalogue,
    level: &Level,
    solution: &Solution,
    id: &str,
) -> Option<Readout> {
    let thing = level
        .preplaced
        .iter()
        .chain(&solution.things)
        .find(|t| t.id() == id)?;
    let reach = reaching(level, solution);
    let streams = reach.get(id).cloned().unwrap_or_default();
    // Unreached, it is measured against every workload of the level.
    let workloads: Vec<usize> = if streams.is_empty() {
        (0..level.workloads.len()).collect()
    } else {
        let mut w: Vec<usize> = streams.iter().map(|(w, _, _)| *w).collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let heaviest = workloads
        .iter()
        .map(|&w| level.workloads[w].memory_mib)
        .fold(0.0, f64::max);
    let (unit, vcpu, memory_gib, speed): (Unit, f64, f64, Option<crate::format::catalogue::Speed>) =
        match thing {
            Thing::OnPremises { model, .. } => {
                let (i, _) = catalogue.server_model(model)?;
                let (v, m, sp) = hardware_figures(catalogue, Hardware::OnPrem(i));
                (Unit::Server, f64::from(v), m, Some(sp))
            }
            Thing::Instance { instance_type, .. } => {
                let (i, _) = catalogue.instance_type(instance_type)?;
                let (v, m, sp) = hardware_figures(catalogue, Hardware::Ec2(i));
                (Unit::Instance, f64::from(v), m, Some(sp))
            }
            Thing::AutoScalingGroup(g) => {
                let (i, _) = catalogue.instance_type(&g.instance_type)?;
                let (v, m, sp) = hardware_figures(catalogue, Hardware::Ec2(i));
                (Unit::Instance, f64::from(v), m, Some(sp))
            }
            Thing::ContainerService(c) => {
                let hw = Hardware::Task {
                    milli_vcpu: (c.task_vcpu * 1000.0).round() as u32,
                    memory_mib: (c.task_memory_gib * 1024.0).round() as u32,
                };
                let (v, m, sp) = hardware_figures(catalogue, hw);
                (Unit::Task, f64::from(v), m, Some(sp))
            }
            Thing::Function(f) => {
                let cpu = (f64::from(f.memory_mb) / catalogue.lambda.mb_per_vcpu).min(1.0);
                (
                    Unit::Environment,
                    cpu,
                    f64::from(f.memory_mb) / 1024.0,
                    None,
                )
            }
            _ => return None,
        };
    // Memory bounds how many requests run at once, as the simulation has it.
    let slots = match unit {
        Unit::Environment => 1.0,
        _ if heaviest > 0.0 => vcpu.min((memory_gib * 1024.0 / heaviest).floor()),
        _ => vcpu,
    };
    let per_rate = |w: usize| -> f64 {
        let wl = &level.workloads[w];
        let work_s = wl.work_ms / 1000.0;
        if work_s <= 0.0 {
            return 0.0;
        }
        match &speed {
            Some(sp) => slots * sp.for_class(wl.class) / work_s,
            None if wl.class == crate::format::catalogue::WorkClass::Gpu => 0.0,
            None => vcpu / work_s,
        }
    };
    let per_server: Vec<(String, f64)> = workloads
        .iter()
        .map(|&w| (level.workloads[w].id.clone(), per_rate(w)))
        .collect();
    let first_speed = workloads.first().map_or(1.0, |&w| {
        speed
            .as_ref()
            .map_or(1.0, |sp| sp.for_class(level.workloads[w].class))
    });
    let mut peak = None;
    let mut servers_at_peak = None;
    if !streams.is_empty() {
        let shapes = source_shapes(level);
        let end = level.duration.secs();
        let mut best: Option<(f64, f64, f64)> = None;
        let mut impossible = false;
        for i in 0..PEAK_POINTS {
            let t = (i as f64 + 0.5) * end / PEAK_POINTS as f64;
            let (mut rps, mut servers) = (0.0, 0.0);
            for &(w, src, mult) in &streams {
                let (base, sh) = &shapes[src];
                let r = rate(*base, sh, t) * mult;
                rps += r;
                let per = per_rate(w);
                if per > 0.0 {
                    servers += r / per;
                } else if r > 0.0 {
                    impossible = true;
                }
            }
            if best.is_none_or(|b| servers > b.2 || (servers == b.2 && rps > b.1)) {
                best = Some((t, rps, servers));
            }
        }
        if let Some((t, rps, servers)) = best {
            peak = Some((t, rps));
            servers_at_peak = (!impossible).then(|| servers.ceil().max(1.0) as u32);
        }
    }
    Some(Readout {
        per_server,
        peak,
        servers_at_peak,
        unit,
        basis: (vcpu, memory_gib, first_speed),
    })
}

/// Something about a build worth saying before it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildWarning {
    /// A queue nothing reads: its messages wait until they are late or expire.
    NoConsumer {
        /// The queue.
        queue: String,
    },
    /// A thing nothing links to: it will get no traffic.
    NoTraffic {
        /// The thing.
        thing: String,
    },
    /// A thing the level says must receive a workload that the build never
    /// brings it: every such request will be lost.
    Undelivered {
        /// The thing.
        thing: String,
        /// The workload it must receive.
        workload: String,
    },
    /// A topic with no subscriber: what is published to it goes nowhere.
    NoSubscriber {
        /// The topic.
        topic: String,
    },
    /// A group (or container service) that cannot reach the peak of the
    /// traffic that reaches it, even at its maximum.
    MaxTooLow {
        /// The group.
        group: String,
        /// Its maximum.
        max: u32,
        /// Servers the peak takes.
        needed: u32,
        /// When the peak comes, seconds.
        at_s: f64,
    },
}

/// The warnings for a build, in board order.
pub fn build_warnings(
    catalogue: &Catalogue,
    level: &Level,
    solution: &Solution,
) -> Vec<BuildWarning> {
    let links: Vec<&(String, String)> = level
        .preplaced_links
        .iter()
        .chain(&solution.links)
        .collect();
    let hosts: Vec<&str> = level
        .preplaced
        .iter()
        .chain(&solution.things)
        .filter_map(|t| match t {
            Thing::ContainerService(c) => match &c.capacity {
                crate::format::solution::Capacity::Ec2(h) => Some(h.as_str()),
                crate::format::solution::Capacity::Fargate => None,
            },
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    // What the run would count as never delivered, found as the run finds it.
    let things: Vec<&Thing> = level.preplaced.iter().chain(&solution.things).collect();
    let owned: Vec<(String, String)> = links.iter().map(|&l| l.clone()).collect();
    let streams = crate::sim::streams::discover(level, &things, &owned);
    for u in &streams.undelivered {
        let workload = level.workloads[streams.specs[u.stream].workload].id.clone();
        let warning = BuildWarning::Undelivered {
            thing: u.thing.clone(),
            workload,
        };
        if !out.contains(&warning) {
            out.push(warning);
        }
    }
    for t in level.preplaced.iter().chain(&solution.things) {
        let id = t.id();
        let linked_to = links.iter().any(|(_, to)| to == id);
        let links_on = links.iter().any(|(f, _)| f == id);
        let undelivered = streams.undelivered.iter().any(|u| u.thing == id);
        if !linked_to && !hosts.contains(&id) && !undelivered {
            out.push(BuildWarning::NoTraffic {
                thing: id.to_string(),
            });
            continue;
        }
        if !linked_to && undelivered {
            continue;
        }
        match t {
            Thing::Queue(_) if !links_on => out.push(BuildWarning::NoConsumer {
                queue: id.to_string(),
            }),
            Thing::Topic { .. } if !links_on => out.push(BuildWarning::NoSubscriber {
                topic: id.to_string(),
            }),
            Thing::AutoScalingGroup(g) => {
                // A group fed by a queue may work through the peak late; one
                // that callers wait on must keep up.
                let queued = links.iter().any(|(f, to)| {
                    to == id
                        && level
                            .preplaced
                            .iter()
                            .chain(&solution.things)
                            .any(|q| q.id() == f && q.kind() == ThingKind::Queue)
                });
                let shared = links
                    .iter()
                    .any(|(f, to)| to == id && links.iter().filter(|(f2, _)| f2 == f).count() > 1);
                if queued || shared {
                    continue;
                }
                if let Some(r) = readout(catalogue, level, solution, id)
                    && let (Some(needed), Some((at_s, _))) = (r.servers_at_peak, r.peak)
                    && needed > g.max
                {
                    out.push(BuildWarning::MaxTooLow {
                        group: id.to_string(),
                        max: g.max,
                        needed,
                        at_s,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{SourceFile, check_texts};

    fn level_08() -> (Catalogue, Level) {
        let (file, _) = crate::sim::testdata::level_and_solution("08", "reference");
        let checked = check_texts(file, None).expect("checks");
        (checked.catalogue, checked.level)
    }

    fn solution(text: &str) -> Solution {
        let (file, _) = crate::sim::testdata::level_and_solution("08", "reference");
        check_texts(file, Some(SourceFile::new("s.ron", text)))
            .expect("checks")
            .solution
            .expect("a solution")
            .0
    }

    #[test]
    fn a_readout_is_the_catalogue_figure_and_the_peak_it_takes() {
        let (catalogue, level) = level_08();
        let build = solution(
            r#"Solution(level: "08-loose-coupling",
                things: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "shop", type: "m5.large", min: 1, desired: 1, max: 1)],
                links: [("customers", "lb"), ("lb", "shop")])"#,
        );
        let r = readout(&catalogue, &level, &build, "shop").expect("a readout");
        assert_eq!(r.unit, Unit::Instance);
        // An m5.large: 2 vCPU at speed 1 for Web work of 40 ms, memory to spare.
        let (_, m5) = catalogue.instance_type("m5.large").expect("m5.large");
        let want = f64::from(m5.vcpu) * m5.speed.web / 0.040;
        assert_eq!(r.per_server.len(), 1);
        assert_eq!(r.per_server[0].0, "order");
        assert!((r.per_server[0].1 - want).abs() < 1e-9, "{r:?}");
        // The customers' steady 80/s (no shapes): two instances serve it flat out.
        let (at, rps) = r.peak.expect("reached");
        assert!((rps - 80.0).abs() < 1e-9 && at < 7_200.0);
        assert_eq!(r.servers_at_peak, Some((80.0 / want).ceil() as u32));
        // The same group, unlinked, still says what it serves, and no peak.
        let alone = solution(
            r#"Solution(level: "08-loose-coupling",
                things: [AutoScalingGroup(id: "shop", type: "m5.large", min: 1, desired: 1, max: 1)])"#,
        );
        let r = readout(&catalogue, &level, &alone, "shop").expect("a readout");
        assert_eq!(r.peak, None);
        assert_eq!(r.per_server.len(), level.workloads.len());
        // A load balancer serves nothing itself.
        let lb = solution(
            r#"Solution(level: "08-loose-coupling", things: [LoadBalancer(id: "lb")], links: [("customers", "lb")])"#,
        );
        assert!(readout(&catalogue, &level, &lb, "lb").is_none());
    }

    #[test]
    fn the_calls_a_tier_makes_reach_the_tier_behind_it() {
        let (catalogue, level) = level_08();
        let build = solution(
            r#"Solution(level: "08-loose-coupling",
                things: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "shop", type: "m5.large", min: 1, desired: 1, max: 4),
                         Queue(id: "orders")],
                links: [("customers", "lb"), ("lb", "shop"), ("shop", "orders"), ("orders", "fulfilment")])"#,
        );
        let r = readout(&catalogue, &level, &build, "fulfilment").expect("a readout");
        assert_eq!(r.per_server.len(), 1);
        assert_eq!(r.per_server[0].0, "pack");
        assert!(r.peak.is_some_and(|(_, rps)| (rps - 80.0).abs() < 1e-9));
    }

    #[test]
    fn warnings_name_a_queue_nobody_reads_a_box_nobody_feeds_and_a_max_too_low() {
        let (catalogue, level) = level_08();
        let build = solution(
            r#"Solution(level: "08-loose-coupling",
                things: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "shop", type: "m5.large", min: 1, desired: 1, max: 1),
                         Queue(id: "orders"), LoadBalancer(id: "spare")],
                links: [("customers", "lb"), ("lb", "shop"), ("shop", "orders")])"#,
        );
        let w = build_warnings(&catalogue, &level, &build);
        println!("{w:?}");
        assert!(w.contains(&BuildWarning::NoConsumer {
            queue: "orders".into()
        }));
        assert!(w.contains(&BuildWarning::NoTraffic {
            thing: "fulfilment".into()
        }));
        assert!(w.contains(&BuildWarning::NoTraffic {
            thing: "spare".into()
        }));
        assert!(w.iter().any(
            |x| matches!(x, BuildWarning::MaxTooLow { group, max: 1, .. } if group == "shop")
        ));
        // The reference has nothing to warn about.
        let (file, text) = crate::sim::testdata::level_and_solution("08", "reference");
        let reference = check_texts(file, Some(SourceFile::new("r.ron", text)))
            .expect("checks")
            .solution
            .expect("reference")
            .0;
        assert_eq!(build_warnings(&catalogue, &level, &reference), vec![]);
    }

    #[test]
    fn the_preview_follows_the_shapes_and_the_scripted_spikes() {
        let (file, _) = crate::sim::testdata::level_and_solution("day", "reference");
        let level = check_texts(file, None).expect("checks").level;
        let points = traffic_preview(&level, 96);
        assert_eq!(points.len(), 96);
        let (at, peak) = traffic_peak(&level);
        assert!(points.iter().all(|p| *p <= peak + 1e-6));
        // The 13:00 sale lifts the day's traffic well above its morning.
        assert!(peak > 2.0 * points[24], "{peak} vs {}", points[24]);
        assert!((46_800.0..50_000.0).contains(&at), "{at}");
    }

    #[test]
    fn a_service_that_must_get_copies_and_gets_none_is_warned_of() {
        let (file, _) = crate::sim::testdata::level_and_solution("09", "reference");
        let build = r#"Solution(level: "09-sns-fan-out",
            things: [LoadBalancer(id: "lb"), AutoScalingGroup(id: "shop", type: "m5.large", min: 2, desired: 2, max: 8),
                     Queue(id: "q")],
            links: [("customers", "lb"), ("lb", "shop"), ("shop", "q"), ("q", "fulfilment")])"#;
        let checked = check_texts(file, Some(SourceFile::new("s.ron", build))).expect("checks");
        let solution = checked.solution.expect("a solution").0;
        let w = build_warnings(&checked.catalogue, &checked.level, &solution);
        println!("{w:?}");
        for thing in ["mailer", "analytics"] {
            assert!(w.contains(&BuildWarning::Undelivered {
                thing: thing.into(),
                workload: "order-placed".into()
            }));
            // Said once, as what it is, not as "no traffic".
            assert!(!w.contains(&BuildWarning::NoTraffic {
                thing: thing.into()
            }));
        }
        assert!(!w.iter().any(
            |x| matches!(x, BuildWarning::Undelivered { thing, .. } if thing == "fulfilment")
        ));
    }
}
