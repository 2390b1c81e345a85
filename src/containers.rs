//! A deployment as separate containers: every component `crmsim serve …` in its own container
//! on one user-defined network, reached by `host.domain` names that its certificate carries.
//!
//! [`ContainerPlan`] writes what the containers mount (the certificates `crmsim certs new` makes
//! for those names, one serve config per component) and says how to start each container. The
//! container tests start them with testcontainers; `crmsim export compose` writes the same plan
//! as a `docker-compose.yml`, so a topology that passed in CI can be run by hand.
//!
//! Everything a container needs is in one folder mounted at [`MOUNT`]; reports go to
//! `MOUNT/reports/<component>-{started}.json` (`{started}`: the process's start time, so a
//! container stopped and started again leaves one report per life).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use certs::Layout;
use certs::layout::{NewOptions, Sides};

use crate::scenario::{Deployment, ProxyEngine, Scenario};

/// Where the plan's folder is mounted in every container.
pub const MOUNT: &str = "/work";
/// The port every ICI endpoint (connector, proxy frontend) listens on inside its container.
pub const ICI_PORT: u16 = 8443;
/// The CRM's event port, and the proxy's static route port ("port xy").
pub const EVENT_PORT: u16 = 9443;

/// What runs where.
#[derive(Debug, Clone)]
pub struct ContainerPlan {
    pub deployment: Deployment,
    pub tls: bool,
    pub engine: ProxyEngine,
    /// `<run>.crmsim.test`: every host is `<component>.<domain>`.
    pub domain: String,
    pub agents: usize,
    pub call_rate: f64,
    /// How long the CRM works before it logs its agents off and stops.
    pub crm_duration: Duration,
    pub heartbeat: Duration,
    /// The proxy's health check, as in the scenario.
    pub inter: Duration,
    pub fall: u32,
    pub rise: u32,
    pub check_timeout: Duration,
    /// Separate processes on this machine instead of containers (see `crate::separate`): each
    /// component listens on its own loopback address, and peers are dialled by address or by a
    /// name mapped to one, instead of by Docker's DNS.
    pub local: Option<LocalNet>,
    /// The wire dialects, carried into each component as a file next to its config.
    pub dialects: crate::scenario::Dialects,
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

impl ContainerPlan {
    /// The plan of a scenario's deployment: its agents, call rate and proxy settings; the CRM
    /// works for the scenario's warm-up plus steady phase.
    pub fn from_scenario(s: &Scenario, domain: &str) -> ContainerPlan {
        ContainerPlan {
            deployment: s.run.deployment,
            tls: s.tls.enabled,
            engine: s.proxy.engine,
            domain: domain.to_owned(),
            agents: s.crm.agents,
            call_rate: s.calls.rate,
            crm_duration: s.run.warmup + s.run.steady,
            heartbeat: s.crm.heartbeat,
            inter: s.proxy.inter,
            fall: s.proxy.fall,
            rise: s.proxy.rise,
            check_timeout: s.proxy.check_timeout,
            local: None,
            dialects: s.dialects.clone(),
        }
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

    pub fn host(&self, component: &str) -> String {
        format!("{component}.{}", self.domain)
    }

    fn proxied(&self) -> bool {
        self.deployment != Deployment::Direct
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
        if self.tls {
            let written = certs::layout::write_new(&dir.join("pki"), &self.pki_options())
                .map_err(|e| format!("certs new: {e}"))?;
            for d in &written.connector_dirs {
                side_dirs.push(relative(dir, d));
            }
        }
        // Each side's dialect travels as a file: a process or container reads only its folder.
        std::fs::create_dir_all(dir.join("dialects"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        write(&dir.join("dialects/crm.toml"), self.dialects.crm.text())?;
        write(
            &dir.join("dialects/connector.toml"),
            self.dialects.connector.text(),
        )?;
        write(&dir.join("crm.toml"), &self.crm_config())?;
        if self.proxied() {
            write(&dir.join("proxy.toml"), &self.proxy_config())?;
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
        if self.deployment == Deployment::ProxyStaticRoute
            && proxy_ip.is_none()
            && self.local.is_none()
        {
            return Err("the static route needs the proxy's IP address".to_owned());
        }
        for (i, side) in self.sides().iter().enumerate() {
            let text = self.connector_config(side, folders.get(i), proxy_ip);
            write(&dir.join(format!("{side}.toml")), &text)?;
        }
        Ok(())
    }

    fn pki_options(&self) -> NewOptions {
        let mut o = if self.proxied() {
            NewOptions::sides_ab()
        } else {
            NewOptions::default()
        };
        o.crm_host = self.host("crm");
        o.connector_hosts = self.sides().iter().map(|s| self.host(s)).collect();
        if self.proxied() {
            o.sides = Sides::AB;
            // The CRM dials the proxy; both sides must present its name.
            o.connector_sans = vec![self.host("proxy")];
        }
        if self.deployment == Deployment::ProxyStaticRoute {
            // As in the guide's static-route deployment: each side its own CA.
            o.layout = Layout::CaPerSide;
            o.proxy = Some((self.host("proxy"), self.event_port()));
        }
        o
    }

    fn connector_config(
        &self,
        side: &str,
        folder: Option<&PathBuf>,
        proxy_ip: Option<IpAddr>,
    ) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "# {side}: generated by crmsim for a container topology");
        let _ = writeln!(t, "name = \"{side}\"");
        let _ = writeln!(t, "listen = \"{}\"", self.listen(side, ICI_PORT));
        let _ = writeln!(t, "dialect = \"dialects/connector.toml\"");
        match folder {
            Some(f) => {
                let _ = writeln!(t, "config_dir = \"{}\"", f.display());
            }
            None => {
                let _ = writeln!(t, "[tls]\nenabled = false");
            }
        }
        let _ = writeln!(t, "[events]\nretries = 2\ntimeout = \"5s\"");
        if let Some(local) = &self.local {
            let (peer, hop) = if self.deployment == Deployment::ProxyStaticRoute {
                ("proxy", format!("{side}->proxy"))
            } else {
                ("crm", format!("{side}->crm"))
            };
            if let Some(to) = local.dial(&hop) {
                if folder.is_none() && peer == "proxy" {
                    let _ = writeln!(t, "proxy_route = \"{to}\"");
                } else {
                    let _ = writeln!(
                        t,
                        "[events.hosts]\n\"{}\" = \"{}\"",
                        self.host(peer),
                        to.ip()
                    );
                }
            }
        } else if let (Deployment::ProxyStaticRoute, Some(ip)) = (self.deployment, proxy_ip) {
            if folder.is_some() {
                // TpiDllParameter says PROXY=proxy.<domain>:9443; the connector takes an address.
                let _ = writeln!(t, "[events.hosts]\n\"{}\" = \"{ip}\"", self.host("proxy"));
            } else {
                let _ = writeln!(t, "proxy_route = \"{ip}:{EVENT_PORT}\"");
            }
        }
        let _ = writeln!(t, "[acd]\nsession_timeout = \"5s\"");
        let _ = writeln!(
            t,
            "[calls]\nrate = {}\narrival = \"constant\"\npatience = \"30s\"",
            self.call_rate
        );
        t
    }

    fn crm_config(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let (peer, hop) = if self.proxied() {
            ("proxy", "crm->proxy")
        } else {
            ("connector", "crm->connector")
        };
        let dial = self.host(peer);
        let to = self.dial(hop);
        let mut t = String::new();
        let _ = writeln!(t, "# crm: generated by crmsim for a container topology");
        let _ = writeln!(t, "name = \"crm\"");
        let _ = writeln!(t, "listen = \"{}\"", self.listen("crm", EVENT_PORT));
        let _ = writeln!(t, "dialect = \"dialects/crm.toml\"");
        let _ = writeln!(
            t,
            "sink_url = \"{scheme}://{}:{{port}}{}\"",
            self.host("crm"),
            self.dialects.crm.event_path()
        );
        let _ = writeln!(t, "duration = \"{}ms\"", self.crm_duration.as_millis());
        let _ = writeln!(t, "logoff_timeout = \"15s\"");
        if self.tls {
            let _ = writeln!(t, "material_dir = \"pki/crm\"");
        } else {
            let _ = writeln!(t, "[tls]\nenabled = false");
        }
        let _ = writeln!(
            t,
            "[cms]\nname = \"ZCMS_CONNECTS\"\nsystem_id = \"BS_CONNECTS\"\nserver_ssl = {}",
            self.tls
        );
        let _ = writeln!(
            t,
            "[cms.destination]\nname = \"ICI_CONNECTOR\"\nhost = \"{dial}\"\nport = {}\npath = \"{}\"\nssl = {}",
            to.map_or(ICI_PORT, |a| a.port()),
            self.dialects.crm.connector_path(),
            self.tls
        );
        let _ = writeln!(t, "[requests]\ntimeout = \"3s\"");
        if let Some(to) = to {
            let _ = writeln!(t, "[requests.hosts]\n\"{dial}\" = \"{}\"", to.ip());
        }
        let _ = writeln!(
            t,
            "[agents]\ncount = {}\nlogon = \"storm\"\nring_delay = \"uniform(200ms, 600ms)\"\ntalk_time = \"uniform(2s, 4s)\"\nwrap_up = \"500ms\"\nheartbeat = \"{}ms\"\nwatchdog = true",
            self.agents,
            self.heartbeat.as_millis()
        );
        t
    }

    fn proxy_config(&self) -> String {
        let engine = self.engine.as_str();
        let mut t = String::new();
        let _ = writeln!(t, "# proxy: generated by crmsim for a container topology");
        let _ = writeln!(
            t,
            "name = \"proxy\"\nengine = \"{engine}\"\nresolve_timeout = \"60s\""
        );
        if self.tls {
            let _ = writeln!(
                t,
                "[tls]\ncert = \"pki/crm/crm.crt.pem\"\nkey = \"pki/crm/crm.key.pem\"\nca = \"pki/crm/trust-ca.pem\""
            );
        }
        let _ = writeln!(
            t,
            "[[frontend]]\nname = \"ici\"\nlisten = \"{}\"\nbackend = \"connectors\"",
            self.listen("proxy", ICI_PORT)
        );
        let _ = writeln!(t, "[[backend]]\nname = \"connectors\"\nservers = [");
        for (i, side) in self.sides().iter().enumerate() {
            let backup = if i > 0 { ", backup = true" } else { "" };
            let address = self.dial(&format!("proxy->{side}")).map_or_else(
                || format!("{}:{ICI_PORT}", self.host(side)),
                |a| a.to_string(),
            );
            let _ = writeln!(
                t,
                "  {{ name = \"{side}\", address = \"{address}\"{backup} }},"
            );
        }
        let _ = writeln!(
            t,
            "]\non_marked_down = \"shutdown-sessions\"\non_marked_up = \"shutdown-backup-sessions\"\nconnect_timeout = \"2s\""
        );
        let _ = writeln!(
            t,
            "[backend.check]\nkind = \"{}\"\ninter = \"{}ms\"\nfall = {}\nrise = {}\ntimeout = \"{}ms\"",
            if self.tls { "tls" } else { "tcp" },
            self.inter.as_millis(),
            self.fall,
            self.rise,
            self.check_timeout.as_millis()
        );
        if self.tls {
            let _ = writeln!(t, "server_name = \"{}\"", self.host("proxy"));
        }
        if self.deployment == Deployment::ProxyStaticRoute {
            let _ = writeln!(
                t,
                "[[route]]\nname = \"events\"\nlisten = \"{}\"\ntarget = \"{}\"",
                self.listen("route", EVENT_PORT),
                self.dial("proxy->crm").map_or_else(
                    || format!("{}:{EVENT_PORT}", self.host("crm")),
                    |a| a.to_string()
                )
            );
        }
        t
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The fixed addresses `export compose` gives the services (`subnet` is a /24 like
/// `172.29.83.0/24`): a static route needs the proxy's address before anything starts.
pub fn compose_addresses(subnet: &str, services: &[Service]) -> Result<Vec<String>, String> {
    let base = subnet
        .strip_suffix(".0/24")
        .filter(|b| b.split('.').count() == 3 && b.split('.').all(|p| p.parse::<u8>().is_ok()))
        .ok_or_else(|| {
            format!("subnet {subnet:?}: give an IPv4 /24 ending in .0/24, e.g. 172.29.83.0/24")
        })?;
    Ok((0..services.len())
        .map(|i| format!("{base}.{}", 10 + i))
        .collect())
}

/// A `docker-compose.yml` for the plan's services, with the plan's folder (`.`, next to the file)
/// mounted at [`MOUNT`], each service named and addressed as its host, on one network.
pub fn compose_file(
    plan: &ContainerPlan,
    image: &str,
    subnet: &str,
    addresses: &[String],
) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Generated by `crmsim export compose`: the {} deployment, SSL {}, as containers.",
        plan.deployment.as_str(),
        if plan.tls { "on" } else { "off" }
    );
    let _ = writeln!(
        y,
        "#   docker compose up            # the CRM works for {}s, then logs off and exits",
        plan.crm_duration.as_secs()
    );
    let _ = writeln!(
        y,
        "#   docker compose stop connector-a   # fail side A over (proxy deployments); start it again later"
    );
    let _ = writeln!(
        y,
        "#   docker compose down          # the others stop on SIGTERM and write reports/"
    );
    let _ = writeln!(
        y,
        "# Reports: ./reports/<component>-<start unix ms>.json. Image: {image} (ci/images.sh builds it)."
    );
    let _ = writeln!(y, "services:");
    for (service, ip) in plan.services().iter().zip(addresses) {
        let _ = writeln!(y, "  {}:", service.name);
        let _ = writeln!(y, "    image: {image}");
        let _ = writeln!(y, "    container_name: {}", service.host);
        let _ = writeln!(y, "    hostname: {}", service.host);
        let args: Vec<String> = service.args.iter().map(|a| format!("\"{a}\"")).collect();
        let _ = writeln!(y, "    command: [{}]", args.join(", "));
        let _ = writeln!(y, "    volumes: [\".:{MOUNT}\"]");
        let _ = writeln!(y, "    stop_grace_period: 15s");
        let _ = writeln!(y, "    networks:");
        let _ = writeln!(y, "      crmsim:");
        let _ = writeln!(y, "        ipv4_address: {ip}");
        let _ = writeln!(y, "        aliases: [\"{}\"]", service.host);
    }
    let _ = writeln!(y, "networks:");
    let _ = writeln!(y, "  crmsim:");
    let _ = writeln!(y, "    driver: bridge");
    let _ = writeln!(y, "    ipam:");
    let _ = writeln!(y, "      config:");
    let _ = writeln!(y, "        - subnet: {subnet}");
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(deployment: Deployment, tls: bool) -> ContainerPlan {
        let text = format!(
            "[run]\ndeployment = \"{}\"\nsteady = \"10s\"\n[tls]\nenabled = {tls}\n",
            deployment.as_str()
        );
        let loaded = crate::scenario::parse(Path::new("t.toml"), &text).unwrap();
        ContainerPlan::from_scenario(&loaded.scenario, "r1.crmsim.test")
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
