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
    /// A file could not be read (missing, no permission, a folder): check the path.
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}; check that the folder exists and is writable", path.display())]
    /// A file or folder could not be written: check that the folder exists and is writable.
    Write {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    #[error("{} holds no certificate (no \"-----BEGIN CERTIFICATE-----\" block); put the PEM certificate there", path.display())]
    /// A file that must hold a certificate has no `CERTIFICATE` block: put the PEM certificate in.
    NoCertificate {
        /// The file without a certificate.
        path: PathBuf,
    },

    #[error("{} holds no private key (no \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" block); put the unencrypted PEM key there", path.display())]
    /// A file that must hold the private key has none (and no encrypted one): add the PEM key.
    NoPrivateKey {
        /// The file without a key.
        path: PathBuf,
    },

    #[error("{} holds {count} private keys; keep exactly one key per identity", path.display())]
    /// A file holds more than one private key, so which one is meant is unclear: keep exactly one.
    SeveralPrivateKeys {
        /// The file with several keys.
        path: PathBuf,
        /// How many keys it holds.
        count: usize,
    },

    #[error("{} is binary DER, not PEM (ASCII); convert it with `crmsim certs convert \"{}\" OUT.pem` (or `openssl x509 -inform DER -in IN -out OUT.pem`)", path.display(), path.display())]
    /// Binary DER (e.g. a Windows `.cer`) where the connector needs PEM: convert it to PEM.
    DerNotPem {
        /// The DER file.
        path: PathBuf,
    },

    #[error("{} holds an encrypted private key ({kind}); the connector needs it unencrypted: `openssl pkey -in IN -out OUT.pem` asks for the password once and writes a plain PKCS#8 key", path.display())]
    /// The private key is password-protected, which the connector cannot use: decrypt it once.
    EncryptedKey {
        /// The file with the encrypted key.
        path: PathBuf,
        /// Which encryption was found (PKCS#8 `ENCRYPTED PRIVATE KEY` or `Proc-Type: 4,ENCRYPTED`).
        kind: String,
    },

    #[error("{} is not valid PEM: {detail}; each block must run from \"-----BEGIN X-----\" to \"-----END X-----\" with base64 in between", path.display())]
    /// The text is not well-formed PEM (a block cut short, BEGIN/END not matching, bad base64).
    BadPem {
        /// The broken file.
        path: PathBuf,
        /// What is wrong and at which line.
        detail: String,
    },

    #[error("{} holds a certificate that cannot be parsed: {detail}; export it again as a PEM X.509 certificate", path.display())]
    /// A `CERTIFICATE` block does not hold one readable X.509 certificate: export it again as PEM.
    BadCertificate {
        /// The file with the bad block.
        path: PathBuf,
        /// Which block (line) and why it was refused.
        detail: String,
    },

    #[error("{} holds a private key that cannot be used: {detail}; supported are unencrypted PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys", path.display())]
    /// A private key that cannot be read or used (e.g. RSA under 2048 bits): issue a usable key.
    BadKey {
        /// The file with the key.
        path: PathBuf,
        /// Why the key cannot be used.
        detail: String,
    },

    #[error("the private key in {} does not belong to the certificate in {}; use the key that was generated together with this certificate", key.display(), cert.display())]
    /// The key belongs to no certificate of the chain: use the key generated with the certificate.
    KeyMismatch {
        /// The file holding the certificate (chain).
        cert: PathBuf,
        /// The file holding the key (the same file in the `PEM_FILE` layout).
        key: PathBuf,
    },

    #[error("{}: the private key belongs to certificate {position} of {count} in the file, not to the first; put this side's own certificate first, then the CA certificates that issued it", path.display())]
    /// The key belongs to a later certificate of the file: put this side's own certificate first.
    LeafNotFirst {
        /// The certificate file.
        path: PathBuf,
        /// 1-based position of the certificate the key belongs to.
        position: usize,
        /// Number of certificates in the file.
        count: usize,
    },

    #[error("{}: rustls refused the configuration: {source}; check the certificate, key and TLS options given for {what}", path.display())]
    /// rustls refused to build a config from the material or options (e.g. the TLS versions).
    Tls {
        /// Which part of the config was being set up.
        what: String,
        /// The certificate file when known, else [`IN_MEMORY`].
        path: PathBuf,
        /// rustls' error.
        source: rustls::Error,
    },

    #[error("{}: cannot build the certificate verifier: {detail}; the trust file must hold at least one valid CA certificate", path.display())]
    /// No certificate verifier could be built from the trusted CAs: `CA_FILE` needs a valid CA.
    Verifier {
        /// The CA file when known, else [`IN_MEMORY`].
        path: PathBuf,
        /// Why the CA certificates were refused.
        detail: String,
    },

    #[error("cannot generate {what}: {detail}")]
    /// Generating keys, certificates or the manifest failed (rcgen, randomness, JSON).
    Generate {
        /// What was being generated, e.g. "a key pair".
        what: String,
        /// The underlying error.
        detail: String,
    },

    #[error("{}:{line}: {detail}", path.display())]
    /// An `ssl.ini` value is wrong: both layouts set, `KEY_FILE` missing, or a file not found.
    Ini {
        /// The ini file.
        path: PathBuf,
        /// 1-based line of the offending key.
        line: usize,
        /// What is wrong and what to write instead.
        detail: String,
    },

    #[error("{}: {detail}; save the file as UTF-8 or UTF-16 (with BOM), as Notepad does", path.display())]
    /// A text file is malformed UTF-8/UTF-16 after its BOM, or has characters ANSI cannot write.
    Encoding {
        /// The file being read or written.
        path: PathBuf,
        /// What is wrong with the encoding.
        detail: String,
    },

    #[error("{}: section [{section}] has no {key}=…; add it (see the connector's SSL guide)", path.display())]
    /// A key `ssl.ini` needs is absent (`CA_FILE`, `PEM_FILE` or `CRT_FILE` + `KEY_FILE`): add it.
    MissingIniKey {
        /// The ini file.
        path: PathBuf,
        /// The section the key belongs in, e.g. `SSL_SERVER_CLIENT`.
        section: String,
        /// The missing key (or keys).
        key: String,
    },

    #[error("{}:{line}: TpiDllParameter value {value:?} is not understood: {detail}; write `SSL`, `SSL PROXY=<ip>:<port>` or leave it empty for plain HTTP", path.display())]
    /// `TpiDllParameter` has an unknown token or a bad `PROXY=` address: write `SSL [PROXY=ip:port]`.
    BadTpiParameter {
        /// The connector ini.
        path: PathBuf,
        /// 1-based line of `TpiDllParameter`.
        line: usize,
        /// The value as written.
        value: String,
        /// Which token is wrong and why.
        detail: String,
    },

    #[error("{} has no {what}; a connector folder holds ssl.ini and one CRMConnectorSAP_<name>.ini", dir.display())]
    /// The folder lacks its `CRMConnectorSAP_<name>.ini`, or `ssl.ini` although SSL is on.
    NotAConnectorFolder {
        /// The folder.
        dir: PathBuf,
        /// The file that is missing.
        what: String,
    },

    #[error("{} holds several connector ini files ({found}); keep one CRMConnectorSAP_<name>.ini per folder", dir.display())]
    /// The folder has more than one `CRMConnectorSAP_<name>.ini`: keep one per folder.
    SeveralConnectorInis {
        /// The folder.
        dir: PathBuf,
        /// The ini files found, comma-separated.
        found: String,
    },

    #[error("{} is not a SAP-side folder: {detail}; `crmsim certs new` writes crm/ with crm.crt.pem, crm.key.pem and the CA file(s)", dir.display())]
    /// The SAP-side folder lacks one of `crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`.
    NotACrmFolder {
        /// The folder.
        dir: PathBuf,
        /// Which file is missing.
        detail: String,
    },

    #[error("{} holds no CA certificate to trust; put the peer's CA certificate (PEM) there", path.display())]
    /// The trust file (`CA_FILE`) holds no certificate, so no peer could be accepted.
    EmptyTrustStore {
        /// The trust file, or [`IN_MEMORY`].
        path: PathBuf,
    },

    #[error("invalid option: {detail}")]
    /// An option makes no sense (e.g. no connector, 0 validity days, a non-empty output folder).
    InvalidOption {
        /// What is wrong with it.
        detail: String,
    },

    #[error("{}: cannot build the PKCS#12 bundle: {detail}", path.display())]
    /// The PKCS#12 bundle for STRUST could not be built from the certificate and key.
    Pkcs12 {
        /// The `.p12` file being made.
        path: PathBuf,
        /// Why it failed.
        detail: String,
    },
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
