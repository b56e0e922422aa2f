//! Review: what went wrong in a finished run, as data for the results
//! screen's plain-language hints. Every finding is ids, times (seconds since
//! the start), counts and dollars drawn from what the run recorded (the
//! metrics' running summaries, the log of happenings, the ledger and the
//! score); the screen words them. Deterministic: only vectors and fixed-order
//! arrays are walked.

use crate::format::level::Shape;
use crate::format::solution::{Algorithm, Thing, ThingKind};

use super::Score;
use super::components::Group;
use super::ledger::Service;
use super::log::What;
use super::metrics::{Stretch, stretch_grace_s};
use super::station::DropReason;
use super::world::Sim;

/// Mean utilisation of paid-for serving capacity below which it counts as idle.
pub const IDLE_BELOW: f64 = 0.35;

/// Most findings a review returns.
pub const MAX_FINDINGS: usize = 6;

/// Drop reasons that come from something failing (servers, tiers, deliveries) rather than from load.
pub const FAILURE_REASONS: [DropReason; 6] = [
    DropReason::Killed,
    DropReason::ServerFailed,
    DropReason::DownstreamFailed,
    DropReason::NoTarget,
    DropReason::DeliveryFailed,
    DropReason::DeadLetter,
];

/// Bill lines that pay for compute capacity (busy or idle).
pub const COMPUTE_SERVICES: [Service; 7] = [
    Service::OnPremises,
    Service::Ec2OnDemand,
    Service::Ec2Spot,
    Service::Ec2Reserved,
    Service::SavingsPlans,
    Service::DedicatedHosts,
    Service::Fargate,
];

/// One thing worth telling the player about a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// A queue nobody reads: every message sent to it waits until it is late
    /// or expires.
    NoConsumer {
        /// The queue's id.
        queue: String,
        /// Requests of the streams through it that ended late, dropped or unfinished.
        stuck: u64,
    },
    /// A round-robin load balancer spread the same share over targets of
    /// different sizes: the small ones filled up while the big ones idled.
    RoundRobinUneven {
        /// The load balancer's id.
        balancer: String,
        /// Its busiest target (by mean utilisation) and how busy it was (0..=1).
        busiest: (String, f64),
        /// Its idlest target and how busy it was (0..=1).
        idlest: (String, f64),
        /// Requests that failed while its targets were saturated.
        failed: u64,
    },
    /// A goal of the level was not met.
    GoalMissed(MissedGoal),
    /// The stretch of the run in which the most requests failed.
    WorstLosses {
        /// Start of its first troubled tick, seconds.
        from_s: f64,
        /// End of its last troubled tick, seconds.
        to_s: f64,
        /// Requests dropped in it.
        dropped: u64,
        /// Requests finished late in it.
        late: u64,
        /// Why most of its drops were dropped (None if requests were only late).
        main_reason: Option<DropReason>,
        /// Something the level scripted at or just before it (or during it), if anything.
        trigger: Option<Trigger>,
        /// Whether the trigger came during the stretch rather than at its start.
        trigger_during: bool,
    },
    /// A thing ran out of capacity (see [`super::metrics::saturated`]) while
    /// requests failed: a consumer working flat out through a backlog in time
    /// is not a finding.
    Saturated {
        /// The thing's id.
        thing: String,
        /// Start of its worst saturated stretch (most requests failed during it), seconds.
        from_s: f64,
        /// End of that stretch, seconds.
        to_s: f64,
        /// Seconds it was saturated over the whole run.
        total_s: f64,
        /// Highest utilisation in the stretch (0..=1).
        peak_utilisation: f64,
        /// Requests that failed in the stretch.
        failed: u64,
        /// Whether it is part of the level (its settings cannot be changed).
        locked: bool,
    },
    /// How an Auto Scaling group or container service answered its worst saturated stretch.
    ScalingLag {
        /// The group's or service's id.
        thing: String,
        /// When it fell behind: the start of its worst saturated stretch, seconds.
        saturated_s: f64,
        /// When it first asked for more capacity around then (None: it never asked).
        asked_s: Option<f64>,
        /// Desired capacity before it asked.
        from: u32,
        /// The most it asked for before the stretch ended.
        to: u32,
        /// Its maximum size (`to == max`: it hit the ceiling).
        max: u32,
        /// When the capacity it asked for had all come into service (None: not by the end of the run).
        ready_s: Option<f64>,
        /// Whether it has any scaling policy.
        has_policy: bool,
        /// Whether it is part of the level (its settings cannot be changed).
        locked: bool,
        /// Requests that failed in the stretch.
        failed: u64,
    },
    /// Requests lost because something failed rather than because of load.
    FailureLosses {
        /// Drops by reason, failure reasons only, in report order.
        by_reason: Vec<(DropReason, u64)>,
        /// Spot instances reclaimed during the run.
        spot_reclaims: u32,
        /// Servers that failed during the run.
        servers_failed: u32,
        /// Tiers that went down during the run.
        outages: u32,
    },
    /// Paid-for serving capacity sat mostly idle.
    IdleCapacity {
        /// Busy share of serving capacity over the run (0..=1), weighted by capacity.
        mean_utilisation: f64,
        /// Dollars of compute the idle share cost: the compute bill times the idle share
        /// (approximate: assumes every compute dollar bought serving capacity alike).
        idle_usd: f64,
        /// The compute bill ([`COMPUTE_SERVICES`]), dollars.
        compute_usd: f64,
    },
    /// The biggest line of the bill.
    CostliestLine {
        /// The line.
        service: Service,
        /// Its dollars.
        usd: f64,
        /// The whole bill, dollars.
        total_usd: f64,
    },
    /// Commitments (Reserved Instances, Savings Plans) paid for and not used.
    UnusedCommitment {
        /// Dollars charged that no running instance used.
        unused_usd: f64,
        /// Dollars charged for commitments in all.
        committed_usd: f64,
    },
}

/// A goal the run missed, with the figures on both sides.
#[derive(Debug, Clone, PartialEq)]
pub enum MissedGoal {
    /// Availability below the goal.
    Availability {
        /// Percent of finished requests that were ok.
        got_pct: f64,
        /// Percent needed.
        goal_pct: f64,
    },
    /// p99 latency above the goal.
    P99Latency {
        /// The run's p99, milliseconds.
        got_ms: f64,
        /// The ceiling, milliseconds.
        goal_ms: f64,
    },
    /// Cost over the one-star budget.
    Budget {
        /// The run's cost, dollars.
        cost_usd: f64,
        /// The budget, dollars.
        budget_usd: f64,
    },
    /// A thing shares hardware in a level that allows only dedicated hardware.
    DedicatedOnly {
        /// The thing's id.
        thing: String,
    },
    /// A goal this review does not know, in the score's own words.
    Other(String),
}

/// Something the level scripted (or chance did) that can explain trouble.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A ramped traffic spike (scripted event or shape).
    Spike {
        /// Source id.
        source: String,
        /// When it began, seconds.
        at_s: f64,
        /// Its height over the normal rate.
        multiplier: f64,
    },
    /// A flash crowd: a sudden jump that decays.
    FlashCrowd {
        /// Source id.
        source: String,
        /// When it hit, seconds.
        at_s: f64,
        /// Its height over the normal rate.
        multiplier: f64,
    },
    /// A tier went down.
    Outage {
        /// Thing id.
        thing: String,
        /// When it went down, seconds.
        at_s: f64,
        /// When it came back, seconds.
        until_s: f64,
    },
    /// Servers of a thing failed.
    ServersFailed {
        /// Thing id.
        thing: String,
        /// When, seconds.
        at_s: f64,
        /// How many.
        count: u32,
    },
    /// A spot instance was reclaimed.
    SpotReclaimed {
        /// Thing id.
        thing: String,
        /// When, seconds.
        at_s: f64,
    },
}

impl Trigger {
    /// When it happened, seconds since the start.
    pub fn at_s(&self) -> f64 {
        match self {
            Trigger::Spike { at_s, .. }
            | Trigger::FlashCrowd { at_s, .. }
            | Trigger::Outage { at_s, .. }
            | Trigger::ServersFailed { at_s, .. }
            | Trigger::SpotReclaimed { at_s, .. } => *at_s,
        }
    }
}

/// What went wrong in a run (finished or not), most important first, at most
/// [`MAX_FINDINGS`]. Findings about lost requests are ranked by how many
/// requests each explains, so the first one names what cost the most; money
/// findings (idle capacity, unused commitments, the biggest bill line) follow,
/// or lead when cost is what failed the run or kept stars away. Goals missed
/// are the score's own verdict and not repeated here, except a compliance
/// rule broken (`GoalMissed`), which is a cause in itself.
pub fn review(sim: &Sim, score: &Score) -> Vec<Finding> {
    let setup = &sim.ctx.setup;
    let m = &sim.metrics;
    let tick_s = setup.tick_s;
    let money_matters = score.failed_goals.iter().any(|g| g.starts_with("cost "))
        || (score.passed && score.stars < 3);
    // Requests explained rank request findings; money findings rank by a
    // fixed band above or below them.
    let money_band: u64 = if money_matters { u64::MAX / 2 } else { 0 };
    let mut found: Vec<(u64, Finding)> = Vec::new();

    for goal in &score.failed_goals {
        if let g @ (MissedGoal::DedicatedOnly { .. } | MissedGoal::Other(_)) =
            missed_goal(goal, score)
        {
            found.push((u64::MAX, Finding::GoalMissed(g)));
        }
    }

    let things: Vec<&Thing> = setup
        .level
        .preplaced
        .iter()
        .chain(&setup.solution.things)
        .collect();
    let locked = |i: usize| i < setup.level.preplaced.len();
    let links: Vec<&(String, String)> = setup
        .level
        .preplaced_links
        .iter()
        .chain(&setup.solution.links)
        .collect();
    let per_stream = stream_requests(sim, score);

    // A queue with no consumer holds every message until it is late.
    for t in &things {
        if t.kind() != ThingKind::Queue || links.iter().any(|(f, _)| f == t.id()) {
            continue;
        }
        let stuck: u64 = setup
            .visits
            .get(t.id())
            .into_iter()
            .flatten()
            .filter(|&&i| setup.streams.get(i).is_some_and(|s| s.counted()))
            .filter_map(|&i| per_stream.get(i))
            .map(|r| r.late + r.dropped + r.pending)
            .sum();
        if stuck > 0 {
            found.push((
                stuck,
                Finding::NoConsumer {
                    queue: t.id().to_string(),
                    stuck,
                },
            ));
        }
    }

    if let Some(worst) = m.worst_losses()
        && worst.failed() > 0
    {
        let (trigger, during) = match trigger_for(sim, &worst.stretch) {
            Some((t, during)) => (Some(t), during),
            None => (None, false),
        };
        // A summary of the worst stretch, ranked below the causes it sums up.
        found.push((
            worst.failed() / 2,
            Finding::WorstLosses {
                from_s: worst.stretch.from_s,
                to_s: worst.stretch.to_s,
                dropped: worst.dropped,
                late: worst.late,
                main_reason: worst.main_reason(),
                trigger,
                trigger_during: during,
            },
        ));
    }

    // The two things whose saturation saw the most failed requests.
    let mut saturated: Vec<(usize, Stretch)> = m
        .things
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.worst().map(|s| (i, s)))
        .filter(|(_, s)| s.failed > 0)
        .collect();
    saturated.sort_by(|a, b| {
        (b.1.failed.cmp(&a.1.failed))
            .then(b.1.span_s().total_cmp(&a.1.span_s()))
            .then(a.0.cmp(&b.0))
    });
    for &(i, stretch) in saturated.iter().take(2) {
        let t = &m.things[i];
        found.push((
            stretch.failed,
            Finding::Saturated {
                thing: t.id.clone(),
                from_s: stretch.from_s,
                to_s: stretch.to_s,
                total_s: t.saturated_ticks as f64 * tick_s,
                peak_utilisation: stretch.peak_utilisation,
                failed: stretch.failed,
                locked: locked(i),
            },
        ));
        if let Some(lag) = scaling_lag(sim, i, &stretch) {
            found.push((stretch.failed.saturating_sub(1), lag));
        }
    }

    // A round-robin balancer over targets of different sizes.
    for t in &things {
        let Thing::LoadBalancer(lb) = t else { continue };
        if lb.algorithm != Algorithm::RoundRobin {
            continue;
        }
        let mut busy: Vec<(String, f64, u64)> = links
            .iter()
            .filter(|(f, _)| f == t.id())
            .filter_map(|(_, to)| {
                let i = m.things.iter().position(|s| s.id == *to)?;
                let s = &m.things[i];
                let failed = s.worst().map_or(0, |w| w.failed);
                Some((to.clone(), s.mean_utilisation()?, failed))
            })
            .collect();
        if busy.len() < 2 {
            continue;
        }
        busy.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (hi, lo) = (&busy[0], &busy[busy.len() - 1]);
        // Equal shares on unequal servers: one side well over twice as busy.
        if hi.1 >= 0.5 && hi.1 >= 2.0 * lo.1 {
            let failed = busy.iter().map(|b| b.2).max().unwrap_or(0);
            found.push((
                failed.max(1) + if money_matters { money_band } else { 0 },
                Finding::RoundRobinUneven {
                    balancer: t.id().to_string(),
                    busiest: (hi.0.clone(), hi.1),
                    idlest: (lo.0.clone(), lo.1),
                    failed,
                },
            ));
        }
    }

    let by_reason: Vec<(DropReason, u64)> = FAILURE_REASONS
        .into_iter()
        .filter_map(|r| {
            let n = score.dropped_by_reason.get(r.key()).copied().unwrap_or(0);
            (n > 0).then_some((r, n))
        })
        .collect();
    if !by_reason.is_empty() {
        let (mut spot_reclaims, mut servers_failed, mut outages) = (0, 0, 0);
        for h in &sim.ctx.log {
            match &h.what {
                What::SpotReclaimed { .. } => spot_reclaims += 1,
                What::ServersFailed { count, .. } => servers_failed += count,
                What::Outage { .. } => outages += 1,
                _ => {}
            }
        }
        let lost: u64 = by_reason.iter().map(|(_, n)| n).sum();
        found.push((
            lost,
            Finding::FailureLosses {
                by_reason,
                spot_reclaims,
                servers_failed,
                outages,
            },
        ));
    }

    let (busy, capacity) = m
        .things
        .iter()
        .filter(|t| t.paid_idle)
        .fold((0.0, 0.0), |(b, c), t| (b + t.busy_s, c + t.capacity_s));
    let ledger = &sim.ctx.ledger;
    let line = |s: Service| {
        ledger
            .lines()
            .find(|(l, _)| *l == s)
            .map_or(0.0, |(_, usd)| usd)
    };
    if capacity > 0.0 {
        let mean = (busy / capacity).min(1.0);
        let compute_usd: f64 = COMPUTE_SERVICES.into_iter().map(line).sum();
        if mean < IDLE_BELOW && compute_usd > 0.0 {
            found.push((
                money_band + 3,
                Finding::IdleCapacity {
                    mean_utilisation: mean,
                    idle_usd: compute_usd * (1.0 - mean),
                    compute_usd,
                },
            ));
        }
    }

    let committed_usd = line(Service::Ec2Reserved) + line(Service::SavingsPlans);
    if m.unused_commitment_usd >= 0.005 {
        found.push((
            money_band + 2,
            Finding::UnusedCommitment {
                unused_usd: m.unused_commitment_usd,
                committed_usd,
            },
        ));
    }

    let total_usd = ledger.total();
    // The first line in report order wins a tie.
    let costliest =
        ledger
            .lines()
            .fold(None, |best: Option<(Service, f64)>, (s, usd)| match best {
                Some((_, b)) if b >= usd => best,
                _ => Some((s, usd)),
            });
    if let Some((service, usd)) = costliest
        && total_usd > 0.0
    {
        found.push((
            money_band + 1,
            Finding::CostliestLine {
                service,
                usd,
                total_usd,
            },
        ));
    }

    // Stable: equal ranks keep the order above.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
        .into_iter()
        .take(MAX_FINDINGS)
        .map(|(_, f)| f)
        .collect()
}

/// Each stream's requests as the score counts them, by stream index.
fn stream_requests(sim: &Sim, score: &Score) -> Vec<super::score::Requests> {
    let mut sources = score.sources.iter();
    let mut calls = score.calls.iter();
    sim.ctx
        .setup
        .streams
        .iter()
        .map(|spec| {
            let entry = if spec.parent.is_none() {
                sources.next()
            } else {
                calls.next()
            };
            entry.map(|e| e.requests).unwrap_or_default()
        })
        .collect()
}

/// Reads one of the score's missed goals back into figures.
fn missed_goal(words: &str, score: &Score) -> MissedGoal {
    let goals = &score.goals;
    if words.starts_with("availability ") {
        MissedGoal::Availability {
            got_pct: score.availability_pct,
            goal_pct: goals.availability_pct,
        }
    } else if words.starts_with("p99 latency ")
        && let Some(goal_ms) = goals.p99_ms
    {
        MissedGoal::P99Latency {
            got_ms: score.latency_ms.p99,
            goal_ms,
        }
    } else if words.starts_with("cost ") {
        MissedGoal::Budget {
            cost_usd: score.cost_usd,
            budget_usd: goals.budget_usd,
        }
    } else if words.contains("shares hardware")
        && let Some(thing) = words.split('`').nth(1)
    {
        MissedGoal::DedicatedOnly {
            thing: thing.to_string(),
        }
    } else {
        MissedGoal::Other(words.to_string())
    }
}

/// Seconds before a stretch in which a scripted event still counts as its cause.
fn lookback_s(tick_s: f64) -> f64 {
    (2.0 * tick_s).max(900.0)
}

/// The scripted event (or spot reclaim) that best explains a stretch: the
/// latest one in the lookback before it starts, else the first one during it
/// (then `true`). An outage or failure of a thing no traffic reaches explains nothing.
fn trigger_for(sim: &Sim, stretch: &Stretch) -> Option<(Trigger, bool)> {
    let setup = &sim.ctx.setup;
    let from = stretch.from_s - lookback_s(setup.tick_s);
    let mut candidates: Vec<Trigger> = Vec::new();
    let reached = |thing: &str| {
        thing == "*"
            || setup
                .visits
                .get(thing)
                .is_some_and(|streams| !streams.is_empty())
    };
    for h in &sim.ctx.log {
        let at_s = h.at_s;
        match &h.what {
            What::Outage { thing, .. }
            | What::ServersFailed { thing, .. }
            | What::SpotReclaimed { thing }
                if !reached(thing) =>
            {
                continue;
            }
            _ => {}
        }
        candidates.push(match &h.what {
            What::SpikeStarted { source, multiplier } => Trigger::Spike {
                source: source.clone(),
                at_s,
                multiplier: *multiplier,
            },
            What::Outage { thing, until_s } => Trigger::Outage {
                thing: thing.clone(),
                at_s,
                until_s: *until_s,
            },
            What::ServersFailed { thing, count } => Trigger::ServersFailed {
                thing: thing.clone(),
                at_s,
                count: *count,
            },
            What::SpotReclaimed { thing } => Trigger::SpotReclaimed {
                thing: thing.clone(),
                at_s,
            },
            _ => continue,
        });
    }
    // Spikes and flash crowds written into a source's shapes are not logged.
    for source in &setup.level.sources {
        for shape in &source.shapes {
            match *shape {
                Shape::Spike { at, multiplier, .. } => candidates.push(Trigger::Spike {
                    source: source.id.clone(),
                    at_s: at.secs(),
                    multiplier,
                }),
                Shape::FlashCrowd { at, multiplier, .. } => candidates.push(Trigger::FlashCrowd {
                    source: source.id.clone(),
                    at_s: at.secs(),
                    multiplier,
                }),
                _ => {}
            }
        }
    }
    let before = candidates
        .iter()
        .filter(|t| t.at_s() >= from && t.at_s() <= stretch.from_s)
        // The latest; on a tie the first found.
        .fold(None, |best: Option<&Trigger>, t| match best {
            Some(b) if b.at_s() >= t.at_s() => best,
            _ => Some(t),
        });
    let during = || {
        candidates
            .iter()
            .filter(|t| t.at_s() > stretch.from_s && t.at_s() < stretch.to_s)
            .fold(None, |best: Option<&Trigger>, t| match best {
                Some(b) if b.at_s() <= t.at_s() => best,
                _ => Some(t),
            })
    };
    match before {
        Some(t) => Some((t.clone(), false)),
        None => during().map(|t| (t.clone(), true)),
    }
}

/// How a group or container service answered a saturated stretch, from the
/// log: its first scale-out around the stretch, the most it asked for before
/// the stretch ended, and when that much new capacity had come into service.
fn scaling_lag(sim: &Sim, index: usize, stretch: &Stretch) -> Option<Finding> {
    let setup = &sim.ctx.setup;
    let thing = setup
        .level
        .preplaced
        .iter()
        .chain(&setup.solution.things)
        .nth(index)?;
    if !matches!(
        thing.kind(),
        ThingKind::AutoScalingGroup | ThingKind::ContainerService
    ) {
        return None;
    }
    let id = thing.id();
    let (entity_id, entity) = sim.ctx.things.get(index)?;
    if entity_id != id {
        return None;
    }
    let (desired_now, max) = sim
        .world
        .get::<&Group>(*entity)
        .map(|g| (g.desired, g.max))
        .ok()?;
    let has_policy = match thing {
        Thing::AutoScalingGroup(g) => !g.policies.is_empty() || !g.scheduled.is_empty(),
        Thing::ContainerService(c) => !c.policies.is_empty(),
        _ => false,
    };
    // A decision made just before saturation set in answered the same pressure.
    let since = stretch.from_s - stretch_grace_s(setup.tick_s);
    let mut from = None;
    let mut before = None;
    let mut asked_s = None;
    let mut to = 0;
    for h in &sim.ctx.log {
        let What::Scaled {
            thing,
            from: f,
            to: t,
            ..
        } = &h.what
        else {
            continue;
        };
        if thing != id {
            continue;
        }
        if h.at_s < since {
            before = Some(*t);
        } else if h.at_s < stretch.to_s && t > f {
            if asked_s.is_none() {
                asked_s = Some(h.at_s);
                from = Some(*f);
            }
            to = to.max(*t);
        }
    }
    let from = from.or(before).unwrap_or(desired_now);
    let to = to.max(from);
    // New servers counted from the first ask until the difference is in service.
    let ready_s = asked_s.and_then(|asked| {
        let need = to.saturating_sub(from);
        let mut got = 0;
        sim.ctx.log.iter().find_map(|h| match &h.what {
            What::InService { thing, count } if thing == id && h.at_s >= asked => {
                got += count;
                (got >= need).then_some(h.at_s)
            }
            _ => None,
        })
    });
    Some(Finding::ScalingLag {
        thing: id.to_string(),
        saturated_s: stretch.from_s,
        asked_s,
        from,
        to,
        max,
        ready_s,
        has_policy,
        locked: index < setup.level.preplaced.len(),
        failed: stretch.failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{SourceFile, check_texts};

    /// Runs a test level (bundled or frozen) to the end with a solution text, and reviews it.
    fn review_of(level: &str, name: &str, solution: &str) -> (Score, Vec<Finding>) {
        let (level_file, _) = super::super::testdata::level_and_solution(level, name);
        let checked = check_texts(
            level_file,
            Some(SourceFile::new(format!("{name}.ron"), solution)),
        )
        .expect("test files check");
        let sim = super::super::run_checked(&checked, None).expect("builds");
        let score = Score::of(&sim);
        let findings = review(&sim, &score);
        println!("{level} / {name}:");
        for f in &findings {
            println!("  {f:?}");
        }
        (score, findings)
    }

    fn bundled_review(level: &str, which: &str) -> (Score, Vec<Finding>) {
        let (_, text) = super::super::testdata::level_and_solution(level, which);
        review_of(level, which, text)
    }

    fn worst(findings: &[Finding]) -> Option<&Finding> {
        findings
            .iter()
            .find(|f| matches!(f, Finding::WorstLosses { .. }))
    }

    /// The requests a run lost or finished late, counted streams only.
    fn failed(score: &Score) -> u64 {
        score.requests.late + score.requests.dropped
    }

    #[test]
    fn a_fixed_fleet_saturates_and_loses_most_through_the_spike() {
        let (score, findings) = bundled_review("day", "naive");
        assert!(findings.len() <= MAX_FINDINGS);
        assert!(!score.passed);
        // Goals are the score's verdict, not repeated as findings.
        assert!(
            !findings.iter().any(|f| matches!(f, Finding::GoalMissed(_))),
            "{findings:?}"
        );
        // Losses begin as the evening rises past the fleet and run to the
        // end of the day; the 13:00 flash sale comes in the middle of the
        // stretch, so it is said to have come during it, not to have begun it.
        let Some(Finding::WorstLosses {
            from_s,
            to_s,
            main_reason,
            trigger,
            trigger_during,
            ..
        }) = worst(&findings)
        else {
            panic!("no worst stretch: {findings:?}");
        };
        assert!(*from_s < 46_800.0 && *to_s > 46_800.0, "{from_s}–{to_s}");
        assert_eq!(*main_reason, Some(DropReason::QueueFull));
        assert!(matches!(
            trigger,
            Some(Trigger::Spike { at_s: 46_800.0, .. })
        ));
        assert!(
            *trigger_during,
            "a spike inside the stretch did not begin it"
        );
        // The fleet saturated; min = max = 12 with no policy: it never asked.
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::Saturated { thing, locked: false, .. } if thing == "shop"
        )));
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::ScalingLag { thing, asked_s: None, from: 12, to: 12, max: 12, locked: false, .. }
                if thing == "shop"
        )));
        // Ranked by requests explained: the first finding explains the most.
        assert!(matches!(
            findings[0],
            Finding::Saturated { .. } | Finding::WorstLosses { .. }
        ));
    }

    #[test]
    fn target_tracking_asks_within_a_minute_and_has_capacity_soon_after() {
        let (score, findings) = bundled_review("day", "reference");
        assert!(score.passed);
        let lag = findings
            .iter()
            .find_map(|f| match f {
                Finding::ScalingLag {
                    thing,
                    asked_s,
                    from,
                    to,
                    max,
                    ready_s,
                    has_policy,
                    ..
                } if thing == "shop" => Some((*asked_s, *from, *to, *max, *ready_s, *has_policy)),
                _ => None,
            })
            .expect("a scaling lag for shop");
        let (asked, from, to, max, ready, has_policy) = lag;
        assert!(has_policy);
        assert!(asked.is_some_and(|a| a <= 120.0), "{asked:?}");
        assert!(to > from && to <= max, "{from} → {to} of {max}");
        assert!(ready.is_some_and(|r| r > asked.unwrap_or(0.0)));
    }

    #[test]
    fn owning_for_the_average_loses_requests_at_the_seasonal_peak() {
        let (score, findings) = bundled_review("01", "naive");
        let Some(Finding::WorstLosses {
            from_s,
            dropped,
            main_reason,
            trigger,
            ..
        }) = worst(&findings)
        else {
            panic!("no worst stretch: {findings:?}");
        };
        // Inside the season (peak day 45).
        assert!((36.0..=54.0).contains(&(from_s / 86_400.0)));
        assert_eq!(*main_reason, Some(DropReason::QueueFull));
        assert!(*dropped > 0 && *dropped <= score.requests.dropped);
        // The season is the level's rhythm, not a scripted event.
        assert_eq!(*trigger, None);
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::Saturated { thing, peak_utilisation, .. }
                if thing == "rack" && *peak_utilisation == 1.0
        )));
        assert!(
            !findings
                .iter()
                .any(|f| matches!(f, Finding::IdleCapacity { .. }))
        );
    }

    #[test]
    fn owning_for_the_peak_pays_for_idle_servers() {
        let (score, findings) = review_of(
            "01",
            "buy-for-peak",
            include_str!("../../levels/01-on-prem-dilemma/buy-for-peak.ron"),
        );
        assert!(score.passed);
        assert!(worst(&findings).is_none(), "nothing failed: {findings:?}");
        // One star: cost is what kept the others away, so money comes first.
        assert!(score.stars < 3);
        let Finding::IdleCapacity {
            mean_utilisation,
            idle_usd,
            compute_usd,
        } = findings[0]
        else {
            panic!("idle capacity first: {findings:?}");
        };
        assert!(mean_utilisation < IDLE_BELOW, "{mean_utilisation}");
        assert!((compute_usd - score.cost_by_service["on_premises"]).abs() < 1e-9);
        assert!((idle_usd - compute_usd * (1.0 - mean_utilisation)).abs() < 1e-6);
        assert_eq!(
            findings[1],
            Finding::CostliestLine {
                service: Service::OnPremises,
                usd: compute_usd,
                total_usd: score.cost_usd
            }
        );
    }

    #[test]
    fn a_tightly_coupled_call_fails_every_order_during_the_outage() {
        let (score, findings) = bundled_review("08", "naive");
        let lost = score.dropped_by_reason["downstream_failed"];
        assert!(lost > 0);
        assert!(matches!(
            worst(&findings),
            Some(Finding::WorstLosses {
                from_s: 3_600.0,
                main_reason: Some(DropReason::DownstreamFailed),
                trigger: Some(Trigger::Outage { .. }),
                trigger_during: false,
                ..
            })
        ));
        // The failure explains every lost order, so it leads.
        assert_eq!(
            findings[0],
            Finding::FailureLosses {
                by_reason: vec![(DropReason::DownstreamFailed, lost)],
                spot_reclaims: 0,
                servers_failed: 0,
                outages: 1,
            }
        );

        // With a queue between, the consumer works flat out through the
        // backlog after the outage, loses nothing, and that is no finding.
        let (score, findings) = bundled_review("08", "reference");
        assert_eq!(score.requests.dropped + score.requests.late, 0);
        assert_eq!(
            findings,
            vec![Finding::CostliestLine {
                service: Service::Ec2OnDemand,
                usd: score.cost_by_service["ec2_on_demand"],
                total_usd: score.cost_usd
            }]
        );
    }

    #[test]
    fn a_queue_with_no_consumer_is_named_first_and_explains_the_loss() {
        // Level 08 built as the reference, but the queue is never linked on
        // to fulfilment: every order's packing job waits in it.
        let solution = r#"Solution(
    level: "08-loose-coupling",
    things: [
        LoadBalancer(id: "shop-lb"),
        AutoScalingGroup(id: "shop", type: "m5.large", min: 3, desired: 4, max: 8, policies: [TargetTracking(metric: Cpu, target: 60.0)]),
        Queue(id: "orders"),
    ],
    links: [("customers", "shop-lb"), ("shop-lb", "shop"), ("shop", "orders")],
)"#;
        let (score, findings) = review_of("08", "no-consumer", solution);
        assert!(!score.passed);
        let Finding::NoConsumer { queue, stuck } = &findings[0] else {
            panic!("the queue without a consumer comes first: {findings:?}");
        };
        assert_eq!(queue, "orders");
        // It explains most of what failed.
        assert!(
            2 * *stuck >= failed(&score),
            "{stuck} of {} failed",
            failed(&score)
        );
        // Fulfilment's outage hit a box no traffic reached: it explains nothing.
        assert!(
            !findings.iter().any(|f| matches!(
                f,
                Finding::WorstLosses {
                    trigger: Some(Trigger::Outage { .. }),
                    ..
                }
            )),
            "{findings:?}"
        );
    }

    #[test]
    fn a_round_robin_balancer_over_unequal_targets_is_named() {
        // Level 02's reference with the balancer left on round robin: the
        // 64-vCPU server room gets no more than one small instance does.
        let solution = r#"Solution(
    level: "02-ec2-virtualisation",
    things: [
        LoadBalancer(id: "front"),
        AutoScalingGroup(id: "campaign", type: "m5.large", min: 1, desired: 1, max: 60, policies: [TargetTracking(metric: Cpu, target: 70.0)]),
    ],
    links: [("customers", "front"), ("front", "server-room"), ("front", "campaign")],
)"#;
        let (_, findings) = review_of("02", "round-robin", solution);
        let Some(Finding::RoundRobinUneven {
            balancer,
            busiest,
            idlest,
            ..
        }) = findings
            .iter()
            .find(|f| matches!(f, Finding::RoundRobinUneven { .. }))
        else {
            panic!("round robin not named: {findings:?}");
        };
        assert_eq!(balancer, "front");
        assert_eq!(idlest.0, "server-room");
        assert!(busiest.1 >= 2.0 * idlest.1, "{busiest:?} {idlest:?}");
        // With least outstanding, there is nothing to say about the balancer.
        let (_, findings) = bundled_review("02", "reference");
        assert!(
            !findings
                .iter()
                .any(|f| matches!(f, Finding::RoundRobinUneven { .. })),
            "{findings:?}"
        );
    }

    #[test]
    fn a_group_at_its_maximum_is_said_to_hit_it_and_a_level_box_is_locked() {
        // Level 06's reference capped at four instances.
        let solution = r#"Solution(
    level: "06-auto-scaling",
    things: [
        LoadBalancer(id: "shop-lb"),
        AutoScalingGroup(id: "shop", type: "c5.large", min: 4, desired: 4, max: 4, policies: [TargetTracking(metric: Cpu, target: 45.0)]),
    ],
    links: [("buyers", "shop-lb"), ("shop-lb", "shop")],
)"#;
        let (_, findings) = review_of("06", "max-four", solution);
        let lag = findings.iter().find_map(|f| match f {
            Finding::ScalingLag {
                to,
                max,
                has_policy,
                locked,
                ..
            } => Some((*to, *max, *has_policy, *locked)),
            _ => None,
        });
        assert_eq!(lag, Some((4, 4, true, false)), "{findings:?}");

        // A thing the level placed is marked locked, so nothing is advised for it.
        let level = r#"Level(
    id: "locked", title: (en: "locked", ko: "잠김"), seed: 1, tick: "1s", duration: "10m",
    workloads: [Workload(id: "page", class: Web, work_ms: 200.0, memory_mib: 64.0, mode: Sync(deadline: "1s", timeout: "5s"))],
    sources: [Source(id: "users", workload: "page", base_rps: 100.0)],
    palette: (things: [Queue]),
    preplaced: [AutoScalingGroup(id: "legacy", type: "m5.large", min: 1, desired: 1, max: 1)],
    preplaced_links: [("users", "legacy")],
    goals: (availability_pct: 99.0, stars: (one: 100.0, two: 100.0, three: 100.0)),
)"#;
        let checked = check_texts(
            SourceFile::new("locked/level.ron", level),
            Some(SourceFile::new("s.ron", r#"Solution(level: "locked")"#)),
        )
        .expect("checks");
        let sim = super::super::run_checked(&checked, None).expect("builds");
        let score = Score::of(&sim);
        let findings = review(&sim, &score);
        assert!(
            findings.iter().any(|f| matches!(
                f,
                Finding::Saturated { thing, locked: true, .. } if thing == "legacy"
            )),
            "{findings:?}"
        );
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::ScalingLag {
                locked: true,
                has_policy: false,
                ..
            }
        )));
    }

    #[test]
    fn a_failed_server_is_named_as_the_cause_of_lost_requests() {
        let (_, findings) = bundled_review("05", "reference");
        assert!(matches!(
            worst(&findings),
            Some(Finding::WorstLosses {
                from_s: 9_000.0,
                main_reason: Some(DropReason::ServerFailed),
                trigger: Some(Trigger::ServersFailed {
                    count: 1,
                    at_s: 9_000.0,
                    ..
                }),
                trigger_during: false,
                ..
            })
        ));
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::FailureLosses {
                servers_failed: 1,
                outages: 0,
                ..
            }
        )));
    }

    #[test]
    fn an_oversized_fixed_fleet_is_over_budget_for_idle_capacity() {
        let (score, findings) = review_of(
            "day",
            "fixed-for-peak",
            include_str!("testdata/day-fixed-for-peak.ron"),
        );
        assert!(score.failed_goals.iter().any(|g| g.starts_with("cost ")));
        let Finding::IdleCapacity {
            mean_utilisation,
            idle_usd,
            compute_usd,
        } = findings[0]
        else {
            panic!("idle capacity should come first: {findings:?}");
        };
        assert!(mean_utilisation < IDLE_BELOW, "{mean_utilisation}");
        assert!((idle_usd - compute_usd * (1.0 - mean_utilisation)).abs() < 1e-9);
    }

    #[test]
    fn reservations_nobody_uses_are_reported_in_dollars() {
        // Level 03's naive fleet runs 12 on-demand m5.large all day; 20 are reserved.
        let solution = r#"Solution(
    level: "day-fixture",
    things: [
        LoadBalancer(id: "shop-lb"),
        AutoScalingGroup(id: "shop", type: "m5.large", min: 12, desired: 12, max: 12),
    ],
    links: [("buyers", "shop-lb"), ("shop-lb", "shop")],
    commitments: [Reserved(type: "m5.large", count: 20, term: OneYear, payment: NoUpfront)],
)"#;
        let (score, findings) = review_of("day", "reserved", solution);
        let reserved = score.cost_by_service["ec2_reserved"];
        let Some(Finding::UnusedCommitment {
            unused_usd,
            committed_usd,
        }) = findings
            .iter()
            .find(|f| matches!(f, Finding::UnusedCommitment { .. }))
        else {
            panic!("no unused commitment: {findings:?}");
        };
        assert!((committed_usd - reserved).abs() < 1e-9);
        // Eight of the twenty idle every hour of the day.
        assert!(
            (unused_usd - reserved * 8.0 / 20.0).abs() < 1e-6,
            "{unused_usd} of {reserved}"
        );
        assert!(!score.cost_by_service.contains_key("ec2_on_demand"));
    }
}
