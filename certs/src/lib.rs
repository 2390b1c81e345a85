//! # certs: certificates and TLS for crmsim
