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
    /// A bar that updates in place.
    Bar,
    /// Plain lines, one every 5 seconds (CI logs).
    Lines,
    /// Nothing at all.
    Quiet,
}

/// The figures of one moment.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Agents logged on now.
    pub logged_on: u64,
    /// Agents the CRMs run.
    pub agents: u64,
    /// Calls that arrived so far.
    pub offered: u64,
    /// Calls that ended completed or transferred so far.
    pub completed: u64,
    /// Calls lost so far: abandoned or dropped.
    pub lost: u64,
    /// Calls waiting for a side or in progress at a side now.
    pub active_calls: u64,
    /// Requests the CRMs sent so far.
    pub requests: u64,
    /// Events the CRMs received so far.
    pub events: u64,
    /// Errors every component counted so far, killed instances included.
    pub errors: u64,
}

/// The progress display of one run: a bar, lines, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    phase: String,
    phase_started: Instant,
    last_line: Instant,
    last: Option<(Instant, Live)>,
    /// The figures of the last printed line.
    last_printed: Option<(Instant, Live)>,
    line_every: Duration,
}

impl Progress {
    /// Starts the display; `total` is the expected length of the run (the bar's end).
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
            last_printed: None,
            line_every: Duration::from_secs(5),
        }
    }

    /// Starts the named phase: the bar's prefix, or a line of its own.
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

    /// Shows the figures. The bar's rates are over the last update (half a second, live); a
    /// line's over the time since the previous line, so that a CI log's rates add up to what
    /// flowed instead of sampling half a second in five.
    pub fn update(&mut self, elapsed: Duration, live: Live) {
        let now = Instant::now();
        if let Some(bar) = &self.bar {
            let text = figures(&live, rates(self.last.as_ref(), now, &live));
            bar.set_position(elapsed.as_secs());
            bar.set_message(text.join(" | "));
        }
        if self.lines && now.duration_since(self.last_line) >= self.line_every {
            let since = self.last_printed.as_ref().or(self.last.as_ref());
            let text = figures(&live, rates(since, now, &live));
            eprintln!("{}", line(elapsed, &self.phase, &text));
            self.last_line = now;
            self.last_printed = Some((now, live.clone()));
        }
        self.last = Some((now, live));
    }

    /// Announces something that happened (a fault applied), on its own line in either mode:
    /// a CI log must show when the kill came, not only the figures it moved.
    pub fn note(&self, elapsed: Duration, text: &str) {
        if let Some(bar) = &self.bar {
            bar.println(format!("crmsim: {:>4}s {text}", elapsed.as_secs()));
        }
        if self.lines {
            eprintln!("crmsim: {:>4}s {text}", elapsed.as_secs());
        }
    }

    /// Clears the bar at the end of the run.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Calls, requests and events per second from `since` to `now` (0 with nothing to compare).
fn rates(since: Option<&(Instant, Live)>, now: Instant, live: &Live) -> (f64, f64, f64) {
    let Some((at, prev)) = since else {
        return (0.0, 0.0, 0.0);
    };
    let secs = now.duration_since(*at).as_secs_f64().max(0.001);
    let per_s = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
    (
        per_s(live.offered, prev.offered),
        per_s(live.requests, prev.requests),
        per_s(live.events, prev.events),
    )
}

/// The widest line a CI log or a terminal shows without wrapping.
const WIDTH: usize = 80;

/// The live figures, most important first; [`line`] keeps what fits. The calls (with the lost
/// ones, counted as the summary counts them) always; agents while not all are logged on (the
/// logon, a failover); errors when there are any; then the message rate.
fn figures(
    live: &Live,
    (calls_per_s, requests_per_s, events_per_s): (f64, f64, f64),
) -> Vec<String> {
    let mut out = vec![format!(
        "calls {} ({} active, {} lost) {}/s",
        live.offered,
        live.active_calls,
        live.lost,
        rate(calls_per_s)
    )];
    if live.logged_on < live.agents {
        out.push(format!("agents {}/{}", live.logged_on, live.agents));
    }
    if live.errors > 0 {
        out.push(format!("{} errors", live.errors));
    }
    out.push(format!("{} msg/s", rate(requests_per_s + events_per_s)));
    out
}

/// A rate with a decimal while it is small enough for one to matter.
fn rate(per_s: f64) -> String {
    if per_s < 100.0 {
        format!("{per_s:.1}")
    } else {
        format!("{per_s:.0}")
    }
}

/// One progress line of at most [`WIDTH`] characters: the time, the phase, then each figure
/// that still fits, in order of importance (the first one always).
fn line(elapsed: Duration, phase: &str, figures: &[String]) -> String {
    let mut out = format!("crmsim: {:>4}s {phase:<7}", elapsed.as_secs());
    for (i, f) in figures.iter().enumerate() {
        let sep = if i == 0 { " " } else { " | " };
        if i > 0 && out.chars().count() + sep.len() + f.chars().count() > WIDTH {
            continue;
        }
        out.push_str(sep);
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(logged_on: u64, offered: u64, active: u64, lost: u64, errors: u64) -> Live {
        Live {
            logged_on,
            agents: 1000,
            offered,
            completed: offered - active - lost,
            lost,
            active_calls: active,
            requests: 0,
            events: 0,
            errors,
        }
    }

    #[test]
    fn a_line_fits_80_columns_and_keeps_what_matters_most() {
        let at = Duration::from_secs(3599);
        let rates = (40.0, 100.0, 300.0);
        let calm = line(
            at,
            "steady",
            &figures(&live(1000, 17_365, 356, 0, 0), rates),
        );
        assert_eq!(
            calm,
            "crmsim: 3599s steady  calls 17365 (356 active, 0 lost) 40.0/s | 400 msg/s"
        );
        // A failover: agents logging on again come before the error count, which no longer fits.
        let failover = line(
            at,
            "steady",
            &figures(&live(980, 17_365, 356, 19, 7), rates),
        );
        assert_eq!(
            failover,
            "crmsim: 3599s steady  calls 17365 (356 active, 19 lost) 40.0/s | agents 980/1000"
        );
        let errors = line(
            at,
            "steady",
            &figures(&live(1000, 17_365, 356, 19, 7), rates),
        );
        assert!(errors.ends_with("19 lost) 40.0/s | 7 errors"), "{errors}");
        // Huge figures: the calls alone, never cut.
        let big = (5678.0, 56_780.0, 99_999.0);
        for l in [1000, 10] {
            let text = line(
                at,
                "steady",
                &figures(&live(l, 12_345_678, 22_222, 12_345, 99_999), big),
            );
            assert!(
                text.chars().count() <= WIDTH,
                "{} columns: {text}",
                text.chars().count()
            );
            assert!(text.contains("12345 lost) 5678/s"), "{text}");
        }
    }
}
