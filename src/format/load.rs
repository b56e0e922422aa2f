//! Reading files into checked data: parse errors carry file, line and column.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::catalogue::Catalogue;
use super::code::Code;
use super::level::Level;
use super::problem::{Problem, Severity, SourceFile};
use super::solution::Solution;

pub use super::bounds::{MAX_FILE_BYTES, MAX_NESTING};

/// The catalogue shipped with the game.
pub const CATALOGUE_RON: &str = include_str!("../../assets/catalogue.ron");

/// Why a file could not be used.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file could not be read at all.
    #[error(
        "error[E0011]: cannot read {}: {source}",
        crate::files::shown_path(path)
    )]
    Io {
        /// The path tried.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is not one to read: a FIFO, a socket, a device, a directory.
    #[error("error[E0011]: cannot read {}: {why}", crate::files::shown_path(path))]
    Refused {
        /// The path tried.
        path: PathBuf,
        /// Why it was refused.
        why: String,
    },
    /// The file is not valid RON of the expected shape.
    #[error("{0}")]
    Syntax(Box<Problem>),
}

/// The RON extensions every file is read and written with: `Some(..)` may be
/// left out around optional values, and `AutoScalingGroup(id: ..)` needs no
/// second set of parentheses around the struct inside a variant.
pub fn ron_extensions() -> ron::extensions::Extensions {
    ron::extensions::Extensions::IMPLICIT_SOME
        | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
}

/// RON options every file is read with: the nesting bound keeps a file of
/// `[[[[...` from overflowing the parser's stack.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron_extensions())
        .with_recursion_limit(MAX_NESTING)
}

/// Parses a file's text as `T`, turning RON's error into a located problem.
pub fn parse<T: DeserializeOwned>(file: &SourceFile) -> Result<T, LoadError> {
    if file.text.len() > MAX_FILE_BYTES {
        return Err(too_large(&file.path, file.text.len() as u64));
    }
    ron_options().from_str(&file.text).map_err(|err| {
        let start = err.span.start;
        let offset = offset_of(&file.text, start.line, start.col);
        if let Some(e) = super::syntax::explain(&file.text, offset, &err.code) {
            return LoadError::Syntax(Box::new(
                file.problem_at_offset(Severity::Error, e.offset, e.width, e.message, Some(e.hint))
                    .with_code(e.code),
            ));
        }
        let width = if err.span.end.line == start.line {
            err.span.end.col.saturating_sub(start.col).max(1)
        } else {
            1
        };
        LoadError::Syntax(Box::new(
            file.problem_at(
                Severity::Error,
                start.line,
                start.col,
                width,
                syntax_message(&err.code),
                syntax_hint(&err.code),
            )
            .with_code(Code::of_ron(&err.code)),
        ))
    })
}

/// Byte offset of a 1-based line and column (in characters), as RON gives them.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i);
        }
        offset += l.len();
    }
    text.len()
}

fn syntax_message(code: &ron::Error) -> String {
    match code {
        // RON's own words point at its API, not at the file.
        ron::Error::ExceededRecursionLimit => {
            format!("values nest more than {MAX_NESTING} deep (MAX_NESTING)")
        }
        _ => code.to_string(),
    }
}

fn syntax_hint(code: &ron::Error) -> Option<String> {
    use ron::Error as E;
    match code {
        E::ExceededRecursionLimit => {
            Some("a level nests a few values deep; is a bracket left open?".into())
        }
        // The message already lists what fits; the hint names the likely typo.
        E::NoSuchEnumVariant {
            expected, found, ..
        }
        | E::NoSuchStructField {
            expected, found, ..
        } => super::problem::did_you_mean(found, expected.iter().copied())
            .map(|close| format!("did you mean `{close}`?")),
        E::MissingStructField { field, .. } => Some(format!("add `{field}: ...`")),
        E::ExpectedDifferentStructName { expected, .. } => {
            Some(format!("this should be `{expected}(...)`"))
        }
        E::TrailingCharacters => {
            Some("the file should hold a single value; is a bracket closed too early?".into())
        }
        E::Eof => Some("the file ends early; is a bracket or a string left open?".into()),
        _ => None,
    }
}

/// Writes a value as pretty RON in the same dialect the loader reads.
pub fn to_ron<T: Serialize>(value: &T) -> Result<String, ron::Error> {
    let pretty = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .extensions(ron_extensions());
    ron::ser::to_string_pretty(value, pretty)
}

/// Reads a file from disk through [`crate::files::read_limited`]: only a
/// regular file, never past [`MAX_FILE_BYTES`] (a device such as `/dev/zero`
/// never ends), and never blocking on a FIFO.
pub fn read(path: &Path) -> Result<SourceFile, LoadError> {
    loaded(
        path,
        crate::files::read_limited(path, MAX_FILE_BYTES as u64),
    )
}

/// As [`read`], for a file found in a folder: a symlink put there after the
/// folder was listed is refused, not followed.
pub fn read_entry(path: &Path) -> Result<SourceFile, LoadError> {
    loaded(
        path,
        crate::files::read_limited_nofollow(path, MAX_FILE_BYTES as u64),
    )
}

fn loaded(
    path: &Path,
    bytes: Result<Vec<u8>, crate::files::FileError>,
) -> Result<SourceFile, LoadError> {
    use crate::files::FileError;
    let name = path.display().to_string();
    match bytes {
        Ok(bytes) => decode(&name, bytes),
        Err(FileError::TooBig { bytes, .. }) => Err(too_large(&name, bytes)),
        Err(FileError::Io(source)) => Err(LoadError::Io {
            path: path.to_path_buf(),
            source,
        }),
        Err(err @ FileError::NotRegular(_)) => Err(LoadError::Refused {
            path: path.to_path_buf(),
            why: err.to_string(),
        }),
    }
}

/// Turns a file's bytes into text, pointing at the first byte that is not UTF-8.
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<SourceFile, LoadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            // The valid prefix places the bad byte; the lossy text shows its line.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let before = String::from_utf8_lossy(&bytes[..valid]);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(LoadError::Syntax(Box::new(
                SourceFile::new(path, text)
                    .problem_at(
                        Severity::Error,
                        line,
                        col,
                        1,
                        "the file is not UTF-8 text",
                        Some(
                            "save it as UTF-8 (levels may hold Korean text, but only in UTF-8)"
                                .into(),
                        ),
                    )
                    .with_code(Code::NotUtf8),
            )))
        }
    }
}

fn too_large(path: &str, bytes: u64) -> LoadError {
    LoadError::Syntax(Box::new(SourceFile::new(path, "").problem_at(
        Severity::Error,
        1,
        1,
        1,
        format!(
            "the file holds {bytes} bytes, over the {MAX_FILE_BYTES} a level or solution may hold (MAX_FILE_BYTES)"
        ),
        Some("a level is a few kilobytes; is this the right file?".into()),
    )
    .with_code(Code::Bound(super::bounds::Bound::FileBytes))))
}

/// A level path may name the folder of a level; its `level.ron` is meant.
pub fn level_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("level.ron")
    } else {
        path.to_path_buf()
    }
}

/// The bundled catalogue, parsed.
pub fn bundled_catalogue() -> Result<Catalogue, LoadError> {
    // Parsed once a process and copied after: every check of a level parses
    // it, and `par`, batches and the lesson search check hundreds.
    static PARSED: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    if let Some(parsed) = PARSED.get() {
        return Ok(parsed.clone());
    }
    let parsed = parse(&SourceFile::new("assets/catalogue.ron", CATALOGUE_RON))?;
    Ok(PARSED.get_or_init(|| parsed).clone())
}

/// Parses a level file.
pub fn parse_level(file: &SourceFile) -> Result<Level, LoadError> {
    parse(file)
}

/// Parses a solution file.
pub fn parse_solution(file: &SourceFile) -> Result<Solution, LoadError> {
    parse(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_by_name() {
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let Err(LoadError::Syntax(p)) = parse::<ron::Value>(&SourceFile::new("deep.ron", deep))
        else {
            panic!("10,000 brackets deep parsed");
        };
        assert!(p.to_string().contains("MAX_NESTING"), "{p}");
        // A list inside a list counts twice (the list, then its element).
        assert_eq!((p.line, p.col), (1, MAX_NESTING / 2 + 1));
    }

    #[test]
    fn big_and_non_utf8_files_are_refused_with_a_place() {
        let Err(LoadError::Syntax(p)) = decode("big.ron", vec![b' '; MAX_FILE_BYTES + 1]) else {
            panic!("a file over the bound decoded");
        };
        assert!(p.message.contains("MAX_FILE_BYTES"), "{p}");
        let Err(LoadError::Syntax(p)) = decode("latin1.ron", b"Level(\n  id: \"caf\xe9\"".to_vec())
        else {
            panic!("Latin-1 decoded");
        };
        assert_eq!((p.line, p.col), (2, 11));
    }
}
