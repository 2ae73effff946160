//! Signed-in devices: login tokens a user can reconnect with instead of a
//! password. Only a hash of each token is stored (the server computes it); a
//! revoked device stays in the table, marked, so the audit trail keeps its name.

use rusqlite::{params, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::error::Result;
use crate::ts::{format_ts, parse_ts};
use crate::Store;

/// A device a user signed in from.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    /// Row id.
    pub id: i64,
    /// Whose device it is.
    pub user_id: i64,
    /// The name the device gave itself ("alice's laptop").
    pub name: String,
    /// The hash of its token (hex SHA-256). Never shown by `Debug`.
    pub token_hash: String,
    /// When the token was issued.
    pub created: OffsetDateTime,
    /// When the token was last used to log in (or issued).
    pub last_used: OffsetDateTime,
    /// The address it last logged in from.
    pub last_ip: Option<String>,
    /// True once the token was revoked: it no longer logs in.
    pub revoked: bool,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("token_hash", &"<redacted>")
            .field("created", &self.created)
            .field("last_used", &self.last_used)
            .field("last_ip", &self.last_ip)
            .field("revoked", &self.revoked)
            .finish()
    }
}

const DEVICE_COLS: &str =
    "id, user_id, name, token_hash, created, last_used, last_ip, revoked IS NOT NULL";

type RawDevice = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
);

fn raw_device(r: &Row<'_>) -> rusqlite::Result<RawDevice> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn decode(
    (id, user_id, name, token_hash, created, last_used, last_ip, revoked): RawDevice,
) -> Result<Device> {
    Ok(Device {
        id,
        user_id,
        name,
        token_hash,
        created: parse_ts(&created)?,
        last_used: parse_ts(&last_used)?,
        last_ip,
        revoked,
    })
}

impl Store {
    /// Records a new device of `user_id` with the hash of its token.
    pub fn add_device(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        ip: Option<&str>,
        ts: OffsetDateTime,
    ) -> Result<Device> {
        let ts = parse_ts(&format_ts(ts))?;
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO devices (user_id, name, token_hash, created, last_used, last_ip)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        )?
        .execute(params![user_id, name, token_hash, format_ts(ts), ip])?;
        Ok(Device {
            id: conn.last_insert_rowid(),
            user_id,
            name: name.to_owned(),
            token_hash: token_hash.to_owned(),
            created: ts,
            last_used: ts,
            last_ip: ip.map(str::to_owned),
            revoked: false,
        })
    }

    /// The device whose token has this hash, revoked or not (see [`Device::revoked`]).
    pub fn device_by_token_hash(&self, token_hash: &str) -> Result<Option<Device>> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1");
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([token_hash], raw_device)
            .optional()?;
        raw.map(decode).transpose()
    }

    /// Notes that a device's token was just used from `ip`.
    pub fn touch_device(&self, id: i64, ip: Option<&str>, ts: OffsetDateTime) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE devices SET last_used = ?1, last_ip = ?2 WHERE id = ?3")?
            .execute(params![format_ts(ts), ip, id])?;
        Ok(())
    }

    /// The devices of `user_id` that are still signed in, most recently used first.
    pub fn devices_of(&self, user_id: i64) -> Result<Vec<Device>> {
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE user_id = ?1 AND revoked IS NULL
             ORDER BY last_used DESC, id DESC"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let raws = stmt.query_map([user_id], raw_device)?;
        raws.map(|raw| decode(raw?)).collect()
    }

    /// Revokes device `id` of `user_id`; returns it, or `None` when the user has
    /// no such device signed in.
    pub fn revoke_device(
        &self,
        user_id: i64,
        id: i64,
        ts: OffsetDateTime,
    ) -> Result<Option<Device>> {
        let sql = format!(
            "UPDATE devices SET revoked = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked IS NULL
             RETURNING {DEVICE_COLS}"
        );
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![format_ts(ts), id, user_id], raw_device)
            .optional()?;
        raw.map(decode).transpose()
    }

    /// Revokes every device of `user_id`; returns their names.
    pub fn revoke_all_devices(&self, user_id: i64, ts: OffsetDateTime) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "UPDATE devices SET revoked = ?1 WHERE user_id = ?2 AND revoked IS NULL RETURNING name",
        )?;
        let names = stmt.query_map(params![format_ts(ts), user_id], |r| r.get(0))?;
        Ok(names.collect::<rusqlite::Result<_>>()?)
    }
}
