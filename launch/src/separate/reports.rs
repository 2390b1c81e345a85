//! The components' own JSON reports (`reports/<component>-<start unix ms>.json`, one per life
//! of a process), read back into the types that wrote them: a key renamed on the writing side
//! then breaks the read, naming the file, line and column, instead of reading as 0 and letting
//! a check pass that saw nothing.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sim_connector::ConnectorReport;
use sim_crm::CrmReport;

use crate::serve::proxy::ProxyReport;
use crate::serve::timing::Timed;

/// What `serve crm --json` writes.
pub type CrmFile = Timed<CrmReport>;
/// What `serve connector --json` writes.
pub type SideFile = Timed<ConnectorReport>;

/// Every report a run left, by component.
#[derive(Debug, Default)]
pub struct Reports {
    /// The CRM's last life, and when it started (Unix ms, from the file's name).
    pub crm: Option<(u64, CrmFile)>,
    /// Every life of every connector side that wrote a report (a SIGKILL leaves none).
    pub sides: Vec<SideFile>,
    /// The proxy's last life.
    pub proxy: Option<ProxyReport>,
    /// Reports that exist and could not be read: what was wrong, naming the file.
    pub unreadable: Vec<String>,
}

impl Reports {
    /// Reads the reports in `root/reports/` of the CRM, the connector `sides` and the proxy.
    pub fn read(root: &Path, sides: &[String]) -> Reports {
        let mut out = Reports::default();
        out.crm = out.lives(root, "crm").pop();
        for side in sides {
            let lives = out.lives(root, side);
            out.sides.extend(lives.into_iter().map(|(_, r)| r));
        }
        out.proxy = out.lives(root, "proxy").pop().map(|(_, r)| r);
        out
    }

    /// `component`'s readable reports with their start times, oldest first; the others are
    /// noted in `unreadable`.
    fn lives<T: DeserializeOwned>(&mut self, root: &Path, component: &str) -> Vec<(u64, T)> {
        let mut lives = Vec::new();
        for (started, path) in report_files(root, component) {
            match read(&path) {
                Ok(report) => lives.push((started, report)),
                Err(e) => self.unreadable.push(e),
            }
        }
        lives
    }
}

fn read<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not the report this crmsim writes ({e}); every component must run this crmsim (`crmsim --version`): rebuild the container image (ci/images.sh) or the binary the processes start",
            path.display()
        )
    })
}

/// `(start unix ms, path)` of `component`'s reports, oldest first.
fn report_files(root: &Path, component: &str) -> Vec<(u64, PathBuf)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(root.join("reports"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let started = p
                .file_name()?
                .to_str()?
                .strip_prefix(component)?
                .strip_prefix('-')?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            Some((started, p))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report

    use super::*;

    #[test]
    fn a_report_with_a_renamed_key_is_unreadable_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports");
        std::fs::create_dir_all(&reports).unwrap();
        // A proxy report whose writer renamed `state_changes`.
        let text = r#"{"name": "proxy", "engine": "embedded", "started_unix_ms": 1,
            "stopped_unix_ms": 2, "stop_reason": "terminate",
            "proxy": {"name": "proxy", "frontends": [], "backends": [], "routes": []},
            "transitions": []}"#;
        std::fs::write(reports.join("proxy-1.json"), text).unwrap();
        // Not a component's report: another name is not read at all.
        std::fs::write(reports.join("proxy-notes.json"), "{}").unwrap();
        let read = Reports::read(dir.path(), &[]);
        assert!(read.proxy.is_none());
        assert_eq!(read.unreadable.len(), 1, "{:?}", read.unreadable);
        let why = &read.unreadable[0];
        assert!(
            why.contains("proxy-1.json") && why.contains("state_changes"),
            "{why}"
        );
    }

    #[test]
    fn the_proxy_report_reads_back_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports");
        std::fs::create_dir_all(&reports).unwrap();
        let text = r#"{"name": "proxy", "engine": "haproxy", "started_unix_ms": 1,
            "stopped_unix_ms": 2, "stop_reason": "terminate",
            "proxy": {"name": "proxy", "frontends": [], "backends": [], "routes": []},
            "state_changes": [{"at_unix_ms": 5, "since_start_ms": 4, "backend": "connectors",
                "server": "connector-a", "from": "UP", "to": "DOWN", "reason": "refused"}]}"#;
        std::fs::write(reports.join("proxy-1.json"), text).unwrap();
        let read = Reports::read(dir.path(), &[]);
        assert!(read.unreadable.is_empty(), "{:?}", read.unreadable);
        let proxy = read.proxy.unwrap();
        assert_eq!(proxy.engine, "haproxy");
        assert_eq!(proxy.state_changes[0].to, proxy::ServerState::Down);
    }
}
