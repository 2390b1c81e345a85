//! Live figures while a run goes: a progress bar on a terminal, plain lines in CI.
//!
//! CI logs want few, complete lines that grep well; a person at a terminal wants one line that
//! updates in place. Both show the same figures.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, lines otherwise.
    #[default]
    Auto,
    Bar,
    Lines,
    Quiet,
}

/// The figures of one moment.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub logged_on: u64,
    pub agents: u64,
    pub offered: u64,
    pub completed: u64,
    pub lost: u64,
    pub active_calls: u64,
    pub requests: u64,
    pub events: u64,
    pub errors: u64,
}

pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    phase: String,
    phase_started: Instant,
    last_line: Instant,
    last: Option<(Instant, Live)>,
    line_every: Duration,
}

impl Progress {
    pub fn new(mode: ProgressMode, total: Duration) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let (bar, lines) = match mode {
            ProgressMode::Quiet => (None, false),
            ProgressMode::Lines => (None, true),
            ProgressMode::Bar => (Some(()), false),
            ProgressMode::Auto if tty => (Some(()), false),
            ProgressMode::Auto => (None, true),
        };
        let bar = bar.map(|()| {
            let bar = ProgressBar::new(total.as_secs().max(1));
            let style = ProgressStyle::with_template(
                "{spinner} {prefix:>7} [{bar:25}] {pos:>3}/{len}s {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            lines,
            phase: String::new(),
            phase_started: Instant::now(),
            last_line: Instant::now(),
            last: None,
            line_every: Duration::from_secs(5),
        }
    }

    pub fn phase(&mut self, name: &str) {
        self.phase = name.to_owned();
        self.phase_started = Instant::now();
        if let Some(bar) = &self.bar {
            bar.set_prefix(name.to_owned());
        }
        if self.lines {
            eprintln!("crmsim: phase {name}");
        }
    }

    /// Shows the figures; rates are computed against the previous call.
    pub fn update(&mut self, elapsed: Duration, live: Live) {
        let now = Instant::now();
        let rates = match &self.last {
            Some((at, prev)) => {
                let secs = now.duration_since(*at).as_secs_f64().max(0.001);
                (
                    (live.offered.saturating_sub(prev.offered)) as f64 / secs,
                    (live.requests.saturating_sub(prev.requests)) as f64 / secs,
                    (live.events.saturating_sub(prev.events)) as f64 / secs,
                )
            }
            None => (0.0, 0.0, 0.0),
        };
        let text = format!(
            "agents {}/{} | calls {} offered, {} active, {} done, {} lost | {:.1} calls/s, {:.0} req/s, {:.0} ev/s | errors {}",
            live.logged_on,
            live.agents,
            live.offered,
            live.active_calls,
            live.completed,
            live.lost,
            rates.0,
            rates.1,
            rates.2,
            live.errors
        );
        if let Some(bar) = &self.bar {
            bar.set_position(elapsed.as_secs());
            bar.set_message(text.clone());
        }
        if self.lines && now.duration_since(self.last_line) >= self.line_every {
            self.last_line = now;
            eprintln!("crmsim: {:>4}s {:<7} {text}", elapsed.as_secs(), self.phase);
        }
        self.last = Some((now, live));
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
