//! Two crmsim reports compared figure by figure: the regression gate of a release pipeline that
//! keeps the previous release's report (`crmsim compare BASE.json NEW.json`).
//!
//! A report is read as JSON, not into the structs that wrote it, because the two reports may come
//! from different crmsim versions: a figure one of them lacks is listed as such, never read as 0
//! (a renamed key must not pass as "no calls lost"). Each figure knows which way is better and
//! belongs to a class with a default tolerance; rules (a file or flags) override them per figure
//! pattern. A figure regresses only when it moves the bad way by more than its tolerance.
//!
//! No I/O: the caller reads the files and writes what [`Comparison`] renders.

#![warn(missing_docs)]

mod figure;
mod render;
mod tolerance;
mod verdict;

pub use figure::{Better, Class, Figure, ReportKind, figures};
pub use tolerance::{Rule, Rules, Target, Tolerance, ToleranceError};
pub use verdict::{CompareError, Comparison, Describe, Row, Status};
