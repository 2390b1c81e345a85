//! # tasks: names for crmsim's async tasks
//!
//! A panic in a tokio task is caught by the runtime and lands in a `JoinHandle` that nobody may
//! await: the component it belonged to stops doing its work and the process runs on half-dead
//! (it did: a connector's timer task panicked and the run blamed the deployment). crmsim's
//! binary turns every panic into a loud exit 3 instead; this crate lets that message say
//! *which* task died (`connector-a timers`, `crm agent AGENT00042`), not just a worker thread.
//!
//! [`named`] wraps a future so that, while it is being polled, [`current`] returns its name.
//! It holds no runtime, spawns nothing and costs a thread-local swap (two reference-count
//! updates) per poll.

#![warn(missing_docs)]

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

thread_local! {
    static CURRENT: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// The name of the task being polled on this thread, if it was wrapped by [`named`].
pub fn current() -> Option<String> {
    CURRENT
        .try_with(|c| {
            c.try_borrow()
                .ok()
                .and_then(|n| n.as_deref().map(str::to_owned))
        })
        .ok()
        .flatten()
}

fn swap(name: Option<Arc<str>>) -> Option<Arc<str>> {
    CURRENT
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut current) => std::mem::replace(&mut *current, name),
            Err(_) => None,
        })
        .ok()
        .flatten()
}

/// `future`, named `name` while it runs (see [`current`]).
pub fn named<F: Future>(name: impl Into<Arc<str>>, future: F) -> Named<F> {
    Named {
        name: name.into(),
        future: Box::pin(future),
    }
}

/// A future with a name; see [`named`].
pub struct Named<F> {
    name: Arc<str>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Named<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        // Nested named futures (a task that awaits another named future) restore the outer
        // name when the inner poll returns, or unwinds.
        let outer = swap(Some(this.name.clone()));
        let _restore = Restore(outer);
        this.future.as_mut().poll(cx)
    }
}

struct Restore(Option<Arc<str>>);

impl Drop for Restore {
    fn drop(&mut self) {
        // On unwind this runs after the panic hook, which therefore still sees the name.
        swap(self.0.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_name_is_seen_inside_and_gone_outside() {
        assert_eq!(current(), None);
        let inside = named("connector timers", async { current() }).await;
        assert_eq!(inside.as_deref(), Some("connector timers"));
        assert_eq!(current(), None);
    }

    #[tokio::test]
    async fn nested_names_restore_the_outer_one() {
        let seen = named("outer", async {
            let inner = named("inner", async { current() }).await;
            (inner, current())
        })
        .await;
        assert_eq!(seen.0.as_deref(), Some("inner"));
        assert_eq!(seen.1.as_deref(), Some("outer"));
    }

    #[tokio::test]
    async fn a_panicking_task_is_named_when_the_hook_runs() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let sink = seen.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |_| {
            if let Ok(mut s) = sink.lock() {
                *s = current();
            }
        }));
        let joined = tokio::spawn(named("crm agent AGENT00042", async {
            panic!("boom");
        }))
        .await;
        std::panic::set_hook(previous);
        assert!(joined.is_err());
        let name = seen.lock().map(|s| s.clone()).ok().flatten();
        assert_eq!(name.as_deref(), Some("crm agent AGENT00042"));
    }
}
