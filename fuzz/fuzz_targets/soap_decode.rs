//! The SOAP decoder, as a peer's bytes reach it: whatever it accepts must re-encode and decode to
//! the same message (so a simulator never answers something other than what it understood), and
//! whatever it refuses must have an error that prints.
#![no_main]

use crmsim_fuzz::dialects;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for d in dialects::all() {
        match d.decode(data) {
            Ok(message) => {
                let xml = match dialects::encode(&d, &message) {
                    Ok(xml) => xml,
                    Err(e) => panic!("{}: decoded {message:?} but cannot write it: {e}", d.name()),
                };
                match d.decode(xml.as_bytes()) {
                    Ok(again) => assert_eq!(again, message, "{}: re-encoded as {xml}", d.name()),
                    Err(e) => panic!("{}: cannot read its own {xml}: {e}", d.name()),
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
