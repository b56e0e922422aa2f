//! What happened during a run, for the event log and the results hints.

/// One thing that happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Happening {
    /// When, seconds since the start.
    pub at_s: f64,
    /// What.
    pub what: What,
}

/// The kinds of thing worth telling the player.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A scripted traffic spike began.
    SpikeStarted {
        /// Source id.
        source: String,
        /// Height of the spike.
        multiplier: f64,
    },
    /// Servers of a thing failed.
    ServersFailed {
        /// Thing id.
        thing: String,
        /// How many.
        count: u32,
    },
    /// A failed server was noticed by health checks.
    FailureDetected {
        /// Thing id.
        thing: String,
    },
    /// An Auto Scaling group changed its desired capacity.
    Scaled {
        /// Group id.
        thing: String,
        /// Desired before.
        from: u32,
        /// Desired after.
        to: u32,
        /// Why (policy, schedule, player).
        why: String,
    },
    /// New servers entered service.
    InService {
        /// Thing id.
        thing: String,
        /// How many.
        count: u32,
    },
    /// A spot instance got its two-minute notice.
    SpotNotice {
        /// Thing id.
        thing: String,
    },
    /// A whole tier went down.
    Outage {
        /// Thing id.
        thing: String,
        /// When it comes back, seconds since the start.
        until_s: f64,
    },
    /// A price changed.
    PriceChanged {
        /// Which way of buying.
        purchase: crate::format::solution::Purchase,
        /// New multiple of the catalogue price.
        multiplier: f64,
    },
    /// A spot instance was reclaimed.
    SpotReclaimed {
        /// Thing id.
        thing: String,
    },
    /// Servers left with requests still in flight, which were lost.
    LostInFlight {
        /// Thing id.
        thing: String,
        /// Requests lost.
        requests: u64,
    },
    /// An instance was resized (vertical scaling).
    Resized {
        /// Thing id.
        thing: String,
        /// New type.
        to: String,
    },
    /// On-premises servers were ordered.
    Ordered {
        /// Thing id.
        thing: String,
        /// How many.
        count: u32,
        /// When they arrive, seconds since the start.
        arrive_s: f64,
    },
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::SpikeStarted { source, multiplier } => {
                write!(f, "spike x{multiplier} on {source}")
            }
            What::ServersFailed { thing, count } => {
                write!(f, "{count} server(s) of {thing} failed")
            }
            What::FailureDetected { thing } => {
                write!(f, "health checks noticed a failure in {thing}")
            }
            What::Scaled {
                thing,
                from,
                to,
                why,
            } => write!(f, "{thing} desired {from} -> {to} ({why})"),
            What::InService { thing, count } => write!(f, "{thing}: {count} server(s) in service"),
            What::SpotNotice { thing } => {
                write!(f, "spot reclaim notice for an instance of {thing}")
            }
            What::Outage { thing, until_s } => {
                write!(
                    f,
                    "{thing} is down until {}",
                    crate::format::time::format_clock(*until_s)
                )
            }
            What::PriceChanged {
                purchase,
                multiplier,
            } => write!(f, "{purchase:?} prices now x{multiplier}"),
            What::SpotReclaimed { thing } => write!(f, "spot instance of {thing} reclaimed"),
            What::LostInFlight { thing, requests } => {
                write!(f, "{thing}: {requests} request(s) in flight lost")
            }
            What::Resized { thing, to } => write!(f, "{thing} resized to {to}"),
            What::Ordered {
                thing,
                count,
                arrive_s,
            } => {
                write!(
                    f,
                    "{count} server(s) ordered for {thing}, arriving {}",
                    crate::format::time::format_clock(*arrive_s)
                )
            }
        }
    }
}
