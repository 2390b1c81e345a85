//! One task that keeps every ACD timer (ring-no-answer, patience, talk, wrap-up) in a delay queue.
//!
//! At 1,000 calls/s a task per timer would keep tens of thousands of sleeping tasks alive for
//! timers that mostly no longer apply; a delay queue holds them as small entries and one task
//! fires them into the ACD.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::time::DelayQueue;
use transport::Gate;

use crate::acd::{Acd, Armed};
use crate::lock;

/// Where newly armed timers are sent.
#[derive(Clone)]
pub struct Timers {
    tx: mpsc::UnboundedSender<Armed>,
}

impl Timers {
    pub fn spawn(
        name: &str,
        acd: Arc<Mutex<Acd>>,
        gate: Gate,
        tasks: &TaskTracker,
        cancel: CancellationToken,
    ) -> Timers {
        let (tx, rx) = mpsc::unbounded_channel();
        tasks.spawn(tasks::named(
            format!("{name} timers"),
            run(acd, gate, rx, cancel),
        ));
        Timers { tx }
    }

    pub fn arm(&self, timers: Vec<Armed>) {
        for armed in timers {
            // Fails only after shutdown, when no timer matters any more.
            let _ = self.tx.send(armed);
        }
    }
}

async fn run(
    acd: Arc<Mutex<Acd>>,
    gate: Gate,
    mut rx: mpsc::UnboundedReceiver<Armed>,
    cancel: CancellationToken,
) {
    let mut queue = DelayQueue::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            armed = rx.recv() => match armed {
                Some(a) => { queue.insert(a.timer, a.after); }
                None => return,
            },
            Some(expired) = std::future::poll_fn(|cx| queue.poll_expired(cx)), if !queue.is_empty() => {
                gate.wait().await;
                let again = {
                    let mut acd = lock(&acd);
                    acd.fire(expired.into_inner(), Instant::now());
                    acd.take_timers()
                };
                for a in again {
                    queue.insert(a.timer, a.after);
                }
            }
        }
    }
}
