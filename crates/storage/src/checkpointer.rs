//! Copies the write-ahead log into the database file on a thread of its own.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the log
//! past 1,000 pages, and takes that commit from well under a millisecond to
//! 5–7 ms (it copies the pages and syncs both files). On the message
//! pipeline's thread that stalled every message behind it: at 2,000 messages
//! a second it happened about eight times a second and was most of the
//! open-loop p99 (docs/PERFORMANCE.md). So the store's connection never
//! checkpoints by itself; this thread does, on its own connection, in
//! `PASSIVE` mode, which never waits for (or blocks) the writer: a commit
//! only appends to the log meanwhile, and SQLite starts the log over once
//! everything in it is copied.
//!
//! It checkpoints when the store's transactions nudge it (every
//! [`NUDGE_EVERY`] commits of the message pipeline, about as many pages as
//! SQLite's own threshold) and at least every [`PERIOD`], for every other
//! kind of write. It ends when the last [`Store`](crate::Store) is dropped.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::Result;

/// Longest time between two checkpoints while the log has something in it.
const PERIOD: Duration = Duration::from_secs(1);
/// Message-pipeline commits between two nudges.
const NUDGE_EVERY: u64 = 64;

/// The running checkpoint thread. Dropping it stops the thread and waits for it.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    /// Wakes the thread early; dropped (closing the channel) to stop it.
    nudge: Option<SyncSender<()>>,
    /// Commits since the last nudge.
    commits: AtomicU64,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a second connection to the database at `path` (already in WAL
    /// mode) and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_millis(5000))?;
        let (nudge, woken) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("hearth-checkpoint".into())
            .spawn(move || {
                // Until the store is dropped (the channel closes).
                while let Ok(()) | Err(RecvTimeoutError::Timeout) = woken.recv_timeout(PERIOD) {
                    checkpoint(&conn);
                }
            })?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            commits: AtomicU64::new(0),
            thread: Some(thread),
        })
    }

    /// Counts one commit of the message pipeline; every [`NUDGE_EVERY`]th wakes
    /// the thread. Never blocks.
    pub(crate) fn committed(&self) {
        let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        if n % NUDGE_EVERY == 0 {
            if let Some(nudge) = &self.nudge {
                // Full: a nudge is already pending, which is as good.
                if let Err(TrySendError::Disconnected(())) = nudge.try_send(()) {
                    tracing::warn!("the database checkpoint thread has stopped");
                }
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.nudge.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Copies the whole log into the database file and empties it
/// (`wal_checkpoint(TRUNCATE)`), on the store's own connection. The checkpoint
/// thread may be copying at that moment (SQLite then answers "busy" at once
/// instead of waiting), so it retries for up to 5 s. Returns whether the log
/// was emptied. Never inside a transaction: SQLite refuses a checkpoint there
/// ("database table is locked"), which is why [`crate::Store::transaction`]
/// must not wrap the methods that call this.
pub(crate) fn truncate_log(conn: &Connection) -> Result<bool> {
    debug_assert!(
        conn.is_autocommit(),
        "the log cannot be emptied inside a transaction"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        // The row is (busy, log pages, checkpointed pages).
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy == 0 {
            return Ok(true);
        }
        if std::time::Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One passive checkpoint. A failure is logged and retried at the next
/// wake-up: the log only grows meanwhile, nothing is lost.
fn checkpoint(conn: &Connection) {
    // The pragma returns one row (busy, log pages, checkpointed pages).
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "checkpointing the database failed");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::{NewMessage, NewUser, Role, Store, LOBBY};

    #[test]
    fn the_log_is_copied_into_the_database_by_the_thread_not_by_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.db");
        let store = Store::open(&path).unwrap();
        let auto: i64 = store
            .conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0, "commits must never checkpoint by themselves");

        let alice = store
            .create_user(&NewUser {
                name: "alice",
                pw_hash: "$argon2id$v=19$x",
                color: "#112233",
                role: Role::Member,
            })
            .unwrap()
            .id;
        let lobby = store.room_by_name(LOBBY).unwrap().unwrap().id;
        let before = std::fs::metadata(&path).unwrap().len();
        // Enough single-message commits to nudge the thread a few times, each
        // message a few pages long so the database file must grow to hold them.
        for i in 0..(super::NUDGE_EVERY * 3) {
            let text = format!("{i} {}", "x".repeat(3000));
            store
                .insert_messages(&[NewMessage {
                    room_id: Some(lobby),
                    sender_id: alice,
                    recipient_id: None,
                    text,
                    ts: time::OffsetDateTime::now_utc(),
                    file: None,
                    mentions: Vec::new(),
                    mention_room: false,
                }])
                .unwrap();
        }
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let grown = loop {
            let now = std::fs::metadata(&path).unwrap().len();
            if now >= before + 3000 * super::NUDGE_EVERY * 3 {
                break now;
            }
            assert!(
                Instant::now() < deadline,
                "the database file stayed at {now} bytes (was {before}): nothing checkpointed"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(grown > before);
        // Dropping the last handle stops the thread (the drop joins it).
        drop(store);
    }
}
