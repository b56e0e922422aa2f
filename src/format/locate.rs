//! Finding where in a file a parsed value came from.
//!
//! RON gives positions only for syntax errors, so meaning errors are placed by
//! searching the text: a value is found as `field: "value"` (or as the quoted
//! value alone), and a numeric field as `field:` after the id of the thing it
//! belongs to. The n-th problem about the same value points at its n-th
//! occurrence, so two bad copies of one typo are both shown.

use std::collections::BTreeMap;

use super::problem::{Problem, Severity, SourceFile};

/// What to point at.
#[derive(Debug, Clone, Copy)]
pub enum Spot<'a> {
    /// A quoted string value, preferably written as `field: "value"`.
    Value {
        /// The field name it is written under, if any.
        field: Option<&'a str>,
        /// The string value without quotes.
        value: &'a str,
    },
    /// A field that follows the quoted id `anchor` (a thing's or source's id).
    FieldAfter {
        /// Id of the enclosing item.
        anchor: &'a str,
        /// Field name.
        field: &'a str,
    },
    /// A field name anywhere (the first occurrence).
    Field(&'a str),
    /// The n-th (0-based) occurrence of a literal text, such as the 3rd `Event(`.
    Nth(&'a str, usize),
    /// The start of the file.
    Top,
}

/// The most problems listed for one file: placing each searches the text, so
/// a file of thousands of mistakes would otherwise take minutes to report.
pub const MAX_PROBLEMS: usize = 100;

/// Collects problems for one file, placing each in the text.
pub struct Reporter<'f> {
    file: &'f SourceFile,
    seen: BTreeMap<String, usize>,
    /// Problems found so far, in the order reported (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<Problem>,
    /// Problems found past [`MAX_PROBLEMS`], counted but not placed.
    unlisted: usize,
    /// Whether any of those is an error.
    unlisted_error: bool,
}

impl<'f> Reporter<'f> {
    /// A reporter for one file.
    pub fn new(file: &'f SourceFile) -> Self {
        Self {
            file,
            seen: BTreeMap::new(),
            problems: Vec::new(),
            unlisted: 0,
            unlisted_error: false,
        }
    }

    /// Problems reported so far, listed or not.
    pub fn count(&self) -> usize {
        self.problems.len() + self.unlisted
    }

    /// Whether any error was reported, listed or not.
    pub fn has_errors(&self) -> bool {
        self.unlisted_error || self.problems.iter().any(Problem::is_error)
    }

    /// The problems listed, followed by a note of how many more were found.
    pub fn finish(mut self) -> Vec<Problem> {
        if self.unlisted > 0 {
            // An unlisted error still stops the file, so the note carries it.
            let severity = if self.unlisted_error {
                Severity::Error
            } else {
                Severity::Warning
            };
            let note = self.file.problem_at(
                severity,
                1,
                1,
                1,
                format!(
                    "{} more problem(s) in this file are not shown (at most {MAX_PROBLEMS} are listed)",
                    self.unlisted
                ),
                Some("fix the ones shown and check again".into()),
            );
            self.problems.push(note);
        }
        self.problems
    }

    /// Records an error.
    pub fn error(&mut self, spot: Spot<'_>, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, spot, message.into(), hint);
    }

    /// Records a warning.
    pub fn warn(&mut self, spot: Spot<'_>, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, spot, message.into(), hint);
    }

    fn push(&mut self, severity: Severity, spot: Spot<'_>, message: String, hint: Option<String>) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.unlisted += 1;
            self.unlisted_error |= severity == Severity::Error;
            return;
        }
        let key = format!("{spot:?}");
        let nth = *self
            .seen
            .entry(key.clone())
            .and_modify(|n| *n += 1)
            .or_insert(0);
        let (offset, width) = find(&self.file.text, spot, nth).unwrap_or((0, 1));
        self.problems.push(
            self.file
                .problem_at_offset(severity, offset, width, message, hint),
        );
    }
}

/// Byte offset and character width of the n-th match of a spot.
fn find(text: &str, spot: Spot<'_>, nth: usize) -> Option<(usize, usize)> {
    match spot {
        Spot::Value { field, value } => {
            let quoted = format!("\"{value}\"");
            let width = quoted.chars().count();
            let all: Vec<usize> = text.match_indices(&quoted).map(|(i, _)| i).collect();
            let under_field: Vec<usize> = match field {
                Some(field) => all
                    .iter()
                    .copied()
                    .filter(|&i| preceded_by_field(text, i, field))
                    .collect(),
                None => Vec::new(),
            };
            let pick = |list: &[usize]| list.get(nth).or(list.last()).copied();
            pick(&under_field)
                .or_else(|| pick(&all))
                .map(|i| (i, width))
        }
        Spot::FieldAfter { anchor, field } => {
            let quoted = format!("\"{anchor}\"");
            let from = text.find(&quoted).unwrap_or(0);
            find_field(text, from, field).or_else(|| find_field(text, 0, field))
        }
        Spot::Field(field) => find_field(text, 0, field),
        Spot::Nth(pattern, n) => text
            .match_indices(pattern)
            .nth(n)
            .map(|(i, _)| (i, pattern.trim_end_matches('(').chars().count())),
        Spot::Top => Some((first_code_offset(text), 1)),
    }
}

fn preceded_by_field(text: &str, at: usize, field: &str) -> bool {
    let before = text[..at].trim_end();
    before
        .strip_suffix(':')
        .map(str::trim_end)
        .is_some_and(|b| {
            b.ends_with(field)
                && !b[..b.len() - field.len()].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })
}

fn find_field(text: &str, from: usize, field: &str) -> Option<(usize, usize)> {
    let mut search = from;
    while let Some(rel) = text[search..].find(field) {
        let at = search + rel;
        let after = text[at + field.len()..].trim_start();
        let word_start =
            at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if word_start && after.starts_with(':') {
            return Some((at, field.chars().count()));
        }
        search = at + field.len();
    }
    None
}

/// Skips leading comments and blank lines so a whole-file problem points at code.
fn first_code_offset(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !(trimmed.is_empty() || trimmed.starts_with("//")) {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Solution(\n  things: [\n    Instance(id: \"a\", type: \"m5.huge\"),\n    Instance(id: \"b\", type: \"m5.huge\"),\n    AutoScalingGroup(id: \"g\", min: 4, max: 2),\n  ],\n)\n";

    #[test]
    fn repeated_values_point_at_each_copy() {
        let file = SourceFile::new("s.ron", TEXT);
        let mut r = Reporter::new(&file);
        let spot = Spot::Value {
            field: Some("type"),
            value: "m5.huge",
        };
        r.error(spot, "unknown", None);
        r.error(spot, "unknown", None);
        assert_eq!((r.problems[0].line, r.problems[0].col), (3, 29));
        assert_eq!((r.problems[1].line, r.problems[1].col), (4, 29));
        assert_eq!(r.problems[0].width, 9);
    }

    #[test]
    fn fields_are_found_after_their_anchor() {
        let file = SourceFile::new("s.ron", TEXT);
        let mut r = Reporter::new(&file);
        r.error(
            Spot::FieldAfter {
                anchor: "g",
                field: "min",
            },
            "min > max",
            None,
        );
        assert_eq!((r.problems[0].line, r.problems[0].col), (5, 31));
    }
}
