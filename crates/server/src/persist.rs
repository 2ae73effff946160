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
use std::time::{Duration, Instant};

use bytes::Bytes;
use hearth_protocol::envelope::{encode_error, encode_push};
use hearth_protocol::push::Activity;
use hearth_protocol::{ChatMessage, ErrorCode, PUBLIC};
use hearth_storage::{ts::format_ts, NewMessage, Store};
use tokio::sync::mpsc;

use crate::hub::RoomMessage;
use crate::message::{file_info, AcceptedMessage, Target};
use crate::shared::Shared;

/// Messages taken into one transaction at most.
const MAX_BATCH: usize = 512;

/// Starts the writer thread. It ends when every sender of `rx` is gone.
pub(crate) fn spawn_writer(
    shared: Weak<Shared>,
    store: Store,
    mut rx: mpsc::Receiver<AcceptedMessage>,
    linger: Duration,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("hearth-messages".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            let mut previous: Option<Instant> = None;
            while let Some(first) = rx.blocking_recv() {
                let began = Instant::now();
                batch.push(first);
                // Messages are flowing when the previous batch began shortly before: then
                // hold this one open a little, so its messages share each recipient's write.
                let busy = !linger.is_zero()
                    && previous.is_some_and(|p| began.duration_since(p) < linger * 4);
                previous = Some(began);
                take_more(&mut rx, &mut batch, busy.then(|| began + linger));

                // Store even when the server is gone: an accepted message is never dropped.
                let shared = shared.upgrade();
                store_and_deliver(shared.as_deref(), &store, &mut batch);
                batch.clear();
                // After delivery, off the messages' latency: index for search in
                // steps of `INDEX_BATCH` (search itself indexes what is left first).
                if let Err(e) = store.index_pending(hearth_storage::INDEX_BATCH) {
                    tracing::warn!(error = %e, "indexing messages for search failed");
                }
            }
        })
}

/// Adds what is queued to `batch` (up to [`MAX_BATCH`]); with a deadline, keeps looking
/// until then.
fn take_more(
    rx: &mut mpsc::Receiver<AcceptedMessage>,
    batch: &mut Vec<AcceptedMessage>,
    until: Option<Instant>,
) {
    /// How often a held batch looks for more.
    const POLL: Duration = Duration::from_micros(50);
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(p) => batch.push(p),
            Err(mpsc::error::TryRecvError::Disconnected) => return,
            Err(mpsc::error::TryRecvError::Empty) => match until {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    std::thread::sleep(left.min(POLL));
                }
                None => return,
            },
        }
    }
}

fn store_and_deliver(shared: Option<&Shared>, store: &Store, batch: &mut Vec<AcceptedMessage>) {
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
                file: p.file.clone(),
                mentions: p.mentions.rows(),
                mention_room: p.mentions.room,
            }
        })
        .collect();
    let ids = match store.insert_messages(&rows) {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, count = rows.len(), "storing messages failed");
            let Some(shared) = shared else { return };
            shared.with_hub(|hub| {
                for p in batch.drain(..) {
                    let frame = encode_error(
                        "msg",
                        ErrorCode::ServerError,
                        "the server could not store your message; please try again",
                        None,
                        p.request_id.as_ref(),
                    );
                    hub.send(p.sender_conn, frame);
                }
            });
            return;
        }
    };
    let Some(shared) = shared else { return };
    // Encode outside the lock: one shared frame per message, plus the sender's
    // copy when it must echo a request id.
    let frames: Vec<Frames> = batch
        .iter()
        .zip(rows)
        .zip(&ids)
        .map(|((p, row), id)| encode(p, row.text, *id))
        .collect();
    shared.with_hub(|hub| {
        // Consecutive messages of one room go out as one run (one frame per recipient);
        // a private message, or another room's, ends the run.
        let mut run: Vec<RoomMessage> = Vec::new();
        let mut run_room = None;
        for ((p, id), frames) in batch.drain(..).zip(ids).zip(frames) {
            let Frames {
                shared: shared_frame,
                own,
                activity,
            } = frames;
            let own = own.unwrap_or_else(|| shared_frame.clone());
            match p.target {
                Target::Room { idx, .. } => {
                    if run_room != Some(idx) {
                        if let Some(room) = run_room {
                            hub.send_room_run(room, &run);
                        }
                        run.clear();
                        run_room = Some(idx);
                    }
                    run.push(RoomMessage {
                        id,
                        sender: p.sender_conn,
                        shared: shared_frame,
                        own,
                        activity,
                    });
                }
                Target::Private { user_id, .. } => {
                    if let Some(room) = run_room.take() {
                        hub.send_room_run(room, &run);
                        run.clear();
                    }
                    hub.send(p.sender_conn, own);
                    if let Some(conn) = hub.conn_of_user(user_id) {
                        if conn != p.sender_conn {
                            hub.send(conn, shared_frame);
                        }
                    }
                }
            }
        }
        if let Some(room) = run_room {
            hub.send_room_run(room, &run);
        }
    });
}

/// The frames of one stored message.
struct Frames {
    /// The `msg` push for everyone.
    shared: Bytes,
    /// The sender's own copy, when it must carry the request's id.
    own: Option<Bytes>,
    /// The `activity` push for those not in its room (room messages only).
    activity: Option<Bytes>,
}

/// Encodes the frames of a stored message.
fn encode(p: &AcceptedMessage, text: String, id: i64) -> Frames {
    let (to, room, private) = match &p.target {
        Target::Room { name, .. } => (PUBLIC.to_owned(), Some(name.clone()), false),
        Target::Private { name, .. } => (name.clone(), None, true),
    };
    let message = ChatMessage {
        to,
        from: p.from.clone(),
        text,
        id,
        ts: format_ts(p.ts),
        color: p.color.clone(),
        room,
        private,
        file: p.file.as_ref().map(|meta| file_info(meta, true)),
        mentions: p.mentions.names(),
        mention_room: p.mentions.room,
        ..ChatMessage::default()
    };
    let shared = encode_push(&message, None);
    let own = p
        .request_id
        .as_ref()
        .map(|rid| encode_push(&message, Some(rid)));
    let activity = message.room.map(|room| {
        encode_push(
            &Activity {
                room,
                id,
                from: message.from,
                mentions: message.mentions,
            },
            None,
        )
    });
    Frames {
        shared,
        own,
        activity,
    }
}
