//! When a served component stops: after its configured duration, at Ctrl-C, or at SIGTERM (what
//! `docker stop`, systemd and Kubernetes send). All three lead to the same graceful stop, so a
//! component in a container leaves the same report as one stopped by hand.

use std::fmt;
use std::time::Duration;

/// What ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// The configured `duration` elapsed.
    Duration,
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Duration => "its duration elapsed",
            StopReason::Interrupt => "Ctrl-C",
            StopReason::Terminate => "SIGTERM",
        })
    }
}

/// Signal handlers installed up front: a signal that arrives right after the start line is
/// then a graceful stop, never the default action (an abrupt exit without report).
pub struct Stopper {
    duration: Option<Duration>,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stopper {
    /// Installs the handlers; must run inside the runtime.
    pub fn install(duration: Option<Duration>) -> std::io::Result<Stopper> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stopper {
                duration,
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stopper { duration })
        }
    }

    /// Waits for the first of: the duration, Ctrl-C, SIGTERM.
    pub async fn wait(&mut self) -> StopReason {
        let elapsed = async {
            match self.duration {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        #[cfg(unix)]
        {
            tokio::select! {
                _ = elapsed => StopReason::Duration,
                _ = self.interrupt.recv() => StopReason::Interrupt,
                _ = self.terminate.recv() => StopReason::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::select! {
                _ = elapsed => StopReason::Duration,
                _ = tokio::signal::ctrl_c() => StopReason::Interrupt,
            }
        }
    }
}
