//! A look at a connection's first bytes, before TLS or HTTP parsing starts.
//!
//! A plain HTTP request on a TLS port makes rustls report "corrupt message"; a TLS ClientHello on
//! a plaintext port makes hyper report "invalid method". Neither tells an integrator that one side
//! has SSL on and the other off. Peeking at the first bytes lets us say exactly that.

use std::io;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What the first bytes of a connection look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstBytes {
    /// A TLS handshake record (content type 22, version 3.x).
    TlsHandshake,
    /// An HTTP/1 request line (`POST `, `GET `…).
    PlainHttp,
    /// Something else, or too little to tell.
    Unknown,
    /// The peer closed before sending anything (a TCP health check does this).
    Closed,
}

const METHODS: [&[u8]; 7] = [
    b"POST ",
    b"GET ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
];

/// Classifies a prefix of a connection's bytes.
pub fn classify(prefix: &[u8]) -> FirstBytes {
    match prefix {
        [] => FirstBytes::Closed,
        [0x16, 0x03, ..] | [0x16] => FirstBytes::TlsHandshake,
        _ if METHODS
            .iter()
            .any(|m| prefix.starts_with(m) || m.starts_with(prefix)) =>
        {
            FirstBytes::PlainHttp
        }
        _ => FirstBytes::Unknown,
    }
}

/// What a peek saw: the kind of the first bytes and, for a TLS ClientHello, its
/// `legacy_version` (0x0303 from every TLS 1.2 and 1.3 client; lower from a client that
/// offers nothing newer than TLS 1.1), when the peek got that far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peeked {
    /// What the first bytes look like.
    pub kind: FirstBytes,
    /// The ClientHello's `legacy_version` (e.g. `0x0303`); `None` when the bytes are no
    /// ClientHello or stop before it.
    pub hello_version: Option<u16>,
}

impl Peeked {
    /// The client offers at most TLS 1.1 (SSL 3.0 = 0x0300, TLS 1.0 = 0x0301, 1.1 = 0x0302).
    pub fn offers_only_old_tls(&self) -> Option<&'static str> {
        match self.hello_version? {
            0x0300 => Some("SSL 3.0"),
            0x0301 => Some("TLS 1.0"),
            0x0302 => Some("TLS 1.1"),
            _ => None,
        }
    }
}

/// A ClientHello's `legacy_version`: record header (5 bytes), handshake type 1 (client_hello)
/// and length (4 bytes), then the version.
pub fn hello_version(prefix: &[u8]) -> Option<u16> {
    match prefix {
        [0x16, 0x03, _, _, _, 0x01, _, _, _, hi, lo, ..] => Some(u16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

/// Peeks at the first bytes without consuming them. Waits at most `timeout`; a peer that sends
/// nothing in that time is reported as [`FirstBytes::Unknown`] and left to the handshake timeout.
pub async fn peek(stream: &TcpStream, timeout: Duration) -> io::Result<Peeked> {
    let mut buf = [0u8; 16];
    match tokio::time::timeout(timeout, stream.peek(&mut buf)).await {
        Ok(Ok(n)) => Ok(Peeked {
            kind: classify(&buf[..n]),
            hello_version: hello_version(&buf[..n]),
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Ok(Peeked {
            kind: FirstBytes::Unknown,
            hello_version: None,
        }),
    }
}

/// Answers a plaintext request on a TLS port the way nginx does, so that `curl http://…` shows
/// the reason instead of an empty reply.
pub async fn refuse_plaintext(stream: TcpStream, server: &str) -> io::Result<()> {
    let body = format!(
        "{server}: this port speaks HTTPS with client certificates; a plain HTTP request was sent to it. Use https:// (SAP: SSL active in the RFC destination).\n"
    );
    bad_request(stream, &body).await
}

/// Answers a TLS ClientHello on a plain port in plain HTTP: the TLS client then reports that the
/// peer is not speaking TLS, instead of a bare "connection closed".
pub async fn refuse_tls(stream: TcpStream, server: &str) -> io::Result<()> {
    let body = format!(
        "{server}: this port speaks plain HTTP (SSL is off here); a TLS handshake was sent to it. Use http://, or enable SSL on this side (TpiDllParameter=SSL).\n"
    );
    bad_request(stream, &body).await
}

async fn bad_request(mut stream: TcpStream, body: &str) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_hello_says_its_version() {
        let tls11 = [
            0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00, 0x00, 0x4c, 0x03, 0x02,
        ];
        assert_eq!(hello_version(&tls11), Some(0x0302));
        let p = Peeked {
            kind: FirstBytes::TlsHandshake,
            hello_version: hello_version(&tls11),
        };
        assert_eq!(p.offers_only_old_tls(), Some("TLS 1.1"));
        let tls13 = [
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ];
        assert_eq!(hello_version(&tls13), Some(0x0303));
        assert_eq!(hello_version(&tls13[..6]), None);
    }

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(
            classify(&[0x16, 0x03, 0x01, 0x02]),
            FirstBytes::TlsHandshake
        );
        assert_eq!(classify(b"POST /ici HTTP/1.1"), FirstBytes::PlainHttp);
        assert_eq!(classify(b"PO"), FirstBytes::PlainHttp);
        assert_eq!(classify(b"\x00\x01"), FirstBytes::Unknown);
        assert_eq!(classify(b""), FirstBytes::Closed);
    }
}
