//! Discovery mode (`serve connector|crm --record FILE`): a simulator facing a real peer alone
//! writes everything both hops carry to a capture, in the format `crmsim record` writes, and
//! lists every operation the peer used, known to the dialect or not, so that nothing it sent
//! goes unnoticed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use capture::tally::Seen;
use capture::{CaptureWriter, Header, Hop, Redactor, WriterStats};
use recorder::{HopTap, Side};
use serde::Serialize;

use super::ServeError;

/// What `--record`, `--no-redact` and `--unknown` asked for.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryOptions {
    /// `--record`: the capture file to write; no recording without it.
    pub record: Option<PathBuf>,
    /// Mask secrets (login passwords, `Authorization` …) in the capture; off with `--no-redact`.
    pub redact: bool,
    /// `--unknown`: how a message the dialect does not know is answered (a SOAP fault or an
    /// empty body).
    pub unknown: ici::UnknownAnswer,
}

/// A recording in progress: the capture and the tap of each hop.
pub struct Discovery {
    writer: Arc<CaptureWriter>,
    /// Tap on the requests hop (CRM → connector).
    pub requests: Arc<HopTap>,
    /// Tap on the events hop (connector → CRM).
    pub events: Arc<HopTap>,
}

/// What the recording holds, for the summary and the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryReport {
    /// The capture file's path.
    pub capture: String,
    /// Whether secrets were masked in the capture.
    pub redacted: bool,
    /// What reached the file, and what was dropped or lost to write errors.
    pub writer: WriterStats,
    /// Every operation seen on either hop, with counts; `known` is null for those the dialect
    /// did not know.
    pub operations: Vec<Seen>,
}

impl Discovery {
    /// Creates the capture; `component` is `connector` or `crm`, the side this process plays.
    pub fn start(
        options: &DiscoveryOptions,
        component: &str,
        dialect: &Arc<ici::Dialect>,
    ) -> Result<Option<Discovery>, ServeError> {
        let Some(path) = &options.record else {
            return Ok(None);
        };
        let header = Header::new(
            &format!("crmsim serve {component}"),
            env!("CARGO_PKG_VERSION"),
            options.redact,
            vec![format!(
                "discovery: crmsim plays the {component}, facing a real peer; dialect {}",
                dialect.name()
            )],
        );
        let writer = Arc::new(
            CaptureWriter::create(path, &header).map_err(|e| ServeError::Start(e.to_string()))?,
        );
        let redactor = if options.redact {
            Redactor::new(dialect.secret_names(), &dialect.login_carriers())
        } else {
            Redactor::off()
        };
        // The connector receives requests and sends events; the CRM the other way round.
        let (requests_side, events_side) = match component {
            "connector" => (Side::Server, Side::Client),
            _ => (Side::Client, Side::Server),
        };
        let tap = |hop, side| {
            Arc::new(HopTap::new(
                hop,
                side,
                writer.clone(),
                redactor.clone(),
                dialect.clone(),
            ))
        };
        Ok(Some(Discovery {
            requests: tap(Hop::Requests, requests_side),
            events: tap(Hop::Events, events_side),
            writer,
        }))
    }

    /// Closes the capture and says what it holds.
    pub fn finish(&self, redacted: bool) -> DiscoveryReport {
        let writer = self.writer.finish();
        let mut operations = self.requests.tally().all();
        operations.extend(self.events.tally().all());
        DiscoveryReport {
            capture: self.writer.path().display().to_string(),
            redacted,
            writer,
            operations,
        }
    }
}

impl DiscoveryReport {
    /// The summary lines printed after the component's own.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  recorded {} messages to {}{}",
            self.writer.written,
            self.capture,
            if self.redacted {
                " (secrets masked)"
            } else {
                " (NOT redacted)"
            }
        );
        if self.writer.missing() > 0 {
            let _ = writeln!(
                out,
                "  INCOMPLETE the capture misses {} messages ({} dropped, {} lost to write errors)",
                self.writer.missing(),
                self.writer.dropped_queue_full,
                self.writer.write_errors
            );
        }
        let unknown = self.operations.iter().filter(|o| o.known.is_none()).count();
        let _ = writeln!(
            out,
            "  operations seen: {} ({unknown} unknown to the dialect)",
            self.operations.len()
        );
        for op in &self.operations {
            let _ = writeln!(
                out,
                "    {:>7} × {:<8} {}: {} at {}{}",
                op.count,
                op.key.hop.as_str(),
                op.known.as_deref().unwrap_or("UNKNOWN"),
                if op.key.element.is_empty() {
                    "(no SOAP body element)"
                } else {
                    &op.key.element
                },
                op.key.path,
                if op.key.action.is_empty() {
                    String::new()
                } else {
                    format!(", action {}", op.key.action)
                }
            );
        }
        out
    }
}

/// Closes the recording (if any), prints the component's summary and what was recorded, and
/// writes the report with the recording beside it.
pub fn finish<R: Serialize>(
    recording: Option<Discovery>,
    options: &DiscoveryOptions,
    report: &R,
    summary: &str,
    json: Option<&std::path::Path>,
) -> Result<(), ServeError> {
    let recorded = recording.map(|r| r.finish(options.redact));
    print!("{summary}");
    if let Some(r) = &recorded {
        print!("{}", r.render());
    }
    super::write_json(
        &WithRecording {
            report,
            recording: recorded,
        },
        json,
    )
}

/// A component's report with the recording beside it.
#[derive(Serialize)]
pub struct WithRecording<'a, R: Serialize> {
    /// The component's own report, its keys at the top level.
    #[serde(flatten)]
    pub report: &'a R,
    /// What the recording holds, when `--record` asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<DiscoveryReport>,
}
