//! Syntax errors in the author's terms.
//!
//! RON reports where its reading broke down, in the words of its grammar:
//! `min: 3.0` where a whole number belongs reads as "Expected comma", a `#`
//! comment as "Expected an `#![enable(...)]` attribute", and a `(` left
//! open as "Expected identifier" on a later line. This module looks at the
//! text around such an error and, when it recognises the slip, says what the
//! author did and where.

/// A clearer account of a syntax error: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The problem's code.
    pub code: super::code::Code,
    /// Byte offset to point at.
    pub offset: usize,
    /// Characters to underline.
    pub width: usize,
    /// What went wrong, in the author's terms.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Explains a RON error found at byte `at` of `text`, if it is a slip this
/// module knows; `None` keeps RON's own words.
pub fn explain(text: &str, at: usize, code: &ron::Error) -> Option<Explained> {
    use ron::Error as E;
    // Errors about meaning (an unknown field, a missing one, a bad variant)
    // already speak the author's language.
    let generic = matches!(
        code,
        E::Eof
            | E::ExpectedArrayEnd
            | E::ExpectedAttribute
            | E::ExpectedComma
            | E::ExpectedIdentifier
            | E::ExpectedMapEnd
            | E::ExpectedMapColon
            | E::ExpectedStructLikeEnd
            | E::ExpectedOptionEnd
            | E::ExpectedInteger
            | E::TrailingCharacters
            | E::UnexpectedChar(_)
            | E::ExpectedStructLike
            | E::ExpectedNamedStructLike(_)
            | E::ExpectedUnit
            | E::ExpectedString
    );
    if !generic {
        return None;
    }
    let at = floor(text, at.min(text.len()));
    hash_comment(text, at)
        .or_else(|| fraction_for_integer(text, at, code))
        .or_else(|| unclosed(text, at))
}

/// A `#` comment, as in shell or Python files.
fn hash_comment(text: &str, at: usize) -> Option<Explained> {
    // RON may stop just before the `#`, past blanks.
    let next = at + (text[at..].len() - text[at..].trim_start().len());
    if text[next..].starts_with('#') && !text[next..].starts_with("#![") {
        return Some(Explained {
            offset: next,
            width: 1,
            code: super::code::Code::HashComment,
            message: "RON comments are // or /* */, not #".into(),
            hint: "write // in front of the comment".into(),
        });
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let hash = line.find('#')?;
    // `#![enable(..)]` is RON's own attribute; `r#"..."#` a raw string.
    let rest = &line[hash..];
    if rest.starts_with("#![") || line[..hash].trim_end().ends_with('r') {
        return None;
    }
    // Only a `#` at or before the error, outside a string, is the culprit.
    if line_start + hash > at.max(line_start) + 1 || inside_string(&line[..hash]) {
        return None;
    }
    Some(Explained {
        offset: line_start + hash,
        width: 1,
        code: super::code::Code::HashComment,
        message: "RON comments are // or /* */, not #".into(),
        hint: "write // in front of the comment".into(),
    })
}

/// Whether a line's text before some point leaves a string open.
fn inside_string(before: &str) -> bool {
    let mut open = false;
    let mut escaped = false;
    for c in before.chars() {
        match c {
            '\\' if open && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => open = !open,
            _ => {}
        }
        escaped = false;
    }
    open
}

/// A number with a fraction (`3.0`) where a whole number belongs: RON reads
/// `3`, then stops at the `.`.
fn fraction_for_integer(text: &str, at: usize, code: &ron::Error) -> Option<Explained> {
    if !matches!(
        code,
        ron::Error::ExpectedComma
            | ron::Error::ExpectedStructLikeEnd
            | ron::Error::ExpectedArrayEnd
            | ron::Error::ExpectedInteger
            | ron::Error::TrailingCharacters
    ) {
        return None;
    }
    let bytes = text.as_bytes();
    // The number ends at the error; walk back over its digits.
    let mut start = at;
    while start > 0 && bytes[start - 1].is_ascii_digit() {
        start -= 1;
    }
    if start > 0 && bytes[start - 1] == b'-' {
        start -= 1;
    }
    let after = &text[at..];
    let fraction = after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
    let exponent = after.starts_with(['e', 'E']);
    if start == at || !(fraction || exponent) {
        return None;
    }
    let end = at
        + after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'))
            .unwrap_or(after.len());
    let written = &text[start..end];
    let whole = &text[start..at];
    Some(Explained {
        offset: start,
        width: written.chars().count(),
        code: super::code::Code::FractionForInteger,
        message: format!("a whole number is expected here, found {written}"),
        hint: format!("this field counts whole things: write {whole}"),
    })
}

/// A bracket opened and never closed (or closed by the wrong kind): RON only
/// notices later, where the text stops making sense.
fn unclosed(text: &str, at: usize) -> Option<Explained> {
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, n)| *n == '*') => {
                chars.next();
                let mut depth = 1usize;
                while let Some((_, n)) = chars.next() {
                    match n {
                        '*' if chars.peek().is_some_and(|(_, m)| *m == '/') => {
                            chars.next();
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        '/' if chars.peek().is_some_and(|(_, m)| *m == '*') => {
                            chars.next();
                            depth += 1;
                        }
                        _ => {}
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for (_, n) in chars.by_ref() {
                    match n {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            '(' | '[' | '{' => stack.push((c, i)),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, from)) if from <= at => {
                        return Some(report(text, open, from, Some((c, i))));
                    }
                    _ => return None,
                }
            }
            _ => {}
        }
    }
    let (open, from) = stack.pop()?;
    (from <= at).then(|| report(text, open, from, None))
}

fn report(text: &str, open: char, from: usize, closer: Option<(char, usize)>) -> Explained {
    let close = match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    };
    let (line, col) = line_col(text, from);
    let hint = match closer {
        Some((c, i)) => {
            let (cl, cc) = line_col(text, i);
            format!("add `{close}` before the `{c}` at {cl}:{cc}")
        }
        None => format!("add `{close}` where it should end"),
    };
    Explained {
        offset: from,
        width: 1,
        code: super::code::Code::UnclosedBracket,
        message: format!("unclosed `{open}` opened at {line}:{col}"),
        hint,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor(text, offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

fn floor(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explained(text: &str) -> Explained {
        let err = ron::Options::default()
            .from_str::<ron::Value>(text)
            .expect_err("the text is broken");
        let at = crate::format::load::offset_of(text, err.span.start.line, err.span.start.col);
        explain(text, at, &err.code).unwrap_or_else(|| panic!("not explained: {err}"))
    }

    #[test]
    fn an_unclosed_bracket_names_where_it_opened() {
        let e = explained("(\n  things: [\n    Queue(id: \"q\",\n  ],\n)\n");
        assert_eq!(e.message, "unclosed `(` opened at 3:10");
        assert_eq!(e.hint, "add `)` before the `]` at 4:3");
    }

    #[test]
    fn a_hash_comment_is_named() {
        let e = explained("(\n  # about\n  a: 1,\n)\n");
        assert_eq!(e.message, "RON comments are // or /* */, not #");
        assert_eq!(line_col("(\n  # about\n", e.offset), (2, 3));
    }
}
