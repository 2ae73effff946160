//! File requests: `upload`, `upload_chunk`, `upload_cancel` and `download`.
//!
//! Disk work, hashing and thumbnails run on blocking threads; a handler only
//! awaits them, so chat on other connections never waits for a transfer. A
//! complete upload goes through the message pipeline like any `msg`.

use std::sync::Arc;
use std::time::Instant;

use hearth_protocol::files::{
    clean_file_name, encode_download_reply, file_message_text, human_size, is_sha256_hex, Base64,
    DOWNLOAD_CHUNK_BYTES, FILE_NAME_MAX_CHARS, UPLOAD_CHUNK_BYTES,
};
use hearth_protocol::requests::{
    Download, FileChunk, Upload, UploadCancel, UploadChunk, UploadProgress,
};
use hearth_protocol::{ErrorCode, Request};

use crate::conn_state::{ConnState, DownloadTarget};
use crate::files::{self, Announce, Chunked, Done, Started, UploadError};
use crate::flood::MAX_STRIKES;
use crate::handle::{Allowed, Handle};
use crate::message::{AcceptedMessage, Target};
use crate::outcome::{Answer, Handled, Outcome, Refusal};

use super::room::target;

impl From<UploadError> for Refusal {
    fn from(e: UploadError) -> Self {
        Refusal::new(e.code(), e.to_string())
    }
}

/// Runs blocking work off the async threads, inside the connection's log
/// span, so its log lines still say whose they are.
async fn in_span<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Refusal> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| Refusal::internal(format!("file task failed: {e}")))
}

/// Runs blocking file work off the async threads (see [`in_span`]).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, UploadError> + Send + 'static,
) -> Result<T, Refusal> {
    in_span(f).await?.map_err(Refusal::from)
}

impl Handle for Upload {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// Checks the limits before any byte is sent, then opens (or resumes) the upload.
    async fn handle(self, conn: &mut ConnState) -> Outcome<UploadProgress> {
        let Upload {
            to,
            name,
            size,
            sha256,
        } = self;
        let Some(name) = clean_file_name(&name) else {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                format!("a file name of 1 to {FILE_NAME_MAX_CHARS} characters is required"),
            ));
        };
        if !is_sha256_hex(&sha256) {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                "sha256 must be 64 lowercase hex digits",
            ));
        }
        let config = &conn.shared.config;
        let cap = config.max_file_bytes.min(config.files_quota_bytes);
        if size > cap {
            return Err(Refusal::new(
                ErrorCode::FileTooBig,
                format!(
                    "the file {name} is {}; this host takes files of up to {}",
                    human_size(size),
                    human_size(cap)
                ),
            ));
        }
        if !conn.bucket.take(Instant::now()) {
            return Err(Refusal::new(
                ErrorCode::SlowDown,
                "slow down: you are sending messages too fast",
            )
            .closing_if(conn.bucket.strikes >= MAX_STRIKES));
        }
        let id = conn.id;
        let (owner, target) = conn.shared.with_hub(|hub| {
            let me = hub.me(id)?.id;
            Ok::<_, Refusal>((me, target(hub, id, me, &to)?))
        })?;
        let announce = Announce {
            target,
            name,
            size,
            sha256,
        };
        let shared = Arc::clone(&conn.shared);
        let started =
            blocking(move || shared.uploads.start(owner, announce, Instant::now())).await?;
        match started {
            Started::Open { id, received } => {
                tracing::debug!(upload = %id, size, received, "upload open");
                Ok(Handled::Reply(Answer::data(UploadProgress {
                    upload: id,
                    received,
                    complete: false,
                })))
            }
            Started::Done(done) => finish::<Upload>(conn, done).await,
        }
    }
}

impl Handle for UploadChunk {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// One chunk on its own. The dispatch writes chunks in runs through
    /// [`write_chunks`] and [`answer_chunk`] instead; this is the same path
    /// for a run of one.
    async fn handle(self, conn: &mut ConnState) -> Outcome<UploadProgress> {
        let mut written = write_chunks(conn, vec![self]).await?;
        match written.pop() {
            Some(chunk) => answer_chunk(conn, chunk).await,
            None => Err(Refusal::internal("a written chunk went missing")),
        }
    }
}

/// One `upload_chunk` after its bytes were written: which upload, and how it went.
pub(crate) struct WrittenChunk {
    upload: String,
    result: Result<Chunked<Target>, UploadError>,
}

/// Writes and hashes `upload_chunk` requests that came in a row, in order,
/// in one blocking call: one hand-off to a blocking thread and back for the
/// lot instead of for each chunk (those hand-offs were a quarter of the
/// server's CPU during an upload). Each gets its own result; answer them
/// with [`answer_chunk`] in the same order.
pub(crate) async fn write_chunks(
    conn: &ConnState,
    chunks: Vec<UploadChunk>,
) -> Result<Vec<WrittenChunk>, Refusal> {
    let owner = conn.me()?.id;
    let shared = Arc::clone(&conn.shared);
    in_span(move || {
        let now = Instant::now();
        chunks
            .into_iter()
            .map(
                |UploadChunk {
                     upload,
                     offset,
                     data,
                 }| {
                    let result = if data.0.is_empty() || data.0.len() > UPLOAD_CHUNK_BYTES {
                        Err(UploadError::BadChunk(format!(
                            "a chunk must hold 1 to {UPLOAD_CHUNK_BYTES} bytes"
                        )))
                    } else {
                        shared.uploads.write(owner, &upload, offset, &data.0, now)
                    };
                    WrittenChunk { upload, result }
                },
            )
            .collect()
    })
    .await
}

/// Answers one written chunk: its progress, or, for the last one, the kept
/// file (see [`finish`]).
pub(crate) async fn answer_chunk(
    conn: &mut ConnState,
    chunk: WrittenChunk,
) -> Outcome<UploadProgress> {
    match chunk.result? {
        Chunked::More(received) => Ok(Handled::Reply(Answer::data(UploadProgress {
            upload: chunk.upload,
            received,
            complete: false,
        }))),
        Chunked::Done(done) => finish::<UploadChunk>(conn, done).await,
    }
}

/// Keeps a complete upload, answers the request `R` with the upload's final
/// progress, then sends the file's message: its `msg` push reaches the
/// uploader after the answer, as PROTOCOL.md says.
async fn finish<R: Request<Reply = UploadProgress>>(
    conn: &mut ConnState,
    done: Done<Target>,
) -> Outcome<UploadProgress> {
    let shared = Arc::clone(&conn.shared);
    let (owner, size) = (done.owner, done.announce.size);
    let kept = in_span(move || {
        let meta = files::keep(&done, &shared.disk, shared.config.max_image_pixels);
        (done, meta)
    })
    .await;
    let (done, meta) = kept?;
    // The row and any eviction are a trip to the database like any other
    // (gated by `Shared::db`); the disk work before it held no permit.
    let meta = match meta {
        Ok(meta) => {
            let shared = Arc::clone(&conn.shared);
            let (sha256, quota) = (meta.sha256.clone(), shared.config.files_quota_bytes);
            conn.shared
                .db(move |store| files::record(store, &shared.disk, &sha256, size, quota))
                .await
                .map(|()| meta)
                .map_err(|e| UploadError::Storage(e.to_string()))
        }
        Err(e) => Err(e),
    };
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) => {
            conn.shared.uploads.refund(owner, size);
            tracing::info!(upload = %done.id, error = %e, "upload refused at the end");
            return Err(e.into());
        }
    };
    tracing::info!(upload = %done.id, size, mime = %meta.mime, "file received");
    let id = conn.id;
    let conn_clock = conn.shared.config.clock.clone();
    let accepted = conn.shared.with_hub(|hub| {
        let me = hub.me(id)?;
        // A private chat may have ended meanwhile; a room is where it started.
        let target = match &done.announce.target {
            Target::Private { name, .. } => super::room::target(hub, id, me.id, name)?,
            room => room.clone(),
        };
        Ok::<_, Refusal>(AcceptedMessage {
            sender_conn: id,
            sender_id: me.id,
            from: me.name.clone(),
            color: me.color.clone(),
            text: file_message_text(&meta.name, meta.size),
            file: Some(meta),
            ts: conn_clock.now(),
            request_id: None,
            target,
            mentions: Default::default(),
        })
    })?;
    // The answer goes first: once the message is in the pipeline, its push
    // may be queued for this connection before the handler returns.
    conn.push(conn.reply_frame::<R>(&Answer::data(UploadProgress {
        upload: done.id.clone(),
        received: size,
        complete: true,
    })));
    if conn.shared.messages.send(accepted).await.is_err() {
        // Only while the server shuts down; the request has its answer.
        tracing::warn!(upload = %done.id, "file kept, but its message was not sent: shutting down");
    }
    Ok(Handled::Sent)
}

impl Handle for UploadCancel {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<UploadCancel> {
        let owner = conn.me()?.id;
        let shared = Arc::clone(&conn.shared);
        let id = self.upload.clone();
        blocking(move || shared.uploads.cancel(owner, &id)).await?;
        Ok(Handled::Reply(Answer::data(self)))
    }
}

/// The refusal for a file the host no longer keeps.
fn gone(name: &str) -> Refusal {
    Refusal::new(
        ErrorCode::FileGone,
        format!("{name} is no longer on the host (it keeps the newest files only)"),
    )
}

impl Handle for Download {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// One chunk of a file the user may see: any room's, or a private one
    /// they sent or received.
    async fn handle(self, conn: &mut ConnState) -> Outcome<FileChunk> {
        let Download {
            id,
            offset,
            length,
            thumbnail,
        } = self;
        let me = conn.me()?.id;
        let length = length.map_or(DOWNLOAD_CHUNK_BYTES, |n| {
            (n as usize).clamp(1, DOWNLOAD_CHUNK_BYTES)
        });
        let not_found = || Refusal::new(ErrorCode::NotFound, format!("no file with id {id}"));
        let cached = conn
            .download
            .as_ref()
            .filter(|d| d.user == me && d.id == id)
            .map(|d| d.meta.clone());
        let meta = match cached {
            Some(meta) => meta,
            None => {
                let attachment = conn
                    .shared
                    .db(move |store| store.attachment(id))
                    .await
                    .map_err(Refusal::internal)?
                    .ok_or_else(not_found)?;
                let private = attachment.room_id.is_none();
                if private && attachment.sender_id != me && attachment.recipient_id != Some(me) {
                    return Err(not_found());
                }
                if !attachment.file.available {
                    return Err(gone(&attachment.file.meta.name));
                }
                let meta = attachment.file.meta;
                conn.download = Some(DownloadTarget {
                    user: me,
                    id,
                    meta: meta.clone(),
                });
                meta
            }
        };
        if thumbnail && meta.image.is_none() {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("{} has no thumbnail", meta.name),
            ));
        }
        let shared = Arc::clone(&conn.shared);
        let sha256 = meta.sha256.clone();
        let request_id = conn.request_id.clone();
        // Reading and encoding (base64 of up to 512 KiB) both happen on a
        // blocking thread, so a download never holds an async worker that
        // chat needs.
        let read = in_span(move || {
            let path = if thumbnail {
                shared.disk.thumbnail(&sha256)
            } else {
                shared.disk.blob(&sha256)
            };
            let (data, size) = files::read_at(&path, offset, length)?;
            let chunk = FileChunk {
                id,
                offset,
                size,
                data: Base64(data),
            };
            let frame = encode_download_reply(&chunk, request_id.as_ref());
            Ok::<_, std::io::Error>((frame, size))
        })
        .await?;
        let (frame, size) = match read {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                conn.download = None;
                return Err(gone(&meta.name));
            }
            Err(e) => return Err(Refusal::internal(e)),
        };
        if offset > size {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                format!("offset {offset} is past the end ({size} bytes)"),
            ));
        }
        conn.push(frame);
        Ok(Handled::Sent)
    }
}
