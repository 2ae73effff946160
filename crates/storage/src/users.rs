//! User accounts: creation, lookup, profile changes, roles and kicks.

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::error::{map_unique, Result, StorageError};
use crate::ts::{format_ts, parse_ts};
use crate::{expect_changed, name_key, Store};

/// Value stored in `kicked_until` for a kick without an end time.
const KICK_FOREVER: &str = "forever";

/// Columns read by [`user_from_row`], in order.
const USER_COLS: &str =
    "id, name, name_key, pw_hash, color, role, created, kicked_until, kick_reason, kicked_by";

/// What a user may do on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The server owner (the first account); exactly one is expected.
    Owner,
    /// May moderate (kick, manage rooms).
    Admin,
    /// An ordinary user.
    Member,
}

impl Role {
    /// The stored spelling: `"owner"`, `"admin"` or `"member"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error from parsing a [`Role`]: the text was not `owner`, `admin` or `member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseRoleError(pub String);

impl fmt::Display for ParseRoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown role {:?}", self.0)
    }
}

impl std::error::Error for ParseRoleError {}

impl FromStr for Role {
    type Err = ParseRoleError;

    /// Parses `owner`, `admin` or `member` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("owner") {
            Ok(Role::Owner)
        } else if s.eq_ignore_ascii_case("admin") {
            Ok(Role::Admin)
        } else if s.eq_ignore_ascii_case("member") {
            Ok(Role::Member)
        } else {
            Err(ParseRoleError(s.to_owned()))
        }
    }
}

/// A kick (temporary or indefinite ban) recorded on a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KickState {
    /// When the kick ends; `None` means it lasts until cleared.
    pub until: Option<OffsetDateTime>,
    /// The reason given by the moderator.
    pub reason: String,
    /// The name of the moderator who kicked.
    pub by: String,
}

/// A stored user account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Display name, with the case the user chose.
    pub name: String,
    /// The uniqueness key of the name ([`crate::name_key`], or, for a name an
    /// upgrade found clashing, a key of its own).
    pub key: String,
    /// Display colour (format chosen by the server, e.g. `#a0c4ff`).
    pub color: String,
    /// Permission level.
    pub role: Role,
    /// When the account was created.
    pub created: OffsetDateTime,
    /// Password hash (PHC string). Never shown by `Debug`.
    pub pw_hash: String,
    /// The current kick, if one is recorded (it may have expired; the caller checks `until`).
    pub kick: Option<KickState>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("key", &self.key)
            .field("color", &self.color)
            .field("role", &self.role)
            .field("created", &self.created)
            .field("pw_hash", &"<redacted>")
            .field("kick", &self.kick)
            .finish()
    }
}

/// The fields needed to create a user.
#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    /// Display name; must be unique case-insensitively.
    pub name: &'a str,
    /// Password hash (PHC string).
    pub pw_hash: &'a str,
    /// Display colour.
    pub color: &'a str,
    /// Initial role.
    pub role: Role,
}

impl fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("pw_hash", &"<redacted>")
            .field("color", &self.color)
            .field("role", &self.role)
            .finish()
    }
}

/// Raw column values of a user row, decoded outside the rusqlite closure so that
/// decoding errors become [`StorageError::Corrupt`].
struct RawUser {
    id: i64,
    name: String,
    key: String,
    pw_hash: String,
    color: String,
    role: String,
    created: String,
    kicked_until: Option<String>,
    kick_reason: Option<String>,
    kicked_by: Option<String>,
}

fn raw_user(row: &Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        id: row.get(0)?,
        name: row.get(1)?,
        key: row.get(2)?,
        pw_hash: row.get(3)?,
        color: row.get(4)?,
        role: row.get(5)?,
        created: row.get(6)?,
        kicked_until: row.get(7)?,
        kick_reason: row.get(8)?,
        kicked_by: row.get(9)?,
    })
}

impl RawUser {
    fn decode(self) -> Result<User> {
        let role = self
            .role
            .parse()
            .map_err(|e: ParseRoleError| StorageError::Corrupt(format!("user {}: {e}", self.id)))?;
        let kick = match self.kicked_until {
            None => None,
            Some(until) => Some(KickState {
                until: if until == KICK_FOREVER {
                    None
                } else {
                    Some(parse_ts(&until)?)
                },
                reason: self.kick_reason.unwrap_or_default(),
                by: self.kicked_by.unwrap_or_default(),
            }),
        };
        Ok(User {
            id: self.id,
            name: self.name,
            key: self.key,
            color: self.color,
            role,
            created: parse_ts(&self.created)?,
            pw_hash: self.pw_hash,
            kick,
        })
    }
}

impl Store {
    /// Creates a user. Fails with [`StorageError::NameTaken`] if a user with the same
    /// [`name_key`] exists (enforced by a UNIQUE index, so check and insert are atomic).
    pub fn create_user(&self, new: &NewUser<'_>) -> Result<User> {
        // Round-trip through the stored format so the returned value equals a later read.
        let created = parse_ts(&format_ts(OffsetDateTime::now_utc()))?;
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO users (name, name_key, pw_hash, color, role, created, read_floor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(id), 0) FROM messages))",
        )?
        .execute(params![
            new.name,
            name_key(new.name),
            new.pw_hash,
            new.color,
            new.role.as_str(),
            format_ts(created),
        ])
        .map_err(map_unique)?;
        Ok(User {
            id: conn.last_insert_rowid(),
            name: new.name.to_owned(),
            key: name_key(new.name),
            color: new.color.to_owned(),
            role: new.role,
            created,
            pw_hash: new.pw_hash.to_owned(),
            kick: None,
        })
    }

    /// Looks a user up by name: the account spelled exactly so, else the one
    /// with the same [`name_key`] (case and look-alike forms ignored).
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users WHERE name = ?1 OR name_key = ?2
             ORDER BY name = ?1 DESC, id LIMIT 1"
        );
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![name, name_key(name)], raw_user)
            .optional()?;
        raw.map(RawUser::decode).transpose()
    }

    /// Looks a user up by row id.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        self.user_where("id = ?1", id)
    }

    /// The owner account, if one exists (the lowest id if several do).
    pub fn owner(&self) -> Result<Option<User>> {
        self.user_where("role = ?1 ORDER BY id LIMIT 1", Role::Owner.as_str())
    }

    /// Number of user accounts.
    pub fn user_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
        u64::try_from(n).map_err(|_| StorageError::Corrupt(format!("negative user count {n}")))
    }

    fn user_where(&self, cond: &str, arg: impl rusqlite::ToSql) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE {cond}");
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([arg], raw_user)
            .optional()?;
        raw.map(RawUser::decode).transpose()
    }

    /// Sets a user's display colour.
    pub fn set_color(&self, user_id: i64, color: &str) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE users SET color = ?1 WHERE id = ?2",
            params![color, user_id],
        )?;
        expect_changed(n)
    }

    /// Renames a user. [`StorageError::NameTaken`] if another user has the same
    /// [`name_key`]; changing only the case of one's own name is allowed.
    /// Message history follows, since messages refer to the user by id.
    pub fn rename_user(&self, user_id: i64, new_name: &str) -> Result<()> {
        let n = self
            .conn()
            .execute(
                "UPDATE users SET name = ?1, name_key = ?2 WHERE id = ?3",
                params![new_name, name_key(new_name), user_id],
            )
            .map_err(map_unique)?;
        expect_changed(n)
    }

    /// Replaces a user's password hash.
    pub fn set_password_hash(&self, user_id: i64, pw_hash: &str) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE users SET pw_hash = ?1 WHERE id = ?2",
            params![pw_hash, user_id],
        )?;
        expect_changed(n)
    }

    /// Changes a user's role.
    pub fn set_role(&self, user_id: i64, role: Role) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE users SET role = ?1 WHERE id = ?2",
            params![role.as_str(), user_id],
        )?;
        expect_changed(n)
    }

    /// Records a kick on a user; `until = None` kicks until [`Store::clear_kick`].
    /// Replaces any previous kick.
    pub fn set_kick(
        &self,
        user_id: i64,
        until: Option<OffsetDateTime>,
        reason: &str,
        by: &str,
    ) -> Result<()> {
        let until = until.map_or_else(|| KICK_FOREVER.to_owned(), format_ts);
        let n = self.conn().execute(
            "UPDATE users SET kicked_until = ?1, kick_reason = ?2, kicked_by = ?3 WHERE id = ?4",
            params![until, reason, by, user_id],
        )?;
        expect_changed(n)
    }

    /// Removes any kick from a user.
    pub fn clear_kick(&self, user_id: i64) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE users SET kicked_until = NULL, kick_reason = NULL, kicked_by = NULL
             WHERE id = ?1",
            params![user_id],
        )?;
        expect_changed(n)
    }
}
