//! The lines of a capture file.
//!
//! The first line is a [`Header`] (`"type":"capture"`): who wrote the file and how. Every other
//! line is one HTTP [`Message`] (`"type":"message"`): a request, or the answer to one, tied by
//! `exchange`. A request is written when it arrives and its answer when it is sent, so a request
//! that never got an answer is still in the file.
//!
//! ```json
//! {"type":"message","t":"2026-12-06T02:10:00.123456Z","hop":"requests","dir":"request","exchange":17,"conn":3,"peer":"10.0.0.7:53211","tls":{"version":"TLSv1.3","resumed":false},"method":"POST","path":"/ici","headers":[["content-type","text/xml; charset=UTF-8"],["soapaction","\"urn:IciUserInterface#logon\""]],"body":"<soapenv:Envelope …"}
//! {"type":"message","t":"2026-12-06T02:10:00.125001Z","hop":"requests","dir":"response","exchange":17,"conn":3,"status":200,"headers":[["content-type","text/xml; charset=UTF-8"]],"body":"<soapenv:Envelope …","latency_ms":1.545}
//! ```

use serde::{Deserialize, Serialize};

/// The version of the format this crate writes; a reader refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;

/// Which way a message travels in ICI terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hop {
    /// SAP CRM → connector: requests (log on, answer…) and their responses.
    Requests,
    /// Connector → SAP CRM: events (call changed…) and their acknowledgements.
    Events,
}

impl Hop {
    /// The hop's name as the capture spells it (`requests`, `events`), for messages and notes.
    pub fn as_str(self) -> &'static str {
        match self {
            Hop::Requests => "requests",
            Hop::Events => "events",
        }
    }
}

/// A request, or the answer to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A request, written when it arrives (or is sent).
    Request,
    /// The answer to the request with the same `exchange`, written when it is sent.
    Response,
}

/// The TLS of the connection a message came on, as the recording side saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    /// The handshake resumed an earlier session ("session caching").
    pub resumed: bool,
}

/// The first line of a capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always `capture`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The format version the file was written in ([`FORMAT_VERSION`]).
    pub format: u32,
    /// `crmsim record`, `crmsim serve connector`, `crmsim serve crm`, …
    pub writer: String,
    /// The version of the crmsim that wrote the file.
    pub crmsim_version: String,
    /// When the capture started, RFC 3339 UTC.
    pub started: String,
    /// Whether secrets were taken out (`--no-redact` turns it off).
    pub redacted: bool,
    /// Free words on where each hop went (`requests: 0.0.0.0:8443 → https://connector:8443`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Header {
    /// The header of a capture starting now, in this crate's [`FORMAT_VERSION`].
    pub fn new(writer: &str, crmsim_version: &str, redacted: bool, notes: Vec<String>) -> Header {
        Header {
            kind: "capture".to_owned(),
            format: FORMAT_VERSION,
            writer: writer.to_owned(),
            crmsim_version: crmsim_version.to_owned(),
            started: now_rfc3339(),
            redacted,
            notes,
        }
    }
}

/// One HTTP message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Always `message`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the recording side had the whole message, RFC 3339 UTC with microseconds.
    pub t: String,
    /// Which hop it travelled on.
    pub hop: Hop,
    /// Whether it is a request or an answer.
    pub dir: Direction,
    /// Ties a request to its answer; unique within the file.
    pub exchange: u64,
    /// The connection it came on, numbered by the recording side; absent where the recorder
    /// sent it itself through a pooled client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<u64>,
    /// The sender's address (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The TLS of its connection (requests only; absent on plain HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// HTTP method (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path and query (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// HTTP status (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// In the order they came, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text (UTF-8), or absent when `body_base64` holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A body that is not UTF-8, in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// Request to answer, as the recording side measured it (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Why there is no real answer (the peer could not be reached, …): answers the recorder
    /// made itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was taken out of this message, in words (`login password`, `authorization`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
}

impl Message {
    /// A message with its body set from raw bytes (text when UTF-8, base64 otherwise).
    pub fn new(hop: Hop, dir: Direction, exchange: u64, body: &[u8]) -> Message {
        let (body, body_base64) = match std::str::from_utf8(body) {
            Ok(text) => (Some(text.to_owned()), None),
            Err(_) => {
                use base64::Engine;
                (
                    None,
                    Some(base64::engine::general_purpose::STANDARD.encode(body)),
                )
            }
        };
        Message {
            kind: "message".to_owned(),
            t: now_rfc3339(),
            hop,
            dir,
            exchange,
            conn: None,
            peer: None,
            tls: None,
            method: None,
            path: None,
            status: None,
            headers: Vec::new(),
            body,
            body_base64,
            latency_ms: None,
            error: None,
            redacted: Vec::new(),
        }
    }

    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body's bytes, whichever way they were written.
    pub fn body_bytes(&self) -> Vec<u8> {
        if let Some(text) = &self.body {
            return text.as_bytes().to_vec();
        }
        use base64::Engine;
        self.body_base64
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .unwrap_or_default()
    }
}

/// A line of a capture file.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// The first line: who wrote the file and how.
    Header(Header),
    /// Any later line: one request or answer.
    Message(Box<Message>),
}

/// Now, RFC 3339 UTC with microseconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    now.format(&format)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// A time of the capture as seconds since 1970, for ordering and pacing.
pub fn parse_time(t: &str) -> Option<f64> {
    let parsed =
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()?;
    Some(parsed.unix_timestamp_nanos() as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_utf8_travels_as_base64_and_comes_back() {
        let bytes = [0x3c, 0xff, 0xfe, 0x3e];
        let m = Message::new(Hop::Requests, Direction::Request, 1, &bytes);
        assert!(m.body.is_none());
        assert_eq!(m.body_bytes(), bytes);
        let m = Message::new(Hop::Events, Direction::Response, 2, b"<ok/>");
        assert_eq!(m.body.as_deref(), Some("<ok/>"));
    }

    #[test]
    fn times_are_written_in_utc_with_microseconds_and_read_back() {
        let t = now_rfc3339();
        assert!(t.ends_with('Z') && t.len() == 27, "{t}");
        let secs = parse_time(&t).unwrap_or_default();
        assert!(secs > 1.7e9, "{secs}");
    }
}
