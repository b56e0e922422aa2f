//! Recent results of a line's work, shared by every line one thread runs.
//! Identical instances behind a load balancer meet the same rates in the
//! same tick: the first works out the wait, the fates and the settling of
//! its distribution, the rest read them. Each result is a function of its
//! key alone, so reading it changes no bit of any figure, on any thread.

use std::cell::RefCell;

use super::{Ask, Fates, LineParams};
use crate::sim::queueing::chain::{Distribution, Evolved, Rates};
use crate::sim::queueing::mmc::Wait;

/// Results each memo keeps (the most recent): twins come one after the
/// other, each asking for a few workloads' fates.
const SIZE: usize = 4;

/// A few recent results of one function, by the exact bits of its arguments.
struct Memo<K, V> {
    entries: [Option<(K, V)>; SIZE],
    /// The entry the next new result replaces.
    next: usize,
}

impl<K: Copy + Eq, V: Copy> Memo<K, V> {
    const fn new() -> Self {
        Memo {
            entries: [None; SIZE],
            next: 0,
        }
    }

    /// The result kept for `key`, or `work`'s, kept.
    fn get_or(&mut self, key: K, work: impl FnOnce() -> V) -> V {
        for (k, v) in self.entries.iter().flatten() {
            if *k == key {
                return *v;
            }
        }
        let v = work();
        self.entries[self.next] = Some((key, v));
        self.next = (self.next + 1) % SIZE;
        v
    }
}

/// A line's rates by their bits (−0.0 and 0.0 differ, and NaN is itself).
type ParamsKey = (u32, u64, u64, u64, u64);

/// A wait and an ask by their bits.
type FatesKey = (u64, u64, u64, u64, u64, bool);

/// What a settling step is made of, by its bits: the rates, the tick, and
/// where the distribution's window lies.
type EvolveKey = (u32, u64, u64, usize, u64, usize, usize);

/// The last distribution settled, before and after. Twins are settled one
/// after the other: a line whose step is made of what the last one's was
/// keeps its distribution, before and after, for the next to compare with
/// and copy; a line after any other keeps nothing (no copy to pay for).
#[derive(Default)]
struct LastEvolve {
    /// What the last step was made of.
    key: Option<EvolveKey>,
    /// Whether the distributions below are that step's.
    kept: bool,
    before: Vec<f64>,
    after_lo: usize,
    after: Vec<f64>,
    seen: Vec<f64>,
    evolved: Option<Evolved>,
}

thread_local! {
    static WAITS: RefCell<Memo<ParamsKey, Option<Wait>>> = const { RefCell::new(Memo::new()) };
    static FATES: RefCell<Memo<FatesKey, Fates>> = const { RefCell::new(Memo::new()) };
    static LAST: RefCell<LastEvolve> = RefCell::new(LastEvolve::default());
}

/// [`Distribution::evolve`]: copied from the last line settled when this
/// one's step is made of the same rates, tick and distribution, bit for bit.
pub(super) fn evolve(dist: &mut Distribution, rates: &Rates, duration: f64) -> Evolved {
    let key = (
        rates.servers,
        rates.lambda.to_bits(),
        rates.mu.to_bits(),
        rates.top,
        duration.to_bits(),
        dist.lo,
        dist.p.len(),
    );
    LAST.with_borrow_mut(|last| {
        if last.key != Some(key) {
            last.key = Some(key);
            last.kept = false;
            return dist.evolve(rates, duration);
        }
        if last.kept
            && let Some(evolved) = last.evolved
            && same_bits(&last.before, &dist.p)
        {
            dist.lo = last.after_lo;
            dist.p.clear();
            dist.p.extend_from_slice(&last.after);
            dist.seen.clear();
            dist.seen.extend_from_slice(&last.seen);
            return evolved;
        }
        last.before.clear();
        last.before.extend_from_slice(&dist.p);
        let evolved = dist.evolve(rates, duration);
        last.after_lo = dist.lo;
        last.after.clear();
        last.after.extend_from_slice(&dist.p);
        last.seen.clear();
        last.seen.extend_from_slice(&dist.seen);
        last.evolved = Some(evolved);
        last.kept = true;
        evolved
    })
}

/// Whether two slices hold the same numbers, bit for bit.
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The steady open-room wait of a line at `p`, as `work` gives it.
pub(super) fn open_wait(p: &LineParams, work: impl FnOnce() -> Option<Wait>) -> Option<Wait> {
    let key = (
        p.servers,
        p.lambda.to_bits(),
        p.mu.to_bits(),
        p.room,
        p.wait_scale.to_bits(),
    );
    WAITS.with_borrow_mut(|m| m.get_or(key, work))
}

/// The fates of `ask` in a steady line whose waits are `w`, as `work` gives them.
pub(super) fn open_fates(w: Wait, ask: Ask, work: impl FnOnce() -> Fates) -> Fates {
    let key = (
        w.p_wait.to_bits(),
        w.theta.to_bits(),
        ask.service_s.to_bits(),
        ask.deadline_s.to_bits(),
        ask.patience_s.to_bits(),
        ask.fixed,
    );
    FATES.with_borrow_mut(|m| m.get_or(key, work))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_gives_what_the_work_gives_and_keeps_the_most_recent() {
        let mut m: Memo<u32, u32> = Memo::new();
        let mut calls = 0;
        for round in 0..3 {
            for k in 0..SIZE as u32 {
                let v = m.get_or(k, || {
                    calls += 1;
                    k * 10
                });
                assert_eq!(v, k * 10, "round {round}");
            }
        }
        // Every key was worked out once: all of them fit.
        assert_eq!(calls, SIZE);
        // One more key pushes out the oldest, which is worked out again.
        assert_eq!(m.get_or(99, || 990), 990);
        assert_eq!(m.get_or(0, || 1), 1);
    }

    #[test]
    fn twins_settle_as_each_would_alone() {
        let rates = Rates {
            servers: 3,
            lambda: 2.7,
            mu: 1.0,
            top: 10_000,
        };
        let faster = Rates {
            lambda: 2.9,
            ..rates
        };
        let mut start = Distribution::at(0);
        start.evolve(&rates, 2.0);
        let mut alone = start.clone();
        let evolved_alone = alone.evolve(&faster, 1.0);
        // A line of other rates, then four twins: the third and fourth copy
        // the second, and every one ends as it would alone.
        let mut other = Distribution::at(5);
        evolve(&mut other, &rates, 1.0);
        for twin in 0..4 {
            let mut d = start.clone();
            assert_eq!(evolve(&mut d, &faster, 1.0), evolved_alone, "twin {twin}");
            assert_eq!(d.lo, alone.lo, "twin {twin}");
            assert!(same_bits(&d.p, &alone.p), "twin {twin}");
            assert!(same_bits(&d.seen, &alone.seen), "twin {twin}");
        }
        // One bit away from the twins is another distribution: settled, not copied.
        let mut off = start.clone();
        off.p[0] = f64::from_bits(off.p[0].to_bits() ^ 1);
        let mut off_alone = off.clone();
        assert_eq!(
            evolve(&mut off, &faster, 1.0),
            off_alone.evolve(&faster, 1.0)
        );
        assert!(same_bits(&off.p, &off_alone.p));
        assert!(same_bits(&off.seen, &off_alone.seen));
    }

    #[test]
    fn rates_equal_as_numbers_but_not_as_bits_are_kept_apart() {
        // Rates no other test uses: the memo is the thread's.
        let p = LineParams {
            servers: 7919,
            lambda: 0.0,
            mu: 1.0,
            room: 12_345,
            wait_scale: 1.0,
        };
        let q = LineParams { lambda: -0.0, ..p };
        let w = Wait {
            p_wait: 0.5,
            theta: 1.0,
        };
        assert_eq!(open_wait(&p, || Some(w)), Some(w));
        assert_eq!(open_wait(&q, || None), None);
        assert_eq!(open_wait(&p, || None), Some(w));
    }
}
