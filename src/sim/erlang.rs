//! M/M/c queueing figures (Erlang C), the oracle for waiting inside a tick.

/// Waiting-time figures of an M/M/c queue in steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    /// Probability an arrival has to wait (Erlang C).
    pub p_wait: f64,
    /// Decay rate of the waiting-time tail, cμ − λ, per second.
    pub theta: f64,
}

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
        })
    }

    /// Mean time in line, seconds.
    pub fn mean_wait_s(&self) -> f64 {
        self.p_wait / self.theta
    }

    /// Probability that the wait in line exceeds `t` seconds.
    pub fn p_wait_over(&self, t: f64) -> f64 {
        if t <= 0.0 {
            // Everyone waits at least zero; those who do not wait at all still count as "≤ 0".
            if t < 0.0 { 1.0 } else { self.p_wait }
        } else {
            self.p_wait * (-self.theta * t).exp()
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
        assert!((q.mean_wait_s() - 1.0787).abs() < 5e-5, "{}", q.mean_wait_s());
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
