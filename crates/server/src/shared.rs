//! State shared by every connection task, and the one way into the hub.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use hearth_storage::Store;
use tokio::sync::{mpsc, watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::files::{FileDisk, Uploads};
use crate::hub::Hub;
use crate::message::{AcceptedMessage, Target};
use crate::passwords::Passwords;
use crate::throttle::Throttle;

/// Counts the embedding app shows ("3 people connected").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Open TLS connections, logged in or not.
    pub connections: usize,
    /// Logged-in accounts.
    pub online: usize,
}

/// Everything a connection task needs, behind one `Arc`.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    /// The database; every call goes through [`Shared::db`] or the writer thread.
    pub store: Store,
    // Presence lock: a std Mutex because every critical section is short,
    // synchronous work on in-memory maps plus non-blocking queue pushes; it is
    // never held across an `.await` (see hub.rs). Private: reached only through
    // `with_hub`, which also wakes the presence task after changes.
    hub: Mutex<Hub>,
    // Login-failure counters; held only for a map lookup or update.
    throttle: Mutex<Throttle>,
    /// Wakes the presence task after the hub marked presence changed.
    pub presence: Notify,
    /// Messages on their way to the database and then to their recipients.
    pub messages: mpsc::Sender<AcceptedMessage>,
    pub passwords: Arc<Passwords>,
    /// Fires when the server begins a graceful shutdown.
    pub shutdown: CancellationToken,
    /// Set before `shutdown` fires when the server is closing for good (the
    /// host stopped hosting) rather than restarting; clients are told which.
    pub closing_for_good: Arc<AtomicBool>,
    /// Published after every change in connection or login counts.
    pub stats: watch::Sender<Stats>,
    /// Serialises registrations so that "first account becomes owner" has one winner.
    pub register_lock: tokio::sync::Mutex<()>,
    /// The files directory.
    pub disk: Arc<FileDisk>,
    /// Uploads in progress and every user's upload budget.
    pub uploads: Uploads<Target>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: Config,
        store: Store,
        hub: Hub,
        messages: mpsc::Sender<AcceptedMessage>,
        passwords: Arc<Passwords>,
        shutdown: CancellationToken,
        closing_for_good: Arc<AtomicBool>,
        disk: Arc<FileDisk>,
    ) -> Shared {
        Shared {
            uploads: Uploads::new(Arc::clone(&disk), config.upload_bytes_per_hour),
            disk,
            throttle: Mutex::new(Throttle::new(config.max_login_delay)),
            config,
            store,
            hub: Mutex::new(hub),
            presence: Notify::new(),
            messages,
            passwords,
            shutdown,
            closing_for_good,
            stats: watch::Sender::new(Stats::default()),
            register_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs `f` on the hub under its lock. Afterwards, if presence changed, it
    /// wakes the presence task, and if the counts changed, it republishes them.
    /// This is the only way to the hub, so no change can skip either.
    pub(crate) fn with_hub<T>(&self, f: impl FnOnce(&mut Hub) -> T) -> T {
        let (out, presence, counts) = {
            let mut hub = self.lock_hub();
            let out = f(&mut hub);
            let presence = hub.presence_changed();
            let counts = hub.take_counts_changed().then(|| Stats {
                connections: hub.connection_count(),
                online: hub.online_count(),
            });
            (out, presence, counts)
        };
        if presence {
            self.presence.notify_one();
        }
        if let Some(stats) = counts {
            self.stats.send_if_modified(|s| {
                let changed = *s != stats;
                *s = stats;
                changed
            });
        }
        out
    }

    /// Locks the hub. A panic while holding it cannot leave a half-done
    /// update that matters more than staying up, so poisoning is ignored.
    fn lock_hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the login throttle.
    pub(crate) fn throttle(&self) -> MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs blocking database work off the async threads.
    pub(crate) async fn db<T, F>(&self, f: F) -> Result<T, hearth_storage::StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, hearth_storage::StorageError> + Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(e) => Err(hearth_storage::StorageError::Corrupt(format!(
                "database task failed: {e}"
            ))),
        }
    }
}
