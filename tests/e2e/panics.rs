//! A panic anywhere in crmsim ends the process with exit 3 and a message naming the task; a
//! print to a closed pipe ends it quietly, as Unix tools do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const HELPER: &str = "CRMSIM_TEST_PANIC_HELPER";

/// Not a test of its own: the test below runs this test binary again with only this function
/// and the environment variable, so the panic hook can end that process and not this one.
#[test]
fn helper_a_component_task_panics() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    crmsim::cli::panic_hook::install();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tokio::spawn(tasks::named("connector-a timers", async {
            let far = std::time::Instant::now();
            let _ = far + Duration::from_secs(u64::MAX);
        }));
        // The process must not live on: were the hook not to end it, this test would pass.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
}

#[test]
fn a_panicking_task_ends_the_process_with_exit_3_naming_the_task() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "panics::helper_a_component_task_panics",
            "--nocapture",
        ])
        .env(HELPER, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("internal error in task \"connector-a timers\""),
        "{stderr}"
    );
    assert!(stderr.contains("overflow"), "{stderr}");
    assert!(stderr.contains("this is a bug in crmsim"), "{stderr}");
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_the_sigpipe_status() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pki");
    let made = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["certs", "new"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // As `crmsim certs check … | head -1` once `head` has gone: a pipe with no reader.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["certs", "check"])
        .arg(folder.join("connector"))
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert_eq!(stderr, "", "a broken pipe is not an error to report");
}
