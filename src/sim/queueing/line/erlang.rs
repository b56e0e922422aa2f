//! Erlang C for large pools, from a table over the load built once per
//! pool size (the recursion costs a step per server).

use super::{LineParams, memo, room_never_matters};
use crate::sim::queueing::mmc::{self, Wait};

/// Pools up to this size compute Erlang C directly (a few hundred operations).
const DIRECT_ERLANG: u32 = 48;
/// Points of the Erlang C table over the load, per pool size.
const ERLANG_POINTS: usize = 1024;

/// Erlang C for a large pool from a table over the load, built once for each
/// pool size: the recursion costs as many steps as there are servers, and a
/// pool of a thousand servers would pay it every tick its load moves. A group
/// that scales moves between a few sizes, so the tables of the sizes it used
/// last are kept (at most [`ERLANG_TABLES`]).
#[derive(Debug, Clone, Default)]
pub(super) struct ErlangCache {
    /// By pool size: ln C at u = −ln(1 − ρ) on an even grid of u in [0, U_MAX].
    tables: std::collections::BTreeMap<u32, Vec<f64>>,
    /// Pool sizes in the order they were last used (oldest first).
    used: std::collections::VecDeque<u32>,
}

/// Tables a line keeps (8 KiB each).
const ERLANG_TABLES: usize = 64;

/// The table reaches loads of 1 − e^{−U_MAX} (≈ 0.99998); past it, direct.
const U_MAX: f64 = 11.0;

impl ErlangCache {
    /// The open-room wait of `p`, as [`LineParams::open_wait`] gives it.
    pub(super) fn open_wait(&mut self, p: &LineParams) -> Option<Wait> {
        if p.servers <= DIRECT_ERLANG {
            // Twins share it: the recursion and the room check cost more
            // than a look at the last few.
            return memo::open_wait(p, || p.open_wait());
        }
        let cmu = f64::from(p.servers) * p.mu;
        if p.servers == 0 || !(p.mu > 0.0) || !(p.lambda >= 0.0) || p.lambda >= cmu {
            return None;
        }
        let rho = p.lambda / cmu;
        let u = -(1.0 - rho).ln();
        if u >= U_MAX {
            return p.open_wait();
        }
        if self.used.back() != Some(&p.servers) {
            self.used.retain(|&s| s != p.servers);
            self.used.push_back(p.servers);
            if self.used.len() > ERLANG_TABLES
                && let Some(oldest) = self.used.pop_front()
            {
                self.tables.remove(&oldest);
            }
        }
        // Grid points are worked out as they are first needed: a load moves
        // little from tick to tick, so a few points serve a pool size for long.
        let servers = p.servers;
        let table = self
            .tables
            .entry(servers)
            .or_insert_with(|| vec![f64::NAN; ERLANG_POINTS + 1]);
        let x = u / U_MAX * ERLANG_POINTS as f64;
        let i = (x.floor() as usize).min(ERLANG_POINTS - 1);
        let f = x - i as f64;
        let mut at = |k: isize| {
            let g = (i as isize + k).clamp(0, ERLANG_POINTS as isize) as usize;
            if table[g].is_nan() {
                let u = U_MAX * g as f64 / ERLANG_POINTS as f64;
                let rho = 1.0 - (-u).exp();
                table[g] = mmc::erlang_c(servers, rho * f64::from(servers))
                    .max(1e-300)
                    .ln();
            }
            table[g]
        };
        // Catmull–Rom through the four nearest points: smooth, and exact on cubics.
        let (p0, p1, p2, p3) = (at(-1), at(0), at(1), at(2));
        let ln_c = p1
            + 0.5
                * f
                * (p2 - p0
                    + f * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + f * (3.0 * (p1 - p2) + p3 - p0)));
        let p_wait = ln_c.exp().min(1.0);
        room_never_matters(p_wait, rho, p.room).then(|| Wait {
            p_wait,
            theta: (cmu - p.lambda) / p.scale(),
        })
    }
}
