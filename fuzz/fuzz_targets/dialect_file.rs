//! The dialect compiler, fed dialect files a user wrote: it either compiles one or says where the
//! file is wrong; a compiled dialect can write and read back a fault (every dialect has one).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ici::Dialect::from_toml(text, "fuzz.toml") {
        Ok(d) => {
            let fault = ici::Fault::server(ici::IciError::ALL[0], "fuzz");
            let xml = d.encode_fault(&fault);
            if let Err(e) = d.decode(xml.as_bytes()) {
                panic!("compiled dialect cannot read its own fault {xml}: {e}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
