//! M/M/c queueing figures (Erlang C), the oracle for waiting inside a tick.

/// Waiting-time figures of an M/M/c queue in steady state, with unlimited
/// room to wait or (M/M/c/K) room for only so many.
#[derive(Debug, Clone, PartialEq)]
pub struct Mmc {
    /// Probability an admitted arrival has to wait (Erlang C when room is unlimited).
    pub p_wait: f64,
    /// Decay rate of the waiting-time tail, per second (cμ − λ when room is unlimited;
    /// with limited room, the rate that gives the same mean wait).
    pub theta: f64,
    /// Probability an arrival finds no room and is turned away (Erlang B when there is none).
    pub blocked: f64,
    /// With limited room: servers × μ, and the chance an admitted arrival finds
    /// c + k in the system, for k = 0, 1, ... (it then waits for k + 1 departures).
    finite: Option<(f64, Vec<f64>)>,
}

/// Below this chance of the line ever reaching its limit, room counts as unlimited.
const ROOM_MATTERS: f64 = 1e-9;

impl Mmc {
    /// Steady-state figures for `servers` servers each serving `mu` per second
    /// under `lambda` arrivals per second; `None` when the queue is unstable.
    pub fn new(servers: u32, lambda: f64, mu: f64) -> Option<Mmc> {
        if servers == 0 || mu <= 0.0 || lambda < 0.0 {
            return None;
        }
        let capacity = f64::from(servers) * mu;
        if lambda >= capacity {
            return None;
        }
        Some(Mmc {
            p_wait: erlang_c(servers, lambda / mu),
            theta: capacity - lambda,
            blocked: 0.0,
            finite: None,
        })
    }

    /// Like [`Mmc::new`], but at most `room` may wait; arrivals beyond are turned away.
    /// Falls back to unlimited room when the limit is practically never reached.
    pub fn with_room(servers: u32, lambda: f64, mu: f64, room: u64) -> Option<Mmc> {
        let open = Mmc::new(servers, lambda, mu)?;
        let rho = lambda / (f64::from(servers) * mu);
        if open.p_wait * rho.powf(room as f64) < ROOM_MATTERS {
            return Some(open);
        }
        let c = servers as usize;
        let k_max = c + room as usize;
        let a = lambda / mu;
        // Stationary distribution, in logs so large c cannot overflow; one
        // buffer goes from logs to weights to probabilities (this runs for
        // every busy fleet every tick).
        let mut p = Vec::with_capacity(k_max + 1);
        let mut log_p = 0.0;
        p.push(0.0);
        let ln_rho = rho.ln();
        for n in 1..=k_max {
            log_p += if n <= c { (a / n as f64).ln() } else { ln_rho };
            p.push(log_p);
        }
        let top = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in &mut p {
            *x = (*x - top).exp();
        }
        let total: f64 = p.iter().sum();
        for x in &mut p {
            *x /= total;
        }
        let blocked = p[k_max];
        let admitted = 1.0 - blocked;
        let seen: Vec<f64> = p[c..k_max].iter().map(|x| x / admitted).collect();
        let p_wait: f64 = seen.iter().sum();
        let capacity = f64::from(servers) * mu;
        let mean_wait: f64 = seen
            .iter()
            .enumerate()
            .map(|(k, x)| x * (k + 1) as f64 / capacity)
            .sum();
        let theta = if mean_wait > 0.0 {
            p_wait / mean_wait
        } else {
            capacity
        };
        Some(Mmc {
            p_wait,
            theta,
            blocked,
            finite: Some((capacity, seen)),
        })
    }

    /// The same queue seen for only `horizon` seconds from empty: near full
    /// load the steady state's waits (growing without bound as λ nears cμ)
    /// cannot build up in so short a time, so the mean wait is held to half
    /// the horizon. Queues with limited room are bounded already.
    pub fn within(mut self, horizon: f64) -> Mmc {
        if self.finite.is_none() && horizon > 0.0 && self.mean_wait_s() > horizon / 2.0 {
            self.theta = self.p_wait / (horizon / 2.0);
        }
        self
    }

    /// Mean time in line of admitted arrivals, seconds.
    pub fn mean_wait_s(&self) -> f64 {
        self.p_wait / self.theta
    }

    /// Probability that an admitted arrival waits in line longer than `t` seconds.
    pub fn p_wait_over(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        if t == 0.0 {
            return self.p_wait;
        }
        match &self.finite {
            None => self.p_wait * (-self.theta * t).exp(),
            Some((capacity, seen)) => {
                // Finding c + k in the system means waiting for k + 1 departures at
                // rate cμ: more than t with the chance that at most k happen in t.
                let x = capacity * t;
                let mut term = (-x).exp();
                let mut at_most = term;
                let mut over = 0.0;
                for (k, share) in seen.iter().enumerate() {
                    over += share * at_most.min(1.0);
                    term *= x / (k + 1) as f64;
                    at_most += term;
                }
                over
            }
        }
    }
}

/// Erlang C: the probability of waiting with `servers` servers and offered load `a` = λ/μ (< servers).
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=servers {
        b = a * b / (f64::from(k) + a * b);
    }
    let c = f64::from(servers);
    (c * b / (c - a * (1.0 - b))).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_worked_example() {
        // M/M/3, λ = 2.4, μ = 1 (FACTS.md): P(wait) 0.6472, Wq 1.0787.
        let q = Mmc::new(3, 2.4, 1.0).expect("stable");
        assert!((q.p_wait - 0.6472).abs() < 5e-5, "{}", q.p_wait);
        assert!(
            (q.mean_wait_s() - 1.0787).abs() < 5e-5,
            "{}",
            q.mean_wait_s()
        );
    }

    #[test]
    fn limited_room_matches_the_worked_examples() {
        // FACTS.md: M/M/3/6 (room for 3 waiting) blocks 9.02%; M/M/3/3 (Erlang B) 26.8%.
        let q = Mmc::with_room(3, 2.4, 1.0, 3).expect("stable");
        assert!((q.blocked - 0.0902).abs() < 5e-4, "{}", q.blocked);
        let b = Mmc::with_room(3, 2.4, 1.0, 0).expect("stable");
        assert!((b.blocked - 0.268).abs() < 5e-4, "{}", b.blocked);
        assert_eq!(b.p_wait, 0.0);
        // Plenty of room behaves as unlimited.
        let open = Mmc::with_room(3, 2.4, 1.0, 10_000).expect("stable");
        assert_eq!(open.blocked, 0.0);
        assert!((open.p_wait_over(0.5) - 0.6472 * (-0.3f64).exp()).abs() < 1e-4);
    }

    #[test]
    fn limited_room_tail_is_a_distribution() {
        let q = Mmc::with_room(4, 3.5, 1.0, 6).expect("stable");
        assert!((q.p_wait_over(0.0) - q.p_wait).abs() < 1e-12);
        let mut last = q.p_wait;
        for i in 1..50 {
            let p = q.p_wait_over(i as f64 * 0.2);
            assert!(p <= last + 1e-12 && p >= 0.0);
            last = p;
        }
        assert!(last < 1e-3);
    }

    #[test]
    fn a_short_horizon_bounds_the_wait_near_full_load() {
        let q = Mmc::new(4, 3.999, 1.0).expect("stable").within(1.0);
        assert!((q.mean_wait_s() - 0.5).abs() < 1e-12);
        let calm = Mmc::new(3, 2.4, 1.0).expect("stable");
        assert_eq!(calm.clone().within(100.0), calm);
    }

    #[test]
    fn unstable_queues_have_no_steady_state() {
        assert!(Mmc::new(2, 2.0, 1.0).is_none());
        assert!(Mmc::new(0, 0.1, 1.0).is_none());
    }

    #[test]
    fn single_server_is_rho() {
        let q = Mmc::new(1, 0.5, 1.0).expect("stable");
        assert!((q.p_wait - 0.5).abs() < 1e-12);
    }
}
