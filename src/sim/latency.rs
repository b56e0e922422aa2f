//! A latency histogram with log-spaced buckets: percentiles without keeping samples.

/// Smallest bucket edge above zero, milliseconds.
const FIRST_EDGE_MS: f64 = 0.1;
/// Ratio between neighbouring bucket edges (5% wide buckets).
const RATIO: f64 = 1.05;
/// Buckets: from 0.1 ms to about two weeks.
const BUCKETS: usize = 520;

/// Counts of requests by latency.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyHistogram {
    mass: Vec<f64>,
    total: f64,
    sum_ms: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            mass: vec![0.0; BUCKETS + 1],
            total: 0.0,
            sum_ms: 0.0,
        }
    }
}

/// Upper edges of the buckets in milliseconds, computed once.
static EDGES: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
    (0..=BUCKETS)
        .map(|i| FIRST_EDGE_MS * RATIO.powi(i as i32))
        .collect()
});

/// Upper edge of bucket `i` in milliseconds (bucket 0 is [0, 0.1 ms)).
fn edge(i: usize) -> f64 {
    EDGES[i.min(BUCKETS)]
}

fn bucket_of(ms: f64) -> usize {
    if ms < FIRST_EDGE_MS {
        0
    } else {
        (((ms / FIRST_EDGE_MS).ln() / RATIO.ln()).floor() as usize + 1).min(BUCKETS)
    }
}

impl LatencyHistogram {
    /// Requests counted.
    pub fn count(&self) -> f64 {
        self.total
    }

    /// Mean latency in milliseconds (exact, not from buckets).
    pub fn mean_ms(&self) -> f64 {
        if self.total > 0.0 {
            self.sum_ms / self.total
        } else {
            0.0
        }
    }

    /// Adds `count` requests that all took `ms`.
    pub fn add_point(&mut self, ms: f64, count: f64) {
        if count <= 0.0 || !ms.is_finite() {
            return;
        }
        let ms = ms.max(0.0);
        self.mass[bucket_of(ms)] += count;
        self.total += count;
        self.sum_ms += ms * count;
    }

    /// Adds `count` requests spread evenly between `lo_ms` and `hi_ms`.
    pub fn add_uniform(&mut self, lo_ms: f64, hi_ms: f64, count: f64) {
        if count <= 0.0 {
            return;
        }
        let (lo_ms, hi_ms) = (lo_ms.max(0.0), hi_ms.max(0.0));
        if hi_ms - lo_ms < 1e-9 {
            return self.add_point(lo_ms, count);
        }
        let (first, last) = (bucket_of(lo_ms), bucket_of(hi_ms));
        let width = hi_ms - lo_ms;
        for i in first..=last {
            let lo = if i == 0 { 0.0 } else { edge(i - 1) };
            let hi = edge(i);
            let overlap = hi.min(hi_ms) - lo.max(lo_ms);
            if overlap > 0.0 {
                self.mass[i] += count * overlap / width;
            } else if first == last {
                self.mass[i] += count;
            }
        }
        self.total += count;
        self.sum_ms += count * (lo_ms + hi_ms) / 2.0;
    }

    /// Adds `count` requests taking `base_ms` plus an M/M/c wait: none with
    /// probability `1 - p_wait`, else exponential with rate `theta_per_ms`.
    pub fn add_mmc(&mut self, base_ms: f64, p_wait: f64, theta_per_ms: f64, count: f64) {
        if count <= 0.0 {
            return;
        }
        if theta_per_ms <= 0.0 || p_wait <= 0.0 {
            return self.add_point(base_ms, count);
        }
        let start = bucket_of(base_ms);
        self.mass[start] += count * (1.0 - p_wait);
        // Probability mass of the waiting part already placed, by bucket upper edge.
        let mut placed = 0.0;
        let waiting = count * p_wait;
        for i in start..=BUCKETS {
            let upper = if i == BUCKETS { f64::INFINITY } else { edge(i) };
            let cdf = 1.0 - (-(upper - base_ms).max(0.0) * theta_per_ms).exp();
            self.mass[i] += waiting * (cdf - placed);
            placed = cdf;
            if 1.0 - placed < 1e-12 {
                break;
            }
        }
        self.total += count;
        self.sum_ms += count * (base_ms + p_wait / theta_per_ms);
    }

    /// Merges another histogram into this one.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (a, b) in self.mass.iter_mut().zip(&other.mass) {
            *a += b;
        }
        self.total += other.total;
        self.sum_ms += other.sum_ms;
    }

    /// The latency below which a share `q` (0..=1) of requests fall, milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let target = q.clamp(0.0, 1.0) * self.total;
        let mut seen = 0.0;
        for (i, &m) in self.mass.iter().enumerate() {
            if m > 0.0 && seen + m >= target {
                let lo = if i == 0 { 0.0 } else { edge(i - 1) };
                let hi = if i == BUCKETS { lo * RATIO } else { edge(i) };
                let within = ((target - seen) / m).clamp(0.0, 1.0);
                return lo + (hi - lo) * within;
            }
            seen += m;
        }
        edge(BUCKETS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_quantiles_land_in_place() {
        let mut h = LatencyHistogram::default();
        h.add_uniform(100.0, 200.0, 1000.0);
        for (q, want) in [(0.5, 150.0), (0.95, 195.0), (0.99, 199.0)] {
            let got = h.quantile_ms(q);
            assert!((got - want).abs() / want < 0.03, "q{q}: {got} vs {want}");
        }
        assert!((h.mean_ms() - 150.0).abs() < 1e-9);
    }

    #[test]
    fn exponential_tail_matches_its_quantile() {
        let mut h = LatencyHistogram::default();
        // All wait: p99 of Exp(θ) is ln(100)/θ past the base.
        h.add_mmc(10.0, 1.0, 0.1, 10_000.0);
        let want = 10.0 + 100f64.ln() / 0.1;
        let got = h.quantile_ms(0.99);
        assert!((got - want).abs() / want < 0.05, "{got} vs {want}");
        assert!((h.count() - 10_000.0).abs() < 1e-6);
    }
}
