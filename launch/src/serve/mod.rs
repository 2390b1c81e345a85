//! `crmsim serve crm|connector --config FILE`: one simulator alone, in its own process, facing a
//! real peer (a customer's SAP CRM or CRMConnectorSAP) or the other simulator in another process.
//!
//! A serve config is the component's value in the deployment plan (`plan`): the in-process
//! topology starts each component from the same typed value, through the same function
//! ([`plan::CrmFile::start`], [`plan::ConnectorFile::start`]), so what `crmsim run` and `serve`
//! make of a file cannot differ. What serve adds is reading and checking the file (with
//! `file:line:col` errors) and loading what it names: TLS material through the same folder
//! readers as `crmsim run` (`certs::folder`), or from PEM files, and dialect files.
//!
//! - [`config`]: what both config files share (loading with `file:line:col` errors, paths
//!   relative to the config file, `[tls]`, host overrides);
//! - [`connector_config`] / [`crm_config`]: each component's config file, documented key by key
//!   (commented examples: `examples/serve-connector.toml`, `examples/serve-crm.toml`);
//! - `tls`: the TLS material from a folder or from files, and how to describe it in one line;
//! - `stop`: duration, Ctrl-C and SIGTERM;
//! - [`proxy_config`] / `proxy`: `serve proxy`, crmsim's layer-4 proxy alone (commented example:
//!   `examples/serve-proxy.toml`);
//! - `connector` / `crm`: running one component from start line to final report;
//! - `summary`: the short human account printed at the end;
//! - `timing`: the report's seconds in wall-clock time and the CRM's steady phase, which
//!   `crmsim run --processes` reads.

pub mod config;
mod connector;
pub mod connector_config;
mod crm;
pub mod crm_config;
pub mod discovery;
pub mod proxy;
pub mod proxy_config;
pub(crate) mod stop;
mod summary;
pub mod timing;
mod tls;

use std::path::Path;
use std::time::Duration;

pub use connector::run as run_connector;
pub use crm::run as run_crm;
pub use proxy::{ProxyReport, run as run_proxy};
pub use stop::StopReason;

use harness::exit;
use scenario::ScenarioError;

/// How long a stopping component gives requests and events in flight to finish.
const GRACE: Duration = Duration::from_secs(5);

/// Why `serve` did not end cleanly, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The config file or a file it names is wrong (exit 2); located where possible.
    #[error("{0}")]
    Config(#[from] ScenarioError),
    /// The component could not start: address in use, no permission, no runtime (exit 3).
    #[error("{0}")]
    Start(String),
    /// The report could not be written (exit 3).
    #[error("{0}")]
    Output(String),
}

impl ServeError {
    /// The documented exit code (see [`harness::exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::Config(_) => exit::BAD_INPUT,
            ServeError::Start(_) | ServeError::Output(_) => exit::CANNOT_RUN,
        }
    }
}

/// When this process started, milliseconds since the Unix epoch: `{started}` in a `--json`
/// path. A container that is stopped and started again runs the same command line; without a
/// per-start name its second report would overwrite the first.
static STARTED_UNIX_MS: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
});

/// Marks this moment as the process's start for `{started}` (call first thing).
pub fn mark_start() {
    std::sync::LazyLock::force(&STARTED_UNIX_MS);
}

/// The `--json` path with `{started}` replaced by the process's start time (Unix ms).
pub fn json_path(path: &Path) -> std::path::PathBuf {
    let text = path.to_string_lossy();
    if !text.contains("{started}") {
        return path.to_path_buf();
    }
    std::path::PathBuf::from(text.replace("{started}", &STARTED_UNIX_MS.to_string()))
}

/// Writes a component's report as pretty JSON, if asked to.
fn write_json<T: serde::Serialize>(report: &T, path: Option<&Path>) -> Result<(), ServeError> {
    let Some(path) = path else {
        return Ok(());
    };
    let path = &json_path(path);
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| ServeError::Output(format!("cannot serialize the report: {e}")))?;
    harness::report::write_file(path, &(json + "\n")).map_err(|e| {
        ServeError::Output(format!(
            "cannot write the JSON report to {}: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests;

/// Loads a `--dialect` file; its errors are the file's, located.
fn load_dialect(path: &std::path::Path) -> Result<std::sync::Arc<ici::Dialect>, ServeError> {
    ici::Dialect::load(path)
        .map(std::sync::Arc::new)
        .map_err(|e| {
            ServeError::Config(scenario::ScenarioError {
                file: path.to_path_buf(),
                at: None,
                message: e.to_string(),
            })
        })
}
