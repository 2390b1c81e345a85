//! A served component's TLS material: from a folder (read by the caller with `certs::folder`) or
//! from the PEM files a `[tls]` table names, and its one-line description for the start line,
//! so that the operator sees at once which certificate is presented and which CA is trusted.

use certs::{Identity, TlsOptions, TrustStore};

use super::config::{ConfigFile, TlsTable};
use harness::topology::{SideMaterial, SideTls};
use scenario::ScenarioError;

/// A `[tls]` table next to a folder may only tune the protocol: the folder has the files and
/// says whether SSL is on.
pub fn protocol_only(
    file: &ConfigFile,
    table: Option<&TlsTable>,
    folder_key: &str,
) -> Result<(), ScenarioError> {
    let Some(t) = table else {
        return Ok(());
    };
    let set = [
        ("enabled", t.enabled.is_some()),
        ("cert", t.cert.is_some()),
        ("key", t.key.is_some()),
        ("ca", t.ca.is_some()),
    ];
    match set.iter().find(|(_, present)| *present) {
        Some((key, _)) => Err(file.error_at(
            &["tls", key],
            format!(
                "{folder_key} already says this (its files decide SSL and certificates); remove tls.{key}, or remove {folder_key} and name the PEM files in [tls]"
            ),
        )),
        None => Ok(()),
    }
}

/// Without a folder, the `[tls]` table must say everything: SSL off and no files, or SSL on with
/// a certificate and a CA. There is no safe default without either: the operator must say which.
pub fn check_table(
    file: &ConfigFile,
    table: Option<&TlsTable>,
    folder_key: &str,
) -> Result<(), ScenarioError> {
    let Some(t) = table else {
        return Err(file.source().error(
            None,
            format!(
                "no TLS settings: give {folder_key} = \"<folder>\", or a [tls] table with cert and ca (enabled = false for plain HTTP)"
            ),
        ));
    };
    if t.enabled == Some(false) {
        for (key, present) in [("cert", &t.cert), ("key", &t.key), ("ca", &t.ca)] {
            if present.is_some() {
                return Err(file.error_at(
                    &["tls", key],
                    format!("SSL is off (tls.enabled = false): remove tls.{key}"),
                ));
            }
        }
        return Ok(());
    }
    for (key, present) in [("cert", &t.cert), ("ca", &t.ca)] {
        if present.is_none() {
            return Err(file.error_at(
                &["tls", key],
                format!(
                    "SSL is on: tls.{key} must name a PEM file (or give {folder_key}, or set tls.enabled = false)"
                ),
            ));
        }
    }
    Ok(())
}

/// The material a checked `[tls]` table names (see [`check_table`]), with where its CA came
/// from; `None` when it says `enabled = false`.
pub fn from_table(
    file: &ConfigFile,
    table: Option<&TlsTable>,
    folder_key: &str,
) -> Result<Option<(SideMaterial, String)>, ScenarioError> {
    check_table(file, table, folder_key)?;
    let (Some(t), Some(cert), Some(ca)) = (
        table,
        table.and_then(|t| t.cert.as_ref()),
        table.and_then(|t| t.ca.as_ref()),
    ) else {
        return Ok(None);
    };
    let cert = file.file(&["tls", "cert"], cert)?;
    let ca = file.file(&["tls", "ca"], ca)?;
    let key = match &t.key {
        Some(p) => Some(file.file(&["tls", "key"], p)?),
        None => None,
    };
    let certs_error = |key: &str, e: certs::CertError| {
        file.error_at(
            &["tls", key],
            format!("{e}; `crmsim certs check` explains what is wrong with PEM files"),
        )
    };
    // The error names its file; point at the key that names that file.
    let identity = certs::Identity::load(&cert, key.as_deref()).map_err(|e| {
        let about_key = key.is_some() && e.path().is_some_and(|p| Some(p) == key.as_deref());
        certs_error(if about_key { "key" } else { "cert" }, e)
    })?;
    let peer_roots = certs::TrustStore::load(&ca).map_err(|e| certs_error("ca", e))?;
    let origin = ca.display().to_string();
    Ok(Some((
        SideMaterial {
            identity,
            peer_roots,
        },
        origin,
    )))
}

/// Both TLS roles of the side; `anonymous`: the client presents no certificate (SM59 ANONYM).
pub fn configs(
    file: &ConfigFile,
    material: &SideMaterial,
    side: &str,
    options: &TlsOptions,
    anonymous: bool,
) -> Result<SideTls, ScenarioError> {
    let bad = |e: harness::topology::MaterialError| file.source().error(None, e.to_string());
    let tls = material.configs(side, options).map_err(bad)?;
    if anonymous {
        return material.anonymous_client(&tls, side, options).map_err(bad);
    }
    Ok(tls)
}

/// `TLS on (certificate connector.example.com, trusts "CN=Company CA" from ./ssl/ca.pem)`.
pub fn describe(material: Option<&SideMaterial>, ca_origin: &str) -> String {
    match material {
        None => "TLS off (plain HTTP)".to_owned(),
        Some(m) => format!(
            "TLS on (certificate {}, trusts {} from {ca_origin})",
            identity_name(&m.identity),
            trusted(&m.peer_roots)
        ),
    }
}

/// What `certs check` would say of this side's certificate's dates (expired, not yet valid,
/// expiring soon), as start-up warnings: a server may still start with it (a test of how the
/// peer refuses it), but never without a word.
pub fn date_warnings(identity: &Identity) -> Vec<String> {
    certs::doctor::own_certificate_dates(identity.leaf(), std::path::Path::new(""), "own")
        .into_iter()
        .filter(|f| f.severity != certs::Severity::Info)
        .map(|f| match f.severity {
            certs::Severity::Error => {
                format!(
                    "{}: peers will refuse it. {} ({})",
                    f.message, f.hint, f.code
                )
            }
            _ => format!("{}. {} ({})", f.message, f.hint, f.code),
        })
        .collect()
}

/// The DNS names of a certificate: what a peer dialling this side verifies.
pub fn dns_names(identity: &Identity) -> Vec<String> {
    certs::inspect::inspect(identity.leaf())
        .map(|info| info.dns_names)
        .unwrap_or_default()
}

fn identity_name(identity: &Identity) -> String {
    match certs::inspect::inspect(identity.leaf()) {
        Ok(info) if !info.dns_names.is_empty() => info.dns_names.join(", "),
        Ok(info) => format!("{:?}", info.subject),
        Err(why) => format!("(unreadable: {why})"),
    }
}

fn trusted(roots: &TrustStore) -> String {
    let subjects: Vec<String> = roots
        .certs()
        .iter()
        .map(|c| match certs::inspect::inspect(c) {
            Ok(info) => format!("{:?}", info.subject),
            Err(why) => format!("(unreadable CA: {why})"),
        })
        .collect();
    if subjects.is_empty() {
        "no CA".to_owned()
    } else {
        subjects.join(" and ")
    }
}
