//! Messages a queue hands a station: they waited in the queue already, so
//! they meet no line; each starts as a server comes free.

use super::{
    Capacity, Cohort, Fate, KindTerms, Running, Station, Tally, round_carried, service_of, shares,
};

impl Station {
    /// Starts a group of messages that already waited in a queue: those that
    /// find a free server start now, the rest as servers come free, one
    /// every `service / slots` (so a busy pool stays busy into the next tick
    /// and takes no more than it can run). Each part is late or in time by
    /// what its deadline leaves when it starts.
    pub(super) fn start_pulled(
        &mut self,
        a: &Cohort,
        t: KindTerms,
        pool: &mut Pool,
        now: f64,
        tick_s: f64,
        tally: &mut Tally,
    ) {
        let end = now + tick_s;
        let gap = t.service_s / pool.slots as f64;
        let first = pool.taken;
        let last = first + a.count;
        pool.taken = last;
        // Positions [first, last): below `free` start now; position q above
        // it starts (q − free + 1) gaps later. Grouped by the tick they end
        // in, so what is still running at each tick's end is counted there.
        let mut q = first;
        let mut left_expected = a.expected;
        while q < last {
            let delay_of = |q: u64| (q + 1).saturating_sub(pool.free) as f64 * gap;
            let tick_of = |q: u64| shares::floor((delay_of(q) + t.service_s) / tick_s);
            let k = tick_of(q);
            // The last position starting in the same tick as q.
            let mut hi = last;
            if tick_of(last - 1) > k {
                let (mut lo_q, mut hi_q) = (q, last - 1);
                while lo_q + 1 < hi_q {
                    let mid = lo_q + (hi_q - lo_q) / 2;
                    if tick_of(mid) > k {
                        hi_q = mid;
                    } else {
                        lo_q = mid;
                    }
                }
                hi = hi_q;
            }
            let count = hi - q;
            let delay = (delay_of(q) + delay_of(hi - 1)) / 2.0;
            let expected = if hi == last {
                left_expected
            } else {
                a.expected * count as f64 / a.count as f64
            };
            left_expected -= expected;
            self.start_part(a, t, count, expected, delay, now, end, tally);
            q = hi;
        }
        if a.count == 0 && a.expected > 0.0 {
            self.start_part(a, t, 0, a.expected, 0.0, now, end, tally);
        }
    }

    /// Starts `count` of a pulled group `delay` after `now`.
    #[allow(clippy::too_many_arguments)]
    fn start_part(
        &mut self,
        a: &Cohort,
        t: KindTerms,
        count: u64,
        expected: f64,
        delay: f64,
        now: f64,
        end: f64,
        tally: &mut Tally,
    ) {
        // A message sent during this tick starts no sooner than it was sent.
        let start = (now + delay).max(a.arrived_s);
        let age = start - a.arrived_s;
        let slack = t.deadline_s - age;
        let in_time = if slack <= 0.0 {
            0.0
        } else if t.fixed {
            if t.service_s <= slack { 1.0 } else { 0.0 }
        } else {
            1.0 - (-slack / t.service_s).exp()
        };
        let i = usize::from(a.stream);
        if self.carry_started.len() <= i {
            self.carry_started.resize(i + 1, [0.0; 2]);
        }
        let [ok, late] = round_carried(count, [in_time, 1.0 - in_time], &mut self.carry_started[i]);
        for (n, share, fate) in [(ok, in_time, Fate::Ok), (late, 1.0 - in_time, Fate::Late)] {
            if n == 0 && share <= 0.0 {
                continue;
            }
            self.schedule(
                Running {
                    stream: a.stream,
                    workload: a.workload,
                    count: n,
                    expected: expected * share,
                    arrived_s: a.arrived_s,
                    start_s: start,
                    finish_s: start + t.service_s,
                    fate,
                    latency_s: age + t.service_s,
                    wait_s: age,
                    tries: a.tries,
                    decided_s: now,
                },
                now,
                end,
            );
        }
        if count > 0 && tally.heard(a.stream) {
            tally.times.of(t.waits).add_uniform_wait(
                service_of(t),
                count as f64,
                age * 1000.0,
                age * 1000.0,
            );
        }
    }
}

/// The servers of a station as pulled messages take them in one tick.
pub(super) struct Pool {
    /// Servers (slots) in all.
    slots: u64,
    /// Free at the start of the tick.
    free: u64,
    /// Messages started so far this tick.
    taken: u64,
}

impl Pool {
    /// The servers of a station of capacity `cap` with `busy` of them busy.
    pub(super) fn new(cap: Capacity, busy: u64) -> Pool {
        Pool {
            slots: u64::from(cap.slots()).max(1),
            free: u64::from(cap.slots()).saturating_sub(busy),
            taken: 0,
        }
    }
}
