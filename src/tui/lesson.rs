//! The lesson's steps on a level: build steps follow the build as it is,
//! run steps latch within a run, and a step that begins mid-run pauses it.

use crate::format::level::Condition;
use crate::format::steps;

use super::play::{Play, Popup, Status};

impl Play {
    /// Re-evaluates the lesson: build steps on the build as it is now (so
    /// they follow every change), run steps on the run (a run step met once
    /// in a run stays met in it; a new run starts them again). When a new
    /// step begins while a run goes, the run pauses so the step can be read.
    pub fn check_steps(&mut self) {
        let before = self.steps_done;
        let mut done = 0;
        while let Some(step) = self.level.steps.get(done) {
            let holds = match steps::holds_on_build(
                &step.done_when,
                Some(&self.catalogue),
                &self.level,
                &self.solution,
            ) {
                Some(holds) => holds,
                None => {
                    let met = self.steps_reached.get(done).copied().unwrap_or(false)
                        || self.run_holds(&step.done_when);
                    if met {
                        if self.steps_reached.len() <= done {
                            self.steps_reached.resize(done + 1, false);
                        }
                        self.steps_reached[done] = true;
                    }
                    met
                }
            };
            if !holds {
                break;
            }
            done += 1;
        }
        self.steps_done = done;
        // A step that watches for a time stops the run right there.
        let stop_at = match self.level.steps.get(done).map(|s| &s.done_when) {
            Some(Condition::ClockReached(at)) => Some(at.0),
            _ => None,
        };
        if let Some(run) = self.run.as_mut() {
            run.stop_at_s = stop_at;
        }
        if done == before {
            return;
        }
        self.steps_at = done.min(self.level.steps.len().saturating_sub(1));
        if matches!(self.popup, Some(Popup::Hint(_))) {
            self.popup = None;
        }
        // A step that begins mid-run is shown with the run paused, so a
        // step's words never flash past at high speed.
        if done > before
            && done < self.level.steps.len()
            && let Some(run) = self.run.as_mut()
            && run.sim.ctx.tick > 0
            && !run.sim.finished()
        {
            run.paused = true;
            self.step_announced = Some(done);
            self.status = Some(Status::info(
                "status.next_step",
                vec![("n", (done + 1).to_string())],
            ));
        }
    }

    /// Whether a run condition holds on the run so far.
    fn run_holds(&self, condition: &Condition) -> bool {
        let Some(r) = self.run.as_ref() else {
            return false;
        };
        match condition {
            Condition::ClockReached(at) => r.sim.ctx.now_s >= at.0,
            Condition::AvailabilityAtLeast(pct) => {
                r.sim.ctx.tick > 0 && r.availability_pct() >= *pct
            }
            Condition::RunFinished => r.sim.finished(),
            Condition::Passed => r.passed == Some(true),
            Condition::All(all) => all.iter().all(|c| {
                steps::holds_on_build(c, Some(&self.catalogue), &self.level, &self.solution)
                    .unwrap_or_else(|| self.run_holds(c))
            }),
            Condition::Any(any) => any.iter().any(|c| {
                steps::holds_on_build(c, Some(&self.catalogue), &self.level, &self.solution)
                    .unwrap_or_else(|| self.run_holds(c))
            }),
            _ => false,
        }
    }

    /// Ends the run (if any) and goes back to building: run steps start over.
    pub fn clear_run(&mut self) {
        self.run = None;
        self.steps_reached.clear();
        self.step_announced = None;
        self.check_steps();
    }
}
