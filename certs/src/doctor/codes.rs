//! The doctor's finding codes. They are stable identifiers: tools and tests match on them, so a code
//! is never renamed, only added.

/// A file named in ssl.ini (or given) does not exist.
pub const FILE_MISSING: &str = "file-missing";
/// A key that names a file (CA_FILE, PEM_FILE…) names a folder.
pub const FILE_IS_FOLDER: &str = "file-is-folder";
/// The file exists only with different letter case (fine on Windows).
pub const FILE_NAME_CASE: &str = "file-name-case";
/// An absolute Windows path was mapped onto this folder.
pub const WINDOWS_ABSOLUTE_PATH: &str = "windows-absolute-path";
/// Binary DER (e.g. a Windows .cer) where PEM is needed.
pub const DER_NOT_PEM: &str = "der-not-pem";
/// The file is not valid PEM at all.
pub const PEM_INVALID: &str = "pem-invalid";
/// A `.cer` file that already holds PEM text (works; only the name is unusual).
pub const CER_HOLDS_PEM: &str = "cer-holds-pem";
/// No certificate where one is needed.
pub const NO_CERTIFICATE: &str = "no-certificate";
/// A certificate cannot be parsed.
pub const CERT_UNPARSABLE: &str = "cert-unparsable";
/// No private key where one is needed.
pub const KEY_MISSING: &str = "key-missing";
/// More than one private key in the file.
pub const KEY_SEVERAL: &str = "key-several";
/// The private key is encrypted.
pub const KEY_ENCRYPTED: &str = "key-encrypted";
/// The private key does not belong to the certificate.
pub const KEY_MISMATCH: &str = "key-mismatch";
/// The private key cannot be read.
pub const KEY_UNREADABLE: &str = "key-unreadable";
/// The certificate was not issued by (a certificate in) CA_FILE.
pub const NOT_ISSUED_BY_CA_FILE: &str = "not-issued-by-ca-file";
/// Expected in the CA-per-side model: own certificate from the own side's CA, CA_FILE holds the peer's.
pub const ISSUED_BY_OTHER_SIDE_CA: &str = "issued-by-own-side-ca";
/// The certificate's validity has ended (error).
pub const CERT_EXPIRED: &str = "cert-expired";
/// The certificate's validity starts in the future: a clock or issuing problem (error).
pub const CERT_NOT_YET_VALID: &str = "cert-not-yet-valid";
/// The certificate expires within [`super::EXPIRY_WARNING_DAYS`] days (warning).
pub const CERT_EXPIRING_SOON: &str = "cert-expiring-soon";
/// Signature is not sha256WithRSAEncryption (the guide's "sha256RSA").
pub const SIGNATURE_NOT_SHA256_RSA: &str = "signature-not-sha256-rsa";
/// An RSA key under 2048 bits: rustls refuses it (error).
pub const RSA_KEY_TOO_SMALL: &str = "rsa-key-too-small";
/// Subject CN is not of the form host.domain.
pub const SUBJECT_NOT_HOST_DOMAIN: &str = "subject-not-host-domain";
/// No subjectAltName: rustls and modern clients ignore the CN.
pub const SAN_MISSING: &str = "san-missing";
/// The SAN does not cover the expected host.
pub const SAN_HOST_MISMATCH: &str = "san-host-mismatch";
/// extendedKeyUsage without serverAuth: the certificate cannot serve HTTPS.
pub const EKU_NO_SERVER_AUTH: &str = "eku-no-server-auth";
/// extendedKeyUsage without clientAuth: the peer refuses it as a client certificate.
pub const EKU_NO_CLIENT_AUTH: &str = "eku-no-client-auth";
/// The key belongs to a later certificate of the file: the leaf is not first.
pub const LEAF_NOT_FIRST: &str = "leaf-not-first";
/// An end-entity certificate that says it is a CA (rustls refuses it as a peer certificate).
pub const LEAF_IS_CA: &str = "leaf-is-ca";
/// A certificate in CA_FILE without basicConstraints CA:TRUE.
pub const CA_NOT_CA: &str = "ca-not-ca";
/// `ssl.ini` sets both `PEM_FILE` and `CRT_FILE`; only one layout may be used.
pub const PEM_AND_CRT_BOTH_SET: &str = "pem-and-crt-both-set";
/// `[SSL_SERVER_CLIENT]` has neither `PEM_FILE` nor `CRT_FILE`.
pub const CERT_FILE_NOT_SET: &str = "cert-file-not-set";
/// `CRT_FILE` is set without `KEY_FILE`.
pub const KEY_FILE_NOT_SET: &str = "key-file-not-set";
/// `[SSL_SERVER_CLIENT]` has no `CA_FILE`.
pub const CA_FILE_NOT_SET: &str = "ca-file-not-set";
/// `ssl.ini` has no `[SSL_SERVER_CLIENT]` section.
pub const SECTION_MISSING: &str = "section-missing";
/// `[SSL] METHOD` is not 0, the only value the guide documents (warning).
pub const METHOD_NOT_0: &str = "method-not-0";
/// `[SSL] METHOD` is not set; the guide writes `METHOD=0` (info).
pub const METHOD_MISSING: &str = "method-missing";
/// A key appears twice in a section (Windows uses the first).
pub const DUPLICATE_KEY: &str = "duplicate-key";
/// A line that is neither comment, section nor key=value.
pub const INI_UNPARSED_LINE: &str = "ini-unparsed-line";
/// An ini file cannot be read or decoded at all.
pub const INI_UNREADABLE: &str = "ini-unreadable";
/// The peer's CA is not in CA_FILE (CA-per-side model, `peer_ca` given).
pub const PEER_CA_NOT_TRUSTED: &str = "peer-ca-not-trusted";
/// TpiDllParameter's PROXY address cannot be parsed.
pub const TPI_PROXY_UNPARSABLE: &str = "tpi-proxy-unparsable";
/// TpiDllParameter does not say SSL although ssl.ini is there.
pub const TPI_NOT_SSL: &str = "tpi-not-ssl";
/// A folder with `ssl.ini` but no `CRMConnectorSAP_<name>.ini`: `TpiDllParameter` is unchecked.
pub const CONNECTOR_INI_MISSING: &str = "connector-ini-missing";
/// A folder with more than one `CRMConnectorSAP_<name>.ini`.
pub const CONNECTOR_INI_SEVERAL: &str = "connector-ini-several";
/// `TpiDllParameter` says SSL but the folder has no `ssl.ini`.
pub const SSL_INI_MISSING: &str = "ssl-ini-missing";
/// rustls refuses the material although each file looked fine.
pub const TLS_CONFIG_REFUSED: &str = "tls-config-refused";
/// The path given to the doctor is not something it can check.
pub const NOTHING_TO_CHECK: &str = "nothing-to-check";
/// Informational summary of a certificate that passed.
pub const CERT_SUMMARY: &str = "cert-summary";
/// TpiDllParameter holds a token other than SSL and PROXY=….
pub const TPI_UNKNOWN_TOKEN: &str = "tpi-unknown-token";
