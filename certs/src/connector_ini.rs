//! The connector's `CRMConnectorSAP_<name>.ini`, as far as TLS is concerned:
//!
//! ```ini
//! [Config]
//! TpiDllParameter=SSL                         ; HTTPS with ssl.ini
//! TpiDllParameter=SSL PROXY=10.0.0.5:8443     ; events via the proxy's static route
//! ```
//!
//! An empty or absent `TpiDllParameter` means plain HTTP. Every other key is the connector's business
//! and is kept untouched when this crate rewrites the file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::CertError;
use crate::inifile::IniFile;
use crate::ssl_ini::Located;
use crate::text::{LineEnding, TextEncoding};

/// Section `[Config]`, which holds `TpiDllParameter` and `AgentLoginType`.
pub const SECTION_CONFIG: &str = "Config";
/// `[Config] TpiDllParameter`: `SSL` turns on HTTPS, `PROXY=<ip>:<port>` adds the events route.
pub const KEY_TPI_DLL_PARAMETER: &str = "TpiDllParameter";
/// `[Config] AgentLoginType`: how the connector reads agent login strings (0, 1, 2 or 5).
pub const KEY_AGENT_LOGIN_TYPE: &str = "AgentLoginType";
/// File names look like `CRMConnectorSAP_SAP1.ini`.
pub const FILE_PREFIX: &str = "CRMConnectorSAP_";

/// The parsed `TpiDllParameter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TpiParameter {
    /// `SSL`: HTTPS both ways, configured by `ssl.ini`.
    pub ssl: bool,
    /// `PROXY=<host>:<port>`: events go to this address (the proxy's static route to the CRM); the
    /// CRM's certificate name is still what must be verified.
    pub proxy: Option<(String, u16)>,
}

impl TpiParameter {
    /// No `TpiDllParameter` (empty or absent): plain HTTP.
    pub fn plain() -> Self {
        TpiParameter::default()
    }

    /// `TpiDllParameter=SSL`: HTTPS, events sent directly to the CRM.
    pub fn ssl() -> Self {
        TpiParameter {
            ssl: true,
            proxy: None,
        }
    }

    /// `TpiDllParameter=SSL PROXY=<host>:<port>`: HTTPS, events through the proxy's static route.
    pub fn ssl_via_proxy(host: &str, port: u16) -> Self {
        TpiParameter {
            ssl: true,
            proxy: Some((host.to_string(), port)),
        }
    }
}

/// Parses `host:port`, `[v6]:port`; the host must be an IP address or a DNS name.
fn parse_proxy(addr: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (h, p) = rest
            .split_once("]:")
            .ok_or_else(|| format!("{addr:?}: an IPv6 proxy is written [addr]:port"))?;
        (h, p)
    } else {
        addr.rsplit_once(':')
            .ok_or_else(|| format!("{addr:?} has no port; write PROXY=<ip>:<port>"))?
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("{port:?} is not a port number (1-65535)"))?;
    let host_ok = host.parse::<std::net::IpAddr>().is_ok()
        || (!host.is_empty()
            && host.split('.').all(|l| {
                !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    // A name whose last label is all digits is no host name (no top-level domain is numeric,
    // RFC 3696 §2): `999.1.1.1` is a mistyped IPv4 address, and no resolver would find it.
    let numeric_tld = host
        .rsplit('.')
        .next()
        .is_some_and(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()));
    if host.parse::<std::net::IpAddr>().is_err() && numeric_tld {
        return Err(format!(
            "{host:?} is not an IPv4 address (four numbers 0-255, e.g. 10.0.0.5) and, ending in a number, not a host name either"
        ));
    }
    if !host_ok {
        return Err(format!("{host:?} is neither an IP address nor a host name"));
    }
    Ok((host.to_string(), port))
}

/// `token` without `prefix` (ASCII, any case); `None` when it does not start with it. By `get`,
/// because the token is user text and byte 6 may fall inside a character.
fn strip_prefix_ignore_case<'a>(token: &'a str, prefix: &str) -> Option<&'a str> {
    let head = token.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &token[prefix.len()..])
}

impl FromStr for TpiParameter {
    type Err = String;

    /// Tokens separated by spaces, any case: `SSL`, `PROXY=<host>:<port>`.
    fn from_str(value: &str) -> Result<Self, String> {
        let mut out = TpiParameter::default();
        for token in value.split_whitespace() {
            if token.eq_ignore_ascii_case("SSL") {
                out.ssl = true;
            } else if let Some(address) = strip_prefix_ignore_case(token, "PROXY=") {
                out.proxy = Some(parse_proxy(address)?);
            } else if token.eq_ignore_ascii_case("PROXY") {
                return Err(
                    "PROXY needs an address: PROXY=<ip>:<port> (no spaces around '=')".to_string(),
                );
            } else {
                return Err(format!("unknown token {token:?}"));
            }
        }
        Ok(out)
    }
}

impl fmt::Display for TpiParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.ssl {
            parts.push("SSL".to_string());
        }
        if let Some((host, port)) = &self.proxy {
            if host.contains(':') {
                parts.push(format!("PROXY=[{host}]:{port}"));
            } else {
                parts.push(format!("PROXY={host}:{port}"));
            }
        }
        write!(f, "{}", parts.join(" "))
    }
}

/// One connector ini file.
#[derive(Debug, Clone)]
pub struct ConnectorIni {
    /// The ini file this was read from (and is saved back to).
    pub path: PathBuf,
    /// `<name>` of `CRMConnectorSAP_<name>.ini` (e.g. "SAP1").
    pub name: String,
    /// `TpiDllParameter`, parsed; [`TpiParameter::plain`] when absent.
    pub tpi: TpiParameter,
    /// The raw `TpiDllParameter` line, if present.
    pub tpi_raw: Option<Located<String>>,
    /// `[Config] AgentLoginType` as written, if set (checked by the callers, not here).
    pub agent_login_type: Option<Located<String>>,
    /// The whole file, for rewriting `TpiDllParameter` without losing any other line.
    pub ini: IniFile,
}

/// The `<name>` part of a connector ini's file name, if it is one.
pub fn connector_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let lower = file.to_ascii_lowercase();
    if lower.starts_with(&FILE_PREFIX.to_ascii_lowercase()) && lower.ends_with(".ini") {
        Some(file[FILE_PREFIX.len()..file.len() - 4].to_string())
    } else {
        None
    }
}

impl ConnectorIni {
    /// Reads the file; an unparsable `TpiDllParameter` is an error naming file:line.
    pub fn load(path: &Path) -> Result<ConnectorIni, CertError> {
        ConnectorIni::from_ini(IniFile::load(path)?)
    }

    /// Interprets an already parsed ini; an unparsable `TpiDllParameter` is an error at file:line.
    pub fn from_ini(ini: IniFile) -> Result<ConnectorIni, CertError> {
        let path = ini.path.clone();
        let name = connector_name(&path).unwrap_or_default();
        let tpi_raw = ini
            .get(SECTION_CONFIG, KEY_TPI_DLL_PARAMETER)
            .map(|e| Located {
                value: e.value.clone(),
                line: e.line,
            });
        let tpi = match &tpi_raw {
            None => TpiParameter::plain(),
            Some(raw) => raw
                .value
                .parse()
                .map_err(|detail| CertError::BadTpiParameter {
                    path: path.clone(),
                    line: raw.line,
                    value: raw.value.clone(),
                    detail,
                })?,
        };
        let agent_login_type = ini
            .get(SECTION_CONFIG, KEY_AGENT_LOGIN_TYPE)
            .map(|e| Located {
                value: e.value.clone(),
                line: e.line,
            });
        Ok(ConnectorIni {
            path,
            name,
            tpi,
            tpi_raw,
            agent_login_type,
            ini,
        })
    }

    /// Sets `TpiDllParameter`, leaving every other line as it is.
    pub fn set_tpi(&mut self, tpi: &TpiParameter) {
        self.ini
            .set(SECTION_CONFIG, KEY_TPI_DLL_PARAMETER, &tpi.to_string());
        self.tpi = tpi.clone();
        self.tpi_raw = self
            .ini
            .get(SECTION_CONFIG, KEY_TPI_DLL_PARAMETER)
            .map(|e| Located {
                value: e.value.clone(),
                line: e.line,
            });
    }

    /// Writes the file back in its own encoding and line endings.
    pub fn save(&self) -> Result<(), CertError> {
        self.ini.save()
    }

    /// A new connector ini holding only `[Config] TpiDllParameter` (merge it into the real one).
    pub fn write_new(
        path: &Path,
        tpi: &TpiParameter,
        encoding: TextEncoding,
    ) -> Result<(), CertError> {
        let mut ini = IniFile::new(path, encoding, LineEnding::CrLf);
        ini.push_line(&format!("[{SECTION_CONFIG}]"));
        ini.set(SECTION_CONFIG, KEY_TPI_DLL_PARAMETER, &tpi.to_string());
        ini.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_with_a_character_across_the_proxy_prefix_is_refused_not_a_panic() {
        // Found by the `ini` fuzz target: byte 6 fell inside 'é'.
        let err = "SSL PROXYéproxy:8443".parse::<TpiParameter>().unwrap_err();
        assert!(err.contains("unknown token"), "{err}");
        let err = "PROXé".parse::<TpiParameter>().unwrap_err();
        assert!(err.contains("unknown token"), "{err}");
    }

    #[test]
    fn the_guides_values_parse() {
        assert_eq!("SSL".parse::<TpiParameter>().unwrap(), TpiParameter::ssl());
        assert_eq!("".parse::<TpiParameter>().unwrap(), TpiParameter::plain());
        assert_eq!(
            "ssl proxy=10.0.0.5:8443".parse::<TpiParameter>().unwrap(),
            TpiParameter::ssl_via_proxy("10.0.0.5", 8443)
        );
        assert_eq!(
            "SSL PROXY=[::1]:9000".parse::<TpiParameter>().unwrap(),
            TpiParameter::ssl_via_proxy("::1", 9000)
        );
        assert!(
            "SSL PROXY=proxy.example.com:9443"
                .parse::<TpiParameter>()
                .is_ok()
        );
        for bad in [
            "SSL PROXY=(Proxy Ip Adress):xy",
            "SSL PROXY=10.0.0.5",
            "SSL PROXY",
            "SSL PROXY=h:0",
            "SSL PROXY=999.1.1.1:8443",
            "SSL PROXY=10.0.0:8443",
            "TLS",
        ] {
            assert!(bad.parse::<TpiParameter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for v in [
            TpiParameter::ssl(),
            TpiParameter::ssl_via_proxy("::1", 1),
            TpiParameter::plain(),
        ] {
            assert_eq!(v.to_string().parse::<TpiParameter>().unwrap(), v);
        }
    }

    #[test]
    fn names_come_from_the_file_name() {
        assert_eq!(
            connector_name(Path::new("x/CRMConnectorSAP_SAP1.ini")).as_deref(),
            Some("SAP1")
        );
        assert_eq!(
            connector_name(Path::new("crmconnectorsap_b.INI")).as_deref(),
            Some("b")
        );
        assert_eq!(connector_name(Path::new("ssl.ini")), None);
    }
}
