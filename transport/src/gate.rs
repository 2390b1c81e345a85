//! The pause switch: a paused connector answers nothing, sends nothing and fires no timer, as a
//! process stopped with SIGSTOP would; on resume everything that waited goes on, late.

use tokio::sync::watch;

/// One component's pause switch, open by default; clones share it. Its server, senders and
/// timers [`wait`](Self::wait) on it before each step.
#[derive(Debug, Clone)]
pub struct Gate {
    paused: watch::Sender<bool>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            paused: watch::Sender::new(false),
        }
    }
}

impl Gate {
    /// Closes the gate: every later [`wait`](Self::wait) blocks until [`resume`](Self::resume);
    /// work already past its wait goes on.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Opens the gate again and releases everything waiting on it.
    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    /// Whether the gate is closed now.
    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// Returns at once when open; otherwise when resumed.
    pub async fn wait(&self) {
        // The common case, on every connection and request: open, nothing to wait for.
        if !*self.paused.borrow() {
            return;
        }
        let mut rx = self.paused.subscribe();
        // `wait_for` fails only if the sender is gone, and we hold it.
        let _ = rx.wait_for(|paused| !paused).await;
    }
}
