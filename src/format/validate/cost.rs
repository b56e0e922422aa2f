//! What a run may cost: the estimate of [`budget`] held to the bounds of
//! [`crate::format::bounds`], each problem naming its bound.

use super::super::bounds::*;
use super::super::budget;
use super::super::code::Code;
use super::super::locate::{Reporter, Spot};

/// Problems with a run's estimated cost: each names the bound it breaks.
pub(super) fn cost_problems(cost: &budget::Cost) -> Vec<(Bound, String, String)> {
    let mut found = Vec::new();
    if cost.servers > MAX_SERVERS {
        let biggest = cost.biggest.as_ref().map_or(String::new(), |(id, n)| {
            format!("; `{id}` alone can hold {}", grouped(*n))
        });
        found.push((
            Bound::Servers,
            format!(
                "the things here can hold {} servers and tasks at once, over the {} a level allows (MAX_SERVERS){biggest}",
                grouped(cost.servers),
                grouped(MAX_SERVERS)
            ),
            "lower the `max` of groups and services, or the on-premises `servers` and orders".into(),
        ));
    }
    if cost.streams > MAX_STREAMS as u64 {
        found.push((
            Bound::Streams,
            format!(
                "the links make more than {} streams of requests (MAX_STREAMS)",
                grouped(MAX_STREAMS as u64)
            ),
            "every topic subscriber and every call makes a stream of its own: fewer topics in a chain, fewer subscribers, fewer calls".into(),
        ));
    }
    if cost.work() > MAX_WORK {
        found.push((
            Bound::Work,
            format!(
                "scoring this would take about {} server-ticks of work ({} ticks × {} a tick{}), over the {} a level allows (MAX_WORK)",
                grouped(cost.work()),
                grouped(cost.ticks),
                grouped(cost.per_tick()),
                if cost.scans_once >= budget::SCANS_PER_UNIT {
                    format!(" + {}", grouped(cost.scans_once / budget::SCANS_PER_UNIT))
                } else {
                    String::new()
                },
                grouped(MAX_WORK)
            ),
            format!(
                "a tick costs {} (servers and tasks, weighted by their vCPUs) + {} × {} things + {} × {} streams + {} rules + {} held batches / {} + {} scan steps / {}, and the run {} scan steps / {} more (placing tasks, retiring servers); use a longer tick, a shorter level, or fewer servers",
                grouped(cost.server_load.max(cost.servers)),
                budget::THING_WEIGHT,
                cost.things,
                budget::STREAM_WEIGHT,
                cost.streams,
                grouped(cost.rules),
                grouped(cost.held),
                budget::HELD_PER_UNIT,
                grouped(cost.scans_per_tick),
                budget::SCANS_PER_UNIT,
                grouped(cost.scans_once),
                budget::SCANS_PER_UNIT
            ),
        ));
    }
    if cost.record_cells() > MAX_RECORD_CELLS {
        found.push((
            Bound::RecordCells,
            format!(
                "{} ticks × ({} streams + 2) is {} cells of per-tick records, over the {} a run may keep (MAX_RECORD_CELLS)",
                grouped(cost.ticks),
                cost.streams,
                grouped(cost.record_cells()),
                grouped(MAX_RECORD_CELLS)
            ),
            "use a longer tick or a shorter level".into(),
        ));
    }
    if cost.requests > MAX_REQUESTS {
        found.push((
            Bound::Requests,
            format!(
                "the traffic could count {:.3e} requests over the level, over the {MAX_REQUESTS:.0e} a run may count (MAX_REQUESTS)",
                cost.requests as f64
            ),
            "calls multiply their callers' rates (per_request): lower the rates, the calls' per_request, or the duration".into(),
        ));
    }
    if cost.held > MAX_HELD {
        found.push((
            Bound::Held,
            format!(
                "the things here may hold {} batches of requests at once, over the {} a run may keep (MAX_HELD)",
                grouped(cost.held),
                grouped(MAX_HELD)
            ),
            "a batch is one tick's requests of one stream, held until served or given up: shorter timeouts, fewer servers, a longer tick".into(),
        ));
    }
    found
}

/// Reports a run's cost problems: servers at the biggest thing, the rest at
/// the duration in a level, or at the top of a solution.
pub(super) fn check_cost(cost: &budget::Cost, level_file: bool, r: &mut Reporter<'_>) {
    let elsewhere = if level_file {
        Spot::Field("duration")
    } else {
        Spot::Top
    };
    for (bound, message, hint) in cost_problems(cost) {
        let spot = match (&cost.biggest, bound) {
            (Some((id, _)), Bound::Servers | Bound::Work)
                if bound == Bound::Servers || cost.servers * 2 > cost.per_tick() =>
            {
                Spot::Value {
                    field: Some("id"),
                    value: id,
                }
            }
            _ => elsewhere,
        };
        r.error(Code::Bound(bound), spot, message, Some(hint));
    }
}

/// A count with thousands separators, as the docs write bounds.
pub(super) fn grouped(n: u64) -> String {
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
