//! The capture reader and the redactor, on files and bodies a recorder or a user hands them:
//! a capture either reads or is refused at a line; redaction of any body keeps it the same
//! length or shorter in secrets only, and never panics.
#![no_main]

use std::path::Path;

use capture::{Capture, Direction, Hop, Message, Redactor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Capture::parse(Path::new("/fuzz/capture.jsonl"), data) {
        Ok(c) => {
            let _ = c.exchanges().len();
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.starts_with("/fuzz/capture.jsonl"), "{text}");
        }
    }
    let mut m = Message::new(Hop::Requests, Direction::Request, 1, data);
    Redactor::new(&["secret".to_owned()], &["login".to_owned()]).apply(&mut m);
    if let (Ok(original), Some(redacted)) = (std::str::from_utf8(data), &m.body) {
        // Masking replaces values; it never adds markup.
        assert_eq!(
            original.matches('<').count(),
            redacted.matches('<').count(),
            "{original:?} → {redacted:?}"
        );
    }
});
