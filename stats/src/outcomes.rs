//! Counts by row (an operation) and outcome, without a lock: the live metrics want requests
//! and events by operation *and* outcome, and the request path must not queue on a mutex for
//! a figure nobody may be reading.

use std::sync::atomic::{AtomicU64, Ordering};

/// How one request or event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with a result (a request) or acknowledged (an event).
    Ok,
    /// Answered with a SOAP fault (refused).
    Fault,
    /// No usable answer: connection, TLS, timeout, unreadable body; for events, given up.
    Error,
}

impl Outcome {
    /// Every outcome, in the order of [`OutcomeTally::row`]'s counts.
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Fault, Outcome::Error];

    /// The label value (`ok`, `fault`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fault => "fault",
            Outcome::Error => "error",
        }
    }

    fn column(self) -> usize {
        match self {
            Outcome::Ok => 0,
            Outcome::Fault => 1,
            Outcome::Error => 2,
        }
    }
}

/// A fixed table of counters: `rows` × the three outcomes.
#[derive(Debug)]
pub struct OutcomeTally {
    cells: Box<[AtomicU64]>,
}

impl OutcomeTally {
    /// A table of `rows` rows (one per operation), every count zero.
    pub fn new(rows: usize) -> OutcomeTally {
        OutcomeTally {
            cells: (0..rows * Outcome::ALL.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Counts one; a row beyond the table is ignored (the table is sized from a fixed list).
    pub fn add(&self, row: usize, outcome: Outcome) {
        if let Some(cell) = self.cells.get(row * Outcome::ALL.len() + outcome.column()) {
            cell.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts of one row, in the order of [`Outcome::ALL`].
    pub fn row(&self, row: usize) -> [u64; 3] {
        let at = |o: Outcome| {
            self.cells
                .get(row * Outcome::ALL.len() + o.column())
                .map_or(0, |c| c.load(Ordering::Relaxed))
        };
        [at(Outcome::Ok), at(Outcome::Fault), at(Outcome::Error)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_outcomes_count_apart_and_a_stray_row_is_ignored() {
        let t = OutcomeTally::new(2);
        t.add(0, Outcome::Ok);
        t.add(0, Outcome::Ok);
        t.add(1, Outcome::Fault);
        t.add(1, Outcome::Error);
        t.add(7, Outcome::Ok);
        assert_eq!(t.row(0), [2, 0, 0]);
        assert_eq!(t.row(1), [0, 1, 1]);
        assert_eq!(t.row(7), [0, 0, 0]);
    }
}
