//! Chat rooms.

use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::error::{map_unique, Result};
use crate::ts::{format_ts, parse_ts};
use crate::{name_key, Store};

/// The room every database has; created by [`Store::open`].
pub const LOBBY: &str = "lobby";

/// A stored room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Row id (the lobby has the lowest id).
    pub id: i64,
    /// Room name, with the case it was created with.
    pub name: String,
    /// The uniqueness key of the name ([`crate::name_key`], or, for a name an
    /// upgrade found clashing, a key of its own).
    pub key: String,
    /// When the room was created.
    pub created: OffsetDateTime,
}

type RawRoom = (i64, String, String, String);

fn raw_room(row: &Row<'_>) -> rusqlite::Result<RawRoom> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn decode((id, name, key, created): RawRoom) -> Result<Room> {
    Ok(Room {
        id,
        name,
        key,
        created: parse_ts(&created)?,
    })
}

/// Creates the lobby if it does not exist yet.
pub(crate) fn ensure_lobby(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO rooms (name, name_key, created) VALUES (?1, ?2, ?3)",
        params![LOBBY, name_key(LOBBY), format_ts(OffsetDateTime::now_utc())],
    )?;
    Ok(())
}

impl Store {
    /// Creates a room. [`crate::StorageError::NameTaken`] if a room with the same
    /// [`name_key`] exists.
    pub fn create_room(&self, name: &str) -> Result<Room> {
        let created = parse_ts(&format_ts(OffsetDateTime::now_utc()))?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO rooms (name, name_key, created) VALUES (?1, ?2, ?3)",
            params![name, name_key(name), format_ts(created)],
        )
        .map_err(map_unique)?;
        Ok(Room {
            id: conn.last_insert_rowid(),
            name: name.to_owned(),
            key: name_key(name),
            created,
        })
    }

    /// All rooms, ordered by id (the lobby first).
    pub fn rooms(&self) -> Result<Vec<Room>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id, name, name_key, created FROM rooms ORDER BY id")?;
        let raws = stmt.query_map([], raw_room)?;
        raws.map(|raw| decode(raw?)).collect()
    }

    /// Looks a room up by name: the room spelled exactly so, else the one with
    /// the same [`name_key`].
    pub fn room_by_name(&self, name: &str) -> Result<Option<Room>> {
        let raw = self
            .conn()
            .prepare_cached(
                "SELECT id, name, name_key, created FROM rooms WHERE name = ?1 OR name_key = ?2
                 ORDER BY name = ?1 DESC, id LIMIT 1",
            )?
            .query_row(params![name, name_key(name)], raw_room)
            .optional()?;
        raw.map(decode).transpose()
    }
}
