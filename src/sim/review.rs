//! Review: what went wrong in a finished run, as data for the results
//! screen's plain-language hints. Every finding is ids, times (seconds since
//! the start), counts and dollars drawn from what the run recorded (the
//! metrics' running summaries, the log of happenings, the ledger and the
//! score); the screen words them. Deterministic: only vectors and fixed-order
//! arrays are walked.

use crate::format::level::Shape;
use crate::format::solution::{Algorithm, Thing, ThingKind};

use super::Score;
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
    /// A thing the level says must receive a workload's requests got none
    /// of some stream's: nothing links them on to it.
    Undelivered {
        /// The thing they never reached.
        thing: String,
        /// Requests lost that way.
        lost: u64,
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

    // Requests never brought to a thing that must receive them, by thing.
    let mut undelivered: Vec<(&str, u64)> = Vec::new();
    for u in &setup.undelivered {
        let lost = per_stream.get(u.stream).map_or(0, |r| r.dropped);
        match undelivered.iter_mut().find(|(t, _)| *t == u.thing) {
            Some((_, n)) => *n += lost,
            None => undelivered.push((&u.thing, lost)),
        }
    }
    for (thing, lost) in undelivered.into_iter().filter(|(_, n)| *n > 0) {
        found.push((
            lost,
            Finding::Undelivered {
                thing: thing.to_string(),
                lost,
            },
        ));
    }

    // Losses worth a finding: at least one request in ten thousand of the
    // run's. Below that they are the tail every line has (a few late
    // requests of exponential service), not something a design did.
    let significant = |n: u64| n > 0 && n.saturating_mul(10_000) >= score.requests.arrived;
    if let Some(worst) = m.worst_losses()
        && significant(worst.failed())
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
        .filter(|(_, s)| significant(s.failed))
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
    let (desired_now, max) = sim.ctx.groups.get(*entity).map(|g| (g.desired, g.max))?;
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
mod tests;
