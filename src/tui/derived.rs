//! What the screen works out from the level once (its expected traffic and
//! peak) and from the build once per change (warnings, capacity readouts),
//! so a frame never recomputes them.

use std::collections::BTreeMap;

use crate::format::Level;
use crate::format::load;
use crate::sim::view::{self, BuildWarning, Readout};

use super::play::Play;

/// Points of the level's expected traffic kept for the charts.
const PREVIEW_POINTS: usize = 1_200;

/// Figures worked out from the level alone, once, and from the build, once per change.
#[derive(Debug, Default)]
pub struct Derived {
    /// The level's expected traffic, all sources, over [`PREVIEW_POINTS`] slices.
    preview: Vec<f64>,
    /// When the traffic peaks (seconds) and its rate.
    peak: (f64, f64),
    /// The build the rest was worked out for, as saved text.
    build: Option<String>,
    /// Warnings for that build.
    warnings: Vec<BuildWarning>,
    /// Capacity readouts for that build, by thing id.
    readouts: BTreeMap<String, Option<Readout>>,
}

impl Derived {
    /// Works out what comes from the level alone.
    pub fn of_level(&mut self, level: &Level) {
        self.preview = view::traffic_preview(level, PREVIEW_POINTS);
        self.peak = view::traffic_peak(level);
    }
}

impl Play {
    /// The level's expected traffic resampled to `points` slices (the
    /// highest of the slices each point covers, so a spike is never lost).
    pub fn preview(&self, points: usize) -> Vec<f64> {
        let d = self.derived.borrow();
        let n = d.preview.len();
        (0..points)
            .map(|i| {
                let from = i * n / points.max(1);
                let to = ((i + 1) * n / points.max(1)).max(from + 1).min(n);
                d.preview[from.min(n.saturating_sub(1))..to]
                    .iter()
                    .copied()
                    .fold(0.0, f64::max)
            })
            .collect()
    }

    /// When the level's traffic peaks (seconds) and its rate (requests per second).
    pub fn traffic_peak(&self) -> (f64, f64) {
        self.derived.borrow().peak
    }

    /// Makes sure the figures derived from the build are for the build as it is.
    fn fresh_derived(&self) {
        let text = load::to_ron(&self.solution).ok();
        let mut d = self.derived.borrow_mut();
        if d.build != text {
            d.build = text;
            d.warnings = view::build_warnings(&self.catalogue, &self.level, &self.solution);
            d.readouts.clear();
        }
    }

    /// What to say about the build before it runs (see [`view::build_warnings`]).
    pub fn warnings(&self) -> Vec<BuildWarning> {
        self.fresh_derived();
        self.derived.borrow().warnings.clone()
    }

    /// The capacity readout of a thing of the build (see [`view::readout`]).
    pub fn readout(&self, id: &str) -> Option<Readout> {
        self.fresh_derived();
        let mut d = self.derived.borrow_mut();
        d.readouts
            .entry(id.to_string())
            .or_insert_with(|| view::readout(&self.catalogue, &self.level, &self.solution, id))
            .clone()
    }
}
