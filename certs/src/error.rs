//! The crate's one error type.
//!
//! Every variant names the file it is about (and the line, when the value came from an ini file) and
//! says what to do, because these errors end up in front of an integrator holding a customer's folder,
//! not in front of the person who wrote the code.

use std::path::{Path, PathBuf};

/// Label used instead of a file name when PEM text was handed over in memory.
pub const IN_MEMORY: &str = "(PEM text given in memory)";

/// Shorthand for a path that is not a file: PEM text passed as a string.
pub(crate) fn in_memory() -> PathBuf {
    PathBuf::from(IN_MEMORY)
}

/// Everything that can go wrong while generating, loading, writing or using certificates and ini files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    #[error("cannot read {}: {source}; check that the path exists and is readable", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}; check that the folder exists and is writable", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{} holds no certificate (no \"-----BEGIN CERTIFICATE-----\" block); put the PEM certificate there", path.display())]
    NoCertificate { path: PathBuf },

    #[error("{} holds no private key (no \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" block); put the unencrypted PEM key there", path.display())]
    NoPrivateKey { path: PathBuf },

    #[error("{} holds {count} private keys; keep exactly one key per identity", path.display())]
    SeveralPrivateKeys { path: PathBuf, count: usize },

    #[error("{} is binary DER, not PEM (ASCII); convert it with `crmsim certs convert \"{}\" OUT.pem` (or `openssl x509 -inform DER -in IN -out OUT.pem`)", path.display(), path.display())]
    DerNotPem { path: PathBuf },

    #[error("{} holds an encrypted private key ({kind}); the connector needs it unencrypted: `openssl pkey -in IN -out OUT.pem` asks for the password once and writes a plain PKCS#8 key", path.display())]
    EncryptedKey { path: PathBuf, kind: String },

    #[error("{} is not valid PEM: {detail}; each block must run from \"-----BEGIN X-----\" to \"-----END X-----\" with base64 in between", path.display())]
    BadPem { path: PathBuf, detail: String },

    #[error("{} holds a certificate that cannot be parsed: {detail}; export it again as a PEM X.509 certificate", path.display())]
    BadCertificate { path: PathBuf, detail: String },

    #[error("{} holds a private key that cannot be used: {detail}; supported are unencrypted PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys", path.display())]
    BadKey { path: PathBuf, detail: String },

    #[error("the private key in {} does not belong to the certificate in {}; use the key that was generated together with this certificate", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },

    #[error("{}: the private key belongs to certificate {position} of {count} in the file, not to the first; put this side's own certificate first, then the CA certificates that issued it", path.display())]
    LeafNotFirst {
        path: PathBuf,
        position: usize,
        count: usize,
    },

    #[error("{}: rustls refused the configuration: {source}; check the certificate, key and TLS options given for {what}", path.display())]
    Tls {
        what: String,
        path: PathBuf,
        source: rustls::Error,
    },

    #[error("{}: cannot build the certificate verifier: {detail}; the trust file must hold at least one valid CA certificate", path.display())]
    Verifier { path: PathBuf, detail: String },

    #[error("cannot generate {what}: {detail}")]
    Generate { what: String, detail: String },

    #[error("{}:{line}: {detail}", path.display())]
    Ini {
        path: PathBuf,
        line: usize,
        detail: String,
    },

    #[error("{}: {detail}; save the file as UTF-8 or UTF-16 (with BOM), as Notepad does", path.display())]
    Encoding { path: PathBuf, detail: String },

    #[error("{}: section [{section}] has no {key}=…; add it (see the connector's SSL guide)", path.display())]
    MissingIniKey {
        path: PathBuf,
        section: String,
        key: String,
    },

    #[error("{}:{line}: TpiDllParameter value {value:?} is not understood: {detail}; write `SSL`, `SSL PROXY=<ip>:<port>` or leave it empty for plain HTTP", path.display())]
    BadTpiParameter {
        path: PathBuf,
        line: usize,
        value: String,
        detail: String,
    },

    #[error("{} has no {what}; a connector folder holds ssl.ini and one CRMConnectorSAP_<name>.ini", dir.display())]
    NotAConnectorFolder { dir: PathBuf, what: String },

    #[error("{} holds several connector ini files ({found}); keep one CRMConnectorSAP_<name>.ini per folder", dir.display())]
    SeveralConnectorInis { dir: PathBuf, found: String },

    #[error("{} is not a SAP-side folder: {detail}; `crmsim certs new` writes crm/ with crm.pem, crm.key.pem and the CA file(s)", dir.display())]
    NotACrmFolder { dir: PathBuf, detail: String },

    #[error("{} holds no CA certificate to trust; put the peer's CA certificate (PEM) there", path.display())]
    EmptyTrustStore { path: PathBuf },

    #[error("invalid option: {detail}")]
    InvalidOption { detail: String },

    #[error("{}: cannot build the PKCS#12 bundle: {detail}", path.display())]
    Pkcs12 { path: PathBuf, detail: String },
}

impl CertError {
    pub(crate) fn read(path: &Path, source: std::io::Error) -> Self {
        CertError::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        CertError::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn generate(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        CertError::Generate {
            what: what.into(),
            detail: detail.to_string(),
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        CertError::InvalidOption {
            detail: detail.into(),
        }
    }

    /// The file this error is about, when there is one (used by the doctor to attach findings to files).
    pub fn path(&self) -> Option<&Path> {
        match self {
            CertError::Read { path, .. }
            | CertError::Write { path, .. }
            | CertError::NoCertificate { path }
            | CertError::NoPrivateKey { path }
            | CertError::SeveralPrivateKeys { path, .. }
            | CertError::DerNotPem { path }
            | CertError::EncryptedKey { path, .. }
            | CertError::BadPem { path, .. }
            | CertError::BadCertificate { path, .. }
            | CertError::BadKey { path, .. }
            | CertError::Tls { path, .. }
            | CertError::Verifier { path, .. }
            | CertError::Ini { path, .. }
            | CertError::Encoding { path, .. }
            | CertError::MissingIniKey { path, .. }
            | CertError::BadTpiParameter { path, .. }
            | CertError::EmptyTrustStore { path }
            | CertError::Pkcs12 { path, .. }
            | CertError::LeafNotFirst { path, .. } => Some(path),
            CertError::KeyMismatch { key, .. } => Some(key),
            CertError::NotAConnectorFolder { dir, .. }
            | CertError::SeveralConnectorInis { dir, .. }
            | CertError::NotACrmFolder { dir, .. } => Some(dir),
            CertError::Generate { .. } | CertError::InvalidOption { .. } => None,
        }
    }

    /// The ini line this error is about, when it came from an ini file.
    pub fn line(&self) -> Option<usize> {
        match self {
            CertError::Ini { line, .. } | CertError::BadTpiParameter { line, .. } => Some(*line),
            _ => None,
        }
    }
}
