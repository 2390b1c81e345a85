//! How times reach JSON reports: durations as float milliseconds (the key ends in `_ms`),
//! wall-clock times as RFC 3339 strings. serde's own forms (`{secs, nanos}`,
//! `{secs_since_epoch, …}`) are neither readable nor what the rest of crmsim's reports write.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Deserializer, Serializer};

/// A duration as milliseconds, fractions kept (`#[serde(serialize_with)]`).
pub fn ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// A duration read back from the milliseconds [`ms`] wrote (`#[serde(deserialize_with)]`), so a
/// report can be read into the type that wrote it; a negative or non-finite value is refused.
pub fn from_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let ms = f64::deserialize(d)?;
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|e| serde::de::Error::custom(format!("{ms} ms is not a duration: {e}")))
}

/// A wall-clock time as RFC 3339 in UTC, to the millisecond (`#[serde(serialize_with)]`).
pub fn rfc3339<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_millis(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Both {
        #[serde(serialize_with = "ms")]
        d: Duration,
        #[serde(serialize_with = "rfc3339")]
        t: SystemTime,
    }

    #[test]
    fn durations_are_milliseconds_and_times_rfc_3339() {
        let both = Both {
            d: Duration::from_micros(1_500),
            t: SystemTime::UNIX_EPOCH + Duration::from_millis(1_796_624_568_371),
        };
        let json = serde_json::to_value(&both).unwrap();
        assert_eq!(json["d"], 1.5);
        assert_eq!(json["t"], "2026-12-07T06:22:48.371Z");
    }

    #[test]
    fn milliseconds_read_back_into_the_duration_and_negative_ones_are_refused() {
        #[derive(serde::Deserialize)]
        struct D {
            #[serde(deserialize_with = "from_ms")]
            d: Duration,
        }
        let d: D = serde_json::from_str(r#"{"d": 1.5}"#).unwrap();
        assert_eq!(d.d, Duration::from_micros(1_500));
        let bad = serde_json::from_str::<D>(r#"{"d": -3}"#).err().unwrap();
        assert!(bad.to_string().contains("-3 ms is not a duration"), "{bad}");
    }
}
