//! A deployment as separate containers: every component `crmsim serve …` in its own container
//! on one user-defined network, reached by `host.domain` names that its certificate carries.
//!
//! [`Placement`] writes what the containers mount (the certificates `crmsim certs new` makes
//! for those names, one serve config per component) and says how to start each container. The
//! container tests start them with testcontainers; `crmsim export compose` writes the same
//! placement as a `docker-compose.yml`, so a topology that passed in CI can be run by hand.
//!
//! Each serve config is the component's value in the deployment plan (`plan`), the very value
//! the in-process topology starts the component from, written with serde: so a run as
//! processes measures what the same scenario measures in process. Only where components run
//! and how they reach each other (addresses, host names, certificate and dialect paths) is the
//! placement's own.
//!
//! - `crm`, `connector`, `proxy`: where each component runs, for its value in the plan;
//! - `compose`: the `docker-compose.yml` of `crmsim export compose`.
//!
//! Everything a container needs is in one folder mounted at [`MOUNT`]; reports go to
//! `MOUNT/reports/<component>-{started}.json` (`{started}`: the process's start time, so a
//! container stopped and started again leaves one report per life).

mod compose;
mod connector;
mod crm;
mod proxy;

pub use compose::{compose_addresses, compose_file};

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use certs::layout::{NewOptions, Sides};

use scenario::{Deployment, ProxyEngine, Scenario};

/// Where the plan's folder is mounted in every container.
pub const MOUNT: &str = "/work";
/// The port every ICI endpoint (connector, proxy frontend) listens on inside its container.
pub const ICI_PORT: u16 = 8443;
/// The CRM's event port, and the proxy's static route port ("port xy").
pub const EVENT_PORT: u16 = 9443;

/// The scenario's deployment plan placed on separate processes or containers: where each
/// component runs and by which names its peers reach it. What each component does is the
/// scenario's, read into its serve config by `plan` exactly as the in-process topology reads it.
#[derive(Debug, Clone)]
pub struct Placement {
    /// `<run>.crmsim.test`: every host is `<component>.<domain>`.
    pub domain: String,
    /// Separate processes on this machine instead of containers (see `crate::separate`): each
    /// component listens on its own loopback address, and peers are dialled by address or by a
    /// name mapped to one, instead of by Docker's DNS.
    pub local: Option<LocalNet>,
    /// The scenario whose workload every component's config carries.
    pub scenario: Scenario,
}

/// Who listens where, and what each hop dials, when the components are processes on one
/// machine. A hop's address is its peer's own, or a relay's in front of it (for the faults that
/// name the hop); a relay listens on the peer's port on its own IP, so that a name mapped to
/// the relay's IP still verifies against the peer's certificate and keeps its port.
#[derive(Debug, Clone, Default)]
pub struct LocalNet {
    /// By component (`crm`, `connector-a`, `proxy`), and `route` for the proxy's static route.
    pub listen: BTreeMap<String, SocketAddr>,
    /// By hop, as scenarios name them (`crm->proxy`, `connector-a->crm`, `proxy->connector-b`).
    pub dial: BTreeMap<String, SocketAddr>,
}

impl LocalNet {
    fn listen(&self, component: &str) -> Option<SocketAddr> {
        self.listen.get(component).copied()
    }

    fn dial(&self, hop: &str) -> Option<SocketAddr> {
        self.dial.get(hop).copied()
    }
}

/// One container to start.
#[derive(Debug, Clone)]
pub struct Service {
    /// `crm`, `connector-a`, `proxy` …
    pub name: String,
    /// `crm.<domain>`: the container's name and host name on the network.
    pub host: String,
    /// The arguments after the image's entry point (`crmsim`).
    pub args: Vec<String>,
    /// What the component prints once it serves (to wait for).
    pub ready: String,
}

impl Placement {
    /// The scenario's deployment placed under `domain`, as containers (`local` places it on
    /// processes instead).
    pub fn from_scenario(s: &Scenario, domain: &str) -> Placement {
        Placement {
            domain: domain.to_owned(),
            local: None,
            scenario: s.clone(),
        }
    }

    /// How the CRM reaches the connector: directly, or through the proxy to side A or B.
    pub fn deployment(&self) -> Deployment {
        self.scenario.run.deployment
    }

    /// SSL on every hop: certificates are made and each component's config names them.
    pub fn tls(&self) -> bool {
        self.scenario.tls.enabled
    }

    /// The proxy's engine (embedded or HAProxy), in proxied deployments.
    pub fn engine(&self) -> ProxyEngine {
        self.scenario.proxy.engine
    }

    /// How long the CRM works before it logs its agents off and stops: warm-up and steady.
    pub fn crm_duration(&self) -> Duration {
        self.scenario.run.warmup + self.scenario.run.steady
    }

    /// Where `component` listens: its local address, or every interface on `port` in a
    /// container.
    fn listen(&self, component: &str, port: u16) -> SocketAddr {
        self.local
            .as_ref()
            .and_then(|l| l.listen(component))
            .unwrap_or_else(|| SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port))
    }

    /// The CRM's event port: also the static route's "port xy".
    pub fn event_port(&self) -> u16 {
        self.listen("crm", EVENT_PORT).port()
    }

    /// What `hop` dials locally (`None` in containers: names, through Docker's DNS).
    fn dial(&self, hop: &str) -> Option<SocketAddr> {
        self.local.as_ref().and_then(|l| l.dial(hop))
    }

    /// The host name of `component` on the network: `<component>.<domain>`.
    pub fn host(&self, component: &str) -> String {
        format!("{component}.{}", self.domain)
    }

    fn proxied(&self) -> bool {
        self.deployment() != Deployment::Direct
    }

    /// The connector sides' names: `connector`, or `connector-a` and `connector-b`.
    pub fn sides(&self) -> Vec<String> {
        if self.proxied() {
            vec!["connector-a".to_owned(), "connector-b".to_owned()]
        } else {
            vec!["connector".to_owned()]
        }
    }

    /// The containers in start order: proxy (it waits for its servers' names), sides, CRM.
    pub fn services(&self) -> Vec<Service> {
        let serve = |component: &str, name: &str| Service {
            name: name.to_owned(),
            host: self.host(name),
            args: vec![
                "serve".to_owned(),
                component.to_owned(),
                "--config".to_owned(),
                format!("{MOUNT}/{name}.toml"),
                "--json".to_owned(),
                format!("{MOUNT}/reports/{name}-{{started}}.json"),
            ],
            ready: match component {
                "proxy" => "started:".to_owned(),
                _ => "listening on".to_owned(),
            },
        };
        let mut out = Vec::new();
        if self.proxied() {
            out.push(serve("proxy", "proxy"));
        }
        for side in self.sides() {
            out.push(serve("connector", &side));
        }
        out.push(serve("crm", "crm"));
        out
    }

    /// Writes everything into `dir` (see [`Self::write_common`], [`Self::write_connectors`]).
    pub fn write(&self, dir: &Path, proxy_ip: Option<IpAddr>) -> Result<(), String> {
        let folders = self.write_common(dir)?;
        self.write_connectors(dir, &folders, proxy_ip)
    }

    /// Writes the certificates, the CRM's and the proxy's configs and `reports/`; returns the
    /// connector folders (relative to `dir`) for [`Self::write_connectors`].
    pub fn write_common(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        std::fs::create_dir_all(dir.join("reports"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut side_dirs = Vec::new();
        if self.tls() {
            let written = certs::layout::write_new(&dir.join("pki"), &self.pki_options())
                .map_err(|e| format!("certs new: {e}"))?;
            for d in &written.connector_dirs {
                side_dirs.push(relative(dir, d));
            }
        }
        // Each side's dialect travels as a file: a process or container reads only its folder.
        std::fs::create_dir_all(dir.join("dialects"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        write(
            &dir.join("dialects/crm.toml"),
            self.scenario.dialects.crm.text(),
        )?;
        write(
            &dir.join("dialects/connector.toml"),
            self.scenario.dialects.connector.text(),
        )?;
        write(
            &dir.join("crm.toml"),
            &plan::to_toml("crm", &self.crm_file())?,
        )?;
        if self.proxied() {
            write(
                &dir.join("proxy.toml"),
                &plan::to_toml("proxy", &self.proxy_file())?,
            )?;
        }
        Ok(side_dirs)
    }

    /// Writes the connector sides' configs. `proxy_ip`: the proxy's address on the network,
    /// which the static route needs (the connector guide's `TpiDllParameter=SSL
    /// PROXY=<ip>:<port>` takes an address), so a harness that lets Docker pick addresses
    /// starts the proxy first and writes these after.
    pub fn write_connectors(
        &self,
        dir: &Path,
        folders: &[PathBuf],
        proxy_ip: Option<IpAddr>,
    ) -> Result<(), String> {
        if self.deployment() == Deployment::ProxyStaticRoute
            && proxy_ip.is_none()
            && self.local.is_none()
        {
            return Err("the static route needs the proxy's IP address".to_owned());
        }
        for (i, side) in self.sides().iter().enumerate() {
            let file = self.connector_file(side, folders.get(i), proxy_ip);
            write(
                &dir.join(format!("{side}.toml")),
                &plan::to_toml(side, &file)?,
            )?;
        }
        Ok(())
    }

    fn pki_options(&self) -> NewOptions {
        let mut o = if self.proxied() {
            NewOptions::sides_ab()
        } else {
            NewOptions::default()
        };
        // The scenario's key and CA model: handshake costs depend on them.
        o.key = self.scenario.tls.key;
        o.layout = self.scenario.tls.layout;
        o.crm_host = self.host("crm");
        o.connector_hosts = self.sides().iter().map(|s| self.host(s)).collect();
        if self.proxied() {
            o.sides = Sides::AB;
            // The CRM dials the proxy; both sides must present its name.
            o.connector_sans = vec![self.host("proxy")];
        }
        if self.deployment() == Deployment::ProxyStaticRoute {
            o.proxy = Some((self.host("proxy"), self.event_port()));
        }
        o
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(deployment: Deployment, tls: bool) -> Placement {
        let text = format!(
            "[run]\ndeployment = \"{}\"\nsteady = \"10s\"\n[tls]\nenabled = {tls}\n",
            deployment.as_str()
        );
        let loaded = scenario::parse(Path::new("t.toml"), &text).unwrap();
        Placement::from_scenario(&loaded.scenario, "r1.crmsim.test")
    }

    #[test]
    fn every_component_gets_a_config_that_serve_accepts() {
        for (deployment, tls) in [
            (Deployment::Direct, true),
            (Deployment::Direct, false),
            (Deployment::ProxyEventsDirect, true),
            (Deployment::ProxyStaticRoute, true),
            (Deployment::ProxyStaticRoute, false),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let p = plan(deployment, tls);
            p.write(dir.path(), Some("172.29.83.10".parse().unwrap()))
                .unwrap();
            for side in p.sides() {
                let path = dir.path().join(format!("{side}.toml"));
                let loaded = crate::serve::connector_config::load(&path)
                    .unwrap_or_else(|e| panic!("{deployment:?} {tls}: {e}"));
                if deployment == Deployment::ProxyStaticRoute {
                    assert_eq!(
                        loaded.config.events.proxy_route,
                        Some("172.29.83.10:9443".parse().unwrap())
                    );
                }
            }
            crate::serve::crm_config::load(&dir.path().join("crm.toml"))
                .unwrap_or_else(|e| panic!("{deployment:?} {tls}: {e}"));
            if deployment != Deployment::Direct {
                crate::serve::proxy_config::load(&dir.path().join("proxy.toml"))
                    .unwrap_or_else(|e| panic!("{deployment:?} {tls}: {e}"));
            }
            let services = p.services();
            let addresses = compose_addresses("172.29.83.0/24", &services).unwrap();
            let yaml = compose_file(&p, "crmsim/crmsim:local", "172.29.83.0/24", &addresses);
            assert!(
                yaml.contains("container_name: crm.r1.crmsim.test"),
                "{yaml}"
            );
            assert!(yaml.contains("ipv4_address: 172.29.83.10"), "{yaml}");
        }
    }

    #[test]
    fn a_bad_subnet_is_named() {
        let e = compose_addresses("10.0.0.0/16", &[]).unwrap_err();
        assert!(e.contains("10.0.0.0/16"), "{e}");
    }
}
