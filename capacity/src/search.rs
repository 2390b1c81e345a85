//! Finding the highest load at which a system still meets its thresholds: step up until it
//! fails, then bisect between the last pass and the first failure. When even the first load
//! fails, step down until one passes (or the plan's floor fails too), then bisect the same way:
//! a file written for a fast machine still sizes a slow one, instead of saying only "< start".
//!
//! Pure logic over a `probe(load) -> passed` function, so it is tested against systems with a
//! known limit, and the capacity runner plugs real runs in.

/// How to search one dimension (call rate, or agent count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchPlan {
    /// First load tried.
    pub start: f64,
    /// Each step-up multiplies the load by this (above 1).
    pub factor: f64,
    /// Never try more than this.
    pub max: f64,
    /// Never try less than this: when `start` fails, the search steps down by `factor` to here
    /// (`None`: [`DEFAULT_STEPS_DOWN`] steps below `start`).
    pub min: Option<f64>,
    /// Stop bisecting when (fail − pass) / pass is below this.
    pub precision: f64,
    /// Loads are whole numbers (agent counts) rather than real ones (call rates).
    pub integer: bool,
    /// At most this many probes in all, whatever the precision (a time budget). Repeats (see
    /// [`Searcher::record_repeatable`]) are not counted: at most one per load.
    pub max_steps: usize,
}

/// One probe and its outcome.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Step {
    /// The load tried: calls/s, or an agent count.
    pub load: f64,
    /// Whether the thresholds held in this probe.
    pub passed: bool,
    /// This probe was only slow and the same load was tried again; the repeat decided.
    pub repeated: bool,
}

/// What the search found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// The highest load that passed (`None`: even `start` failed).
    pub capacity: Option<f64>,
    /// The lowest load that failed (`None`: nothing failed up to `max`).
    pub first_failure: Option<f64>,
    /// Every probe, in order.
    pub steps: Vec<Step>,
    /// Why the search stopped.
    pub stopped: Stop,
}

/// Why a search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// Bisection reached the precision.
    Precise,
    /// Even the maximum passed: the capacity is at least `max`.
    ReachedMax,
    /// Even the floor (`min`) failed: the capacity is below it.
    FailedAtMin,
    /// The step budget ran out; the bracket is wider than the precision.
    OutOfSteps,
}

/// A search whose start fails steps down this many times when the plan sets no floor: a file
/// written for a machine up to 16× (factor 2) faster still finds a capacity, not just "< start".
pub const DEFAULT_STEPS_DOWN: i32 = 4;

impl SearchPlan {
    /// The lowest load tried, as a load (an agent count is whole, one at the least).
    fn floor(&self) -> f64 {
        self.round(
            self.min
                .unwrap_or(self.start / self.factor.powi(DEFAULT_STEPS_DOWN)),
        )
    }

    fn round(&self, load: f64) -> f64 {
        if self.integer {
            load.round().max(1.0)
        } else {
            load
        }
    }
}

/// The search as a state machine: ask [`Searcher::next_load`] what to try, run it however
/// (a window of a live deployment, a whole run), tell [`Searcher::record`] whether it passed.
#[derive(Debug, Clone)]
pub struct Searcher {
    plan: SearchPlan,
    steps: Vec<Step>,
    pass: Option<f64>,
    fail: Option<f64>,
    next: Option<f64>,
    stopped: Option<Stop>,
    /// Probes that were repeated, so not counted against `max_steps`.
    repeats: usize,
}

impl Searcher {
    /// A search that will first try `start` (capped at `max`, rounded for agent counts).
    pub fn new(plan: SearchPlan) -> Searcher {
        let first = plan.round(plan.start.min(plan.max));
        Searcher {
            plan,
            steps: Vec::new(),
            pass: None,
            fail: None,
            next: Some(first),
            stopped: None,
            repeats: 0,
        }
    }

    /// The load to try next; `None` when the search is over.
    pub fn next_load(&self) -> Option<f64> {
        self.next
    }

    /// Records the outcome of the load [`next_load`](Self::next_load) returned.
    pub fn record(&mut self, passed: bool) {
        let _ = self.record_repeatable(passed, false);
    }

    /// As [`record`](Self::record); a failure that `may_repeat` (it was only slow: a latency or
    /// lateness over its limit, while nothing was lost and nothing fell behind) is not believed
    /// at once: the same
    /// load comes next, and that second outcome decides. On a shared VM one stall of a few
    /// hundred milliseconds fails a p99 over a five-second window; without the repeat the
    /// search bisects below the real limit and never comes back up. A load is repeated once.
    /// Returns whether the load comes again.
    pub fn record_repeatable(&mut self, passed: bool, may_repeat: bool) -> bool {
        let Some(load) = self.next else {
            return false;
        };
        let again = self
            .steps
            .last()
            .is_some_and(|s| s.repeated && s.load == load);
        if !passed && may_repeat && !again {
            self.steps.push(Step {
                load,
                passed,
                repeated: true,
            });
            self.repeats += 1;
            return true;
        }
        self.steps.push(Step {
            load,
            passed,
            repeated: false,
        });
        if passed {
            self.pass = Some(load);
        } else {
            self.fail = Some(self.fail.map_or(load, |f| f.min(load)));
        }
        self.next = self.decide(load);
        false
    }

    fn decide(&mut self, load: f64) -> Option<f64> {
        let plan = self.plan;
        let stop = |me: &mut Searcher, why: Stop| {
            me.stopped = Some(why);
            None
        };
        match (self.pass, self.fail) {
            // Still stepping up.
            (Some(_), None) if load >= plan.max => stop(self, Stop::ReachedMax),
            (Some(_), None) if self.counted() >= plan.max_steps => stop(self, Stop::OutOfSteps),
            (Some(_), None) => Some(plan.round((load * plan.factor.max(1.01)).min(plan.max))),
            // Nothing passed yet: stepping down.
            (None, _) if load <= plan.floor() => stop(self, Stop::FailedAtMin),
            (None, _) if self.counted() >= plan.max_steps => stop(self, Stop::OutOfSteps),
            (None, _) => Some(plan.round(load / plan.factor.max(1.01)).max(plan.floor())),
            // Bisecting between the highest pass and the lowest failure.
            (Some(lo), Some(hi)) => {
                if (hi - lo) / lo <= plan.precision || (plan.integer && hi - lo <= 1.0) {
                    return stop(self, Stop::Precise);
                }
                if self.counted() >= plan.max_steps {
                    return stop(self, Stop::OutOfSteps);
                }
                let mid = plan.round((lo + hi) / 2.0);
                if mid <= lo || mid >= hi {
                    return stop(self, Stop::Precise);
                }
                Some(mid)
            }
        }
    }

    /// Probes counted against the step budget.
    fn counted(&self) -> usize {
        self.steps.len() - self.repeats
    }

    /// What was found (call when [`next_load`](Self::next_load) is `None`, or to stop early).
    pub fn outcome(&self) -> Outcome {
        Outcome {
            capacity: self.pass,
            first_failure: self.fail,
            steps: self.steps.clone(),
            stopped: self.stopped.unwrap_or(Stop::OutOfSteps),
        }
    }
}

/// Runs the search with a synchronous `probe` (the tests' systems with a known limit).
pub fn search(plan: &SearchPlan, mut probe: impl FnMut(f64) -> bool) -> Outcome {
    let mut searcher = Searcher::new(*plan);
    while let Some(load) = searcher.next_load() {
        searcher.record(probe(load));
    }
    searcher.outcome()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> SearchPlan {
        SearchPlan {
            start: 10.0,
            factor: 2.0,
            max: 10_000.0,
            min: Some(1.0),
            precision: 0.02,
            integer: false,
            max_steps: 40,
        }
    }

    #[test]
    fn finds_a_known_limit_within_the_precision() {
        for limit in [10.0, 11.0, 137.0, 999.0, 4321.0] {
            let out = search(&plan(), |load| load <= limit);
            let found = out.capacity.unwrap();
            assert!(found <= limit, "{limit}: {out:?}");
            assert!((limit - found) / limit <= 0.02 + 1e-9, "{limit}: {found}");
            assert_eq!(out.stopped, Stop::Precise);
            // Steps are consistent with the system.
            assert!(out.steps.iter().all(|s| s.passed == (s.load <= limit)));
        }
    }

    #[test]
    fn reports_the_edges_honestly() {
        let out = search(&plan(), |_| false);
        assert_eq!((out.capacity, out.stopped), (None, Stop::FailedAtMin));
        // 10, 5, 2.5, 1.25, then the floor.
        let loads: Vec<f64> = out.steps.iter().map(|s| s.load).collect();
        assert_eq!(loads, [10.0, 5.0, 2.5, 1.25, 1.0]);
        assert_eq!(out.first_failure, Some(1.0));
        let out = search(&plan(), |_| true);
        assert_eq!(
            (out.capacity, out.stopped),
            (Some(10_000.0), Stop::ReachedMax)
        );
    }

    /// A file written for a faster machine: its start is above this system's limit.
    #[test]
    fn a_failing_start_steps_down_then_bisects() {
        for limit in [1.0, 3.0, 7.3, 9.9] {
            let out = search(&plan(), |load| load <= limit);
            let found = out.capacity.unwrap();
            assert!(
                found <= limit && (limit - found) / limit <= 0.02 + 1e-9,
                "{limit}: {out:?}"
            );
            assert_eq!(out.stopped, Stop::Precise, "{limit}");
            assert!(out.steps.iter().all(|s| s.passed == (s.load <= limit)));
        }
        // Integer loads step down to 1 at most, and bisect to one unit.
        let agents = SearchPlan {
            start: 1000.0,
            min: Some(1.0),
            integer: true,
            precision: 0.0,
            ..plan()
        };
        let out = search(&agents, |n| n <= 300.0);
        assert_eq!(
            (out.capacity, out.first_failure),
            (Some(300.0), Some(301.0))
        );
        let out = search(&agents, |_| false);
        assert_eq!((out.capacity, out.stopped), (None, Stop::FailedAtMin));
        assert_eq!(out.steps.last().map(|s| s.load), Some(1.0));
        // Without a floor: four steps below the start, rounded to a whole agent.
        let out = search(
            &SearchPlan {
                min: None,
                ..agents
            },
            |_| false,
        );
        let loads: Vec<f64> = out.steps.iter().map(|s| s.load).collect();
        assert_eq!(loads, [1000.0, 500.0, 250.0, 125.0, 63.0]);
        // The budget bounds stepping down too.
        let out = search(
            &SearchPlan {
                max_steps: 2,
                ..plan()
            },
            |_| false,
        );
        assert_eq!((out.steps.len(), out.stopped), (2, Stop::OutOfSteps));
    }

    #[test]
    fn integer_loads_bisect_to_one_unit() {
        let plan = SearchPlan {
            start: 100.0,
            integer: true,
            precision: 0.0,
            ..plan()
        };
        let out = search(&plan, |agents| agents <= 1234.0);
        assert_eq!(out.capacity, Some(1234.0));
        assert_eq!(out.first_failure, Some(1235.0));
        assert!(out.steps.iter().all(|s| s.load.fract() == 0.0));
    }

    #[test]
    fn a_step_budget_bounds_the_search() {
        let plan = SearchPlan {
            max_steps: 5,
            precision: 0.0001,
            ..plan()
        };
        let out = search(&plan, |load| load <= 1000.0);
        assert_eq!(out.steps.len(), 5);
        assert_eq!(out.stopped, Stop::OutOfSteps);
        assert!(out.capacity.is_some_and(|c| c <= 1000.0));
    }

    /// A system whose limit is 1000 but which stalls once, at 640 (a VM hiccup).
    fn hiccup_at_640() -> impl FnMut(f64) -> (bool, bool) {
        let mut stalled = false;
        move |load| {
            if load == 640.0 && !stalled {
                stalled = true;
                return (false, true);
            }
            (load <= 1000.0, true)
        }
    }

    fn search_repeating(plan: &SearchPlan, mut probe: impl FnMut(f64) -> (bool, bool)) -> Outcome {
        let mut searcher = Searcher::new(*plan);
        while let Some(load) = searcher.next_load() {
            let (passed, may_repeat) = probe(load);
            searcher.record_repeatable(passed, may_repeat);
        }
        searcher.outcome()
    }

    #[test]
    fn a_failure_that_was_only_slow_is_tried_again_and_the_repeat_decides() {
        let plan = plan();
        let out = search_repeating(&plan, hiccup_at_640());
        let found = out.capacity.unwrap();
        assert!(found > 980.0 && found <= 1000.0, "{out:?}");
        assert_eq!(out.stopped, Stop::Precise);
        let at_640: Vec<_> = out.steps.iter().filter(|s| s.load == 640.0).collect();
        assert_eq!(at_640.len(), 2, "{out:?}");
        assert!(at_640[0].repeated && !at_640[0].passed && at_640[1].passed);
        // Repeats are not counted against the budget.
        let budget = SearchPlan {
            max_steps: 10,
            ..plan
        };
        let out = search_repeating(&budget, hiccup_at_640());
        assert_eq!(out.steps.iter().filter(|s| !s.repeated).count(), 10);
        assert!(out.steps.iter().any(|s| s.repeated));
        // Believed at once, the hiccup caps the search below 640.
        let mut once = hiccup_at_640();
        let out = search(&plan, |load| once(load).0);
        assert!(out.capacity.unwrap() < 640.0, "{out:?}");
    }

    #[test]
    fn a_real_limit_fails_twice_and_stands() {
        let out = search_repeating(&plan(), |load| (load <= 1000.0, true));
        let found = out.capacity.unwrap();
        assert!(found <= 1000.0 && (1000.0 - found) / 1000.0 <= 0.02 + 1e-9);
        // Every failing load was tried twice, and failed twice.
        for s in out.steps.iter().filter(|s| !s.passed && !s.repeated) {
            assert_eq!(
                out.steps
                    .iter()
                    .filter(|r| r.load == s.load && r.repeated)
                    .count(),
                1
            );
        }
    }

    #[test]
    fn a_failure_that_was_not_only_slow_is_believed_at_once() {
        let out = search_repeating(&plan(), |load| (load <= 1000.0, false));
        assert!(out.steps.iter().all(|s| !s.repeated));
        assert_eq!(
            out.capacity,
            search(&plan(), |load| load <= 1000.0).capacity
        );
    }
}
