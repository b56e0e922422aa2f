//! The fixed setup of a run: level, solution, catalogue and seed resolved
//! once, and the figures of the hardware things run on.

use crate::format::catalogue::{Catalogue, WorkClass};
use crate::format::level::Level;
use crate::format::solution::{Solution, Thing};

use super::components::Hardware;
use super::station::KindTerms;
use super::streams::StreamSpec;

/// A workload resolved for the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    /// Id from the level.
    pub id: String,
    /// Class of work.
    pub class: WorkClass,
    /// Service time on one m5 vCPU, seconds.
    pub work_s: f64,
    /// Memory held in flight, MiB.
    pub memory_mib: f64,
    /// Late after, seconds.
    pub deadline_s: f64,
    /// Given up after, seconds.
    pub give_up_s: f64,
    /// Response size, KiB.
    pub response_kib: f64,
    /// Whether a caller waits for the answer.
    pub caller_waits: bool,
    /// Whether every request takes exactly its work (else exponential).
    pub fixed: bool,
}

/// Everything fixed for a run: level, solution, catalogue, seed.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The catalogue.
    pub catalogue: Catalogue,
    /// The level.
    pub level: Level,
    /// The player's architecture.
    pub solution: Solution,
    /// Seed of the run.
    pub seed: u64,
    /// Seconds per tick.
    pub tick_s: f64,
    /// Ticks in the run.
    pub ticks: u64,
    /// Workloads by index.
    pub workloads: Vec<WorkloadSpec>,
    /// Streams of requests: the level's sources first, then the calls they make.
    pub streams: Vec<StreamSpec>,
    /// For each stream, the child stream of each call its workload makes.
    pub children: Vec<Vec<Option<usize>>>,
    /// For each thing id, the workloads whose requests reach it.
    pub reaches: std::collections::BTreeMap<String, std::collections::BTreeSet<usize>>,
    /// For each thing id, the streams whose requests reach it.
    pub visits: std::collections::BTreeMap<String, std::collections::BTreeSet<usize>>,
    /// For each stream published to a topic, the stream of each subscriber.
    pub fanout: Vec<Vec<usize>>,
    /// Streams of requests never brought where the level says they must go.
    pub undelivered: Vec<super::streams::Undelivered>,
    /// Most ticks the run drains after the level ends (arrivals stopped).
    pub drain_ticks: u64,
    /// What the run's metrics keep of the ticks before the last.
    pub history: super::metrics::History,
}

impl Setup {
    /// Resolves a checked level and solution; `seed` overrides the level's.
    pub fn new(catalogue: Catalogue, level: Level, solution: Solution, seed: Option<u64>) -> Setup {
        let tick_s = level.tick.secs().max(1e-3);
        let ticks = (level.duration.secs() / tick_s).round().max(1.0) as u64;
        let workloads = level
            .workloads
            .iter()
            .map(|w| WorkloadSpec {
                id: w.id.clone(),
                class: w.class,
                work_s: w.work_ms / 1000.0,
                memory_mib: w.memory_mib,
                deadline_s: w.mode.deadline_s(),
                give_up_s: w.mode.give_up_s(),
                response_kib: w.response_kib,
                caller_waits: matches!(w.mode, crate::format::level::Mode::Sync { .. }),
                fixed: w.service == crate::format::level::ServiceTime::Fixed,
            })
            .collect();
        let things: Vec<&Thing> = level.preplaced.iter().chain(&solution.things).collect();
        let links: Vec<(String, String)> = level
            .preplaced_links
            .iter()
            .chain(&solution.links)
            .cloned()
            .collect();
        let found = super::streams::discover(&level, &things, &links);
        let drain_ticks = crate::format::budget::drain_ticks(&level);
        Setup {
            drain_ticks,
            history: super::metrics::History::EveryTick,
            seed: seed.unwrap_or(level.seed),
            catalogue,
            level,
            solution,
            tick_s,
            ticks,
            workloads,
            streams: found.specs,
            children: found.children,
            reaches: found.reaches,
            visits: found.visits,
            fanout: found.fanout,
            undelivered: found.undelivered,
        }
    }
}

/// The speed, memory and slot figures of a piece of hardware.
pub fn hardware_figures(
    catalogue: &Catalogue,
    hw: Hardware,
) -> (u32, f64, crate::format::catalogue::Speed) {
    match hw {
        Hardware::Ec2(i) => {
            let t = &catalogue.instance_types[i];
            (t.vcpu, t.memory_gib, t.speed)
        }
        Hardware::OnPrem(i) => {
            let m = &catalogue.on_prem_servers[i];
            (m.vcpu, m.memory_gib, m.speed)
        }
        Hardware::Task {
            milli_vcpu,
            memory_mib,
        } => {
            // A task serves one request per whole vCPU; a fraction of a vCPU
            // serves one at that fraction of the speed. Tasks run on
            // general-purpose hardware and have no GPU.
            let vcpu = f64::from(milli_vcpu) / 1000.0;
            let slots = vcpu.floor().max(1.0);
            let f = vcpu / slots;
            let speed = crate::format::catalogue::Speed {
                web: f,
                compute: f,
                memory: f,
                gpu: 0.0,
                storage: f,
            };
            (slots as u32, f64::from(memory_mib) / 1024.0, speed)
        }
    }
}

/// A fleet's per-workload terms and per-server slots on given hardware.
pub fn fleet_terms(setup: &Setup, hw: Hardware, reached: &[usize]) -> (Vec<KindTerms>, u32, u64) {
    let (vcpu, memory_gib, speed) = hardware_figures(&setup.catalogue, hw);
    let terms: Vec<KindTerms> = setup
        .workloads
        .iter()
        .map(|w| {
            let factor = speed.for_class(w.class);
            KindTerms {
                service_s: if factor > 0.0 {
                    w.work_s / factor
                } else {
                    f64::INFINITY
                },
                deadline_s: w.deadline_s,
                give_up_s: w.give_up_s,
                waits: w.caller_waits,
                fixed: w.fixed,
            }
        })
        .collect();
    // Every request in flight holds its memory, waiting or served: memory bounds
    // both how many run at once and how many can wait.
    let heaviest = if reached.is_empty() {
        setup
            .workloads
            .iter()
            .map(|w| w.memory_mib)
            .fold(0.0, f64::max)
    } else {
        reached
            .iter()
            .map(|&i| setup.workloads[i].memory_mib)
            .fold(0.0, f64::max)
    };
    let in_memory = if heaviest > 0.0 {
        (memory_gib * 1024.0 / heaviest).floor() as u64
    } else {
        u64::from(vcpu)
    };
    let slots = (u64::from(vcpu).min(in_memory)) as u32;
    // A request that does not fit in memory cannot run here at all.
    let terms = if slots == 0 {
        terms
            .into_iter()
            .map(|t: KindTerms| KindTerms {
                service_s: f64::INFINITY,
                ..t
            })
            .collect()
    } else {
        terms
    };
    (terms, slots, in_memory.saturating_sub(u64::from(slots)))
}
