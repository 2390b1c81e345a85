//! Checks of single certificates: validity, algorithms, names, usages, CA flags.

use std::net::IpAddr;
use std::path::Path;

use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

use super::codes;
use super::report::Finding;
use crate::inspect::{CertInfo, PublicKeyKind, inspect};

/// Certificates expiring within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// What the checks need to know beyond the certificate.
pub(crate) struct Ctx {
    pub now: OffsetDateTime,
    pub expected_host: Option<String>,
}

fn date(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The doctor's date checks of a side's own certificate, for loaders that start a server with
/// it (`crmsim serve`): the same findings `certs check` gives, so the two never disagree about
/// whether a certificate is expired, not yet valid or about to expire.
pub fn own_certificate_dates(cert: &CertificateDer<'_>, file: &Path, role: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(info) = parse(cert, file, role, &mut findings) {
        let ctx = Ctx {
            now: OffsetDateTime::now_utc(),
            expected_host: None,
        };
        check_validity(&info, file, role, &ctx, &mut findings);
    }
    findings
}

/// Parses a certificate; an unparsable one becomes a finding.
pub(crate) fn parse(
    cert: &CertificateDer<'_>,
    file: &Path,
    role: &str,
    findings: &mut Vec<Finding>,
) -> Option<CertInfo> {
    match inspect(cert) {
        Ok(info) => Some(info),
        Err(e) => {
            findings.push(
                Finding::error(
                    codes::CERT_UNPARSABLE,
                    format!("the {role} certificate cannot be parsed: {e}"),
                    "Export the certificate again as a PEM X.509 certificate.",
                )
                .at(file, None),
            );
            None
        }
    }
}

pub(crate) fn check_validity(
    info: &CertInfo,
    file: &Path,
    role: &str,
    ctx: &Ctx,
    findings: &mut Vec<Finding>,
) {
    let who = format!("{role} certificate {:?}", info.subject);
    if info.not_after < ctx.now {
        findings.push(
            Finding::error(
                codes::CERT_EXPIRED,
                format!("{who} expired on {}", date(info.not_after)),
                "Issue a new certificate (crmsim certs new makes a fresh set) and replace the file on both sides.",
            )
            .at(file, None),
        );
    } else if info.not_before > ctx.now {
        findings.push(
            Finding::error(
                codes::CERT_NOT_YET_VALID,
                format!("{who} is valid only from {}", date(info.not_before)),
                "Check the clocks of this machine and of the machine that issued it; or issue it with a start date in the past.",
            )
            .at(file, None),
        );
    } else if info.not_after < ctx.now + Duration::days(EXPIRY_WARNING_DAYS) {
        let days = (info.not_after - ctx.now).whole_days();
        findings.push(
            Finding::warning(
                codes::CERT_EXPIRING_SOON,
                format!("{who} expires in {days} day(s), on {}", date(info.not_after)),
                "Plan the renewal now: both sides must get the new certificate (and CA) at the same time.",
            )
            .at(file, None),
        );
    }
}

fn check_algorithms(info: &CertInfo, file: &Path, role: &str, findings: &mut Vec<Finding>) {
    if !info.is_sha256_rsa() {
        findings.push(
            Finding::warning(
                codes::SIGNATURE_NOT_SHA256_RSA,
                format!(
                    "the {role} certificate is signed with {}, the connector guide requires sha256RSA (sha256WithRSAEncryption)",
                    info.signature_name
                ),
                "Have the CA sign with SHA-256 and an RSA key (openssl: -sha256), or check that both peers accept this algorithm.",
            )
            .at(file, None),
        );
    }
    if let PublicKeyKind::Rsa { bits } = info.public_key
        && bits < 2048
    {
        findings.push(
            Finding::error(
                codes::RSA_KEY_TOO_SMALL,
                format!("the {role} certificate has a {bits}-bit RSA key; at least 2048 bits are needed"),
                "Generate a new RSA key of 2048 bits or more and a certificate for it (rustls and current OpenSSL refuse smaller keys).",
            )
            .at(file, None),
        );
    }
}

/// "host.domain": at least two labels of letters, digits and hyphens; not an IP address.
pub fn is_host_domain(name: &str) -> bool {
    name.parse::<IpAddr>().is_err()
        && name.split('.').count() >= 2
        && name.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Whether a SAN DNS name (possibly `*.domain`) covers `host`.
fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// Whether the certificate's SAN covers `host` (DNS name or IP literal).
pub fn san_covers(info: &CertInfo, host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => info.ip_addresses.contains(&ip),
        Err(_) => info.dns_names.iter().any(|d| dns_matches(d, host)),
    }
}

/// Checks of the certificate a party presents (as server and as client).
pub(crate) fn check_leaf(info: &CertInfo, file: &Path, ctx: &Ctx, findings: &mut Vec<Finding>) {
    let role = "own";
    check_validity(info, file, role, ctx, findings);
    check_algorithms(info, file, role, findings);
    let at = |f: Finding| f.at(file, None);
    match &info.common_name {
        Some(cn) if is_host_domain(cn) => {}
        other => findings.push(at(Finding::warning(
            codes::SUBJECT_NOT_HOST_DOMAIN,
            match other {
                Some(cn) => format!("the certificate's subject CN {cn:?} is not of the form host.domain"),
                None => format!("the certificate's subject {:?} has no CN", info.subject),
            },
            "The guide requires subject = host.domain (the fully qualified name the peer dials), e.g. CN=connector.company.example.",
        ))),
    }
    if !info.has_san || (info.dns_names.is_empty() && info.ip_addresses.is_empty()) {
        findings.push(at(Finding::error(
            codes::SAN_MISSING,
            "the certificate has no subjectAltName (DNS name or IP address)",
            "rustls and modern clients ignore the CN and check the SAN only: issue the certificate again with subjectAltName DNS:<host.domain> (openssl: -addext \"subjectAltName=DNS:host.domain\").",
        )));
    } else if let Some(host) = &ctx.expected_host
        && !san_covers(info, host)
    {
        let mut names: Vec<String> = info.dns_names.clone();
        names.extend(info.ip_addresses.iter().map(|i| i.to_string()));
        findings.push(at(Finding::error(
            codes::SAN_HOST_MISMATCH,
            format!("the certificate is for {} but the peer dials {host:?}", names.join(", ")),
            format!("Issue the certificate with subjectAltName DNS:{host}, or configure the peer to dial a name the certificate covers."),
        )));
    }
    if let Some(eku) = info.extended_key_usage {
        if !eku.server_auth {
            findings.push(at(Finding::error(
                codes::EKU_NO_SERVER_AUTH,
                "the certificate's extended key usage lacks serverAuth, so it cannot serve HTTPS",
                "Each side is TLS server and client with one certificate ([SSL_SERVER_CLIENT]): issue it with extendedKeyUsage = serverAuth, clientAuth.",
            )));
        }
        if !eku.client_auth {
            findings.push(at(Finding::error(
                codes::EKU_NO_CLIENT_AUTH,
                "the certificate's extended key usage lacks clientAuth, so the peer refuses it as a client certificate",
                "Each side is TLS server and client with one certificate ([SSL_SERVER_CLIENT]): issue it with extendedKeyUsage = serverAuth, clientAuth.",
            )));
        }
    }
    if info.is_ca() {
        findings.push(at(Finding::error(
            codes::LEAF_IS_CA,
            "the certificate presented by this side is a CA certificate (CA:TRUE)",
            "Present an end-entity certificate issued by the CA, not the CA certificate itself.",
        )));
    }
}

/// Checks of a certificate in CA_FILE.
pub(crate) fn check_ca(info: &CertInfo, file: &Path, ctx: &Ctx, findings: &mut Vec<Finding>) {
    check_validity(info, file, "CA", ctx, findings);
    if !info.is_ca() {
        findings.push(
            Finding::error(
                codes::CA_NOT_CA,
                format!(
                    "{:?} in the CA file is not a CA certificate (no basicConstraints CA:TRUE)",
                    info.subject
                ),
                "CA_FILE must hold the certificate of the CA that issued the peer's certificate, not the peer's (or an own) end-entity certificate. Put the CA's certificate there.",
            )
            .at(file, None),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_domain_shapes() {
        assert!(is_host_domain("crm.crmsim.test"));
        assert!(is_host_domain("a-b.example"));
        assert!(!is_host_domain("crm"));
        assert!(!is_host_domain("10.0.0.1"));
        assert!(!is_host_domain("my host.example"));
        assert!(!is_host_domain("*.example.com"));
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(dns_matches("*.crmsim.test", "crm.crmsim.test"));
        assert!(!dns_matches("*.crmsim.test", "a.b.crmsim.test"));
        assert!(dns_matches("CRM.crmsim.test", "crm.CRMSIM.test"));
    }
}
