//! File formats: serde types for the catalogue, levels and solutions; loading
//! with located errors; and a separate pass that checks what the files mean.

pub mod bounds;
pub mod budget;
pub mod catalogue;
pub mod code;
pub mod level;
pub mod load;
pub mod locate;
pub mod problem;
pub mod schema;
pub mod solution;
pub mod spans;
pub mod steps;
pub mod syntax;
pub mod time;
pub mod validate;

pub use catalogue::Catalogue;
pub use level::Level;
pub use problem::{Problem, Severity, SourceFile};
pub use solution::Solution;

use load::LoadError;

/// Why input could not be used: each problem names its file, line and column.
#[derive(Debug)]
pub struct InputError {
    /// Everything found, errors first in file order, then warnings.
    pub problems: Vec<Problem>,
    /// A failure to read a file, if that is what went wrong.
    pub io: Option<String>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(io) = &self.io {
            writeln!(f, "{io}")?;
        }
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

impl From<LoadError> for InputError {
    fn from(err: LoadError) -> Self {
        match err {
            LoadError::Syntax(p) => InputError {
                problems: vec![*p],
                io: None,
            },
            io @ (LoadError::Io { .. } | LoadError::Refused { .. }) => InputError {
                problems: Vec::new(),
                io: Some(io.to_string()),
            },
        }
    }
}

/// A level (and maybe a solution) read and checked, with any warnings found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The catalogue used.
    pub catalogue: Catalogue,
    /// The level.
    pub level: Level,
    /// The level's file.
    pub level_file: SourceFile,
    /// The solution, when one was given.
    pub solution: Option<(Solution, SourceFile)>,
    /// Warnings in either file.
    pub warnings: Vec<Problem>,
}

/// Parses and checks a level (and solution) from text already in memory.
pub fn check_texts(
    level_file: SourceFile,
    solution_file: Option<SourceFile>,
) -> Result<Checked, InputError> {
    let catalogue = load::bundled_catalogue()?;
    let level = load::parse_level(&level_file)?;
    let mut problems = validate::check_level(&catalogue, &level, &level_file);
    let solution = match solution_file {
        Some(file) => {
            let solution = match load::parse_solution(&file) {
                Ok(s) => s,
                Err(err) => {
                    let mut err = InputError::from(err);
                    problems.retain(Problem::is_error);
                    problems.append(&mut err.problems);
                    err.problems = problems;
                    return Err(err);
                }
            };
            problems.extend(validate::check_solution_in(
                &catalogue,
                &level,
                Some(&level_file),
                &solution,
                &file,
            ));
            Some((solution, file))
        }
        None => None,
    };
    problems.sort_by_key(|p| p.severity);
    if problems.iter().any(Problem::is_error) {
        return Err(InputError { problems, io: None });
    }
    Ok(Checked {
        catalogue,
        level,
        level_file,
        solution,
        warnings: problems,
    })
}
