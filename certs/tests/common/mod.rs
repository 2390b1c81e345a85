//! Shared test fixtures: generated PKIs cached per test binary (RSA key generation is the slow part).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use certs::pki::{Ca, Layout, PartySpec, Pki, PkiSpec};
use certs::{KeyAlgorithm, TlsOptions, generate};

pub fn spec(layout: Layout, key: KeyAlgorithm) -> PkiSpec {
    PkiSpec {
        layout,
        key,
        validity_days: 365,
        crm: PartySpec::new("crm", "crm.crmsim.test"),
        connectors: vec![PartySpec::new("connector", "connector.crmsim.test")],
    }
}

pub fn one_ca() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| generate(&spec(Layout::OneCa, KeyAlgorithm::Rsa2048)).unwrap())
}

pub fn ca_per_side() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| generate(&spec(Layout::CaPerSide, KeyAlgorithm::Rsa2048)).unwrap())
}

pub fn ecdsa() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| generate(&spec(Layout::OneCa, KeyAlgorithm::EcdsaP256)).unwrap())
}

/// A CA nobody trusts.
pub fn other_ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| Ca::new("crmsim Other CA", KeyAlgorithm::EcdsaP256, 30).unwrap())
}

pub fn no_resumption() -> TlsOptions {
    TlsOptions {
        resumption: false,
        ..TlsOptions::default()
    }
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
