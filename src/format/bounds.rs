//! Every bound `check` enforces, in one place, each beside the words
//! `docs/levels.md` section 6 uses for it.

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
/// at most about a minute of scoring on one core (a server-tick is about
/// 0.3 µs). The benchmarks fit: a group of 5,000 instances for an hour at
/// one-second ticks is 18,000,000; a day at one-second ticks with every kind
/// of thing (`benches/fixtures/day`) about 140,000,000.
pub const MAX_WORK: u64 = 200_000_000;
/// The most cells of per-tick records a run may keep (ticks × (streams + 2),
/// about 70 bytes each): 200 MB at most.
pub const MAX_RECORD_CELLS: u64 = 3_000_000;
/// The most requests a run may count, all streams together: counts are whole
/// numbers of 64 bits, and this leaves them room ten thousand times over.
/// (A source at the 100,000,000 requests a second of [`MAX_RPS`] for eleven
/// days reaches it; so do calls that multiply a smaller rate.)
pub const MAX_REQUESTS: u64 = 1_000_000_000_000_000;
/// The most batches of requests all things may hold at once (see
/// [`budget::Cost::held`], about 50 bytes each): 50 MB at most.
pub const MAX_HELD: u64 = 1_000_000;
