//! Login sessions: one row per connection, from login to logout.

use rusqlite::{params, OptionalExtension};
use time::OffsetDateTime;

use crate::error::{Result, StorageError};
use crate::ts::{format_ts, parse_ts};
use crate::{expect_changed, Store};

/// One row of the sessions table: a login, from its start to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRecord {
    /// Row id.
    pub id: i64,
    /// The user who logged in.
    pub user_id: i64,
    /// Peer IP address.
    pub ip: String,
    /// Peer port.
    pub port: u16,
    /// When the login succeeded.
    pub login: OffsetDateTime,
    /// When the session ended; `None` while it is open (or if the server died).
    pub logout: Option<OffsetDateTime>,
    /// Why it ended (`quit`, `kicked`, `disconnect`, ...).
    pub end_reason: Option<String>,
}

impl Store {
    /// Records a login and returns the session id.
    pub fn session_start(
        &self,
        user_id: i64,
        ip: &str,
        port: u16,
        ts: OffsetDateTime,
    ) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO sessions (user_id, ip, port, login_ts) VALUES (?1, ?2, ?3, ?4)",
            params![user_id, ip, port, format_ts(ts)],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Records the end of a session.
    pub fn session_end(&self, session_id: i64, ts: OffsetDateTime, reason: &str) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE sessions SET logout_ts = ?1, end_reason = ?2 WHERE id = ?3",
            params![format_ts(ts), reason, session_id],
        )?;
        expect_changed(n)
    }

    /// Ends every session still open (e.g. left over from a crash); returns how many.
    pub fn end_open_sessions(&self, ts: OffsetDateTime, reason: &str) -> Result<u64> {
        let n = self.conn().execute(
            "UPDATE sessions SET logout_ts = ?1, end_reason = ?2 WHERE logout_ts IS NULL",
            params![format_ts(ts), reason],
        )?;
        Ok(n as u64)
    }

    /// Looks a session up by id.
    pub fn session_by_id(&self, session_id: i64) -> Result<Option<LoginRecord>> {
        type Raw = (
            i64,
            i64,
            String,
            i64,
            String,
            Option<String>,
            Option<String>,
        );
        let raw: Option<Raw> = self
            .conn()
            .prepare_cached(
                "SELECT id, user_id, ip, port, login_ts, logout_ts, end_reason
                 FROM sessions WHERE id = ?1",
            )?
            .query_row([session_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()?;
        let Some((id, user_id, ip, port, login, logout, end_reason)) = raw else {
            return Ok(None);
        };
        Ok(Some(LoginRecord {
            id,
            user_id,
            ip,
            port: u16::try_from(port)
                .map_err(|_| StorageError::Corrupt(format!("session {id}: bad port {port}")))?,
            login: parse_ts(&login)?,
            logout: logout.as_deref().map(parse_ts).transpose()?,
            end_reason,
        }))
    }
}
