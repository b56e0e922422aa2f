//! Review: what went wrong in a finished run, as data for the results
//! screen's plain-language hints. Every finding is ids, times (seconds since
//! the start), counts and dollars drawn from what the run recorded (the
//! metrics' running summaries, the log of happenings, the ledger and the
//! score); the screen words them. Deterministic: only vectors and fixed-order
//! arrays are walked.

use crate::format::level::Shape;
use crate::format::solution::ThingKind;

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
/// [`MAX_FINDINGS`]. Missed goals lead; then what lost requests (the worst
/// stretch, saturation, scaling lag, failures); then money (idle capacity,
/// unused commitments, the biggest bill line), which moves ahead of the
/// performance findings when cost is what kept stars away.
pub fn review(sim: &Sim, score: &Score) -> Vec<Finding> {
    let setup = &sim.ctx.setup;
    let m = &sim.metrics;
    let tick_s = setup.tick_s;
    let money_matters = score.failed_goals.iter().any(|g| g.starts_with("cost "))
        || (score.passed && score.stars < 3);
    let money = if money_matters { 30 } else { 0 };
    let mut found: Vec<(u32, Finding)> = Vec::new();

    for goal in &score.failed_goals {
        found.push((100, Finding::GoalMissed(missed_goal(goal, score))));
    }

    if let Some(worst) = m.worst_losses()
        && worst.failed() > 0
    {
        found.push((
            90,
            Finding::WorstLosses {
                from_s: worst.stretch.from_s,
                to_s: worst.stretch.to_s,
                dropped: worst.dropped,
                late: worst.late,
                main_reason: worst.main_reason(),
                trigger: trigger_for(sim, &worst.stretch),
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
    for (rank, &(i, stretch)) in saturated.iter().take(2).enumerate() {
        let t = &m.things[i];
        found.push((
            80 - rank as u32,
            Finding::Saturated {
                thing: t.id.clone(),
                from_s: stretch.from_s,
                to_s: stretch.to_s,
                total_s: t.saturated_ticks as f64 * tick_s,
                peak_utilisation: stretch.peak_utilisation,
            },
        ));
        if let Some(lag) = scaling_lag(sim, i, &stretch) {
            found.push((78 - rank as u32, lag));
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
        // Ahead of load findings when failures caused most of the drops.
        let rank = if 2 * lost >= score.requests.dropped {
            85
        } else {
            70
        };
        found.push((
            rank,
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
                60 + money,
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
            58 + money,
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
            50 + money,
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
/// latest one in the lookback before it starts, else the first one during it.
fn trigger_for(sim: &Sim, stretch: &Stretch) -> Option<Trigger> {
    let setup = &sim.ctx.setup;
    let from = stretch.from_s - lookback_s(setup.tick_s);
    let mut candidates: Vec<Trigger> = Vec::new();
    for h in &sim.ctx.log {
        let at_s = h.at_s;
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
    before.or_else(during).cloned()
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

    #[test]
    fn a_fixed_fleet_saturates_and_loses_most_through_the_spike() {
        let (score, findings) = bundled_review("day", "naive");
        assert!(findings.len() <= MAX_FINDINGS);
        assert_eq!(
            findings[0],
            Finding::GoalMissed(MissedGoal::Availability {
                got_pct: score.availability_pct,
                goal_pct: 99.5
            })
        );
        assert!((score.availability_pct - 27.04).abs() < 0.01);
        // Losses begin as the evening rises past the fleet (12:19:47), run
        // through the 13:00 flash sale and last to the end of the day.
        let Some(Finding::WorstLosses {
            from_s,
            to_s,
            dropped,
            late,
            main_reason,
            trigger,
        }) = worst(&findings)
        else {
            panic!("no worst stretch: {findings:?}");
        };
        assert_eq!((*from_s, *to_s), (44_387.0, 86_400.0));
        assert_eq!(*main_reason, Some(DropReason::QueueFull));
        assert!(*dropped <= score.requests.dropped && *dropped > 13_000_000);
        assert!(*late <= score.requests.late && *late > 23_000_000);
        assert_eq!(
            *trigger,
            Some(Trigger::Spike {
                source: "buyers".into(),
                at_s: 46_800.0,
                multiplier: 2.5
            })
        );
        assert!(findings.contains(&Finding::Saturated {
            thing: "shop".into(),
            from_s: 43_681.0,
            to_s: 86_400.0,
            total_s: 45_819.0,
            peak_utilisation: 1.0,
        }));
        // Min = max = 12: it never asked for more.
        assert!(findings.contains(&Finding::ScalingLag {
            thing: "shop".into(),
            saturated_s: 43_681.0,
            asked_s: None,
            from: 12,
            to: 12,
            max: 12,
            ready_s: None,
        }));
    }

    #[test]
    fn target_tracking_asks_within_a_minute_and_has_capacity_in_six_and_a_half() {
        let (score, findings) = bundled_review("day", "reference");
        assert!(score.passed);
        // The day starts at 700 requests a second on six instances.
        assert!(findings.contains(&Finding::ScalingLag {
            thing: "shop".into(),
            saturated_s: 0.0,
            asked_s: Some(60.0),
            from: 6,
            to: 54,
            max: 60,
            ready_s: Some(390.0),
        }));
        let Some(Finding::WorstLosses {
            from_s,
            to_s,
            dropped,
            ..
        }) = worst(&findings)
        else {
            panic!("no worst stretch: {findings:?}");
        };
        assert_eq!((*from_s, *to_s), (0.0, 314.0));
        assert!(*dropped <= score.requests.dropped && *dropped >= 100_000);
    }

    #[test]
    fn owning_for_the_average_loses_requests_at_the_seasonal_peak() {
        let (score, findings) = bundled_review("01", "naive");
        let Some(Finding::WorstLosses {
            from_s,
            to_s,
            dropped,
            main_reason,
            trigger,
            ..
        }) = worst(&findings)
        else {
            panic!("no worst stretch: {findings:?}");
        };
        // A 20-hour stretch of day 44 of the year, inside the season (peak day 45).
        assert_eq!((*from_s, *to_s), (3_751_200.0, 3_823_200.0));
        assert!((36.0..=54.0).contains(&(from_s / 86_400.0)));
        assert_eq!(*main_reason, Some(DropReason::QueueFull));
        assert!(*dropped > 30_000_000 && *dropped < score.requests.dropped);
        // The season is the level's rhythm, not a scripted event.
        assert_eq!(*trigger, None);
        assert!(findings.iter().any(|f| matches!(
            f,
            Finding::Saturated { thing, from_s: 3_751_200.0, peak_utilisation, .. }
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
        let Some(Finding::IdleCapacity {
            mean_utilisation,
            idle_usd,
            compute_usd,
        }) = findings
            .iter()
            .find(|f| matches!(f, Finding::IdleCapacity { .. }))
        else {
            panic!("no idle capacity: {findings:?}");
        };
        // Six servers for a year, busy a fifth of the time.
        assert!(
            (mean_utilisation - 0.1976).abs() < 0.001,
            "{mean_utilisation}"
        );
        assert!((compute_usd - score.cost_by_service["on_premises"]).abs() < 1e-9);
        assert!((idle_usd - 20_479.16).abs() < 0.5, "{idle_usd}");
        // One star: cost is what kept the others away, so money comes first.
        assert_eq!(score.stars, 1);
        assert!(matches!(findings[0], Finding::IdleCapacity { .. }));
        assert_eq!(
            findings[1],
            Finding::CostliestLine {
                service: Service::OnPremises,
                usd: *compute_usd,
                total_usd: score.cost_usd
            }
        );
    }

    #[test]
    fn a_tightly_coupled_call_fails_every_order_during_the_outage() {
        let (score, findings) = bundled_review("08", "naive");
        assert_eq!(score.dropped_by_reason["downstream_failed"], 48_014);
        assert_eq!(
            worst(&findings),
            Some(&Finding::WorstLosses {
                from_s: 3_600.0,
                to_s: 4_200.0,
                dropped: 48_014,
                late: 0,
                main_reason: Some(DropReason::DownstreamFailed),
                trigger: Some(Trigger::Outage {
                    thing: "fulfilment".into(),
                    at_s: 3_600.0,
                    until_s: 4_200.0
                }),
            })
        );
        assert!(findings.contains(&Finding::FailureLosses {
            by_reason: vec![(DropReason::DownstreamFailed, 48_014)],
            spot_reclaims: 0,
            servers_failed: 0,
            outages: 1,
        }));

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
    fn a_failed_server_is_named_as_the_cause_of_lost_requests() {
        let (_, findings) = bundled_review("05", "reference");
        assert!(matches!(
            worst(&findings),
            Some(Finding::WorstLosses {
                from_s: 9_000.0,
                to_s: 9_030.0,
                main_reason: Some(DropReason::ServerFailed),
                trigger: Some(Trigger::ServersFailed {
                    count: 1,
                    at_s: 9_000.0,
                    ..
                }),
                ..
            })
        ));
        assert!(findings.contains(&Finding::FailureLosses {
            by_reason: vec![(DropReason::Killed, 3), (DropReason::ServerFailed, 3_754)],
            spot_reclaims: 0,
            servers_failed: 1,
            outages: 0,
        }));
    }

    #[test]
    fn an_oversized_fixed_fleet_is_over_budget_for_idle_capacity() {
        let (score, findings) = review_of(
            "day",
            "fixed-for-peak",
            include_str!("testdata/day-fixed-for-peak.ron"),
        );
        assert!(matches!(
            findings[0],
            Finding::GoalMissed(MissedGoal::Budget { budget_usd: 95.0, cost_usd }) if cost_usd == score.cost_usd
        ));
        let Finding::IdleCapacity {
            mean_utilisation,
            idle_usd,
            compute_usd,
        } = findings[1]
        else {
            panic!("idle capacity should come next: {findings:?}");
        };
        assert!(
            (mean_utilisation - 0.2865).abs() < 0.001,
            "{mean_utilisation}"
        );
        assert!((compute_usd - 101.376).abs() < 1e-6);
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
