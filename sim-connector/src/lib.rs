//! sim-connector
