//! Words for what happened: the event log's lines and the results screen's
//! explanations, from the simulation's data in the player's language.

use crate::format::solution::Purchase;
use crate::format::time::{format_clock, format_span};
use crate::sim::log::What;
use crate::sim::review::{Finding, MissedGoal, Trigger};

use super::strings::Strings;

/// Dollars as the screen shows them: cents below $100, thousands separated above $10,000.
pub fn money(usd: f64) -> String {
    if usd >= 10_000.0 {
        format!("${}", count(usd.round() as u64))
    } else if usd >= 100.0 {
        format!("${usd:.0}")
    } else {
        format!("${usd:.2}")
    }
}

fn usd(v: f64) -> String {
    money(v)
}

/// A count with thousands separated (100,160).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn reason(r: crate::sim::station::DropReason, s: &Strings) -> String {
    s.t(&format!("reason.{}", r.key())).to_string()
}

/// One line of the event log.
pub fn happening(what: &What, s: &Strings) -> String {
    match what {
        What::SpikeStarted { source, multiplier } => s.f(
            "log.spike",
            &[("source", source), ("x", &format!("{multiplier:.1}"))],
        ),
        What::ServersFailed { thing, count } => {
            s.f("log.failed", &[("thing", thing), ("n", count)])
        }
        What::FailureDetected { thing } => s.f("log.detected", &[("thing", thing)]),
        What::Scaled {
            thing,
            from,
            to,
            why,
        } => {
            let sign = if to >= from {
                format!("+{}", to - from)
            } else {
                format!("-{}", from - to)
            };
            s.f(
                "log.scaled",
                &[("thing", thing), ("sign", &sign), ("to", to), ("why", why)],
            )
        }
        What::InService { thing, count } => {
            s.f("log.in_service", &[("thing", thing), ("n", count)])
        }
        What::SpotNotice { thing } => s.f("log.spot_notice", &[("thing", thing)]),
        What::Outage { thing, until_s } => s.f(
            "log.outage",
            &[("thing", thing), ("until", &format_clock(*until_s))],
        ),
        What::PriceChanged {
            purchase,
            multiplier,
        } => {
            let p = match purchase {
                Purchase::OnDemand => "on-demand",
                Purchase::Spot => "spot",
                Purchase::DedicatedHost => "dedicated-host",
            };
            s.f(
                "log.price",
                &[("purchase", &p), ("x", &format!("{multiplier:.2}"))],
            )
        }
        What::SpotReclaimed { thing } => s.f("log.spot_reclaimed", &[("thing", thing)]),
        What::LostInFlight { thing, requests } => {
            s.f("log.lost_in_flight", &[("thing", thing), ("n", requests)])
        }
        What::Resized { thing, to } => s.f("log.resized", &[("thing", thing), ("to", to)]),
        What::Ordered {
            thing,
            count,
            arrive_s,
        } => s.f(
            "log.ordered",
            &[
                ("thing", thing),
                ("n", count),
                ("at", &format_clock(*arrive_s)),
            ],
        ),
    }
}

fn trigger(t: &Trigger, s: &Strings) -> String {
    match t {
        Trigger::Spike {
            source,
            at_s,
            multiplier,
        } => s.f(
            "why.trigger_spike",
            &[
                ("source", source),
                ("at", &format_clock(*at_s)),
                ("x", &format!("{multiplier:.1}")),
            ],
        ),
        Trigger::FlashCrowd {
            source,
            at_s,
            multiplier,
        } => s.f(
            "why.trigger_flash",
            &[
                ("source", source),
                ("at", &format_clock(*at_s)),
                ("x", &format!("{multiplier:.1}")),
            ],
        ),
        Trigger::Outage {
            thing,
            at_s,
            until_s,
        } => s.f(
            "why.trigger_outage",
            &[
                ("thing", thing),
                ("at", &format_clock(*at_s)),
                ("until", &format_clock(*until_s)),
            ],
        ),
        Trigger::ServersFailed { thing, at_s, count } => s.f(
            "why.trigger_failed",
            &[("thing", thing), ("at", &format_clock(*at_s)), ("n", count)],
        ),
        Trigger::SpotReclaimed { thing, at_s } => s.f(
            "why.trigger_spot",
            &[("thing", thing), ("at", &format_clock(*at_s))],
        ),
    }
}

/// The results screen's explanations, one sentence (or two) per finding.
pub fn findings(list: &[Finding], s: &Strings) -> Vec<String> {
    list.iter().map(|f| finding(f, s)).collect()
}

fn finding(f: &Finding, s: &Strings) -> String {
    match f {
        Finding::GoalMissed(goal) => match goal {
            MissedGoal::Availability { got_pct, goal_pct } => s.f(
                "why.goal_availability",
                &[("got", &format!("{got_pct:.2}")), ("goal", goal_pct)],
            ),
            MissedGoal::P99Latency { got_ms, goal_ms } => s.f(
                "why.goal_p99",
                &[("got", &format!("{got_ms:.0}")), ("goal", goal_ms)],
            ),
            MissedGoal::Budget {
                cost_usd,
                budget_usd,
            } => s.f(
                "why.goal_budget",
                &[("cost", &usd(*cost_usd)), ("budget", &usd(*budget_usd))],
            ),
            MissedGoal::DedicatedOnly { thing } => s.f("why.goal_dedicated", &[("thing", thing)]),
            MissedGoal::Other(text) => text.clone(),
        },
        Finding::WorstLosses {
            from_s,
            to_s,
            dropped,
            late,
            main_reason,
            trigger: t,
        } => {
            let mut out = s.f(
                "why.worst",
                &[
                    ("from", &format_clock(*from_s)),
                    ("to", &format_clock(*to_s)),
                    ("lost", &count(*dropped)),
                    ("late", &count(*late)),
                ],
            );
            if let Some(r) = main_reason {
                out.push(' ');
                out.push_str(&s.f("why.mostly", &[("reason", &reason(*r, s))]));
            }
            if let Some(t) = t {
                out.push(' ');
                out.push_str(&trigger(t, s));
            }
            out
        }
        Finding::Saturated {
            thing,
            from_s,
            to_s,
            total_s,
            peak_utilisation,
        } => s.f(
            "why.saturated",
            &[
                ("thing", thing),
                ("from", &format_clock(*from_s)),
                ("to", &format_clock(*to_s)),
                ("total", &format_span(total_s.round())),
                ("pct", &format!("{:.0}", peak_utilisation * 100.0)),
            ],
        ),
        Finding::ScalingLag {
            thing,
            saturated_s,
            asked_s,
            from,
            to,
            max,
            ready_s,
        } => match (asked_s, ready_s) {
            (None, _) => s.f(
                "why.never_scaled",
                &[("thing", thing), ("at", &format_clock(*saturated_s))],
            ),
            (Some(asked), Some(ready)) => {
                let mut out = s.f(
                    "why.lag",
                    &[
                        ("thing", thing),
                        ("at", &format_clock(*saturated_s)),
                        ("from", from),
                        ("to", to),
                        ("asked", &format_clock(*asked)),
                        ("lag", &format_span((ready - saturated_s).max(0.0).round())),
                    ],
                );
                if to >= max {
                    out.push(' ');
                    out.push_str(&s.f("why.at_max", &[("max", max)]));
                }
                out
            }
            (Some(asked), None) => s.f(
                "why.lag_never_ready",
                &[
                    ("thing", thing),
                    ("to", to),
                    ("asked", &format_clock(*asked)),
                ],
            ),
        },
        Finding::FailureLosses {
            by_reason,
            spot_reclaims,
            servers_failed,
            outages,
        } => {
            let reasons: Vec<String> = by_reason
                .iter()
                .map(|(r, n)| format!("{} {}", reason(*r, s), count(*n)))
                .collect();
            s.f(
                "why.failures",
                &[
                    ("reasons", &reasons.join(", ")),
                    ("spot", spot_reclaims),
                    ("failed", servers_failed),
                    ("outages", outages),
                ],
            )
        }
        Finding::IdleCapacity {
            mean_utilisation,
            idle_usd,
            compute_usd,
        } => s.f(
            "why.idle",
            &[
                ("pct", &format!("{:.0}", mean_utilisation * 100.0)),
                ("idle", &usd(*idle_usd)),
                ("compute", &usd(*compute_usd)),
            ],
        ),
        Finding::CostliestLine {
            service,
            usd: v,
            total_usd,
        } => s.f(
            "why.costliest",
            &[
                ("service", &s.t(&format!("service.{}", service.key()))),
                ("usd", &usd(*v)),
                ("total", &usd(*total_usd)),
            ],
        ),
        Finding::UnusedCommitment {
            unused_usd,
            committed_usd,
        } => s.f(
            "why.unused_commitment",
            &[
                ("unused", &usd(*unused_usd)),
                ("committed", &usd(*committed_usd)),
            ],
        ),
    }
}
