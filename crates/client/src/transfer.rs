//! Sending and fetching files: a window of chunk requests in flight (so the
//! link stays busy while neither side buffers more than a window), progress
//! reports, cancelling, and carrying on after a reconnect from the last byte
//! the host confirmed.

use std::time::Duration;

use bytes::Bytes;
use hearth_protocol::files::{Base64, DOWNLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES};
use hearth_protocol::requests::{
    Download, FileChunk, Upload, UploadCancel, UploadChunk, UploadProgress,
};
use hearth_protocol::ErrorCode;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::error::ClientError;

pub use hearth_protocol::files::{DOWNLOAD_WINDOW, UPLOAD_WINDOW};
/// Tries in a row without progress before a transfer gives up.
const MAX_STALLS: u32 = 5;
/// Longest wait for the connection to come back during a transfer.
const RECONNECT_WAIT: Duration = Duration::from_secs(60);

/// How far a transfer has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferProgress {
    /// Bytes confirmed (uploads) or received (downloads).
    pub done: u64,
    /// The file's size.
    pub total: u64,
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True when a failed chunk is worth retrying from the host's count: the
/// connection dropped, or chunks sent before a drop arrived out of order.
fn resumable(e: &ClientError) -> bool {
    match e.code() {
        Some(code) => code == ErrorCode::BadChunk,
        None => matches!(
            e,
            ClientError::ConnectionLost | ClientError::Reconnecting | ClientError::Timeout(_)
        ),
    }
}

impl Client {
    /// Waits until the client is connected and logged in again (after a drop).
    async fn wait_logged_in(&self) -> Result<(), ClientError> {
        let mut status = self.status_watch();
        let ready = async {
            status
                .wait_for(|s| s.connected && s.username.is_some())
                .await
                .map(|_| ())
        };
        match tokio::time::timeout(RECONNECT_WAIT, ready).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout("waiting to reconnect")),
        }
    }

    /// Sends `data` as file `name` to the current room (`to: "public"`) or a
    /// private partner. `progress` hears of every confirmed chunk. Resumes
    /// after a reconnect; `cancel` stops it and drops what the host has.
    /// Returns when the host has the whole file (its message follows as a
    /// `msg` push).
    pub async fn send_file(
        &self,
        to: &str,
        name: &str,
        data: Bytes,
        mut progress: impl FnMut(TransferProgress) + Send,
        cancel: &CancellationToken,
    ) -> Result<UploadProgress, ClientError> {
        let announce = Upload {
            to: to.to_owned(),
            name: name.to_owned(),
            size: data.len() as u64,
            sha256: sha256_hex(&data),
        };
        let total = announce.size;
        let mut stalls = 0;
        let mut upload_id: Option<String> = None;
        loop {
            let attempt = async {
                let start = self.request(announce.clone()).await?.data;
                upload_id = Some(start.upload.clone());
                progress(TransferProgress {
                    done: start.received,
                    total,
                });
                if start.complete {
                    return Ok(start);
                }
                self.send_chunks(&start, &data, &mut progress).await
            };
            let result = tokio::select! {
                result = attempt => result,
                () = cancel.cancelled() => {
                    if let Some(upload) = upload_id.take() {
                        let _ = self.request(UploadCancel { upload }).await;
                    }
                    return Err(ClientError::Cancelled);
                }
            };
            match result {
                Ok(done) => return Ok(done),
                Err(e) if resumable(&e) && stalls < MAX_STALLS => {
                    stalls += 1;
                    tracing::debug!(error = %e, "upload interrupted; resuming");
                    self.wait_logged_in().await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends the chunks of an open upload from `start.received` on, with up
    /// to [`UPLOAD_WINDOW`] in flight.
    async fn send_chunks(
        &self,
        start: &UploadProgress,
        data: &Bytes,
        progress: &mut (impl FnMut(TransferProgress) + Send),
    ) -> Result<UploadProgress, ClientError> {
        let total = data.len() as u64;
        let mut next = start.received;
        let mut in_flight = std::collections::VecDeque::new();
        loop {
            while in_flight.len() < UPLOAD_WINDOW && next < total {
                let from = next as usize;
                let to = (from + UPLOAD_CHUNK_BYTES).min(data.len());
                let chunk = UploadChunk {
                    upload: start.upload.clone(),
                    offset: next,
                    data: Base64(data[from..to].to_vec()),
                };
                in_flight.push_back(self.submit(chunk).await?);
                next = to as u64;
            }
            let Some(pending) = in_flight.pop_front() else {
                return Err(ClientError::Protocol(
                    "the host never confirmed the last chunk".into(),
                ));
            };
            let reply: UploadProgress = pending.answer().await?;
            progress(TransferProgress {
                done: reply.received,
                total,
            });
            if reply.complete {
                return Ok(reply);
            }
        }
    }

    /// Fetches the file of message `id` (or its thumbnail) into `out`, with up
    /// to [`DOWNLOAD_WINDOW`] chunks in flight; `progress` hears of each.
    /// Resumes after a reconnect from the bytes written. Returns the size.
    pub async fn download_file<W: AsyncWrite + Unpin + Send>(
        &self,
        id: i64,
        thumbnail: bool,
        out: &mut W,
        mut progress: impl FnMut(TransferProgress) + Send,
        cancel: &CancellationToken,
    ) -> Result<u64, ClientError> {
        let mut written = 0u64;
        let mut stalls = 0;
        loop {
            let attempt = self.fetch_chunks(id, thumbnail, out, &mut written, &mut progress);
            let result = tokio::select! {
                result = attempt => result,
                () = cancel.cancelled() => return Err(ClientError::Cancelled),
            };
            match result {
                Ok(size) => {
                    out.flush()
                        .await
                        .map_err(|e| ClientError::Io(e.to_string()))?;
                    return Ok(size);
                }
                Err(e) if resumable(&e) && stalls < MAX_STALLS => {
                    stalls += 1;
                    tracing::debug!(error = %e, written, "download interrupted; resuming");
                    self.wait_logged_in().await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn fetch_chunks<W: AsyncWrite + Unpin + Send>(
        &self,
        id: i64,
        thumbnail: bool,
        out: &mut W,
        written: &mut u64,
        progress: &mut (impl FnMut(TransferProgress) + Send),
    ) -> Result<u64, ClientError> {
        let ask = |offset: u64| Download {
            id,
            offset,
            length: None,
            thumbnail,
        };
        // The first chunk says how big the file is.
        let first: FileChunk = self.request(ask(*written)).await?.data;
        let size = first.size;
        let mut next = *written;
        let mut in_flight = std::collections::VecDeque::new();
        let mut chunk = Some(first);
        loop {
            if let Some(c) = chunk.take() {
                if c.offset != *written {
                    return Err(ClientError::Protocol(format!(
                        "chunk at byte {} while expecting byte {written}",
                        c.offset
                    )));
                }
                if c.data.0.is_empty() && *written < size {
                    return Err(ClientError::Protocol(
                        "an empty chunk before the end".into(),
                    ));
                }
                out.write_all(&c.data.0)
                    .await
                    .map_err(|e| ClientError::Io(e.to_string()))?;
                *written += c.data.0.len() as u64;
                next = next.max(*written);
                progress(TransferProgress {
                    done: *written,
                    total: size,
                });
            }
            if *written >= size {
                return Ok(size);
            }
            while in_flight.len() < DOWNLOAD_WINDOW && next < size {
                in_flight.push_back(self.submit(ask(next)).await?);
                next = (next + DOWNLOAD_CHUNK_BYTES as u64).min(size);
            }
            match in_flight.pop_front() {
                Some(pending) => chunk = Some(pending.answer().await?),
                None => return Err(ClientError::Protocol("download stalled".into())),
            }
        }
    }
}
