//! The message pipeline: store first, then deliver.
//!
//! Connection tasks hand each accepted message to one dedicated writer thread
//! through a bounded channel (a full channel makes the sender's task wait, so
//! a flood pushes back on the flooder). The thread takes everything queued,
//! inserts it in one SQLite transaction, and only then encodes each message
//! once and queues it for its recipients. One thread means one order: message
//! ids rise in the order they are delivered, which the history cut-off on
//! `enter` relies on.

use std::sync::Weak;
use std::thread::JoinHandle;

use bytes::Bytes;
use hearth_protocol::envelope::{error_frame, ok_frame};
use hearth_protocol::RequestId;
use hearth_storage::{ts::format_ts, NewMessage, Store};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::hub::{ConnId, RoomIdx};
use crate::shared::Shared;

/// Messages taken into one transaction at most.
const MAX_BATCH: usize = 512;

/// Where a message goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Every member of a room.
    Room {
        idx: RoomIdx,
        db_id: i64,
        name: String,
    },
    /// One other user, over a private link.
    Private { user_id: i64, name: String },
}

/// A message accepted from a client, not yet stored.
#[derive(Debug)]
pub(crate) struct Pending {
    pub sender_conn: ConnId,
    pub sender_id: i64,
    pub from: String,
    pub color: String,
    pub text: String,
    pub ts: OffsetDateTime,
    /// The `msg` request's id, echoed on the sender's own copy only.
    pub request_id: Option<RequestId>,
    pub target: Target,
}

/// `data` of a `msg` push.
#[derive(Serialize)]
struct MsgData<'a> {
    to: &'a str,
    from: &'a str,
    text: &'a str,
    id: i64,
    ts: &'a str,
    color: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    room: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    private: bool,
}

/// Starts the writer thread. It ends when every sender of `rx` is gone.
pub(crate) fn spawn_writer(
    shared: Weak<Shared>,
    store: Store,
    mut rx: mpsc::Receiver<Pending>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("hearth-messages".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.blocking_recv() {
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                // Store even when the server is gone: an accepted message is never dropped.
                let shared = shared.upgrade();
                store_and_deliver(shared.as_deref(), &store, &mut batch);
                batch.clear();
            }
        })
}

fn store_and_deliver(shared: Option<&Shared>, store: &Store, batch: &mut Vec<Pending>) {
    let rows: Vec<NewMessage> = batch
        .iter_mut()
        .map(|p| {
            let (room_id, recipient_id) = match &p.target {
                Target::Room { db_id, .. } => (Some(*db_id), None),
                Target::Private { user_id, .. } => (None, Some(*user_id)),
            };
            NewMessage {
                room_id,
                sender_id: p.sender_id,
                recipient_id,
                text: std::mem::take(&mut p.text),
                ts: p.ts,
            }
        })
        .collect();
    let ids = match store.insert_messages(&rows) {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, count = rows.len(), "storing messages failed");
            let Some(shared) = shared else { return };
            let mut hub = shared.hub();
            for p in batch.drain(..) {
                let frame = error_frame(
                    "msg",
                    "the server could not store your message; please try again",
                    p.request_id.as_ref(),
                );
                hub.send(p.sender_conn, frame);
            }
            return;
        }
    };
    let Some(shared) = shared else { return };
    // Encode outside the lock: one shared frame per message, plus the sender's
    // copy when it must echo a request id.
    let frames: Vec<(Bytes, Option<Bytes>)> = batch
        .iter()
        .zip(&rows)
        .zip(&ids)
        .map(|((p, row), id)| encode(p, &row.text, *id))
        .collect();
    let mut hub = shared.hub();
    for ((p, id), (shared_frame, own_frame)) in batch.drain(..).zip(ids).zip(frames) {
        let own = own_frame.unwrap_or_else(|| shared_frame.clone());
        match p.target {
            Target::Room { idx, .. } => {
                hub.mark_broadcast(idx, id);
                hub.send_room_except(idx, &shared_frame, p.sender_conn);
                // The sender always gets its own copy, even if it left meanwhile.
                hub.send(p.sender_conn, own);
            }
            Target::Private { name, .. } => {
                hub.send(p.sender_conn, own);
                if let Some(conn) = hub.online_conn(&name) {
                    if conn != p.sender_conn {
                        hub.send(conn, shared_frame);
                    }
                }
            }
        }
    }
}

fn encode(p: &Pending, text: &str, id: i64) -> (Bytes, Option<Bytes>) {
    let ts = format_ts(p.ts);
    let (to, room, private) = match &p.target {
        Target::Room { name, .. } => ("public", Some(name.as_str()), false),
        Target::Private { name, .. } => (name.as_str(), None, true),
    };
    let data = MsgData {
        to,
        from: &p.from,
        text,
        id,
        ts: &ts,
        color: &p.color,
        room,
        private,
    };
    let shared = ok_frame("msg", None, Some(&data), None);
    let own = p
        .request_id
        .as_ref()
        .map(|rid| ok_frame("msg", None, Some(&data), Some(rid)));
    (shared, own)
}
