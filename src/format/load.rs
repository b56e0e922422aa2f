//! Reading files into checked data: parse errors carry file, line and column.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::catalogue::Catalogue;
use super::level::Level;
use super::problem::{Problem, Severity, SourceFile};
use super::solution::Solution;

/// The catalogue shipped with the game.
pub const CATALOGUE_RON: &str = include_str!("../../assets/catalogue.ron");

/// Why a file could not be used.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file could not be read at all.
    #[error("error: cannot read {path}: {source}")]
    Io {
        /// The path tried.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
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

/// RON options every file is read with.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron_extensions())
}

/// Parses a file's text as `T`, turning RON's error into a located problem.
pub fn parse<T: DeserializeOwned>(file: &SourceFile) -> Result<T, LoadError> {
    ron_options().from_str(&file.text).map_err(|err| {
        let start = err.span.start;
        let width = if err.span.end.line == start.line {
            err.span.end.col.saturating_sub(start.col).max(1)
        } else {
            1
        };
        LoadError::Syntax(Box::new(file.problem_at(
            Severity::Error,
            start.line,
            start.col,
            width,
            err.code.to_string(),
            syntax_hint(&err.code),
        )))
    })
}

fn syntax_hint(code: &ron::Error) -> Option<String> {
    use ron::Error as E;
    match code {
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

/// Reads a file from disk.
pub fn read(path: &Path) -> Result<SourceFile, LoadError> {
    std::fs::read_to_string(path)
        .map(|text| SourceFile::new(path.display().to_string(), text))
        .map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })
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
    parse(&SourceFile::new("assets/catalogue.ron", CATALOGUE_RON))
}

/// Parses a level file.
pub fn parse_level(file: &SourceFile) -> Result<Level, LoadError> {
    parse(file)
}

/// Parses a solution file.
pub fn parse_solution(file: &SourceFile) -> Result<Solution, LoadError> {
    parse(file)
}
