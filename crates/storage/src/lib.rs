//! SQLite persistence for Hearth: users, rooms, messages and their files, sessions,
//! signed-in devices and the audit log.
//!
//! The API is synchronous on purpose. The async server calls it through
//! `tokio::task::spawn_blocking`, so [`Store`] is cheap to clone and `Send + Sync`.
//! Timestamps are [`time::OffsetDateTime`] in UTC and are stored as RFC 3339 text with
//! millisecond precision (see [`ts`]). Names are compared case-insensitively through
//! [`name_key`] and stored with the case given.

mod audit;
mod checkpointer;
mod conversation;
mod devices;
mod error;
mod files;
mod hot_tx;
mod messages;
mod rooms;
mod schema;
mod sessions;
pub mod ts;
mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{ReentrantMutex, ReentrantMutexGuard};
use rusqlite::Connection;

pub use audit::{AuditEntry, NewAudit};
pub use conversation::{
    fts_query, Conversation, DeletedMessage, MessageMeta, ReactionGroup, SearchScope, UnreadCount,
    INDEX_BATCH,
};
pub use devices::Device;
pub use error::{Result, StorageError};
pub use files::{Attachment, Blob, FileMeta, StoredFile};
pub use messages::{NewMessage, Page, StoredMessage};
pub use rooms::{Room, LOBBY};
pub use schema::{NameClash, SCHEMA_VERSION};
pub use sessions::LoginRecord;
pub use users::{KickState, NewUser, ParseRoleError, Role, User};

/// The key that makes user and room names unique: NFKC, then Unicode case
/// folding, then NFKC again (the "NFKC_Casefold" idea). So `Élise` and `élise`
/// collide, and so do look-alikes that differ only in width or compatibility
/// form: `Ｚｅｄ` (full-width) and `Zed`, `ﬁ` and `fi`, `Straße` and `STRASSE`.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded = caseless::default_case_fold_str(&name.nfkc().collect::<String>());
    folded.nfkc().collect()
}

/// A handle to the Hearth database. Clones share the same connection.
#[derive(Debug, Clone)]
pub struct Store {
    // One connection behind a lock: every call is short and synchronous, callers
    // run it on blocking threads (spawn_blocking), and because the API is sync the lock
    // can never be held across an `.await`. SQLite serialises writers anyway, so a pool
    // would buy little for a LAN chat server. The lock is reentrant so that
    // [`Store::transaction`] can hold it while the work inside calls other methods:
    // the same thread takes it again, no other thread gets in between.
    conn: Arc<ReentrantMutex<Connection>>,
    /// Checkpoints the log off the callers' threads; stops with the last clone.
    checkpointer: Arc<checkpointer::Checkpointer>,
    /// Names the last migration found colliding (see [`NameClash`]).
    clashes: Arc<Vec<NameClash>>,
}

impl Store {
    /// Opens (creating if needed, parent directory included) the database at `path`,
    /// applies connection settings (WAL, `synchronous=NORMAL`, foreign keys, 5 s busy
    /// timeout), runs pending migrations and makes sure the room [`LOBBY`] exists.
    /// Starts the thread that checkpoints the write-ahead log (see `checkpointer.rs`);
    /// it stops when the last clone of the store is dropped.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_millis(5000))?;
        // Room for every statement the store prepares with `prepare_cached` (about
        // 35), so the message pipeline's never fall out of rusqlite's default 16.
        conn.set_prepared_statement_cache_capacity(64);
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Migration(format!(
                "could not enable WAL journal mode (got {mode:?})"
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted message text is overwritten, not only unlinked (see
        // `delete_message`).
        conn.pragma_update(None, "secure_delete", "ON")?;
        let clashes = schema::migrate(&mut conn)?;
        rooms::ensure_lobby(&conn)?;
        // Checkpoints happen on their own thread (see `checkpointer`), never in a commit.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = checkpointer::Checkpointer::start(path)?;
        Ok(Store {
            conn: Arc::new(ReentrantMutex::new(conn)),
            checkpointer: Arc::new(checkpointer),
            clashes: Arc::new(clashes),
        })
    }

    /// The names that opening this database re-keyed into a clash (empty unless
    /// an upgrade just ran and found look-alike names); the caller reports them.
    pub fn name_clashes(&self) -> &[NameClash] {
        &self.clashes
    }

    /// Checkpoints the WAL into the main file and truncates it; call on graceful shutdown.
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.conn();
        if !checkpointer::truncate_log(&conn)? {
            tracing::warn!("the database log could not be emptied (busy for 5 s)");
        }
        Ok(())
    }

    /// Runs `work` as one transaction: what it does through this store (on this
    /// thread) is committed together when it returns `Ok`, and rolled back
    /// together when it or the commit fails. No other caller's statements come
    /// in between. Several changes that belong together (a login's device,
    /// session and audit rows) so cost one commit instead of one each.
    ///
    /// A method called inside joins the transaction and does not roll back on
    /// its own: when one fails, return its error so that all of `work` rolls
    /// back (catching it and going on would commit the failed method's partial
    /// changes). [`Store::delete_message`] and [`Store::checkpoint`] empty the
    /// WAL, which SQLite refuses inside a transaction: never call them in here.
    pub fn transaction<T>(&self, work: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        hot_tx::in_transaction(&conn, |_| work(self))
    }

    /// Locks the connection (again, on a thread that holds it: see `conn`'s
    /// comment). The lock does not poison: a panic in another caller cannot
    /// leave a half-applied change behind, because each change is one statement
    /// or one transaction, and a transaction rolls back while its caller
    /// unwinds.
    fn conn(&self) -> ReentrantMutexGuard<'_, Connection> {
        self.conn.lock()
    }
}

/// Errors with [`StorageError::NotFound`] when an UPDATE changed no row.
fn expect_changed(changed: usize) -> Result<()> {
    if changed == 0 {
        Err(StorageError::NotFound)
    } else {
        Ok(())
    }
}
