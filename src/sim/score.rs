//! Scoring: availability, latency, cost and stars against the level's goals.

use std::collections::BTreeMap;

use serde::Serialize;

use super::station::DropReason;
use super::world::Sim;
use crate::format::solution::{Capacity, Purchase, Thing};

/// Request counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Requests {
    /// Arrived.
    pub arrived: u64,
    /// Finished within the deadline.
    pub ok: u64,
    /// Finished after the deadline, or still in flight at the end with the
    /// deadline already passed (those are also counted in `overdue`).
    pub late: u64,
    /// Dropped.
    pub dropped: u64,
    /// Still in flight when the level ended, and still able to be on time.
    pub pending: u64,
    /// Of `late`: still in flight at the end, but past the deadline already.
    #[serde(skip_serializing_if = "is_zero")]
    pub overdue: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Latency percentiles of finished requests, milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
}

/// One stream's share of the result: a source's requests, or the calls they made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceScore {
    /// Source id, or `source → workload` for calls.
    pub id: String,
    /// For calls: whether the caller waited for them (tight coupling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronous: Option<bool>,
    /// Its requests.
    pub requests: Requests,
    /// Percent of its finished requests that were ok.
    pub availability_pct: f64,
}

/// The goals the level set, echoed for readers of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalsEcho {
    /// Availability needed, percent.
    pub availability_pct: f64,
    /// p99 latency ceiling, if any.
    pub p99_ms: Option<f64>,
    /// p99 wait ceiling, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_p99_ms: Option<f64>,
    /// Budget for one star (above it the level is lost).
    pub budget_usd: f64,
    /// Budget for two stars.
    pub two_stars_usd: f64,
    /// Budget for three stars.
    pub three_stars_usd: f64,
}

/// The result of a run: the same in the game and headless.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Level id.
    pub level: String,
    /// Seed used.
    pub seed: u64,
    /// Ticks run.
    pub ticks: u64,
    /// Whether every goal was met.
    pub passed: bool,
    /// Stars earned (0 when not passed).
    pub stars: u8,
    /// Percent of finished requests that were ok, in the stream that did
    /// worst: every source and every asynchronous stream of work must meet the
    /// goal by itself, so a small stream cannot fail unseen among big ones.
    pub availability_pct: f64,
    /// The stream `availability_pct` is of (a source id, or `source → workload`),
    /// empty when the level has one counted stream only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub worst_stream: String,
    /// Percent of finished requests that were ok, all counted streams pooled.
    pub pooled_availability_pct: f64,
    /// The availability goal `availability_pct` is judged by: the level's,
    /// or the worst stream's source's own (`goals.sources`).
    pub availability_goal_pct: f64,
    /// Total cost, dollars.
    pub cost_usd: f64,
    /// Request counts.
    pub requests: Requests,
    /// Latency percentiles of requests a caller waited for.
    pub latency_ms: Latency,
    /// Completion-time percentiles of work nobody waited for (queued, asynchronous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_ms: Option<Latency>,
    /// Mean wait in line of the requests `latency_ms` describes, milliseconds
    /// (the same as `wait_ms.mean`).
    pub mean_wait_ms: f64,
    /// Wait in line before service of the requests `latency_ms` describes.
    pub wait_ms: Latency,
    /// Cost by service, dollars.
    pub cost_by_service: BTreeMap<String, f64>,
    /// Drops by reason.
    pub dropped_by_reason: BTreeMap<String, u64>,
    /// Per source of the level.
    pub sources: Vec<SourceScore>,
    /// Per stream of calls the sources' requests made to further tiers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<SourceScore>,
    /// The goals.
    pub goals: GoalsEcho,
    /// Goals not met, in words.
    pub failed_goals: Vec<String>,
}

fn availability(r: &Requests) -> f64 {
    let finished = r.ok + r.late + r.dropped;
    if finished == 0 {
        100.0
    } else {
        r.ok as f64 / finished as f64 * 100.0
    }
}

impl Score {
    /// Scores a simulation (finished or not: a partial run scores what happened so far).
    pub fn of(sim: &Sim) -> Score {
        let setup = &sim.ctx.setup;
        let m = &sim.metrics;
        let pending = m.pending();
        // Work left undone past its deadline is late, not merely pending: a
        // queue nobody reads must not look like a queue that keeps up.
        let overdue = super::systems::observe::overdue(&sim.world, &sim.ctx);
        let mut total = Requests::default();
        let mut dropped_by_reason: BTreeMap<String, u64> = BTreeMap::new();
        let mut sources = Vec::new();
        let mut calls = Vec::new();
        // The stream furthest below its own goal: (shortfall, availability, goal, name).
        let mut worst: Option<(f64, f64, f64, &str)> = None;
        let goal_of = |root: usize| {
            setup
                .level
                .sources
                .get(root)
                .map_or(setup.level.goals.availability_pct, |s| {
                    setup.level.goals.availability_of(&s.id)
                })
        };
        for (i, spec) in setup.streams.iter().enumerate() {
            let o = m.outcomes[i];
            let overdue = overdue[i].min(pending[i]);
            let r = Requests {
                arrived: m.arrived[i],
                ok: o.ok,
                late: o.late + overdue,
                dropped: o.dropped_total(),
                pending: pending[i] - overdue,
                overdue,
            };
            // Synchronous calls share their caller's fate, which already counts.
            if spec.counted() {
                for reason in DropReason::ALL {
                    let n = o.dropped[reason.index()];
                    if n > 0 {
                        *dropped_by_reason
                            .entry(reason.key().to_string())
                            .or_insert(0) += n;
                    }
                }
                total.arrived += r.arrived;
                total.ok += r.ok;
                total.late += r.late;
                total.dropped += r.dropped;
                total.pending += r.pending;
                total.overdue += r.overdue;
            }
            let entry = SourceScore {
                id: spec.name.clone(),
                synchronous: spec.parent.map(|_| spec.sync),
                requests: r,
                availability_pct: availability(&r),
            };
            let goal = goal_of(spec.root);
            let shortfall = goal - entry.availability_pct;
            if spec.counted() && worst.is_none_or(|(s, ..)| shortfall > s) {
                worst = Some((shortfall, entry.availability_pct, goal, &spec.name));
            }
            if spec.parent.is_none() {
                sources.push(entry);
            } else {
                calls.push(entry);
            }
        }
        let pooled_availability_pct = availability(&total);
        let several = setup.streams.iter().filter(|s| s.counted()).count() > 1;
        let level_goal = setup.level.goals.availability_pct;
        let (availability_pct, worst_goal, worst_stream) = match worst {
            Some((_, pct, goal, name)) if several => (pct, goal, name.to_string()),
            Some((_, pct, goal, _)) => (pct, goal, String::new()),
            None => (pooled_availability_pct, level_goal, String::new()),
        };
        let times = sim.times();
        let percentiles = |h: &super::latency::LatencyStore| Latency {
            p50: h.quantile_ms(0.50),
            p95: h.quantile_ms(0.95),
            p99: h.quantile_ms(0.99),
            mean: h.mean_ms(),
        };
        let latency_ms = percentiles(&times.latency);
        let wait_ms = Latency {
            p50: times.latency.wait_quantile_ms(0.50),
            p95: times.latency.wait_quantile_ms(0.95),
            p99: times.latency.wait_quantile_ms(0.99),
            mean: times.latency.mean_wait_ms(),
        };
        let completion_ms =
            (times.completion.count() > 0.0).then(|| percentiles(&times.completion));
        let cost_usd = sim.ctx.ledger.total();
        let goals = &setup.level.goals;
        let mut failed_goals = Vec::new();
        if availability_pct + 1e-9 < worst_goal {
            let of = if worst_stream.is_empty() {
                String::new()
            } else {
                format!(" in `{worst_stream}`")
            };
            let whose = if worst_goal == goals.availability_pct {
                "the"
            } else {
                "its own"
            };
            failed_goals.push(format!(
                "availability {availability_pct:.3}%{of} is below {whose} {worst_goal}% goal"
            ));
        }
        if let Some(p99) = goals.p99_ms
            && latency_ms.p99 > p99
        {
            failed_goals.push(format!(
                "p99 latency {:.0} ms is above the {p99:.0} ms goal",
                latency_ms.p99
            ));
        }
        if let Some(p99) = goals.wait_p99_ms
            && wait_ms.p99 > p99
        {
            failed_goals.push(format!(
                "p99 wait in line {:.0} ms is above the {p99:.0} ms goal",
                wait_ms.p99
            ));
        }
        if cost_usd > goals.stars.one {
            failed_goals.push(format!(
                "cost ${cost_usd:.2} is over the ${:.2} budget",
                goals.stars.one
            ));
        }
        if goals.dedicated_only {
            for thing in setup.level.preplaced.iter().chain(&setup.solution.things) {
                // Lambda and Fargate run on hardware AWS shares between customers;
                // tasks on EC2 are as dedicated as the instances they run on.
                let shared = match thing {
                    Thing::Instance { purchase, .. } => *purchase != Purchase::DedicatedHost,
                    Thing::AutoScalingGroup(g) => g.purchase != Purchase::DedicatedHost,
                    Thing::Function(_) => true,
                    Thing::ContainerService(c) => c.capacity == Capacity::Fargate,
                    _ => false,
                };
                if shared {
                    failed_goals.push(format!("`{}` shares hardware with other customers, but this level allows only dedicated hardware", thing.id()));
                }
            }
        }
        let passed = failed_goals.is_empty();
        let stars = if !passed {
            0
        } else if cost_usd <= goals.stars.three {
            3
        } else if cost_usd <= goals.stars.two {
            2
        } else {
            1
        };
        Score {
            level: setup.level.id.clone(),
            seed: setup.seed,
            ticks: sim.ctx.tick,
            passed,
            stars,
            availability_pct,
            worst_stream,
            pooled_availability_pct,
            cost_usd,
            requests: total,
            latency_ms,
            completion_ms,
            mean_wait_ms: wait_ms.mean,
            wait_ms,
            cost_by_service: sim
                .ctx
                .ledger
                .lines()
                .map(|(s, usd)| (s.key().to_string(), usd))
                .collect(),
            dropped_by_reason,
            sources,
            calls,
            availability_goal_pct: worst_goal,
            goals: GoalsEcho {
                availability_pct: goals.availability_pct,
                p99_ms: goals.p99_ms,
                wait_p99_ms: goals.wait_p99_ms,
                budget_usd: goals.stars.one,
                two_stars_usd: goals.stars.two,
                three_stars_usd: goals.stars.three,
            },
            failed_goals,
        }
    }
}
