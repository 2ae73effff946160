//! Turning a complete upload into kept content: check the hash, sniff it,
//! thumbnail it, move it into place, record it, and evict the oldest content
//! while the files take more than the quota.

use hearth_storage::{FileMeta, Store};
use time::OffsetDateTime;

use super::{inspect, Done, FileDisk, UploadError};

/// Keeps the bytes of `done` on disk and returns what its message will carry:
/// checks the hash, sniffs the type, makes the thumbnail, moves the file into
/// place. Blocking (file I/O, image decoding), and no database: [`record`]
/// follows, as a trip to the database of its own.
pub(crate) fn keep<T>(
    done: &Done<T>,
    disk: &FileDisk,
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
    Ok(FileMeta {
        name: announce.name.clone(),
        size: announce.size,
        mime: found.mime,
        sha256: announce.sha256.clone(),
        image: found.image,
    })
}

/// Records kept content of `size` bytes under `sha256`, then evicts the
/// oldest content while the files take more than `quota`. Blocking (SQLite,
/// deleting files). A stop before it leaves an unrecorded file on disk, which
/// the next start sweeps away.
pub(crate) fn record(
    store: &Store,
    disk: &FileDisk,
    sha256: &str,
    size: u64,
    quota: u64,
) -> Result<(), hearth_storage::StorageError> {
    store.put_blob(sha256, size, OffsetDateTime::now_utc())?;
    evict(disk, store, quota, sha256)
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
