//! Helpers shared by the tests that run `crmsim serve …` as real processes.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A running `crmsim serve …` with its output collected.
pub struct Served {
    child: Option<Child>,
    lines: Receiver<String>,
    pub stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    pub fn start(component: &str, config: &Path, json: &Path) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsim"));
        cmd.args(["serve", component, "--config"])
            .arg(config)
            .arg("--json")
            .arg(json);
        Served::spawn(cmd)
    }

    /// As [`start`](Self::start), with the process's open-file limit (soft and hard) lowered
    /// to `nofile` by util-linux's `prlimit`.
    pub fn start_with_file_limit(
        component: &str,
        config: &Path,
        json: &Path,
        nofile: u32,
    ) -> Served {
        let mut cmd = Command::new("prlimit");
        cmd.arg(format!("--nofile={nofile}:{nofile}"))
            .arg(env!("CARGO_BIN_EXE_crmsim"))
            .args(["serve", component, "--config"])
            .arg(config)
            .arg("--json")
            .arg(json);
        Served::spawn(cmd)
    }

    /// Any `crmsim …` command, its output collected like a served component's.
    pub fn spawn_command(cmd: Command) -> Served {
        Served::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> Served {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn crmsim");
        let (tx, lines) = channel();
        let out = child.stdout.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            sink.lock().unwrap().push_str(&text);
        });
        Served {
            child: Some(child),
            lines,
            stdout: Vec::new(),
            stderr,
        }
    }

    /// The address on the start line (`… listening on 127.0.0.1:PORT …`).
    pub fn listening(&mut self) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.stdout.push(line.clone());
            if let Some((_, rest)) = line.split_once("listening on ") {
                let addr = rest.split_whitespace().next().unwrap();
                return addr.parse().unwrap();
            }
        }
        let status = self.child.as_mut().unwrap().try_wait();
        panic!(
            "no start line; exit {status:?}, stdout {:?}, stderr {}",
            self.stdout,
            self.stderr()
        );
    }

    /// Waits (up to `limit`) for a stdout line containing `needle`; returns it.
    pub fn line_with(&mut self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        if let Some(line) = self.stdout.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.stdout.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
        panic!(
            "no line with {needle:?} within {limit:?}; stdout {:?}, stderr {}",
            self.stdout,
            self.stderr()
        );
    }

    /// SIGKILL: the process dies without a word, as a crashed connector host would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as `docker stop` or systemd would send it.
    pub fn terminate(&self) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid}");
    }

    /// Waits for the process to end (within `limit`); returns its status and whole stdout.
    pub fn wait(&mut self, limit: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + limit;
        let child = self.child.as_mut().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {limit:?}; stderr: {}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        };
        self.child = None;
        // The reader thread ends with the pipe; give it a moment to hand over the last lines.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.stdout.push(line);
        }
        (status, self.stdout.join("\n"))
    }

    pub fn stderr(&self) -> String {
        thread::sleep(Duration::from_millis(100));
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A `serve crm` config for `agents` agents dialling `connector.crmsim.test` at 127.0.0.1:`port`
/// with the `certs new` set in `root/pki`, working for `duration`, heartbeat every `heartbeat`.
pub fn crm_config(
    root: &Path,
    port: u16,
    agents: usize,
    duration: &str,
    heartbeat: &str,
) -> PathBuf {
    write(
        &root.join("crm.toml"),
        &format!(
            r#"
listen = "127.0.0.1:0"
sink_url = "https://crm.crmsim.test:{{port}}/sap/bc/crm/ici/events"
duration = "{duration}"
material_dir = "pki/crm"
[cms]
name = "ZCMS_CONNECTS"
system_id = "BS_CONNECTS"
server_ssl = true
[cms.destination]
name = "ICI_CONNECTOR"
host = "connector.crmsim.test"
port = {port}
path = "/ici"
ssl = true
[requests]
timeout = "2s"
[requests.hosts]
"connector.crmsim.test" = "127.0.0.1"
[agents]
count = {agents}
logon = "storm"
ring_delay = "uniform(100ms, 300ms)"
talk_time = "uniform(500ms, 1s)"
wrap_up = "200ms"
heartbeat = "{heartbeat}"
"#
        ),
    )
}

/// Now, in milliseconds since the Unix epoch (what the reports' wall-clock times use).
pub fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Runs `crmsim ARGS` to its end: exit code, stdout, stderr.
pub fn crmsim(args: &[impl AsRef<std::ffi::OsStr>]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A direct scenario of a few seconds (5 agents, 5 calls/s, SSL off) for tests of the
/// command line and the reports; `rate = 5.0` is on line 16.
pub const SHORT_DIRECT: &str = r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "500ms"
steady = "2s"
drain = "10s"
[tls]
enabled = false
[crm]
agents = 5
ring_delay = "50ms"
talk_time = "200ms"
wrap_up = "100ms"
[calls]
rate = 5.0
arrival = "constant"
[thresholds]
min_completed_calls = 1
"#;

/// A proxy-events-direct scenario that freezes side A for 5 s from +2 s, with health checks
/// quick enough (inter 300 ms, fall 2, timeout 1 s) to see it: for `--processes` (SIGSTOP) and
/// `--containers` (docker pause) alike. Calls short enough for the CRM's logoff to see them
/// end, quick timeouts, and the failover settings of the shipped proxy scenarios (fail back
/// together; a side nobody talks to logs its agents off).
pub const PAUSE_SIDE_A: &str = r#"
[run]
deployment = "proxy-events-direct"
warmup = "3s"
steady = "16s"
logon = "storm"
[tls]
enabled = true
[crm]
agents = 20
heartbeat = "500ms"
ring_delay = "uniform(200ms, 600ms)"
talk_time = "uniform(2s, 4s)"
wrap_up = "500ms"
request_timeout = "3s"
[connector]
session_timeout = "5s"
event_timeout = "5s"
[calls]
rate = 3.0
arrival = "constant"
patience = "30s"
[proxy]
inter = "300ms"
fall = 2
rise = 2
check_timeout = "1s"
on_marked_up = "shutdown-backup-sessions"
[[fault]]
at = "2s"
action = "pause"
target = "connector-a"
duration = "5s"
"#;
