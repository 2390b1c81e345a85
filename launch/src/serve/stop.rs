//! When a served component stops: after its configured duration, at Ctrl-C, or at SIGTERM (what
//! `docker stop`, systemd and Kubernetes send). All three lead to the same graceful stop, so a
//! component in a container leaves the same report as one stopped by hand.

use std::fmt;
use std::time::Duration;

/// What ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// When the configured duration ends: a deadline, not a duration, so that waiting again
    /// (the proxy's and the metrics' loops wait in slices) does not start it over.
    deadline: Option<tokio::time::Instant>,
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
                deadline: duration.map(|d| tokio::time::Instant::now() + d),
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stopper {
                deadline: duration.map(|d| tokio::time::Instant::now() + d),
            })
        }
    }

    /// Waits like [`wait`](Self::wait), publishing live metrics (`--metrics`) from `gather`
    /// once a second meanwhile, and once more at the stop so a last scrape sees the end.
    pub async fn wait_publishing(
        &mut self,
        live: Option<&exposition::Published>,
        gather: impl Fn() -> exposition::Families,
    ) -> StopReason {
        let Some(live) = live else {
            return self.wait().await;
        };
        loop {
            live.publish(gather());
            tokio::select! {
                reason = self.wait() => {
                    live.publish(gather());
                    return reason;
                }
                () = tokio::time::sleep(harness::live::PUBLISH_EVERY) => {}
            }
        }
    }

    /// Waits for the first of: the duration, Ctrl-C, SIGTERM.
    pub async fn wait(&mut self) -> StopReason {
        let elapsed = async {
            match self.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
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

/// SIGUSR1 to a served connector: close the queue. No call is offered from then on, and the
/// calls in progress go on to their end, so the CRM's logoff after the steady phase finds no
/// new call to leave behind (`run --processes` sends it when the steady phase ends, as the
/// in-process runner stops arrivals there). Installed up front, like [`Stopper`]'s handlers.
pub struct QueueClose {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl QueueClose {
    /// Installs the handler; must run inside the runtime.
    pub fn install() -> std::io::Result<QueueClose> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(QueueClose {
                signal: signal(SignalKind::user_defined1())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(QueueClose {})
        }
    }

    /// Waits for the next SIGUSR1 (never, where there is none).
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            if self.signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        {
            std::future::pending::<()>().await;
        }
    }
}
