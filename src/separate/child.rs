//! One component as a child process: `crmsim serve <kind> --config … --json …`, its output in
//! `logs/`, and the signals faults send it.
//!
//! Each life of a component is a new process with a new report
//! (`reports/<name>-{started}.json`) and new logs (`logs/<name>-<life>.out|.err`), so a kill
//! and restart leaves both lives readable.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use tokio::process::{Child, Command};

/// How long a component may take to print its start line.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A component and its current process, if any.
pub struct Component {
    /// `crm`, `connector-a`, `proxy` …
    pub name: String,
    /// What `crmsim serve` runs: `crm`, `connector` or `proxy`.
    kind: &'static str,
    root: PathBuf,
    exe: PathBuf,
    lives: u32,
    child: Option<Child>,
    paused: bool,
}

impl Component {
    pub fn new(name: &str, kind: &'static str, root: &Path, exe: &Path) -> Component {
        Component {
            name: name.to_owned(),
            kind,
            root: root.to_path_buf(),
            exe: exe.to_path_buf(),
            lives: 0,
            child: None,
            paused: false,
        }
    }

    fn log(&self, ext: &str) -> PathBuf {
        self.root
            .join("logs")
            .join(format!("{}-{}.{ext}", self.name, self.lives))
    }

    /// Starts a new life and waits for its start line. The error says why it did not come,
    /// with the end of what the process wrote to stderr.
    pub async fn start(&mut self) -> Result<u32, String> {
        if self.child.is_some() {
            return Err(format!("{} is running; kill it first", self.name));
        }
        self.lives += 1;
        let create = |path: PathBuf| {
            std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        let out = create(self.log("out"))?;
        let err = create(self.log("err"))?;
        let child = Command::new(&self.exe)
            .args(["serve", self.kind, "--config"])
            .arg(self.root.join(format!("{}.toml", self.name)))
            .arg("--json")
            .arg(
                self.root
                    .join("reports")
                    .join(format!("{}-{{started}}.json", self.name)),
            )
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.exe.display()))?;
        let pid = child.id().unwrap_or(0);
        self.child = Some(child);
        self.paused = false;
        let ready = match self.kind {
            "proxy" => "started:",
            _ => "listening on",
        };
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let text = std::fs::read_to_string(self.log("out")).unwrap_or_default();
            if text.contains(ready) {
                return Ok(pid);
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "{} exited ({status}) before it served: {}",
                    self.name,
                    self.stderr_tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} printed no start line within {}s: {}",
                    self.name,
                    READY_WITHIN.as_secs(),
                    self.stderr_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The last lines the current (or last) life wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log("err")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        if tail.is_empty() {
            format!("nothing on stderr ({})", self.log("err").display())
        } else {
            tail
        }
    }

    fn signal(&self, signal: Signal) -> Result<u32, String> {
        let pid = self
            .child
            .as_ref()
            .and_then(Child::id)
            .ok_or_else(|| format!("{} is not running", self.name))?;
        let raw = i32::try_from(pid).map_err(|_| format!("pid {pid} out of range"))?;
        let target = Pid::from_raw(raw).ok_or_else(|| format!("pid {pid} is not valid"))?;
        rustix::process::kill_process(target, signal)
            .map_err(|e| format!("cannot signal {} (pid {pid}): {e}", self.name))?;
        Ok(pid)
    }

    /// SIGKILL: dies at once, as a crashed host would; no report for this life.
    pub async fn kill(&mut self) -> Result<u32, String> {
        let pid = self.signal(Signal::KILL)?;
        if let Some(mut child) = self.child.take() {
            let _ = child.wait().await;
        }
        Ok(pid)
    }

    /// SIGSTOP: frozen, its sockets open, answering nothing.
    pub fn pause(&mut self) -> Result<u32, String> {
        let pid = self.signal(Signal::STOP)?;
        self.paused = true;
        Ok(pid)
    }

    /// SIGCONT after a pause.
    pub fn resume(&mut self) -> Result<u32, String> {
        let pid = self.signal(Signal::CONT)?;
        self.paused = false;
        Ok(pid)
    }

    /// Waits up to `limit` for the process to end by itself; its exit code (None: killed by a
    /// signal, or still running at the limit, then killed).
    pub async fn wait(&mut self, limit: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        match tokio::time::timeout(limit, child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => {
                let _ = child.kill().await;
                None
            }
        }
    }

    /// SIGTERM (after SIGCONT if paused), as `docker stop` or systemd would; the component
    /// stops politely and writes its report. Killed after `limit`.
    pub async fn stop(&mut self, limit: Duration) -> Option<i32> {
        if self.paused {
            let _ = self.resume();
        }
        self.signal(Signal::TERM).ok()?;
        self.wait(limit).await
    }
}
