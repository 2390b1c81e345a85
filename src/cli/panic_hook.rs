//! What a panic does in the `crmsim` process: end it, loudly, with exit 3.
//!
//! tokio catches a panic in a task and parks it in a `JoinHandle` nobody may await, so the
//! component that task served stops working while the process runs on: a run then blames the
//! deployment for a bug of ours, or `serve` runs half-dead and exits 0. A panic is always a bug
//! in crmsim, and no result after one can be trusted, so the hook names the task (see the
//! `tasks` crate), the message and the place, and exits at once.
//!
//! One panic is not a bug: `print!` to a closed pipe (`crmsim certs check … | head -1`). Unix
//! tools die quietly of SIGPIPE there; Rust ignores SIGPIPE and panics instead, so the hook
//! exits quietly with the status a shell reports for SIGPIPE, 141.

use std::io::Write;
use std::panic::PanicHookInfo;

use harness::exit;

/// The status of a process killed by SIGPIPE, as a shell reports it (128 + 13).
pub const BROKEN_PIPE: i32 = 141;

/// Installs the hook; call once, first thing in `main`.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = payload(info);
        if is_broken_pipe(&message) {
            std::process::exit(BROKEN_PIPE);
        }
        if let Some(detail) = message.strip_prefix("failed printing to ") {
            // A full disk under a redirected stdout: the output is lost, which is not a bug.
            let _ = writeln!(
                std::io::stderr(),
                "crmsim: cannot write to {detail}; the reports given with --json, --junit, \
                 --html are written apart from it (exit {})",
                exit::CANNOT_RUN
            );
            std::process::exit(i32::from(exit::CANNOT_RUN));
        }
        let task = tasks::current().map_or_else(
            || {
                let thread = std::thread::current();
                format!("thread {}", thread.name().unwrap_or("unnamed"))
            },
            |name| format!("task {name:?}"),
        );
        let place = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "crmsim: internal error in {task}: {message}{place}\n\
             crmsim: this is a bug in crmsim, not in the input or the peer; nothing measured \
             after it can be trusted, so crmsim stops (exit {}). Please report it with the \
             command line and this message.",
            exit::CANNOT_RUN
        );
        let _ = err.flush();
        std::process::exit(i32::from(exit::CANNOT_RUN));
    }));
}

fn payload(info: &PanicHookInfo<'_>) -> String {
    let p = info.payload();
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// std's message when `print!`/`println!` meets a closed stdout.
fn is_broken_pipe(message: &str) -> bool {
    message.starts_with("failed printing to std") && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_print_to_a_closed_pipe_is_quiet() {
        assert!(is_broken_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_broken_pipe(
            "failed printing to stdout: No space left on device"
        ));
        assert!(!is_broken_pipe("attempt to add with overflow"));
    }
}
