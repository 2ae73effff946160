//! Uploads in progress, and how much each user may still upload.
//!
//! An upload belongs to a user, not to a connection: after a reconnect the
//! same announcement finds it again and carries on from the bytes received.
//! Chunks must come in order; each is appended to the upload's partial file
//! and to its running SHA-256.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hearth_protocol::files::human_size;
use hearth_protocol::ErrorCode;
use sha2::{Digest, Sha256};

use super::FileDisk;

/// Unfinished uploads one user may have at once.
pub(crate) const MAX_OPEN_PER_USER: usize = 4;
/// An upload that receives nothing for this long is dropped.
pub(crate) const IDLE_EXPIRY: Duration = Duration::from_secs(60 * 60);

/// Why an upload request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UploadError {
    /// Too many unfinished uploads.
    #[error("you have {MAX_OPEN_PER_USER} unfinished uploads: finish or cancel one first")]
    TooManyOpen,
    /// Over the user's hourly budget.
    #[error("you have uploaded as much as this host allows for now; {size} more fits in about {wait_minutes} min")]
    Budget {
        /// The announced size, for people.
        size: String,
        /// Minutes until the budget has refilled enough.
        wait_minutes: u64,
    },
    /// No such upload of this user.
    #[error("no such upload: it finished, was cancelled or expired")]
    Gone,
    /// A chunk that does not continue the upload.
    #[error("{0}")]
    BadChunk(String),
    /// The bytes do not have the announced hash.
    #[error("the file's bytes do not match its SHA-256; the upload was dropped")]
    HashMismatch,
    /// Disk or database trouble.
    #[error("the host could not store the file: {0}")]
    Storage(String),
}

impl UploadError {
    /// The code sent with the refusal.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            UploadError::TooManyOpen => ErrorCode::SlowDown,
            UploadError::Budget { .. } => ErrorCode::UploadLimit,
            UploadError::Gone => ErrorCode::FileGone,
            UploadError::BadChunk(_) => ErrorCode::BadChunk,
            UploadError::HashMismatch => ErrorCode::HashMismatch,
            UploadError::Storage(_) => ErrorCode::ServerError,
        }
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::Storage(e.to_string())
    }
}

/// What an `upload` announces (already checked against the per-file limits).
#[derive(Debug, Clone)]
pub(crate) struct Announce<T> {
    /// Where the file's message goes.
    pub target: T,
    /// The cleaned file name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The SHA-256 the bytes must have, lowercase hex.
    pub sha256: String,
}

/// An upload whose bytes are all in: ready for [`super::keep`].
#[derive(Debug)]
pub(crate) struct Done<T> {
    /// The upload's id.
    pub id: String,
    /// Whose it is.
    pub owner: i64,
    /// What was announced.
    pub announce: Announce<T>,
    /// The SHA-256 of the bytes received.
    pub digest: String,
    /// Where the bytes are (may not exist for an empty file).
    pub partial: PathBuf,
}

/// The answer to an announcement.
#[derive(Debug)]
pub(crate) enum Started<T> {
    /// Send chunks from `received` on.
    Open {
        /// The upload's id.
        id: String,
        /// Bytes already received (non-zero when resuming).
        received: u64,
    },
    /// Nothing to send (an empty file).
    Done(Done<T>),
}

/// The answer to a chunk.
#[derive(Debug)]
pub(crate) enum Chunked<T> {
    /// More to come; this many bytes are in.
    More(u64),
    /// That was the last chunk.
    Done(Done<T>),
}

/// One upload in progress.
#[derive(Debug)]
struct OpenUpload<T> {
    id: String,
    owner: i64,
    announce: Announce<T>,
    received: u64,
    hasher: Sha256,
    file: Option<File>,
    touched: Instant,
}

/// An hourly budget that refills evenly.
#[derive(Debug, Clone, Copy)]
struct Budget {
    available: f64,
    at: Instant,
}

/// The uploads in progress and every user's budget.
#[derive(Debug)]
pub(crate) struct Uploads<T> {
    disk: Arc<FileDisk>,
    per_hour: u64,
    // Registry lock: held only to look up, add or remove an upload and for the
    // budget arithmetic; never across an `.await` or file I/O. When both are
    // needed it is taken before an upload's own lock, never after.
    registry: Mutex<Registry<T>>,
}

#[derive(Debug)]
struct Registry<T> {
    // Each upload has a lock of its own, held by the blocking thread that
    // appends a chunk (file I/O, never on an async thread, never across an
    // `.await`), so that two chunks of one upload can never interleave.
    open: HashMap<String, Arc<Mutex<OpenUpload<T>>>>,
    budgets: HashMap<i64, Budget>,
}

fn lock<U>(m: &Mutex<U>) -> MutexGuard<'_, U> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T: Clone> Uploads<T> {
    /// No uploads yet; each user may upload `per_hour` bytes per hour.
    pub(crate) fn new(disk: Arc<FileDisk>, per_hour: u64) -> Self {
        Uploads {
            disk,
            per_hour,
            registry: Mutex::new(Registry {
                open: HashMap::new(),
                budgets: HashMap::new(),
            }),
        }
    }

    /// Starts an upload, or finds the unfinished one of this user with the
    /// same content (a resume). Takes the size from the user's budget.
    /// Blocking: deletes expired uploads' files.
    pub(crate) fn start(
        &self,
        owner: i64,
        announce: Announce<T>,
        now: Instant,
    ) -> Result<Started<T>, UploadError> {
        self.expire(now);
        let mut registry = lock(&self.registry);
        let same = registry.open.values().find(|u| {
            let u = lock(u);
            u.owner == owner
                && u.announce.sha256 == announce.sha256
                && u.announce.size == announce.size
        });
        if let Some(upload) = same {
            let mut upload = lock(upload);
            upload.touched = now;
            return Ok(Started::Open {
                id: upload.id.clone(),
                received: upload.received,
            });
        }
        let open = registry
            .open
            .values()
            .filter(|u| lock(u).owner == owner)
            .count();
        if open >= MAX_OPEN_PER_USER {
            return Err(UploadError::TooManyOpen);
        }
        let per_hour = self.per_hour as f64;
        let budget = registry.budgets.entry(owner).or_insert(Budget {
            available: per_hour,
            at: now,
        });
        let rate = per_hour / 3600.0;
        budget.available =
            (budget.available + now.duration_since(budget.at).as_secs_f64() * rate).min(per_hour);
        budget.at = now;
        let size = announce.size as f64;
        if size > budget.available {
            let wait = if rate > 0.0 {
                ((size - budget.available) / rate / 60.0).ceil() as u64
            } else {
                u64::MAX
            };
            return Err(UploadError::Budget {
                size: human_size(announce.size),
                wait_minutes: wait.max(1),
            });
        }
        budget.available -= size;
        let id = new_id();
        if announce.size == 0 {
            return Ok(Started::Done(Done {
                partial: self.disk.partial(&id),
                digest: hex(&Sha256::digest([])),
                id,
                owner,
                announce,
            }));
        }
        let upload = OpenUpload {
            id: id.clone(),
            owner,
            announce,
            received: 0,
            hasher: Sha256::new(),
            file: None,
            touched: now,
        };
        registry
            .open
            .insert(id.clone(), Arc::new(Mutex::new(upload)));
        Ok(Started::Open { id, received: 0 })
    }

    /// Appends one chunk. Blocking: writes the partial file (and flushes it to
    /// disk after the last chunk).
    pub(crate) fn write(
        &self,
        owner: i64,
        id: &str,
        offset: u64,
        data: &[u8],
        now: Instant,
    ) -> Result<Chunked<T>, UploadError> {
        let upload = {
            let registry = lock(&self.registry);
            registry.open.get(id).cloned().ok_or(UploadError::Gone)?
        };
        let mut upload = lock(&upload);
        if upload.owner != owner {
            return Err(UploadError::Gone);
        }
        if offset != upload.received {
            return Err(UploadError::BadChunk(format!(
                "chunk at byte {offset}, but the upload continues at byte {}",
                upload.received
            )));
        }
        let end = offset + data.len() as u64;
        if data.is_empty() || end > upload.announce.size {
            return Err(UploadError::BadChunk(format!(
                "a chunk must hold 1 to {} bytes and end by byte {}",
                hearth_protocol::files::UPLOAD_CHUNK_BYTES,
                upload.announce.size
            )));
        }
        if upload.file.is_none() {
            upload.file = Some(File::create(self.disk.partial(id))?);
        }
        let Some(file) = upload.file.as_mut() else {
            return Err(UploadError::Gone);
        };
        file.write_all(data)?;
        upload.hasher.update(data);
        upload.received = end;
        upload.touched = now;
        if end < upload.announce.size {
            return Ok(Chunked::More(end));
        }
        if let Some(file) = upload.file.take() {
            file.sync_all()?;
        }
        let digest = hex(&std::mem::take(&mut upload.hasher).finalize());
        let announce = upload.announce.clone();
        // Lock order is registry, then upload: let go of the upload first.
        drop(upload);
        lock(&self.registry).open.remove(id);
        Ok(Chunked::Done(Done {
            id: id.to_owned(),
            owner,
            announce,
            digest,
            partial: self.disk.partial(id),
        }))
    }

    /// Drops an unfinished upload of `owner` and gives its size back to the
    /// budget. Blocking: deletes its partial file.
    pub(crate) fn cancel(&self, owner: i64, id: &str) -> Result<(), UploadError> {
        let size = {
            let mut registry = lock(&self.registry);
            let mine = registry
                .open
                .get(id)
                .is_some_and(|u| lock(u).owner == owner);
            if !mine {
                return Err(UploadError::Gone);
            }
            let size = registry
                .open
                .remove(id)
                .map_or(0, |u| lock(&u).announce.size);
            registry.refund(owner, size, self.per_hour);
            size
        };
        remove_quietly(&self.disk.partial(id));
        tracing::debug!(upload = id, size, "upload cancelled");
        Ok(())
    }

    /// Gives bytes back to a user's budget (an upload that failed its hash).
    pub(crate) fn refund(&self, owner: i64, size: u64) {
        lock(&self.registry).refund(owner, size, self.per_hour);
    }

    /// Drops uploads idle for longer than [`IDLE_EXPIRY`].
    fn expire(&self, now: Instant) {
        let expired: Vec<String> = {
            let mut registry = lock(&self.registry);
            let ids: Vec<String> = registry
                .open
                .iter()
                .filter(|(_, u)| now.saturating_duration_since(lock(u).touched) > IDLE_EXPIRY)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &ids {
                registry.open.remove(id);
            }
            ids
        };
        for id in expired {
            remove_quietly(&self.disk.partial(&id));
        }
    }
}

impl<T> Registry<T> {
    fn refund(&mut self, owner: i64, size: u64, per_hour: u64) {
        if let Some(budget) = self.budgets.get_mut(&owner) {
            budget.available = (budget.available + size as f64).min(per_hour as f64);
        }
    }
}

fn remove_quietly(path: &std::path::Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "could not delete a partial upload");
        }
    }
}

/// 128 random bits, hex: an upload id nobody can guess.
fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(per_hour: u64) -> (tempfile::TempDir, Uploads<&'static str>) {
        let dir = tempfile::tempdir().unwrap();
        let disk = Arc::new(FileDisk::open(dir.path()).unwrap());
        (dir, Uploads::new(disk, per_hour))
    }

    fn announce(bytes: &[u8]) -> Announce<&'static str> {
        Announce {
            target: "games",
            name: "a.bin".into(),
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
        }
    }

    fn open_id(started: Started<&'static str>) -> (String, u64) {
        match started {
            Started::Open { id, received } => (id, received),
            Started::Done(_) => panic!("expected an open upload"),
        }
    }

    #[test]
    fn chunks_in_order_complete_with_the_digest_and_resume_finds_the_upload() {
        let (_dir, uploads) = setup(1 << 30);
        let now = Instant::now();
        let bytes = b"hello, world";
        let (id, received) = open_id(uploads.start(1, announce(bytes), now).unwrap());
        assert_eq!(received, 0);
        assert!(matches!(
            uploads.write(1, &id, 0, &bytes[..5], now),
            Ok(Chunked::More(5))
        ));
        // The same announcement again (after a reconnect) resumes.
        let (again, received) = open_id(uploads.start(1, announce(bytes), now).unwrap());
        assert_eq!((again.as_str(), received), (id.as_str(), 5));
        // Out of order, foreign, too long: refused, nothing changes.
        let err = uploads.write(1, &id, 0, b"hello", now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadChunk);
        assert_eq!(
            uploads.write(2, &id, 5, b", wo", now).unwrap_err(),
            UploadError::Gone
        );
        let err = uploads
            .write(1, &id, 5, b", world and more", now)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadChunk);
        match uploads.write(1, &id, 5, &bytes[5..], now).unwrap() {
            Chunked::Done(done) => {
                assert_eq!(done.digest, announce(bytes).sha256);
                assert_eq!(std::fs::read(&done.partial).unwrap(), bytes);
            }
            Chunked::More(_) => panic!("expected the last chunk"),
        }
        assert_eq!(
            uploads.write(1, &id, 12, b"x", now).unwrap_err(),
            UploadError::Gone
        );
    }

    #[test]
    fn the_hourly_budget_refuses_before_any_byte_and_refills() {
        let (_dir, uploads) = setup(100);
        let now = Instant::now();
        let (id, _) = open_id(uploads.start(1, announce(&[1; 80]), now).unwrap());
        let err = uploads.start(1, announce(&[2; 30]), now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::UploadLimit);
        // Someone else has a budget of their own.
        open_id(uploads.start(2, announce(&[2; 30]), now).unwrap());
        // Cancelling gives the bytes back.
        uploads.cancel(1, &id).unwrap();
        assert_eq!(uploads.cancel(1, &id).unwrap_err(), UploadError::Gone);
        open_id(uploads.start(1, announce(&[2; 30]), now).unwrap());
        // 100 bytes per hour refill 50 in half an hour.
        assert!(uploads.start(1, announce(&[3; 80]), now).is_err());
        let later = now + Duration::from_secs(1800);
        open_id(uploads.start(1, announce(&[3; 80]), later).unwrap());
    }

    #[test]
    fn open_uploads_are_capped_per_user_and_expire_when_idle() {
        let (_dir, uploads) = setup(1 << 30);
        let now = Instant::now();
        for n in 0..MAX_OPEN_PER_USER as u8 {
            open_id(uploads.start(1, announce(&[n; 4]), now).unwrap());
        }
        let err = uploads.start(1, announce(&[9; 4]), now).unwrap_err();
        assert_eq!(err, UploadError::TooManyOpen);
        let later = now + IDLE_EXPIRY + Duration::from_secs(1);
        open_id(uploads.start(1, announce(&[9; 4]), later).unwrap());
    }

    #[test]
    fn an_empty_file_is_done_at_once() {
        let (_dir, uploads) = setup(1 << 30);
        match uploads.start(1, announce(b""), Instant::now()).unwrap() {
            Started::Done(done) => assert_eq!(done.digest, announce(b"").sha256),
            Started::Open { .. } => panic!("an empty file has nothing to send"),
        }
    }
}
