//! The one timestamp format used in the database (and reusable by the server):
//! RFC 3339 in UTC with exactly three fractional digits, e.g. `2026-11-21T23:59:01.123Z`.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::error::StorageError;

/// Formats `ts` as UTC RFC 3339 text with millisecond precision (`2026-11-21T23:59:01.123Z`).
///
/// Sub-millisecond digits are truncated. Years outside 0000..=9999 cannot be
/// represented in RFC 3339; they are clamped to the nearest representable instant.
pub fn format_ts(ts: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let utc = ts.to_offset(UtcOffset::UTC);
    match utc.format(&fmt) {
        Ok(s) => s,
        // Only reachable for years with more than four digits or negative years.
        Err(_) if utc.year() < 0 => "0000-01-01T00:00:00.000Z".to_owned(),
        Err(_) => "9999-12-31T23:59:59.999Z".to_owned(),
    }
}

/// Parses text written by [`format_ts`] (any RFC 3339 timestamp is accepted) into a UTC time.
pub fn parse_ts(s: &str) -> Result<OffsetDateTime, StorageError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| t.to_offset(UtcOffset::UTC))
        .map_err(|e| StorageError::Corrupt(format!("bad timestamp {s:?}: {e}")))
}
