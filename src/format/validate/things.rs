//! Checks of one placed thing: its catalogue names, sizes, settings and policies.

use super::super::bounds::*;
use super::super::catalogue::{Catalogue, Family};
use super::super::code::Code;
use super::super::level::Level;
use super::super::locate::{Reporter, Spot};
use super::super::problem::did_you_mean;
use super::super::solution::{AutoScalingGroup, Metric, Policy, Purchase, Thing};
use super::super::spans::Path;

/// How many names a "known ..." hint lists before it says how many more there are.
const HINT_NAMES: usize = 12;
/// How many names a typo is compared with: past this, a hint is not worth the work.
const HINT_CANDIDATES: usize = 1_000;

/// A did-you-mean for a name, or the names known when none is close.
pub(super) fn hint_names<'a>(
    word: &str,
    names: impl IntoIterator<Item = &'a str> + Clone,
    what: &str,
) -> Option<String> {
    if let Some(close) = did_you_mean(word, names.clone().into_iter().take(HINT_CANDIDATES)) {
        return Some(format!("did you mean `{close}`?"));
    }
    let all: Vec<&str> = names.into_iter().take(HINT_CANDIDATES).collect();
    if all.is_empty() {
        return None;
    }
    let shown = all.len().min(HINT_NAMES);
    let more = if all.len() > shown {
        format!(", … ({} more)", all.len() - shown)
    } else {
        String::new()
    };
    Some(format!("known {what}: {}{more}", all[..shown].join(", ")))
}

pub(super) fn check_instance_type(
    catalogue: &Catalogue,
    level: &Level,
    name: &str,
    spot: Spot<'_>,
    r: &mut Reporter<'_>,
) -> Option<Family> {
    let Some((_, t)) = catalogue.instance_type(name) else {
        let allowed = &level.palette.instance_types;
        let hint = if allowed.is_empty() {
            r.listing()
                .then(|| {
                    hint_names(
                        name,
                        catalogue.instance_types.iter().map(|t| t.name.as_str()),
                        "instance types",
                    )
                })
                .flatten()
        } else {
            r.listing()
                .then(|| {
                    hint_names(
                        name,
                        allowed.iter().map(String::as_str),
                        "instance types in this level",
                    )
                })
                .flatten()
        };
        r.error(
            Code::UnknownName,
            spot,
            format!("unknown instance type `{name}`"),
            hint,
        );
        return None;
    };
    let allowed = &level.palette.instance_types;
    if !allowed.is_empty() && !allowed.iter().any(|a| a == name) {
        r.error(
            Code::NotOffered,
            spot,
            format!("this level does not allow `{name}`"),
            Some(format!("allowed: {}", allowed.join(", "))),
        );
    }
    Some(t.family)
}

pub(super) fn check_thing(
    catalogue: &Catalogue,
    level: &Level,
    thing: &Thing,
    at: Path<'_>,
    r: &mut Reporter<'_>,
) {
    let key = |field| Spot::KeyAt(at.field(field));
    match thing {
        Thing::OnPremises { model, servers, .. } => {
            match catalogue.server_model(model) {
                None => {
                    let hint = r
                        .listing()
                        .then(|| {
                            hint_names(
                                model,
                                catalogue.on_prem_servers.iter().map(|m| m.name.as_str()),
                                "server models",
                            )
                        })
                        .flatten();
                    r.error(
                        Code::UnknownName,
                        Spot::At(at.field("model")),
                        format!("unknown server model `{model}`"),
                        hint,
                    );
                }
                Some(_) => {
                    let allowed = &level.palette.server_models;
                    if !allowed.is_empty() && !allowed.contains(model) {
                        r.error(
                            Code::NotOffered,
                            Spot::At(at.field("model")),
                            format!("this level does not allow `{model}`"),
                            Some(format!("allowed: {}", allowed.join(", "))),
                        );
                    }
                }
            }
            if *servers > MAX_GROUP_SIZE {
                r.error(Code::Bound(Bound::GroupSize),
                    key("servers"),
                    format!(
                        "{servers} servers is more than a level can hold ({MAX_GROUP_SIZE}, MAX_GROUP_SIZE)"
                    ),
                    None,
                );
            }
        }
        Thing::Instance {
            instance_type,
            purchase,
            ..
        } => {
            let spot = Spot::At(at.field("type"));
            let family = check_instance_type(catalogue, level, instance_type, spot, r);
            check_purchase(catalogue, level, family, *purchase, spot, r);
        }
        Thing::AutoScalingGroup(g) => check_group(catalogue, level, g, at, r),
        Thing::Topic { .. } => {}
        Thing::ContainerService(c) => {
            let cat = &catalogue.containers;
            let at = key;
            if !(cat.min_task_vcpu..=cat.max_task_vcpu).contains(&c.task_vcpu) {
                r.error(
                    Code::OutOfRange,
                    at("task_vcpu"),
                    format!(
                        "a task has {} to {} vCPU",
                        cat.min_task_vcpu, cat.max_task_vcpu
                    ),
                    None,
                );
            }
            if !(cat.min_task_memory_gib..=cat.max_task_memory_gib).contains(&c.task_memory_gib) {
                r.error(
                    Code::OutOfRange,
                    at("task_memory_gib"),
                    format!(
                        "a task has {} to {} GiB of memory",
                        cat.min_task_memory_gib, cat.max_task_memory_gib
                    ),
                    None,
                );
            }
            if c.min > c.max {
                r.error(
                    Code::OutOfRange,
                    at("min"),
                    format!("service `{}` has min {} above max {}", c.id, c.min, c.max),
                    Some("min <= desired <= max".into()),
                );
            } else if c.desired < c.min || c.desired > c.max {
                r.error(
                    Code::OutOfRange,
                    at("desired"),
                    format!(
                        "service `{}` wants {} tasks, outside min {} and max {}",
                        c.id, c.desired, c.min, c.max
                    ),
                    None,
                );
            }
            if c.max > MAX_GROUP_SIZE {
                r.error(Code::Bound(Bound::GroupSize), at("max"), format!("service `{}` may grow to {} tasks, over the {MAX_GROUP_SIZE} a level allows (MAX_GROUP_SIZE)", c.id, c.max), None);
            }
            if c.policies
                .iter()
                .any(|p| matches!(p, Policy::Predictive { .. }))
            {
                r.error(Code::OutOfRange, at("policies"), "service auto scaling has no predictive policy here; use target tracking or steps", None);
            }
        }
        Thing::Function(f) => {
            let cat = &catalogue.lambda;
            if !(cat.min_memory_mb..=cat.max_memory_mb).contains(&f.memory_mb) {
                r.error(
                    Code::OutOfRange,
                    key("memory_mb"),
                    format!(
                        "Lambda memory runs from {} to {} MB",
                        cat.min_memory_mb, cat.max_memory_mb
                    ),
                    None,
                );
            }
            if f.reserved_concurrency
                .is_some_and(|c| c == 0 || c > cat.account_concurrency)
            {
                r.error(
                    Code::OutOfRange,
                    key("reserved_concurrency"),
                    format!(
                        "reserved concurrency runs from 1 to the account's {}",
                        cat.account_concurrency
                    ),
                    None,
                );
            }
            if f.timeout
                .is_some_and(|t| t.secs() > cat.max_timeout_s || t.secs() <= 0.0)
            {
                r.error(
                    Code::OutOfRange,
                    key("timeout"),
                    "a Lambda function runs for at most 15 minutes",
                    Some(
                        "work longer than that belongs on an instance, a container or a batch job"
                            .into(),
                    ),
                );
            }
        }
        Thing::Queue(q) => {
            let cat = &catalogue.queue;
            if q.visibility_timeout
                .is_some_and(|v| v.secs() > cat.max_visibility_timeout_s)
            {
                r.error(
                    Code::OutOfRange,
                    key("visibility_timeout"),
                    "the visibility timeout runs from 0s to 12h",
                    None,
                );
            }
            if q.retention
                .is_some_and(|v| v.secs() < cat.min_retention_s || v.secs() > cat.max_retention_s)
            {
                r.error(
                    Code::OutOfRange,
                    key("retention"),
                    "retention runs from 60s to 14d",
                    None,
                );
            }
            if q.dead_letter_after
                .is_some_and(|n| !(1..=1000).contains(&n))
            {
                r.error(
                    Code::OutOfRange,
                    key("dead_letter_after"),
                    "a dead-letter queue takes messages after 1 to 1000 receives",
                    None,
                );
            }
        }
        Thing::LoadBalancer(lb) => {
            if lb.healthy_threshold.is_some_and(|n| !(2..=10).contains(&n)) {
                r.error(
                    Code::OutOfRange,
                    key("healthy_threshold"),
                    "healthy threshold runs from 2 to 10 checks",
                    None,
                );
            }
            if lb
                .health_interval
                .is_some_and(|i| !(5.0..=300.0).contains(&i.secs()))
            {
                r.error(
                    Code::OutOfRange,
                    key("health_interval"),
                    "health checks run every 5s to 300s",
                    None,
                );
            }
            if let Some(d) = lb.draining
                && d.secs() > 3600.0
            {
                r.error(
                    Code::OutOfRange,
                    key("draining"),
                    format!("draining of {d} is over the 1h that Elastic Load Balancing allows"),
                    None,
                );
            }
        }
    }
}

pub(super) fn check_purchase(
    catalogue: &Catalogue,
    level: &Level,
    family: Option<Family>,
    purchase: Purchase,
    spot: Spot<'_>,
    r: &mut Reporter<'_>,
) {
    if !level.palette.offers_purchase(purchase) {
        let offered: Vec<String> = level
            .palette
            .purchases
            .iter()
            .flatten()
            .map(|p| format!("{p:?}"))
            .collect();
        r.error(
            Code::NotOffered,
            spot,
            format!("this level does not offer {purchase:?} instances"),
            Some(format!("offered: {}", offered.join(", "))),
        );
    }
    if purchase == Purchase::DedicatedHost
        && let Some(family) = family
        && catalogue.dedicated_host(family).is_none()
    {
        r.error(
            Code::OutOfRange,
            spot,
            format!(
                "no Dedicated Host is offered for {} instances",
                family.label()
            ),
            None,
        );
    }
}

pub(super) fn check_group(
    catalogue: &Catalogue,
    level: &Level,
    g: &AutoScalingGroup,
    base: Path<'_>,
    r: &mut Reporter<'_>,
) {
    let spot = Spot::At(base.field("type"));
    let family = check_instance_type(catalogue, level, &g.instance_type, spot, r);
    check_purchase(catalogue, level, family, g.purchase, spot, r);
    let at = |field| Spot::KeyAt(base.field(field));
    if g.min > g.max {
        r.error(
            Code::OutOfRange,
            at("min"),
            format!("group `{}` has min {} above max {}", g.id, g.min, g.max),
            Some("min <= desired <= max".into()),
        );
    } else if g.desired < g.min || g.desired > g.max {
        r.error(
            Code::OutOfRange,
            at("desired"),
            format!(
                "group `{}` wants {} instances, outside min {} and max {}",
                g.id, g.desired, g.min, g.max
            ),
            Some("min <= desired <= max".into()),
        );
    }
    if g.max > MAX_GROUP_SIZE {
        r.error(Code::Bound(Bound::GroupSize),
            at("max"),
            format!(
                "group `{}` may grow to {}, over the {MAX_GROUP_SIZE} a level allows (MAX_GROUP_SIZE)",
                g.id, g.max
            ),
            None,
        );
    }
    if let Some(w) = g.warmup
        && w.secs() > 3600.0
    {
        r.error(
            Code::OutOfRange,
            at("warmup"),
            "instance warm-up runs from 0 to 3600 seconds",
            None,
        );
    }
    for (pi, policy) in g.policies.iter().enumerate() {
        let p_at = |field| Spot::KeyAt(base.field("policies").index(pi).field(field));
        match policy {
            Policy::TargetTracking { metric, target } => {
                let bad = match metric {
                    Metric::Cpu => !(*target > 0.0 && *target <= 100.0),
                    Metric::RequestsPerTarget | Metric::BacklogPerInstance => {
                        !(*target > 0.0 && target.is_finite())
                    }
                };
                if bad {
                    r.error(Code::OutOfRange, p_at("target"), format!("target {target} does not suit {metric:?}"), Some("CPU targets are percentages (e.g. 50.0); request targets are requests per minute per instance".into()));
                }
            }
            Policy::Predictive { target, ahead } => {
                if !(*target > 0.0 && *target <= 100.0) {
                    r.error(
                        Code::OutOfRange,
                        p_at("target"),
                        format!("predictive target {target} is not a CPU percentage"),
                        Some("e.g. Predictive(target: 50.0)".into()),
                    );
                }
                if ahead.is_some_and(|a| a.secs() > 3600.0) {
                    r.error(
                        Code::OutOfRange,
                        p_at("ahead"),
                        "the scheduling buffer runs from 0s to 1h",
                        None,
                    );
                }
                let history = level.history.map_or(0.0, |h| h.secs());
                if history < 86_400.0 {
                    r.error(Code::OutOfRange, Spot::At(base.field("policies").index(pi)), format!("predictive scaling needs at least a day of traffic history; this level provides {}", level.history.map_or("none".to_string(), |h| h.to_string())), Some("use target tracking here, or give the level `history: \"14d\"`".into()));
                }
            }
            Policy::Step { steps, .. } => {
                if steps.is_empty() {
                    r.error(
                        Code::OutOfRange,
                        p_at("steps"),
                        "a step policy needs at least one step",
                        None,
                    );
                }
                for s in steps {
                    if s.above.is_none() && s.below.is_none() {
                        r.error(
                            Code::OutOfRange,
                            p_at("steps"),
                            "a step needs `above` or `below`",
                            Some("e.g. (above: 70.0, change: 2)".into()),
                        );
                    }
                }
            }
        }
    }
    for (si, s) in g.scheduled.iter().enumerate() {
        let s_at = Spot::At(base.field("scheduled").index(si));
        if let (Some(min), Some(max)) = (s.min, s.max)
            && min > max
        {
            r.error(
                Code::OutOfRange,
                s_at,
                format!(
                    "a scheduled action of `{}` sets min {min} above max {max}",
                    g.id
                ),
                None,
            );
        }
        if s.max.is_some_and(|m| m > MAX_GROUP_SIZE)
            || s.min.is_some_and(|m| m > MAX_GROUP_SIZE)
            || s.desired.is_some_and(|m| m > MAX_GROUP_SIZE)
        {
            r.error(
                Code::Bound(Bound::GroupSize),
                s_at,
                format!(
                    "a scheduled action of `{}` sets a size over {MAX_GROUP_SIZE} (MAX_GROUP_SIZE)",
                    g.id
                ),
                None,
            );
        }
    }
}
