//! What a replay found: per agent, every answer and event that differed from the recording,
//! every event that never came, every request that got no answer; and the live events the
//! recording did not have (noted, not judged: how many calls a connector offers depends on
//! its calls, not on its release).

use std::fmt::Write as _;

use serde::Serialize;

use crate::compare::Difference;

/// What was wrong with one step.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// The answer or event differs from the recording.
    Different {
        /// Every difference found, each with its path.
        differences: Vec<Difference>,
    },
    /// The recorded event did not come within the wait.
    Missing {
        /// The wait, in seconds: the replay's event timeout.
        waited_s: f64,
    },
    /// The request got no answer.
    Failed {
        /// Why: no connection, a TLS failure, a timeout, a broken exchange or an HTTP status that
        /// is no SOAP answer.
        error: String,
    },
}

/// One judged step that did not go as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Where the recorded message is (`file:line`).
    pub place: String,
    /// `call.answer` (its answer) or `event.callChanged`.
    pub what: String,
    /// What went wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

/// How one agent's track went: one JUnit test case.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrackOutcome {
    /// The agent's user (`system` for requests without one).
    pub agent: String,
    /// Requests sent, judged or not.
    pub requests: usize,
    /// Recorded events waited for, judged or not.
    pub events: usize,
    /// How long the agent's steps took to play, pacing included (JUnit's test case time).
    pub duration_s: f64,
    /// Steps that matched the recording.
    pub same: usize,
    /// Judged steps that differed, never came or got no answer.
    pub findings: Vec<Finding>,
    /// Live events with no recorded counterpart: `operation (call id)`.
    pub extra_events: Vec<String>,
    /// The connector offered this agent a call the recording did not have, before this step
    /// (`file:line`): from there on the agent is in a state the recording never was, so its
    /// remaining steps are played but not judged (calls are the contact center's input, not
    /// the connector's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diverged_at: Option<String>,
    /// Steps played after the divergence, not judged.
    pub unjudged: usize,
}

/// What the whole replay found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// The connector URL as given (`--against`).
    pub against: String,
    /// One per agent whose task finished, in agent order (`system` first).
    pub tracks: Vec<TrackOutcome>,
    /// Recorded messages the dialect could not read (not played).
    pub unreadable: Vec<String>,
    /// How long the whole replay took, in seconds.
    pub duration_s: f64,
}

impl Outcome {
    /// Whether no judged step had a finding: the replay's pass (exit code 0).
    pub fn same(&self) -> bool {
        self.tracks.iter().all(|t| t.findings.is_empty())
    }

    /// How many findings all agents have together.
    pub fn findings(&self) -> usize {
        self.tracks.iter().map(|t| t.findings.len()).sum()
    }

    /// The text for the terminal: a summary line, the diverged agents, then every finding.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let steps: usize = self.tracks.iter().map(|t| t.requests + t.events).sum();
        let same: usize = self.tracks.iter().map(|t| t.same).sum();
        let extras: usize = self.tracks.iter().map(|t| t.extra_events.len()).sum();
        let unjudged: usize = self.tracks.iter().map(|t| t.unjudged).sum();
        let diverged = self
            .tracks
            .iter()
            .filter(|t| t.diverged_at.is_some())
            .count();
        let _ = writeln!(
            out,
            "crmsim replay against {}: {} in {:.1}s: {same} of {} judged answers and events as recorded, {} differ or are missing; {extras} live events the recording did not have (not judged)",
            self.against,
            if self.same() { "SAME" } else { "DIFFERENT" },
            self.duration_s,
            steps - unjudged,
            self.findings()
        );
        if diverged > 0 {
            let _ = writeln!(
                out,
                "  {diverged} agents were offered calls the recording did not have; their {unjudged} later steps were played but not judged:"
            );
            for t in self.tracks.iter().filter(|t| t.diverged_at.is_some()) {
                let _ = writeln!(
                    out,
                    "    {} from {}",
                    t.agent,
                    t.diverged_at.as_deref().unwrap_or_default()
                );
            }
        }
        for t in &self.tracks {
            for f in &t.findings {
                match &f.problem {
                    Problem::Different { differences } => {
                        for d in differences {
                            let _ = writeln!(out, "  {} {} ({}): {d}", t.agent, f.what, f.place);
                        }
                    }
                    Problem::Missing { waited_s } => {
                        let _ = writeln!(
                            out,
                            "  {} {} ({}): never came (waited {waited_s:.1}s)",
                            t.agent, f.what, f.place
                        );
                    }
                    Problem::Failed { error } => {
                        let _ = writeln!(
                            out,
                            "  {} {} ({}): no answer: {error}",
                            t.agent, f.what, f.place
                        );
                    }
                }
            }
        }
        if !self.unreadable.is_empty() {
            let _ = writeln!(
                out,
                "  {} recorded messages were not played: the dialect does not read them (first: {})",
                self.unreadable.len(),
                self.unreadable[0]
            );
        }
        out
    }

    /// JUnit XML: one test case per agent.
    pub fn junit(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let failures = self
            .tracks
            .iter()
            .filter(|t| !t.findings.is_empty())
            .count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuite name=\"crmsim replay\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">",
            self.tracks.len(),
            self.duration_s
        );
        for t in &self.tracks {
            let _ = write!(
                out,
                "  <testcase classname=\"replay\" name=\"{}\" time=\"{:.3}\"",
                esc(&t.agent),
                t.duration_s
            );
            if t.findings.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let mut text = String::new();
            for f in &t.findings {
                let _ = writeln!(
                    text,
                    "{} ({}): {}",
                    f.what,
                    f.place,
                    match &f.problem {
                        Problem::Different { differences } => differences
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                        Problem::Missing { waited_s } =>
                            format!("never came (waited {waited_s:.1}s)"),
                        Problem::Failed { error } => format!("no answer: {error}"),
                    }
                );
            }
            let _ = writeln!(
                out,
                "    <failure message=\"{} differences from the recording\">{}</failure>\n  </testcase>",
                t.findings.len(),
                esc(&text)
            );
        }
        out.push_str("</testsuite>\n");
        out
    }
}
