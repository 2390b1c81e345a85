//! The `transport` crate's integration tests, one binary (one link instead of one per file).

mod limits;
mod peer_words;
mod timeouts;
