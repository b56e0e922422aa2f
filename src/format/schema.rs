//! JSON Schemas of the file formats, generated from the serde types, so an
//! editor or a course's tooling can list every field and check its kind.
//!
//! The schemas describe the value a file holds, in JSON terms: a RON
//! struct is an object, a unit variant a string, and a variant carrying
//! fields an object with the variant's name as its one key. `docs/levels.md`
//! (section 7) says how an editor uses them; `peakload schema` prints them
//! and `docs/schema/` keeps a copy that a test holds in step with the types.

use schemars::{JsonSchema, generate::SchemaSettings};

use super::catalogue::Catalogue;
use super::level::Level;
use super::solution::Solution;

/// A file format that has a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `level.ron`.
    Level,
    /// A solution file.
    Solution,
    /// `assets/catalogue.ron`.
    Catalogue,
    /// `par.ron`.
    Par,
}

impl Format {
    /// Every format, in the order the docs list them.
    pub const ALL: [Format; 4] = [
        Format::Level,
        Format::Solution,
        Format::Catalogue,
        Format::Par,
    ];

    /// The file name its schema is kept under in `docs/schema/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Level => "level.schema.json",
            Format::Solution => "solution.schema.json",
            Format::Catalogue => "catalogue.schema.json",
            Format::Par => "par.schema.json",
        }
    }

    /// The schema, as JSON.
    pub fn schema(self) -> serde_json::Value {
        match self {
            Format::Level => of::<Level>(),
            Format::Solution => of::<Solution>(),
            Format::Catalogue => of::<Catalogue>(),
            Format::Par => of::<crate::par::Par>(),
        }
    }

    /// The schema as pretty JSON text, ending in a newline.
    pub fn text(self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The schema of one type (draft 2020-12, definitions under `$defs`).
fn of<T: JsonSchema>() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    generator.into_root_schema_for::<T>().to_value()
}
