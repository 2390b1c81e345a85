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

/// Peeks at the first bytes without consuming them. Waits at most `timeout`; a peer that sends
/// nothing in that time is reported as [`FirstBytes::Unknown`] and left to the handshake timeout.
pub async fn peek(stream: &TcpStream, timeout: Duration) -> io::Result<FirstBytes> {
    let mut buf = [0u8; 8];
    match tokio::time::timeout(timeout, stream.peek(&mut buf)).await {
        Ok(Ok(n)) => Ok(classify(&buf[..n])),
        Ok(Err(e)) => Err(e),
        Err(_) => Ok(FirstBytes::Unknown),
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
