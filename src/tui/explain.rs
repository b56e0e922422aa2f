//! Words for what happened: the event log's lines and the results screen's
//! explanations, from the simulation's data in the player's language.

use crate::format::level::Level;
use crate::format::solution::Purchase;
use crate::format::solution::ThingKind;
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

/// Seconds in a day.
const DAY_S: f64 = 86_400.0;

/// A point in a level's time in the one format the screen uses: `13:05`
/// in a level of a day or less, `d2 13:05` (days counted from d1) in a
/// longer one, so every time of a long level says its day.
pub fn clock(at_s: f64, end_s: f64) -> String {
    let whole = at_s.max(0.0).round() as u64;
    let day = whole / 86_400;
    let rest = whole % 86_400;
    let (h, m) = (rest / 3600, rest % 3600 / 60);
    let time = format!("{h:02}:{m:02}");
    if end_s > DAY_S {
        format!("d{} {time}", day + 1)
    } else if day > 0 {
        // The very end of a one-day level.
        "24:00".to_string()
    } else {
        time
    }
}

/// A stretch of a level's time: `09:00–09:40`, `d44 03:00–23:00` within
/// one day of a long level, `d44 03:00–d45 01:00` across days.
pub fn range(from_s: f64, to_s: f64, end_s: f64) -> String {
    let from = clock(from_s, end_s);
    let to = clock(to_s, end_s);
    match (from.split_once(' '), to.split_once(' ')) {
        (Some((d1, _)), Some((d2, time))) if d1 == d2 => format!("{from}–{time}"),
        _ => format!("{from}–{to}"),
    }
}

/// A length of time in its largest sensible unit, rounded: `45s`, `12m`,
/// `2h 30m`, `24h`, `3d 4h`, `365d`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    if s < 90 {
        format!("{s}s")
    } else if s < 5_400 {
        // Under an hour and a half, minutes read best.
        format!("{}m", (s as f64 / 60.0).round())
    } else if s <= 2 * 86_400 && d < 2 {
        let hours = s / 3600;
        if m == 0 || hours >= 10 {
            format!("{}h", (s as f64 / 3600.0).round())
        } else {
            format!("{hours}h {m}m")
        }
    } else if h == 0 || d >= 10 {
        format!("{}d", (s as f64 / 86_400.0).round())
    } else {
        format!("{d}d {h}h")
    }
}

/// Why a group scaled, in the player's language. The simulation words its
/// reasons in English for the log; the known ones are put into words here.
pub fn scaling_reason(why: &str, s: &Strings) -> String {
    let metric = |label: &str| metric_words(label, s);
    if let Some(rest) = why.strip_prefix("target tracking: ") {
        if rest == "below target" {
            return s.t("scale.below_target").to_string();
        }
        if let Some((label_value, target)) = rest.rsplit_once(" > ")
            && let Some((label, value)) = label_value.rsplit_once(' ')
        {
            return s.f(
                "scale.above_target",
                &[
                    ("metric", &metric(label)),
                    ("value", &value),
                    ("target", &target),
                ],
            );
        }
    }
    if why.ends_with("target tracking: no capacity") {
        return s.t("scale.no_capacity").to_string();
    }
    if let Some(n) = why.strip_prefix("predictive scaling: forecast needs ") {
        return s.f("scale.forecast", &[("n", &n)]);
    }
    if let Some(rest) = why.strip_prefix("step scaling: ")
        && let Some((label, value)) = rest.rsplit_once(' ')
    {
        return s.f(
            "scale.step",
            &[("metric", &metric(label)), ("value", &value)],
        );
    }
    match why {
        "scheduled action" => s.t("scale.scheduled").to_string(),
        "set by hand" => s.t("scale.by_hand").to_string(),
        "limits set by hand" => s.t("scale.limits_by_hand").to_string(),
        other => other.to_string(),
    }
}

/// A metric the simulation names in English, in the player's language.
fn metric_words(label: &str, s: &Strings) -> String {
    match label {
        "CPU %" => s.t("metric.cpu").to_string(),
        "requests/min per instance" => s.t("metric.requests").to_string(),
        "queue backlog per instance" => s.t("metric.backlog").to_string(),
        other => other.to_string(),
    }
}

/// [`happening`] in fewer cells, for an event log too narrow for it: a
/// group that scaled above its target says `CPU 99 > 55`, not
/// `CPU 99 > target 55` (the inspector and the "why" window say it whole).
pub fn happening_brief(what: &What, end_s: f64, s: &Strings) -> String {
    if let What::Scaled {
        thing,
        from,
        to,
        why,
    } = what
        && let Some((label_value, target)) = why
            .strip_prefix("target tracking: ")
            .and_then(|rest| rest.rsplit_once(" > "))
        && let Some((label, value)) = label_value.rsplit_once(' ')
    {
        let sign = if to >= from {
            format!("+{}", to - from)
        } else {
            format!("-{}", from - to)
        };
        let why = format!("{} {value} > {target}", metric_words(label, s));
        return s.f(
            "log.scaled",
            &[("thing", thing), ("sign", &sign), ("to", to), ("why", &why)],
        );
    }
    happening(what, end_s, s)
}

/// A way of buying instances, in the player's language.
pub fn purchase_words(p: Purchase, s: &Strings) -> String {
    s.t(match p {
        Purchase::OnDemand => "value.on-demand",
        Purchase::Spot => "value.spot",
        Purchase::DedicatedHost => "value.dedicated-host",
    })
    .to_string()
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

/// One line of the event log; `end_s` is the level's length (for the time format).
pub fn happening(what: &What, end_s: f64, s: &Strings) -> String {
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
                &[
                    ("thing", thing),
                    ("sign", &sign),
                    ("to", to),
                    ("why", &scaling_reason(why, s)),
                ],
            )
        }
        What::InService { thing, count } => {
            s.f("log.in_service", &[("thing", thing), ("n", count)])
        }
        What::SpotNotice { thing } => s.f("log.spot_notice", &[("thing", thing)]),
        What::Outage { thing, until_s } => s.f(
            "log.outage",
            &[("thing", thing), ("until", &clock(*until_s, end_s))],
        ),
        What::PriceChanged {
            purchase,
            multiplier,
        } => {
            let p = purchase_words(*purchase, s);
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
                ("at", &clock(*arrive_s, end_s)),
            ],
        ),
    }
}

fn trigger(t: &Trigger, during: bool, end_s: f64, s: &Strings) -> String {
    let at = |x: f64| clock(x, end_s);
    let text = match t {
        Trigger::Spike {
            source,
            at_s,
            multiplier,
        } => s.f(
            "why.trigger_spike",
            &[
                ("source", source),
                ("at", &at(*at_s)),
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
                ("at", &at(*at_s)),
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
                ("at", &at(*at_s)),
                ("until", &at(*until_s)),
            ],
        ),
        Trigger::ServersFailed { thing, at_s, count } => s.f(
            "why.trigger_failed",
            &[("thing", thing), ("at", &at(*at_s)), ("n", count)],
        ),
        Trigger::SpotReclaimed { thing, at_s } => {
            s.f("why.trigger_spot", &[("thing", thing), ("at", &at(*at_s))])
        }
    };
    // Something that came in the middle of a stretch did not start it.
    if during {
        s.f("why.during", &[("what", &text)])
    } else {
        s.f("why.began", &[("what", &text)])
    }
}

/// The results screen's explanations, one sentence (or two) per finding,
/// for a level (whose length sets the time format and whose palette decides
/// which advice can be followed).
pub fn findings(list: &[Finding], level: &Level, s: &Strings) -> Vec<String> {
    list.iter().map(|f| finding(f, level, s)).collect()
}

fn finding(f: &Finding, level: &Level, s: &Strings) -> String {
    let end_s = level.duration.secs();
    let at = |x: f64| clock(x, end_s);
    let offers = |k: ThingKind| level.palette.things.contains(&k);
    match f {
        Finding::NoConsumer { queue, stuck } => s.f(
            "why.no_consumer",
            &[("queue", queue), ("n", &count(*stuck))],
        ),
        Finding::Undelivered { thing, lost } => {
            s.f("why.undelivered", &[("thing", thing), ("n", &count(*lost))])
        }
        Finding::RoundRobinUneven {
            balancer,
            busiest,
            idlest,
            ..
        } => s.f(
            "why.round_robin",
            &[
                ("lb", balancer),
                ("busy", &busiest.0),
                ("busy_pct", &format!("{:.0}", busiest.1 * 100.0)),
                ("idle", &idlest.0),
                ("idle_pct", &format!("{:.0}", idlest.1 * 100.0)),
            ],
        ),
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
            trigger_during,
        } => {
            let mut out = s.f(
                "why.worst",
                &[
                    ("when", &range(*from_s, *to_s, end_s)),
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
                out.push_str(&trigger(t, *trigger_during, end_s, s));
            }
            out
        }
        Finding::Saturated {
            thing,
            from_s,
            to_s,
            total_s,
            peak_utilisation,
            locked,
            ..
        } => {
            let mut out = s.f(
                "why.saturated",
                &[
                    ("thing", thing),
                    ("when", &range(*from_s, *to_s, end_s)),
                    ("total", &duration(*total_s)),
                    ("pct", &format!("{:.0}", peak_utilisation * 100.0)),
                ],
            );
            if *locked {
                out.push(' ');
                out.push_str(&s.f("why.locked", &[("thing", thing)]));
                if offers(ThingKind::Queue) {
                    out.push(' ');
                    out.push_str(s.t("why.locked_queue"));
                }
            }
            out
        }
        Finding::ScalingLag {
            thing,
            saturated_s,
            asked_s,
            from,
            to,
            max,
            ready_s,
            has_policy,
            locked,
            ..
        } => {
            // Nothing to advise on a thing the level fixed.
            if *locked {
                return s.f(
                    "why.locked_lag",
                    &[("thing", thing), ("at", &at(*saturated_s))],
                );
            }
            match (asked_s, ready_s) {
                _ if *to >= *max && *from >= *max => s.f(
                    "why.already_at_max",
                    &[("thing", thing), ("at", &at(*saturated_s)), ("max", max)],
                ),
                (None, _) if !*has_policy => s.f(
                    "why.no_policy",
                    &[("thing", thing), ("at", &at(*saturated_s))],
                ),
                (None, _) => s.f(
                    "why.policy_quiet",
                    &[("thing", thing), ("at", &at(*saturated_s))],
                ),
                // Hitting the ceiling is the cause; boot time is beside the point.
                (Some(asked), _) if to >= max => s.f(
                    "why.hit_max",
                    &[
                        ("thing", thing),
                        ("at", &at(*saturated_s)),
                        ("asked", &at(*asked)),
                        ("max", max),
                    ],
                ),
                (Some(asked), Some(ready)) => s.f(
                    "why.lag",
                    &[
                        ("thing", thing),
                        ("at", &at(*saturated_s)),
                        ("from", from),
                        ("to", to),
                        ("asked", &at(*asked)),
                        ("lag", &duration((ready - saturated_s).max(0.0))),
                    ],
                ),
                (Some(asked), None) => s.f(
                    "why.lag_never_ready",
                    &[("thing", thing), ("to", to), ("asked", &at(*asked))],
                ),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::load;

    fn level(folder: &str) -> Level {
        let b = crate::bundled::find(folder).expect("bundled level");
        load::parse_level(&b.level_file()).expect("parses")
    }

    #[test]
    fn one_time_format_and_durations_in_their_largest_unit() {
        assert_eq!(clock(13.0 * 3600.0 + 5.0 * 60.0, 86_400.0), "13:05");
        assert_eq!(clock(86_400.0, 86_400.0), "24:00");
        // A long level says the day of every time, d1 included.
        assert_eq!(clock(3600.0, 365.0 * 86_400.0), "d1 01:00");
        assert_eq!(clock(182.5 * 86_400.0, 365.0 * 86_400.0), "d183 12:00");
        assert_eq!(range(3600.0, 7200.0, 86_400.0), "01:00–02:00");
        assert_eq!(
            range(43.0 * 86_400.0 + 3600.0, 43.0 * 86_400.0 + 7200.0, 1e7),
            "d44 01:00–02:00"
        );
        assert_eq!(range(0.0, 86_400.0, 2.0 * 86_400.0), "d1 00:00–d2 00:00");
        assert_eq!(duration(86_394.0), "24h");
        assert_eq!(duration(45.0), "45s");
        assert_eq!(duration(600.0), "10m");
        assert_eq!(duration(9_000.0), "2h 30m");
        assert_eq!(duration(365.0 * 86_400.0), "365d");
        assert_eq!(duration(3.0 * 86_400.0 + 4.0 * 3600.0), "3d 4h");
    }

    #[test]
    fn scaling_reasons_are_put_into_the_players_words() {
        let ko = Strings::new(super::super::strings::Lang::Ko);
        let said = scaling_reason("target tracking: CPU % 66 > 65", &ko);
        assert!(!said.contains("target tracking"), "{said}");
        assert!(said.contains("66") && said.contains("65"), "{said}");
        assert_eq!(scaling_reason("set by hand", &ko), ko.t("scale.by_hand"));
        let en = Strings::new(super::super::strings::Lang::En);
        assert_eq!(
            scaling_reason("predictive scaling: forecast needs 26", &en),
            "forecast needs 26"
        );
    }

    #[test]
    fn findings_never_advise_what_cannot_be_changed_and_name_the_ceiling_first() {
        let s = Strings::new(super::super::strings::Lang::En);
        let l = level("08");
        let lag = |locked: bool, to: u32, max: u32, has_policy: bool| Finding::ScalingLag {
            thing: "fulfilment".into(),
            saturated_s: 3_600.0,
            asked_s: (to > 2).then_some(3_660.0),
            from: 2,
            to,
            max,
            ready_s: Some(3_900.0),
            has_policy,
            locked,
            failed: 10,
        };
        let locked = finding(&lag(true, 4, 4, false), &l, &s);
        assert!(
            !locked.contains("max") && !locked.contains("policy"),
            "advice for a box the player cannot change: {locked}"
        );
        let capped = finding(&lag(false, 4, 4, true), &l, &s);
        assert!(capped.contains("maximum of 4"), "{capped}");
        assert!(
            !capped.contains("Booting"),
            "boot time before the ceiling: {capped}"
        );
        let quiet = finding(&lag(false, 2, 8, true), &l, &s);
        assert!(!quiet.contains("does it have"), "{quiet}");
        assert!(quiet.contains("policy did not ask"), "{quiet}");
        let none = finding(&lag(false, 2, 8, false), &l, &s);
        assert!(none.contains("no scaling policy"), "{none}");
        // A spike in the middle of a stretch did not begin it.
        let worst = Finding::WorstLosses {
            from_s: 0.0,
            to_s: 86_400.0,
            dropped: 5,
            late: 6,
            main_reason: None,
            trigger: Some(Trigger::Spike {
                source: "buyers".into(),
                at_s: 46_800.0,
                multiplier: 2.5,
            }),
            trigger_during: true,
        };
        let said = finding(&worst, &level("06"), &s);
        assert!(
            said.contains("During it") && !said.contains("began"),
            "{said}"
        );
        assert!(said.contains("00:00–24:00"), "{said}");
    }
}
