//! A process-wide "there may be new work" signal: writers ring it, background workers (the
//! search sync, the webhook worker, live subscriptions) wait on it instead of only polling.
//! It carries no data; a waiter that missed several rings sees one.

use std::sync::OnceLock;

use tokio::sync::watch;

/// One signal, usable as a `static`.
#[derive(Debug, Default)]
pub struct Wake(OnceLock<watch::Sender<u64>>);

impl Wake {
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    fn sender(&self) -> &watch::Sender<u64> {
        self.0.get_or_init(|| watch::channel(0).0)
    }

    /// Wakes every current waiter.
    pub fn ring(&self) {
        self.sender().send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver whose `changed()` completes at the next ring.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender().subscribe()
    }
}
