//! A minimal DER reader, just enough to look inside private keys.
//!
//! aws-lc (behind rustls and rcgen) refuses RSA keys under 2048 bits, yet the doctor must still tell
//! whether such a key belongs to its certificate, and must tell a DER key from a DER certificate.
//! So the few structures needed (PKCS#8 PrivateKeyInfo, PKCS#1 RSAPrivateKey) are walked here by hand.

/// ASN.1 tags used below.
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// DER encoding of the rsaEncryption OID 1.2.840.113549.1.1.1 (content bytes only).
pub(crate) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// DER encoding of id-ecPublicKey 1.2.840.10045.2.1 (content bytes only).
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// Reads one tag-length-value; returns (tag, content, rest).
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Reads a TLV and checks its tag.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = read_tlv(input)?;
    (t == tag).then_some((content, rest))
}

/// An INTEGER's magnitude without leading zero bytes (so values compare regardless of sign padding).
pub(crate) fn unsigned(int: &[u8]) -> &[u8] {
    let first_nonzero = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    &int[first_nonzero..]
}

/// What a PKCS#8 PrivateKeyInfo holds: the algorithm OID and the inner key bytes.
pub(crate) struct Pkcs8<'a> {
    pub algorithm: &'a [u8],
    pub private_key: &'a [u8],
}

pub(crate) fn parse_pkcs8(der: &[u8]) -> Option<Pkcs8<'_>> {
    let (seq, _) = expect(der, TAG_SEQUENCE)?;
    let (_version, rest) = expect(seq, TAG_INTEGER)?;
    let (alg_seq, rest) = expect(rest, TAG_SEQUENCE)?;
    let (algorithm, _) = expect(alg_seq, TAG_OID)?;
    let (private_key, _) = expect(rest, TAG_OCTET_STRING)?;
    Some(Pkcs8 {
        algorithm,
        private_key,
    })
}

/// Modulus and public exponent of a PKCS#1 RSAPrivateKey (magnitudes, no sign padding).
pub(crate) fn parse_pkcs1_public(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (seq, _) = expect(der, TAG_SEQUENCE)?;
    let (_version, rest) = expect(seq, TAG_INTEGER)?;
    let (n, rest) = expect(rest, TAG_INTEGER)?;
    let (e, _) = expect(rest, TAG_INTEGER)?;
    Some((unsigned(n), unsigned(e)))
}

/// Wraps content bytes in a TLV (used for PKCS#1 → PKCS#8 conversion).
pub(crate) fn write_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = &bytes[skip..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo, so that every key we write is `PRIVATE KEY` as the
/// connector guide shows.
pub(crate) fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    let version = write_tlv(TAG_INTEGER, &[0]);
    let mut alg = write_tlv(TAG_OID, OID_RSA_ENCRYPTION);
    alg.extend_from_slice(&[0x05, 0x00]);
    let alg = write_tlv(TAG_SEQUENCE, &alg);
    let key = write_tlv(TAG_OCTET_STRING, pkcs1);
    let mut body = version;
    body.extend_from_slice(&alg);
    body.extend_from_slice(&key);
    write_tlv(TAG_SEQUENCE, &body)
}

/// SEC1 ECPrivateKey → PKCS#8 PrivateKeyInfo; `None` when the SEC1 key does not name its curve.
pub(crate) fn sec1_to_pkcs8(sec1: &[u8]) -> Option<Vec<u8>> {
    let (seq, _) = expect(sec1, TAG_SEQUENCE)?;
    let (_version, rest) = expect(seq, TAG_INTEGER)?;
    let (_key, mut rest) = expect(rest, TAG_OCTET_STRING)?;
    let mut curve = None;
    while let Some((tag, content, next)) = read_tlv(rest) {
        if tag == 0xa0 {
            curve = expect(content, TAG_OID).map(|(oid, _)| oid);
        }
        rest = next;
    }
    let curve = curve?;
    let version = write_tlv(TAG_INTEGER, &[0]);
    let mut alg = write_tlv(TAG_OID, OID_EC_PUBLIC_KEY);
    alg.extend_from_slice(&write_tlv(TAG_OID, curve));
    let alg = write_tlv(TAG_SEQUENCE, &alg);
    let key = write_tlv(TAG_OCTET_STRING, sec1);
    let mut body = version;
    body.extend_from_slice(&alg);
    body.extend_from_slice(&key);
    Some(write_tlv(TAG_SEQUENCE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let tlv = write_tlv(TAG_OCTET_STRING, &content);
        let (tag, got, rest) = read_tlv(&tlv).unwrap();
        assert_eq!(tag, TAG_OCTET_STRING);
        assert_eq!(got, &content[..]);
        assert!(rest.is_empty());
    }

    #[test]
    fn truncated_input_is_none() {
        assert!(read_tlv(&[0x30, 0x05, 0x01]).is_none());
        assert!(read_tlv(&[]).is_none());
    }
}
