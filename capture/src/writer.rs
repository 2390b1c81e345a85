//! Writes a capture from a bounded queue on its own thread.
//!
//! A recorder sits in the path of real traffic, so it must never make a message wait for the
//! disk: [`CaptureWriter::record`] only tries to queue the line. A queue that is full (a disk
//! slower than the traffic) drops the line and counts it; a write that fails (a full disk)
//! counts it and keeps the first error's words; the traffic flows on either way, and the
//! summary says how much of it the file misses.
//!
//! The writer thread polls the queue instead of sleeping on it: a receiver parked on the
//! channel must be woken by every sender, a futex call and a context switch per message that
//! cost the recorder more CPU than writing the line (perf, `benches/recorder.py`). Polling
//! every few milliseconds costs nothing per message and delays the disk by as much.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::message::{Header, Message};

/// Lines waiting for the disk at most; beyond, lines are dropped and counted.
pub const QUEUE_CAPACITY: usize = 65_536;

/// How long the writer sleeps when the queue is empty: lines reach the disk this late at
/// most, and the queue must hold this long's traffic (65,536 lines: 13 million a second).
const POLL: Duration = Duration::from_millis(5);

/// What the writer did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct WriterStats {
    /// Messages on disk.
    pub written: u64,
    /// Messages dropped because the queue was full (the disk could not keep up).
    pub dropped_queue_full: u64,
    /// Messages lost to write errors (a full disk…).
    pub write_errors: u64,
    /// The first write error, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// Bytes of the message lines on disk (the header line not counted).
    pub bytes: u64,
}

impl WriterStats {
    /// Messages that should be in the file and are not.
    pub fn missing(&self) -> u64 {
        self.dropped_queue_full + self.write_errors
    }
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    write_errors: AtomicU64,
    bytes: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// A capture file being written. Cheap to share: `record` takes `&self`.
pub struct CaptureWriter {
    path: PathBuf,
    /// Read-locked by every `record` (no waiting between senders), write-locked once by
    /// `finish` to close the queue.
    tx: RwLock<Option<SyncSender<Message>>>,
    counters: Arc<Counters>,
    thread: Mutex<Option<JoinHandle<()>>>,
    exchanges: AtomicU64,
}

/// The capture file could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the capture {}: {source}", path.display())]
pub struct OpenError {
    /// The capture file.
    pub path: PathBuf,
    /// Why: creating it, writing its header or starting the writer thread failed.
    #[source]
    pub source: std::io::Error,
}

impl CaptureWriter {
    /// Creates (or truncates) `path` and writes `header` as its first line.
    pub fn create(path: &Path, header: &Header) -> Result<CaptureWriter, OpenError> {
        let wrap = |source| OpenError {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(wrap)?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let line = serde_json::to_string(header)
            .map_err(|e| wrap(std::io::Error::other(e.to_string())))?;
        out.write_all(line.as_bytes()).map_err(wrap)?;
        out.write_all(b"\n").map_err(wrap)?;
        out.flush().map_err(wrap)?;
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let counters = Arc::new(Counters::default());
        let thread = std::thread::Builder::new()
            .name("capture writer".to_owned())
            .spawn({
                let counters = counters.clone();
                move || write_loop(rx, out, &counters)
            })
            .map_err(wrap)?;
        Ok(CaptureWriter {
            path: path.to_path_buf(),
            tx: RwLock::new(Some(tx)),
            counters,
            thread: Mutex::new(Some(thread)),
            exchanges: AtomicU64::new(0),
        })
    }

    /// The file being written, for summaries.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new exchange number, unique within this file.
    pub fn next_exchange(&self) -> u64 {
        self.exchanges.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Queues one message; never waits. A full queue or a closed writer drops it (counted).
    pub fn record(&self, message: Message) {
        let tx = match self.tx.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let Some(tx) = tx.as_ref() else {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match tx.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// What has been written and lost so far.
    pub fn stats(&self) -> WriterStats {
        let c = &self.counters;
        WriterStats {
            written: c.written.load(Ordering::Relaxed),
            dropped_queue_full: c.dropped.load(Ordering::Relaxed),
            write_errors: c.write_errors.load(Ordering::Relaxed),
            first_error: lock(&c.first_error).clone(),
            bytes: c.bytes.load(Ordering::Relaxed),
        }
    }

    /// Writes what is queued, closes the file and says what it did. Later `record`s are
    /// dropped and counted.
    pub fn finish(&self) -> WriterStats {
        match self.tx.write() {
            Ok(mut guard) => drop(guard.take()),
            Err(poisoned) => drop(poisoned.into_inner().take()),
        }
        if let Some(thread) = lock(&self.thread).take()
            && thread.join().is_err()
        {
            let mut first = lock(&self.counters.first_error);
            first.get_or_insert_with(|| "the capture writer thread panicked".to_owned());
        }
        self.stats()
    }
}

impl Drop for CaptureWriter {
    fn drop(&mut self) {
        self.finish();
    }
}

fn write_loop(rx: Receiver<Message>, out: BufWriter<File>, counters: &Counters) {
    let mut out = Some(out);
    let mut line = Vec::with_capacity(4096);
    // Lines in the buffer since the last good flush: on disk only once a flush succeeds, lost
    // with the buffer if a write or a flush fails.
    let mut pending = (0u64, 0u64);
    let fail = |pending: &mut (u64, u64), why: String| {
        counters
            .write_errors
            .fetch_add(pending.0, Ordering::Relaxed);
        lock(&counters.first_error).get_or_insert(why);
        *pending = (0, 0);
    };
    // Take whatever is queued, flush once the queue is empty (a busy recorder writes in
    // batches, a quiet one has every line on disk within a poll), then sleep.
    loop {
        let message = match rx.try_recv() {
            Ok(message) => message,
            Err(TryRecvError::Empty) => {
                if pending.0 > 0 {
                    flush(&mut out, &mut pending, counters, &fail);
                }
                std::thread::sleep(POLL);
                continue;
            }
            Err(TryRecvError::Disconnected) => break,
        };
        line.clear();
        if serde_json::to_writer(&mut line, &message).is_err() {
            counters.write_errors.fetch_add(1, Ordering::Relaxed);
            lock(&counters.first_error)
                .get_or_insert_with(|| "a message could not be serialised".to_owned());
            continue;
        }
        line.push(b'\n');
        pending = (pending.0 + 1, pending.1 + line.len() as u64);
        if let Some(w) = out.as_mut()
            && let Err(e) = w.write_all(&line)
        {
            fail(&mut pending, e.to_string());
            // A BufWriter that failed keeps its bytes; start clean, or every later line
            // would fail with them.
            out = out
                .take()
                .map(|w| BufWriter::with_capacity(256 * 1024, w.into_parts().0));
        }
    }
    flush(&mut out, &mut pending, counters, &fail);
}

fn flush(
    out: &mut Option<BufWriter<File>>,
    pending: &mut (u64, u64),
    counters: &Counters,
    fail: &dyn Fn(&mut (u64, u64), String),
) {
    let Some(w) = out.as_mut() else { return };
    match w.flush() {
        Ok(()) => {
            counters.written.fetch_add(pending.0, Ordering::Relaxed);
            counters.bytes.fetch_add(pending.1, Ordering::Relaxed);
            *pending = (0, 0);
        }
        Err(e) => {
            fail(pending, e.to_string());
            *out = out
                .take()
                .map(|w| BufWriter::with_capacity(256 * 1024, w.into_parts().0));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Direction, Hop};

    #[test]
    fn lines_land_in_order_after_the_header() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("c.jsonl");
        let header = Header::new("test", "0", true, vec![]);
        let w = CaptureWriter::create(&path, &header).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..100 {
            let ex = w.next_exchange();
            w.record(Message::new(
                Hop::Requests,
                Direction::Request,
                ex,
                format!("<m{i}/>").as_bytes(),
            ));
        }
        let stats = w.finish();
        assert_eq!((stats.written, stats.missing()), (100, 0));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 101);
        assert!(lines[0].contains("\"type\":\"capture\""), "{}", lines[0]);
        assert!(lines[100].contains("<m99/>"), "{}", lines[100]);
    }

    #[test]
    fn a_full_disk_is_counted_and_named_and_recording_goes_on() {
        if !Path::new("/dev/full").exists() {
            return;
        }
        // /dev/full takes the header's small write into the buffer but fails its flush.
        let header = Header::new("test", "0", true, vec![]);
        match CaptureWriter::create(Path::new("/dev/full"), &header) {
            Err(e) => assert!(e.to_string().contains("/dev/full"), "{e}"),
            Ok(w) => {
                for _ in 0..10 {
                    w.record(Message::new(Hop::Events, Direction::Request, 1, b"<x/>"));
                }
                let stats = w.finish();
                assert!(stats.first_error.is_some(), "{stats:?}");
            }
        }
    }

    #[test]
    fn after_finish_records_are_dropped_and_counted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let header = Header::new("test", "0", true, vec![]);
        let w = CaptureWriter::create(&dir.path().join("c.jsonl"), &header)
            .unwrap_or_else(|e| panic!("{e}"));
        w.finish();
        w.record(Message::new(Hop::Events, Direction::Request, 1, b"<x/>"));
        assert_eq!(w.stats().dropped_queue_full, 1);
    }
}
