//! Durations in scenario files, written as people write them: `"20s"`, `"500ms"`, `"2m"`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Deserializes a humantime duration string of at most a week ([`stats::MAX_DURATION`]).
pub fn de<'de, D: Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(de)?;
    stats::parse_duration(&text).map_err(|e| {
        // The limit's own message already says what to write.
        if e.contains("limit") {
            serde::de::Error::custom(e)
        } else {
            serde::de::Error::custom(format!("{e}; write e.g. \"20s\", \"500ms\", \"2m\""))
        }
    })
}

/// As [`de`], for optional values.
pub fn de_opt<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Duration>, D::Error> {
    self::de(de).map(Some)
}

/// Formats a duration for reports (`20s`, `1m 30s`).
pub fn show(d: Duration) -> String {
    humantime::format_duration(Duration::from_millis(d.as_millis() as u64)).to_string()
}

/// Serializes a duration as [`de`] reads it back (`"500ms"`, `"2s"`, `"1s 500ms"`), exactly:
/// configs crmsim writes for its own components must mean what the scenario said.
pub fn ser<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_duration(*d))
}

/// As [`ser`], for optional values (`None` is left out by the `skip_serializing_if` beside it).
pub fn ser_opt<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ser(d, s),
        None => s.serialize_none(),
    }
}
