//! When the CRM could reach its connector and when all its agents were logged on, in wall-clock
//! time: in a topology of separate processes or containers there is no shared monotonic clock,
//! and these spans are lined up with the proxy's state changes and the moment a side was stopped.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use stats::Flips;

/// Spans of trouble, each `[from, to)` in milliseconds since the Unix epoch; `to` is `None`
/// when the trouble lasted until the report.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Availability {
    /// Requests got no answer (transport failures) from `from` until the next answer.
    pub unreachable: Vec<Span>,
    /// Fewer agents than configured were logged on (after the first complete logon).
    pub below_full_strength: Vec<Span>,
}

/// One span of trouble.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Span {
    /// When the trouble began, in ms since the Unix epoch.
    pub from_unix_ms: u64,
    /// When it ended, in ms since the Unix epoch; `None` if it lasted until the report.
    pub to_unix_ms: Option<u64>,
}

/// Maps the monotonic instants the CRM records to wall-clock time, from one pair read at start.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    instant: Instant,
    unix: Duration,
}

impl WallClock {
    /// Reads both clocks now; later instants are mapped from this pair.
    pub fn now() -> WallClock {
        WallClock {
            instant: Instant::now(),
            unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    /// `at` in ms since the Unix epoch, by its distance from the pair read at start.
    pub fn unix_ms(&self, at: Instant) -> u64 {
        let unix = if at >= self.instant {
            self.unix + (at - self.instant)
        } else {
            self.unix.saturating_sub(self.instant - at)
        };
        u64::try_from(unix.as_millis()).unwrap_or(u64::MAX)
    }

    /// The spans during which `flips` was false.
    pub fn false_spans(&self, flips: &Flips) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        for (at, value) in flips.changes() {
            let ms = self.unix_ms(at);
            if value {
                if let Some(open) = spans.last_mut().filter(|s| s.to_unix_ms.is_none()) {
                    open.to_unix_ms = Some(ms);
                }
            } else {
                spans.push(Span {
                    from_unix_ms: ms,
                    to_unix_ms: None,
                });
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_flips_in_wall_clock_time() {
        let clock = WallClock::now();
        let flips = Flips::new(true);
        let t0 = clock.instant;
        flips.set(t0 + Duration::from_millis(100), false);
        flips.set(t0 + Duration::from_millis(350), true);
        flips.set(t0 + Duration::from_millis(900), false);
        let spans = clock.false_spans(&flips);
        let base = clock.unix_ms(t0);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].from_unix_ms - base, 100);
        assert_eq!(spans[0].to_unix_ms.map(|t| t - base), Some(350));
        assert_eq!(spans[1].from_unix_ms - base, 900);
        assert_eq!(spans[1].to_unix_ms, None);
    }
}
