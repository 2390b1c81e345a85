//! One component as a separate process, on this machine or in a container: its start, the
//! signals faults send it, its end.
//!
//! - As a **process** (`crmsim serve <kind> --config … --json …`), each life is a new process
//!   with a new report (`reports/<name>-{started}.json`) and new logs
//!   (`logs/<name>-<life>.out|.err`), so a kill and restart leaves both lives readable.
//! - In a **container** (`docker run` of the crmsim image on the run's network, named and
//!   addressed as its host), a kill is `docker kill`, a restart `docker start` of the same
//!   container (Docker may give it a new address; peers find it by name), pause and resume are
//!   `docker pause`/`unpause`. Its output is in `docker logs`, copied to `logs/` at the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use tokio::process::{Child, Command};

use super::docker::{docker, docker_within, logs};
use crate::containers::MOUNT;

/// How long a component may take to print its start line.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Where components run.
#[derive(Debug, Clone)]
pub enum Launch {
    /// Processes of this crmsim binary.
    Process { exe: PathBuf },
    /// Containers of `image` on `network`, each named `<component>.<domain>`.
    Container {
        image: String,
        network: String,
        domain: String,
    },
}

/// A component and its current life, if any.
pub struct Component {
    /// `crm`, `connector-a`, `proxy` …
    pub name: String,
    /// What `crmsim serve` runs: `crm`, `connector` or `proxy`.
    kind: &'static str,
    root: PathBuf,
    launch: Launch,
    lives: u32,
    child: Option<Child>,
    /// In a container: it exists (created by the first start) and runs.
    created: bool,
    up: bool,
    paused: bool,
}

impl Component {
    pub fn new(name: &str, kind: &'static str, root: &Path, launch: &Launch) -> Component {
        Component {
            name: name.to_owned(),
            kind,
            root: root.to_path_buf(),
            launch: launch.clone(),
            lives: 0,
            child: None,
            created: false,
            up: false,
            paused: false,
        }
    }

    fn log(&self, ext: &str) -> PathBuf {
        self.root
            .join("logs")
            .join(format!("{}-{}.{ext}", self.name, self.lives))
    }

    fn ready_line(&self) -> &'static str {
        match self.kind {
            "proxy" => "started:",
            _ => "listening on",
        }
    }

    /// The container's name (and host name): `<component>.<domain>`.
    pub fn container(&self) -> Option<String> {
        match &self.launch {
            Launch::Container { domain, .. } => Some(format!("{}.{domain}", self.name)),
            Launch::Process { .. } => None,
        }
    }

    /// Starts a new life; `wait` for its start line. The error says why it did not come, with
    /// the end of what the component wrote to stderr. Returns a pid or the container's id.
    pub async fn start(&mut self, wait: bool) -> Result<String, String> {
        if self.child.is_some() || self.up {
            return Err(format!("{} is running; kill it first", self.name));
        }
        self.lives += 1;
        self.paused = false;
        let id = match self.launch.clone() {
            Launch::Process { exe } => self.spawn(&exe)?,
            Launch::Container { image, network, .. } => {
                self.run_container(&image, &network).await?
            }
        };
        if wait {
            self.wait_ready().await?;
        }
        Ok(id)
    }

    fn spawn(&mut self, exe: &Path) -> Result<String, String> {
        let create = |path: PathBuf| {
            std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        let out = create(self.log("out"))?;
        let err = create(self.log("err"))?;
        let child = Command::new(exe)
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
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let pid = child.id().unwrap_or(0);
        self.child = Some(child);
        Ok(format!("pid {pid}"))
    }

    async fn run_container(&mut self, image: &str, network: &str) -> Result<String, String> {
        let host = self.container().unwrap_or_default();
        if self.created {
            docker(&["start", &host]).await?;
        } else {
            let volume = format!("{}:{MOUNT}", self.root.display());
            let config = format!("{MOUNT}/{}.toml", self.name);
            let report = format!("{MOUNT}/reports/{}-{{started}}.json", self.name);
            docker(&[
                "run",
                "-d",
                "--name",
                &host,
                "--hostname",
                &host,
                "--network",
                network,
                "--network-alias",
                &host,
                "-v",
                &volume,
                image,
                "serve",
                self.kind,
                "--config",
                &config,
                "--json",
                &report,
            ])
            .await?;
            self.created = true;
        }
        self.up = true;
        Ok(format!("container {host}"))
    }

    /// Waits for the current life's start line.
    pub async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let (out, lives_seen) = match &self.launch {
                Launch::Process { .. } => (
                    std::fs::read_to_string(self.log("out")).unwrap_or_default(),
                    1,
                ),
                // A restarted container's log holds every life's output.
                Launch::Container { .. } => {
                    let (out, _) = logs(&self.container().unwrap_or_default()).await;
                    (out, self.lives as usize)
                }
            };
            if out.matches(self.ready_line()).count() >= lives_seen {
                return Ok(());
            }
            if let Some(status) = self.exited().await {
                return Err(format!(
                    "{} exited ({status}) before it served: {}",
                    self.name,
                    self.stderr_tail().await
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} printed no start line within {}s: {}",
                    self.name,
                    READY_WITHIN.as_secs(),
                    self.stderr_tail().await
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How the current life ended, if it has.
    async fn exited(&mut self) -> Option<String> {
        match &self.launch {
            Launch::Process { .. } => {
                let status = self.child.as_mut()?.try_wait().ok()??;
                self.child = None;
                Some(status.to_string())
            }
            Launch::Container { .. } => {
                let host = self.container()?;
                let state = docker(&[
                    "inspect",
                    "-f",
                    "{{.State.Running}} {{.State.ExitCode}}",
                    &host,
                ])
                .await
                .ok()?;
                let code = state.strip_prefix("false ")?;
                self.up = false;
                Some(format!("exit code {code}"))
            }
        }
    }

    /// The last lines the component wrote to stderr.
    pub async fn stderr_tail(&self) -> String {
        let text = match &self.launch {
            Launch::Process { .. } => std::fs::read_to_string(self.log("err")).unwrap_or_default(),
            Launch::Container { .. } => logs(&self.container().unwrap_or_default()).await.1,
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        if tail.is_empty() {
            "nothing on stderr".to_owned()
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

    /// The running container's name, or an error saying it does not run.
    fn running_container(&self) -> Result<String, String> {
        match self.container() {
            Some(host) if self.up => Ok(host),
            _ => Err(format!("{} is not running", self.name)),
        }
    }

    /// Dies at once, as a crashed host would (SIGKILL); no report for this life. Says how.
    pub async fn kill(&mut self) -> Result<String, String> {
        if let Launch::Container { .. } = self.launch {
            let host = self.running_container()?;
            docker(&["kill", &host]).await?;
            self.up = false;
            return Ok(format!(
                "{} (container {host}) killed with docker kill",
                self.name
            ));
        }
        let pid = self.signal(Signal::KILL)?;
        if let Some(mut child) = self.child.take() {
            let _ = child.wait().await;
        }
        Ok(format!("{} (pid {pid}) killed with SIGKILL", self.name))
    }

    /// A connector side (which offers calls), not the CRM or the proxy.
    pub fn is_connector(&self) -> bool {
        self.kind == "connector"
    }

    /// Asks a running connector to close its queue (SIGUSR1, `docker kill -s USR1` in a
    /// container): no new call, the calls in progress go on. Says how; a component that is
    /// not running (killed by a fault, paused) is left alone and says so.
    pub async fn close_queue(&self) -> Result<String, String> {
        if self.paused {
            return Err(format!("{} is paused; its queue stays open", self.name));
        }
        if let Launch::Container { .. } = self.launch {
            let host = self.running_container()?;
            docker(&["kill", "-s", "USR1", &host]).await?;
            return Ok(format!(
                "{} (container {host}) closed its queue (docker kill -s USR1)",
                self.name
            ));
        }
        let pid = self.signal(Signal::USR1)?;
        Ok(format!(
            "{} (pid {pid}) closed its queue (SIGUSR1)",
            self.name
        ))
    }

    /// Frozen, its sockets open, answering nothing (SIGSTOP, or the cgroup freezer).
    pub async fn pause(&mut self) -> Result<String, String> {
        let how = if let Launch::Container { .. } = self.launch {
            let host = self.running_container()?;
            docker(&["pause", &host]).await?;
            format!("{} (container {host}) frozen with docker pause", self.name)
        } else {
            let pid = self.signal(Signal::STOP)?;
            format!("{} (pid {pid}) stopped with SIGSTOP", self.name)
        };
        self.paused = true;
        Ok(how)
    }

    /// Goes on after a pause.
    pub async fn resume(&mut self) -> Result<String, String> {
        let how = if let Launch::Container { .. } = self.launch {
            let host = self.running_container()?;
            docker(&["unpause", &host]).await?;
            format!(
                "{} (container {host}) thawed with docker unpause",
                self.name
            )
        } else {
            let pid = self.signal(Signal::CONT)?;
            format!("{} (pid {pid}) continued with SIGCONT", self.name)
        };
        self.paused = false;
        Ok(how)
    }

    /// Waits up to `limit` for the component to end by itself; its exit code (None: killed by
    /// a signal, or still running at the limit, then killed).
    pub async fn wait(&mut self, limit: Duration) -> Option<i32> {
        if let Launch::Container { .. } = self.launch {
            let host = self.running_container().ok()?;
            let code = docker_within(&["wait", &host], limit).await;
            self.up = false;
            if code.is_err() {
                let _ = docker(&["kill", &host]).await;
            }
            return code.ok()?.parse().ok();
        }
        let mut child = self.child.take()?;
        match tokio::time::timeout(limit, child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => {
                let _ = child.kill().await;
                None
            }
        }
    }

    /// Stops politely (SIGTERM, after thawing a paused one), as `docker stop` or systemd
    /// would: the component writes its report. Killed after `limit`.
    pub async fn stop(&mut self, limit: Duration) -> Option<i32> {
        if self.paused {
            let _ = self.resume().await;
        }
        if let Launch::Container { .. } = self.launch {
            let host = self.running_container().ok()?;
            let secs = limit.as_secs().to_string();
            let _ = docker_within(&["stop", "-t", &secs, &host], limit * 2).await;
            self.up = false;
            let code = docker(&["inspect", "-f", "{{.State.ExitCode}}", &host]).await;
            return code.ok()?.parse().ok();
        }
        self.signal(Signal::TERM).ok()?;
        self.wait(limit).await
    }

    /// For a container: copies its output to `logs/` and removes it.
    pub async fn remove(&mut self) {
        let Some(host) = self.container().filter(|_| self.created) else {
            return;
        };
        let (out, err) = logs(&host).await;
        let _ = std::fs::write(
            self.root.join("logs").join(format!("{}.out", self.name)),
            out,
        );
        let _ = std::fs::write(
            self.root.join("logs").join(format!("{}.err", self.name)),
            err,
        );
        let _ = docker(&["rm", "-f", &host]).await;
        self.created = false;
        self.up = false;
    }
}
