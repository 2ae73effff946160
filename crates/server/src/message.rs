//! A chat message accepted from a client, on its way to the database and then
//! to its recipients (see `persist`).

use hearth_protocol::files::{FileInfo, ImageSize};
use hearth_protocol::RequestId;
use hearth_storage::FileMeta;
use time::OffsetDateTime;

use crate::hub::{ConnId, RoomIdx};

/// Where a message goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Every member of a room.
    Room {
        idx: RoomIdx,
        db_id: i64,
        name: String,
    },
    /// One other user, over a private chat.
    Private { user_id: i64, name: String },
}

/// A message accepted from a client, not yet stored.
#[derive(Debug)]
pub(crate) struct AcceptedMessage {
    pub sender_conn: ConnId,
    pub sender_id: i64,
    pub from: String,
    pub color: String,
    pub text: String,
    /// The attached file, already kept (its blob row exists).
    pub file: Option<FileMeta>,
    pub ts: OffsetDateTime,
    /// The `msg` request's id, echoed on the sender's own copy only.
    pub request_id: Option<RequestId>,
    pub target: Target,
    pub mentions: Mentions,
}

/// Whom a message mentions, resolved against the accounts when it was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Mentions {
    /// Users mentioned by name: `(id, name as registered)`, the sender left out.
    pub named: Vec<(i64, String)>,
    /// `@room` was used (by an admin, in a room).
    pub room: bool,
    /// With `@room`: everyone else who was in the room.
    pub present: Vec<i64>,
}

impl Mentions {
    /// The rows to store: each user once, `true` when mentioned by name.
    pub(crate) fn rows(&self) -> Vec<(i64, bool)> {
        let mut rows: Vec<(i64, bool)> = self.named.iter().map(|(id, _)| (*id, true)).collect();
        for id in &self.present {
            if !rows.iter().any(|(named, _)| named == id) {
                rows.push((*id, false));
            }
        }
        rows
    }

    /// The names, for the `mentions` of a `msg` push.
    pub(crate) fn names(&self) -> Vec<String> {
        self.named.iter().map(|(_, name)| name.clone()).collect()
    }
}

/// The `file` of a chat message, from what was stored.
pub(crate) fn file_info(meta: &FileMeta, available: bool) -> FileInfo {
    FileInfo {
        name: meta.name.clone(),
        size: meta.size,
        mime: meta.mime.clone(),
        sha256: meta.sha256.clone(),
        image: meta
            .image
            .map(|(width, height)| ImageSize { width, height }),
        expired: !available,
    }
}
