//! `crmsim certs new | check | convert`: the connector guide's certificate material, generated,
//! checked and converted.

use std::path::PathBuf;
use std::process::ExitCode;

use certs::layout::{FileNames, NewOptions, PemStyle, Sides};
use certs::text::TextEncoding;
use certs::{KeyAlgorithm, Layout};
use clap::{Subcommand, ValueEnum};

use harness::exit;

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Generate the material of one of the guide's four models, laid out as the connector's
    /// install folder (ssl.ini, CRMConnectorSAP_<name>.ini, ssl/*.pem) plus the SAP side.
    #[command(after_help = "Examples:
  crmsim certs new pki --crm-host crm01.corp.example --connector-host cti01.corp.example
  crmsim certs new pki --layout ca-per-side --pem split --sides ab \\
    --connector-host cti-a.corp.example --connector-host cti-b.corp.example \\
    --service-host cti.corp.example")]
    New(Box<NewArgs>),
    /// The doctor: check an ssl.ini, a connector folder, the SAP-side folder, or PEM files.
    /// Exit 0: no error (warnings allowed); 1: errors found; 2: bad arguments.
    #[command(after_help = "Examples:
  crmsim certs check 'C:/Program Files (x86)/BucherSuter/MCAforSAP/CRMConnectorSAP'
  crmsim certs check pki/connector --host cti01.corp.example --json")]
    Check(CheckArgs),
    /// Convert a certificate or key between DER (Windows .cer) and PEM, by the output's
    /// extension (.der/.cer → DER, anything else → PEM).
    #[command(after_help = "Examples:
  crmsim certs convert pki/crm/trust-ca.pem trust-ca.cer
  crmsim certs convert exported.cer exported.pem")]
    Convert { input: PathBuf, output: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    /// "One CA Certificate": both sides issued by one CA.
    OneCa,
    /// "Separate CA Certificates": each side its own CA, trusting the other's.
    CaPerSide,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PemArg {
    /// One PEM file with certificate and key (PEM_FILE).
    Single,
    /// Separate certificate and key files (CRT_FILE + KEY_FILE).
    Split,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SidesArg {
    /// One connector.
    One,
    /// The failover pair, side A and side B.
    Ab,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyArg {
    /// RSA-2048 with sha256WithRSAEncryption (the guide's).
    Rsa2048,
    /// ECDSA P-256 (cheaper handshakes; not what the guide asks for).
    EcdsaP256,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EncodingArg {
    /// Windows-1252, CRLF: what Notepad's "ANSI" writes; safe for the en dash in file names.
    Ansi,
    Utf8,
    /// UTF-16LE with BOM (Notepad's "Unicode").
    Utf16,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// Folder to write into (must be empty or missing, unless --force).
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "one-ca")]
    pub layout: LayoutArg,
    #[arg(long, value_enum, default_value = "single")]
    pub pem: PemArg,
    #[arg(long, value_enum, default_value = "one")]
    pub sides: SidesArg,
    #[arg(long, value_enum, default_value = "rsa2048")]
    pub key: KeyArg,
    /// Validity of every certificate, in days.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// The CRM's host name (subject and SAN).
    #[arg(long, default_value = "crm.crmsim.test")]
    pub crm_host: String,
    /// The connector's host name; give it twice (A, then B) with --sides ab.
    #[arg(long = "connector-host")]
    pub connector_hosts: Vec<String>,
    /// Extra SAN (DNS name or IP address) on every certificate; repeatable.
    #[arg(long = "san")]
    pub sans: Vec<String>,
    /// The name the CRM dials when a proxy stands in front of sides A and B: added to the
    /// connector certificates only; repeatable.
    #[arg(long = "service-host")]
    pub service_hosts: Vec<String>,
    /// Events via the proxy's static route: writes TpiDllParameter=SSL PROXY=<HOST:PORT>.
    #[arg(long, value_name = "HOST:PORT")]
    pub proxy: Option<String>,
    /// <name> of CRMConnectorSAP_<name>.ini.
    #[arg(long, default_value = "SAP1")]
    pub ini_name: String,
    #[arg(long, value_enum, default_value = "ansi")]
    pub ini_encoding: EncodingArg,
    /// Password of the SAP side's PKCS#12 bundle (default "changeit").
    #[arg(long)]
    pub p12_password: Option<String>,
    /// Override the CA file name (one-CA model).
    #[arg(long)]
    pub ca_file_name: Option<String>,
    /// Override the single PEM file name; `{side}` becomes " Side A" etc.
    #[arg(long)]
    pub pem_file_name: Option<String>,
    /// Override the split certificate file name.
    #[arg(long)]
    pub cert_file_name: Option<String>,
    /// Override the split key file name.
    #[arg(long)]
    pub key_file_name: Option<String>,
    /// Write into a non-empty folder, replacing files of the same name.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// An ssl.ini, a connector folder, the SAP-side folder, a connector ini, or a PEM file.
    pub path: PathBuf,
    /// Key file, when PATH is a certificate without its key.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// CA file this side trusts, when PATH is a certificate.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// The host name the peer dials to reach this side; checked against the SANs.
    #[arg(long)]
    pub host: Option<String>,
    /// The peer side's CA certificate (or the peer's certificate): must be trusted by CA_FILE.
    #[arg(long)]
    pub peer_ca: Option<PathBuf>,
    /// Which of the guide's CA models applies.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: CertsCommand) -> ExitCode {
    match command {
        CertsCommand::New(args) => new(*args),
        CertsCommand::Check(args) => check(&args),
        CertsCommand::Convert { input, output } => match certs::convert::convert(&input, &output) {
            Ok(done) => {
                println!(
                    "{} → {}: {}",
                    input.display(),
                    output.display(),
                    done.summary
                );
                exit::code(exit::PASS)
            }
            Err(e) => {
                eprintln!("crmsim: {e}");
                exit::code(exit::BAD_INPUT)
            }
        },
    }
}

fn layout(arg: LayoutArg) -> Layout {
    match arg {
        LayoutArg::OneCa => Layout::OneCa,
        LayoutArg::CaPerSide => Layout::CaPerSide,
    }
}

fn new(a: NewArgs) -> ExitCode {
    let sides = match a.sides {
        SidesArg::One => Sides::One,
        SidesArg::Ab => Sides::AB,
    };
    let defaults = match sides {
        Sides::One => NewOptions::default(),
        Sides::AB => NewOptions::sides_ab(),
    };
    let proxy = match a.proxy.as_deref().map(parse_host_port).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("crmsim: --proxy {e}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    let mut names = FileNames::default();
    for (value, slot) in [
        (a.ca_file_name, &mut names.company_ca),
        (a.pem_file_name, &mut names.certificate),
        (a.cert_file_name, &mut names.cert_file),
        (a.key_file_name, &mut names.key_file),
    ] {
        if let Some(v) = value {
            *slot = v;
        }
    }
    let opts = NewOptions {
        layout: layout(a.layout),
        pem: match a.pem {
            PemArg::Single => PemStyle::Single,
            PemArg::Split => PemStyle::Split,
        },
        sides,
        key: match a.key {
            KeyArg::Rsa2048 => KeyAlgorithm::Rsa2048,
            KeyArg::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        },
        validity_days: a.days,
        crm_host: a.crm_host,
        connector_hosts: if a.connector_hosts.is_empty() {
            defaults.connector_hosts.clone()
        } else {
            a.connector_hosts
        },
        extra_sans: a.sans,
        connector_sans: a.service_hosts,
        names,
        p12_password: a.p12_password,
        proxy,
        connector_ini_name: a.ini_name,
        ini_encoding: match a.ini_encoding {
            EncodingArg::Ansi => TextEncoding::Windows1252,
            EncodingArg::Utf8 => TextEncoding::Utf8,
            EncodingArg::Utf16 => TextEncoding::Utf16LeBom,
        },
        overwrite: a.force,
    };
    match certs::layout::write_new(&a.out, &opts) {
        Ok(written) => {
            println!(
                "wrote {} files to {}:",
                written.files.len(),
                written.root.display()
            );
            for f in &written.files {
                let shown = f.strip_prefix(&written.root).unwrap_or(f);
                println!("  {}", shown.display());
            }
            println!(
                "see {} for what to copy where",
                written.root.join("README.txt").display()
            );
            exit::code(exit::PASS)
        }
        Err(e) => {
            eprintln!("crmsim: {e}");
            exit::code(exit::BAD_INPUT)
        }
    }
}

fn check(a: &CheckArgs) -> ExitCode {
    let hint = manifest_hint(&a.path);
    if let Some(note) = &hint.note
        && !a.json
    {
        println!("{note}");
    }
    let opts = certs::doctor::CheckOptions {
        expected_host: a.host.clone().or(hint.host),
        peer_ca: a.peer_ca.clone().or(hint.peer),
        layout: a.layout.map(layout).or(hint.layout),
        now: None,
    };
    let report = if a.key.is_some() || a.ca.is_some() {
        certs::doctor::check_pem_files(&a.path, a.key.as_deref(), a.ca.as_deref(), &opts)
    } else {
        certs::doctor::check(&a.path, &opts)
    };
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("crmsim: cannot render the findings as JSON: {e}");
                return exit::code(exit::CANNOT_RUN);
            }
        }
    } else {
        print!("{}", report.render_human());
    }
    exit::code(if report.exit_code() == 0 {
        exit::PASS
    } else {
        exit::FAIL
    })
}

/// What a `manifest.json` next to the checked folder says, when `certs new` wrote it.
#[derive(Default)]
struct ManifestHint {
    layout: Option<Layout>,
    /// The peer's certificate, to check that this side trusts its CA.
    peer: Option<PathBuf>,
    /// This side's host name, to check against its SANs.
    host: Option<String>,
    note: Option<String>,
}

/// Reads the layout and the peer's certificate from the `manifest.json` of a `certs new` output,
/// so that checking one of its folders needs no flags. Anything unexpected: no hint.
fn manifest_hint(path: &std::path::Path) -> ManifestHint {
    let dir = if path.is_dir() {
        Some(path)
    } else {
        path.parent()
    };
    let Some(dir) = dir else {
        return ManifestHint::default();
    };
    let Some(root) = dir.parent() else {
        return ManifestHint::default();
    };
    let manifest_path = root.join("manifest.json");
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        return ManifestHint::default();
    };
    let Ok(m) = serde_json::from_str::<serde_json::Value>(&text) else {
        return ManifestHint::default();
    };
    let layout = match m["layout"].as_str() {
        Some("one-ca") => Some(Layout::OneCa),
        Some("ca-per-side") => Some(Layout::CaPerSide),
        _ => None,
    };
    let here = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let crm_dir = m["crm"]["dir"].as_str();
    let connectors: Vec<(&str, &str)> = m["connectors"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| Some((c["dir"].as_str()?, c["host"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    let leaf_in = |folder: &str, host: &str| -> Option<PathBuf> {
        m["files"].as_array()?.iter().find_map(|f| {
            let path = f["path"].as_str()?;
            let holds_leaf = f["certificates"]
                .as_array()?
                .iter()
                .any(|c| c["subject"].as_str().is_some_and(|s| s.contains(host)));
            (path.starts_with(&format!("{folder}/")) && holds_leaf).then(|| root.join(path))
        })
    };
    let crm_host = m["crm"]["host"].as_str().unwrap_or_default();
    let (peer, host) = match here.as_deref() {
        Some(h) if Some(h) == crm_dir => (
            connectors.first().and_then(|(d, host)| leaf_in(d, host)),
            Some(crm_host.to_owned()),
        ),
        Some(h) => match connectors.iter().find(|(d, _)| *d == h) {
            Some((_, host)) => (
                crm_dir.and_then(|d| leaf_in(d, crm_host)),
                Some((*host).to_owned()),
            ),
            None => (None, None),
        },
        None => (None, None),
    };
    let note = layout.map(|l| {
        format!(
            "(layout {}, host and the peer's certificate taken from {}; override with --layout, --host, --peer-ca)\n",
            match l {
                Layout::OneCa => "one-ca",
                Layout::CaPerSide => "ca-per-side",
            },
            manifest_path.display()
        )
    });
    ManifestHint {
        layout,
        peer,
        host,
        note,
    }
}

/// `host:port` with a valid port.
fn parse_host_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("{text:?}: write HOST:PORT, e.g. 10.0.0.5:8444"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{text:?}: {port:?} is not a port number"))?;
    if host.is_empty() {
        return Err(format!("{text:?}: the host is empty"));
    }
    Ok((host.to_owned(), port))
}
