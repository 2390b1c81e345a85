//! Copying bytes both ways between two TCP connections, under the faults of the legs they cross.
//!
//! `tokio::io::copy_bidirectional` cannot delay, hold or swallow data, so each direction is a
//! small pipeline of its own: a reader puts chunks into a bounded FIFO, each stamped with the
//! instant it may be delivered; a writer takes them in order, waits for that instant and writes.
//! The bound keeps backpressure (a slow receiver stops the reader, and then the sender's kernel
//! buffers fill), and the FIFO keeps order whatever the jitter.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::impair::{Impairments, any_blackholed, wait_unpaused};

/// Bytes read at once.
const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction (read, not yet written).
const QUEUE: usize = 16;

/// How one direction of a connection is forwarded.
pub(crate) struct Flow<'a> {
    /// The legs the data crosses; their faults add up (latencies are summed).
    pub legs: &'a [Impairments],
    /// Whether latency applies: true from the dialing side to the listening side only.
    pub delayed: bool,
    /// Set once any byte of the connection was swallowed by a blackhole, in either direction.
    pub dead: &'a AtomicBool,
    /// Called with the number of bytes after each write.
    pub count: &'a (dyn Fn(u64) + Sync),
}

struct Chunk {
    data: Vec<u8>,
    deliver_at: Option<Instant>,
}

/// Forwards both directions until both have ended (each end's EOF is passed on as a half-close),
/// or until one fails. A connection killed by a blackhole ends as soon as either direction ends:
/// nobody is left to tell.
pub(crate) async fn both_ways<CR, CW, SR, SW>(
    (client_read, client_write): (CR, CW),
    (server_read, server_write): (SR, SW),
    legs: &[Impairments],
    dead: &AtomicBool,
    to_server: &(dyn Fn(u64) + Sync),
    to_client: &(dyn Fn(u64) + Sync),
) -> io::Result<()>
where
    CR: AsyncRead + Unpin,
    CW: AsyncWrite + Unpin,
    SR: AsyncRead + Unpin,
    SW: AsyncWrite + Unpin,
{
    let up = pump(
        client_read,
        server_write,
        Flow {
            legs,
            delayed: true,
            dead,
            count: to_server,
        },
    );
    let down = pump(
        server_read,
        client_write,
        Flow {
            legs,
            delayed: false,
            dead,
            count: to_client,
        },
    );
    tokio::pin!(up, down);
    let up_first = tokio::select! {
        r = &mut up => { r?; true }
        r = &mut down => { r?; false }
    };
    if dead.load(Ordering::Relaxed) {
        return Ok(());
    }
    if up_first { down.await } else { up.await }
}

/// Forwards one direction until the reader's EOF (then shuts the writer down) or an error.
pub(crate) async fn pump<R, W>(reader: R, writer: W, flow: Flow<'_>) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::try_join!(read_side(reader, tx, &flow), write_side(writer, rx, &flow))?;
    Ok(())
}

/// Reads chunks and queues them; returns (dropping `tx`, which tells the writer) at EOF.
async fn read_side<R: AsyncRead + Unpin>(
    mut reader: R,
    tx: mpsc::Sender<Chunk>,
    flow: &Flow<'_>,
) -> io::Result<()> {
    loop {
        wait_unpaused(flow.legs).await;
        let mut data = Vec::with_capacity(CHUNK);
        if reader.read_buf(&mut data).await? == 0 {
            return Ok(());
        }
        if swallowed(flow) {
            continue;
        }
        let deliver_at = if flow.delayed {
            let delay: std::time::Duration = flow.legs.iter().map(Impairments::sample_delay).sum();
            (!delay.is_zero()).then(|| Instant::now() + delay)
        } else {
            None
        };
        if tx.send(Chunk { data, deliver_at }).await.is_err() {
            // The writer failed; `try_join!` reports its error.
            return Ok(());
        }
    }
}

/// Writes queued chunks in order, each no earlier than its delivery time; half-closes at the end.
async fn write_side<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<Chunk>,
    flow: &Flow<'_>,
) -> io::Result<()> {
    while let Some(chunk) = rx.recv().await {
        if let Some(at) = chunk.deliver_at {
            tokio::time::sleep_until(at).await;
        }
        wait_unpaused(flow.legs).await;
        if swallowed(flow) {
            continue;
        }
        writer.write_all(&chunk.data).await?;
        (flow.count)(chunk.data.len() as u64);
    }
    if !flow.dead.load(Ordering::Relaxed) {
        writer.shutdown().await?;
    }
    Ok(())
}

/// Whether data must vanish now; marks the connection dead when it does.
fn swallowed(flow: &Flow<'_>) -> bool {
    if flow.dead.load(Ordering::Relaxed) || any_blackholed(flow.legs) {
        flow.dead.store(true, Ordering::Relaxed);
        return true;
    }
    false
}
