//! Durations drawn from a distribution: ring delays, talk times, wrap-up times.
//!
//! Scenarios write them as short strings, because that is how people talk about them:
//! `"8s"` (always 8 s), `"exp(8s)"` (exponential, mean 8 s), `"uniform(5s, 10s)"`,
//! `"normal(8s, 2s)"` (mean, standard deviation; truncated at zero).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use rand_distr::{Distribution, Exp, Normal};

/// A distribution of durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationDist {
    /// Always the same duration (`"8s"`).
    Constant(Duration),
    /// Exponential (`"exp(8s)"`): mostly short, now and then much longer.
    Exponential {
        /// The mean; zero draws zero.
        mean: Duration,
    },
    /// Uniform between two bounds (`"uniform(5s, 10s)"`).
    Uniform {
        /// The lowest duration drawn.
        low: Duration,
        /// The upper bound, itself never drawn (unless equal to `low`).
        high: Duration,
    },
    /// Normal (`"normal(8s, 2s)"`); a negative draw becomes zero.
    Normal {
        /// The mean.
        mean: Duration,
        /// The standard deviation.
        std_dev: Duration,
    },
}

/// The text could not be read as a distribution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration distribution {text:?}: {why}; write \"8s\", \"exp(8s)\", \"uniform(5s, 10s)\" or \"normal(8s, 2s)\""
)]
pub struct DistError {
    text: String,
    why: String,
}

impl DurationDist {
    /// Draws one duration.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        match *self {
            DurationDist::Constant(d) => d,
            DurationDist::Exponential { mean } => {
                let secs = mean.as_secs_f64();
                match Exp::new(1.0 / secs) {
                    Ok(exp) if secs > 0.0 => clamped_secs(exp.sample(rng)),
                    _ => Duration::ZERO,
                }
            }
            DurationDist::Uniform { low, high } => {
                if high <= low {
                    low
                } else {
                    rng.random_range(low..high)
                }
            }
            DurationDist::Normal { mean, std_dev } => {
                match Normal::new(mean.as_secs_f64(), std_dev.as_secs_f64()) {
                    Ok(n) => clamped_secs(n.sample(rng)),
                    Err(_) => mean,
                }
            }
        }
    }

    /// The distribution's mean (for sizing hints: agents needed = rate × mean handling time).
    pub fn mean(&self) -> Duration {
        match *self {
            DurationDist::Constant(d) => d,
            DurationDist::Exponential { mean } | DurationDist::Normal { mean, .. } => mean,
            DurationDist::Uniform { low, high } => (low + high) / 2,
        }
    }
}

impl FromStr for DurationDist {
    type Err = DistError;
    fn from_str(text: &str) -> Result<Self, DistError> {
        let err = |why: &str| DistError {
            text: text.to_owned(),
            why: why.to_owned(),
        };
        let t = text.trim();
        let Some(open) = t.find('(') else {
            return parse_duration(t)
                .map(DurationDist::Constant)
                .map_err(|w| err(&w));
        };
        let name = t[..open].trim();
        let args = t[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| err("missing ')'"))?;
        let args: Vec<&str> = args.split(',').map(str::trim).collect();
        let durations: Vec<Duration> = args
            .iter()
            .map(|a| parse_duration(a))
            .collect::<Result<_, _>>()
            .map_err(|w| err(&w))?;
        match (name, durations.as_slice()) {
            ("exp" | "exponential", [mean]) => Ok(DurationDist::Exponential { mean: *mean }),
            ("uniform", [low, high]) if low <= high => Ok(DurationDist::Uniform {
                low: *low,
                high: *high,
            }),
            ("uniform", [_, _]) => Err(err("the low bound is above the high bound")),
            ("normal", [mean, std_dev]) => Ok(DurationDist::Normal {
                mean: *mean,
                std_dev: *std_dev,
            }),
            ("exp" | "exponential" | "uniform" | "normal", _) => {
                Err(err("wrong number of arguments"))
            }
            _ => Err(err(&format!("unknown distribution {name:?}"))),
        }
    }
}

impl fmt::Display for DurationDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |d: Duration| humantime::format_duration(d).to_string();
        match *self {
            DurationDist::Constant(c) => write!(f, "{}", d(c)),
            DurationDist::Exponential { mean } => write!(f, "exp({})", d(mean)),
            DurationDist::Uniform { low, high } => write!(f, "uniform({}, {})", d(low), d(high)),
            DurationDist::Normal { mean, std_dev } => {
                write!(f, "normal({}, {})", d(mean), d(std_dev))
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for DurationDist {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for DurationDist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The longest duration any crmsim setting takes: a week. The longest real test (a soak, a
/// shift) is hours, so anything above is a typo; and bounding every duration where it is read
/// keeps all `Instant + Duration` arithmetic in the simulators far from overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Seconds as a duration, clamped to [`MAX_DURATION`] (and to zero below): gaps computed from
/// rates (`1 / rate`, a ramp's offsets) cannot overflow or panic, whatever rate a file gives.
pub fn clamped_secs(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).map_or(MAX_DURATION, |d| d.min(MAX_DURATION))
}

/// Parses a humantime duration of at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(text).map_err(|e| format!("{text:?} is not a duration ({e})"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "{text:?} is longer than crmsim's limit for any duration, 7 days (\"7d\"); write a shorter one"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    #[test]
    fn parses_every_form() {
        assert_eq!(
            "8s".parse(),
            Ok(DurationDist::Constant(Duration::from_secs(8)))
        );
        assert_eq!(
            "exp(500ms)".parse(),
            Ok(DurationDist::Exponential {
                mean: Duration::from_millis(500)
            })
        );
        assert!(matches!(
            "uniform(5s, 10s)".parse(),
            Ok(DurationDist::Uniform { .. })
        ));
        assert!(matches!(
            "normal(8s,2s)".parse(),
            Ok(DurationDist::Normal { .. })
        ));
        for bad in [
            "8",
            "exp(8s",
            "uniform(10s, 5s)",
            "gauss(1s)",
            "exp(1s, 2s)",
        ] {
            let e = bad.parse::<DurationDist>().expect_err(bad);
            assert!(e.to_string().contains("write"), "{e}");
        }
    }

    /// Display (and Serialize, which writes it) is what the parser reads back, exactly: configs
    /// crmsim writes for its own components carry distributions this way.
    #[test]
    fn display_reads_back_as_the_same_distribution() {
        let ms = Duration::from_millis;
        for d in [
            DurationDist::Constant(Duration::ZERO),
            DurationDist::Constant(ms(500)),
            DurationDist::Constant(Duration::new(90, 5_000_001)),
            DurationDist::Exponential { mean: ms(8_000) },
            DurationDist::Uniform {
                low: ms(200),
                high: ms(1_500),
            },
            DurationDist::Normal {
                mean: ms(700),
                std_dev: Duration::from_micros(1),
            },
        ] {
            let text = d.to_string();
            assert_eq!(text.parse::<DurationDist>(), Ok(d), "{text}");
        }
        assert_eq!(
            DurationDist::Uniform {
                low: ms(200),
                high: ms(600)
            }
            .to_string(),
            "uniform(200ms, 600ms)"
        );
        assert_eq!(
            DurationDist::Exponential { mean: ms(8_000) }.to_string(),
            "exp(8s)"
        );
    }

    #[test]
    fn exponential_samples_average_to_the_mean() {
        let d: DurationDist = "exp(2s)".parse().unwrap();
        let mut rng = SmallRng::seed_from_u64(7);
        let n = 20_000;
        let total: f64 = (0..n).map(|_| d.sample(&mut rng).as_secs_f64()).sum();
        let mean = total / n as f64;
        assert!((mean - 2.0).abs() < 0.1, "{mean}");
    }
}
