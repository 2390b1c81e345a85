//! Wall-clock timestamps for events (RFC 3339, UTC, milliseconds).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, as events carry it. Falls back to the Unix epoch text only if formatting fails, which
/// the `time` crate does not do for valid UTC times.
pub fn rfc3339_now() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}
