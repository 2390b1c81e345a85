//! Test servers and helpers shared by the integration tests: an echo server that greets with its
//! name (so a client knows which side it reached), polling with a deadline, timed round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// An echo server: on accept it writes `<name>\n`, then echoes every byte. Stopping it closes
/// the listener only; accepted connections keep echoing (a listener that died under live
/// sessions).
pub struct Echo {
    pub name: String,
    pub addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl Echo {
    pub async fn start(name: &str, addr: SocketAddr) -> Echo {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let greeting = format!("{name}\n").into_bytes();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(echo(stream, greeting.clone()));
            }
        });
        Echo {
            name: name.to_string(),
            addr,
            accept,
        }
    }

    /// Closes the listener (new connections are refused); live connections go on.
    pub async fn stop_listening(self) {
        self.accept.abort();
        let _ = self.accept.await;
    }
}

async fn echo(mut stream: TcpStream, greeting: Vec<u8>) {
    let _ = stream.set_nodelay(true);
    if stream.write_all(&greeting).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Connects and reads the greeting: which server answered.
pub async fn greet(addr: SocketAddr) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let name = tokio::time::timeout(Duration::from_secs(2), read_line(&mut stream))
        .await
        .expect("no greeting within 2 s")
        .unwrap();
    (stream, name)
}

/// Which server a new connection reaches.
pub async fn who(addr: SocketAddr) -> String {
    greet(addr).await.1
}

pub async fn read_line(stream: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if stream.read(&mut byte).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if byte[0] == b'\n' {
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        line.push(byte[0]);
    }
}

/// Sends `data` and waits for its echo; returns how long that took.
pub async fn round_trip(stream: &mut TcpStream, data: &[u8]) -> Duration {
    let start = Instant::now();
    stream.write_all(data).await.unwrap();
    let mut back = vec![0u8; data.len()];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut back))
        .await
        .expect("no echo within 5 s")
        .unwrap();
    assert_eq!(back, data);
    start.elapsed()
}

/// Polls `cond` every 5 ms until it holds; returns how long that took, or panics after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if cond() {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What a read on `stream` ends with within `limit`.
#[derive(Debug)]
pub enum ReadOutcome {
    Data(Vec<u8>),
    Eof,
    Error(io::ErrorKind),
    TimedOut,
}

pub async fn read_within(stream: &mut TcpStream, limit: Duration) -> ReadOutcome {
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(limit, stream.read(&mut buf)).await {
        Err(_) => ReadOutcome::TimedOut,
        Ok(Ok(0)) => ReadOutcome::Eof,
        Ok(Ok(n)) => ReadOutcome::Data(buf[..n].to_vec()),
        Ok(Err(e)) => ReadOutcome::Error(e.kind()),
    }
}
