//! Turning a complete upload into kept content: check the hash, sniff it,
//! thumbnail it, move it into place, record it, and evict the oldest content
//! while the files take more than the quota.

use hearth_storage::{FileMeta, Store};
use time::OffsetDateTime;

use super::{inspect, Done, FileDisk, UploadError};

/// Keeps the bytes of `done` and returns what its message will carry.
/// Blocking (file I/O, image decoding, SQLite).
pub(crate) fn keep<T>(
    done: &Done<T>,
    disk: &FileDisk,
    store: &Store,
    quota: u64,
    max_pixels: u64,
) -> Result<FileMeta, UploadError> {
    let announce = &done.announce;
    if done.digest != announce.sha256 {
        let _ = std::fs::remove_file(&done.partial);
        return Err(UploadError::HashMismatch);
    }
    if announce.size == 0 && !done.partial.exists() {
        std::fs::File::create(&done.partial)?;
    }
    let found = inspect(&done.partial, max_pixels)?;
    disk.keep(&done.partial, &announce.sha256, found.thumbnail.as_deref())?;
    let storage = |e: hearth_storage::StorageError| UploadError::Storage(e.to_string());
    store
        .put_blob(&announce.sha256, announce.size, OffsetDateTime::now_utc())
        .map_err(storage)?;
    evict(disk, store, quota, &announce.sha256).map_err(storage)?;
    Ok(FileMeta {
        name: announce.name.clone(),
        size: announce.size,
        mime: found.mime,
        sha256: announce.sha256.clone(),
        image: found.image,
    })
}

/// Deletes the oldest content, except `keep`, until the total fits `quota`.
/// The row goes first: a stop in between leaves an unrecorded file, which the
/// next start sweeps away.
fn evict(
    disk: &FileDisk,
    store: &Store,
    quota: u64,
    keep: &str,
) -> Result<(), hearth_storage::StorageError> {
    let mut total = store.blobs_total()?;
    if total <= quota {
        return Ok(());
    }
    for blob in store.blobs_oldest_first()? {
        if total <= quota {
            break;
        }
        if blob.sha256 == keep {
            continue;
        }
        store.delete_blob(&blob.sha256)?;
        if let Err(e) = disk.remove(&blob.sha256) {
            tracing::warn!(sha256 = %blob.sha256, error = %e, "could not delete an evicted file");
        }
        total = total.saturating_sub(blob.size);
        tracing::info!(sha256 = %blob.sha256, size = blob.size, "evicted the oldest file to stay inside the quota");
    }
    Ok(())
}
