//! The backlog of an overloaded station: requests in arrival order that the
//! servers work through as a fluid.
//!
//! Each tick's arrivals form a group spread evenly over the tick. The servers
//! advance through the groups in arrival order at their combined speed. A
//! request whose wait passes its caller's patience has left by the time the
//! servers reach it: it costs no server time and is counted as given up. A
//! request the servers reach is decided there: its wait is known, its service
//! is exponential, so whether it finishes in time is a probability.

/// Requests of one stream within a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Stream index.
    pub stream: u16,
    /// Workload index.
    pub workload: u16,
    /// Requests still waiting.
    pub count: u64,
    /// Their expected number (the traffic's intensity, without the draw's noise).
    pub expected: f64,
    /// The earliest arrival still waiting (earlier ones were served or left).
    pub from_s: f64,
    /// Times received from a queue before.
    pub tries: u16,
    /// The share of one request (0..1) that the servers, or the callers'
    /// patience, have already passed in earlier ticks without making a whole
    /// request of it: its span is gone from `from_s`, so the span left holds
    /// `count - partial` requests.
    pub partial: f64,
}

impl Part {
    /// Requests the part's span still holds.
    pub fn remaining(&self) -> f64 {
        (self.count as f64 - self.partial).max(0.0)
    }

    /// Takes `amount` more of the part's requests (their span already
    /// passed), and returns how many whole ones that completes: the fraction
    /// left over waits for the next amount instead of being rounded away.
    pub fn take(&mut self, amount: f64) -> u64 {
        let sum = self.partial + amount.max(0.0);
        // Truncation is the floor of what is never negative, and cheaper.
        let whole = ((sum + 1e-9) as u64).min(self.count);
        self.partial = (sum - whole as f64).clamp(0.0, 1.0);
        if whole == self.count {
            self.partial = 0.0;
        }
        whole
    }
}

/// One tick's arrivals, spread evenly up to `to_s`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// End of the arrivals' span.
    pub to_s: f64,
    /// Its streams.
    pub parts: Vec<Part>,
}

impl Group {
    /// Requests waiting in the group.
    pub fn count(&self) -> u64 {
        self.parts.iter().map(|p| p.count).sum()
    }
}

/// What each workload asks, as the backlog sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    /// Mean service time, seconds.
    pub service_s: f64,
    /// The caller leaves after waiting this long.
    pub patience_s: f64,
}

/// The per-part figures [`work_through`] works from, kept between calls so
/// that working off a backlog allocates nothing once they have grown.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    /// Requests per arrival-second still waiting, by part.
    density: Vec<f64>,
    /// Each part's patience, seconds.
    patience: Vec<f64>,
    /// Each part's mean service time, seconds.
    service: Vec<f64>,
}

/// Requests of a part that the servers reached over a stretch, all with waits
/// spread evenly between `wait_s.0` and `wait_s.1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reached {
    /// Which part of the group (index into its parts).
    pub part: usize,
    /// How many of its requests (a fraction of a request where the stretch is short).
    pub share: f64,
    /// Of those, how many had left before the servers came.
    pub gave_up: f64,
    /// Waits of the ones served: from, to.
    pub wait_s: (f64, f64),
    /// When the servers reached them (middle of the stretch).
    pub at_s: f64,
    /// Whether the servers had caught up with arrivals (served as they came).
    pub on_arrival: bool,
}

/// Times within this of each other count as the same.
const EPS: f64 = 1e-9;

/// Works through `group` from time `t` until `end` at `rate` server-seconds
/// per second; calls `reach` for each stretch the servers reached. Returns
/// the time the servers got to, and whether the group is done.
///
/// The servers move along the group's arrival times. Where every caller is
/// still there, they move at their speed over the work each arrival-second
/// holds, and the wait (now minus the arrival time reached) shrinks or grows.
/// A part whose callers' patience the wait has passed is skipped at no cost.
/// When the servers are too slow for the arrivals, the wait grows until it
/// reaches a part's patience and holds there: the servers then serve that
/// part's oldest callers still waiting as fast as they can, and the rest of
/// its callers leave as their patience runs out.
pub fn work_through(
    group: &mut Group,
    terms: &[Terms],
    t: f64,
    end: f64,
    rate: f64,
    scratch: &mut Scratch,
    mut reach: impl FnMut(Reached),
) -> (f64, bool) {
    let to = group.to_s;
    let Scratch {
        density,
        patience,
        service,
    } = scratch;
    density.clear();
    density.extend(group.parts.iter().map(|p| {
        if p.count == 0 {
            0.0
        } else {
            p.remaining() / (to - p.from_s).max(1e-12)
        }
    }));
    let mut x = group
        .parts
        .iter()
        .zip(density.iter())
        .filter(|(_, d)| **d > 0.0)
        .map(|(p, _)| p.from_s)
        .fold(f64::INFINITY, f64::min);
    let mut t = t;
    if !x.is_finite() {
        return (t, true);
    }
    patience.clear();
    patience.extend(
        group
            .parts
            .iter()
            .map(|p| terms[usize::from(p.workload)].patience_s),
    );
    service.clear();
    service.extend(
        group
            .parts
            .iter()
            .map(|p| terms[usize::from(p.workload)].service_s),
    );
    let (density, patience, service) = (&density[..], &patience[..], &service[..]);
    let n = group.parts.len();
    let mut done = false;
    for _ in 0..(64 + 8 * n) {
        if x >= to - EPS {
            done = true;
            break;
        }
        if t >= end - EPS || rate <= 0.0 {
            break;
        }
        let w = t - x;
        let present = |i: usize| density[i] > 0.0 && group.parts[i].from_s <= x + EPS;
        // Work per arrival-second of the parts still all there, and of a part
        // whose patience the wait sits on.
        let (mut load_full, mut load_level) = (0.0, 0.0);
        for i in (0..n).filter(|&i| present(i)) {
            let work = density[i] * service[i];
            if patience[i] > w + EPS {
                load_full += work;
            } else if patience[i] >= w - EPS {
                load_level += work;
            }
        }
        let speed = |load: f64| {
            if load > 0.0 {
                rate / load
            } else {
                f64::INFINITY
            }
        };
        let (v_all, v_full) = (speed(load_full + load_level), speed(load_full));
        // How the servers move (arrival-seconds per second), and the share of
        // the level part they serve.
        let (dx, level_share, on_arrival) = if w <= EPS && v_all >= 1.0 {
            (1.0, 1.0, true)
        } else if v_all >= 1.0 {
            (v_all, 1.0, false)
        } else if v_full > 1.0 {
            (1.0, (rate - load_full) / load_level, false)
        } else {
            (v_full, 0.0, false)
        };
        let dw = 1.0 - dx;
        // The next thing that changes: the group's end, the tick's end, a part
        // starting, or the wait meeting a patience or nothing.
        let next_from = (0..n)
            .filter(|&i| density[i] > 0.0 && group.parts[i].from_s > x + EPS)
            .map(|i| group.parts[i].from_s)
            .fold(to, f64::min);
        let mut step_x = next_from - x;
        if dx.is_finite() {
            let mut step_t = end - t;
            step_t = step_t.min(step_x / dx);
            if dw > EPS {
                if let Some(p) = (0..n)
                    .filter(|&i| present(i) && patience[i] > w + EPS)
                    .map(|i| patience[i])
                    .reduce(f64::min)
                {
                    step_t = step_t.min((p - w) / dw);
                }
            } else if dw < -EPS {
                step_t = step_t.min(w / -dw);
                if let Some(p) = (0..n)
                    .filter(|&i| present(i) && patience[i] < w - EPS)
                    .map(|i| patience[i])
                    .reduce(f64::max)
                {
                    step_t = step_t.min((w - p) / -dw);
                }
            }
            let step_t = step_t.max(0.0);
            step_x = step_t * dx;
            for i in (0..n).filter(|&i| present(i)) {
                let amount = density[i] * step_x;
                if amount <= 0.0 {
                    continue;
                }
                let share = if patience[i] > w + EPS {
                    1.0
                } else if patience[i] >= w - EPS {
                    level_share.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                reach(Reached {
                    part: i,
                    share: amount,
                    gave_up: amount * (1.0 - share),
                    wait_s: (w.max(0.0), (w + dw * step_t).max(0.0)),
                    at_s: t + step_t / 2.0,
                    on_arrival,
                });
            }
            t += step_t;
            x += step_x;
        } else {
            // Nothing here needs the servers: every caller present has left.
            // Skip ahead to where the wait meets a patience again.
            let back_to = (0..n)
                .filter(|&i| present(i) && patience[i] < w - EPS)
                .map(|i| patience[i])
                .reduce(f64::max)
                .map_or(f64::INFINITY, |p| w - p);
            step_x = step_x.min(back_to);
            for i in (0..n).filter(|&i| present(i)) {
                let amount = density[i] * step_x;
                if amount > 0.0 {
                    reach(Reached {
                        part: i,
                        share: amount,
                        gave_up: amount,
                        wait_s: (w, w - step_x),
                        at_s: t,
                        on_arrival: false,
                    });
                }
            }
            x += step_x;
        }
    }
    // What is left starts where the servers stopped.
    for p in &mut group.parts {
        if x > p.from_s {
            p.from_s = x.min(to);
        }
    }
    (t, done)
}

/// Share of values spread evenly over [lo, hi] (either order) at most `x`.
pub fn share_at_most(lo: f64, hi: f64, x: f64) -> f64 {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if hi - lo <= 1e-12 {
        return if lo <= x { 1.0 } else { 0.0 };
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(count: u64, from: f64, to: f64) -> Group {
        Group {
            to_s: to,
            parts: vec![Part {
                stream: 0,
                workload: 0,
                count,
                expected: count as f64,
                from_s: from,
                tries: 0,
                partial: 0.0,
            }],
        }
    }

    /// [`work_through`] with buffers of its own.
    fn work(
        g: &mut Group,
        terms: &[Terms],
        t: f64,
        end: f64,
        rate: f64,
        reach: impl FnMut(Reached),
    ) -> (f64, bool) {
        work_through(g, terms, t, end, rate, &mut Scratch::default(), reach)
    }

    const TERMS: [Terms; 1] = [Terms {
        service_s: 0.01,
        patience_s: 1e9,
    }];

    #[test]
    fn servers_work_at_their_speed() {
        // 600 requests over a second, 4 servers of 100/s: 400 served in the second.
        let mut g = group(600, 0.0, 1.0);
        let mut served = 0.0;
        let (t, done) = work(&mut g, &TERMS, 0.0, 1.0, 4.0, |r| served += r.share);
        assert!(!done);
        assert!((t - 1.0).abs() < 1e-9);
        assert!((served - 400.0).abs() < 1.0, "{served}");
    }

    #[test]
    fn a_light_group_is_served_as_it_arrives() {
        let mut g = group(100, 0.0, 1.0);
        let mut max_wait: f64 = 0.0;
        let (_, done) = work(&mut g, &TERMS, 0.0, 1.0, 4.0, |r| {
            max_wait = max_wait.max(r.wait_s.1);
            assert!(r.on_arrival);
        });
        assert!(done);
        assert!(max_wait < 1e-6, "{max_wait}");
    }

    #[test]
    fn callers_past_their_patience_cost_nothing() {
        // A second of arrivals that waited 10 s already, patience 5 s: all left.
        let terms = [Terms {
            service_s: 0.01,
            patience_s: 5.0,
        }];
        let mut g = group(500, 0.0, 1.0);
        let (mut served, mut left) = (0.0, 0.0);
        let (t, done) = work(&mut g, &terms, 10.0, 11.0, 4.0, |r| {
            served += r.share - r.gave_up;
            left += r.gave_up;
        });
        assert!(done);
        assert!(
            served < 1e-9 && (left - 500.0).abs() < 1e-6,
            "{served} {left}"
        );
        assert!((t - 10.0).abs() < 1e-9);
    }
}
