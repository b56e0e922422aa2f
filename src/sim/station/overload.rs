//! An overloaded station's backlog: this tick's arrivals join it in order,
//! the servers work through it ([`backlog::work_through`]), callers whose
//! patience ran out leave it, and what memory cannot hold is turned away.

use super::backlog::{self, Group, Part, Reached, Terms};
use super::shares::{self, round_carried};
use super::{Capacity, Cohort, DropReason, Fate, KindTerms, Running, Station, Tally, service_of};
use crate::sim::queueing::line::LineParams;

/// Buffers a station keeps from tick to tick: lists it fills afresh each
/// time, and the part lists of emptied backlog groups, for new ones.
#[derive(Debug, Clone, Default)]
pub(super) struct Spare {
    /// What each workload asks, as the backlog sees it.
    terms: Vec<Terms>,
    /// What the servers reached of the group being worked off.
    reached: Vec<Reached>,
    /// [`backlog::work_through`]'s figures.
    work: backlog::Scratch,
    /// Emptied groups' part lists, for the next groups to join.
    parts: Vec<Vec<Part>>,
    /// Counts of the parts of a group turned away in part.
    counts: Vec<u64>,
    /// Their shares, scaled.
    scaled: Vec<f64>,
    /// How many of each are turned away.
    taken: Vec<u64>,
}

impl Station {
    /// The remainders a stream's backlog roundings carry: gave up, ok, late.
    fn carry_backlog_of(&mut self, stream: u16) -> &mut [f64; 3] {
        let i = usize::from(stream);
        if self.carry_backlog.len() <= i {
            self.carry_backlog.resize(i + 1, [0.0; 3]);
        }
        &mut self.carry_backlog[i]
    }

    /// Puts this tick's arrivals at the back of the backlog.
    pub(super) fn join_backlog<'a>(
        &mut self,
        fresh: impl Iterator<Item = &'a Cohort>,
        now: f64,
        end: f64,
    ) {
        let mut parts = self.spare.parts.pop().unwrap_or_default();
        parts.extend(
            fresh
                .filter(|a| a.count > 0 || a.expected > 0.0)
                .map(|a| Part {
                    stream: a.stream,
                    workload: a.workload,
                    count: a.count,
                    expected: a.expected,
                    from_s: now,
                    tries: a.tries,
                    partial: 0.0,
                }),
        );
        if parts.is_empty() {
            self.spare.parts.push(parts);
        } else {
            self.backlog.push_back(Group { to_s: end, parts });
        }
    }

    /// The servers work through the backlog for the tick; returns the
    /// server-seconds they spent.
    pub(super) fn work_backlog(
        &mut self,
        now: f64,
        end: f64,
        terms: &[KindTerms],
        cap: Capacity,
        params: LineParams,
        tally: &mut Tally,
    ) -> f64 {
        let rate = f64::from(cap.slots());
        let mut spare = std::mem::take(&mut self.spare);
        spare.terms.clear();
        spare.terms.extend(terms.iter().map(|t| Terms {
            service_s: t.service_s,
            patience_s: t.give_up_s,
        }));
        let mut t = now + self.line.work_off_ahead(end - now);
        let mut busy_s = (t - now) * rate;
        // The spread of the line around the backlog's path blurs each wait.
        let blur_s = self.line.spread_sd() / (rate * self.mu).max(1e-12) * 3f64.sqrt();
        let steady = (!params.overloaded()).then(|| {
            crate::sim::queueing::mmc::Wait::new(params.servers, params.lambda, params.mu)
        });
        let mut held = 0.0;
        while t < end - 1e-12 {
            let Some(mut group) = self.backlog.pop_front() else {
                break;
            };
            let reached = &mut spare.reached;
            reached.clear();
            let (t_next, done) = backlog::work_through(
                &mut group,
                &spare.terms,
                t,
                end,
                rate,
                &mut spare.work,
                |r| reached.push(r),
            );
            busy_s += self.settle_reached(
                now,
                end,
                &mut group,
                reached,
                done,
                terms,
                tally,
                blur_s,
                steady.flatten(),
            );
            held += reached.iter().map(|r| r.gave_up).sum::<f64>();
            t = t_next;
            if !done {
                self.backlog.push_front(group);
                break;
            }
            group.parts.clear();
            spare.parts.push(group.parts);
        }
        self.spare = spare;
        if held > 0.0 {
            // Callers are leaving: the backlog is held at their patience and no longer wanders.
            self.line
                .hold_spread((params.lambda + f64::from(params.servers) * params.mu) * (end - now));
        }
        self.shed(end, terms, tally);
        self.overflow(cap, tally);
        let waiting: u64 = self.backlog.iter().map(Group::count).sum();
        tally.sojourn_s += (waiting as f64 + f64::from(cap.slots())) * (end - now);
        busy_s
    }

    /// Turns what the servers reached of a group into whole requests: left,
    /// or decided and on the calendar. Returns the server-seconds spent.
    #[allow(clippy::too_many_arguments)]
    fn settle_reached(
        &mut self,
        now: f64,
        end: f64,
        group: &mut Group,
        reached: &[Reached],
        done: bool,
        terms: &[KindTerms],
        tally: &mut Tally,
        blur_s: f64,
        steady: Option<crate::sim::queueing::mmc::Wait>,
    ) -> f64 {
        let mut busy_s = 0.0;
        for (i, part) in group.parts.iter_mut().enumerate() {
            let mine = || reached.iter().filter(move |r| r.part == i);
            let total: f64 = mine().map(|r| r.share).sum();
            if (total <= 0.0 && !(done && part.count > 0))
                || part.count == 0 && part.expected <= 0.0
            {
                continue;
            }
            let t = terms[usize::from(part.workload)];
            let b = 1.0 / t.service_s;
            let (mut gave_up, mut ok, mut late) = (0.0, 0.0, 0.0);
            let (mut wait_sum, mut at_sum) = (0.0, 0.0);
            for r in mine() {
                let served = r.share - r.gave_up;
                gave_up += r.gave_up;
                if served <= 0.0 {
                    continue;
                }
                // Those served waited less than their patience, blur or not.
                let (lo, hi) = (
                    (r.wait_s.0.min(r.wait_s.1) - blur_s).max(0.0),
                    (r.wait_s.0.max(r.wait_s.1) + blur_s).min(t.give_up_s),
                );
                let lo = lo.min(hi);
                let in_time = match (steady, t.fixed) {
                    (Some(w), false) if r.on_arrival => w.in_time(b, t.give_up_s, t.deadline_s),
                    (Some(w), true) if r.on_arrival => 1.0 - w.over(t.deadline_s - t.service_s),
                    (_, false) => uniform_plus_exp_at_most(lo, hi, b, t.deadline_s),
                    (_, true) => backlog::share_at_most(lo, hi, t.deadline_s - t.service_s),
                };
                ok += served * in_time;
                late += served * (1.0 - in_time);
                wait_sum += served * (lo + hi) / 2.0;
                at_sum += served * r.at_s;
                busy_s += served * t.service_s;
                if tally.heard(part.stream) {
                    let store = tally.times.of(t.waits);
                    match steady {
                        Some(w) if r.on_arrival => {
                            store.add_exponential(service_of(t), served, w.p_wait, w.theta / 1000.0)
                        }
                        _ => {
                            store.add_uniform_wait(service_of(t), served, lo * 1000.0, hi * 1000.0)
                        }
                    }
                }
            }
            // Whole requests: the reached share of what the part held, with
            // the fraction of one carried to the next tick (rounded away, a
            // part of one slow request would be reached again and again).
            let share_of_part = (total / part.remaining().max(1e-12)).min(1.0);
            let expected = part.expected * share_of_part;
            // Once the servers are through the group, every request in it was reached.
            let reached_whole = if done {
                part.partial = 0.0;
                part.count
            } else {
                part.take(total)
            };
            let [left, on_time, tardy] = round_carried(
                reached_whole,
                [gave_up, ok, late],
                self.carry_backlog_of(part.stream),
            );
            part.count -= reached_whole;
            part.expected -= expected;
            let served = ok + late;
            let (wait_s, at_s) = if served > 0.0 {
                (wait_sum / served, at_sum / served)
            } else {
                (0.0, 0.0)
            };
            tally.drop(part.stream, left, DropReason::GaveUp);
            let arrived_s = at_s - wait_s;
            for (count, share, fate) in [(on_time, ok, Fate::Ok), (tardy, late, Fate::Late)] {
                if count == 0 && share <= 0.0 {
                    continue;
                }
                self.schedule(
                    Running {
                        stream: part.stream,
                        workload: part.workload,
                        count,
                        expected: expected * share / total,
                        arrived_s,
                        start_s: at_s,
                        finish_s: at_s + t.service_s,
                        fate,
                        latency_s: wait_s + t.service_s,
                        wait_s,
                        tries: part.tries,
                        decided_s: now,
                    },
                    now,
                    end,
                );
            }
        }
        group.parts.retain(|p| p.count > 0 || p.expected > 1e-9);
        busy_s
    }

    /// Callers still in the backlog whose patience ran out by `end` have left.
    fn shed(&mut self, end: f64, terms: &[KindTerms], tally: &mut Tally) {
        for g in &mut self.backlog {
            for p in &mut g.parts {
                let patience = terms[usize::from(p.workload)].give_up_s;
                let gone_until = (end - patience).min(g.to_s);
                if gone_until <= p.from_s || p.count == 0 {
                    continue;
                }
                let share = (gone_until - p.from_s) / (g.to_s - p.from_s).max(1e-12);
                let n = if gone_until >= g.to_s {
                    p.partial = 0.0;
                    p.count
                } else {
                    p.take(p.remaining() * share)
                };
                tally.drop(p.stream, n, DropReason::GaveUp);
                p.count -= n;
                p.expected *= 1.0 - share;
                p.from_s = gone_until;
            }
            g.parts.retain(|p| p.count > 0 || p.expected > 1e-9);
            if g.parts.is_empty() {
                self.spare.parts.push(std::mem::take(&mut g.parts));
            }
        }
        self.backlog.retain(|g| !g.parts.is_empty());
    }

    /// Memory holds only so many waiting requests: the newest beyond it are turned away.
    fn overflow(&mut self, cap: Capacity, tally: &mut Tally) {
        let room = cap.hold();
        let mut waiting: u64 = self.backlog.iter().map(Group::count).sum();
        while waiting > room {
            let Some(g) = self.backlog.back_mut() else {
                break;
            };
            let excess = waiting - room;
            let held = g.count();
            let take = excess.min(held);
            let Spare {
                counts,
                scaled,
                taken,
                ..
            } = &mut self.spare;
            counts.clear();
            counts.extend(g.parts.iter().map(|p| p.count));
            shares::take_parts_into(counts, take, scaled, taken);
            for (p, &n) in g.parts.iter_mut().zip(taken.iter()) {
                tally.drop(p.stream, n, DropReason::QueueFull);
                p.expected *= (p.count - n) as f64 / p.count.max(1) as f64;
                p.count -= n;
            }
            waiting -= take;
            if g.count() == 0 {
                if let Some(mut g) = self.backlog.pop_back() {
                    g.parts.clear();
                    self.spare.parts.push(g.parts);
                }
            } else if take == 0 {
                break;
            }
        }
    }
}

/// P(U + S ≤ t) for U uniform on [lo, hi] and S exponential of rate `b`.
fn uniform_plus_exp_at_most(lo: f64, hi: f64, b: f64, t: f64) -> f64 {
    if t <= lo {
        return 0.0;
    }
    let width = hi - lo;
    if width <= 1e-12 {
        return 1.0 - (-b * (t - lo)).exp();
    }
    let top = t.min(hi);
    let part = (top - lo) - ((-b * (t - top)).exp() - (-b * (t - lo)).exp()) / b;
    (part / width).clamp(0.0, 1.0)
}
