//! Designs built from scratch out of the palette: for every source the level
//! leaves unlinked, a tier that serves its work (one or a few instances, an
//! Auto Scaling group, a Lambda function, a container service on Fargate or
//! racked servers), maybe behind a load balancer or a queue; and for the
//! work that tier calls, the next tier built the same way, or the level's
//! own pre-placed servers that nothing feeds yet (through a topic when there
//! are several).
//!
//! The designs are simple on purpose: they show what a first try costs,
//! beside the changed copies of the level's solutions.

use std::collections::{BTreeMap, BTreeSet};

use crate::format::level::{Level, Mode, Workload};
use crate::format::solution::{
    AutoScalingGroup, Capacity, ContainerSpec, FunctionSpec, LoadBalancer, Metric, Orchestrator,
    Policy, QueueSpec, Scheme, Solution, Thing, ThingKind,
};

use super::mutate::{CPU_TARGETS, MEMORY_MB, purchase_option};
use super::sample::{Dice, Palette};

/// Kinds of thing that serve requests, in the order they are offered.
const SERVERS: [ThingKind; 5] = [
    ThingKind::AutoScalingGroup,
    ThingKind::Instance,
    ThingKind::Function,
    ThingKind::ContainerService,
    ThingKind::OnPremises,
];
/// Backlog-per-instance targets for groups fed by a queue.
const BACKLOG_TARGETS: [f64; 5] = [2.0, 5.0, 20.0, 100.0, 1000.0];
/// Deepest chain of calls followed (levels are checked to have no loops).
const MOST_TIERS: u32 = 8;

/// A design built from scratch, or None when the level leaves nothing open
/// or its palette has nothing that serves.
pub fn design(palette: &Palette<'_>, dice: &mut Dice) -> Option<Solution> {
    let level = palette.level;
    let mut b = Builder {
        palette: *palette,
        solution: Solution {
            level: level.id.clone(),
            ..Solution::default()
        },
        taken: level
            .sources
            .iter()
            .map(|s| s.id.clone())
            .chain(level.preplaced.iter().map(|t| t.id().to_string()))
            .collect(),
        spare: spare_servers(level),
    };
    let ends = open_ends(level);
    if ends.is_empty() {
        return None;
    }
    for end in ends {
        let entry = b.tier(&end.workload, end.called, 0, dice)?;
        for from in end.from {
            b.link(&from, &entry);
        }
    }
    Some(b.solution)
}

/// Where a design must attach: a source nothing is linked to, or pre-placed
/// servers whose work calls a next tier they are not linked to.
struct End {
    from: Vec<String>,
    workload: String,
    called: bool,
}

fn open_ends(level: &Level) -> Vec<End> {
    let links = &level.preplaced_links;
    let things: BTreeMap<&str, &Thing> = level.preplaced.iter().map(|t| (t.id(), t)).collect();
    let links_from = |id: &str| -> Vec<&String> {
        links
            .iter()
            .filter(|(f, _)| f == id)
            .map(|(_, t)| t)
            .collect()
    };
    let mut ends = Vec::new();
    for source in &level.sources {
        if links_from(&source.id).is_empty() {
            ends.push(End {
                from: vec![source.id.clone()],
                workload: source.workload.clone(),
                called: false,
            });
            continue;
        }
        let Some(call) = workload(level, &source.workload).and_then(|w| w.calls.first()) else {
            continue;
        };
        // Follow the pre-placed links to the servers that take this source's work.
        let mut waiting = vec![source.id.as_str()];
        let mut seen = BTreeSet::new();
        let mut open = Vec::new();
        while let Some(at) = waiting.pop() {
            for to in links_from(at) {
                if !seen.insert(to.as_str()) {
                    continue;
                }
                match things.get(to.as_str()) {
                    Some(t) if t.serves() && links_from(to).is_empty() => open.push(to.clone()),
                    Some(t) if t.serves() => {}
                    Some(_) => waiting.push(to),
                    None => {}
                }
            }
        }
        if !open.is_empty() {
            ends.push(End {
                from: open,
                workload: call.workload.clone(),
                called: true,
            });
        }
    }
    ends
}

/// Pre-placed servers that no link feeds: work the player is meant to send them.
fn spare_servers(level: &Level) -> Vec<String> {
    level
        .preplaced
        .iter()
        .filter(|t| t.serves())
        .map(|t| t.id().to_string())
        .filter(|id| !level.preplaced_links.iter().any(|(_, to)| to == id))
        .collect()
}

fn workload<'a>(level: &'a Level, id: &str) -> Option<&'a Workload> {
    level.workloads.iter().find(|w| w.id == id)
}

struct Builder<'a> {
    palette: Palette<'a>,
    solution: Solution,
    /// Every id in use: sources, pre-placed things, things placed here.
    taken: BTreeSet<String>,
    /// Pre-placed servers not yet fed.
    spare: Vec<String>,
}

impl Builder<'_> {
    fn has(&self, kind: ThingKind) -> bool {
        self.palette.has(kind)
    }

    fn id(&mut self, prefix: &str) -> String {
        let id = (1..)
            .map(|n| format!("{prefix}-{n}"))
            .find(|id| !self.taken.contains(id))
            .unwrap_or_else(|| prefix.to_string());
        self.taken.insert(id.clone());
        id
    }

    fn place(&mut self, thing: Thing) -> String {
        let id = thing.id().to_string();
        self.solution.things.push(thing);
        id
    }

    fn link(&mut self, from: &str, to: &str) {
        self.solution.links.push((from.to_string(), to.to_string()));
    }

    fn queue(&mut self) -> String {
        let id = self.id("queue");
        self.place(Thing::Queue(QueueSpec {
            id,
            visibility_timeout: None,
            retention: None,
            dead_letter_after: None,
        }))
    }

    fn balancer(&mut self, internal: bool) -> String {
        let id = self.id("lb");
        self.place(Thing::LoadBalancer(LoadBalancer {
            id,
            scheme: if internal {
                Scheme::Internal
            } else {
                Scheme::InternetFacing
            },
            algorithm: Default::default(),
            draining: None,
            health_interval: None,
            healthy_threshold: None,
        }))
    }

    /// Builds the tier that takes `workload` and returns the id its callers link to.
    fn tier(
        &mut self,
        workload_id: &str,
        called: bool,
        depth: u32,
        dice: &mut Dice,
    ) -> Option<String> {
        if depth > MOST_TIERS {
            return None;
        }
        if called && !self.spare.is_empty() {
            return Some(self.feed_spare(dice));
        }
        let w = workload(self.palette.level, workload_id)?.clone();
        let queued = self.has(ThingKind::Queue)
            && (called || matches!(w.mode, Mode::Async { .. }))
            && dice.chance(0.5);
        let servers = self.servers(&w, queued, dice)?;
        if let Some(call) = w.calls.first() {
            let next = self.tier(&call.workload, true, depth + 1, dice)?;
            for s in &servers {
                self.link(s, &next);
            }
        }
        let grouped = self
            .solution
            .things
            .iter()
            .any(|t| t.id() == servers[0] && t.kind() == ThingKind::AutoScalingGroup);
        let entry = if queued {
            let q = self.queue();
            self.link(&q, &servers[0]);
            q
        } else if self.has(ThingKind::LoadBalancer) && (servers.len() > 1 || grouped) {
            // A group has no single address: only a balancer reaches it.
            let lb = self.balancer(called);
            for s in &servers {
                self.link(&lb, s);
            }
            lb
        } else {
            servers[0].clone()
        };
        Some(entry)
    }

    /// Sends called work to the pre-placed servers waiting for it: through a
    /// topic to all of them when there are several, maybe through a queue.
    fn feed_spare(&mut self, dice: &mut Dice) -> String {
        let spare = std::mem::take(&mut self.spare);
        let topic = spare.len() > 1 && self.has(ThingKind::Topic);
        let targets = if topic {
            spare.clone()
        } else {
            spare[..1].to_vec()
        };
        self.spare = if topic {
            Vec::new()
        } else {
            spare[1..].to_vec()
        };
        let mut entries = Vec::new();
        for target in targets {
            let kind = self
                .palette
                .level
                .preplaced
                .iter()
                .find(|t| t.id() == target)
                .map(Thing::kind);
            let function = kind == Some(ThingKind::Function);
            let grouped = kind == Some(ThingKind::AutoScalingGroup);
            if self.has(ThingKind::Queue) && !function && dice.chance(0.7) {
                let q = self.queue();
                self.link(&q, &target);
                entries.push(q);
            } else if grouped && self.has(ThingKind::LoadBalancer) {
                let lb = self.balancer(false);
                self.link(&lb, &target);
                entries.push(lb);
            } else {
                entries.push(target);
            }
        }
        if topic {
            let id = self.id("topic");
            let t = self.place(Thing::Topic { id });
            for e in &entries {
                self.link(&t, e);
            }
            t
        } else {
            entries.swap_remove(0)
        }
    }

    /// Places the servers of one tier: several instances only where a load
    /// balancer can spread over them, one thing otherwise.
    fn servers(&mut self, w: &Workload, queued: bool, dice: &mut Dice) -> Option<Vec<String>> {
        let palette = self.palette;
        let kinds: Vec<ThingKind> = SERVERS.into_iter().filter(|k| self.has(*k)).collect();
        let kind = *dice.pick(&kinds)?;
        let types: Vec<String> = {
            let all = palette.instance_types();
            let fit: Vec<_> = all
                .iter()
                .filter(|t| t.speed.for_class(w.class) > 0.0)
                .collect();
            if fit.is_empty() {
                all.iter().map(|t| t.name.clone()).collect()
            } else {
                fit.iter().map(|t| t.name.clone()).collect()
            }
        };
        // Rolled for every kind, so the rolls after it do not depend on the kind.
        let instance_type = dice.pick(&types).cloned();
        let ids = match kind {
            ThingKind::Instance => {
                let name = instance_type?;
                let n = if queued || !self.has(ThingKind::LoadBalancer) {
                    1
                } else {
                    1 + dice.below(4)
                };
                (0..n)
                    .map(|_| {
                        let id = self.id("box");
                        let purchase = purchase_option(&palette, dice);
                        self.place(Thing::Instance {
                            id,
                            instance_type: name.clone(),
                            purchase,
                        })
                    })
                    .collect()
            }
            ThingKind::AutoScalingGroup => {
                let name = instance_type?;
                let id = self.id("group");
                let min = if queued {
                    dice.below(3)
                } else {
                    1 + dice.below(4)
                };
                let max = min.max(1) * (2 + dice.below(8));
                let mut policies = Vec::new();
                if queued && dice.chance(0.6) {
                    policies.push(Policy::TargetTracking {
                        metric: Metric::BacklogPerInstance,
                        target: dice.pick_or(&BACKLOG_TARGETS, 20.0),
                    });
                } else if dice.chance(0.85) {
                    policies.push(Policy::TargetTracking {
                        metric: Metric::Cpu,
                        target: dice.pick_or(&CPU_TARGETS, 60.0),
                    });
                }
                if palette.level.history.is_some() && dice.chance(0.3) {
                    policies.push(Policy::Predictive {
                        target: dice.pick_or(&CPU_TARGETS, 60.0),
                        ahead: None,
                    });
                }
                let purchase = purchase_option(&palette, dice);
                vec![self.place(Thing::AutoScalingGroup(AutoScalingGroup {
                    id,
                    instance_type: name,
                    purchase,
                    min,
                    desired: min,
                    max,
                    policies,
                    scheduled: Vec::new(),
                    warmup: None,
                    replace_unhealthy: true,
                }))]
            }
            ThingKind::Function => {
                let id = self.id("fn");
                let lambda = &palette.catalogue.lambda;
                let sizes: Vec<u32> = MEMORY_MB
                    .iter()
                    .copied()
                    .filter(|m| (lambda.min_memory_mb..=lambda.max_memory_mb).contains(m))
                    .collect();
                let memory_mb = dice.pick_or(&sizes, lambda.min_memory_mb);
                vec![self.place(Thing::Function(FunctionSpec {
                    id,
                    memory_mb,
                    reserved_concurrency: None,
                    timeout: None,
                    arch: Default::default(),
                }))]
            }
            ThingKind::ContainerService => {
                let id = self.id("tasks");
                let task_vcpu = dice.pick_or(&[0.5, 1.0, 2.0], 1.0);
                let min = 1 + dice.below(4);
                let policies = if dice.chance(0.8) {
                    vec![Policy::TargetTracking {
                        metric: Metric::Cpu,
                        target: dice.pick_or(&CPU_TARGETS, 60.0),
                    }]
                } else {
                    Vec::new()
                };
                vec![self.place(Thing::ContainerService(ContainerSpec {
                    id,
                    orchestrator: if dice.chance(0.8) {
                        Orchestrator::Ecs
                    } else {
                        Orchestrator::Eks
                    },
                    capacity: Capacity::Fargate,
                    task_vcpu,
                    task_memory_gib: task_vcpu * 2.0,
                    min,
                    desired: min,
                    max: min * (2 + dice.below(8)),
                    policies,
                }))]
            }
            ThingKind::OnPremises => {
                let model = (*dice.pick(&palette.server_models())?).to_string();
                let id = self.id("rack");
                vec![self.place(Thing::OnPremises {
                    id,
                    model,
                    servers: 1 + dice.below(8),
                })]
            }
            _ => return None,
        };
        Some(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;
    use crate::format::{self, SourceFile, load};

    fn palette_of(folder: &str) -> format::Checked {
        let b = bundled::find(folder).expect("bundled");
        format::check_texts(b.level_file(), None).expect("checks")
    }

    #[test]
    fn generated_designs_attach_to_what_the_level_leaves_open() {
        // 07: the source is already linked to the web tier, whose work calls a render tier.
        let c = palette_of("07-load-balancing");
        let ends = open_ends(&c.level);
        assert_eq!(ends.len(), 1);
        assert_eq!(ends[0].from, ["web"]);
        assert_eq!(ends[0].workload, "render");
        // 09: three pre-placed servers wait for the orders' fan-out.
        let c = palette_of("09-sns-fan-out");
        assert_eq!(
            spare_servers(&c.level),
            ["fulfilment", "mailer", "analytics"]
        );
    }

    #[test]
    fn most_generated_designs_pass_check() {
        for folder in [
            "05-horizontal-scaling",
            "09-sns-fan-out",
            "11-containers",
            "14-batch-night",
        ] {
            let c = palette_of(folder);
            let palette = Palette {
                level: &c.level,
                catalogue: &c.catalogue,
            };
            let mut dice = Dice::new(11);
            let mut valid = 0;
            for i in 0..40 {
                let Some(s) = design(&palette, &mut dice) else {
                    continue;
                };
                let text = load::to_ron(&s).expect("ron");
                let file = SourceFile::new(format!("g{i}.ron"), text);
                if format::check_texts(c.level_file.clone(), Some(file)).is_ok() {
                    valid += 1;
                }
            }
            assert!(
                valid >= 20,
                "{folder}: only {valid} of 40 generated designs check"
            );
        }
    }
}
