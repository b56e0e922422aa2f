//! Stable codes of the problems `check` reports, as rustc's `E0308`: course
//! CI and editors match on the code, never on the wording, which may improve.
//! `docs/levels.md` section 7 lists them all (a test holds it to this list).

use super::bounds::Bound;

/// What kind of problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// The text is not valid RON.
    Syntax,
    /// A field the format does not have (a typo).
    UnknownField,
    /// A variant the format does not have.
    UnknownVariant,
    /// A required field is missing.
    MissingField,
    /// A value of the wrong kind (a text for a number, a badly written time).
    WrongValue,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// A bracket opened and never closed.
    UnclosedBracket,
    /// A `#` comment.
    HashComment,
    /// A fraction where a whole number belongs.
    FractionForInteger,
    /// The same field twice in one struct.
    DuplicateField,
    /// The file cannot be read: missing, not a regular file, or outside its folder.
    Unreadable,
    /// An empty id.
    EmptyId,
    /// An id used twice.
    DuplicateId,
    /// A name of a workload, source, thing, instance type or model that does not exist.
    UnknownName,
    /// Something the level's palette does not offer or allow.
    NotOffered,
    /// A number outside what it may be.
    OutOfRange,
    /// A time outside the level, or not a time of day where one is meant.
    TimeOutOfRange,
    /// Goals that cannot be meant.
    Goals,
    /// The solution is for another level, or the level id is not its folder's name.
    WrongLevel,
    /// An action or event on a thing of the wrong kind.
    WrongKind,
    /// Workloads that call each other in a loop.
    CallLoop,
    /// A link the link rules forbid.
    LinkRule,
    /// Links that loop.
    LinkLoop,
    /// A link from or to nothing, into a source, or to itself.
    LinkEnd,
    /// A shape of links that cannot work (a source in two places, a queue with two consumers...).
    Topology,
    /// A list the level needs is empty (workloads, sources).
    Missing,
    /// An id or name holds control characters, newlines or bidi overrides.
    BadCharacters,
    /// A step names an id the level does not have.
    UnknownStepId,
    /// A timed action on a thing the level pre-placed and did not unlock.
    Locked,
    /// An action that changes nothing (a resize to the type already running).
    NoChange,
    /// A file past one of the bounds of `docs/levels.md` section 6.
    Bound(Bound),
    /// A text missing in one language.
    MissingText,
    /// Something that does nothing (a count of 0, a source that never sends).
    DoesNothing,
    /// Something after the level ends.
    AfterEnd,
    /// A thing no traffic reaches, or traffic that reaches nothing.
    Unreached,
    /// A link listed twice.
    DuplicateLink,
    /// A percentage written as a fraction (`0.99` for 99%).
    LooksLikeFraction,
    /// An event names a thing this solution does not have.
    MissingThing,
    /// More problems than are listed.
    MoreProblems,
    /// A level id that is not its folder's name.
    FolderMismatch,
    /// A step that can never complete, or that comes after a run step.
    StepNeverCompletes,
}

impl Code {
    /// Every code, in the order the docs list them.
    pub fn all() -> Vec<Code> {
        let mut all = vec![
            Code::Syntax,
            Code::UnknownField,
            Code::UnknownVariant,
            Code::MissingField,
            Code::WrongValue,
            Code::NotUtf8,
            Code::UnclosedBracket,
            Code::HashComment,
            Code::FractionForInteger,
            Code::DuplicateField,
            Code::Unreadable,
            Code::EmptyId,
            Code::DuplicateId,
            Code::UnknownName,
            Code::NotOffered,
            Code::OutOfRange,
            Code::TimeOutOfRange,
            Code::Goals,
            Code::WrongLevel,
            Code::WrongKind,
            Code::CallLoop,
            Code::LinkRule,
            Code::LinkLoop,
            Code::LinkEnd,
            Code::Topology,
            Code::Missing,
            Code::BadCharacters,
            Code::UnknownStepId,
            Code::Locked,
            Code::NoChange,
        ];
        all.extend(Bound::ALL.map(Code::Bound));
        all.extend([
            Code::MissingText,
            Code::DoesNothing,
            Code::AfterEnd,
            Code::Unreached,
            Code::DuplicateLink,
            Code::LooksLikeFraction,
            Code::MissingThing,
            Code::MoreProblems,
            Code::FolderMismatch,
            Code::StepNeverCompletes,
        ]);
        all
    }

    /// The code as printed: `E` for errors, `W` for warnings.
    pub fn id(self) -> &'static str {
        match self {
            Code::Syntax => "E0001",
            Code::UnknownField => "E0002",
            Code::UnknownVariant => "E0003",
            Code::MissingField => "E0004",
            Code::WrongValue => "E0005",
            Code::NotUtf8 => "E0006",
            Code::UnclosedBracket => "E0007",
            Code::HashComment => "E0008",
            Code::FractionForInteger => "E0009",
            Code::DuplicateField => "E0010",
            Code::Unreadable => "E0011",
            Code::EmptyId => "E0101",
            Code::DuplicateId => "E0102",
            Code::UnknownName => "E0103",
            Code::NotOffered => "E0104",
            Code::OutOfRange => "E0105",
            Code::TimeOutOfRange => "E0106",
            Code::Goals => "E0107",
            Code::WrongLevel => "E0108",
            Code::WrongKind => "E0109",
            Code::CallLoop => "E0110",
            Code::LinkRule => "E0111",
            Code::LinkLoop => "E0112",
            Code::LinkEnd => "E0113",
            Code::Topology => "E0114",
            Code::Missing => "E0115",
            Code::BadCharacters => "E0116",
            Code::UnknownStepId => "E0117",
            Code::Locked => "E0118",
            Code::NoChange => "E0119",
            Code::Bound(b) => b.code(),
            Code::MissingText => "W0001",
            Code::DoesNothing => "W0002",
            Code::AfterEnd => "W0003",
            Code::Unreached => "W0004",
            Code::DuplicateLink => "W0005",
            Code::LooksLikeFraction => "W0006",
            Code::MissingThing => "W0007",
            Code::MoreProblems => "W0008",
            Code::FolderMismatch => "W0009",
            Code::StepNeverCompletes => "W0010",
        }
    }

    /// One line on what the code means, as the docs list it.
    pub fn summary(self) -> &'static str {
        match self {
            Code::Syntax => "the text is not valid RON",
            Code::UnknownField => "a field the format does not have, usually a typo",
            Code::UnknownVariant => {
                "a variant (kind, shape, event, policy...) the format does not have"
            }
            Code::MissingField => "a required field is missing",
            Code::WrongValue => "a value of the wrong kind, or a time written wrongly",
            Code::NotUtf8 => "the file is not UTF-8 text",
            Code::UnclosedBracket => "a bracket opened and never closed",
            Code::HashComment => "a `#` comment; RON comments are `//` or `/* */`",
            Code::FractionForInteger => "a fraction where a whole number belongs",
            Code::DuplicateField => "the same field twice",
            Code::Unreadable => {
                "the file cannot be read: missing, too big, not a regular file, or outside its folder"
            }
            Code::EmptyId => "an empty id",
            Code::DuplicateId => "an id used twice",
            Code::UnknownName => {
                "a workload, source, thing, instance type or model that does not exist"
            }
            Code::NotOffered => "something the level's palette does not offer or allow",
            Code::OutOfRange => "a number outside what it may be",
            Code::TimeOutOfRange => {
                "a time outside the level, or past 23:59 where a time of day is meant"
            }
            Code::Goals => "goals that cannot be met or meant",
            Code::WrongLevel => {
                "a solution for another level, or a level id that is not its folder's name"
            }
            Code::WrongKind => "an action or event on a thing of the wrong kind",
            Code::CallLoop => "workloads that call each other in a loop",
            Code::LinkRule => "a link the link rules forbid",
            Code::LinkLoop => "links that loop (the message lists the loop)",
            Code::LinkEnd => "a link from or to nothing, into a source, or to itself",
            Code::Topology => {
                "links that cannot work together (a source entering twice, a queue with two consumers, a topic nobody subscribes to...)"
            }
            Code::Missing => "the level has no workload or no source",
            Code::BadCharacters => {
                "an id or name holds control characters, a newline or a bidi override"
            }
            Code::UnknownStepId => "a step names a source or thing the level does not have",
            Code::Locked => "a timed action on a thing the level pre-placed and did not unlock",
            Code::NoChange => {
                "an action that changes nothing, such as a resize to the type already running"
            }
            Code::Bound(b) => b.rule(),
            Code::MissingText => "a text missing in English or Korean",
            Code::DoesNothing => {
                "something that does nothing (a count of 0, a source that never sends)"
            }
            Code::AfterEnd => "an event, shape or action after the level ends",
            Code::Unreached => "a thing no traffic reaches, or traffic that reaches nothing",
            Code::DuplicateLink => "a link listed twice",
            Code::LooksLikeFraction => "a percentage that looks like a fraction (`0.99` for 99%)",
            Code::MissingThing => "an event names a thing this solution does not have",
            Code::MoreProblems => "more problems than are listed",
            Code::FolderMismatch => "a level id that is not the name of its folder",
            Code::StepNeverCompletes => {
                "a step that can never complete, or a build step after a run step"
            }
        }
    }

    /// The code of a RON error.
    pub fn of_ron(err: &ron::Error) -> Code {
        use ron::Error as E;
        match err {
            E::NoSuchStructField { .. } => Code::UnknownField,
            E::NoSuchEnumVariant { .. } => Code::UnknownVariant,
            E::MissingStructField { .. } => Code::MissingField,
            E::DuplicateStructField { .. } => Code::DuplicateField,
            E::ExceededRecursionLimit => Code::Bound(Bound::Nesting),
            E::Message(_)
            | E::InvalidValueForType { .. }
            | E::ExpectedDifferentLength { .. }
            | E::ExpectedDifferentStructName { .. }
            | E::IntegerOutOfBounds
            | E::ExpectedBoolean
            | E::ExpectedFloat
            | E::ExpectedString
            | E::ExpectedInteger => Code::WrongValue,
            _ => Code::Syntax,
        }
    }
}
