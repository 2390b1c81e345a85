//! The contact center in front of the connector sides: calls arrive on schedule and go to a side
//! with logged-on agents.
//!
//! In a real installation calls reach the contact center (Cisco) whatever happens to a
//! connector; the connector only mirrors them to SAP for the agents logged on through it. So
//! arrivals belong here, not to one connector: when side A dies, calls keep coming, wait in the
//! contact center while agents log on again through side B, and are abandoned (lost, with a
//! reason) if that takes longer than the callers' patience. With one connector this is simply
//! its call source.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sim_connector::CallDesk;
use sim_connector::arrivals::{ArrivalProcess, Schedule};
use stats::{LatencyBook, Timeline};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::rate_curve::RateCurve;
use crate::outcome::CenterCounts;

/// How often waiting calls are offered again.
const RETRY: Duration = Duration::from_millis(50);

/// Counters of the contact center.
#[derive(Debug, Default)]
pub struct CenterStats {
    generated: AtomicU64,
    routed: AtomicU64,
    abandoned: AtomicU64,
    late: AtomicU64,
    waiting: AtomicU64,
}

impl CenterStats {
    /// A copy of the counters now.
    pub fn counts(&self) -> CenterCounts {
        CenterCounts {
            generated: self.generated.load(Ordering::Relaxed),
            routed: self.routed.load(Ordering::Relaxed),
            abandoned: self.abandoned.load(Ordering::Relaxed),
            late: self.late.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }
}

/// The running contact center.
pub struct ContactCenter {
    rate: watch::Sender<RateCurve>,
    desks: Arc<Mutex<Vec<CallDesk>>>,
    /// Its counters, shared with the generator task.
    pub stats: Arc<CenterStats>,
    /// `arrival.lateness`: how late the generator woke against the schedule.
    pub latency: Arc<LatencyBook>,
    /// Calls generated per second, and the fault marks the runner adds.
    pub timeline: Arc<Timeline>,
    cancel: CancellationToken,
}

/// What the contact center is told at start.
pub struct CenterConfig {
    /// How gaps between arrivals are drawn (Poisson or constant).
    pub process: ArrivalProcess,
    /// Seed of the arrival generator's random numbers.
    pub seed: u64,
    /// A waiting caller hangs up after this.
    pub patience: Duration,
    /// A generator waking later than this after an arrival's schedule counts a late start.
    pub late_tolerance: Duration,
}

impl ContactCenter {
    /// Starts idle (rate 0) with the connector sides' desks, in preference order (A before B).
    pub fn start(config: CenterConfig, desks: Vec<CallDesk>, start: Instant) -> ContactCenter {
        let (rate, rate_rx) = watch::channel(RateCurve::constant(0.0, start));
        let desks = Arc::new(Mutex::new(desks));
        let stats = Arc::new(CenterStats::default());
        let latency = Arc::new(LatencyBook::default());
        let timeline = Arc::new(Timeline::new(start));
        let cancel = CancellationToken::new();
        let worker = Worker {
            config,
            desks: desks.clone(),
            stats: stats.clone(),
            latency: latency.clone(),
            timeline: timeline.clone(),
            rate: rate_rx,
            cancel: cancel.clone(),
            waiting: VecDeque::new(),
        };
        tokio::spawn(tasks::named("contact center", worker.run()));
        ContactCenter {
            rate,
            desks,
            stats,
            latency,
            timeline,
            cancel,
        }
    }

    /// Calls per second from now on; 0 stops arrivals (waiting calls are still routed).
    pub fn set_rate(&self, per_second: f64) {
        self.ramp_to(per_second, Duration::ZERO);
    }

    /// Goes linearly from the rate of this moment to `per_second` over `over`, then stays.
    pub fn ramp_to(&self, per_second: f64, over: Duration) {
        let now = Instant::now();
        let from = self.rate.borrow().rate_at(now);
        self.rate.send_replace(RateCurve {
            start: now,
            from,
            to: per_second.max(0.0),
            over,
        });
    }

    /// Replaces the desk of a side (after a restart) or the whole list.
    pub fn set_desks(&self, desks: Vec<CallDesk>) {
        *lock(&self.desks) = desks;
    }

    /// The sides' desks as now set, in preference order.
    pub fn desks(&self) -> Vec<CallDesk> {
        lock(&self.desks).clone()
    }

    /// Stops arrivals and routing for good.
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

impl Drop for ContactCenter {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

struct Worker {
    config: CenterConfig,
    desks: Arc<Mutex<Vec<CallDesk>>>,
    stats: Arc<CenterStats>,
    latency: Arc<LatencyBook>,
    timeline: Arc<Timeline>,
    rate: watch::Receiver<RateCurve>,
    cancel: CancellationToken,
    /// Intended arrival times of calls no side could take yet, oldest first.
    waiting: VecDeque<Instant>,
}

impl Worker {
    async fn run(mut self) {
        let mut schedule = Schedule::new(self.config.process, self.config.seed);
        let mut next: Option<Instant> = None;
        loop {
            let curve = *self.rate.borrow_and_update();
            if next.is_none() {
                // A new rate starts a new schedule from now.
                next = curve.next_after(Instant::now(), schedule.unit());
            }
            let retry = (!self.waiting.is_empty()).then(|| Instant::now() + RETRY);
            let wake = match (next, retry) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                changed = self.rate.changed() => {
                    if changed.is_err() { return }
                    next = None;
                }
                _ = sleep_until(wake), if wake.is_some() => {
                    let now = Instant::now();
                    while let Some(intended) = next.filter(|n| *n <= now) {
                        self.arrive(intended, now);
                        next = curve.next_after(intended, schedule.unit());
                    }
                    self.route();
                }
            }
        }
    }

    fn arrive(&mut self, intended: Instant, now: Instant) {
        self.stats.generated.fetch_add(1, Ordering::Relaxed);
        self.timeline.count("calls.generated", intended, 1);
        let lateness = now.saturating_duration_since(intended);
        self.latency.record("arrival.lateness", lateness);
        if lateness > self.config.late_tolerance {
            self.stats.late.fetch_add(1, Ordering::Relaxed);
        }
        self.waiting.push_back(intended);
    }

    /// Hands waiting calls, oldest first, to the first side that takes them; callers out of
    /// patience are abandoned.
    fn route(&mut self) {
        let desks = lock(&self.desks).clone();
        let now = Instant::now();
        while let Some(&intended) = self.waiting.front() {
            if now.saturating_duration_since(intended) >= self.config.patience {
                self.waiting.pop_front();
                self.stats.abandoned.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if desks.iter().any(|d| d.offer(intended).is_some()) {
                self.waiting.pop_front();
                self.stats.routed.fetch_add(1, Ordering::Relaxed);
            } else {
                break;
            }
        }
        self.stats
            .waiting
            .store(self.waiting.len() as u64, Ordering::Relaxed);
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
