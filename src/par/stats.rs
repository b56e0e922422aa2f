//! Where a player's run stands against a par: percentiles and histograms.

use super::{Par, Record};

impl Par {
    /// The designs that met every goal of the level.
    pub fn met_goal(&self) -> impl Iterator<Item = &Record> {
        self.designs.iter().filter(|r| r.passed)
    }

    /// Percent (rounded down) of the designs that met the goal whose cost is
    /// above `cost_usd`: "your cost beats 83% of them". None when none met it.
    pub fn cost_beats_pct(&self, cost_usd: f64) -> Option<u32> {
        share_pct(self.met_goal().map(|r| r.cost_usd > cost_usd))
    }

    /// Percent (rounded down) of all designs whose availability is below
    /// `availability_pct`. None when the par holds no designs.
    pub fn availability_beats_pct(&self, availability_pct: f64) -> Option<u32> {
        share_pct(
            self.designs
                .iter()
                .map(|r| r.availability_pct < availability_pct),
        )
    }

    /// Histogram of the cost of the designs that met the goal, in `bins`
    /// columns, with the player's cost marked. None when none met it.
    pub fn cost_histogram(&self, bins: usize, cost_usd: f64) -> Option<Histogram> {
        let costs: Vec<f64> = self.met_goal().map(|r| r.cost_usd).collect();
        Histogram::of(&costs, bins, Scale::Linear, cost_usd)
    }

    /// Histogram of the availability of every design, in `bins` columns, with
    /// the player's availability marked. Drawn in nines (90%, 99%, 99.9% equally
    /// apart), or every good design would share the last column.
    pub fn availability_histogram(&self, bins: usize, availability_pct: f64) -> Option<Histogram> {
        let all: Vec<f64> = self.designs.iter().map(|r| r.availability_pct).collect();
        Histogram::of(&all, bins, Scale::Nines, availability_pct)
    }
}

fn share_pct(wins: impl Iterator<Item = bool>) -> Option<u32> {
    let (won, all) = wins.fold((0u64, 0u64), |(w, n), win| (w + u64::from(win), n + 1));
    (all > 0).then(|| u32::try_from(won * 100 / all).unwrap_or(100))
}

/// How values are spread over a histogram's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal widths of the value.
    Linear,
    /// Equal widths of "nines" of a percentage: −log10(1 − p/100).
    Nines,
}

/// Availability counted as perfect beyond this many nines (99.9999%).
const MOST_NINES: f64 = 6.0;

impl Scale {
    fn position(self, value: f64) -> f64 {
        match self {
            Scale::Linear => value,
            Scale::Nines => {
                let missed = (1.0 - value / 100.0).max(10f64.powf(-MOST_NINES));
                -missed.log10()
            }
        }
    }
}

/// Where the player's value falls on a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// In this column.
    At(usize),
    /// Left of the first column.
    Below,
    /// Right of the last column.
    Above,
}

/// Counts per column over a range of values, with the player's place.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Designs per column, left to right.
    pub counts: Vec<u32>,
    /// The value at the left edge.
    pub lo: f64,
    /// The value at the right edge.
    pub hi: f64,
    /// How values map to columns.
    pub scale: Scale,
    /// Where the player's value falls.
    pub player: Marker,
}

impl Histogram {
    /// Counts `values` into `bins` columns spanning their range (values
    /// all alike get a little room either side). None without values or bins.
    pub fn of(values: &[f64], bins: usize, scale: Scale, player: f64) -> Option<Histogram> {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let lo = finite.clone().fold(f64::INFINITY, f64::min);
        let hi = finite.fold(f64::NEG_INFINITY, f64::max);
        if bins == 0 || !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        let (lo, hi) = if scale.position(hi) - scale.position(lo) > 1e-9 {
            (lo, hi)
        } else {
            match scale {
                Scale::Linear => (lo - lo.abs().max(1.0) * 0.05, hi + hi.abs().max(1.0) * 0.05),
                // Keep the room inside 0..=100 percent.
                Scale::Nines => (lo.min(hi - 0.05).max(0.0), hi),
            }
        };
        let mut h = Histogram {
            counts: vec![0; bins],
            lo,
            hi,
            scale,
            player: Marker::Below,
        };
        for v in values.iter().filter(|v| v.is_finite()) {
            if let Marker::At(i) = h.column(*v) {
                h.counts[i] += 1;
            }
        }
        h.player = h.column(player);
        Some(h)
    }

    /// The column a value falls in (the top of the range is in the last column).
    pub fn column(&self, value: f64) -> Marker {
        let (lo, hi) = (self.scale.position(self.lo), self.scale.position(self.hi));
        let at = self.scale.position(value);
        let span = hi - lo;
        if at.is_nan() || at < lo - span * 1e-9 {
            return Marker::Below;
        }
        if at > hi + span * 1e-9 {
            return Marker::Above;
        }
        let n = self.counts.len();
        let i = (((at - lo) / span) * n as f64).floor().max(0.0) as usize;
        Marker::At(i.min(n.saturating_sub(1)))
    }

    /// The tallest column's count.
    pub fn peak(&self) -> u32 {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(design: u32, cost_usd: f64, availability_pct: f64, passed: bool) -> Record {
        Record {
            design,
            from: "generated".into(),
            cost_usd,
            availability_pct,
            passed,
            stars: u8::from(passed) * 2,
        }
    }

    /// Ten designs: six met the goal, costing 1..=6; four missed it.
    fn par() -> Par {
        let mut designs: Vec<Record> = (1..=6)
            .map(|c| record(c, f64::from(c), 99.0 + f64::from(c) / 10.0, true))
            .collect();
        designs.extend((7..=10).map(|c| record(c, 0.5, 50.0 + f64::from(c), false)));
        Par {
            level: "x".into(),
            level_hash: super::super::level_hash("x"),
            seed: 1,
            samples: 10,
            designs,
        }
    }

    #[test]
    fn cost_beats_counts_only_designs_that_met_the_goal() {
        let p = par();
        // Cheaper than all six passing designs (the failing ones cost less, but do not count).
        assert_eq!(p.cost_beats_pct(0.9), Some(100));
        // 2.5 beats 3, 4, 5, 6: four of six, 66.6% rounded down.
        assert_eq!(p.cost_beats_pct(2.5), Some(66));
        // A tie beats nothing.
        assert_eq!(p.cost_beats_pct(6.0), Some(0));
        let none = Par {
            designs: p.designs.iter().filter(|r| !r.passed).cloned().collect(),
            ..p.clone()
        };
        assert_eq!(none.cost_beats_pct(1.0), None);
        assert_eq!(none.cost_histogram(8, 1.0), None);
    }

    #[test]
    fn availability_beats_counts_every_design() {
        let p = par();
        assert_eq!(p.availability_beats_pct(0.0), Some(0));
        // Above the four failures (57..60) and below every pass (99.1..).
        assert_eq!(p.availability_beats_pct(90.0), Some(40));
        assert_eq!(p.availability_beats_pct(100.0), Some(100));
        let empty = Par {
            designs: vec![],
            samples: 0,
            ..p
        };
        assert_eq!(empty.availability_beats_pct(99.0), None);
    }

    #[test]
    fn histograms_count_every_value_and_mark_the_player() {
        let p = par();
        let h = p.cost_histogram(5, 2.5).expect("six passed");
        assert_eq!((h.lo, h.hi), (1.0, 6.0));
        // Columns one dollar wide: 1, 2, 3, 4, 5 and 6 (the top edge joins the last).
        assert_eq!(h.counts, [1, 1, 1, 1, 2]);
        assert_eq!(h.player, Marker::At(1));
        assert_eq!(h.peak(), 2);
        assert_eq!(
            p.cost_histogram(5, 0.2).map(|h| h.player),
            Some(Marker::Below)
        );
        assert_eq!(
            p.cost_histogram(5, 60.0).map(|h| h.player),
            Some(Marker::Above)
        );

        let a = p.availability_histogram(6, 99.6).expect("designs");
        assert_eq!(a.counts.iter().sum::<u32>(), 10);
        assert_eq!((a.lo, a.hi), (57.0, 99.6));
        // In nines the four failures (0.37..0.4 nines) crowd the first column
        // and the passes (2.05..2.4 nines) spread over the last ones.
        assert_eq!(a.counts[0], 4);
        assert_eq!(a.player, Marker::At(5));
    }

    #[test]
    fn a_single_value_still_gets_a_column() {
        let h = Histogram::of(&[5.0, 5.0], 4, Scale::Linear, 5.0).expect("values");
        assert_eq!(h.counts.iter().sum::<u32>(), 2);
        assert!(h.lo < 5.0 && h.hi > 5.0);
        let n = Histogram::of(&[100.0], 4, Scale::Nines, 100.0).expect("values");
        assert_eq!(n.counts.iter().sum::<u32>(), 1);
        assert_eq!(n.player, Marker::At(3));
        assert_eq!(Histogram::of(&[], 4, Scale::Linear, 1.0), None);
        assert_eq!(Histogram::of(&[1.0], 0, Scale::Linear, 1.0), None);
    }
}
