//! Problems found in a file, printed the way rustc prints them.

use std::fmt;

use super::code::Code;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file cannot be played or scored.
    Error,
    /// The file works but probably not as meant.
    Warning,
}

/// One problem at one place in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code of this kind of problem.
    pub code: Code,
    /// File path as given by the user.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// Characters to underline from `col` (at least one).
    pub width: usize,
    /// The source line, for the excerpt (a window of it when the line is long).
    pub excerpt: String,
    /// 1-based column of the problem in `excerpt`.
    excerpt_col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, if there is something to say.
    pub hint: Option<String>,
}

impl Problem {
    /// Whether the problem stops the file from being used.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The problem as one JSON object: file, line, col, width, severity,
    /// code, message and hint. JSON escapes every control character, so
    /// nothing here can reach a terminal raw.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "width": self.width,
            "severity": match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            "code": self.code.id(),
            "message": self.message,
            "hint": self.hint,
        })
    }

    /// The same problem with its code.
    #[must_use]
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = code;
        self
    }
}

/// Text from a file made safe to print: control characters (an escape
/// sequence in a hostile file could clear or recolour the terminal), newlines
/// and bidi overrides are written as escapes; tabs stay, to keep the caret
/// under its column.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .chars()
        .any(|c| c != '\t' && crate::files::is_unsafe_char(c))
    {
        text.split('\t')
            .map(|part| crate::files::shown(part).into_owned())
            .collect::<Vec<_>>()
            .join("\t")
            .into()
    } else {
        text.into()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            f,
            "{label}[{}]: {}",
            self.code.id(),
            printable(&self.message)
        )?;
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        writeln!(
            f,
            "{pad}--> {}:{}:{}",
            printable(&self.file),
            self.line,
            self.col
        )?;
        if !self.excerpt.is_empty() {
            writeln!(f, "{pad} |")?;
            writeln!(f, "{} | {}", self.line, printable(&self.excerpt))?;
            let lead: String = self
                .excerpt
                .chars()
                .take(self.excerpt_col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {lead}{}", "^".repeat(self.width.max(1)))?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{pad} = hint: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// A file's name and text, kept together so problems can point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as the user gave it (or a label for embedded files).
    pub path: String,
    /// Whole text.
    pub text: String,
}

impl SourceFile {
    /// Wraps a text with the name problems should show. A leading UTF-8
    /// byte order mark, which some Windows editors write, is dropped: it is
    /// invisible, so columns count as the editor shows them.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        Self {
            path: path.into(),
            text,
        }
    }

    /// A problem at a 1-based line and column.
    pub fn problem_at(
        &self,
        severity: Severity,
        line: usize,
        col: usize,
        width: usize,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Problem {
        let line = line.max(1);
        let col = col.max(1);
        let whole = self
            .text
            .lines()
            .nth(line - 1)
            .unwrap_or_default()
            .trim_end();
        let (excerpt, excerpt_col) = window(whole, col);
        Problem {
            severity,
            // Problems made outside a reporter are mostly syntax errors; the
            // maker sets the code with `with_code`.
            code: Code::Syntax,
            file: self.path.clone(),
            line,
            col,
            width: width.min(MAX_EXCERPT_CHARS),
            excerpt,
            excerpt_col,
            message: message.into(),
            hint,
        }
    }

    /// A problem at a byte offset into the text.
    pub fn problem_at_offset(
        &self,
        severity: Severity,
        offset: usize,
        width: usize,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Problem {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        self.problem_at(severity, line, col, width, message, hint)
    }
}

/// The longest excerpt shown: a file of one long line would otherwise be
/// printed whole under every problem.
const MAX_EXCERPT_CHARS: usize = 120;

/// The part of a line around 1-based column `col`, and `col` within it.
fn window(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= MAX_EXCERPT_CHARS {
        return (line.to_string(), col);
    }
    let start = col
        .saturating_sub(MAX_EXCERPT_CHARS / 3)
        .min(len.saturating_sub(MAX_EXCERPT_CHARS));
    let mut excerpt: String = line.chars().skip(start).take(MAX_EXCERPT_CHARS).collect();
    let mut at = col - start;
    if start > 0 {
        excerpt.insert(0, '…');
        at += 1;
    }
    if start + MAX_EXCERPT_CHARS < len {
        excerpt.push('…');
    }
    (excerpt, at)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Longest word a typo hint is looked for: names are short, and comparing two
/// long strings costs the product of their lengths.
const MAX_HINT_CHARS: usize = 64;

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    if len > MAX_HINT_CHARS {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) <= MAX_HINT_CHARS / 3)
        .filter(|c| c.chars().count() <= MAX_HINT_CHARS)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance where swapping two neighbouring letters counts as one edit
/// (optimal string alignment), so `shpo` is one typo away from `shop`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let file = SourceFile::new("a.ron", "one\ntwo three\n");
        let p = file.problem_at_offset(Severity::Error, 8, 5, "bad", None);
        assert_eq!((p.line, p.col), (2, 5));
        assert_eq!(p.excerpt, "two three");
        let shown = p.to_string();
        assert!(shown.contains("--> a.ron:2:5"), "{shown}");
        assert!(shown.contains("    ^^^^^"), "{shown}");
    }

    #[test]
    fn long_lines_are_shown_around_the_problem() {
        let line = format!("{}bad{}", "a".repeat(5000), "z".repeat(5000));
        let file = SourceFile::new("a.ron", line);
        let p = file.problem_at_offset(Severity::Error, 5000, 3, "bad", None);
        assert_eq!((p.line, p.col), (1, 5001));
        let shown = p.to_string();
        assert!(shown.len() < 400, "{shown}");
        let excerpt = shown.lines().nth(3).expect("an excerpt line");
        let caret = shown.lines().nth(4).expect("a caret line");
        let at = caret.chars().position(|c| c == '^').expect("a caret");
        let marked: String = excerpt.chars().skip(at).take(3).collect();
        assert_eq!(marked, "bad", "{shown}");
    }

    #[test]
    fn typos_find_their_word() {
        let names = ["m5.large", "c5.large", "r5.xlarge"];
        assert_eq!(did_you_mean("m5.lrage", names), Some("m5.large"));
        assert_eq!(did_you_mean("quantum", names), None);
        assert_eq!(did_you_mean("shpo", ["shop", "lb"]), Some("shop"));
        // Long words get no hint rather than a quadratic comparison.
        let long = "x".repeat(100_000);
        assert_eq!(did_you_mean(&long, [long.as_str()]), None);
    }
}
