//! SHA-256 fingerprints, in the form openssl (`-fingerprint -sha256`) and Windows show them, so that a
//! user can compare what the manifest says with what SAP's STRUST or the certificate dialog shows.

/// SHA-256 over `der`, upper-case hex bytes separated by colons.
pub fn sha256_hex(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    let mut out = String::with_capacity(digest.as_ref().len() * 3);
    for (i, b) in digest.as_ref().iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_input_has_the_known_digest() {
        assert!(super::sha256_hex(b"").starts_with("E3:B0:C4:42"));
    }
}
