//! Times and durations as level authors write them.
//!
//! Authors think in clock times ("at 12:05 on day 2") and spans ("boots in
//! 90s"), not in seconds, so both types read a bare number of seconds or a
//! string, and write themselves back as a string a person can read.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// A point on the level clock, in seconds since the level started (day 1, 00:00).
///
/// Written as seconds (`43500`), a clock time (`"12:05"`, `"12:05:30"`), a
/// clock time on a later day (`"d2 12:05"`), or a span from the start
/// (`"90s"`, `"3h"`, `"200d"`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct ClockTime(pub f64);

/// A length of time in seconds, written as seconds (`90`) or with a unit
/// (`"250ms"`, `"90s"`, `"5m"`, `"2h"`, `"3d"`, `"1.5h"`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Span(pub f64);

impl ClockTime {
    /// Seconds since the level started.
    pub fn secs(self) -> f64 {
        self.0
    }
}

impl Span {
    /// The span in seconds.
    pub fn secs(self) -> f64 {
        self.0
    }
}

/// Parses a span such as `90s`, `5m`, `2h`, `3d` or `1.5h` into seconds.
pub fn parse_span(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| {
            format!("`{text}` has no unit; write e.g. \"90s\", \"5m\", \"2h\", \"3d\"")
        })?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{number}` in `{text}` is not a number"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => 7.0 * DAY,
        other => return Err(format!("unknown unit `{other}`; use ms, s, m, h, d or w")),
    };
    finite_non_negative(value * scale, text)
}

/// Parses a clock time such as `12:05`, `12:05:30`, `d2 12:05` or a span.
pub fn parse_clock(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if !text.contains(':') {
        return parse_span(text);
    }
    let (day, clock) = match text.strip_prefix('d') {
        Some(rest) => {
            let (day, clock) = rest
                .split_once(' ')
                .ok_or_else(|| format!("`{text}`: write a day and a time as \"d2 12:05\""))?;
            let day: u32 = day
                .parse()
                .map_err(|_| format!("`{day}` in `{text}` is not a day number"))?;
            if day == 0 {
                return Err(format!("`{text}`: days count from d1"));
            }
            (f64::from(day - 1), clock)
        }
        None => (0.0, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(format!(
            "`{text}` is not a clock time; write \"HH:MM\" or \"HH:MM:SS\""
        ));
    }
    let mut fields = [0.0_f64; 3];
    for (slot, part) in fields.iter_mut().zip(&parts) {
        *slot = part
            .parse::<u32>()
            .map_err(|_| format!("`{part}` in `{text}` is not a whole number"))?
            .into();
    }
    let [h, m, s] = fields;
    if m >= 60.0 || s >= 60.0 {
        return Err(format!("`{text}`: minutes and seconds run 00 to 59"));
    }
    // "25:00" would silently mean 01:00 on day 2, which a one-day level
    // never reaches: an author writing it meant something else.
    if h >= 24.0 {
        return Err(format!(
            "`{text}`: hours run 00 to 23; for the next day write \"d2 {:02}:{:02}\"",
            h as u32 - 24,
            m as u32
        ));
    }
    finite_non_negative(day * DAY + h * HOUR + m * MINUTE + s, text)
}

fn finite_non_negative(value: f64, text: &str) -> Result<f64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("`{text}` must be a finite time of zero or more"))
    }
}

/// Formats seconds since the start as `d2 12:05:30` (day shown from day 2 on).
pub fn format_clock(secs: f64) -> String {
    let whole = secs.max(0.0).round() as u64;
    let day = whole / 86_400;
    let rest = whole % 86_400;
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let clock = if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    };
    if day == 0 {
        clock
    } else {
        format!("d{} {clock}", day + 1)
    }
}

/// Formats a span with the largest unit that divides it exactly.
pub fn format_span(secs: f64) -> String {
    for (unit, scale) in [("d", DAY), ("h", HOUR), ("m", MINUTE)] {
        let count = secs / scale;
        if count >= 1.0 && (count - count.round()).abs() < 1e-9 {
            return format!("{}{unit}", count.round());
        }
    }
    format!("{secs}s")
}

struct SecondsVisitor {
    parse: fn(&str) -> Result<f64, String>,
    expecting: &'static str,
}

impl Visitor<'_> for SecondsVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        finite_non_negative(v, &v.to_string()).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        finite_non_negative(v as f64, &v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecondsVisitor {
            parse: parse_clock,
            expecting: "a time: seconds, \"12:05\", \"d2 12:05\" or \"90s\"",
        })
        .map(ClockTime)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecondsVisitor {
            parse: parse_span,
            expecting: "a duration: seconds or \"90s\", \"5m\", \"2h\", \"3d\"",
        })
        .map(Span)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_clock(self.0))
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_span(self.0))
    }
}

/// The forms a time is written in, for the JSON Schema: seconds or a string.
fn time_schema(description: &str, pattern: &str) -> schemars::Schema {
    schemars::json_schema!({
        "description": description,
        "anyOf": [
            { "type": "number", "minimum": 0 },
            { "type": "string", "pattern": pattern }
        ]
    })
}

/// A span's string form: a number and a unit.
const SPAN_PATTERN: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|min|h|d|w)\s*$";
/// A point in time's string form: a clock time, maybe on a later day, or a span.
const CLOCK_PATTERN: &str = r"^\s*((d[1-9][0-9]* )?[0-9]{1,2}:[0-5][0-9](:[0-5][0-9])?|[0-9]+(\.[0-9]+)?\s*(ms|s|m|min|h|d|w))\s*$";

impl schemars::JsonSchema for Span {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Span".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        time_schema(
            "A length of time: seconds (90), or a number and a unit (\"250ms\", \"90s\", \"5m\", \"2h\", \"3d\", \"1w\").",
            SPAN_PATTERN,
        )
    }
}

impl schemars::JsonSchema for ClockTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ClockTime".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        time_schema(
            "A point in time: seconds since the start, a clock time (\"12:05\", \"12:05:30\", \"d2 12:05\"), or a span from the start (\"45d\").",
            CLOCK_PATTERN,
        )
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&format_clock(self.0))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&format_span(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_every_unit() {
        assert_eq!(parse_span("90s"), Ok(90.0));
        assert_eq!(parse_span("250ms"), Ok(0.25));
        assert_eq!(parse_span("5m"), Ok(300.0));
        assert_eq!(parse_span("1.5h"), Ok(5400.0));
        assert_eq!(parse_span("3d"), Ok(259_200.0));
        assert!(parse_span("90").is_err());
        assert!(parse_span("5y").is_err());
    }

    #[test]
    fn clock_times_read_days_and_seconds() {
        assert_eq!(parse_clock("12:05"), Ok(43_500.0));
        assert_eq!(parse_clock("12:05:30"), Ok(43_530.0));
        assert_eq!(parse_clock("d2 00:10"), Ok(86_400.0 + 600.0));
        assert_eq!(parse_clock("200d"), Ok(200.0 * 86_400.0));
        assert!(parse_clock("12:75").is_err());
        assert!(parse_clock("d0 01:00").is_err());
        assert!(parse_clock("25:00").is_err_and(|e| e.contains("d2 01:00")));
    }

    #[test]
    fn formatting_round_trips() {
        for secs in [0.0, 43_500.0, 43_530.0, 86_400.0 * 3.0 + 61.0] {
            assert_eq!(parse_clock(&format_clock(secs)), Ok(secs));
        }
        for secs in [90.0, 300.0, 7200.0, 86_400.0, 45.5] {
            assert_eq!(parse_span(&format_span(secs)), Ok(secs));
        }
    }
}
