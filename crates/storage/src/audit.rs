//! The audit log: security-relevant events (logins, failures, kicks, role changes).

use rusqlite::params;
use time::OffsetDateTime;

use crate::error::{Result, StorageError};
use crate::ts::{format_ts, parse_ts};
use crate::Store;

/// An audit event to record.
#[derive(Debug, Clone, Copy)]
pub struct NewAudit<'a> {
    /// When it happened.
    pub ts: OffsetDateTime,
    /// What happened (`login`, `login_failed`, `kick`, ...; chosen by the server).
    pub kind: &'a str,
    /// The user the event is about.
    pub user: &'a str,
    /// The user who caused it, if someone else did.
    pub by: Option<&'a str>,
    /// Peer IP address, if relevant.
    pub ip: Option<&'a str>,
    /// Peer port, if relevant.
    pub port: Option<u16>,
    /// Free-form detail.
    pub detail: Option<&'a str>,
}

/// A stored audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Row id (increasing with insertion order).
    pub id: i64,
    /// When it happened.
    pub ts: OffsetDateTime,
    /// What happened.
    pub kind: String,
    /// The user the event is about.
    pub user: String,
    /// The user who caused it, if someone else did.
    pub by: Option<String>,
    /// Peer IP address, if recorded.
    pub ip: Option<String>,
    /// Peer port, if recorded.
    pub port: Option<u16>,
    /// Free-form detail.
    pub detail: Option<String>,
}

impl Store {
    /// Appends an event to the audit log.
    pub fn audit(&self, entry: &NewAudit<'_>) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO audit (ts, kind, user, by_user, ip, port, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                format_ts(entry.ts),
                entry.kind,
                entry.user,
                entry.by,
                entry.ip,
                entry.port,
                entry.detail,
            ])?;
        Ok(())
    }

    /// The `limit` most recent audit events, newest first.
    pub fn audit_recent(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        type Raw = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, ts, kind, user, by_user, ip, port, detail
             FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
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
        })?;
        rows.map(|row| {
            let (id, ts, kind, user, by, ip, port, detail): Raw = row?;
            Ok(AuditEntry {
                id,
                ts: parse_ts(&ts)?,
                kind,
                user,
                by,
                ip,
                port: port
                    .map(|p| {
                        u16::try_from(p)
                            .map_err(|_| StorageError::Corrupt(format!("audit {id}: bad port {p}")))
                    })
                    .transpose()?,
                detail,
            })
        })
        .collect()
    }
}
