//! Files: the blobs the host keeps (one row per distinct content, named by its
//! SHA-256) and the attachments that tie a message to a blob.
//!
//! The bytes live outside SQLite, in the server's data dir; this module only
//! records them. A blob row exists exactly while its bytes are kept: evicting
//! one deletes its row, and the messages that pointed at it show as expired.

use rusqlite::{params, OptionalExtension};
use time::OffsetDateTime;

use crate::error::Result;
use crate::ts::{format_ts, parse_ts};
use crate::Store;

/// A file attached to a message, as sent (kept after its bytes are evicted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// The name the sender gave it.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The sniffed MIME type.
    pub mime: String,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Width and height, for an image the host made a thumbnail of.
    pub image: Option<(u32, u32)>,
}

/// A file as history shows it: what was sent, and whether the bytes are still kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// What was sent.
    pub meta: FileMeta,
    /// False once the blob was evicted.
    pub available: bool,
}

/// Kept content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// SHA-256, lowercase hex (names the file on disk).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// When it was last stored (uploading the same content again renews it).
    pub stored: OffsetDateTime,
}

/// Who may see the file of one message: its room, or its two partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The message id.
    pub message_id: i64,
    /// The room, for a room message.
    pub room_id: Option<i64>,
    /// The sender.
    pub sender_id: i64,
    /// The recipient, for a private message.
    pub recipient_id: Option<i64>,
    /// The file.
    pub file: StoredFile,
}

/// The columns [`file_from_row`] reads, with `a` = attachments and `b` = blobs
/// (a macro, so that `concat!` can put it in the history queries).
macro_rules! file_cols {
    () => {
        "a.name, a.size, a.mime, a.sha256, a.width, a.height, b.sha256 IS NOT NULL"
    };
}
pub(crate) use file_cols;

/// Reads [`file_cols!`] starting at column `at`; `None` when the message has no file.
pub(crate) fn file_from_row(
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<Option<StoredFile>> {
    let Some(name) = r.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    let width: Option<u32> = r.get(at + 4)?;
    let height: Option<u32> = r.get(at + 5)?;
    Ok(Some(StoredFile {
        meta: FileMeta {
            name,
            size: r.get::<_, i64>(at + 1)? as u64,
            mime: r.get(at + 2)?,
            sha256: r.get(at + 3)?,
            image: width.zip(height),
        },
        available: r.get(at + 6)?,
    }))
}

/// Inserts the attachment row of a message just stored (inside its transaction).
pub(crate) fn insert_attachment(
    tx: &rusqlite::Connection,
    message_id: i64,
    file: &FileMeta,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO attachments (message_id, sha256, name, size, mime, width, height)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        message_id,
        file.sha256,
        file.name,
        file.size as i64,
        file.mime,
        file.image.map(|(w, _)| w),
        file.image.map(|(_, h)| h),
    ])?;
    Ok(())
}

impl Store {
    /// Records kept content (or renews its time when it is already kept).
    pub fn put_blob(&self, sha256: &str, size: u64, stored: OffsetDateTime) -> Result<()> {
        self.conn().execute(
            "INSERT INTO blobs (sha256, size, stored) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256) DO UPDATE SET stored = excluded.stored",
            params![sha256, size as i64, format_ts(stored)],
        )?;
        Ok(())
    }

    /// The kept content with this hash, if any.
    pub fn blob(&self, sha256: &str) -> Result<Option<Blob>> {
        let row = self
            .conn()
            .query_row(
                "SELECT sha256, size, stored FROM blobs WHERE sha256 = ?1",
                [sha256],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(sha256, size, stored)| {
            Ok(Blob {
                sha256,
                size: size as u64,
                stored: parse_ts(&stored)?,
            })
        })
        .transpose()
    }

    /// Every kept blob, oldest first (eviction order).
    pub fn blobs_oldest_first(&self) -> Result<Vec<Blob>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT sha256, size, stored FROM blobs ORDER BY stored, sha256")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (sha256, size, stored) = row?;
            Ok(Blob {
                sha256,
                size: size as u64,
                stored: parse_ts(&stored)?,
            })
        })
        .collect()
    }

    /// Total bytes of kept blobs.
    pub fn blobs_total(&self) -> Result<u64> {
        let total: i64 =
            self.conn()
                .query_row("SELECT coalesce(sum(size), 0) FROM blobs", [], |r| r.get(0))?;
        Ok(total as u64)
    }

    /// Forgets a blob (its bytes are being deleted): its messages show as expired.
    pub fn delete_blob(&self, sha256: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM blobs WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// The file attached to message `message_id`, with who may see it.
    pub fn attachment(&self, message_id: i64) -> Result<Option<Attachment>> {
        const SQL: &str = concat!(
            "SELECT m.id, m.room_id, m.sender_id, m.recipient_id, ",
            file_cols!(),
            " FROM messages m
             JOIN attachments a ON a.message_id = m.id
             LEFT JOIN blobs b ON b.sha256 = a.sha256
             WHERE m.id = ?1"
        );
        let conn = self.conn();
        let row = conn
            .query_row(SQL, [message_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    file_from_row(r, 4)?,
                ))
            })
            .optional()?;
        Ok(
            row.and_then(|(message_id, room_id, sender_id, recipient_id, file)| {
                file.map(|file| Attachment {
                    message_id,
                    room_id,
                    sender_id,
                    recipient_id,
                    file,
                })
            }),
        )
    }
}
