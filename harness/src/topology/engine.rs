//! The proxy of a proxy deployment, whichever engine runs it: crmsim's embedded layer-4 proxy
//! or a real HAProxy (`[proxy] engine = "haproxy"`), both from one [`ProxyConfig`]. The rest of
//! the topology (faults, reports, failover measurements) sees one interface, so that a scenario
//! passes or fails on the same terms with either engine and their figures can be compared.

use std::net::SocketAddr;

use proxy::haproxy::{Haproxy, HaproxyOptions};
use proxy::{Impairments, Leg, Proxy, ProxyConfig, ProxyError, ProxySnapshot, StateChange};

use super::material::SideMaterial;

/// The health checker's material as HAProxy reads it: certificate chain and key in one PEM
/// (`crt`), and the CAs it trusts for the servers (`ca-file`).
pub struct CheckerPem {
    /// Certificate chain and key, PEM.
    pub crt: String,
    /// The CAs the checker trusts for the servers, PEM.
    pub ca: String,
}

impl CheckerPem {
    /// Reads the checker's certificate, key and trusted CAs from its material.
    pub fn new(material: &SideMaterial) -> CheckerPem {
        let identity = &material.identity;
        let mut crt: String = identity
            .chain()
            .iter()
            .map(certs::pem::cert_to_pem)
            .collect();
        crt.push_str(&certs::pem::key_to_pem(identity.key()));
        CheckerPem {
            crt,
            ca: material.peer_roots.to_pem(),
        }
    }
}

/// How to (re)start the proxy.
pub enum EngineSpec {
    /// crmsim's own layer-4 proxy, in this process.
    Embedded,
    /// HAProxy with its files in `dir` (kept as long as the topology lives).
    Haproxy {
        /// Where HAProxy is and where its files go.
        options: HaproxyOptions,
        /// The scratch folder of those files, removed when dropped.
        _dir: tempfile::TempDir,
    },
}

/// A running proxy.
pub enum RunningProxy {
    /// crmsim's own proxy.
    Embedded(Proxy),
    /// An HAProxy process.
    Haproxy(Box<Haproxy>),
}

impl EngineSpec {
    /// The engine's name in the report: `embedded` or `haproxy`.
    pub fn name(&self) -> &'static str {
        match self {
            EngineSpec::Embedded => "embedded",
            EngineSpec::Haproxy { .. } => "haproxy",
        }
    }

    /// HAProxy's files: the checker's certificate+key in one PEM (HAProxy `crt`) and the CA it
    /// trusts, written to a scratch folder; `binary` must exist.
    pub fn haproxy(checker: Option<&CheckerPem>, tls12: bool) -> Result<EngineSpec, String> {
        let binary = HaproxyOptions::find_binary().ok_or(
            "[proxy] engine = \"haproxy\" needs HAProxy: apt-get install -y haproxy (ci/deps.sh does), or put haproxy on the PATH",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("crmsim-haproxy-")
            .tempdir()
            .map_err(|e| format!("cannot make a folder for haproxy.cfg: {e}"))?;
        let mut options = HaproxyOptions {
            binary,
            dir: dir.path().to_path_buf(),
            check_crt: None,
            check_ca: None,
            check_max_tls12: tls12,
        };
        if let Some(checker) = checker {
            let crt_path = dir.path().join("checker.pem");
            let ca_path = dir.path().join("checker-ca.pem");
            write_private(&crt_path, &checker.crt)?;
            write_private(&ca_path, &checker.ca)?;
            options.check_crt = Some(crt_path);
            options.check_ca = Some(ca_path);
        }
        Ok(EngineSpec::Haproxy { options, _dir: dir })
    }

    /// Starts the proxy; for HAProxy, `config` comes back with the ports it was given.
    pub async fn start(&self, config: &ProxyConfig) -> Result<RunningProxy, ProxyError> {
        match self {
            EngineSpec::Embedded => Ok(RunningProxy::Embedded(Proxy::start(config.clone()).await?)),
            EngineSpec::Haproxy { options, .. } => Ok(RunningProxy::Haproxy(Box::new(
                Haproxy::start(config.clone(), options).await?,
            ))),
        }
    }

    /// Starts it again after a kill, on the same addresses.
    pub async fn restart(&self, config: &ProxyConfig) -> Result<RunningProxy, ProxyError> {
        match self {
            EngineSpec::Embedded => self.start(config).await,
            EngineSpec::Haproxy { options, .. } => Ok(RunningProxy::Haproxy(Box::new(
                Haproxy::restart(config.clone(), options).await?,
            ))),
        }
    }
}

/// The checker's key goes to a file only HAProxy (this user) reads.
fn write_private(path: &std::path::Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(())
}

impl RunningProxy {
    /// Every UP/DOWN transition of a server so far, oldest first.
    pub fn state_changes(&self) -> Vec<StateChange> {
        match self {
            RunningProxy::Embedded(p) => p.state_changes(),
            RunningProxy::Haproxy(h) => h.state_changes(),
        }
    }

    /// Counters and server states now (HAProxy's as of its last poll).
    pub fn snapshot(&self) -> ProxySnapshot {
        match self {
            RunningProxy::Embedded(p) => p.snapshot(),
            RunningProxy::Haproxy(h) => h.snapshot(),
        }
    }

    /// The address the named static route listens on.
    pub fn route_addr(&self, name: &str) -> Option<SocketAddr> {
        match self {
            RunningProxy::Embedded(p) => p.route_addr(name),
            RunningProxy::Haproxy(h) => h
                .config()
                .routes
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.listen),
        }
    }

    /// The address the named frontend listens on.
    pub fn frontend_addr(&self, name: &str) -> Option<SocketAddr> {
        match self {
            RunningProxy::Embedded(p) => p.frontend_addr(name),
            RunningProxy::Haproxy(h) => h.frontend_addr(name),
        }
    }

    /// The configuration as running (HAProxy's with the ports it was given).
    pub fn config(&self) -> Option<&ProxyConfig> {
        match self {
            RunningProxy::Embedded(_) => None,
            RunningProxy::Haproxy(h) => Some(h.config()),
        }
    }

    /// A leg's fault handle; HAProxy has none (faults act on its process instead).
    pub fn leg(&self, leg: &Leg) -> Option<Impairments> {
        match self {
            RunningProxy::Embedded(p) => p.leg(leg),
            RunningProxy::Haproxy(_) => None,
        }
    }

    /// Freezes the proxy (HAProxy: SIGSTOP); the error says why it could not.
    pub fn pause(&self) -> Result<(), String> {
        match self {
            RunningProxy::Embedded(p) => {
                p.pause();
                Ok(())
            }
            RunningProxy::Haproxy(h) => h.pause().map_err(|e| format!("SIGSTOP to haproxy: {e}")),
        }
    }

    /// Undoes [`pause`](Self::pause) (HAProxy: SIGCONT).
    pub fn resume(&self) -> Result<(), String> {
        match self {
            RunningProxy::Embedded(p) => {
                p.resume();
                Ok(())
            }
            RunningProxy::Haproxy(h) => h.resume().map_err(|e| format!("SIGCONT to haproxy: {e}")),
        }
    }

    /// Resets every connection through the proxy now; returns how many.
    pub async fn reset_connections(&self) -> usize {
        match self {
            RunningProxy::Embedded(p) => p.reset_connections(),
            RunningProxy::Haproxy(h) => h.reset_connections().await,
        }
    }

    /// Stops it as a crash would: every connection reset (HAProxy: SIGKILL).
    pub async fn kill(self) {
        match self {
            RunningProxy::Embedded(p) => p.kill().await,
            RunningProxy::Haproxy(h) => {
                h.kill().await;
            }
        }
    }

    /// Stops it: the embedded proxy closes every connection (FIN); HAProxy gets SIGTERM.
    pub async fn shutdown(self) {
        match self {
            RunningProxy::Embedded(p) => p.shutdown().await,
            RunningProxy::Haproxy(h) => {
                h.shutdown().await;
            }
        }
    }
}
