//! A full-handshake variant against the raw handshake rate, measured in pairs: the raw rate on
//! all cores just before and just after each saturated window of the live deployment, and the
//! median over a few such rounds.
//!
//! Each raw measurement is taken twice: in memory (the handshake bench's figure, the reference
//! the capacity target names) and over loopback TCP (connect, handshake, close). The second says
//! what share of the gap is the kernel's TCP connection, which every deployment that opens a
//! connection per message pays and no change to crmsim can remove; what is left between the TCP
//! rate and the deployment's is crmsim's own (HTTP, SOAP, the simulators, the runtime).
//!
//! Why not the searches' figures alone: on a shared VM the machine's speed drifts by a tenth or
//! more within minutes (`benches/README.md`, "The machine"), and a search runs for minutes. The busiest of a search's windows set against raw rates measured before and
//! after all the searches mixes that drift into the ratio, and, being the best of many windows,
//! leans high. A round compares a window with raw rates taken seconds away from it, with the
//! deployment idle while they are taken; the median of the rounds is the figure to quote.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use harness::runner::session::Session;
use scenario::capacity::CapacitySection;

use super::raw::RawBench;

/// How long each raw measurement between windows runs, on all cores.
const RAW_SPELL: Duration = Duration::from_secs(2);

/// One window and the raw rates around it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PairedRound {
    /// Raw full handshakes per second on all cores just before the window.
    pub raw_before_per_s: f64,
    /// Full handshakes per second the deployment did in the window's steady part.
    pub full_handshakes_per_s: f64,
    /// Raw full handshakes per second on all cores just after the window (and its settling).
    pub raw_after_per_s: f64,
    /// The same over loopback TCP, just before the window (None: not measured, said in the log).
    pub tcp_before_per_s: Option<f64>,
    /// The same over loopback TCP, just after the window.
    pub tcp_after_per_s: Option<f64>,
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
        self.against(self.raw_before_per_s, self.raw_after_per_s)
    }

    /// The deployment's handshakes against the mean of the raw rates over TCP around it.
    pub fn tcp_ratio(&self) -> Option<f64> {
        self.against(self.tcp_before_per_s?, self.tcp_after_per_s?)
    }

    fn against(&self, before: f64, after: f64) -> Option<f64> {
        (before > 0.0 && after > 0.0).then(|| self.full_handshakes_per_s / ((before + after) / 2.0))
    }
}

/// The paired check of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PairedCheck {
    /// The call rate of every window: 1.5 × the lowest the search failed at (beyond what the
    /// machine can do, so it is saturated), or its highest pass when no step failed.
    pub load: f64,
    /// Each saturated window with the raw rates around it, in run order.
    pub rounds: Vec<PairedRound>,
    /// The median of the rounds' ratios (None: no round gave one).
    pub median_ratio: Option<f64>,
    /// The median of the rounds' ratios to the raw rate over TCP.
    pub median_tcp_ratio: Option<f64>,
}

impl PairedCheck {
    /// The check of `rounds` at `load` calls/s, with the medians of their ratios.
    pub fn new(load: f64, rounds: Vec<PairedRound>) -> PairedCheck {
        let ratios: Vec<f64> = rounds.iter().filter_map(PairedRound::ratio).collect();
        let tcp_ratios: Vec<f64> = rounds.iter().filter_map(PairedRound::tcp_ratio).collect();
        PairedCheck {
            load,
            median_ratio: median(&ratios),
            median_tcp_ratio: median(&tcp_ratios),
            rounds,
        }
    }
}

/// The middle value (the mean of the two middle ones for an even count); None when empty.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// One raw measurement between windows: in memory, then over loopback TCP.
#[derive(Debug, Clone, Copy)]
struct Spell {
    in_memory: f64,
    over_tcp: Option<f64>,
}

impl Spell {
    /// Both rates on all cores, on a blocking thread: they occupy every core, and the runtime
    /// must go on serving the idle deployment (heartbeats) meanwhile.
    async fn measure(bench: Arc<RawBench>, cores: usize) -> Spell {
        let measured = tokio::task::spawn_blocking(move || {
            let in_memory = bench.in_memory(cores, RAW_SPELL);
            let over_tcp = bench.over_tcp(cores, RAW_SPELL).map_err(|e| {
                eprintln!(
                    "crmsim capacity: warning: the raw handshake rate over TCP was not measured ({e}); the rounds around this spell get no TCP ratio. Check that 127.0.0.1 accepts connections and the open-file limit (`ulimit -n`)"
                );
            });
            Spell {
                in_memory,
                over_tcp: over_tcp.ok(),
            }
        })
        .await;
        measured.unwrap_or_else(|e| {
            // Zero gives the rounds around it no ratio (see `PairedRound::ratio`).
            eprintln!("crmsim capacity: warning: a raw handshake measurement failed: {e}");
            Spell {
                in_memory: 0.0,
                over_tcp: None,
            }
        })
    }
}

/// Runs `rounds` windows at `load` calls/s on the live `session`, each with the raw rates measured
/// on all cores before and after it while no call is in flight. The raw measurement after one
/// window is the one before the next, so the machine spends `rounds + 1` spells on it.
pub async fn run(
    session: &mut Session<'_>,
    bench: Arc<RawBench>,
    load: f64,
    rounds: usize,
    section: &CapacitySection,
) -> PairedCheck {
    let cores = harness::runner::cost::cores();
    let mut settled_before = session.settle(section.settle).await;
    let mut before = Spell::measure(bench.clone(), cores).await;
    let mut done = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let label = format!("handshake round {round} at {load:.0} calls/s");
        let window = session
            .window(load, section.step_warmup, section.step_steady, &label)
            .await;
        let settled_after = session.settle(section.settle).await;
        let after = Spell::measure(bench.clone(), cores).await;
        let settled = settled_before && settled_after;
        let paired = PairedRound {
            raw_before_per_s: before.in_memory,
            full_handshakes_per_s: window.full_handshakes_per_s,
            raw_after_per_s: after.in_memory,
            tcp_before_per_s: before.over_tcp,
            tcp_after_per_s: after.over_tcp,
            utilisation: window.cpu.utilisation,
            settled,
        };
        let tcp = match (before.over_tcp, after.over_tcp) {
            (Some(b), Some(a)) => format!(
                "; over TCP {b:.0}/s and {a:.0}/s{}",
                paired
                    .tcp_ratio()
                    .map_or_else(String::new, |r| format!(" = {:.0}%", 100.0 * r)),
            ),
            _ => String::new(),
        };
        eprintln!(
            "crmsim capacity:   {label}: {:.0} full handshakes/s against a raw rate of {:.0}/s before and {:.0}/s after{}{tcp}{}",
            paired.full_handshakes_per_s,
            before.in_memory,
            after.in_memory,
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
            tcp_before_per_s: Some(0.9 * before),
            tcp_after_per_s: Some(0.9 * after),
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
    fn a_round_also_compares_its_window_with_the_raw_rate_over_tcp() {
        let r = PairedRound {
            tcp_before_per_s: Some(800.0),
            tcp_after_per_s: Some(1100.0),
            ..round(900.0, 760.0, 1000.0)
        };
        assert_eq!(r.tcp_ratio(), Some(0.8));
        // Either TCP rate missing or zero: no ratio, whatever the in-memory one says.
        for (before, after) in [
            (None, Some(1100.0)),
            (Some(800.0), None),
            (Some(0.0), Some(1100.0)),
        ] {
            let r = PairedRound {
                tcp_before_per_s: before,
                tcp_after_per_s: after,
                ..round(900.0, 760.0, 1000.0)
            };
            assert_eq!(r.tcp_ratio(), None, "{before:?} {after:?}");
            assert_eq!(r.ratio(), Some(0.8));
        }
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
        let percent = |ratio: fn(&PairedRound) -> Option<f64>| -> Vec<String> {
            check
                .rounds
                .iter()
                .filter_map(ratio)
                .map(|r| format!("{:.0}%", 100.0 * r))
                .collect()
        };
        assert_eq!(percent(PairedRound::ratio), ["70%", "90%", "78%"]);
        // The TCP rates are 0.9 of the in-memory ones here, so each ratio to them is a ninth up.
        assert_eq!(percent(PairedRound::tcp_ratio), ["78%", "100%", "87%"]);
        let tcp_median = check.median_tcp_ratio.unwrap_or_default();
        assert!((tcp_median - 0.78 / 0.9).abs() < 1e-9, "{tcp_median}");
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
