//! Starting, stopping and changing a run: the build is checked and run,
//! and the player's live changes are recorded as the timed actions a saved
//! solution holds (a burst in one tick is one action; at most `MAX_ITEMS`).

use crate::format::solution::{Action, Thing};
use crate::format::{Solution, SourceFile, load, validate};
use crate::sim::{History, Setup, Sim};

use super::play::{MAX_LIVE_ACTIONS, Play, Status};
use super::run::Run;

impl Play {
    /// Checks the architecture and starts the run.
    pub fn start(&mut self) -> bool {
        if self.run.is_some() {
            return true;
        }
        let text = match load::to_ron(&self.solution) {
            Ok(t) => t,
            Err(e) => {
                self.status = Some(Status::error(
                    "status.cannot_run",
                    vec![("why", e.to_string())],
                ));
                return false;
            }
        };
        let file = SourceFile::new("board", text);
        let problems =
            validate::check_solution(&self.catalogue, &self.level, &self.solution, &file);
        if let Some(p) = problems.iter().find(|p| p.is_error()) {
            self.status = Some(Status::error(
                "status.cannot_run",
                vec![("why", p.message.clone())],
            ));
            return false;
        }
        let mut setup = Setup::new(
            self.catalogue.clone(),
            self.level.clone(),
            self.solution.clone(),
            None,
        );
        // The board and its charts read each tick as it ends.
        setup.history = History::LastTick;
        match Sim::new(setup) {
            Ok(sim) => {
                self.steps_reached.clear();
                self.step_announced = None;
                self.run = Some(Run::new(sim));
                self.linking = None;
                self.moving = false;
                self.edit = None;
                self.status = Some(Status::info("status.running", vec![]));
                true
            }
            Err(e) => {
                self.status = Some(Status::error(
                    "status.cannot_run",
                    vec![("why", e.to_string())],
                ));
                false
            }
        }
    }

    /// Stops the run and goes back to building (the architecture is kept).
    pub fn stop(&mut self) {
        self.clear_run();
        self.status = Some(Status::info("status.stopped", vec![]));
    }

    /// A change to the running architecture on the selected box: the same
    /// actions a solution file can hold, so the run can be replayed.
    pub fn act(&mut self, what: LiveChange) {
        let Some(node) = self.selected() else { return };
        let Some(thing) = self.any_thing(&node.id).cloned() else {
            return;
        };
        let Some(run) = self.run.as_mut() else {
            self.status = Some(Status::error("status.run_first", vec![]));
            return;
        };
        if run.sim.finished() {
            return;
        }
        let figures = run.figures.iter().find(|f| f.id == node.id).cloned();
        let action = match (&thing, what) {
            (Thing::AutoScalingGroup(_), LiveChange::More | LiveChange::Fewer) => {
                let desired = figures.and_then(|f| f.desired).unwrap_or(0);
                let desired = if what == LiveChange::More {
                    desired + 1
                } else {
                    desired.saturating_sub(1)
                };
                Action::SetDesired {
                    thing: node.id.clone(),
                    desired,
                }
            }
            (Thing::Instance { instance_type, .. }, LiveChange::More | LiveChange::Fewer) => {
                let types = self.with_offer(|o| o.instance_types());
                let Some(at) = types.iter().position(|t| t == instance_type) else {
                    return;
                };
                let to = if what == LiveChange::More {
                    at + 1
                } else {
                    at.wrapping_sub(1)
                };
                let Some(to) = types.get(to) else { return };
                Action::Resize {
                    thing: node.id.clone(),
                    instance_type: to.clone(),
                }
            }
            (Thing::OnPremises { .. }, LiveChange::More) => Action::OrderServers {
                thing: node.id.clone(),
                count: 1,
            },
            _ => {
                self.status = Some(Status::error(
                    "status.no_live_change",
                    vec![("id", node.id)],
                ));
                return;
            }
        };
        let Some(run) = self.run.as_mut() else { return };
        let ctx = &run.sim.ctx;
        let now = ctx.now_s;
        // The newest action so far is the one before the next to apply
        // (live actions go in among the solution's own timed ones).
        let newest = ctx.next_action.checked_sub(1);
        // A change to the same thing in the same tick replaces the one
        // before it (a desired count) or adds to it (servers ordered), so a
        // burst of `+` is one timed action and a replay of the saved file
        // ends in the same state.
        let merges = newest
            .and_then(|i| ctx.actions.get(i))
            .is_some_and(|last| {
                last.at.0 == now
                    && matches!(
                        (&last.action, &action),
                        (Action::SetDesired { thing: a, .. }, Action::SetDesired { thing: b, .. })
                            | (Action::OrderServers { thing: a, .. }, Action::OrderServers { thing: b, .. })
                            if a == b
                    )
            });
        if !merges && ctx.actions.len() >= MAX_LIVE_ACTIONS {
            self.status = Some(Status::error(
                "status.too_many_actions",
                vec![("n", MAX_LIVE_ACTIONS.to_string())],
            ));
            return;
        }
        run.sim.act(action);
        if merges && let Some(at) = newest {
            let ctx = &mut run.sim.ctx;
            let added = ctx.actions.remove(at + 1);
            ctx.next_action -= 1;
            if let Some(last) = ctx.actions.get_mut(at) {
                match (&mut last.action, added.action) {
                    (
                        Action::OrderServers { count, .. },
                        Action::OrderServers { count: more, .. },
                    ) => *count = count.saturating_add(more),
                    (slot, added) => *slot = added,
                }
            }
        }
        run.refresh();
        self.status = Some(Status::info("status.acted", vec![("id", node.id)]));
    }

    /// The solution to save: the build plus every change made during the run.
    pub fn solution_to_save(&self) -> Solution {
        let mut s = self.solution.clone();
        if let Some(run) = &self.run {
            s.actions = run.sim.ctx.actions.clone();
        }
        s
    }
}

/// A change the player makes to a running thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveChange {
    /// One more: desired +1, next bigger type, order a server.
    More,
    /// One fewer: desired −1, next smaller type.
    Fewer,
}
