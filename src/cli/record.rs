//! `crmsim record`: the recorder between a real SAP CRM and a real connector.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use capture::Hop;

use harness::exit;
use launch::record::{self, HopPlan, Material, RecordError, RecordPlan};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  crmsim record --out capture.jsonl --har capture.har \\
    --requests-listen 0.0.0.0:8443 --connector https://cti01.corp.example:8443 \\
    --events-listen 0.0.0.0:44300 --crm https://crm01.corp.example:44300 \\
    --connector-dir connector-folder --crm-dir sap-side

Place it where each peer would meet the other: SAP CRM's RFC destination (SM59) points at \
--requests-listen; the connector's events reach --events-listen either through its static \
proxy route (TpiDllParameter=SSL PROXY=<recorder>:<port>) or by resolving the CRM's host name \
to the recorder on the connector's machine (hosts file), the port staying the CRM's. \
Exit codes: 0 recorded and the capture is whole, 1 the capture misses messages (the traffic \
was still forwarded), 2 bad flags or folders, 3 cannot listen or write.")]
pub struct RecordArgs {
    /// Write the capture here (JSON Lines, one HTTP message per line).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where SAP CRM sends its requests (it meets the connector's certificate here).
    #[arg(long, value_name = "ADDR", requires = "connector")]
    pub requests_listen: Option<SocketAddr>,
    /// The real connector's ICI base URL, e.g. https://connector-a.example.com:8443 (each
    /// request's path is kept).
    #[arg(long, value_name = "URL", requires = "requests_listen")]
    pub connector: Option<String>,
    /// Where the connector sends its events (it meets the CRM's certificate here).
    #[arg(long, value_name = "ADDR", requires = "crm")]
    pub events_listen: Option<SocketAddr>,
    /// The real SAP CRM's event base URL, e.g. https://crm.example.com:44300.
    #[arg(long, value_name = "URL", requires = "events_listen")]
    pub crm: Option<String>,
    /// The connector's install folder (ssl.ini, CRMConnectorSAP_*.ini, PEM files): the
    /// recorder presents its certificate to SAP and verifies the connector with the CRM's CAs.
    #[arg(long, value_name = "DIR", requires = "crm_dir")]
    pub connector_dir: Option<PathBuf>,
    /// The SAP side's folder (crm.crt.pem, crm.key.pem, trust-ca.pem; `crmsim certs new`
    /// writes one): presented to the connector, and trusted for SAP.
    #[arg(long, value_name = "DIR", requires = "connector_dir")]
    pub crm_dir: Option<PathBuf>,
    /// Dial NAME at IP (the URL's port stays), as a hosts file would; TLS still verifies NAME.
    /// Repeatable.
    #[arg(long, value_name = "NAME=IP")]
    pub resolve: Vec<String>,
    /// The dialect the peers speak (operations in the summary, secret elements to mask);
    /// default: crmsim's built-in one.
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// Also write the exchanges as HAR 1.2 (for browser tools) when the recording stops.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Keep secrets (login passwords, Authorization…) in the capture. They are masked by
    /// default.
    #[arg(long)]
    pub no_redact: bool,
    /// Stop after this long ("10m"); without it, at Ctrl-C or SIGTERM.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Write the summary as JSON here when the recording stops.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub fn run(args: &RecordArgs) -> ExitCode {
    if let Err(code) = super::outputs_writable([
        ("--out", &Some(args.out.clone())),
        ("--har", &args.har),
        ("--json", &args.json),
    ]) {
        return code;
    }
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(why) => {
            eprintln!("crmsim: {why}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    let runtime = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crmsim: cannot start the async runtime: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let report = match runtime.block_on(record::record(plan)) {
        Ok(report) => report,
        Err(RecordError::Input(why)) => {
            eprintln!("crmsim: {why}");
            return exit::code(exit::BAD_INPUT);
        }
        Err(RecordError::Start(why)) => {
            eprintln!("crmsim: {why}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let written = match &args.json {
        Some(path) => serde_json::to_string_pretty(&report)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                harness::report::write_file(path, &(json + "\n")).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("cannot write the summary to {}: {e}", path.display())),
        None => Ok(()),
    };
    print!("{}", report.render());
    if let Err(e) = written {
        eprintln!("crmsim: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    if report.incomplete() {
        exit::code(exit::FAIL)
    } else {
        exit::code(exit::PASS)
    }
}

fn plan(args: &RecordArgs) -> Result<RecordPlan, String> {
    let mut hops = Vec::new();
    if let (Some(listen), Some(url)) = (args.requests_listen, &args.connector) {
        hops.push(HopPlan {
            hop: Hop::Requests,
            listen,
            upstream: base_url("--connector", url)?,
        });
    }
    if let (Some(listen), Some(url)) = (args.events_listen, &args.crm) {
        hops.push(HopPlan {
            hop: Hop::Events,
            listen,
            upstream: base_url("--crm", url)?,
        });
    }
    if hops.is_empty() {
        return Err(
            "nothing to record: give --requests-listen with --connector (SAP CRM → connector), --events-listen with --crm (connector → SAP CRM), or both".to_owned(),
        );
    }
    let material = match (&args.connector_dir, &args.crm_dir) {
        (Some(connector), Some(crm)) => Some(Material::load(connector, crm)?),
        _ => None,
    };
    for hop in &hops {
        let https = hop.upstream.starts_with("https://");
        if https && material.is_none() {
            return Err(format!(
                "{} is https: give --connector-dir and --crm-dir, the folders whose certificates the recorder presents",
                hop.upstream
            ));
        }
        if !https && material.is_some() {
            return Err(format!(
                "{} is plain http, but --connector-dir and --crm-dir were given: use https:// URLs for SSL, or leave the folders out",
                hop.upstream
            ));
        }
    }
    let resolve = args
        .resolve
        .iter()
        .map(|r| super::parse_resolve(r).map(|(name, addr)| (name, addr.ip())))
        .collect::<Result<Vec<_>, _>>()?;
    let dialect = match &args.dialect {
        Some(path) => Arc::new(ici::Dialect::load(path).map_err(|e| e.to_string())?),
        None => ici::Dialect::builtin(),
    };
    let described = material
        .as_ref()
        .map(Material::describe)
        .unwrap_or_default();
    let redact = !args.no_redact;
    let out = args.out.display().to_string();
    Ok(RecordPlan {
        hops,
        material,
        resolve,
        out: args.out.clone(),
        har: args.har.clone(),
        redact,
        dialect,
        duration: args.duration,
        on_listening: Box::new(move |listening| {
            for (hop, addr) in listening {
                println!("crmsim record: {} hop listening on {addr}", hop.as_str());
            }
            for line in &described {
                println!("  {line}");
            }
            println!(
                "  capture {out}{}; stop with Ctrl-C or SIGTERM",
                if redact {
                    " (secrets masked)"
                } else {
                    " (NOT redacted)"
                }
            );
        }),
    })
}

/// `scheme://host:port` of a peer's URL, checked; a path is refused (each request keeps its own).
fn base_url(flag: &str, url: &str) -> Result<String, String> {
    let with_path = check_base_url(url).map_err(|e| format!("{flag} {url:?}: {e}"))?;
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    if with_path {
        return Err(format!(
            "{flag} {url:?}: give the peer's base URL without a path (scheme://host:port); each request keeps its own path"
        ));
    }
    Ok(format!("{scheme}://{}", rest.trim_end_matches('/')))
}

/// Checks a base URL: http or https, a host; returns whether it has a path.
fn check_base_url(url: &str) -> Result<bool, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("not a URL: write e.g. https://connector.example.com:8443".to_owned());
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme {scheme}: write http:// or https://"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err("no host: write e.g. https://connector.example.com:8443".to_owned());
    }
    Ok(!path.is_empty() && path != "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_scheme_host_and_port_and_refuse_paths() {
        assert_eq!(
            base_url("--crm", "https://crm.example:9443/")
                .ok()
                .as_deref(),
            Some("https://crm.example:9443")
        );
        let e = base_url("--crm", "https://crm.example:9443/sap/x").unwrap_err();
        assert!(e.contains("without a path"), "{e}");
        let e = base_url("--connector", "ftp://x").unwrap_err();
        assert!(e.contains("http:// or https://"), "{e}");
        let e = super::super::parse_resolve("host:1.2.3.4").unwrap_err();
        assert!(e.contains("NAME=IP"), "{e}");
        assert!(super::super::parse_resolve("h=127.0.0.2").is_ok());
    }
}
