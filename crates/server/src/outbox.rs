//! One connection's outgoing queue and the single task that writes it.
//!
//! Every frame for a connection, reply or push, goes through its [`Outbox`], so
//! exactly one task writes each TLS stream. Frames are already-encoded, shared
//! [`Bytes`]: a broadcast is encoded once and the same buffer is queued for
//! every recipient. The writer drains whatever has queued up and sends it as
//! one write, so a busy room costs one TLS record batch per wake-up instead of
//! one per frame. The queue is bounded in frames and in bytes: a client that
//! falls that far behind is cut off rather than allowed to grow the server's
//! memory. The connection's reader also waits for room before reading the next
//! request (see `connection.rs`), so a client that stops reading cannot pile up
//! replies to its own requests either.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

/// Most bytes gathered into one write.
const MAX_BATCH_BYTES: usize = 256 * 1024;
/// A batch buffer larger than this is not kept between writes.
const KEEP_BATCH_BYTES: usize = 16 * 1024;

/// What the writer task is asked to do.
#[derive(Debug)]
pub(crate) enum Out {
    /// Send this frame.
    Frame(Bytes),
    /// Send everything queued so far, then close the stream cleanly.
    Close,
}

/// Bytes queued for one connection and not yet written, shared by its
/// outbox handles (which add) and its writer (which subtracts).
#[derive(Debug)]
pub(crate) struct Queued {
    bytes: AtomicUsize,
    /// The most bytes that may wait; past it the client is cut off.
    max: usize,
    /// Woken after every write, for a reader waiting for room.
    drained: Notify,
}

/// The sending side of a connection's queue. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Out>,
    /// Cancelled when the connection must end now (slow reader, kick, takeover,
    /// writer failure); the reader loop and the writer both watch it.
    kill: CancellationToken,
    /// Set when the queue overflowed, so the log can say why the connection ended.
    overflowed: Arc<AtomicBool>,
    queued: Arc<Queued>,
}

impl Outbox {
    /// A queue of at most `frames` frames and `max_bytes` bytes, and the
    /// receiver for its writer task.
    pub(crate) fn new(frames: usize, max_bytes: usize) -> (Outbox, mpsc::Receiver<Out>) {
        let (tx, rx) = mpsc::channel(frames.max(1));
        let outbox = Outbox {
            tx,
            kill: CancellationToken::new(),
            overflowed: Arc::new(AtomicBool::new(false)),
            queued: Arc::new(Queued {
                bytes: AtomicUsize::new(0),
                max: max_bytes,
                drained: Notify::new(),
            }),
        };
        (outbox, rx)
    }

    /// Queues a frame without waiting. A full queue (in frames or in bytes)
    /// means the client is far behind: the connection is cut off and `false`
    /// returned.
    pub(crate) fn push(&self, frame: Bytes) -> bool {
        let len = frame.len();
        let before = self.queued.bytes.fetch_add(len, Ordering::AcqRel);
        if before + len > self.queued.max {
            self.queued.bytes.fetch_sub(len, Ordering::AcqRel);
            self.overflow();
            return false;
        }
        match self.tx.try_send(Out::Frame(frame)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.bytes.fetch_sub(len, Ordering::AcqRel);
                self.overflow();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued.bytes.fetch_sub(len, Ordering::AcqRel);
                false
            }
        }
    }

    fn overflow(&self) {
        self.overflowed.store(true, Ordering::Relaxed);
        self.kill.cancel();
    }

    /// True when at most `limit` bytes are queued (what [`Outbox::room_for`]
    /// waits for).
    pub(crate) fn has_room(&self, limit: usize) -> bool {
        self.queued.bytes.load(Ordering::Acquire) <= limit
    }

    /// Waits until at most `limit` bytes are queued (the writer drains them as
    /// the client reads). Cancel-safe.
    pub(crate) async fn room_for(&self, limit: usize) {
        loop {
            let drained = self.queued.drained.notified();
            if self.has_room(limit) {
                return;
            }
            drained.await;
        }
    }

    /// Queues a last frame, then a clean close.
    pub(crate) fn close_with(&self, frame: Bytes) {
        if self.push(frame) && self.tx.try_send(Out::Close).is_err() {
            self.kill.cancel();
        }
    }

    /// Asks the writer to close cleanly after what is queued.
    pub(crate) fn close(&self) {
        if self.tx.try_send(Out::Close).is_err() {
            self.kill.cancel();
        }
    }

    /// Ends the connection at once.
    pub(crate) fn kill(&self) {
        self.kill.cancel();
    }

    /// The token that fires when the connection must end.
    pub(crate) fn kill_token(&self) -> &CancellationToken {
        &self.kill
    }

    /// True when the connection was cut off for falling behind.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }
}

/// Writes queued frames to `stream` until the queue closes, a `Close` arrives,
/// the kill token fires, or a write fails. Returns after shutting the stream down.
pub(crate) async fn run_writer<W: AsyncWrite + Unpin>(
    mut stream: W,
    mut rx: mpsc::Receiver<Out>,
    outbox: Outbox,
) {
    let kill = outbox.kill.clone();
    let queued = Arc::clone(&outbox.queued);
    // The writer holds no sender: the queue closes when the connection's own
    // handles are gone.
    drop(outbox);
    // Made once: building a fresh `cancelled()` future per frame showed up in profiles.
    // It is polled last in each `select!` below: polling it takes the token's lock, and
    // while frames flow and writes complete at once it is not polled at all. A kill is
    // still seen as soon as the queue runs dry or a write has to wait (a client that
    // stopped reading), and the connection's reader ends at once either way.
    let killed = kill.cancelled();
    tokio::pin!(killed);
    // Frames gathered for one write. Starts empty, grows while traffic keeps
    // coming, and is let go when the queue runs dry, so idle connections hold none.
    let mut batch = BytesMut::new();
    let mut closing = false;
    loop {
        let first = tokio::select! {
            biased;
            out = rx.recv() => out,
            _ = &mut killed => break,
        };
        // A lone frame is written as it is; only several are copied together.
        let mut single = None;
        match first {
            Some(Out::Frame(frame)) => single = Some(frame),
            Some(Out::Close) | None => closing = true,
        }
        // Gather whatever else is already queued into the same write.
        while !closing && batch.len() < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(Out::Frame(frame)) => {
                    if let Some(lone) = single.take() {
                        batch.extend_from_slice(&lone);
                    }
                    batch.extend_from_slice(&frame);
                }
                Ok(Out::Close) => closing = true,
                Err(_) => break,
            }
        }
        let bytes: &[u8] = match &single {
            Some(lone) => lone,
            None => &batch,
        };
        if !bytes.is_empty() {
            let wrote = tokio::select! {
                biased;
                r = write_batch(&mut stream, bytes) => r,
                _ = &mut killed => break,
            };
            if wrote.is_err() {
                break;
            }
            queued.bytes.fetch_sub(bytes.len(), Ordering::AcqRel);
            queued.drained.notify_waiters();
        }
        if batch.capacity() > KEEP_BATCH_BYTES || rx.is_empty() {
            batch = BytesMut::new();
        } else {
            batch.clear();
        }
        if closing {
            // Bounded: a peer that stops reading cannot hold the close open forever.
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(2), stream.shutdown()).await;
            break;
        }
    }
    kill.cancel();
}

async fn write_batch<W: AsyncWrite + Unpin>(stream: &mut W, batch: &[u8]) -> std::io::Result<()> {
    stream.write_all(batch).await?;
    stream.flush().await
}
