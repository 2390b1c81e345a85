//! Why a TLS connection failed, in words an integrator can act on.
//!
//! A refused mutual-TLS handshake usually reaches application code as "connection closed" or a
//! generic I/O error. That is useless on a go-live night. This module digs the `rustls::Error`
//! out of whatever error chain carries it and names what the peer did: which alert it sent, or
//! which check of its certificate failed, and what to do about it.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use rustls::{AlertDescription, CertificateError};

/// One TLS failure, as seen by one side of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// We are the server and the client presented no certificate (we send alert
    /// `certificate_required` in TLS 1.3, `handshake_failure` in 1.2).
    NoClientCertificate,
    /// The peer's certificate is not issued by a CA we trust (alert `unknown_ca`).
    UnknownIssuer,
    /// The peer's certificate names a trusted issuer but the signature does not verify: a CA of
    /// the same name with another key (alert `decrypt_error`/`bad_certificate`).
    BadSignature,
    /// The peer's certificate has expired.
    Expired,
    /// The peer's certificate is not valid yet (clock skew, or issued in the future).
    NotYetValid,
    /// The server's certificate does not name the host we dialled.
    NameMismatch {
        /// The host name we dialled.
        expected: String,
        /// The names the certificate carries, comma-separated.
        presented: String,
    },
    /// The certificate's extended key usage lacks what this side needs (serverAuth or
    /// clientAuth; each side of ICI needs both).
    WrongKeyUsage {
        /// The purpose this side requires (`serverAuth` or `clientAuth`).
        required: String,
        /// The purposes the certificate has, comma-separated (`none` when it has none).
        presented: String,
    },
    /// Another certificate problem, as rustls words it.
    BadCertificate(String),
    /// The peer refused *us* and told us why with an alert.
    AlertReceived(String),
    /// A plaintext HTTP request arrived on our TLS port.
    PlaintextOnTlsPort,
    /// We spoke TLS and the peer answered in plain text (TLS is off on the peer).
    PlaintextPeer,
    /// We are a plain HTTP server and a TLS ClientHello arrived (SSL on at the client only).
    TlsOnPlainPort,
    /// No protocol version, cipher suite, key-exchange group or signature scheme in common.
    Incompatible(String),
    /// The handshake did not finish in time.
    HandshakeTimeout,
    /// The peer closed the connection during the handshake without an alert.
    PeerClosed,
    /// Anything else rustls reported.
    Other(String),
}

impl TlsFailure {
    /// A stable short key, used to count failures by cause in reports.
    pub fn key(&self) -> &'static str {
        match self {
            TlsFailure::NoClientCertificate => "no-client-certificate",
            TlsFailure::UnknownIssuer => "unknown-issuer",
            TlsFailure::BadSignature => "bad-signature",
            TlsFailure::Expired => "certificate-expired",
            TlsFailure::NotYetValid => "certificate-not-yet-valid",
            TlsFailure::NameMismatch { .. } => "name-mismatch",
            TlsFailure::WrongKeyUsage { .. } => "wrong-key-usage",
            TlsFailure::BadCertificate(_) => "bad-certificate",
            TlsFailure::AlertReceived(_) => "alert-received",
            TlsFailure::PlaintextOnTlsPort => "plaintext-on-tls-port",
            TlsFailure::PlaintextPeer => "plaintext-peer",
            TlsFailure::TlsOnPlainPort => "tls-on-plain-port",
            TlsFailure::Incompatible(_) => "incompatible",
            TlsFailure::HandshakeTimeout => "handshake-timeout",
            TlsFailure::PeerClosed => "peer-closed",
            TlsFailure::Other(_) => "other",
        }
    }

    /// Classifies a rustls error.
    pub fn from_rustls(err: &rustls::Error) -> TlsFailure {
        use rustls::Error as E;
        match err {
            E::NoCertificatesPresented => TlsFailure::NoClientCertificate,
            E::InvalidCertificate(cert) => from_certificate_error(cert),
            E::AlertReceived(alert) => TlsFailure::AlertReceived(alert_name(*alert)),
            E::PeerIncompatible(why) => TlsFailure::Incompatible(incompatible_words(why)),
            E::NoApplicationProtocol => TlsFailure::Incompatible(
                "the client's ALPN list has no protocol this side serves (HTTP/1.1)".to_owned(),
            ),
            // The first bytes back were not TLS at all: a plain HTTP answer.
            E::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                TlsFailure::PlaintextPeer
            }
            E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
                TlsFailure::Other(format!("{err} (is the peer speaking TLS?)"))
            }
            other => TlsFailure::Other(other.to_string()),
        }
    }

    /// Classifies an I/O error, looking for the rustls error it may wrap.
    pub fn from_io(err: &io::Error) -> TlsFailure {
        if let Some(inner) = err.get_ref() {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return TlsFailure::from_rustls(tls);
            }
            if let Some(failure) = inner.downcast_ref::<TlsFailure>() {
                return failure.clone();
            }
        }
        match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => TlsFailure::PeerClosed,
            io::ErrorKind::TimedOut => TlsFailure::HandshakeTimeout,
            _ => TlsFailure::Other(err.to_string()),
        }
    }

    /// Walks an error's source chain and classifies the first TLS error found in it.
    /// Returns `None` when the chain holds no TLS error at all.
    ///
    /// `io::Error::source()` skips the error an `io::Error` wraps and returns *that* error's
    /// source, and hyper-rustls wraps tokio-rustls' `io::Error` in another one; so each wrapped
    /// error is searched as well, not only the chain.
    pub fn find_in(err: &(dyn StdError + 'static)) -> Option<TlsFailure> {
        let mut current: Option<&(dyn StdError + 'static)> = Some(err);
        while let Some(e) = current {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(TlsFailure::from_rustls(tls));
            }
            if let Some(failure) = e.downcast_ref::<TlsFailure>() {
                return Some(failure.clone());
            }
            if let Some(io) = e.downcast_ref::<io::Error>()
                && let Some(inner) = io.get_ref()
                && let Some(found) = TlsFailure::find_in(inner as &(dyn StdError + 'static))
            {
                return Some(found);
            }
            current = e.source();
        }
        None
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            TlsFailure::NoClientCertificate => {
                "configure the client's certificate and key (ssl.ini PEM_FILE, or CRT_FILE and KEY_FILE; on SAP: the SSL client PSE in STRUST and SM59)"
            }
            TlsFailure::UnknownIssuer => {
                "add the CA that issued the peer's certificate to this side's CA_FILE (in the CA-per-side model each side trusts the other side's CA)"
            }
            TlsFailure::BadSignature => {
                "the CA in CA_FILE has the issuer's name but another key: re-export the CA certificate that really signed the peer's certificate"
            }
            TlsFailure::Expired => {
                "renew the peer's certificate (`crmsim certs check` shows dates)"
            }
            TlsFailure::NotYetValid => {
                "check both machines' clocks, or the certificate's notBefore date"
            }
            TlsFailure::NameMismatch { .. } => {
                "issue the certificate with a SAN for the host name used in the URL (subject host.domain), or dial the name the certificate carries"
            }
            TlsFailure::WrongKeyUsage { .. } => {
                "each ICI side is TLS server and client with one certificate: issue it with EKU serverAuth and clientAuth"
            }
            TlsFailure::BadCertificate(_) => "run `crmsim certs check` on the peer's certificate",
            TlsFailure::AlertReceived(alert) => alert_hint(alert),
            TlsFailure::PlaintextOnTlsPort => {
                "the client sent plain HTTP to a TLS port: use https:// (SAP: SSL active in the RFC destination, SM59)"
            }
            TlsFailure::PlaintextPeer => {
                "the peer does not speak TLS on this port: enable SSL there (connector: TpiDllParameter=SSL) or use http://"
            }
            TlsFailure::TlsOnPlainPort => {
                "SSL is on at the client and off here: enable SSL on this side, or turn it off at the client (SM59 / TpiDllParameter)"
            }
            TlsFailure::Incompatible(_) => {
                "align what both sides offer: TLS versions and key exchange ([tls] versions, key_exchange; an older peer may speak only TLS 1.2), and HTTP/1.1 in ALPN"
            }
            TlsFailure::HandshakeTimeout => {
                "the peer is slow or not speaking TLS; check the path (proxy, firewall)"
            }
            TlsFailure::PeerClosed => {
                "the peer hung up during or right after the handshake without a word: a client that connects and leaves (a health check, a port scan, `openssl s_time`), or a peer that refused us silently (its log then names the reason)"
            }
            TlsFailure::Other(_) => "see the message; `crmsim certs check` validates the files",
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::NoClientCertificate => {
                f.write_str("client presented no certificate (alert certificate_required sent)")
            }
            TlsFailure::UnknownIssuer => {
                f.write_str("peer certificate is not issued by a trusted CA (alert unknown_ca)")
            }
            TlsFailure::BadSignature => f.write_str(
                "peer certificate signature does not verify against the trusted CA of that name (alert decrypt_error)",
            ),
            TlsFailure::Expired => f.write_str("peer certificate has expired (alert certificate_expired)"),
            TlsFailure::NotYetValid => {
                f.write_str("peer certificate is not valid yet (alert certificate_expired)")
            }
            TlsFailure::NameMismatch { expected, presented } => write!(
                f,
                "server certificate is not valid for {expected}; it names {presented} (alert bad_certificate)"
            ),
            TlsFailure::WrongKeyUsage { required, presented } => write!(
                f,
                "peer certificate's extended key usage lacks {required}; it has {presented} (alert unsupported_certificate)"
            ),
            TlsFailure::BadCertificate(why) => write!(f, "peer certificate refused: {why}"),
            TlsFailure::AlertReceived(alert) => write!(f, "peer refused the handshake with alert {alert}"),
            TlsFailure::PlaintextOnTlsPort => f.write_str("plain HTTP request received on a TLS port"),
            TlsFailure::PlaintextPeer => f.write_str("peer answered in plain text to a TLS ClientHello"),
            TlsFailure::TlsOnPlainPort => f.write_str("TLS ClientHello received on a plain HTTP port"),
            TlsFailure::Incompatible(why) => write!(f, "no common TLS parameters: {why}"),
            TlsFailure::HandshakeTimeout => f.write_str("TLS handshake timed out"),
            TlsFailure::PeerClosed => f.write_str("peer closed the connection during the TLS handshake, without an alert"),
            TlsFailure::Other(why) => write!(f, "TLS error: {why}"),
        }
    }
}

impl StdError for TlsFailure {}

/// What a peer's incompatibility means, in the versions and algorithms an integrator sets.
fn incompatible_words(why: &rustls::PeerIncompatible) -> String {
    use rustls::PeerIncompatible as P;
    match why {
        P::SupportedVersionsExtensionRequired
        | P::Tls12NotOffered
        | P::Tls12NotOfferedOrEnabled => {
            "the peer offers no TLS version this side accepts: it speaks only TLS 1.1 or older \
             (or this side is set to TLS 1.3 only and the peer offers 1.2); crmsim accepts TLS \
             1.2 and 1.3"
                .to_owned()
        }
        P::ServerDoesNotSupportTls12Or13 | P::ServerTlsVersionIsDisabledByOurConfig => {
            "the server chose a TLS version this side does not accept (crmsim speaks TLS 1.2 \
             and 1.3, as [tls] versions allows)"
                .to_owned()
        }
        P::NoCipherSuitesInCommon => {
            "no cipher suite in common (crmsim offers the AES-GCM and ChaCha20 suites of TLS \
             1.2 and 1.3)"
                .to_owned()
        }
        P::NoKxGroupsInCommon | P::NamedGroupsExtensionRequired | P::KeyShareExtensionRequired => {
            "no key-exchange group in common (see [tls] key_exchange)".to_owned()
        }
        P::NoSignatureSchemesInCommon
        | P::NoCertificateRequestSignatureSchemesInCommon
        | P::SignatureAlgorithmsExtensionRequired => {
            "no signature scheme in common for the certificates' keys".to_owned()
        }
        P::ExtendedMasterSecretExtensionRequired => {
            "the peer's TLS 1.2 lacks extended master secret (RFC 7627), which this side \
             requires"
                .to_owned()
        }
        other => format!("{other:?}"),
    }
}

/// An alert says whether the peer refused our certificate or our protocol settings.
fn alert_hint(alert: &str) -> &'static str {
    match alert {
        "protocol_version"
        | "insufficient_security"
        | "handshake_failure"
        | "illegal_parameter" => {
            "the peer refused our TLS settings (versions, cipher suites, key exchange): align [tls] versions and key_exchange with what it accepts"
        }
        "no_application_protocol" => {
            "the peer serves none of the ALPN protocols we offered (HTTP/1.1)"
        }
        "unrecognised_name" | "unrecognized_name" => {
            "the peer does not serve the host name we dialled (SNI): dial the name its certificate carries"
        }
        _ => {
            "the peer refused our certificate or settings; its log names the reason (run `crmsim certs check` on our files)"
        }
    }
}

fn from_certificate_error(err: &CertificateError) -> TlsFailure {
    use CertificateError as C;
    match err {
        C::UnknownIssuer => TlsFailure::UnknownIssuer,
        C::BadSignature => TlsFailure::BadSignature,
        C::Expired | C::ExpiredContext { .. } => TlsFailure::Expired,
        C::NotValidYet | C::NotValidYetContext { .. } => TlsFailure::NotYetValid,
        C::NotValidForNameContext {
            expected,
            presented,
        } => TlsFailure::NameMismatch {
            expected: format!("{expected:?}")
                .trim_start_matches("DnsName(")
                .trim_end_matches(')')
                .trim_matches('"')
                .to_owned(),
            presented: presented.join(", "),
        },
        C::NotValidForName => TlsFailure::NameMismatch {
            expected: "the dialled host".to_owned(),
            presented: "other names".to_owned(),
        },
        C::InvalidPurposeContext {
            required,
            presented,
        } => TlsFailure::WrongKeyUsage {
            required: purpose_name(required),
            presented: if presented.is_empty() {
                "none".to_owned()
            } else {
                presented
                    .iter()
                    .map(purpose_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        },
        C::InvalidPurpose => TlsFailure::WrongKeyUsage {
            required: "serverAuth and clientAuth".to_owned(),
            presented: "other purposes".to_owned(),
        },
        other => TlsFailure::BadCertificate(format!("{other:?}")),
    }
}

fn purpose_name(p: &rustls::ExtendedKeyPurpose) -> String {
    match p {
        rustls::ExtendedKeyPurpose::ClientAuth => "clientAuth".to_owned(),
        rustls::ExtendedKeyPurpose::ServerAuth => "serverAuth".to_owned(),
        rustls::ExtendedKeyPurpose::Other(oid) => oid
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("."),
    }
}

/// The alert's name as RFC 8446 spells it (`certificate_required`), so it can be searched for in
/// the peer's logs and in packet captures.
pub fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut out = String::with_capacity(debug.len() + 4);
    let mut previous_lower = false;
    for ch in debug.chars() {
        if ch.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = ch.is_ascii_lowercase();
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_refusal_says_versions_not_certificates() {
        let f = TlsFailure::from_rustls(&rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::SupportedVersionsExtensionRequired,
        ));
        assert!(f.to_string().contains("only TLS 1.1 or older"), "{f}");
        assert!(f.to_string().contains("accepts TLS 1.2 and 1.3"), "{f}");
        let alpn = TlsFailure::AlertReceived("no_application_protocol".to_owned());
        assert!(alpn.hint().contains("ALPN"), "{}", alpn.hint());
        assert!(!alpn.hint().contains("certificate"), "{}", alpn.hint());
        let closed = TlsFailure::PeerClosed;
        assert!(!closed.hint().contains("often a refused certificate"));
    }

    #[test]
    fn alert_names_follow_the_rfc() {
        assert_eq!(
            alert_name(AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(
            alert_name(AlertDescription::BadCertificate),
            "bad_certificate"
        );
    }

    #[test]
    fn io_wrapped_rustls_errors_are_found() {
        let io = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::CertificateRequired),
        );
        assert_eq!(
            TlsFailure::find_in(&io),
            Some(TlsFailure::AlertReceived("certificate_required".to_owned()))
        );
        let plain = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(TlsFailure::find_in(&plain), None);
    }

    #[test]
    fn rustls_errors_inside_nested_io_errors_are_found() {
        // What hyper-rustls hands reqwest: io::Error::other(<tokio-rustls io::Error>).
        let inner = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
        );
        let outer = io::Error::other(inner);
        assert_eq!(
            TlsFailure::find_in(&outer),
            Some(TlsFailure::AlertReceived("handshake_failure".to_owned()))
        );
    }
}
