//! What the sizing table does not show, as findings: the figures a pipeline reads from the JSON
//! (`findings[].figures`, each with its `kind`), and the sentence the terminal, Markdown and
//! HTML print (`findings[].text`).
//! Computed from the report's rows and raw measurements; no I/O.

use serde::Serialize;

use super::ceiling::{AgentCeiling, REMEDY};
use super::paired::{PairedCheck, PairedRound, median};
use certs::KeyAlgorithm;

use super::raw::{Moment, RawHandshakes};
use super::report::{CapacityReport, Dimension, Row};

/// One finding: its figures and its sentence.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Not flattened into the finding: the schema's objects admit no keys they do not list,
    /// which a flattened tagged enum would break.
    pub figures: Figures,
    /// The finding as one sentence, as the terminal prints it.
    pub text: String,
}

/// The figures of a finding, by kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Figures {
    /// A call-rate search that ran into the agents, not the system: its capacity is the
    /// workload's limit, a lower bound of the system's.
    AgentCeiling {
        /// The deployment searched.
        deployment: String,
        /// The variant's name.
        variant: String,
        /// The agents' ceiling the search ran into.
        ceiling: AgentCeiling,
        /// The lowest call rate that failed, in calls/s.
        first_failure_calls_per_s: f64,
        /// What to change in the scenario to find the system's limit.
        remedy: String,
    },
    /// This machine's raw mutual-TLS handshake rate, measured before or after the searches.
    RawHandshakes {
        /// The certificates' key algorithm the handshakes used.
        key: KeyAlgorithm,
        /// Before or after the searches.
        when: Moment,
        /// Cores the all-cores and TCP rates ran on.
        cores: usize,
        /// Full handshakes per second in memory on one core.
        per_core_per_s: f64,
        /// Full handshakes per second in memory on all cores at once.
        all_cores_per_s: f64,
        /// Full handshakes per second over loopback TCP on all cores (None: not measured).
        over_tcp_per_s: Option<f64>,
    },
    /// A full-handshake variant's saturated windows, each paired with the raw rate measured
    /// just before and after it.
    PairedHandshakes {
        /// The deployment searched.
        deployment: String,
        /// The variant's name.
        variant: String,
        /// The call rate of every window, in calls/s (beyond what the machine can do).
        calls_per_s: f64,
        /// How many windows were paired with raw rates.
        rounds: usize,
        /// Each round's full handshakes per second over the raw rate on all cores, in memory,
        /// in run order (a round whose raw rate could not be measured has none).
        ratios: Vec<f64>,
        /// The same over the raw rate over loopback TCP.
        tcp_ratios: Vec<f64>,
        /// The median of `ratios`.
        median_ratio: Option<f64>,
        /// The same over the raw rate over loopback TCP.
        median_tcp_ratio: Option<f64>,
        /// Least and most busy the cores were over the rounds (0..1).
        cores_busy_min: Option<f64>,
        /// The most busy, as a share (0..1; None: not measurable here).
        cores_busy_max: Option<f64>,
        /// Rounds with calls still in flight while the raw rate was measured.
        unsettled_rounds: usize,
    },
    /// The most full handshakes per second a connection-per-message variant did, against the
    /// mean raw rate of the run.
    HandshakeShare {
        /// The deployment searched.
        deployment: String,
        /// The variant's name.
        variant: String,
        /// Most full handshakes per second in any step's window, saturated ones included.
        peak_full_handshakes_per_s: f64,
        /// Raw measurements the mean is of.
        raw_measurements: usize,
        /// The peak over the mean raw rate on all cores (1.0 = 100%).
        of_raw_all_cores: f64,
        /// The peak over the mean raw rate on one core (1.0 = 100%).
        of_raw_one_core: f64,
        /// The peak over the mean raw rate over loopback TCP (None: never measured).
        of_raw_over_tcp: Option<f64>,
    },
    /// CPU per call of a variant against its deployment's baseline, at the highest call rate
    /// both passed (the steadier figure of what SSL costs than a capacity).
    CpuPerCall {
        /// The deployment searched.
        deployment: String,
        /// The variant's name.
        variant: String,
        /// The name of the deployment's first variant, the one compared with.
        baseline: String,
        /// The highest call rate both passed, in calls/s.
        calls_per_s: f64,
        /// The variant's CPU per call at that rate (simulators and harness), in ms.
        cpu_ms_per_call: f64,
        /// The baseline's CPU per call at that rate, in ms.
        baseline_cpu_ms_per_call: f64,
        /// `cpu_ms_per_call / baseline_cpu_ms_per_call`.
        ratio: f64,
        /// Over every rate both passed, when more than one: how many, from which rate, and the
        /// median, least and largest ratio.
        across: Option<CpuAcross>,
    },
}

/// The CPU ratio over every call rate both variants passed.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct CpuAcross {
    /// How many call rates both passed (more than one).
    pub rates: usize,
    /// The lowest of them, in calls/s.
    pub lowest_calls_per_s: f64,
    /// The median of the CPU-per-call ratios at those rates.
    pub median_ratio: f64,
    /// The least of those ratios.
    pub min_ratio: f64,
    /// The largest of those ratios.
    pub max_ratio: f64,
}

/// Where a finding is shown on the HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Call-rate searches the agents stopped.
    Ceilings,
    /// Raw handshake rates, paired rounds and handshake shares.
    Handshakes,
    /// CPU per call against the baseline.
    Cpu,
}

impl Section {
    /// Every section with its heading, in page order.
    pub const ALL: [(Section, &'static str); 3] = [
        (Section::Ceilings, "Searches the agents stopped"),
        (Section::Handshakes, "Handshakes against the raw rate"),
        (Section::Cpu, "CPU per call against the baseline"),
    ];
}

impl Figures {
    /// The HTML section the finding belongs in.
    pub fn section(&self) -> Section {
        match self {
            Figures::AgentCeiling { .. } => Section::Ceilings,
            Figures::RawHandshakes { .. }
            | Figures::PairedHandshakes { .. }
            | Figures::HandshakeShare { .. } => Section::Handshakes,
            Figures::CpuPerCall { .. } => Section::Cpu,
        }
    }

    fn finding(self) -> Finding {
        let text = self.sentence();
        Finding {
            figures: self,
            text,
        }
    }

    fn sentence(&self) -> String {
        match self {
            Figures::AgentCeiling {
                deployment,
                variant,
                ceiling,
                first_failure_calls_per_s,
                remedy,
            } => format!(
                "{deployment} / {variant}: the call-rate search ran into the agents, not the system: {}; it failed first at {first_failure_calls_per_s:.0} calls/s. The system may take more: {remedy}",
                ceiling.describe(),
            ),
            Figures::RawHandshakes {
                key,
                when,
                cores,
                per_core_per_s,
                all_cores_per_s,
                over_tcp_per_s,
            } => {
                let over_tcp = over_tcp_per_s.map_or_else(String::new, |tcp| {
                    format!(
                        "; over loopback TCP (connect, handshake, close) {tcp:.0}/s = {:.0}% of in memory",
                        100.0 * tcp / all_cores_per_s
                    )
                });
                format!(
                    "raw mTLS handshakes ({key:?}, {} the searches): in memory {per_core_per_s:.0}/s on one core, {all_cores_per_s:.0}/s on all {cores} cores{over_tcp}",
                    when.as_str()
                )
            }
            Figures::PairedHandshakes {
                deployment,
                variant,
                calls_per_s,
                rounds,
                ratios,
                tcp_ratios,
                median_ratio,
                median_tcp_ratio,
                cores_busy_min,
                cores_busy_max,
                unsettled_rounds,
            } => {
                let percent = |r: &f64| format!("{:.0}%", 100.0 * r);
                let median = median_ratio.map_or_else(
                    || "no ratio".to_owned(),
                    |m| format!("median {:.0}%", 100.0 * m),
                );
                let busy = match (cores_busy_min, cores_busy_max) {
                    (Some(lo), Some(hi)) => {
                        let (lo, hi) = ((100.0 * lo).round(), (100.0 * hi).round());
                        if lo == hi {
                            format!(", cores {lo:.0}% busy")
                        } else {
                            format!(", cores {lo:.0}–{hi:.0}% busy")
                        }
                    }
                    _ => String::new(),
                };
                let tcp = median_tcp_ratio.map_or_else(String::new, |m| {
                    format!(
                        "; against the raw rate over loopback TCP measured with them: {} (median {:.0}%)",
                        tcp_ratios.iter().map(percent).collect::<Vec<_>>().join(", "),
                        100.0 * m
                    )
                });
                let unsettled = match unsettled_rounds {
                    0 => String::new(),
                    n => format!(
                        "; {n} of them had calls still in flight after `settle` while the raw rate was measured (lengthen `settle`)"
                    ),
                };
                format!(
                    "{deployment} / {variant}: paired with the raw rate on all cores measured just before and after each window, {rounds} rounds at {calls_per_s:.0} calls/s{busy}: {} ({median}){tcp}{unsettled}",
                    ratios.iter().map(percent).collect::<Vec<_>>().join(", "),
                )
            }
            Figures::HandshakeShare {
                deployment,
                variant,
                peak_full_handshakes_per_s: peak,
                raw_measurements,
                of_raw_all_cores,
                of_raw_one_core,
                of_raw_over_tcp,
            } => {
                let over_tcp = of_raw_over_tcp.map_or_else(String::new, |share| {
                    format!(", {:.0}% of the rate over TCP", 100.0 * share)
                });
                let mean = if *raw_measurements > 1 { "mean " } else { "" };
                format!(
                    "{deployment} / {variant}: up to {peak:.0} full handshakes/s = {:.0}% of the {mean}raw rate on all cores ({:.0}% of one core's{over_tcp})",
                    100.0 * of_raw_all_cores,
                    100.0 * of_raw_one_core
                )
            }
            Figures::CpuPerCall {
                deployment,
                variant,
                baseline,
                calls_per_s: load,
                cpu_ms_per_call: ms,
                baseline_cpu_ms_per_call: base_ms,
                ratio,
                across,
            } => {
                let across = across.map_or_else(String::new, |a| {
                    format!(
                        "; over the {} rates both passed ({:.0}–{load:.0} calls/s) median {:.2}× ({:.2}–{:.2}×)",
                        a.rates, a.lowest_calls_per_s, a.median_ratio, a.min_ratio, a.max_ratio
                    )
                });
                format!(
                    "{deployment} / {variant}: CPU per call at {load:.0} calls/s {ms:.2} ms against {baseline} {base_ms:.2} ms ({ratio:.2}×){across}"
                )
            }
        }
    }
}

/// Every finding of a report: searches the agents stopped, handshakes against the raw rate,
/// then CPU per call.
pub fn analyse(report: &CapacityReport) -> Vec<Finding> {
    let mut out = ceilings(&report.rows);
    out.extend(handshakes(&report.rows, &report.raw_handshakes));
    out.extend(cpu(&report.rows));
    out
}

/// For each call-rate search that failed first near the agents' ceiling: the table's figure is
/// the workload's limit, and what to change to find the system's.
fn ceilings(rows: &[Row]) -> Vec<Finding> {
    rows.iter()
        .filter_map(|row| {
            let d = row.call_rate.as_ref()?;
            let ceiling = d.agent_ceiling.filter(|_| d.agent_bound)?;
            Some(
                Figures::AgentCeiling {
                    deployment: row.deployment.clone(),
                    variant: row.variant.name.clone(),
                    ceiling,
                    first_failure_calls_per_s: d.first_failure.unwrap_or(ceiling.calls_per_s),
                    remedy: REMEDY.to_owned(),
                }
                .finding(),
            )
        })
        .collect()
}

/// The raw rates measured; for each variant that opens a connection per message, its paired
/// rounds and the most full handshakes per second it did (at any step, saturation included)
/// against the raw rate of this run (the mean of its measurements before and after the
/// searches).
fn handshakes(rows: &[Row], raws: &[RawHandshakes]) -> Vec<Finding> {
    let mut out: Vec<Finding> = raws
        .iter()
        .map(|raw| {
            Figures::RawHandshakes {
                key: raw.key,
                when: raw.when,
                cores: raw.cores,
                per_core_per_s: raw.per_core_per_s,
                all_cores_per_s: raw.all_cores_per_s,
                over_tcp_per_s: raw.over_tcp_per_s,
            }
            .finding()
        })
        .collect();
    for row in rows {
        let Some(d) = &row.call_rate else { continue };
        out.extend(paired(row, d));
        let peak = d
            .steps
            .iter()
            .filter_map(|s| s.window.as_ref().map(|w| w.full_handshakes_per_s))
            .fold(0.0, f64::max);
        let key = row.variant.key;
        let Some(raw) = RawMean::of(raws.iter().filter(|r| key.is_none_or(|k| k == r.key))) else {
            continue;
        };
        if peak < 1.0 || !row.variant.handshakes_per_message() {
            continue;
        }
        out.push(
            Figures::HandshakeShare {
                deployment: row.deployment.clone(),
                variant: row.variant.name.clone(),
                peak_full_handshakes_per_s: peak,
                raw_measurements: raw.measurements,
                of_raw_all_cores: peak / raw.all_cores,
                of_raw_one_core: peak / raw.per_core,
                of_raw_over_tcp: raw.over_tcp.map(|tcp| peak / tcp),
            }
            .finding(),
        );
    }
    out
}

/// A full-handshake variant's paired rounds.
fn paired(row: &Row, d: &Dimension) -> Option<Finding> {
    let check: &PairedCheck = d.handshake_check.as_ref()?;
    let busy: Vec<f64> = check.rounds.iter().filter_map(|r| r.utilisation).collect();
    Some(
        Figures::PairedHandshakes {
            deployment: row.deployment.clone(),
            variant: row.variant.name.clone(),
            calls_per_s: check.load,
            rounds: check.rounds.len(),
            ratios: check.rounds.iter().filter_map(PairedRound::ratio).collect(),
            tcp_ratios: check
                .rounds
                .iter()
                .filter_map(PairedRound::tcp_ratio)
                .collect(),
            median_ratio: check.median_ratio,
            median_tcp_ratio: check.median_tcp_ratio,
            cores_busy_min: busy.iter().copied().reduce(f64::min),
            cores_busy_max: busy.iter().copied().reduce(f64::max),
            unsettled_rounds: check.rounds.iter().filter(|r| !r.settled).count(),
        }
        .finding(),
    )
}

/// For each variant after its deployment's baseline: the CPU one call cost (both simulators
/// and the harness, over a step's measured window) at the highest call rate both passed.
/// A capacity is where latency gives, and on a shared VM one stall can decide that; CPU per
/// unit of work drifts far less, so this ratio is the steadier figure of what SSL costs.
/// One window can still catch the host in a slow spell (`benches/README.md`, "Capacity: plain
/// vs SSL"), so when the two passed several rates alike the finding adds the median ratio over
/// all of them and its range.
fn cpu(rows: &[Row]) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in rows {
        let Some(base) = rows.iter().find(|r| r.deployment == row.deployment) else {
            continue;
        };
        if std::ptr::eq(base, row) {
            continue;
        }
        let (Some(theirs), Some(ours)) = (&base.call_rate, &row.call_rate) else {
            continue;
        };
        let theirs = cpu_per_call_by_load(theirs);
        let common: Vec<(f64, f64, f64)> = cpu_per_call_by_load(ours)
            .into_iter()
            .filter_map(|(load, ms)| {
                theirs
                    .iter()
                    .find(|(l, _)| *l == load)
                    .map(|(_, base_ms)| (load, *base_ms, ms))
            })
            .collect();
        let Some(&(load, base_ms, ms)) = common.iter().max_by(|a, b| a.0.total_cmp(&b.0)) else {
            continue;
        };
        let ratios: Vec<f64> = common.iter().map(|(_, b, m)| m / b).collect();
        let across = match (
            median(&ratios),
            ratios.iter().copied().reduce(f64::min),
            ratios.iter().copied().reduce(f64::max),
            common.iter().map(|c| c.0).reduce(f64::min),
        ) {
            (Some(median_ratio), Some(min_ratio), Some(max_ratio), Some(lowest))
                if ratios.len() > 1 =>
            {
                Some(CpuAcross {
                    rates: ratios.len(),
                    lowest_calls_per_s: lowest,
                    median_ratio,
                    min_ratio,
                    max_ratio,
                })
            }
            _ => None,
        };
        out.push(
            Figures::CpuPerCall {
                deployment: row.deployment.clone(),
                variant: row.variant.name.clone(),
                baseline: base.variant.name.clone(),
                calls_per_s: load,
                cpu_ms_per_call: ms,
                baseline_cpu_ms_per_call: base_ms,
                ratio: ms / base_ms,
                across,
            }
            .finding(),
        );
    }
    out
}

/// The mean of a key's raw-rate measurements (before and after the searches).
struct RawMean {
    measurements: usize,
    per_core: f64,
    all_cores: f64,
    over_tcp: Option<f64>,
}

impl RawMean {
    fn of<'a>(raws: impl Iterator<Item = &'a RawHandshakes>) -> Option<RawMean> {
        let raws: Vec<_> = raws.collect();
        let mean = |values: &[f64]| {
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let per_core: Vec<f64> = raws.iter().map(|r| r.per_core_per_s).collect();
        let all_cores: Vec<f64> = raws.iter().map(|r| r.all_cores_per_s).collect();
        let over_tcp: Vec<f64> = raws.iter().filter_map(|r| r.over_tcp_per_s).collect();
        Some(RawMean {
            measurements: raws.len(),
            per_core: mean(&per_core)?,
            all_cores: mean(&all_cores)?,
            over_tcp: mean(&over_tcp),
        })
    }
}

/// Milliseconds of CPU per call at each load that passed: (load, ms), in step order.
fn cpu_per_call_by_load(d: &Dimension) -> Vec<(f64, f64)> {
    d.steps
        .iter()
        .filter(|s| s.passed)
        .filter_map(|s| {
            let w = s.window.as_ref()?;
            let calls = w.achieved_rate * w.duration_s;
            let cpu = w.cpu.cpu_s?;
            // No CPU read (0 s) would make a ratio infinite: leave such a step out.
            (calls >= 1.0 && cpu > 0.0).then(|| (s.load, 1000.0 * cpu / calls))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(when: Moment, per_core: f64, all: f64, tcp: Option<f64>) -> RawHandshakes {
        RawHandshakes {
            key: certs::KeyAlgorithm::Rsa2048,
            when,
            cores: 2,
            per_core_per_s: per_core,
            all_cores_per_s: all,
            over_tcp_per_s: tcp,
        }
    }

    /// The deployment is compared with the mean of the rates before and after the searches; a
    /// TCP rate that one of them could not measure does not count as zero.
    #[test]
    fn the_raw_rate_is_the_mean_of_before_and_after() {
        let raws = [
            raw(Moment::Before, 1000.0, 2000.0, Some(1600.0)),
            raw(Moment::After, 1200.0, 2400.0, None),
        ];
        let mean = RawMean::of(raws.iter()).expect("two measurements");
        assert_eq!(mean.measurements, 2);
        assert!((mean.per_core - 1100.0).abs() < 1e-9);
        assert!((mean.all_cores - 2200.0).abs() < 1e-9);
        assert_eq!(mean.over_tcp, Some(1600.0));
        assert!(RawMean::of(raws[..0].iter()).is_none());
    }
}
