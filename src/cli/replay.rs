//! `crmsim replay CAPTURE --against URL`: a capture as a regression test of a connector.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use harness::exit;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  crmsim replay capture.jsonl --against https://cti01.corp.example:8443 \\
    --crm-dir sap-side --password '...' --junit replay.xml

Plays the SAP CRM side of the captures again (every agent's requests in recorded order and \
pacing) against the connector at URL, with an event sink of its own, and compares every answer \
and event with the recording: elements, attributes, value types and vocabulary words (ids and \
times are not compared; ids the connector assigns are learned and put into later requests). \
Live events the recording did not have are listed, not judged. \
Exit codes: 0 same as recorded, 1 different, 2 bad input, 3 cannot run.")]
pub struct ReplayArgs {
    /// Captures (`crmsim record --out`), played together.
    #[arg(required = true)]
    pub captures: Vec<PathBuf>,
    /// The connector's ICI endpoint, e.g. https://connector-b.example.com:8443/ici (without a
    /// path, the dialect's).
    #[arg(long, value_name = "URL")]
    pub against: String,
    /// The dialect the capture speaks (default: crmsim's built-in one).
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// The SAP side's folder (crm.crt.pem, crm.key.pem, trust-ca.pem): the replay presents this
    /// certificate to the connector and on its event sink. Needed for https.
    #[arg(long, value_name = "DIR")]
    pub crm_dir: Option<PathBuf>,
    /// Where the replay's event sink listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub sink_listen: SocketAddr,
    /// The sink URL given to the connector in subscriptions ({port}: the sink's port); default
    /// http(s)://127.0.0.1:{port} and the dialect's event path.
    #[arg(long, value_name = "URL")]
    pub sink_url: Option<String>,
    /// Dial NAME at IP (the URL's port stays); TLS still verifies NAME. Repeatable.
    #[arg(long, value_name = "NAME=IP")]
    pub resolve: Vec<String>,
    /// Play this many times as fast as recorded (0.5: half as fast).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// How long to wait for each recorded event.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub event_timeout: Duration,
    /// The agents' password, put back where the capture masked it (`***`).
    #[arg(long)]
    pub password: Option<String>,
    /// Write what the replay found as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write JUnit XML (one test case per agent) here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

pub fn run(args: &ReplayArgs) -> ExitCode {
    if let Err(code) = super::outputs_writable([("--json", &args.json), ("--junit", &args.junit)]) {
        return code;
    }
    let bad = |why: String| {
        eprintln!("crmsim: {why}");
        exit::code(exit::BAD_INPUT)
    };
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return bad(format!(
            "--speed {}: give a positive factor, e.g. 2 for twice as fast",
            args.speed
        ));
    }
    let https = args.against.starts_with("https://");
    if !https && !args.against.starts_with("http://") {
        return bad(format!(
            "--against {:?}: write an http:// or https:// URL",
            args.against
        ));
    }
    if https != args.crm_dir.is_some() {
        return bad(if https {
            "--against is https: give --crm-dir, the SAP side's folder whose certificate the replay presents".to_owned()
        } else {
            "--against is plain http: leave --crm-dir out, or use https://".to_owned()
        });
    }
    let dialect = match &args.dialect {
        Some(path) => match ici::Dialect::load(path) {
            Ok(d) => Arc::new(d),
            Err(e) => return bad(e.to_string()),
        },
        None => ici::Dialect::builtin(),
    };
    let mut captures = Vec::new();
    for p in &args.captures {
        match capture::Capture::read(p) {
            Ok(c) => captures.push(c),
            Err(e) => return bad(e.to_string()),
        }
    }
    let script = replay::build(&dialect, &captures);
    if script.requests() == 0 {
        return bad(format!(
            "the captures hold no request that dialect {} reads ({} messages did not read{}); give the dialect they speak with --dialect",
            dialect.name(),
            script.unreadable.len(),
            script
                .unreadable
                .first()
                .map(|u| format!(", first {u}"))
                .unwrap_or_default()
        ));
    }
    let (client_tls, sink_tls) = match &args.crm_dir {
        Some(dir) => match tls(dir) {
            Ok(t) => (Some(t.0), Some(t.1)),
            Err(why) => return bad(why),
        },
        None => (None, None),
    };
    let mut resolve = Vec::new();
    for r in &args.resolve {
        match r
            .split_once('=')
            .map(|(n, ip)| (n, ip.parse::<std::net::IpAddr>()))
        {
            Some((name, Ok(ip))) => resolve.push((name.to_owned(), SocketAddr::new(ip, 0))),
            _ => {
                return bad(format!(
                    "--resolve {r:?}: write NAME=IP, e.g. connector.example.com=10.0.0.5"
                ));
            }
        }
    }
    let sink_url = args.sink_url.clone().unwrap_or_else(|| {
        format!(
            "{}://127.0.0.1:{{port}}{}",
            if https { "https" } else { "http" },
            dialect.event_path()
        )
    });
    let options = replay::PlayOptions {
        against: args.against.clone(),
        dialect,
        client_tls,
        sink_tls,
        sink_listen: args.sink_listen,
        sink_url,
        resolve,
        speed: args.speed,
        event_timeout: args.event_timeout,
        password: args.password.clone(),
    };
    let runtime = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crmsim: cannot start the async runtime: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    println!(
        "crmsim replay: {} agents, {} requests and {} events recorded, against {}",
        script.tracks.len(),
        script.requests(),
        script.events(),
        args.against
    );
    let outcome = match runtime.block_on(replay::play(&script, options)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("crmsim: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let mut written = Ok(());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&outcome).unwrap_or_default();
        written = written.and(harness::report::write_file(path, &(text + "\n")));
    }
    if let Some(path) = &args.junit {
        written = written.and(harness::report::write_file(path, &outcome.junit()));
    }
    print!("{}", outcome.render());
    if let Err(e) = written {
        eprintln!("crmsim: cannot write a report: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    if outcome.same() {
        exit::code(exit::PASS)
    } else {
        exit::code(exit::FAIL)
    }
}

/// The CRM's client towards the connector and the sink's server config, from its folder.
fn tls(dir: &std::path::Path) -> Result<(transport::ClientTls, Arc<rustls::ServerConfig>), String> {
    let crm = certs::folder::load_crm_folder(dir)
        .map_err(|e| format!("--crm-dir {}: {e}", dir.display()))?;
    let options = certs::TlsOptions::default();
    let verifier = certs::server_verifier(&crm.trust).map_err(|e| e.to_string())?;
    let client = certs::tls::client_config_with_verifier(&crm.identity, verifier.clone(), &options)
        .map_err(|e| e.to_string())?;
    let server =
        certs::server_config(&crm.identity, &crm.trust, &options).map_err(|e| e.to_string())?;
    Ok((
        transport::ClientTls {
            config: client,
            verifier,
        },
        Arc::new(server),
    ))
}
