//! What happens to messages after they are sent: edits, deletions, mentions,
//! reactions, read marks with unread counts, and full-text search.

use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use crate::error::Result;
use crate::files::file_cols;
use crate::messages::{history_select, read_messages, StoredMessage};
use crate::ts::{format_ts, parse_ts};
use crate::Store;

/// One conversation: a room, or the private chat between two users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversation {
    /// A room, by row id.
    Room(i64),
    /// The private chat of user `me` with user `peer`.
    Private {
        /// The user asking.
        me: i64,
        /// The other user.
        peer: i64,
    },
}

/// Search runs over one conversation.
pub type SearchScope = Conversation;

/// One emoji on a message, and who gave it (in the order they did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionGroup {
    /// The emoji.
    pub emoji: String,
    /// Current names of the users who gave it.
    pub users: Vec<String>,
}

/// Who may see a message and what may be done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    /// Message id.
    pub id: i64,
    /// The room, for a room message.
    pub room_id: Option<i64>,
    /// The sender.
    pub sender_id: i64,
    /// The recipient, for a private message.
    pub recipient_id: Option<i64>,
    /// When it was sent.
    pub ts: OffsetDateTime,
    /// Already deleted.
    pub deleted: bool,
    /// It carries a file (its text is the file's description).
    pub has_file: bool,
}

/// What deleting a message let go of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedMessage {
    /// The SHA-256 of its file when no other message uses that content any
    /// more: its blob row is gone and the caller deletes the bytes.
    pub unused_blob: Option<String>,
}

/// Unread messages and mentions of one user in one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadCount {
    /// The room's name, for a room.
    pub room: Option<String>,
    /// The other user's name, for a private chat.
    pub with: Option<String>,
    /// The id of the last message read (everything up to it is read).
    pub last_read: i64,
    /// Messages from others after `last_read` (deleted ones excluded).
    pub unread: u64,
    /// How many of those mention the user (by name or through `@room`).
    pub mentions: u64,
}

/// Inserts the mention rows of message `id` (inside its transaction).
pub(crate) fn insert_mentions(tx: &Connection, id: i64, mentions: &[(i64, bool)]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO mentions (user_id, message_id, by_name) VALUES (?1, ?2, ?3)
         ON CONFLICT DO UPDATE SET by_name = max(by_name, excluded.by_name)",
    )?;
    for &(user_id, by_name) in mentions {
        stmt.execute(params![user_id, id, by_name])?;
    }
    Ok(())
}

/// Reactions of the messages with ids in `lo..=hi`, grouped per message.
pub(crate) fn reactions_between(
    conn: &Connection,
    lo: i64,
    hi: i64,
) -> Result<Vec<(i64, Vec<ReactionGroup>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT x.message_id, x.emoji, u.name, x.ts FROM reactions x JOIN users u ON u.id = x.user_id
         WHERE x.message_id BETWEEN ?1 AND ?2 ORDER BY x.message_id, x.ts, x.emoji, u.id",
    )?;
    let rows = stmt.query_map(params![lo, hi], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out: Vec<(i64, Vec<ReactionGroup>)> = Vec::new();
    for row in rows {
        let (id, emoji, user) = row?;
        if out.last().map(|(last, _)| *last) != Some(id) {
            out.push((id, Vec::new()));
        }
        let groups = &mut out.last_mut().expect("pushed above").1;
        match groups.iter_mut().find(|g| g.emoji == emoji) {
            Some(group) => group.users.push(user),
            None => groups.push(ReactionGroup {
                emoji,
                users: vec![user],
            }),
        }
    }
    Ok(out)
}

/// Turns what a user typed into an FTS5 query: every word must appear, the
/// last one as a prefix (so results follow typing). Each word is quoted, so
/// nothing typed is read as FTS syntax. `None` when there is no word.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    let (last, rest) = words.split_last()?;
    let mut query = String::new();
    for word in rest {
        query.push_str(&format!("\"{word}\" "));
    }
    query.push_str(&format!("\"{last}\"*"));
    Some(query)
}

/// Messages not yet in the search index at which [`Store::index_pending`]
/// with `at_least` = this indexes them (the persist thread's threshold).
/// Small enough that one step seldom holds up the messages queued behind it
/// (steps of 512 took 1–3.5 ms, a visible share of the open-loop p99; a step
/// of 128 still passes 1 ms now and then, when FTS5 merges segments), large
/// enough that the index grows by segments of many rows.
pub const INDEX_BATCH: i64 = 128;

/// Adds the messages after `fts_state.indexed_to` to the search index, in the
/// caller's transaction.
fn index_in(tx: &Connection) -> Result<usize> {
    let added = tx.execute(
        "INSERT INTO messages_fts(rowid, text)
         SELECT id, text FROM messages WHERE id > (SELECT indexed_to FROM fts_state)",
        [],
    )?;
    tx.execute(
        "UPDATE fts_state SET indexed_to = (SELECT coalesce(max(id), 0) FROM messages)",
        [],
    )?;
    Ok(added)
}

impl Store {
    /// Brings the search index up to date when at least `at_least` messages
    /// wait for it (0: always), in one transaction; returns how many were
    /// added. The message pipeline calls it with [`INDEX_BATCH`] after storing
    /// a batch, so the index grows by large segments instead of one per
    /// commit; search, edits and deletions call it with 0 first, so they
    /// always see every message.
    pub fn index_pending(&self, at_least: i64) -> Result<usize> {
        let conn = self.conn();
        if at_least > 0 {
            // Asked after every stored batch: a cached statement.
            let pending: i64 = conn
                .prepare_cached(
                    "SELECT coalesce(max(id), 0) - (SELECT indexed_to FROM fts_state) FROM messages",
                )?
                .query_row([], |r| r.get(0))?;
            if pending < at_least {
                return Ok(0);
            }
        }
        crate::hot_tx::in_transaction(&conn, index_in)
    }

    /// What is needed to decide whether a user may edit, delete, react to or
    /// read message `id`.
    pub fn message_meta(&self, id: i64) -> Result<Option<MessageMeta>> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT m.id, m.room_id, m.sender_id, m.recipient_id, m.ts, m.deleted IS NOT NULL,
                        EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)
                 FROM messages m WHERE m.id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })
            .optional()?;
        row.map(
            |(id, room_id, sender_id, recipient_id, ts, deleted, has_file)| {
                Ok(MessageMeta {
                    id,
                    room_id,
                    sender_id,
                    recipient_id,
                    ts: parse_ts(&ts)?,
                    deleted,
                    has_file,
                })
            },
        )
        .transpose()
    }

    /// One message as history shows it.
    pub fn message(&self, id: i64) -> Result<Option<StoredMessage>> {
        let sql = concat!(history_select!(), "WHERE m.id = ?1");
        Ok(read_messages(&self.conn(), sql, &[&id])?.pop())
    }

    /// Replaces the text (and so the mentions) of message `id`, marking it edited.
    pub fn edit_message(
        &self,
        id: i64,
        text: &str,
        mentions: &[(i64, bool)],
        mention_room: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        let conn = self.conn();
        crate::hot_tx::in_transaction(&conn, |tx| {
            // The update trigger takes the old text out of the index: it must be in it.
            index_in(tx)?;
            let changed = tx.execute(
                "UPDATE messages SET text = ?2, edited = ?3, mention_room = ?4
                 WHERE id = ?1 AND deleted IS NULL",
                params![id, text, format_ts(now), mention_room],
            )?;
            crate::expect_changed(changed)?;
            tx.execute("DELETE FROM mentions WHERE message_id = ?1", [id])?;
            insert_mentions(tx, id, mentions)
        })
    }

    /// Deletes message `id`: its text is erased (overwritten in the file,
    /// removed from the search index, and the write-ahead log truncated so no
    /// old copy of the page stays there), its mentions, reactions and file go.
    /// The row stays, so history can say "message deleted" in its place.
    pub fn delete_message(&self, id: i64, now: OffsetDateTime) -> Result<DeletedMessage> {
        let conn = self.conn();
        let unused_blob = crate::hot_tx::in_transaction(&conn, |tx| {
            index_in(tx)?;
            let changed = tx.execute(
                "UPDATE messages SET text = '', deleted = ?2, edited = NULL, mention_room = 0
                 WHERE id = ?1 AND deleted IS NULL",
                params![id, format_ts(now)],
            )?;
            crate::expect_changed(changed)?;
            tx.execute("DELETE FROM mentions WHERE message_id = ?1", [id])?;
            tx.execute("DELETE FROM reactions WHERE message_id = ?1", [id])?;
            let sha256: Option<String> = tx
                .query_row(
                    "SELECT sha256 FROM attachments WHERE message_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute("DELETE FROM attachments WHERE message_id = ?1", [id])?;
            let mut unused_blob = None;
            if let Some(sha256) = sha256 {
                let still_used: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
                    [&sha256],
                    |r| r.get(0),
                )?;
                if !still_used {
                    tx.execute("DELETE FROM blobs WHERE sha256 = ?1", [&sha256])?;
                    unused_blob = Some(sha256);
                }
            }
            Ok(unused_blob)
        })?;
        // The log still holds the pages as they were before; fold it into the
        // main file (where secure_delete zeroed the old text) and empty it.
        if !crate::checkpointer::truncate_log(&conn)? {
            tracing::warn!(
                message = id,
                "the log still holds a deleted message's old text (busy for 5 s); the next checkpoint overwrites it"
            );
        }
        Ok(DeletedMessage { unused_blob })
    }

    /// Gives or takes back `user_id`'s `emoji` on message `id`, and returns
    /// the message's reactions after. Refuses (returns `None`) a new emoji
    /// when the message already has `max_emojis` different ones.
    pub fn toggle_reaction(
        &self,
        id: i64,
        user_id: i64,
        emoji: &str,
        max_emojis: usize,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<ReactionGroup>>> {
        let conn = self.conn();
        crate::hot_tx::in_transaction(&conn, |tx| {
            let removed = tx.execute(
                "DELETE FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji = ?3",
                params![id, user_id, emoji],
            )?;
            if removed == 0 {
                let (distinct, has_it): (i64, bool) = tx.query_row(
                    "SELECT count(DISTINCT emoji), coalesce(max(emoji = ?2), 0)
                     FROM reactions WHERE message_id = ?1",
                    params![id, emoji],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if !has_it && distinct as usize >= max_emojis {
                    return Ok(None);
                }
                tx.execute(
                    "INSERT INTO reactions (message_id, user_id, emoji, ts) VALUES (?1, ?2, ?3, ?4)",
                    params![id, user_id, emoji, format_ts(now)],
                )?;
            }
            let groups = reactions_between(tx, id, id)?
                .pop()
                .map(|(_, groups)| groups)
                .unwrap_or_default();
            Ok(Some(groups))
        })
    }

    /// Marks everything up to message `id` read for `user_id` in `conv`
    /// (a mark never moves back), and returns the counts after.
    pub fn mark_read(&self, user_id: i64, conv: Conversation, id: i64) -> Result<UnreadCount> {
        {
            let conn = self.conn();
            match conv {
                Conversation::Room(room_id) => conn.execute(
                    "INSERT INTO read_marks (user_id, room_id, last_read) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, room_id) WHERE room_id IS NOT NULL
                     DO UPDATE SET last_read = max(last_read, excluded.last_read)",
                    params![user_id, room_id, id],
                )?,
                Conversation::Private { peer, .. } => conn.execute(
                    "INSERT INTO read_marks (user_id, peer_id, last_read) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, peer_id) WHERE peer_id IS NOT NULL
                     DO UPDATE SET last_read = max(last_read, excluded.last_read)",
                    params![user_id, peer, id],
                )?,
            };
        }
        self.unread_in(user_id, conv)
    }

    /// Unread counts of `user_id` in one conversation.
    pub fn unread_in(&self, user_id: i64, conv: Conversation) -> Result<UnreadCount> {
        let conn = self.conn();
        count_unread(&conn, user_id, conv)
    }

    /// Unread counts of `user_id` in every room and private chat that has
    /// unread messages or mentions.
    pub fn unread_counts(&self, user_id: i64) -> Result<Vec<UnreadCount>> {
        let conn = self.conn();
        let floor: i64 = conn.query_row(
            "SELECT read_floor FROM users WHERE id = ?1",
            [user_id],
            |r| r.get(0),
        )?;
        let mut convs: Vec<Conversation> = conn
            .prepare_cached("SELECT id FROM rooms ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .map(|id| id.map(Conversation::Room))
            .collect::<rusqlite::Result<_>>()?;
        let peers: Vec<i64> = conn
            .prepare_cached(
                "SELECT DISTINCT sender_id FROM messages
                 WHERE recipient_id = ?1 AND id > ?2 AND deleted IS NULL",
            )?
            .query_map(params![user_id, floor], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        convs.extend(
            peers
                .into_iter()
                .map(|peer| Conversation::Private { me: user_id, peer }),
        );
        let mut out = Vec::new();
        for conv in convs {
            let count = count_unread(&conn, user_id, conv)?;
            if count.unread > 0 || count.mentions > 0 {
                out.push(count);
            }
        }
        Ok(out)
    }

    /// Messages of `scope` whose text matches `query` (see [`fts_query`]),
    /// newest first, below id `before` when given.
    pub fn search(
        &self,
        scope: SearchScope,
        query: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let before = before.unwrap_or(i64::MAX);
        self.index_pending(0)?;
        let conn = self.conn();
        match scope {
            Conversation::Room(room_id) => {
                let sql = concat!(
                    history_select!(),
                    "WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)
                       AND m.room_id = ?2 AND m.id < ?3 AND m.deleted IS NULL
                     ORDER BY m.id DESC LIMIT ?4"
                );
                read_messages(&conn, sql, &[&fts, &room_id, &before, &limit])
            }
            Conversation::Private { me, peer } => {
                let sql = concat!(
                    history_select!(),
                    "WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)
                       AND m.recipient_id IS NOT NULL
                       AND min(m.sender_id, m.recipient_id) = ?2
                       AND max(m.sender_id, m.recipient_id) = ?3
                       AND m.id < ?4 AND m.deleted IS NULL
                     ORDER BY m.id DESC LIMIT ?5"
                );
                let (lo, hi) = (me.min(peer), me.max(peer));
                read_messages(&conn, sql, &[&fts, &lo, &hi, &before, &limit])
            }
        }
    }
}

/// Counts one conversation's unread messages and mentions for `user_id`.
fn count_unread(conn: &Connection, user_id: i64, conv: Conversation) -> Result<UnreadCount> {
    let (room_id, peer_id) = match conv {
        Conversation::Room(room) => (Some(room), None),
        Conversation::Private { peer, .. } => (None, Some(peer)),
    };
    let (last_read, name): (i64, String) = conn
        .prepare_cached(
            "SELECT max(u.read_floor, coalesce(
                        (SELECT last_read FROM read_marks k WHERE k.user_id = u.id
                           AND (k.room_id = ?2 OR k.peer_id = ?3)), 0)),
                    coalesce((SELECT name FROM rooms WHERE id = ?2),
                             (SELECT name FROM users WHERE id = ?3), '')
             FROM users u WHERE u.id = ?1",
        )?
        .query_row(params![user_id, room_id, peer_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (unread, mentions): (i64, i64) = match conv {
        // Two counts: the unread messages from the room's index, and the
        // mentions from the user's own (few) mention rows after the read mark,
        // instead of probing the mentions for every unread message. Every
        // login counts every room, so this is on the path of a crowd
        // reconnecting at once.
        Conversation::Room(room) => (
            conn.prepare_cached(
                "SELECT count(*) FROM messages m
                 WHERE m.room_id = ?1 AND m.id > ?2 AND m.sender_id <> ?3 AND m.deleted IS NULL",
            )?
            .query_row(params![room, last_read, user_id], |r| r.get(0))?,
            conn.prepare_cached(
                "SELECT count(*) FROM mentions x CROSS JOIN messages m ON m.id = x.message_id
                 WHERE x.user_id = ?3 AND x.message_id > ?2
                   AND m.room_id = ?1 AND m.sender_id <> ?3 AND m.deleted IS NULL",
            )?
            .query_row(params![room, last_read, user_id], |r| r.get(0))?,
        ),
        // A private message is addressed to the user anyway: no mentions.
        Conversation::Private { peer, .. } => (
            conn.prepare_cached(
                "SELECT count(*) FROM messages m
                 WHERE m.recipient_id = ?1 AND m.sender_id = ?2 AND m.id > ?3
                   AND m.deleted IS NULL",
            )?
            .query_row(params![user_id, peer, last_read], |r| r.get(0))?,
            0,
        ),
    };
    let (room, with) = match conv {
        Conversation::Room(_) => (Some(name), None),
        Conversation::Private { .. } => (None, Some(name)),
    };
    Ok(UnreadCount {
        room,
        with,
        last_read,
        unread: unread as u64,
        mentions: mentions as u64,
    })
}
