//! Recent results of a line's closed forms, shared by every line one
//! thread runs. Identical instances behind a load balancer meet the same
//! rates in the same tick: the first works out the wait and the fates, the
//! rest read them. Each result is a function of its key alone, so reading
//! it changes no bit of any figure, on any thread.

use std::cell::RefCell;

use super::{Ask, Fates, LineParams};
use crate::sim::queueing::mmc::Wait;

/// Results each memo keeps (the most recent).
const SIZE: usize = 8;

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

thread_local! {
    static WAITS: RefCell<Memo<ParamsKey, Option<Wait>>> = const { RefCell::new(Memo::new()) };
    static FATES: RefCell<Memo<FatesKey, Fates>> = const { RefCell::new(Memo::new()) };
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
