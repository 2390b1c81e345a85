//! What the run cost the machine: CPU seconds and peak memory of this process.
//!
//! The simulators and the harness share one process, so on a 2-core machine the harness can be
//! the limit, not the system under test. The report says how busy the cores were and warns when
//! the figures measure the machine more than the deployment. Read from `/proc` (Linux); on other
//! systems nothing is measured and the report says so.

use std::time::{Duration, Instant};

use crate::outcome::{CpuUse, HarnessCost};

/// Clock ticks per second of `/proc/*/stat` times: `USER_HZ`, fixed at 100 by the Linux ABI on
/// every architecture crmsim runs on.
const USER_HZ: f64 = 100.0;

/// CPU time of this process so far, or `None` where `/proc` is not available.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, so 12 and 13 after the state field.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

/// Peak resident memory of this process in MiB (`VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resident memory of this process now in MiB (`VmRSS`): what a soak watches grow.
pub fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU cores available to this process (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A stopwatch for CPU use over a stretch of wall time.
#[derive(Debug, Clone, Copy)]
pub struct CpuWatch {
    wall: Instant,
    cpu: Option<f64>,
}

impl CpuWatch {
    /// Starts the stopwatch now.
    pub fn start() -> CpuWatch {
        CpuWatch {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// Wall time, CPU time and utilisation since the start.
    pub fn read(&self) -> CpuUse {
        let wall = self
            .wall
            .elapsed()
            .max(Duration::from_millis(1))
            .as_secs_f64();
        let cpu = match (self.cpu, cpu_seconds()) {
            (Some(before), Some(now)) => Some(now - before),
            _ => None,
        };
        CpuUse {
            wall_s: wall,
            cpu_s: cpu,
            utilisation: cpu.map(|c| c / wall / cores() as f64),
        }
    }
}

/// Above this share of all cores, the machine (harness included) is the likely limit.
pub const SATURATED: f64 = 0.85;

impl HarnessCost {
    /// Reads the cost since `since`; `late_arrivals` are the generator's missed schedules.
    pub fn measure(since: &CpuWatch, late_arrivals: u64) -> HarnessCost {
        let used = since.read();
        let mut warnings = Vec::new();
        if let Some(u) = used.utilisation
            && u > SATURATED
        {
            warnings.push(format!(
                "the machine's {} cores were {:.0}% busy: the latencies measure the machine as much as the deployment (lower the load, or use a bigger machine)",
                cores(),
                u * 100.0
            ));
        }
        if late_arrivals > 0 {
            warnings.push(format!(
                "the call generator fell behind its schedule {late_arrivals} times: the harness could not keep the arrival rate"
            ));
        }
        HarnessCost {
            cores: cores(),
            cpu_seconds: used.cpu_s,
            utilisation: used.utilisation,
            peak_rss_mib: peak_rss_mib(),
            warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_and_memory_on_linux() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let watch = CpuWatch::start();
        // Burn a little CPU so that the counters move.
        let mut x = 0u64;
        for i in 0..30_000_000u64 {
            // black_box: an optimised build would otherwise compute the loop at compile time.
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert_ne!(x, 1);
        let used = watch.read();
        assert!(used.cpu_s.unwrap() > 0.0, "{used:?}");
        assert!(peak_rss_mib().unwrap() > 1.0);
    }
}
