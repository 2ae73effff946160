//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` upgrades the schema from version `i` to `i + 1`. Never edit a
//! step that has shipped; append a new one instead.

use rusqlite::Connection;

use crate::error::StorageError;

/// Migration steps, in order. The schema version is the number of steps applied.
const MIGRATIONS: &[&str] = &[
    // v1: initial schema.
    "
    CREATE TABLE users (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        name_key     TEXT NOT NULL UNIQUE,
        pw_hash      TEXT NOT NULL,
        color        TEXT NOT NULL,
        role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        created      TEXT NOT NULL,
        kicked_until TEXT,  -- RFC 3339, or 'forever'; NULL when not kicked
        kick_reason  TEXT,
        kicked_by    TEXT
    );
    CREATE TABLE rooms (
        id       INTEGER PRIMARY KEY,
        name     TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        created  TEXT NOT NULL
    );
    CREATE TABLE messages (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id      INTEGER REFERENCES rooms(id),
        sender_id    INTEGER NOT NULL REFERENCES users(id),
        recipient_id INTEGER REFERENCES users(id),
        text         TEXT NOT NULL,
        ts           TEXT NOT NULL,
        CHECK ((room_id IS NULL) <> (recipient_id IS NULL))
    );
    CREATE INDEX messages_room ON messages(room_id, id);
    -- One key per unordered pair, so a conversation is read in both directions from
    -- a single index range. Queries must repeat these expressions exactly.
    CREATE INDEX messages_pair
        ON messages(min(sender_id, recipient_id), max(sender_id, recipient_id), id)
        WHERE recipient_id IS NOT NULL;
    CREATE TABLE sessions (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id),
        ip         TEXT NOT NULL,
        port       INTEGER NOT NULL,
        login_ts   TEXT NOT NULL,
        logout_ts  TEXT,
        end_reason TEXT
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        ts      TEXT NOT NULL,
        kind    TEXT NOT NULL,
        user    TEXT NOT NULL,
        by_user TEXT,
        ip      TEXT,
        port    INTEGER,
        detail  TEXT
    );
    ",
];

/// The schema version this build writes and expects.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`], applying all pending steps in one
/// transaction. Refuses files written by a newer build.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    // IMMEDIATE takes the write lock first, so two processes cannot both migrate.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StorageError::Migration(format!(
            "database schema version {current} is newer than this build supports ({SCHEMA_VERSION})"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(step)
            .map_err(|e| StorageError::Migration(format!("step to version {}: {e}", i + 1)))?;
    }
    if current < SCHEMA_VERSION {
        // PRAGMA does not take bound parameters; the value is a trusted integer.
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    }
    tx.commit()?;
    Ok(())
}
