//! State shared by every connection task, and the one way into the hub.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use hearth_storage::Store;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::files::{FileDisk, Uploads};
use crate::hub::Hub;
use crate::message::{AcceptedMessage, Target};
use crate::passwords::Passwords;
use crate::throttle::Throttle;

/// Trips to the database from connection tasks that may be under way at once.
/// The store is one connection behind a lock, so more would only wait for it
/// on threads of their own: when a hundred clients log in at once, a hundred
/// blocking threads would queue on that lock, crowd the CPU and get the lock
/// ahead of the message writer thread (the lock is not fair), which holds up
/// chat. Two keep the database busy (one runs while the next is handed over);
/// the others wait as tasks, in order.
pub(crate) const DB_TRIPS_AT_ONCE: usize = 2;

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
    /// Permits for [`Shared::db`]: trips to the database from connections in
    /// progress at once (see [`DB_TRIPS_AT_ONCE`]). FIFO, so none waits long.
    db_trips: Arc<Semaphore>,
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
            db_trips: Arc::new(Semaphore::new(DB_TRIPS_AT_ONCE)),
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
        // The semaphore is never closed, so acquiring only waits. The permit
        // goes with the work: a caller that stops waiting (its connection
        // closed) does not free it while the work still runs.
        let permit = Arc::clone(&self.db_trips)
            .acquire_owned()
            .await
            .map_err(|e| hearth_storage::StorageError::Corrupt(e.to_string()))?;
        let work = move || {
            let _permit = permit;
            f(&store)
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(r) => r,
            Err(e) => Err(hearth_storage::StorageError::Corrupt(format!(
                "database task failed: {e}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;

    use super::{Shared, DB_TRIPS_AT_ONCE};
    use crate::config::Config;
    use crate::files::FileDisk;
    use crate::hub::Hub;
    use crate::passwords::Passwords;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn database_trips_beyond_the_limit_wait_their_turn() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::new(dir.path().join("data"));
        let store = hearth_storage::Store::open(&config.db_path()).unwrap();
        let disk = FileDisk::open(&config.files_dir()).unwrap();
        let (messages, _unused) = mpsc::channel(1);
        let shared = Arc::new(Shared::new(
            config,
            store,
            Hub::new(vec![]),
            messages,
            Passwords::new(64, 1).unwrap(),
            CancellationToken::new(),
            Arc::new(AtomicBool::new(false)),
            Arc::new(disk),
        ));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let trips: Vec<_> = (0..16)
            .map(|_| {
                let (shared, running, most) = (Arc::clone(&shared), running.clone(), most.clone());
                tokio::spawn(async move {
                    shared
                        .db(move |store| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(10));
                            running.fetch_sub(1, Ordering::SeqCst);
                            store.user_count()
                        })
                        .await
                })
            })
            .collect();
        for trip in trips {
            assert_eq!(trip.await.unwrap().unwrap(), 0);
        }
        assert_eq!(most.load(Ordering::SeqCst), DB_TRIPS_AT_ONCE);

        // A caller that stops waiting leaves its permit with the work, which
        // still runs: a new trip cannot start beside it beyond the limit.
        let (release_tx, release) = std::sync::mpsc::channel::<()>();
        let abandoned = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move {
                shared
                    .db(move |_| {
                        let _ = release.recv();
                        Ok(())
                    })
                    .await
            }
        });
        while shared.db_trips.available_permits() == DB_TRIPS_AT_ONCE {
            tokio::task::yield_now().await;
        }
        abandoned.abort();
        let _ = abandoned.await;
        assert_eq!(shared.db_trips.available_permits(), DB_TRIPS_AT_ONCE - 1);
        release_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), async {
            while shared.db_trips.available_permits() < DB_TRIPS_AT_ONCE {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the permit comes back when the work ends");
    }
}
