//! Checks across files: key ↔ certificate, certificate ↔ CA_FILE (with the two CA models), the
//! peer's CA ↔ CA_FILE, and finally whether rustls accepts the whole set.

use std::path::Path;

use rustls_pki_types::CertificateDer;

use super::files::{self, FileRef, open_pem};
use super::report::Finding;
use super::{Doctor, Loaded, codes};
use crate::inspect::inspect;
use crate::pki::Layout;

fn same_ca(a: &CertificateDer<'_>, b: &CertificateDer<'_>) -> bool {
    if a == b {
        return true;
    }
    match (inspect(a), inspect(b)) {
        (Ok(x), Ok(y)) => x.subject == y.subject && crate::keys::key_matches_spki(a, b),
        _ => false,
    }
}

/// Whether `cert` chains to one of `cas`, possibly through `intermediates`.
pub(super) fn chains_to(
    cert: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    cas: &[CertificateDer<'_>],
    depth: usize,
) -> bool {
    if cas.iter().any(|ca| crate::inspect::issued_by(cert, ca)) {
        return true;
    }
    depth < 4
        && intermediates.iter().any(|i| {
            i != cert
                && crate::inspect::issued_by(cert, i)
                && chains_to(i, intermediates, cas, depth + 1)
        })
}
impl Doctor<'_> {
    pub(super) fn cross_checks(&mut self, loaded: &Loaded) {
        let Some(leaf) = loaded.chain.first() else {
            return;
        };
        let chain_file = loaded.chain_file.clone().unwrap_or_default();
        if let Some((key, key_file)) = &loaded.key {
            match crate::keys::key_matches_cert(leaf, key) {
                Ok(true) => {}
                Ok(false) => self.push(Finding::error(
                    codes::KEY_MISMATCH,
                    format!("the private key in {} does not belong to the certificate in {}", key_file.display(), chain_file.display()),
                    "Use the key generated together with this certificate (compare `openssl x509 -noout -pubkey -in CERT` with `openssl pkey -pubout -in KEY`).",
                ).at(key_file, None)),
                Err(e) => self.push(Finding::error(
                    codes::KEY_UNREADABLE,
                    format!("the private key in {} cannot be read: {e}", key_file.display()),
                    "Supported are unencrypted PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys in PEM.",
                ).at(key_file, None)),
            }
        }
        if !loaded.cas.is_empty() {
            let ca_file = loaded.ca_file.clone().unwrap_or_default();
            self.check_issuer(leaf, &loaded.chain[1..], &loaded.cas, &chain_file, &ca_file);
            if let Some(peer) = self.opts.peer_ca.clone() {
                self.check_peer_ca(&peer, &loaded.cas, &ca_file);
            }
        }
    }

    fn check_issuer(
        &mut self,
        leaf: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        cas: &[CertificateDer<'_>],
        chain_file: &Path,
        ca_file: &Path,
    ) {
        if chains_to(leaf, intermediates, cas, 0) {
            return;
        }
        let Ok(info) = inspect(leaf) else {
            return;
        };
        let ca_subjects: Vec<String> = cas
            .iter()
            .filter_map(|c| inspect(c).ok())
            .map(|i| i.subject)
            .collect();
        let same_name = ca_subjects.contains(&info.issuer);
        let per_side = self.opts.layout == Some(Layout::CaPerSide) || self.opts.peer_ca.is_some();
        let message = format!(
            "the certificate (issuer {:?}) is not issued by CA_FILE ({})",
            info.issuer,
            ca_subjects.join("; ")
        );
        let finding = if same_name && self.opts.layout != Some(Layout::CaPerSide) {
            Finding::error(
                codes::NOT_ISSUED_BY_CA_FILE,
                format!(
                    "{message}: same CA name, but the signature does not verify with CA_FILE's key"
                ),
                "The CA was regenerated under the same name, or CA_FILE is from another installation: put the CA certificate that really issued this certificate into CA_FILE, or reissue the certificate.",
            )
        } else if per_side {
            Finding::info(
                codes::ISSUED_BY_OTHER_SIDE_CA,
                format!(
                    "{message}; expected in the Separate CA model, where CA_FILE holds the other side's CA"
                ),
                "Make sure the other side trusts the CA that issued this certificate.",
            )
        } else if self.opts.layout == Some(Layout::OneCa) {
            Finding::error(
                codes::NOT_ISSUED_BY_CA_FILE,
                message,
                "In the One CA model the certificate and CA_FILE come from the same CA: put that CA's certificate into CA_FILE, or get a certificate issued by the CA in CA_FILE.",
            )
        } else {
            Finding::warning(
                codes::NOT_ISSUED_BY_CA_FILE,
                message,
                "In the One CA model this is an error: put the issuing CA into CA_FILE. In the Separate CA model it is expected (CA_FILE holds the peer's CA); say so with --layout ca-per-side and give --peer-ca to check the peer's CA.",
            )
        };
        self.push(finding.at(chain_file, None).also_note(ca_file));
    }

    fn check_peer_ca(&mut self, peer: &Path, cas: &[CertificateDer<'_>], ca_file: &Path) {
        let peer_ref = FileRef::plain("peer CA file", peer);
        if !peer.exists() {
            let base = peer.parent().unwrap_or(Path::new(".")).to_path_buf();
            let f = files::missing(&peer_ref, &base);
            self.push(f);
            return;
        }
        let Some(contents) = open_pem(&peer_ref, &mut self.findings) else {
            return;
        };
        let trusted = |c: &CertificateDer<'_>| match inspect(c) {
            Ok(i) if i.is_ca() => cas.iter().any(|ca| same_ca(ca, c)),
            Ok(_) => chains_to(c, &contents.certs, cas, 0),
            Err(_) => false,
        };
        let untrusted: Vec<String> = contents
            .certs
            .iter()
            .filter(|c| !trusted(c))
            .map(crate::inspect::subject_of)
            .collect();
        if contents.certs.is_empty() || !untrusted.is_empty() {
            self.push(Finding::error(
                codes::PEER_CA_NOT_TRUSTED,
                format!(
                    "the peer's CA is not trusted: {} is not in (or issued by) CA_FILE {}",
                    if untrusted.is_empty() { "(no certificate in the peer file)".to_string() } else { untrusted.join("; ") },
                    ca_file.display()
                ),
                "In the Separate CA model each side's CA_FILE must hold the OTHER side's CA certificate: put the peer side's CA certificate into CA_FILE (the connector: the CRM side's CA; SAP: the connector side's CA in STRUST).",
            ).at(ca_file, None));
        }
    }

    /// With everything loaded and no errors so far: would rustls accept it?
    pub(super) fn tls_self_check(&mut self, loaded: &Loaded) {
        let (Some((key, key_file)), false, false) =
            (&loaded.key, loaded.chain.is_empty(), loaded.cas.is_empty())
        else {
            return;
        };
        let origin = crate::error::in_memory();
        let result =
            crate::Identity::from_parts(loaded.chain.clone(), key.clone_key(), &origin, &origin)
                .and_then(|identity| {
                    let trust = crate::TrustStore::new(loaded.cas.clone());
                    let opts = crate::TlsOptions::default();
                    crate::tls::server_config(&identity, &trust, &opts)?;
                    crate::tls::client_config(&identity, &trust, &opts)?;
                    Ok(())
                });
        if let Err(e) = result {
            self.push(Finding::error(
                codes::TLS_CONFIG_REFUSED,
                format!("rustls refuses this material: {e}"),
                "Each file looked fine on its own; the combination is not usable for TLS. Regenerate the key and certificate (crmsim certs new) if the message names the key.",
            ).at(key_file, None));
        }
    }
}

trait AlsoNote {
    fn also_note(self, other: &Path) -> Self;
}

impl AlsoNote for Finding {
    /// Adds the other file involved to the message.
    fn also_note(mut self, other: &Path) -> Self {
        self.message
            .push_str(&format!(" [CA_FILE: {}]", other.display()));
        self
    }
}
