//! The config file of `crmsim serve crm`, key by key. A commented example ships as
//! `examples/serve-crm.toml`.
//!
//! The CRM finds the connector the SAP way: `[cms]` is the CMS profile (CRMM_BCB_ADM) with its
//! RFC destination (SM59), which gives the connector's URL and the SSL flags; the event sink URL
//! is what each agent's subscription tells the connector. TLS comes from EITHER `material_dir`,
//! the SAP-side folder `crmsim certs new` writes (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`),
//! OR a `[tls]` table naming PEM files.

use std::path::Path;
use std::time::Duration;

use sim_crm::{CrmConfig, LogonPlan};

use super::config::{self, ConfigFile, TlsTable};
use super::tls;
use harness::topology::SideMaterial;
pub use plan::crm::{AgentsTable, CrmFile, RequestsTable};
use scenario::{Logon, ScenarioError};

/// A CRM ready to start, and what its start line says.
pub struct CrmPlan {
    /// The simulator's config, built from the file.
    pub config: CrmConfig,
    /// How agents log on at the start: at a rate, or all at once (`"storm"`).
    pub logon: LogonPlan,
    /// Stop after this long; `None`: at Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// Latencies of the first this long are kept apart from the steady phase's.
    pub warmup: Option<Duration>,
    /// On stop, how long to wait for the agents to log off.
    pub logoff_timeout: Duration,
    /// The connector's URL, from the CMS profile.
    pub connector_url: String,
    /// `TLS on (certificate …, trusts … from …)`, for the start line.
    pub tls_line: String,
    /// Problems that do not stop the start but will show (said on stderr).
    pub warnings: Vec<String>,
}

/// Reads and checks the file, loads the material it names, and builds the CRM's config.
pub fn load(path: &Path) -> Result<CrmPlan, ScenarioError> {
    let file = ConfigFile::read(path)?;
    let parsed = parse(&file)?;
    plan(&file, &parsed)
}

/// Parses and checks the text, without touching the files it names.
pub fn parse(file: &ConfigFile) -> Result<CrmFile, ScenarioError> {
    let c: CrmFile = file.parse()?;
    if c.name.trim().is_empty() {
        return Err(file.error_at(&["name"], "give the CRM a name"));
    }
    if let Some((key, why)) = c.server.problem() {
        return Err(file.error_at(&["server", key], why));
    }
    let a = &c.agents;
    if !(1..=100_000).contains(&a.count) {
        return Err(file.error_at(
            &["agents", "count"],
            format!("{} agents: give 1 to 100000", a.count),
        ));
    }
    if let Logon::Rate(rate) = a.logon
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(file.error_at(
            &["agents", "logon"],
            format!("{rate} agents/s: give a positive rate, or \"storm\""),
        ));
    }
    config::check_login_type(file, &["agents", "login_type"], a.login_type)?;
    config::check_fraction(file, &["agents", "not_ready_ratio"], a.not_ready_ratio)?;
    config::check_fraction(file, &["agents", "outbound_ratio"], a.outbound_ratio)?;
    if a.not_ready_ratio + a.outbound_ratio > 1.0 {
        return Err(file.error_at(
            &["agents", "outbound_ratio"],
            "not_ready_ratio + outbound_ratio exceed 1",
        ));
    }
    config::check_reasons(file, &["agents", "not_ready_reasons"], &a.not_ready_reasons)?;
    if a.not_ready_ratio > 0.0 && a.not_ready_reasons.is_empty() {
        return Err(file.error_at(
            &["agents", "not_ready_reasons"],
            "not_ready_ratio is above 0 but no reason code is listed (e.g. [1001])",
        ));
    }
    if !(1..=4096).contains(&c.requests.connections) {
        return Err(file.error_at(
            &["requests", "connections"],
            format!("{} connections: give 1 to 4096", c.requests.connections),
        ));
    }
    config::check_hosts(file, &["requests", "hosts"], &c.requests.hosts)?;
    if c.duration.is_some_and(|d| d.is_zero()) {
        return Err(file.error_at(
            &["duration"],
            "must be above 0s (leave it out to run until stopped)",
        ));
    }
    if let Err(e) = c.cms.connector_url() {
        return Err(file.error_at(&["cms"], e.to_string()));
    }
    sink_parts(file, &c.sink_url)?;
    match c.material_dir {
        Some(_) => tls::protocol_only(file, c.tls.as_ref(), "material_dir")?,
        None => tls::check_table(file, c.tls.as_ref(), "material_dir")?,
    }
    Ok(c)
}

/// The scheme and path of the sink URL, checked.
fn sink_parts<'a>(file: &ConfigFile, url: &'a str) -> Result<(&'a str, &'a str), ScenarioError> {
    let bad = |why: &str| {
        file.error_at(
            &["sink_url"],
            format!(
                "{url:?} {why}; write e.g. \"https://crm.example.com:{{port}}{}\"",
                ici::Dialect::builtin().event_path()
            ),
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("is not a URL"));
    };
    if scheme != "http" && scheme != "https" {
        return Err(bad("must start with http:// or https://"));
    }
    let Some(slash) = rest.find('/') else {
        return Err(bad("has no path"));
    };
    let (authority, path) = rest.split_at(slash);
    if authority.is_empty() || authority.starts_with(':') {
        return Err(bad("has no host"));
    }
    Ok((scheme, path))
}

fn plan(file: &ConfigFile, c: &CrmFile) -> Result<CrmPlan, ScenarioError> {
    let mut warnings = Vec::new();
    let (material, ca_origin) = match &c.material_dir {
        Some(dir) => {
            let key = ["material_dir"];
            let dir = file.folder(
                &key,
                dir,
                "the SAP-side folder (crm.crt.pem, crm.key.pem, trust-ca.pem), e.g. the crm/ folder `crmsim certs new` writes",
            )?;
            let crm = certs::folder::load_crm_folder(&dir)
                .map_err(|e| file.error_at(&key, e.to_string()))?;
            let origin = dir.join(certs::folder::CRM_TRUST).display().to_string();
            let material = SideMaterial {
                identity: crm.identity,
                peer_roots: crm.trust,
            };
            (Some(material), origin)
        }
        None => match tls::from_table(file, c.tls.as_ref(), "material_dir")? {
            Some((material, origin)) => (Some(material), origin),
            None => (None, String::new()),
        },
    };
    let tls_on = material.is_some();
    let (scheme, event_path) = sink_parts(file, &c.sink_url)?;
    if (scheme == "https") != tls_on {
        return Err(file.error_at(
            &["sink_url"],
            format!(
                "this CRM has SSL {}: the sink URL must start with {}",
                if tls_on { "on" } else { "off" },
                if tls_on { "https://" } else { "http://" }
            ),
        ));
    }
    if c.cms.destination.ssl != tls_on {
        return Err(file.error_at(
            &["cms", "destination", "ssl"],
            format!(
                "this CRM has SSL {} ({}) but the RFC destination says ssl = {}; make them agree (SM59 SSL active, CRMM_BCB_ADM)",
                if tls_on { "on" } else { "off" },
                if tls_on {
                    "certificates are configured"
                } else {
                    "no certificates"
                },
                c.cms.destination.ssl
            ),
        ));
    }
    if let Some(m) = &material {
        warnings.extend(tls::date_warnings(&m.identity));
        let host = sink_host(&c.sink_url);
        let names = tls::dns_names(&m.identity);
        if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
            warnings.push(format!(
                "the CRM's certificate names {} but the sink URL says {host}: the connector will refuse the CRM's certificate for events",
                if names.is_empty() { "no DNS name".to_owned() } else { names.join(", ") }
            ));
        }
    }
    let options = c.tls.as_ref().map(TlsTable::options).unwrap_or_default();
    let side_tls = match &material {
        Some(m) => Some(tls::configs(
            file,
            m,
            &c.name,
            &options,
            !c.requests.client_certificate,
        )?),
        None => None,
    };
    let dialect = match &c.dialect {
        Some(path) => config::load_dialect(file, path)?,
        None => ici::Dialect::builtin(),
    };
    let (mut config, logon) = c.start(side_tls.as_ref(), dialect);
    config.event_path = event_path.to_owned();
    let connector_url = c
        .cms
        .connector_url()
        .map_err(|e| file.error_at(&["cms"], e.to_string()))?;
    Ok(CrmPlan {
        config,
        logon,
        duration: c.duration,
        warmup: c.warmup,
        logoff_timeout: c.logoff_timeout,
        connector_url,
        tls_line: tls::describe(material.as_ref(), &ca_origin),
        warnings,
    })
}

/// The host of a checked sink URL (an IPv6 literal keeps its brackets).
fn sink_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(end) = authority.find(']') {
        return &authority[..=end];
    }
    authority.split(':').next().unwrap_or(authority)
}
