//! Whole requests from shares: every fraction of a group is rounded so that
//! each request lands in exactly one place.

/// Splits `total` whole items in proportion to `shares` by largest remainder.
pub fn round_shares(total: u64, shares: impl Iterator<Item = f64>) -> Vec<u64> {
    let mut out = Vec::new();
    round_shares_into(total, shares, &mut Vec::new(), &mut out);
    out
}

/// [`round_shares`] into `out`, with `scaled` for the scaled shares: buffers
/// the caller keeps, so that rounding allocates nothing once they have grown.
fn round_shares_into(
    total: u64,
    shares: impl Iterator<Item = f64>,
    scaled: &mut Vec<f64>,
    out: &mut Vec<u64>,
) {
    scaled.clear();
    scaled.extend(shares.map(usable));
    out.clear();
    out.resize(scaled.len(), 0);
    round_scaled(total, scaled, out);
}

/// [`round_shares`] of a fixed number of shares, on the stack.
pub fn round_shares_of<const N: usize>(total: u64, shares: [f64; N]) -> [u64; N] {
    let mut scaled = shares.map(usable);
    let mut out = [0; N];
    round_scaled(total, &mut scaled, &mut out);
    out
}

/// A share as rounding takes it: not below zero, and nothing if not finite.
fn usable(s: f64) -> f64 {
    if s.is_finite() { s.max(0.0) } else { 0.0 }
}

/// Rounds `total` over the usable shares in `scaled` into `out` (zeros, as
/// long as `scaled`), scaling `scaled` on the way.
fn round_scaled(total: u64, scaled: &mut [f64], out: &mut [u64]) {
    // No sort: the few leftover items go by repeated pick.
    let sum: f64 = scaled.iter().sum();
    if scaled.is_empty() {
        return;
    }
    if sum <= 0.0 {
        // Nothing was assigned anywhere: keep them in the last fate (the line).
        if let Some(last) = out.last_mut() {
            *last = total;
        }
        return;
    }
    for x in scaled.iter_mut() {
        *x = *x / sum * total as f64;
    }
    for (o, x) in out.iter_mut().zip(scaled.iter()) {
        // Truncation is the floor (a negative saturates to 0 either way), and cheaper.
        *o = *x as u64;
    }
    let mut left = total - out.iter().sum::<u64>().min(total);
    // Each leftover item goes to the largest remainder not yet given one;
    // ties go to the earlier fate.
    let remainder = |i: usize| scaled[i] - scaled[i].floor();
    if scaled.len() <= 64 {
        let mut given = 0u64;
        while left > 0 {
            let best = (0..scaled.len())
                .filter(|&i| given & (1 << i) == 0)
                .reduce(|b, i| {
                    if remainder(i).total_cmp(&remainder(b)).is_gt() {
                        i
                    } else {
                        b
                    }
                });
            let Some(i) = best else { break };
            out[i] += 1;
            left -= 1;
            given |= 1 << i;
        }
    } else {
        let mut order: Vec<usize> = (0..scaled.len()).collect();
        order.sort_by(|&i, &j| remainder(j).total_cmp(&remainder(i)).then(i.cmp(&j)));
        for i in order
            .into_iter()
            .take(usize::try_from(left).unwrap_or(usize::MAX))
        {
            out[i] += 1;
        }
    }
}

/// Picks `take` items out of groups of `counts`, in proportion to their sizes
/// (largest remainder; never more than a group holds).
pub fn take_parts(counts: &[u64], take: u64) -> Vec<u64> {
    let mut out = Vec::new();
    take_parts_into(counts, take, &mut Vec::new(), &mut out);
    out
}

/// [`take_parts`] into `out`, with `scaled` for the scaled shares: buffers
/// the caller keeps, so that taking allocates nothing once they have grown.
pub fn take_parts_into(counts: &[u64], take: u64, scaled: &mut Vec<f64>, out: &mut Vec<u64>) {
    let total: u64 = counts.iter().sum();
    if total == 0 || take == 0 {
        out.clear();
        out.resize(counts.len(), 0);
        return;
    }
    round_shares_into(
        take.min(total),
        counts.iter().map(|&c| c as f64),
        scaled,
        out,
    );
    for (p, &c) in out.iter_mut().zip(counts) {
        *p = (*p).min(c);
    }
}

/// `x.round() as u64` (halves away from zero, negatives and NaN to 0,
/// saturating), without the library call: truncation, then the fraction it
/// dropped (exact below 2^53, and nil above) decides.
#[inline]
pub fn nearest(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// `x.floor()`, without the library call where truncation gives the same
/// (above nought, up to where every double is whole; −0 keeps its sign).
#[inline]
pub fn floor(x: f64) -> f64 {
    if x > 0.0 && x < 4_503_599_627_370_496.0 {
        (x as u64) as f64
    } else {
        x.floor()
    }
}

/// Rounds `total` items over `N` fates with the fractions the rounding left
/// over in earlier ticks carried in (error diffusion): a fate worth 0.3 of a
/// request each tick gets one request about every third tick instead of
/// never, so long-run counts match their expectations.
// Inlined: out of line, its callers wrote the shares one double at a time
// and it read them back two at a time, a load the store buffer cannot
// forward (half its profile sat on that load). Out of line, the Day ran 5%
// slower; levels 12 and 13 ran the same either way.
#[inline(always)]
pub fn round_carried<const N: usize>(
    total: u64,
    shares: [f64; N],
    carry: &mut [f64; N],
) -> [u64; N] {
    let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    let mut out = [0u64; N];
    if total == 0 {
        return out;
    }
    if !(sum > 0.0) {
        out[N - 1] = total;
        return out;
    }
    if let Some(j) = sole_share(&shares, sum, total, carry) {
        // Everything goes to the one share, as [`carried_worked_out`] would
        // give it: its share of the sum is exactly one, and every carry
        // stays nil. A fixed service all in time, or a function not
        // throttled, rounds this way every tick.
        out[j] = total;
        return out;
    }
    carried_worked_out(total, shares, sum, carry)
}

/// [`round_carried`] of a positive `total` over shares whose usable `sum` is
/// above nought, worked out in full.
fn carried_worked_out<const N: usize>(
    total: u64,
    shares: [f64; N],
    sum: f64,
    carry: &mut [f64; N],
) -> [u64; N] {
    let mut out = [0u64; N];
    let mut want = [0.0f64; N];
    for i in 0..N {
        want[i] = (shares[i].max(0.0) / sum * total as f64 + carry[i]).max(0.0);
    }
    let mut given = 0u64;
    for i in 0..N {
        // `want` is never negative: truncation is its floor (and cheaper).
        out[i] = (want[i] as u64).min(total - given);
        given += out[i];
    }
    // Leftovers go to the largest remainders. Carries can push the floors
    // past the total: the later fates' floors were cut to what was left.
    give_leftovers(&want, &mut out, total - given);
    for i in 0..N {
        // Keep the carry within one request either way.
        carry[i] = (want[i] - out[i] as f64).clamp(-1.0, 1.0);
    }
    out
}

/// The one share above nought, when nothing is carried and the working-out
/// of [`carried_worked_out`] is exact: `sum` is that share (finite), so it is one
/// of the sum to the bit, and `total` is below 2^53, so it stays whole.
#[inline]
fn sole_share<const N: usize>(
    shares: &[f64; N],
    sum: f64,
    total: u64,
    carry: &[f64; N],
) -> Option<usize> {
    if !(sum.is_finite() && total < 1 << 53 && carry.iter().all(|&c| c == 0.0)) {
        return None;
    }
    let mut sole = None;
    for (i, &s) in shares.iter().enumerate() {
        if s > 0.0 {
            if sole.is_some() {
                return None;
            }
            sole = Some(i);
        }
    }
    sole
}

/// Gives `left` more items to `out`, one at a time, each to the largest
/// remainder `want − out` (ties to the earlier), where every `out` is the
/// floor of its `want`.
///
/// While some remainder has had no item yet, the largest of those is the
/// largest of all: one given an item drops below zero, below every remainder
/// in [0, 1). So the first round looks only at those not given one yet, and
/// only carries that pushed the floors far below the total need a second.
#[inline]
fn give_leftovers(want: &[f64], out: &mut [u64], mut left: u64) {
    let n = want.len();
    if n == 0 {
        return;
    }
    if left > 0 && n <= 64 {
        // Those not given one yet still hold their floors.
        let remainder = |i: usize, out: &[u64]| want[i] - out[i] as f64;
        let mut given = 0u64;
        while left > 0 && given.count_ones() < n as u32 {
            let mut best = None::<(usize, f64)>;
            for i in (0..n).filter(|&i| given & (1 << i) == 0) {
                let r = remainder(i, out);
                if best.is_none_or(|(_, b)| r.total_cmp(&b).is_gt()) {
                    best = Some((i, r));
                }
            }
            let Some((i, _)) = best else { break };
            out[i] += 1;
            given |= 1 << i;
            left -= 1;
        }
    }
    while left > 0 {
        let i = (0..n)
            .max_by(|&a, &b| {
                (want[a] - out[a] as f64)
                    .total_cmp(&(want[b] - out[b] as f64))
                    .then(b.cmp(&a))
            })
            .unwrap_or(n - 1);
        out[i] += 1;
        left -= 1;
    }
}

/// [`round_carried`] for any number of shares, with the carry kept in `carry`
/// (grown to fit), written into `out`.
pub fn round_carried_into(total: u64, shares: &[f64], carry: &mut Vec<f64>, out: &mut Vec<u64>) {
    let n = shares.len();
    if carry.len() < n {
        carry.resize(n, 0.0);
    }
    out.clear();
    out.resize(n, 0);
    if n == 0 || total == 0 {
        return;
    }
    let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    if !(sum > 0.0) {
        out[n - 1] = total;
        return;
    }
    let mut given = 0u64;
    for i in 0..n {
        let want = (shares[i].max(0.0) / sum * total as f64 + carry[i]).max(0.0);
        // `want` is never negative: truncation is its floor (and cheaper).
        out[i] = (want as u64).min(total - given);
        given += out[i];
        carry[i] = want;
    }
    give_leftovers(carry, out, total - given);
    for i in 0..n {
        carry[i] = (carry[i] - out[i] as f64).clamp(-1.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_and_floor_round_as_the_library_does() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            -0.4,
            -0.5,
            -0.7,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1.8e19,
            1.8446744073709552e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        // And every quarter up to a thousand, with its neighbours.
        for i in 0..4000 {
            let x = f64::from(i) / 4.0;
            xs.extend([x, x.next_up(), x.next_down()]);
        }
        for x in xs {
            assert_eq!(nearest(x), x.round() as u64, "{x}");
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{x}");
            assert_eq!(floor(-x).to_bits(), (-x).floor().to_bits(), "{}", -x);
        }
    }

    #[test]
    fn largest_remainder_keeps_every_item() {
        let parts = round_shares(10, [3.3, 3.3, 3.4].into_iter());
        assert_eq!(parts.iter().sum::<u64>(), 10);
        assert_eq!(parts, vec![3, 3, 4]);
        assert_eq!(round_shares(7, [0.0, 0.0].into_iter()), vec![0, 7]);
    }

    #[test]
    fn shares_on_the_stack_round_as_shares_in_a_list() {
        let odd = [
            0.0,
            -1.0,
            1e-300,
            0.3,
            1.0,
            2.5,
            7.0,
            1e18,
            f64::NAN,
            f64::INFINITY,
        ];
        for total in [0, 1, 2, 3, 10, 997, u64::MAX / 4] {
            for &a in &odd {
                for &b in &odd {
                    for &c in &odd {
                        let list = round_shares(total, [a, b, c].into_iter());
                        assert_eq!(round_shares_of(total, [a, b, c]).to_vec(), list);
                        let list = round_shares(total, [a, b].into_iter());
                        assert_eq!(round_shares_of(total, [a, b]).to_vec(), list);
                    }
                }
            }
        }
        assert_eq!(round_shares_of::<0>(5, []), [0u64; 0]);
    }

    #[test]
    fn an_odd_request_goes_to_each_target_in_turn() {
        let (mut carry, mut out) = (Vec::new(), Vec::new());
        let mut got = [0u64; 2];
        for _ in 0..100 {
            round_carried_into(3, &[1.0, 1.0], &mut carry, &mut out);
            got[0] += out[0];
            got[1] += out[1];
        }
        assert_eq!(got, [150, 150]);
    }

    /// The plain loop [`give_leftovers`] stands for: each item, one at a
    /// time, to the largest remainder worked out afresh.
    fn leftovers_one_by_one(want: &[f64], out: &mut [u64], left: u64) {
        for _ in 0..left {
            let i = (0..want.len())
                .max_by(|&a, &b| {
                    (want[a] - out[a] as f64)
                        .total_cmp(&(want[b] - out[b] as f64))
                        .then(b.cmp(&a))
                })
                .unwrap_or(want.len() - 1);
            out[i] += 1;
        }
    }

    #[test]
    fn leftovers_go_where_the_plain_loop_sends_them() {
        let mut dice = crate::par::sample::Dice::new(14);
        for case in 0..20_000 {
            let n = 1 + case % 17;
            // Small wants, ties and whole numbers included.
            let want: Vec<f64> = (0..n)
                .map(|_| match dice.below(4) {
                    0 => f64::from(dice.below(5)),
                    1 => f64::from(dice.below(8)) / 4.0,
                    2 => dice.unit() * 1e-12,
                    _ => dice.unit() * 50.0,
                })
                .collect();
            let floors: Vec<u64> = want.iter().map(|&w| w as u64).collect();
            let left = u64::from(dice.below(2 * n as u32 + 2));
            let (mut fast, mut plain) = (floors.clone(), floors);
            give_leftovers(&want, &mut fast, left);
            leftovers_one_by_one(&want, &mut plain, left);
            assert_eq!(fast, plain, "{want:?} + {left}");
        }
    }

    /// [`round_carried`] without the short cut for a sole share.
    fn without_short_cut<const N: usize>(
        total: u64,
        shares: [f64; N],
        carry: &mut [f64; N],
    ) -> [u64; N] {
        let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
        if total == 0 || !(sum > 0.0) {
            // No working-out: both give the same without it.
            return round_carried(total, shares, carry);
        }
        carried_worked_out(total, shares, sum, carry)
    }

    #[test]
    fn a_sole_share_rounds_as_the_working_out_does() {
        let odd = [
            0.0,
            -0.0,
            -1.0,
            1e-300,
            5e-324,
            0.3,
            1.0,
            2.5,
            1e18,
            1e308,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
        ];
        let carries = [0.0, -0.0, 0.25, -0.5, 1.0];
        let totals = [0, 1, 2, 3, 10, 997, (1 << 53) - 1, 1 << 53, u64::MAX / 4];
        let mut shortcuts = 0;
        for total in totals {
            for a in odd {
                for b in odd {
                    for c in odd {
                        let sum = [a, b, c].iter().map(|s| s.max(0.0)).sum::<f64>();
                        if !sum.is_finite() {
                            // Shares no model gives: the leftovers would
                            // come one at a time, for ever.
                            continue;
                        }
                        for (ca, cb) in carries.iter().flat_map(|&x| carries.map(|y| (x, y))) {
                            let start = [ca, cb, 0.0];
                            let (mut fast, mut plain) = (start, start);
                            let got = round_carried(total, [a, b, c], &mut fast);
                            let want = without_short_cut(total, [a, b, c], &mut plain);
                            assert_eq!(got, want, "{total} over {a}, {b}, {c} from {start:?}");
                            // A nil carry may keep its sign: it adds the same.
                            assert_eq!(fast, plain, "{total} over {a}, {b}, {c} from {start:?}");
                            let (mut f2, mut p2) = ([ca, cb], [ca, cb]);
                            assert_eq!(
                                round_carried(total, [a, b], &mut f2),
                                without_short_cut(total, [a, b], &mut p2),
                                "{total} over {a}, {b} from {ca}, {cb}"
                            );
                            assert_eq!(f2, p2, "{total} over {a}, {b} from {ca}, {cb}");
                            if total > 0 && sum > 0.0 {
                                shortcuts += usize::from(
                                    sole_share(&[a, b, c], sum, total, &start).is_some(),
                                );
                            }
                        }
                    }
                }
            }
        }
        // The cases cover the short cut, not only the working-out.
        assert!(shortcuts > 1000, "{shortcuts}");
    }

    #[test]
    fn carried_rounding_meets_small_expectations_over_time() {
        let mut carry = [0.0; 2];
        let mut late = 0;
        for _ in 0..1000 {
            let [ok, l] = round_carried(240, [0.99875, 0.00125], &mut carry);
            assert_eq!(ok + l, 240);
            late += l;
        }
        // 0.3 a tick: 300 over a thousand ticks, not none.
        assert!((299..=301).contains(&late), "{late}");
    }
}
