//! Room and private messages: batched inserts and paged history.

use rusqlite::{params, Connection, Row};
use time::OffsetDateTime;

use crate::error::Result;
use crate::files::{file_cols, file_from_row, insert_attachment, FileMeta, StoredFile};
use crate::ts::{format_ts, parse_ts};
use crate::Store;

/// A message to store. Exactly one of `room_id` and `recipient_id` must be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The room, for a room message.
    pub room_id: Option<i64>,
    /// The sender's user id.
    pub sender_id: i64,
    /// The recipient's user id, for a private message.
    pub recipient_id: Option<i64>,
    /// Message text.
    pub text: String,
    /// When the server received it.
    pub ts: OffsetDateTime,
    /// The attached file, whose blob is already stored.
    pub file: Option<FileMeta>,
}

/// Which slice of a history to read. Results are always oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest `limit` messages.
    Latest {
        /// Maximum number of messages.
        limit: u32,
    },
    /// The newest `limit` messages with an id below `id` (scrolling back).
    Before {
        /// Exclusive upper bound on message ids.
        id: i64,
        /// Maximum number of messages.
        limit: u32,
    },
    /// The oldest `limit` messages with an id above `id` (catching up).
    After {
        /// Exclusive lower bound on message ids.
        id: i64,
        /// Maximum number of messages.
        limit: u32,
    },
}

/// A message read back from history, with names resolved to their current values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Message id (increasing with insertion order).
    pub id: i64,
    /// Room name, for a room message.
    pub room: Option<String>,
    /// The sender's current name.
    pub from: String,
    /// The sender's current colour.
    pub color: String,
    /// The recipient's current name, for a private message.
    pub to: Option<String>,
    /// Message text.
    pub text: String,
    /// When the server received it.
    pub ts: OffsetDateTime,
    /// The attached file, for a file message.
    pub file: Option<StoredFile>,
}

const INSERT: &str = "INSERT INTO messages (room_id, sender_id, recipient_id, text, ts)
                      VALUES (?1, ?2, ?3, ?4, ?5)";

/// Shared SELECT list and joins; `m` is the messages table.
macro_rules! history_select {
    () => {
        concat!(
            "SELECT m.id, r.name, s.name, s.color, t.name, m.text, m.ts, ",
            file_cols!(),
            " FROM messages m
         JOIN users s ON s.id = m.sender_id
         LEFT JOIN rooms r ON r.id = m.room_id
         LEFT JOIN users t ON t.id = m.recipient_id
         LEFT JOIN attachments a ON a.message_id = m.id
         LEFT JOIN blobs b ON b.sha256 = a.sha256 "
        )
    };
}

// Room history. ?1 = room id, ?2 = id bound, ?3 = limit.
pub(crate) const ROOM_DESC: &str = concat!(
    history_select!(),
    "WHERE m.room_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"
);
pub(crate) const ROOM_ASC: &str = concat!(
    history_select!(),
    "WHERE m.room_id = ?1 AND m.id > ?2 ORDER BY m.id ASC LIMIT ?3"
);

// Private history. ?1 = lower user id, ?2 = higher user id, ?3 = id bound, ?4 = limit.
// The WHERE terms repeat the `messages_pair` index expressions exactly.
macro_rules! pair_where {
    () => {
        "WHERE m.recipient_id IS NOT NULL
           AND min(m.sender_id, m.recipient_id) = ?1
           AND max(m.sender_id, m.recipient_id) = ?2 "
    };
}
pub(crate) const PAIR_DESC: &str = concat!(
    history_select!(),
    pair_where!(),
    "AND m.id < ?3 ORDER BY m.id DESC LIMIT ?4"
);
pub(crate) const PAIR_ASC: &str = concat!(
    history_select!(),
    pair_where!(),
    "AND m.id > ?3 ORDER BY m.id ASC LIMIT ?4"
);

type RawMessage = (
    i64,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<StoredFile>,
);

fn raw_message(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        file_from_row(r, 7)?,
    ))
}

/// Runs a history query, returning rows oldest first.
fn history(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    descending: bool,
) -> Result<Vec<StoredMessage>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, raw_message)?;
    let mut out = rows
        .map(|row| {
            let (id, room, from, color, to, text, ts, file) = row?;
            Ok(StoredMessage {
                id,
                room,
                from,
                color,
                to,
                text,
                ts: parse_ts(&ts)?,
                file,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if descending {
        out.reverse();
    }
    Ok(out)
}

/// Splits a page into (id bound, limit, descending?).
fn bounds(page: Page) -> (i64, u32, bool) {
    match page {
        Page::Latest { limit } => (i64::MAX, limit, true),
        Page::Before { id, limit } => (id, limit, true),
        Page::After { id, limit } => (id, limit, false),
    }
}

impl Store {
    /// Stores a batch of messages in one transaction and returns their ids, in order.
    /// If any message is invalid (unknown room or user, both or neither of
    /// `room_id`/`recipient_id`), nothing is stored.
    pub fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<i64>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut ids = Vec::with_capacity(batch.len());
        {
            let mut stmt = tx.prepare_cached(INSERT)?;
            for m in batch {
                let id = stmt.insert(params![
                    m.room_id,
                    m.sender_id,
                    m.recipient_id,
                    m.text,
                    format_ts(m.ts),
                ])?;
                if let Some(file) = &m.file {
                    insert_attachment(&tx, id, file)?;
                }
                ids.push(id);
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// A page of a room's history, oldest first.
    pub fn room_history(&self, room_id: i64, page: Page) -> Result<Vec<StoredMessage>> {
        let (bound, limit, desc) = bounds(page);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let sql = if desc { ROOM_DESC } else { ROOM_ASC };
        history(&self.conn(), sql, &[&room_id, &bound, &limit], desc)
    }

    /// A page of the private conversation between users `a` and `b` (both directions),
    /// oldest first. Room messages are never included.
    pub fn private_history(&self, a: i64, b: i64, page: Page) -> Result<Vec<StoredMessage>> {
        let (bound, limit, desc) = bounds(page);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let sql = if desc { PAIR_DESC } else { PAIR_ASC };
        history(&self.conn(), sql, &[&lo, &hi, &bound, &limit], desc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The history queries must walk an index in id order: no full scan, no sort.
    #[test]
    fn history_queries_use_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        for (sql, index) in [
            (ROOM_DESC, "messages_room"),
            (ROOM_ASC, "messages_room"),
            (PAIR_DESC, "messages_pair"),
            (PAIR_ASC, "messages_pair"),
        ] {
            let n = sql.matches('?').count();
            let args: Vec<i64> = vec![1; n];
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(plan.contains(index), "{sql}\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql}\n{plan}");
            assert!(!plan.contains("SCAN m"), "{sql}\n{plan}");
        }
    }
}
