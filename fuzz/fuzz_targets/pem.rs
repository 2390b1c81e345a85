//! The PEM loader and the doctor's certificate reader, on the files a customer's folder holds:
//! every certificate the loader accepts is one the doctor can describe, a key that matches no
//! certificate is refused with words, and every refusal prints.
#![no_main]

use std::path::Path;

use certs::{Identity, inspect, pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let origin = Path::new("/fuzz/ssl/connector.pem");
    let _ = pem::sniff(data);
    let contents = match pem::parse_pem_text(data, origin) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for cert in &contents.certs {
        if let Err(e) = inspect::inspect(cert) {
            panic!("the loader accepted a certificate the doctor cannot read: {e}");
        }
        let _ = inspect::subject_of(cert);
    }
    let (Ok(chain), Ok(key)) = (contents.certificates(), contents.single_key()) else {
        return;
    };
    if let Err(e) = Identity::from_parts(chain, key, origin, origin) {
        let _ = e.to_string();
    }
});
