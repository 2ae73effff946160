//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` upgrades the schema from version `i` to `i + 1`. Never edit a
//! step that has shipped; append a new one instead.

use rusqlite::{params, Connection, Transaction};

use crate::error::StorageError;
use crate::name_key;

/// One schema step: SQL, or code for what SQL cannot do (Unicode normalization).
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction<'_>, &mut Vec<NameClash>) -> rusqlite::Result<()>),
}

/// Two names that a migration found to have the same uniqueness key. The later
/// row keeps working under its exact name, with a key nobody can type, and is
/// reported instead of failing the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameClash {
    /// `users` or `rooms`.
    pub table: &'static str,
    /// The later row's id.
    pub id: i64,
    /// The later row's name.
    pub name: String,
    /// The earlier name it collides with.
    pub clashes_with: String,
}

/// Migration steps, in order. The schema version is the number of steps applied.
const MIGRATIONS: &[Migration] = &[
    // v1: initial schema.
    Migration::Sql(
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
    ),
    // v2: name keys become NFKC + case folding (look-alikes such as full-width
    // letters collide with their plain forms).
    Migration::Code(rekey_names),
    // v3: signed-in devices (login tokens; only their hashes are kept).
    Migration::Sql(
        "
    CREATE TABLE devices (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id),
        name       TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created    TEXT NOT NULL,
        last_used  TEXT NOT NULL,
        last_ip    TEXT,
        revoked    TEXT  -- when it was revoked; NULL while it may log in
    );
    CREATE INDEX devices_user ON devices(user_id);
    ",
    ),
    // v4: files. A blob row exists while its bytes are kept on disk; an
    // attachment keeps what was sent even after its blob is evicted.
    Migration::Sql(
        "
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size   INTEGER NOT NULL,
        stored TEXT NOT NULL  -- last time this content was uploaded (eviction order)
    );
    CREATE INDEX blobs_stored ON blobs(stored);
    CREATE TABLE attachments (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        sha256     TEXT NOT NULL,
        name       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        mime       TEXT NOT NULL,
        width      INTEGER,
        height     INTEGER
    );
    ",
    ),
    // v5: conversation features. Edits and deletions (a deleted message keeps
    // its row, its text erased), mentions, reactions, read marks, and a
    // full-text index over the text (external content: the index keeps terms,
    // never a second copy of the text; `secure-delete` removes a message's
    // terms from the index when its text changes).
    Migration::Sql(
        "
    ALTER TABLE messages ADD COLUMN edited TEXT;   -- when last edited
    ALTER TABLE messages ADD COLUMN deleted TEXT;  -- when deleted; the text is then ''
    ALTER TABLE messages ADD COLUMN mention_room INTEGER NOT NULL DEFAULT 0;
    -- Messages up to this id count as read for a user who has no read mark
    -- yet (a new account does not start with the whole history unread).
    ALTER TABLE users ADD COLUMN read_floor INTEGER NOT NULL DEFAULT 0;
    UPDATE users SET read_floor = (SELECT coalesce(max(id), 0) FROM messages);
    CREATE INDEX messages_recipient ON messages(recipient_id, id) WHERE recipient_id IS NOT NULL;
    CREATE TABLE mentions (
        user_id    INTEGER NOT NULL REFERENCES users(id),
        message_id INTEGER NOT NULL REFERENCES messages(id),
        by_name    INTEGER NOT NULL,  -- 1: @name; 0: only through @room
        PRIMARY KEY (user_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX mentions_message ON mentions(message_id);
    CREATE TABLE reactions (
        message_id INTEGER NOT NULL REFERENCES messages(id),
        user_id    INTEGER NOT NULL REFERENCES users(id),
        emoji      TEXT NOT NULL,
        ts         TEXT NOT NULL,
        PRIMARY KEY (message_id, emoji, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE read_marks (
        user_id   INTEGER NOT NULL REFERENCES users(id),
        room_id   INTEGER REFERENCES rooms(id),
        peer_id   INTEGER REFERENCES users(id),
        last_read INTEGER NOT NULL,
        CHECK ((room_id IS NULL) <> (peer_id IS NULL))
    );
    CREATE UNIQUE INDEX read_marks_room ON read_marks(user_id, room_id) WHERE room_id IS NOT NULL;
    CREATE UNIQUE INDEX read_marks_peer ON read_marks(user_id, peer_id) WHERE peer_id IS NOT NULL;
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
    INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    ",
    ),
    // v6: new messages are indexed by `insert_messages`, one statement per
    // batch, instead of by a trigger per row (the trigger cost ~17 µs a message
    // on the persist thread, the batch ~2.5 µs; measured in docs/PERFORMANCE.md).
    Migration::Sql("DROP TRIGGER messages_fts_insert;"),
    // v7: the search index lags behind by whole batches: `fts_state.indexed_to`
    // is the last message id in it. Indexing on every commit made each
    // one-message transaction write an FTS5 segment (p99 of such commits 3–4 ms
    // instead of 0.2 ms); see `Store::index_pending`.
    Migration::Sql(
        "
    CREATE TABLE fts_state (indexed_to INTEGER NOT NULL);
    INSERT INTO fts_state (indexed_to) SELECT coalesce(max(id), 0) FROM messages;
    ",
    ),
];

/// Recomputes `name_key` of every user and room; a row whose new key is already
/// taken by an earlier row keeps a key of its own and is reported.
fn rekey_names(tx: &Transaction<'_>, clashes: &mut Vec<NameClash>) -> rusqlite::Result<()> {
    for table in ["users", "rooms"] {
        let rows: Vec<(i64, String)> = tx
            .prepare(&format!("SELECT id, name FROM {table} ORDER BY id"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Park every key first, so that re-keying one row never collides with a
        // key another row is about to give up.
        tx.execute(&format!("UPDATE {table} SET name_key = '#' || id"), [])?;
        let mut owners: std::collections::HashMap<String, String> = Default::default();
        for (id, name) in rows {
            let key = name_key(&name);
            let key = match owners.get(&key) {
                None => {
                    owners.insert(key.clone(), name.clone());
                    key
                }
                Some(first) => {
                    clashes.push(NameClash {
                        table,
                        id,
                        name: name.clone(),
                        clashes_with: first.clone(),
                    });
                    format!("{key}\u{0}#{id}")
                }
            };
            tx.execute(
                &format!("UPDATE {table} SET name_key = ?1 WHERE id = ?2"),
                params![key, id],
            )?;
        }
    }
    Ok(())
}

/// The schema version this build writes and expects.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`], applying all pending steps in one
/// transaction, and returns the name clashes it found. Refuses files written by
/// a newer build.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Vec<NameClash>, StorageError> {
    // IMMEDIATE takes the write lock first, so two processes cannot both migrate.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StorageError::Migration(format!(
            "database schema version {current} is newer than this build supports ({SCHEMA_VERSION})"
        )));
    }
    let mut clashes = Vec::new();
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let done = match step {
            Migration::Sql(sql) => tx.execute_batch(sql),
            Migration::Code(run) => run(&tx, &mut clashes),
        };
        done.map_err(|e| StorageError::Migration(format!("step to version {}: {e}", i + 1)))?;
    }
    if current < SCHEMA_VERSION {
        // PRAGMA does not take bound parameters; the value is a trusted integer.
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    }
    tx.commit()?;
    Ok(clashes)
}
