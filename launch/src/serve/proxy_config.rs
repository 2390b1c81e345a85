//! `crmsim serve proxy`'s config file read and checked (the file's keys are documented in
//! [`plan::proxy`]; a commented example ships as `examples/serve-proxy.toml`): the health
//! checker's material loaded, and every `host:port` resolved when the proxy starts, retrying
//! until `resolve_timeout`, because in a topology that starts all at once the peers' names may
//! appear a moment after the proxy's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proxy::ProxyConfig;

use super::config::{ConfigFile, TlsTable};
use super::tls;
use harness::topology::engine::CheckerPem;
use plan::proxy::split_host_port;
pub use plan::proxy::{
    BackendTable, CheckKindName, CheckTable, EngineName, FrontendTable, ProxyFile, RouteTable,
    ServerTable,
};
use scenario::ScenarioError;

/// A loaded, checked file: what [`super::run_proxy`] needs before names are resolved.
pub struct ProxyPlan {
    /// The file as parsed.
    pub file: ProxyFile,
    /// The checker's client config, when a backend checks with TLS.
    pub checker: Option<Arc<rustls::ClientConfig>>,
    /// One line on the checker's TLS, for the start line.
    pub tls_line: String,
    /// The checker's material as HAProxy's files hold it.
    pub checker_pem: Option<CheckerPem>,
    /// The checker speaks TLS 1.2 (HAProxy then checks with 1.2, see `check_max_tls12`).
    pub checker_tls12: bool,
    /// The file's path and text, to name it in errors.
    pub source: ConfigFile,
}

/// Reads and checks the file (no network yet).
pub fn load(path: &std::path::Path) -> Result<ProxyPlan, ScenarioError> {
    let source = ConfigFile::read(path)?;
    let file: ProxyFile = source.parse()?;
    if file.frontend.is_empty() && file.route.is_empty() {
        return Err(source.source().error(
            None,
            "nothing to serve: give at least one [[frontend]] (with a [[backend]]) or [[route]]",
        ));
    }
    for (i, b) in file.backend.iter().enumerate() {
        for (j, s) in b.servers.iter().enumerate() {
            split_host_port(&s.address).map_err(|m| {
                source.error_at(&["backend", &i.to_string(), "servers", &j.to_string()], m)
            })?;
        }
    }
    for (i, r) in file.route.iter().enumerate() {
        split_host_port(&r.target)
            .map_err(|m| source.error_at(&["route", &i.to_string(), "target"], m))?;
    }
    let wants_tls = file
        .backend
        .iter()
        .any(|b| b.check.kind == CheckKindName::Tls);
    let (checker, tls_line, checker_pem) = if wants_tls {
        let material = match file.tls {
            Some(_) => tls::from_table(&source, file.tls.as_ref(), "[tls]")?,
            None => None,
        };
        let Some((material, origin)) = material else {
            return Err(source.error_at(
                &["tls", "enabled"],
                "a backend checks with TLS (check.kind = \"tls\"): [tls] must name the checker's cert and ca",
            ));
        };
        let options = file.tls.as_ref().map(TlsTable::options).unwrap_or_default();
        let configs = tls::configs(&source, &material, "proxy checker", &options, false)?;
        let line = format!(
            "TLS checks as {}",
            tls::describe(Some(&material), &origin).trim_start_matches("TLS on ")
        );
        let pem = CheckerPem::new(&material);
        (Some(Arc::new(configs.client.config)), line, Some(pem))
    } else {
        (None, "TCP checks".to_owned(), None)
    };
    let checker_tls12 = file
        .tls
        .as_ref()
        .is_none_or(|t| t.versions != certs::TlsVersions::Tls13);
    Ok(ProxyPlan {
        file,
        checker,
        tls_line,
        checker_pem,
        checker_tls12,
        source,
    })
}

impl ProxyPlan {
    /// Resolves every name (retrying until `resolve_timeout`) and builds the proxy's config.
    pub async fn resolve(&self) -> Result<ProxyConfig, String> {
        let deadline = Instant::now() + self.file.resolve_timeout;
        let wanted = self
            .file
            .backend
            .iter()
            .flat_map(|b| b.servers.iter().map(|s| s.address.as_str()))
            .chain(self.file.route.iter().map(|r| r.target.as_str()));
        let mut resolved = BTreeMap::new();
        for address in wanted {
            if !resolved.contains_key(address) {
                resolved.insert(address.to_owned(), resolve(address, deadline).await?);
            }
        }
        self.file.config(self.checker.as_ref(), |address| {
            resolved
                .get(address)
                .copied()
                .ok_or_else(|| format!("internal error: {address} was not resolved"))
        })
    }
}

/// The first address `host:port` resolves to, retrying until `deadline`: a name that does not
/// resolve yet may be a peer that has not started.
async fn resolve(address: &str, deadline: Instant) -> Result<SocketAddr, String> {
    let (host, port) = split_host_port(address)?;
    loop {
        let why = match tokio::net::lookup_host((host, port)).await {
            Ok(mut addrs) => match addrs.next() {
                Some(a) => return Ok(a),
                None => "no address".to_owned(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "cannot resolve {address}: {why} (kept trying for resolve_timeout; is the name right, is the peer up?)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
