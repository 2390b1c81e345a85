//! The call rate over time: a constant, or a linear ramp from one rate to another and then the
//! new rate. Arrivals follow it exactly, not in steps: the next arrival is where the integral of
//! the rate since the last one reaches a unit draw (1 for constant arrivals, Exp(1) for Poisson).
//! That is the time change that turns a unit-rate process into one of any rate, so a ramp keeps
//! the arrival process it was given, and a slow start (rate 0 at the ramp's foot) is no special
//! case: the first call comes when enough "rate" has accumulated.

use std::time::{Duration, Instant};

/// A rate that goes linearly from `from` to `to` over `over`, starting at `start`, then stays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateCurve {
    pub start: Instant,
    pub from: f64,
    pub to: f64,
    pub over: Duration,
}

impl RateCurve {
    /// A rate that does not change.
    pub fn constant(rate: f64, now: Instant) -> RateCurve {
        RateCurve {
            start: now,
            from: rate,
            to: rate,
            over: Duration::ZERO,
        }
    }

    /// Calls per second at `t`.
    pub fn rate_at(&self, t: Instant) -> f64 {
        let x = t.saturating_duration_since(self.start).as_secs_f64();
        let over = self.over.as_secs_f64();
        if x >= over || over <= 0.0 {
            self.to
        } else {
            self.from + (self.to - self.from) * x / over
        }
    }

    /// The time after `t0` at which the integral of the rate since `t0` reaches `unit`; `None`
    /// when it never does (the rate ends at zero).
    pub fn next_after(&self, t0: Instant, unit: f64) -> Option<Instant> {
        let over = self.over.as_secs_f64();
        let x = t0.saturating_duration_since(self.start).as_secs_f64();
        let base = t0.max(self.start);
        let offset = |secs: f64| {
            Duration::try_from_secs_f64(secs)
                .ok()
                .and_then(|d| base.checked_add(d))
        };
        if over > 0.0 && x < over {
            let slope = (self.to - self.from) / over;
            let at_x = self.from + slope * x;
            let area = (at_x + self.to) / 2.0 * (over - x);
            if unit <= area {
                // Solve at_x·d + slope·d²/2 = unit for the smallest d ≥ 0.
                let d = if slope.abs() < 1e-12 {
                    unit / at_x
                } else {
                    ((at_x * at_x + 2.0 * slope * unit).max(0.0).sqrt() - at_x) / slope
                };
                return offset(d);
            }
            if self.to <= 0.0 {
                return None;
            }
            return offset(over - x + (unit - area) / self.to);
        }
        if self.to <= 0.0 {
            return None;
        }
        offset(unit / self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrivals(curve: &RateCurve, horizon: Duration) -> Vec<f64> {
        let mut out = Vec::new();
        let mut t = curve.start;
        while let Some(next) = curve.next_after(t, 1.0) {
            if next > curve.start + horizon {
                break;
            }
            out.push(next.duration_since(curve.start).as_secs_f64());
            t = next;
        }
        out
    }

    #[test]
    fn a_constant_rate_spaces_arrivals_evenly() {
        let curve = RateCurve::constant(4.0, Instant::now());
        let a = arrivals(&curve, Duration::from_millis(10_001));
        assert_eq!(a.len(), 40);
        assert!((a[0] - 0.25).abs() < 1e-9);
        assert!((a[39] - 10.0).abs() < 1e-6);
    }

    #[test]
    fn a_ramp_from_zero_offers_its_integral_then_the_target_rate() {
        // 0 → 100/s over 10 s: 500 calls in the ramp, then 100/s.
        let curve = RateCurve {
            start: Instant::now(),
            from: 0.0,
            to: 100.0,
            over: Duration::from_secs(10),
        };
        let a = arrivals(&curve, Duration::from_millis(10_001));
        assert_eq!(a.len(), 500);
        // The first second holds 1% of the ramp's calls (5), the last one 19% (95).
        assert_eq!(a.iter().filter(|x| **x <= 1.0 + 1e-6).count(), 5);
        assert_eq!(a.iter().filter(|x| **x > 9.0 + 1e-6).count(), 95);
        let after = arrivals(&curve, Duration::from_millis(12_001));
        assert_eq!(after.len(), 700);
    }

    #[test]
    fn a_ramp_down_to_zero_stops() {
        let curve = RateCurve {
            start: Instant::now(),
            from: 10.0,
            to: 0.0,
            over: Duration::from_secs(4),
        };
        // 20 calls' worth of rate in all; a 21st never comes.
        let a = arrivals(&curve, Duration::from_secs(60));
        assert!((19..=20).contains(&a.len()), "{} arrivals", a.len());
        assert!(a.iter().all(|x| *x <= 4.0));
        assert_eq!(curve.rate_at(curve.start + Duration::from_secs(2)), 5.0);
    }

    #[test]
    fn a_zero_rate_never_arrives() {
        let curve = RateCurve::constant(0.0, Instant::now());
        assert_eq!(curve.next_after(curve.start, 1.0), None);
    }
}
