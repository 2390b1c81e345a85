//! The scenario parser and validator, on files a user wrote: a scenario is either accepted or
//! refused with an error that prints (and names a place in the file).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A folder that does not exist: relative paths in the scenario resolve against it and are
    // found missing, never against whatever the fuzzer's working folder holds.
    let path = Path::new("/nonexistent/crmsim-fuzz/scenario.toml");
    if let Err(e) = scenario::parse(path, text) {
        let _ = e.to_string();
    }
});
