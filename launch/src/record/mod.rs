//! `crmsim record`: the recorder between a real SAP CRM and a real connector, from the
//! customer's folders to the capture file and its summary.
//!
//! The relay itself is the `recorder` crate; this module reads what the integrator gives (the
//! connector's folder, the SAP side's folder, the peers' URLs), builds each hop's TLS as the
//! real peers would see it, runs until stopped, and says what was recorded and what the file
//! misses.

mod material;
mod summary;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use capture::{CaptureWriter, Header, Hop, Redactor};
use recorder::{HopTap, Relay, RelaySpec, Side};
use transport::{ClientOptions, ClientTls, ConnectionMode, ServerLimits};

pub use material::Material;
pub use summary::{HopSummary, RecordReport};

/// One hop to record: where the sending peer connects, and the receiving peer.
#[derive(Debug, Clone)]
pub struct HopPlan {
    /// Which hop: requests (SAP CRM → connector) or events (connector → SAP CRM).
    pub hop: Hop,
    /// Where the recorder listens for the sending peer.
    pub listen: SocketAddr,
    /// `https://host:port` or `http://host:port`.
    pub upstream: String,
}

/// Called once every hop listens, with each hop's address.
pub type OnListening = Box<dyn Fn(&[(Hop, SocketAddr)]) + Send>;

/// Everything `crmsim record` was told.
pub struct RecordPlan {
    /// The hops to record: one or both.
    pub hops: Vec<HopPlan>,
    /// The certificates presented to each peer (from `--connector-dir` and `--crm-dir`); `None`
    /// for plain HTTP.
    pub material: Option<Material>,
    /// Host names dialled at these addresses (TLS still verifies the name).
    pub resolve: Vec<(String, IpAddr)>,
    /// The capture file to write (JSON Lines, one HTTP message per line).
    pub out: PathBuf,
    /// Also write the capture as HAR here when the recording stops (`--har`).
    pub har: Option<PathBuf>,
    /// Mask secrets (login passwords, `Authorization` …) in the capture; off with `--no-redact`.
    pub redact: bool,
    /// The dialect the peers speak: names the operations in the summary and the secrets to mask.
    pub dialect: Arc<ici::Dialect>,
    /// Stop after this long; `None`: at Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// Said when the relays listen (the start line).
    pub on_listening: OnListening,
}

/// What went wrong before or while recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Flags, folders or files (exit 2).
    #[error("{0}")]
    Input(String),
    /// A port could not be bound, the capture not created (exit 3).
    #[error("{0}")]
    Start(String),
}

/// Records until the duration, Ctrl-C or SIGTERM; returns what was recorded.
pub async fn record(plan: RecordPlan) -> Result<RecordReport, RecordError> {
    let redactor = if plan.redact {
        Redactor::new(plan.dialect.secret_names(), &plan.dialect.login_carriers())
    } else {
        Redactor::off()
    };
    let notes = plan
        .hops
        .iter()
        .map(|h| format!("{}: {} → {}", h.hop.as_str(), h.listen, h.upstream))
        .collect();
    let header = Header::new(
        "crmsim record",
        env!("CARGO_PKG_VERSION"),
        plan.redact,
        notes,
    );
    let writer = Arc::new(
        CaptureWriter::create(&plan.out, &header).map_err(|e| RecordError::Start(e.to_string()))?,
    );
    let mut stopper = crate::serve::stop::Stopper::install(plan.duration)
        .map_err(|e| RecordError::Start(format!("cannot install signal handlers: {e}")))?;
    let mut relays = Vec::new();
    let mut taps = Vec::new();
    for hop in &plan.hops {
        let (server_tls, client_tls) = match &plan.material {
            Some(m) => {
                let (s, c) = m.for_hop(hop.hop).map_err(RecordError::Input)?;
                (Some(s), Some(c))
            }
            None => (None, None),
        };
        let tap = Arc::new(HopTap::new(
            hop.hop,
            Side::Server,
            writer.clone(),
            redactor.clone(),
            plan.dialect.clone(),
        ));
        let spec = RelaySpec {
            hop: hop.hop,
            listen: hop.listen,
            server_tls,
            upstream: hop.upstream.clone(),
            client: client_options(hop, client_tls, &plan.resolve),
            limits: ServerLimits::default(),
        };
        let relay = Relay::start(spec, tap.clone()).await.map_err(|e| {
            RecordError::Start(format!("{} hop on {}: {e}", hop.hop.as_str(), hop.listen))
        })?;
        relays.push(relay);
        taps.push(tap);
    }
    let listening: Vec<(Hop, SocketAddr)> = plan
        .hops
        .iter()
        .zip(&relays)
        .map(|(h, r)| (h.hop, r.local_addr()))
        .collect();
    (plan.on_listening)(&listening);
    let stopped_by = stopper.wait().await;
    let mut hops = Vec::new();
    for (relay, tap) in relays.into_iter().zip(taps) {
        let relay = relay.stop(Duration::from_secs(5)).await;
        hops.push(HopSummary::new(relay, &tap.tally()));
    }
    let writer_stats = writer.finish();
    let har = match &plan.har {
        Some(path) => Some(write_har(&plan.out, path, &plan.hops).map_err(RecordError::Start)?),
        None => None,
    };
    Ok(RecordReport {
        capture: plan.out.display().to_string(),
        har,
        redacted: plan.redact,
        stopped_by,
        hops,
        writer: writer_stats,
    })
}

fn client_options(
    hop: &HopPlan,
    tls: Option<ClientTls>,
    resolve: &[(String, IpAddr)],
) -> ClientOptions {
    let name = match hop.hop {
        Hop::Requests => "record → connector",
        Hop::Events => "record → crm",
    };
    // The peers decide how they use connections; towards the receiving peer the recorder keeps
    // one pool and resumes sessions, so it adds as few handshakes as it can.
    let mut options = ClientOptions::new(name, tls, ConnectionMode::KeepAlive);
    options.resolve = resolve
        .iter()
        .map(|(host, ip)| (host.clone(), SocketAddr::new(*ip, 0)))
        .collect();
    options.request_timeout = Duration::from_secs(60);
    options.max_connections = 1024;
    options
}

/// The capture as HAR next to it; the entries' URLs name each hop's receiving peer.
fn write_har(capture: &Path, har: &Path, hops: &[HopPlan]) -> Result<String, String> {
    let read = capture::Capture::read(capture).map_err(|e| e.to_string())?;
    let base = |hop: Hop| {
        hops.iter()
            .find(|h| h.hop == hop)
            .map(|h| h.upstream.trim_end_matches('/').to_owned())
            .unwrap_or_default()
    };
    let document = capture::har::to_har(&read, &base);
    let text = serde_json::to_string_pretty(&document)
        .map_err(|e| format!("cannot serialise the HAR: {e}"))?;
    harness::report::write_file(har, &(text + "\n"))
        .map_err(|e| format!("cannot write the HAR to {}: {e}", har.display()))?;
    Ok(har.display().to_string())
}
