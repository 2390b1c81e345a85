//! Shared pieces of the fuzz targets. Each target asserts a property, not only "no panic":
//! a decoded message re-encodes to itself, a saved ini file reads back the same, an error's
//! message can be printed.

pub mod dialects;
