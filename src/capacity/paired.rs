//! A full-handshake variant against the raw handshake rate, measured in pairs: the raw rate on
//! all cores just before and just after each saturated window of the live deployment, and the
//! median over a few such rounds.
//!
//! Why not the searches' figures alone: on a shared VM the machine's speed drifts by a tenth or
//! more within minutes (seen in one run: the all-core raw rate 875/s and 1,031/s), and a search
//! runs for minutes. The busiest of a search's windows set against raw rates measured before and
//! after all the searches mixes that drift into the ratio, and, being the best of many windows,
//! leans high. A round compares a window with raw rates taken seconds away from it, with the
//! deployment idle while they are taken; the median of the rounds is the figure to quote.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::runner::session::Session;
use crate::scenario::capacity::CapacitySection;

use super::raw::RawBench;

/// How long each raw measurement between windows runs, on all cores.
const RAW_SPELL: Duration = Duration::from_secs(2);

/// One window and the raw rates around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedRound {
    /// Raw full handshakes per second on all cores just before the window.
    pub raw_before_per_s: f64,
    /// Full handshakes per second the deployment did in the window's steady part.
    pub full_handshakes_per_s: f64,
    /// Raw full handshakes per second on all cores just after the window (and its settling).
    pub raw_after_per_s: f64,
    /// How busy the machine's cores were in the window (None: not measurable here).
    pub utilisation: Option<f64>,
    /// Whether calls and events had settled before each raw rate around it was measured
    /// (false: the deployment's leftovers competed with a measurement, and the ratio leans high).
    pub settled: bool,
}

impl PairedRound {
    /// The deployment's handshakes against the mean of the raw rates around it; None when
    /// either could not be measured (a mean with a zero in it would double the ratio).
    pub fn ratio(&self) -> Option<f64> {
        let raw = (self.raw_before_per_s + self.raw_after_per_s) / 2.0;
        (self.raw_before_per_s > 0.0 && self.raw_after_per_s > 0.0)
            .then(|| self.full_handshakes_per_s / raw)
    }
}

/// The paired check of one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedCheck {
    /// The call rate of every window: 1.5 × the lowest the search failed at (beyond what the
    /// machine can do, so it is saturated), or its highest pass when no step failed.
    pub load: f64,
    pub rounds: Vec<PairedRound>,
    /// The median of the rounds' ratios (None: no round gave one).
    pub median_ratio: Option<f64>,
}

impl PairedCheck {
    pub fn new(load: f64, rounds: Vec<PairedRound>) -> PairedCheck {
        let ratios: Vec<f64> = rounds.iter().filter_map(PairedRound::ratio).collect();
        PairedCheck {
            load,
            median_ratio: median(&ratios),
            rounds,
        }
    }

    /// The rounds' ratios in run order, as percentages.
    pub fn percentages(&self) -> Vec<String> {
        self.rounds
            .iter()
            .filter_map(PairedRound::ratio)
            .map(|r| format!("{:.0}%", 100.0 * r))
            .collect()
    }
}

/// The middle value (the mean of the two middle ones for an even count); None when empty.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Runs `rounds` windows at `load` calls/s on the live `session`, each with the raw rate measured
/// on all cores before and after it while no call is in flight. The raw measurement after one
/// window is the one before the next, so the machine spends `rounds + 1` spells on it.
pub async fn run(
    session: &mut Session<'_>,
    bench: Arc<RawBench>,
    load: f64,
    rounds: usize,
    section: &CapacitySection,
) -> PairedCheck {
    let cores = crate::runner::cost::cores();
    let raw = |bench: Arc<RawBench>| async move {
        // On a blocking thread: it occupies every core, and the runtime must go on serving the
        // idle deployment (heartbeats) meanwhile.
        match tokio::task::spawn_blocking(move || bench.in_memory(cores, RAW_SPELL)).await {
            Ok(rate) => rate,
            Err(e) => {
                // Zero gives the rounds around it no ratio (see `PairedRound::ratio`).
                eprintln!("crmsim capacity: warning: a raw handshake measurement failed: {e}");
                0.0
            }
        }
    };
    let mut settled_before = session.settle(section.settle).await;
    let mut before = raw(bench.clone()).await;
    let mut done = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let label = format!("handshake round {round} at {load:.0} calls/s");
        let window = session
            .window(load, section.step_warmup, section.step_steady, &label)
            .await;
        let settled_after = session.settle(section.settle).await;
        let after = raw(bench.clone()).await;
        let settled = settled_before && settled_after;
        let paired = PairedRound {
            raw_before_per_s: before,
            full_handshakes_per_s: window.full_handshakes_per_s,
            raw_after_per_s: after,
            utilisation: window.cpu.utilisation,
            settled,
        };
        eprintln!(
            "crmsim capacity:   {label}: {:.0} full handshakes/s against a raw rate of {before:.0}/s before and {after:.0}/s after{}{}",
            paired.full_handshakes_per_s,
            paired
                .ratio()
                .map_or_else(String::new, |r| format!(" = {:.0}%", 100.0 * r)),
            if settled {
                ""
            } else {
                " (calls still in flight after `settle`: a raw measurement had company)"
            },
        );
        done.push(paired);
        before = after;
        settled_before = settled_after;
    }
    PairedCheck::new(load, done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(before: f64, deployment: f64, after: f64) -> PairedRound {
        PairedRound {
            raw_before_per_s: before,
            full_handshakes_per_s: deployment,
            raw_after_per_s: after,
            utilisation: Some(0.98),
            settled: true,
        }
    }

    #[test]
    fn a_round_compares_its_window_with_the_mean_of_the_raw_rates_around_it() {
        let r = round(900.0, 760.0, 1000.0);
        assert_eq!(r.ratio(), Some(0.8));
        // A raw rate that could not be measured gives no ratio rather than an infinite or a
        // doubled one.
        assert_eq!(round(0.0, 760.0, 0.0).ratio(), None);
        assert_eq!(round(0.0, 760.0, 1000.0).ratio(), None);
    }

    #[test]
    fn the_check_quotes_the_median_of_its_rounds() {
        let check = PairedCheck::new(
            75.0,
            vec![
                round(1000.0, 700.0, 1000.0),
                round(1000.0, 900.0, 1000.0),
                round(1000.0, 780.0, 1000.0),
            ],
        );
        assert_eq!(check.median_ratio, Some(0.78));
        assert_eq!(check.percentages(), ["70%", "90%", "78%"]);
        // An even count: the mean of the middle two; a round without a ratio does not count.
        let even = PairedCheck::new(
            75.0,
            vec![
                round(1000.0, 700.0, 1000.0),
                round(0.0, 500.0, 0.0),
                round(1000.0, 800.0, 1000.0),
            ],
        );
        assert_eq!(even.median_ratio, Some(0.75));
        assert_eq!(PairedCheck::new(75.0, Vec::new()).median_ratio, None);
    }
}
