//! Room and private messages: batched inserts and paged history.

use rusqlite::{params, Connection, Row};
use time::OffsetDateTime;

use crate::conversation::ReactionGroup;
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
    /// Users the text mentions: `(user id, by name)`; `false` for someone
    /// mentioned only through `@room`.
    pub mentions: Vec<(i64, bool)>,
    /// Whether the text mentions the whole room (`@room`).
    pub mention_room: bool,
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
    /// When it was last edited.
    pub edited: Option<OffsetDateTime>,
    /// Deleted: the text is erased (empty) and the file gone.
    pub deleted: bool,
    /// Current names of the users mentioned by name, in id order.
    pub mentions: Vec<String>,
    /// Whether it mentions the whole room.
    pub mention_room: bool,
    /// Reactions, in the order they were first given.
    pub reactions: Vec<ReactionGroup>,
}

const INSERT: &str =
    "INSERT INTO messages (room_id, sender_id, recipient_id, text, ts, mention_room)
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Shared SELECT list and joins; `m` is the messages table.
macro_rules! history_select {
    () => {
        concat!(
            "SELECT m.id, r.name, s.name, s.color, t.name, m.text, m.ts, ",
            "m.edited, m.deleted IS NOT NULL, m.mention_room, ",
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

pub(crate) use history_select;

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

/// A row of [`history_select!`], before its timestamps are parsed.
struct RawMessage {
    id: i64,
    room: Option<String>,
    from: String,
    color: String,
    to: Option<String>,
    text: String,
    ts: String,
    edited: Option<String>,
    deleted: bool,
    mention_room: bool,
    file: Option<StoredFile>,
}

fn raw_message(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        id: r.get(0)?,
        room: r.get(1)?,
        from: r.get(2)?,
        color: r.get(3)?,
        to: r.get(4)?,
        text: r.get(5)?,
        ts: r.get(6)?,
        edited: r.get(7)?,
        deleted: r.get(8)?,
        mention_room: r.get(9)?,
        file: file_from_row(r, 10)?,
    })
}

impl RawMessage {
    fn decode(self) -> Result<StoredMessage> {
        Ok(StoredMessage {
            id: self.id,
            room: self.room,
            from: self.from,
            color: self.color,
            to: self.to,
            text: self.text,
            ts: parse_ts(&self.ts)?,
            edited: self.edited.as_deref().map(parse_ts).transpose()?,
            deleted: self.deleted,
            mentions: Vec::new(),
            mention_room: self.mention_room,
            reactions: Vec::new(),
            file: if self.deleted { None } else { self.file },
        })
    }
}

/// Runs a query of [`history_select!`] rows (in the order the query gives),
/// with each message's mentions and reactions.
pub(crate) fn read_messages(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredMessage>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, raw_message)?;
    let mut out = rows.map(|row| row?.decode()).collect::<Result<Vec<_>>>()?;
    add_mentions_and_reactions(conn, &mut out)?;
    Ok(out)
}

/// Runs a history query, returning rows oldest first.
fn history(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    descending: bool,
) -> Result<Vec<StoredMessage>> {
    let mut out = read_messages(conn, sql, params)?;
    if descending {
        out.reverse();
    }
    Ok(out)
}

/// Fills in the mentions and reactions of `messages` with one range query
/// each (a page's ids are close together).
fn add_mentions_and_reactions(conn: &Connection, messages: &mut [StoredMessage]) -> Result<()> {
    let (Some(lo), Some(hi)) = (
        messages.iter().map(|m| m.id).min(),
        messages.iter().map(|m| m.id).max(),
    ) else {
        return Ok(());
    };
    let at: std::collections::HashMap<i64, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id, i))
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT x.message_id, u.name FROM mentions x JOIN users u ON u.id = x.user_id
         WHERE x.message_id BETWEEN ?1 AND ?2 AND x.by_name ORDER BY x.message_id, u.id",
    )?;
    let rows = stmt.query_map(params![lo, hi], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (id, name) = row?;
        if let Some(&i) = at.get(&id) {
            messages[i].mentions.push(name);
        }
    }
    let reactions = crate::conversation::reactions_between(conn, lo, hi)?;
    for (id, groups) in reactions {
        if let Some(&i) = at.get(&id) {
            messages[i].reactions = groups;
        }
    }
    Ok(())
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
        let conn = self.conn();
        let ids = crate::hot_tx::in_transaction(&conn, |tx| {
            let mut ids = Vec::with_capacity(batch.len());
            let mut stmt = tx.prepare_cached(INSERT)?;
            for m in batch {
                let id = stmt.insert(params![
                    m.room_id,
                    m.sender_id,
                    m.recipient_id,
                    m.text,
                    format_ts(m.ts),
                    m.mention_room,
                ])?;
                if let Some(file) = &m.file {
                    insert_attachment(tx, id, file)?;
                }
                crate::conversation::insert_mentions(tx, id, &m.mentions)?;
                ids.push(id);
            }
            Ok(ids)
        })?;
        self.checkpointer.committed();
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
