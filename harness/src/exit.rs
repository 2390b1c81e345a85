//! Exit codes: CI relies on them; the README documents them. Never change a meaning.

use std::process::ExitCode;

/// The run passed: every invariant and threshold held; or a command succeeded.
pub const PASS: u8 = 0;
/// The run finished but an invariant or threshold failed; `certs check` found errors.
pub const FAIL: u8 = 1;
/// Bad input: scenario, configuration, certificate files, command-line flags.
pub const BAD_INPUT: u8 = 2;
/// The run could not be carried out: a port could not be bound, a component did not start.
pub const CANNOT_RUN: u8 = 3;

/// The process exit code for one of the codes above.
/// The process exit code for one of the codes above.
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
