//! Traffic: how many requests each source sends this tick.

use std::f64::consts::TAU;

use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::format::level::Shape;
use crate::sim::components::TrafficSource;
use crate::sim::queueing::mmc;
use crate::sim::state::Ctx;
use crate::sim::station::{Cohort, DropReason};

const DAY_S: f64 = 86_400.0;

/// How long the traffic's wander around its shape takes to forget itself:
/// noise drifts over minutes, not from one tick to the next.
pub const NOISE_MEMORY_S: f64 = 300.0;

/// The multiplier one shape puts on the base rate at time `t` (seconds since the start).
pub fn shape_factor(shape: &Shape, t: f64) -> f64 {
    match *shape {
        Shape::Daily { low, high, peak } => {
            let phase = TAU * (t - peak.secs()) / DAY_S;
            low + (high - low) * 0.5 * (1.0 + phase.cos())
        }
        Shape::Rush {
            at,
            width,
            multiplier,
        } => {
            // Distance to the rush on the nearest day, so it wraps around midnight.
            let from_rush = (t - at.secs()).rem_euclid(DAY_S);
            let z = from_rush.min(DAY_S - from_rush) / width.secs();
            1.0 + (multiplier - 1.0) * mmc::decay(-0.5 * z * z)
        }
        Shape::Weekly { weekend } => {
            let day = (t / DAY_S).floor() as i64 % 7;
            if day >= 5 { weekend } else { 1.0 }
        }
        Shape::Seasonal {
            peak,
            width,
            multiplier,
        } => {
            let z = (t - peak.secs()) / width.secs();
            1.0 + (multiplier - 1.0) * mmc::decay(-0.5 * z * z)
        }
        Shape::Spike {
            at,
            ramp,
            hold,
            multiplier,
        } => {
            let (start, ramp, hold) = (at.secs(), ramp.secs(), hold.secs());
            let into = t - start;
            let height = if into < 0.0 || into > 2.0 * ramp + hold {
                0.0
            } else if into < ramp {
                into / ramp
            } else if into <= ramp + hold {
                1.0
            } else {
                (2.0 * ramp + hold - into) / ramp
            };
            1.0 + (multiplier - 1.0) * height
        }
        Shape::FlashCrowd {
            at,
            multiplier,
            decay,
        } => {
            let into = t - at.secs();
            if into < 0.0 {
                1.0
            } else {
                1.0 + (multiplier - 1.0) * mmc::decay(-into / decay.secs())
            }
        }
        Shape::Growth { percent_per_day } => (1.0 + percent_per_day / 100.0).powf(t / DAY_S),
    }
}

/// The expected rate of a source at time `t`, requests per second, before noise.
pub fn rate_at(source: &TrafficSource, t: f64) -> f64 {
    source
        .shapes
        .iter()
        .fold(source.base_rps, |rate, shape| rate * shape_factor(shape, t))
        .max(0.0)
}

/// [`rate_at`], kept for the moment it was last asked at (the shapes never
/// change in a run): the spot market and the arrivals ask each tick for its
/// middle, and work it out once.
pub fn rate_at_kept(source: &mut TrafficSource, t: f64) -> f64 {
    if let Some((at, rate)) = source.rate_kept
        && at == t.to_bits()
    {
        return rate;
    }
    let rate = rate_at(source, t);
    source.rate_kept = Some((t.to_bits(), rate));
    rate
}

/// [`demand_at`] through [`rate_at_kept`].
pub fn demand_at_kept(ctx: &mut Ctx, t: f64) -> f64 {
    ctx.sources.iter_mut().map(|s| rate_at_kept(s, t)).sum()
}

/// The rate at time `t` from the shapes that repeat or trend (daily, rush hours, weekly,
/// seasonal, growth): what a history of past traffic lets one forecast.
pub fn periodic_rate(base_rps: f64, shapes: &[Shape], t: f64) -> f64 {
    shapes
        .iter()
        .filter(|s| {
            matches!(
                s,
                Shape::Daily { .. }
                    | Shape::Rush { .. }
                    | Shape::Weekly { .. }
                    | Shape::Seasonal { .. }
                    | Shape::Growth { .. }
            )
        })
        .fold(base_rps, |rate, shape| rate * shape_factor(shape, t))
        .max(0.0)
}

/// How much of its wander a source keeps over a tick of `tick_s`, and how
/// much fresh spread (per unit of `noise`) it gains: the same every tick,
/// so worked out once, as the world is built.
pub fn memory(tick_s: f64) -> (f64, f64) {
    let keep = (-tick_s / NOISE_MEMORY_S).exp();
    (keep, (1.0 - keep * keep).sqrt())
}

/// Moves a source's wander on by one tick (`memory` is [`memory`] of the
/// tick, [`Ctx::noise_memory`]) and returns the factor it puts on the rate: the log of the factor
/// is an Ornstein–Uhlenbeck process with standard deviation `noise` and a
/// memory of [`NOISE_MEMORY_S`], stepped exactly, so it wanders the same way
/// whatever the tick; the factor's mean is one.
fn wander(
    source: &mut TrafficSource,
    (keep, fresh): (f64, f64),
    rng: &mut rand::rngs::ChaCha8Rng,
) -> f64 {
    let sigma = source.noise;
    let z: f64 = StandardNormal.sample(rng);
    source.wander = if source.wander.is_nan() {
        // Start where the wander would be after a long time.
        sigma * z
    } else {
        source.wander * keep + sigma * fresh * z
    };
    (source.wander - sigma * sigma / 2.0).exp()
}

/// Requests a second every source sends at `t`, shapes and events included,
/// without noise.
pub fn demand_at(ctx: &Ctx, t: f64) -> f64 {
    ctx.sources.iter().map(|s| rate_at(s, t)).sum()
}

/// The level's mean demand over its length, from 2,000 evenly spaced samples
/// (the same for every design: it depends on the level alone).
pub fn mean_demand(ctx: &Ctx) -> f64 {
    const SAMPLES: u32 = 2_000;
    let length_s = ctx.setup.ticks as f64 * ctx.setup.tick_s;
    (0..SAMPLES)
        .map(|i| demand_at(ctx, (f64::from(i) + 0.5) / f64::from(SAMPLES) * length_s))
        .sum::<f64>()
        / f64::from(SAMPLES)
}

/// Draws this tick's arrivals for every source and hands them to their targets.
pub fn arrive(ctx: &mut Ctx) {
    if ctx.tick >= ctx.setup.ticks {
        // The level is over: nothing arrives while the run drains.
        for source in &mut ctx.sources {
            source.last_rps = 0.0;
        }
        return;
    }
    let tick_s = ctx.tick_s();
    let mid = ctx.now_s + tick_s / 2.0;
    let memory = ctx.noise_memory;
    for source in &mut ctx.sources {
        let index = usize::from(source.index);
        let rng = &mut ctx.traffic_rng[index];
        let mut rate = rate_at_kept(source, mid);
        if source.noise > 0.0 {
            rate *= wander(source, memory, rng);
        }
        source.last_rps = rate;
        let mean = rate * tick_s;
        let count = match Poisson::new(mean) {
            Ok(p) if mean > 0.0 => p.sample(rng) as u64,
            // Beyond what the sampler takes, the spread around the mean is negligible.
            _ if mean.is_finite() && mean > 0.0 => mean.round() as u64,
            _ => 0,
        };
        let (stream, workload, target) = (source.index, source.workload, source.target);
        ctx.arrived[index] += count;
        if count == 0 && !(mean > 0.0) {
            continue;
        }
        let cohort = Cohort {
            stream,
            workload,
            count,
            expected: mean,
            arrived_s: mid,
            tries: 0,
        };
        match target.and_then(|t| ctx.inboxes.get_mut(t)) {
            Some(inbox) => inbox.0.push(cohort),
            _ => ctx.tally.drop(stream, count, DropReason::NoTarget),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::time::{ClockTime, Span};

    #[test]
    fn daily_cycle_peaks_at_its_hour() {
        let s = Shape::Daily {
            low: 0.2,
            high: 1.0,
            peak: ClockTime(14.0 * 3600.0),
        };
        assert!((shape_factor(&s, 14.0 * 3600.0) - 1.0).abs() < 1e-12);
        assert!((shape_factor(&s, 2.0 * 3600.0) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn spike_ramps_holds_and_falls() {
        let s = Shape::Spike {
            at: ClockTime(100.0),
            ramp: Span(10.0),
            hold: Span(20.0),
            multiplier: 3.0,
        };
        assert_eq!(shape_factor(&s, 50.0), 1.0);
        assert!((shape_factor(&s, 105.0) - 2.0).abs() < 1e-12);
        assert_eq!(shape_factor(&s, 120.0), 3.0);
        assert!((shape_factor(&s, 135.0) - 2.0).abs() < 1e-12);
        assert_eq!(shape_factor(&s, 200.0), 1.0);
    }
}
