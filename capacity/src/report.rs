//! The sizing table: per deployment and variant, the highest call rate and agent count that met
//! the thresholds, with the SSL cost as a ratio to the baseline variant, and every step's figures.

use std::fmt::Write;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::ceiling::AgentCeiling;
use super::search::{Outcome, Stop};
use harness::runner::session::Window;
use scenario::LoadedScenario;
use scenario::capacity::Variant;

/// A `crmsim capacity` run: the sizing table's rows, the raw handshake rates and the findings.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CapacityReport {
    // harness::report::schema::REPORT_VERSION; no doc comment, which would replace the
    // description `version` gives it.
    #[allow(missing_docs)]
    #[schemars(schema_with = "harness::report::schema::version")]
    pub report_version: u32,
    /// The version of the build that wrote the report.
    pub crmsim_version: String,
    /// Path of the scenario file, as given.
    pub file: String,
    /// The scenario's name.
    pub scenario: String,
    /// `--set` overrides applied over the file, as given (`calls.rate=50`).
    pub overrides: Vec<String>,
    /// When the run started (RFC 3339, UTC, to the second).
    pub started_at: String,
    /// Wall time of the whole run, in seconds.
    pub duration_s: f64,
    /// Cores this machine offers the run.
    pub cores: usize,
    /// CPU seconds this process used over the whole run (None: not measurable here). The
    /// simulators, the harness and the raw measurements share it.
    #[serde(rename = "cpu_s")]
    pub cpu_seconds: Option<f64>,
    /// Peak resident memory of this process in MiB (None: not measurable here).
    pub peak_rss_mib: Option<f64>,
    /// This machine's raw handshake rate, measured in this run.
    pub raw_handshakes: Vec<super::raw::RawHandshakes>,
    /// The sizing table: one row per deployment and variant, in the scenario's order.
    pub rows: Vec<Row>,
    /// What the table does not show: searches the agents stopped, handshakes against the raw
    /// rate, CPU per call against the baseline; each with its figures and its sentence.
    pub findings: Vec<super::findings::Finding>,
    /// The latency limits the steps were judged by, drawn on the HTML curves. Not a JSON key:
    /// the scenario file has them.
    #[serde(skip)]
    pub limits: super::html::Limits,
}

/// One deployment and variant.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Row {
    /// The deployment searched.
    pub deployment: String,
    /// Its SSL setting and connection modes, with the key it ran with filled in.
    pub variant: Variant,
    /// The highest call rate at a fixed agent count (None: not searched).
    pub call_rate: Option<Dimension>,
    /// The highest agent count at a fixed call rate (None: not searched).
    pub agents: Option<Dimension>,
}

/// One searched dimension.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Dimension {
    /// The other dimension, held fixed (agents for the call-rate search, calls/s for agents).
    pub at: f64,
    /// Highest load that passed (`None`: even the first step failed).
    pub capacity: Option<f64>,
    /// Lowest load that failed (`None`: nothing failed up to the maximum).
    pub first_failure: Option<f64>,
    /// Why the search stopped.
    pub stopped: Stop,
    /// Capacity relative to the first variant of the same deployment (filled in by the report).
    pub ratio: Option<f64>,
    /// Whether `ratio` is the ratio itself or only a bound on it (one side or both were lower
    /// bounds: a search that reached its maximum or the agents' ceiling).
    pub ratio_is: RatioKind,
    /// Call-rate searches: the rate the scenario's agents can take at most.
    pub agent_ceiling: Option<AgentCeiling>,
    /// The search failed first near the agents' ceiling: the limit found may be the workload's,
    /// not the system's, so the capacity is only a lower bound.
    pub agent_bound: bool,
    /// Every step, in run order, with its window's figures.
    pub steps: Vec<StepRecord>,
    /// Call-rate searches of a full-handshake variant: its windows paired with the raw rate.
    pub handshake_check: Option<super::paired::PairedCheck>,
}

/// What a capacity ratio is, when either capacity is only a lower bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RatioKind {
    /// Neither capacity is a bound (or it is the baseline against itself).
    #[default]
    Exact,
    /// The variant's capacity is a lower bound: the ratio is at least this.
    AtLeast,
    /// The baseline's capacity is a lower bound, or the variant's an upper one (`< floor`): the
    /// ratio is at most this.
    AtMost,
    /// Both are lower bounds: the ratio says nothing.
    Unknown,
}

/// One step of a search: a load tried and how it went.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StepRecord {
    /// The load tried: calls/s, or an agent count.
    pub load: f64,
    /// Whether every threshold (and, in an agent-count search, every invariant) held.
    pub passed: bool,
    /// The thresholds it broke.
    pub reasons: Vec<String>,
    /// It was only slow (nothing lost, nothing fell behind) and the same load was run again;
    /// the repeat decided.
    pub repeated: bool,
    /// The measured window's figures (None: the step failed before a window was measured).
    pub window: Option<Window>,
}

impl StepRecord {
    /// A step at `load` that failed before any window, with `why` as its reason.
    pub fn failed_setup(load: f64, why: &str) -> StepRecord {
        StepRecord {
            load,
            passed: false,
            reasons: vec![why.to_owned()],
            repeated: false,
            window: None,
        }
    }
}

impl Dimension {
    /// A search's result at `at`, before the report fills in its ratio and bounds.
    pub fn new(at: f64, outcome: Outcome, steps: Vec<StepRecord>) -> Dimension {
        Dimension {
            at,
            capacity: outcome.capacity,
            first_failure: outcome.first_failure,
            stopped: outcome.stopped,
            ratio: None,
            ratio_is: RatioKind::Exact,
            agent_ceiling: None,
            agent_bound: false,
            steps,
            handshake_check: None,
        }
    }

    /// Attaches the paired handshake check of a full-handshake variant, if one ran.
    pub fn with_handshake_check(mut self, check: Option<super::paired::PairedCheck>) -> Dimension {
        self.handshake_check = check;
        self
    }

    /// Records the agents' ceiling of a call-rate search, and whether the search ran into it.
    pub fn with_agent_ceiling(mut self, ceiling: Option<AgentCeiling>) -> Dimension {
        self.agent_bound = match (ceiling, self.first_failure) {
            (Some(c), Some(failed)) => self.capacity.is_some() && c.stopped(failed),
            _ => false,
        };
        self.agent_ceiling = ceiling;
        self
    }

    /// The system may take more than the capacity found: the search reached its maximum, or
    /// the agents' ceiling.
    pub fn lower_bound(&self) -> bool {
        self.capacity.is_some() && (self.stopped == Stop::ReachedMax || self.agent_bound)
    }

    /// `1520`, `≥ 3200` (reached the maximum), `≥ 2400 (agents)` (reached the agents'
    /// ceiling), `< 50` (failed at the start).
    pub(super) fn shown(&self, unit: &str) -> String {
        match (self.capacity, self.stopped) {
            (Some(c), _) if self.agent_bound => format!("≥ {c:.0}{unit} (agents)"),
            (Some(c), Stop::ReachedMax) => format!("≥ {c:.0}{unit}"),
            (Some(c), _) => format!("{c:.0}{unit}"),
            (None, _) => match self.first_failure {
                // Rounded up: `< 13` for 12.5 still holds, `< 12` would claim more.
                Some(f) => format!("< {:.0}{unit}", f.ceil()),
                None => "not measured".to_owned(),
            },
        }
    }
}

impl CapacityReport {
    /// The report of a run: fills in the ratios to each deployment's baseline and the findings.
    pub fn new(
        loaded: &LoadedScenario,
        started_at: SystemTime,
        elapsed: Duration,
        mut rows: Vec<Row>,
        raw_handshakes: Vec<super::raw::RawHandshakes>,
    ) -> CapacityReport {
        fill_ratios(&mut rows);
        let mut report = CapacityReport {
            report_version: harness::report::schema::REPORT_VERSION,
            crmsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            file: loaded.path.display().to_string(),
            scenario: loaded.name.clone(),
            overrides: loaded.overrides.clone(),
            started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
            duration_s: elapsed.as_secs_f64(),
            cores: harness::runner::cost::cores(),
            cpu_seconds: harness::runner::cost::cpu_seconds(),
            peak_rss_mib: harness::runner::cost::peak_rss_mib(),
            raw_handshakes,
            rows,
            findings: Vec::new(),
            limits: super::html::Limits::of(&loaded.scenario.thresholds),
        };
        report.findings = super::findings::analyse(&report);
        report
    }

    /// What the run took: wall time, cores, and the process's own CPU time and peak memory
    /// where they could be read (a sizing run on a shared machine should say what it cost it).
    pub(super) fn cost(&self) -> String {
        let mut out = format!("{:.0} s on {} cores", self.duration_s, self.cores);
        if let Some(cpu) = self.cpu_seconds {
            let _ = write!(out, ", {cpu:.0} CPU s");
        }
        if let Some(rss) = self.peak_rss_mib {
            let _ = write!(out, ", {rss:.0} MiB at peak");
        }
        out
    }

    /// The table as plain text for a terminal.
    pub fn render_table(&self) -> String {
        let mut out = format!("crmsim capacity — {} ({})\n", self.scenario, self.cost());
        if !self.overrides.is_empty() {
            let _ = writeln!(out, "set: {}", self.overrides.join(", "));
        }
        let header = self.header();
        let rows = self.cells();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(header[i].chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(out, "{}", line(&header));
        let _ = writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        );
        for r in &rows {
            let _ = writeln!(out, "{}", line(r));
        }
        for finding in &self.findings {
            let _ = writeln!(out, "{}", finding.text);
        }
        out
    }

    /// The table as Markdown.
    pub fn render_markdown(&self) -> String {
        let header = self.header();
        let mut out = format!(
            "# crmsim capacity: {}\n\n{}, {}, crmsim {}.\n\n",
            self.scenario,
            self.started_at,
            self.cost(),
            self.crmsim_version
        );
        if !self.overrides.is_empty() {
            let _ = writeln!(
                out,
                "Set over the file: `{}`.\n",
                self.overrides.join("`, `")
            );
        }
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(
            out,
            "|{}|",
            header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
        );
        for r in self.cells() {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        out.push_str("\nRatios are to the first variant of the same deployment. A capacity is the highest load at which every threshold held for the whole measured window; `≥` marks a lower bound (the search reached its maximum, or the agents' ceiling), `<` an upper one (even the search's lowest load failed), and a ratio with either is a bound too.\n");
        for finding in &self.findings {
            let _ = writeln!(out, "\n- {}", finding.text);
        }
        out
    }

    pub(super) fn header(&self) -> Vec<String> {
        let rate_at = self
            .rows
            .iter()
            .find_map(|r| r.call_rate.as_ref().map(|d| d.at));
        let agents_at = self
            .rows
            .iter()
            .find_map(|r| r.agents.as_ref().map(|d| d.at));
        let mut h = vec!["deployment".to_owned(), "variant".to_owned()];
        if let Some(at) = rate_at {
            h.push(format!("max calls/s @ {at:.0} agents"));
            h.push("vs baseline".to_owned());
        }
        if let Some(at) = agents_at {
            h.push(format!("max agents @ {at} calls/s"));
            h.push("vs baseline".to_owned());
        }
        h
    }

    pub(super) fn cells(&self) -> Vec<Vec<String>> {
        let ratio = |d: &Dimension| match (d.ratio, d.ratio_is) {
            (None, _) => "—".to_owned(),
            (Some(_), RatioKind::Unknown) => "— (both ≥)".to_owned(),
            (Some(r), RatioKind::AtLeast) => format!("≥ {r:.2}"),
            (Some(r), RatioKind::AtMost) => format!("≤ {r:.2}"),
            (Some(r), RatioKind::Exact) => format!("{r:.2}"),
        };
        let has_rate = self.rows.iter().any(|r| r.call_rate.is_some());
        let has_agents = self.rows.iter().any(|r| r.agents.is_some());
        self.rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.deployment.clone(), r.variant.name.clone()];
                for (present, dim) in [(has_rate, &r.call_rate), (has_agents, &r.agents)] {
                    if present {
                        match dim {
                            Some(d) => {
                                cells.push(d.shown(""));
                                cells.push(ratio(d));
                            }
                            None => cells.extend(["—".to_owned(), "—".to_owned()]),
                        }
                    }
                }
                cells
            })
            .collect()
    }
}

/// Each dimension's capacity relative to the first variant of its deployment.
fn fill_ratios(rows: &mut [Row]) {
    // Per row: its deployment, and each dimension's capacity and whether it is a lower bound.
    type Found = Option<(f64, bool)>;
    let found = |d: &Option<Dimension>| -> Found {
        d.as_ref()
            .and_then(|d| d.capacity.map(|c| (c, d.lower_bound())))
    };
    let baselines: Vec<(String, Found, Found)> = rows
        .iter()
        .map(|r| (r.deployment.clone(), found(&r.call_rate), found(&r.agents)))
        .collect();
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(b) = baselines.iter().position(|(d, _, _)| *d == row.deployment) else {
            continue;
        };
        let (_, rate, agents) = &baselines[b];
        for (dim, base) in [(&mut row.call_rate, rate), (&mut row.agents, agents)] {
            let (Some(d), Some((base, base_bound))) = (dim, base) else {
                continue;
            };
            if *base <= 0.0 {
                continue;
            }
            // A search that failed even at its floor (`< f`) is below f: its ratio is below
            // f / base, and more so when the baseline is itself a lower bound.
            let (capacity, below) = match (d.capacity, d.first_failure) {
                (Some(c), _) => (c, false),
                (None, Some(f)) if i != b => (f, true),
                _ => continue,
            };
            d.ratio = Some(capacity / base);
            // The baseline against itself is 1, whatever its bound.
            d.ratio_is = if below {
                RatioKind::AtMost
            } else {
                match (i != b && d.lower_bound(), i != b && *base_bound) {
                    (false, false) => RatioKind::Exact,
                    (true, false) => RatioKind::AtLeast,
                    (false, true) => RatioKind::AtMost,
                    (true, true) => RatioKind::Unknown,
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::findings::Section;
    use super::*;

    fn step(load: f64, passed: bool, cpu_s: f64) -> StepRecord {
        StepRecord {
            load,
            passed,
            reasons: Vec::new(),
            repeated: false,
            window: Some(Window {
                rate: load,
                duration_s: 5.0,
                achieved_rate: load,
                offered: (load * 5.0) as u64,
                completed: (load * 5.0) as u64,
                lost: 0,
                failures: 0,
                messages: 0,
                error_rate: 0.0,
                late_arrivals: 0,
                request_p99_ms: None,
                event_p99_ms: None,
                full_handshakes_per_s: 0.0,
                resumed_handshakes_per_s: 0.0,
                cpu: harness::outcome::CpuUse {
                    wall_s: 5.0,
                    cpu_s: Some(cpu_s),
                    utilisation: None,
                },
            }),
        }
    }

    fn row(variant: &str, tls: bool, steps: Vec<StepRecord>) -> Row {
        Row {
            deployment: "direct".to_owned(),
            variant: Variant {
                name: variant.to_owned(),
                tls,
                requests: transport::ConnectionMode::KeepAlive,
                events: transport::ConnectionMode::KeepAlive,
                key: None,
            },
            call_rate: Some(Dimension::new(3000.0, outcome(None, None), steps)),
            agents: None,
        }
    }

    fn outcome(capacity: Option<f64>, first_failure: Option<f64>) -> Outcome {
        Outcome {
            capacity,
            first_failure,
            steps: Vec::new(),
            stopped: Stop::Precise,
        }
    }

    /// A report of `rows`, on 2 cores, with no raw rate.
    fn report(rows: Vec<Row>) -> CapacityReport {
        let mut report = CapacityReport {
            report_version: harness::report::schema::REPORT_VERSION,
            crmsim_version: String::new(),
            file: String::new(),
            scenario: String::new(),
            overrides: Vec::new(),
            started_at: String::new(),
            duration_s: 0.0,
            cores: 2,
            cpu_seconds: None,
            peak_rss_mib: None,
            raw_handshakes: Vec::new(),
            rows,
            findings: Vec::new(),
            limits: super::super::html::Limits::default(),
        };
        report.findings = super::super::findings::analyse(&report);
        report
    }

    /// The sentences of the findings shown under one heading.
    fn texts(report: &CapacityReport, section: Section) -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.figures.section() == section)
            .map(|f| f.text.clone())
            .collect()
    }

    /// CPU per call is compared at the highest rate both variants passed, not at each one's
    /// capacity (fixed costs spread over more calls at a higher rate).
    #[test]
    fn cpu_per_call_is_compared_at_the_highest_rate_both_passed() {
        let report = report(vec![
            // 200 calls/s × 5 s = 1,000 calls for 1 CPU s: 1 ms a call.
            row(
                "plain",
                false,
                vec![
                    step(100.0, true, 1.0),
                    step(200.0, true, 1.0),
                    step(400.0, false, 2.0),
                ],
            ),
            row(
                "ssl keep-alive",
                true,
                vec![
                    step(100.0, true, 1.15),
                    step(200.0, true, 1.25),
                    step(400.0, true, 2.0),
                ],
            ),
        ]);
        let notes = texts(&report, Section::Cpu);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("at 200 calls/s 1.25 ms against plain 1.00 ms (1.25×)"),
            "{notes:?}"
        );
        // 1.15× at 100 calls/s, 1.25× at 200: the median of two is their mean.
        assert!(
            notes[0].contains(
                "over the 2 rates both passed (100–200 calls/s) median 1.20× (1.15–1.25×)"
            ),
            "{notes:?}"
        );
        assert!(report.render_table().contains("(1.25×)"));
        assert!(
            report
                .render_html()
                .contains("CPU per call against the baseline")
        );
    }

    /// The paired check is told round by round, with its median and how busy the cores were;
    /// it is told even when no raw rate was measured before and after the searches.
    #[test]
    fn the_paired_check_is_told_with_each_round_and_the_median() {
        use super::super::paired::{PairedCheck, PairedRound};
        let round = |deployment: f64, busy: f64| PairedRound {
            raw_before_per_s: 1000.0,
            full_handshakes_per_s: deployment,
            raw_after_per_s: 1000.0,
            tcp_before_per_s: Some(950.0),
            tcp_after_per_s: Some(850.0),
            utilisation: Some(busy),
            settled: true,
        };
        let mut full = row("ssl full handshake", true, Vec::new());
        full.call_rate = full.call_rate.map(|d| {
            d.with_handshake_check(Some(PairedCheck::new(
                75.0,
                vec![round(760.0, 0.97), round(820.0, 0.99), round(790.0, 0.98)],
            )))
        });
        let report = report(vec![full]);
        let notes = texts(&report, Section::Handshakes);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0]
                .contains("3 rounds at 75 calls/s, cores 97–99% busy: 76%, 82%, 79% (median 79%)"),
            "{notes:?}"
        );
        assert!(
            notes[0].contains("over loopback TCP measured with them: 84%, 91%, 88% (median 88%)"),
            "{notes:?}"
        );
        assert!(report.render_markdown().contains("(median 79%)"));
        // The JSON carries the figures, not only the sentence.
        let json = serde_json::to_value(&report).unwrap();
        let paired = &json["findings"][0];
        assert_eq!(paired["figures"]["kind"], "paired-handshakes", "{paired}");
        assert_eq!(paired["figures"]["rounds"], 3);
        assert!((paired["figures"]["median_ratio"].as_f64().unwrap() - 0.79).abs() < 1e-9);
        assert_eq!(paired["text"].as_str().unwrap(), notes[0]);
    }

    /// A call-rate search found `capacity`, failing first at `failed`, with 3,000 agents that
    /// take about 2,308 calls/s.
    fn searched(name: &str, capacity: f64, failed: f64) -> Row {
        let ceiling = AgentCeiling {
            agents: 3000,
            hold_s: 1.3,
            calls_per_s: 3000.0 / 1.3,
        };
        let outcome = outcome(Some(capacity), Some(failed));
        let mut row = row(name, true, Vec::new());
        row.call_rate =
            Some(Dimension::new(3000.0, outcome, Vec::new()).with_agent_ceiling(Some(ceiling)));
        row
    }

    /// A variant that failed even at its search's floor is `< floor`, and its ratio a bound.
    #[test]
    fn a_search_that_failed_at_its_floor_has_an_at_most_ratio() {
        let failed_at = |name: &str, capacity: Option<f64>, failed: f64| {
            let mut row = row(name, true, Vec::new());
            row.call_rate = Some(Dimension::new(
                3000.0,
                outcome(capacity, Some(failed)),
                Vec::new(),
            ));
            row
        };
        let mut rows = vec![
            failed_at("plain", Some(1500.0), 1600.0),
            failed_at("ssl full handshake", None, 12.5),
        ];
        fill_ratios(&mut rows);
        let cells = report(rows).cells();
        assert_eq!(cells[1][2..], ["< 13", "≤ 0.01"], "{cells:?}");
        // A baseline that failed at its floor has no ratio to give.
        let mut rows = vec![
            failed_at("plain", None, 12.5),
            failed_at("ssl full handshake", None, 12.5),
        ];
        fill_ratios(&mut rows);
        let cells = report(rows).cells();
        assert_eq!(cells[1][2..], ["< 13", "—"], "{cells:?}");
    }

    /// Plain and keep-alive both stopped where 3,000 agents run out: the table must not read
    /// that as "SSL costs nothing", nor as a system limit.
    #[test]
    fn a_search_stopped_by_the_agents_is_a_lower_bound_and_so_are_its_ratios() {
        let mut rows = vec![
            searched("plain", 2400.0, 2600.0),
            searched("ssl keep-alive", 2400.0, 2600.0),
            searched("ssl full handshake", 225.0, 237.5),
        ];
        fill_ratios(&mut rows);
        let report = report(rows);
        let cells = report.cells();
        assert_eq!(cells[0][2..], ["≥ 2400 (agents)", "1.00"], "{cells:?}");
        assert_eq!(
            cells[1][2..],
            ["≥ 2400 (agents)", "— (both ≥)"],
            "{cells:?}"
        );
        assert_eq!(cells[2][2..], ["225", "≤ 0.09"], "{cells:?}");
        let notes = texts(&report, Section::Ceilings);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("3000 agents take about 2308 calls/s")
                && notes[0].contains("failed first at 2600 calls/s"),
            "{notes:?}"
        );
        assert!(report.render_table().contains("ran into the agents"));
        assert!(report.render_html().contains("Searches the agents stopped"));
        // A failure well below the ceiling is the system's.
        assert!(
            !report.rows[2]
                .call_rate
                .as_ref()
                .is_some_and(|d| d.agent_bound)
        );
    }

    /// The run's own cost heads every rendering; what could not be read is left out, not shown
    /// as zero.
    #[test]
    fn every_rendering_says_what_the_run_cost_the_machine() {
        let mut report = report(Vec::new());
        report.duration_s = 478.4;
        report.cpu_seconds = Some(612.3);
        report.peak_rss_mib = Some(238.2);
        let cost = "478 s on 2 cores, 612 CPU s, 238 MiB at peak";
        assert!(
            report
                .render_table()
                .starts_with(&format!("crmsim capacity —  ({cost})"))
        );
        assert!(report.render_markdown().contains(cost));
        assert!(report.render_html().contains(cost));
        report.cpu_seconds = None;
        report.peak_rss_mib = None;
        assert!(report.render_table().contains("(478 s on 2 cores)\n"));
    }
}
