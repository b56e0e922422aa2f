//! Finding where in a file a parsed value came from.
//!
//! RON gives positions only for syntax errors. Meaning errors name the value
//! they are about by its path in the file ([`Spot::At`]), which
//! [`super::spans`] follows through the text. A few whole-file problems still
//! place themselves by searching: a value is found as `field: "value"` (or as
//! the quoted value alone), and the n-th problem about the same value points
//! at its n-th occurrence.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use super::code::Code;
use super::problem::{Problem, Severity, SourceFile};
use super::spans::{Found, Path, Tree};

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
    /// The value at a path in this file (its name, when it has one).
    At(Path<'a>),
    /// The field name a value is written under (the value, when the field is left out).
    KeyAt(Path<'a>),
    /// The value at a path in the level file, from a solution's checks
    /// (things and links the level places).
    InLevel(Path<'a>),
}

/// The most problems listed for one file: placing each searches the text, so
/// a file of thousands of mistakes would otherwise take minutes to report.
pub const MAX_PROBLEMS: usize = 100;

/// Collects problems for one file, placing each in the text.
pub struct Reporter<'f> {
    file: &'f SourceFile,
    /// The level file, when this reporter checks a solution against it.
    level_file: Option<&'f SourceFile>,
    /// The file read into ranges, once the first path needs it.
    tree: OnceCell<Option<Tree>>,
    /// The level file read into ranges.
    level_tree: OnceCell<Option<Tree>>,
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
            level_file: None,
            tree: OnceCell::new(),
            level_tree: OnceCell::new(),
            seen: BTreeMap::new(),
            problems: Vec::new(),
            unlisted: 0,
            unlisted_error: false,
        }
    }

    /// A reporter for a solution file that may also point into its level's file.
    pub fn with_level(file: &'f SourceFile, level_file: Option<&'f SourceFile>) -> Self {
        Self {
            level_file,
            ..Self::new(file)
        }
    }

    /// Whether another problem would still be listed (so its hint is worth working out).
    pub fn listing(&self) -> bool {
        self.problems.len() < MAX_PROBLEMS
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
            )
            .with_code(Code::MoreProblems);
            self.problems.push(note);
        }
        self.problems
    }

    /// Records an error.
    pub fn error(
        &mut self,
        code: Code,
        spot: Spot<'_>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(code, Severity::Error, spot, message.into(), hint);
    }

    /// Records a warning.
    pub fn warn(
        &mut self,
        code: Code,
        spot: Spot<'_>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        debug_assert!(code.id().starts_with('W'), "{code:?} is an error code");
        self.push(code, Severity::Warning, spot, message.into(), hint);
    }

    fn push(
        &mut self,
        code: Code,
        severity: Severity,
        spot: Spot<'_>,
        message: String,
        hint: Option<String>,
    ) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.unlisted += 1;
            self.unlisted_error |= severity == Severity::Error;
            return;
        }
        let placed = match spot {
            Spot::At(path) => place(self.file, &self.tree, &path, false),
            Spot::KeyAt(path) => place(self.file, &self.tree, &path, true),
            Spot::InLevel(path) => match self.level_file {
                Some(level) => place(level, &self.level_tree, &path, false),
                None => None,
            },
            _ => None,
        };
        if let Some((file, offset, width)) = placed {
            self.problems.push(
                file.problem_at_offset(severity, offset, width, message, hint)
                    .with_code(code),
            );
            return;
        }
        let spot = match spot {
            Spot::At(_) | Spot::KeyAt(_) | Spot::InLevel(_) => Spot::Top,
            other => other,
        };
        let key = format!("{spot:?}");
        let nth = *self
            .seen
            .entry(key.clone())
            .and_modify(|n| *n += 1)
            .or_insert(0);
        let (offset, width) = find(&self.file.text, spot, nth).unwrap_or((0, 1));
        self.problems.push(
            self.file
                .problem_at_offset(severity, offset, width, message, hint)
                .with_code(code),
        );
    }
}

/// The file, byte offset and width a path points at, reading the file's
/// tree the first time; `None` when the text cannot be followed.
fn place<'f>(
    file: &'f SourceFile,
    tree: &OnceCell<Option<Tree>>,
    path: &Path<'_>,
    key: bool,
) -> Option<(&'f SourceFile, usize, usize)> {
    let tree = tree.get_or_init(|| Tree::parse(&file.text)).as_ref()?;
    let found = tree.find(path);
    let (offset, width) = span_of(&file.text, &found, key && found.depth == path.segs().len());
    Some((file, offset, width))
}

/// What to underline of a found value: the field name when asked for, a
/// named value's name, a short value whole, or the first character of a
/// value that runs over several lines.
fn span_of(text: &str, found: &Found, key: bool) -> (usize, usize) {
    let chars = |from: usize, to: usize| text.get(from..to).map_or(1, |t| t.chars().count());
    if key && let Some((at, len)) = found.key {
        return (at, chars(at, at + len));
    }
    if let Some((from, to)) = found.name {
        return (from, chars(from, to));
    }
    let line_end = text[found.start..]
        .find('\n')
        .map_or(text.len(), |i| found.start + i);
    (
        found.start,
        chars(found.start, found.end.min(line_end)).max(1),
    )
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
        Spot::Top | Spot::At(_) | Spot::KeyAt(_) | Spot::InLevel(_) => {
            Some((first_code_offset(text), 1))
        }
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
        r.error(Code::UnknownName, spot, "unknown", None);
        r.error(Code::UnknownName, spot, "unknown", None);
        assert_eq!((r.problems[0].line, r.problems[0].col), (3, 29));
        assert_eq!((r.problems[1].line, r.problems[1].col), (4, 29));
        assert_eq!(r.problems[0].width, 9);
    }

    #[test]
    fn fields_are_found_after_their_anchor() {
        let file = SourceFile::new("s.ron", TEXT);
        let mut r = Reporter::new(&file);
        r.error(
            Code::OutOfRange,
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
