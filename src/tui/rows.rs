//! The inspector's rows for the selection on the board: a thing's settings,
//! or the account's commitments, and how a change to one is made, undone
//! and said (limits that clamp are said, never silent).

use crate::format::solution::Thing;
use crate::format::{Solution, load};

use super::inspector::{self, CommitKey, FieldKey, Offer};
use super::play::{NodeKind, Play, Status};

impl Play {
    /// Inspector rows of the selection: a thing's fields, or the account's
    /// commitments when nothing (or a source) is selected.
    pub fn rows(&self) -> Vec<Row> {
        match self.selected() {
            Some(n) if !n.fixed || matches!(n.kind, NodeKind::Thing(_)) => {
                match self.any_thing(&n.id) {
                    Some(t) => self
                        .with_offer(|o| inspector::fields(t, o))
                        .into_iter()
                        .map(Row::Thing)
                        .collect(),
                    None => Vec::new(),
                }
            }
            _ => self
                .with_offer(|o| inspector::commitment_fields(&self.solution.commitments, o))
                .into_iter()
                .map(Row::Commitment)
                .collect(),
        }
    }

    /// Changes an inspector row by typed text.
    pub fn set_row(&mut self, row: usize, text: &str) {
        if self.rows().get(row).map(Row::key) == Some(RowKey::Thing(FieldKey::Id)) {
            self.rename(text.trim());
            return;
        }
        self.change_row(row, |thing, commitments, key, offer| match key {
            RowKey::Thing(k) => inspector::set(thing.ok_or_else(none)?, k, text, offer),
            RowKey::Commitment(k) => inspector::set_commitment(commitments, k, text, offer),
        });
    }

    /// Steps an inspector row one notch.
    pub fn adjust_row(&mut self, row: usize, delta: i32) {
        self.change_row(row, |thing, commitments, key, offer| match key {
            RowKey::Thing(k) => inspector::adjust(thing.ok_or_else(none)?, k, delta, offer),
            RowKey::Commitment(k) => inspector::adjust_commitment(commitments, k, delta, offer),
        });
    }

    fn change_row(
        &mut self,
        row: usize,
        change: impl FnOnce(
            Option<&mut Thing>,
            &mut Vec<crate::format::solution::Commitment>,
            RowKey,
            &Offer,
        ) -> Result<(), inspector::Refused>,
    ) {
        if !self.building() {
            self.status = Some(Status::error("status.stop_to_build", vec![]));
            return;
        }
        let rows = self.rows();
        let Some(r) = rows.get(row) else { return };
        let key = r.key();
        let id = self.selected().map(|n| n.id);
        if let Some(n) = self.selected()
            && n.fixed
            && matches!(key, RowKey::Thing(_))
        {
            self.status = Some(Status::error("status.fixed", vec![("id", n.id)]));
            return;
        }
        let before = self.solution.clone();
        let rows_before = self.rows();
        let hosts = self.hosts();
        let offer = Offer {
            catalogue: &self.catalogue,
            palette: &self.level.palette,
            hosts: &hosts,
        };
        let thing = id
            .as_ref()
            .and_then(|id| self.solution.things.iter_mut().find(|t| t.id() == id));
        match change(thing, &mut self.solution.commitments, key, &offer) {
            // A step that changed nothing (a number already at its floor, a
            // value typed as it was) is no undo step: undo would seem to do
            // nothing, and the redo history would be lost for it. It is
            // said, so a key is never silently ignored.
            Ok(()) if same_build(&before, &self.solution) => {
                self.status = Some(Status::info(
                    "status.at_limit",
                    vec![
                        ("field", r.label().to_string()),
                        ("value", r.value().to_string()),
                    ],
                ));
            }
            Ok(()) => {
                self.remember_state(before);
                self.check_steps();
                // Limits clamp visibly: say what else moved with the change.
                let after = self.rows();
                let moved: Vec<String> = rows_before
                    .iter()
                    .filter(|b| b.key() != key)
                    .filter_map(|b| {
                        let a = after.iter().find(|a| a.key() == b.key())?;
                        (a.value() != b.value())
                            .then(|| format!("{}: {} → {}", b.label(), b.value(), a.value()))
                    })
                    .collect();
                let now = after
                    .iter()
                    .find(|a| a.key() == key)
                    .map(|a| a.value().to_string());
                self.status = Some(if moved.is_empty() {
                    Status::info(
                        "status.set",
                        vec![
                            ("field", r.label().to_string()),
                            ("value", now.unwrap_or_default()),
                        ],
                    )
                } else {
                    Status::info(
                        "status.set_also",
                        vec![
                            ("field", r.label().to_string()),
                            ("value", now.unwrap_or_default()),
                            ("also", moved.join(", ")),
                        ],
                    )
                });
            }
            Err(refused) => {
                self.status = Some(Status::error(refused.why, vec![("text", refused.text)]));
            }
        }
    }

    /// Removes what an inspector row stands for, where it is a thing of its
    /// own (a scaling policy, a commitment); otherwise says what `d` does here.
    pub fn remove_row(&mut self, row: usize) {
        if !self.building() {
            self.status = Some(Status::error("status.stop_to_build", vec![]));
            return;
        }
        let Some(key) = self.rows().get(row).map(Row::key) else {
            return;
        };
        if let Some(n) = self.selected()
            && n.fixed
            && matches!(key, RowKey::Thing(_))
        {
            self.status = Some(Status::error("status.fixed", vec![("id", n.id)]));
            return;
        }
        let before = self.solution.clone();
        let id = self.selected().map(|n| n.id);
        let removed = match key {
            RowKey::Thing(k) => id
                .as_ref()
                .and_then(|id| self.solution.things.iter_mut().find(|t| t.id() == id))
                .is_some_and(|t| inspector::remove(t, k)),
            RowKey::Commitment(k) => {
                inspector::remove_commitment(&mut self.solution.commitments, k)
            }
        };
        if removed {
            self.remember_state(before);
            self.field_at = self.field_at.min(self.rows().len().saturating_sub(1));
            self.status = Some(Status::info("status.removed_row", vec![]));
            self.check_steps();
        } else {
            self.status = Some(Status::info("status.delete_where", vec![]));
        }
    }
}

/// Whether two builds are the same, compared as the text a save writes.
fn same_build(a: &Solution, b: &Solution) -> bool {
    matches!((load::to_ron(a), load::to_ron(b)), (Ok(x), Ok(y)) if x == y)
}

fn none() -> inspector::Refused {
    inspector::Refused {
        why: "refused.not_here",
        text: String::new(),
    }
}

/// One inspector row.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A thing's setting.
    Thing(inspector::Field),
    /// A commitment's setting.
    Commitment(inspector::CommitField),
}

/// What an inspector row edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// A thing's field.
    Thing(FieldKey),
    /// A commitment's field.
    Commitment(CommitKey),
}

impl Row {
    /// What it edits.
    pub fn key(&self) -> RowKey {
        match self {
            Row::Thing(f) => RowKey::Thing(f.key),
            Row::Commitment(f) => RowKey::Commitment(f.key),
        }
    }

    /// Strings key of its label.
    pub fn label(&self) -> &'static str {
        match self {
            Row::Thing(f) => f.label,
            Row::Commitment(f) => f.label,
        }
    }

    /// Its value as text.
    pub fn value(&self) -> &str {
        match self {
            Row::Thing(f) => &f.value,
            Row::Commitment(f) => &f.value,
        }
    }

    /// How it is changed.
    pub fn input(&self) -> &inspector::Input {
        match self {
            Row::Thing(f) => &f.input,
            Row::Commitment(f) => &f.input,
        }
    }

    /// Its price note.
    pub fn note(&self) -> Option<&str> {
        match self {
            Row::Thing(f) => f.note.as_deref(),
            Row::Commitment(_) => None,
        }
    }
}
