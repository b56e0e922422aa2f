//! Every bound `check` enforces, in one place: each constant, and in
//! [`Bound`] its name, its stable error code and the words `docs/levels.md`
//! section 6 uses for it (a test holds the docs to them).

/// The largest level or solution file read, in bytes: 1 MiB, a hundred times
/// the biggest bundled level, refused before it is parsed.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// How deep values may nest (a list in a struct in a variant ...): bundled
/// files nest 6 deep; the bound keeps the parser's recursion off the stack's end.
pub const MAX_NESTING: usize = 32;

/// The most ticks one level may run: almost two years at one minute, or
/// eleven days at one second. Every tick keeps a record for the charts, so ticks are memory.
pub const MAX_TICKS: f64 = 1_000_000.0;
/// The longest tick: a day (a year of capacity planning runs hourly).
pub const MAX_TICK_S: f64 = 86_400.0;
/// The shortest tick: a millisecond (the simulation's clock resolution).
pub const MIN_TICK_S: f64 = 0.001;
/// The most servers, instances or container tasks one thing may hold: an Auto
/// Scaling group's or service's max, scheduled sizes, `SetLimits` and
/// `SetDesired`, on-premises servers and each `OrderServers`.
pub const MAX_GROUP_SIZE: u32 = 10_000;
/// The most servers and tasks all things together may hold at once.
pub const MAX_SERVERS: u64 = 50_000;
/// The highest rate a source may reach, requests per second, shapes included.
pub const MAX_RPS: f64 = 1e8;
/// The most things a level and solution may place together.
pub const MAX_THINGS: usize = 500;
/// The most links a level and solution may draw together.
pub const MAX_LINKS: usize = 1_000;
/// The most workloads a level may declare.
pub const MAX_WORKLOADS: usize = 100;
/// The most traffic sources a level may have.
pub const MAX_SOURCES: usize = 100;
/// The most items any other list may hold (events, steps, shapes, calls,
/// policies, scheduled actions, commitments, actions, palette entries, layout).
pub const MAX_ITEMS: usize = 1_000;
/// The most streams of requests (sources, the calls they make, topic
/// deliveries): each is counted apart every tick and kept in every record.
pub const MAX_STREAMS: usize = 1_000;
/// The longest id or name (of a level, workload, source, thing, instance type ...).
pub const MAX_ID_CHARS: usize = 64;
/// The longest text (a title, an intro, a step's text or hint).
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The most work a run may take, in server-ticks (see [`budget::Cost::work`]):
/// at most about 10 seconds of scoring on one core of the 2-core machine,
/// since a busy server's tick costs up to 0.4 µs today (measured: 10,000
/// owned servers on level 01 take 3.8 ms a tick). The bundled levels stay
/// under 12,000,000 and a group of 5,000 instances for an hour at one-second
/// ticks is about 20,000,000; the Day benchmark (`benches/fixtures/day`,
/// about 142,000,000) is over it. When the simulation gets faster, re-measure
/// with `cargo test --release --test expensive -- --ignored` and raise this
/// with `BOUND_S` there.
pub const MAX_WORK: u64 = 25_000_000;
/// The most cells of per-tick records a run may keep (ticks × (streams + 2),
/// about 70 bytes each): 200 MB at most. A trace keeps every tick's; scoring
/// and the screen keep the last tick's alone.
pub const MAX_RECORD_CELLS: u64 = 3_000_000;
/// The most requests a run may count, all streams together: counts are whole
/// numbers of 64 bits, and this leaves them room ten thousand times over.
/// (A source at the 100,000,000 requests a second of [`MAX_RPS`] for eleven
/// days reaches it; so do calls that multiply a smaller rate.)
pub const MAX_REQUESTS: u64 = 1_000_000_000_000_000;
/// The most batches of requests all things may hold at once (see
/// [`budget::Cost::held`], about 50 bytes each): 50 MB at most.
pub const MAX_HELD: u64 = 1_000_000;

/// A bound, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bound {
    /// [`MAX_FILE_BYTES`].
    FileBytes,
    /// [`MAX_NESTING`].
    Nesting,
    /// [`MAX_ID_CHARS`].
    IdChars,
    /// [`MAX_TEXT_CHARS`].
    TextChars,
    /// [`MAX_WORKLOADS`].
    Workloads,
    /// [`MAX_SOURCES`].
    Sources,
    /// [`MAX_THINGS`].
    Things,
    /// [`MAX_LINKS`].
    Links,
    /// [`MAX_ITEMS`].
    Items,
    /// [`MAX_TICKS`].
    Ticks,
    /// [`MIN_TICK_S`].
    MinTick,
    /// [`MAX_GROUP_SIZE`].
    GroupSize,
    /// [`MAX_SERVERS`].
    Servers,
    /// [`MAX_STREAMS`].
    Streams,
    /// [`MAX_RECORD_CELLS`].
    RecordCells,
    /// [`MAX_REQUESTS`].
    Requests,
    /// [`MAX_HELD`].
    Held,
    /// [`MAX_WORK`].
    Work,
    /// [`MAX_RPS`].
    Rps,
}

impl Bound {
    /// Every bound, in the order `docs/levels.md` lists them.
    pub const ALL: [Bound; 19] = [
        Bound::FileBytes,
        Bound::Nesting,
        Bound::IdChars,
        Bound::TextChars,
        Bound::Workloads,
        Bound::Sources,
        Bound::Things,
        Bound::Links,
        Bound::Items,
        Bound::Ticks,
        Bound::MinTick,
        Bound::GroupSize,
        Bound::Servers,
        Bound::Streams,
        Bound::RecordCells,
        Bound::Requests,
        Bound::Held,
        Bound::Work,
        Bound::Rps,
    ];

    /// The constant's name, as errors print it (`MAX_WORK`).
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The stable error code of a file past this bound.
    pub fn code(self) -> &'static str {
        self.row().1
    }

    /// What the bound allows, in the words of `docs/levels.md`.
    pub fn rule(self) -> &'static str {
        self.row().2
    }

    /// Finds a bound by the name an error prints.
    pub fn named(name: &str) -> Option<Bound> {
        Bound::ALL.into_iter().find(|b| b.name() == name)
    }

    fn row(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Bound::FileBytes => (
                "MAX_FILE_BYTES",
                "E0201",
                "a level or solution file holds at most 1 MiB (1,048,576 bytes)",
            ),
            Bound::Nesting => (
                "MAX_NESTING",
                "E0202",
                "the parser follows values at most 32 deep",
            ),
            Bound::IdChars => (
                "MAX_ID_CHARS",
                "E0203",
                "an id or name holds at most 64 characters",
            ),
            Bound::TextChars => (
                "MAX_TEXT_CHARS",
                "E0204",
                "a text holds at most 4,000 characters in each language",
            ),
            Bound::Workloads => ("MAX_WORKLOADS", "E0205", "at most 100 workloads"),
            Bound::Sources => ("MAX_SOURCES", "E0206", "at most 100 sources"),
            Bound::Things => (
                "MAX_THINGS",
                "E0207",
                "at most 500 things, level and solution together",
            ),
            Bound::Links => (
                "MAX_LINKS",
                "E0208",
                "at most 1,000 links, level and solution together",
            ),
            Bound::Items => (
                "MAX_ITEMS",
                "E0209",
                "any other list holds at most 1,000 items",
            ),
            Bound::Ticks => ("MAX_TICKS", "E0210", "at most 1,000,000 ticks"),
            Bound::MinTick => ("MIN_TICK_S", "E0211", "a tick of at least 1 ms"),
            Bound::GroupSize => (
                "MAX_GROUP_SIZE",
                "E0212",
                "one thing holds at most 10,000 servers, instances or tasks",
            ),
            Bound::Servers => (
                "MAX_SERVERS",
                "E0213",
                "all things together hold at most 50,000 servers and tasks",
            ),
            Bound::Streams => ("MAX_STREAMS", "E0214", "at most 1,000 streams of requests"),
            Bound::RecordCells => (
                "MAX_RECORD_CELLS",
                "E0215",
                "ticks × (streams + 2) at most 3,000,000",
            ),
            Bound::Requests => (
                "MAX_REQUESTS",
                "E0216",
                "at most 10^15 requests over the run",
            ),
            Bound::Held => (
                "MAX_HELD",
                "E0217",
                "at most 1,000,000 batches of requests held at once",
            ),
            Bound::Work => (
                "MAX_WORK",
                "E0218",
                "the run's work at most 25,000,000 server-ticks (about 10 s of scoring)",
            ),
            Bound::Rps => (
                "MAX_RPS",
                "E0219",
                "a source reaches at most 100,000,000 requests a second",
            ),
        }
    }
}
