//! Server settings, with the defaults the protocol documents.

use std::path::PathBuf;
use std::time::Duration;

use hearth_protocol::frame::DEFAULT_MAX_CLIENT_FRAME;

/// How long a busy room's message batch is held open by default ([`Config::batch_linger`]):
/// zero (off) until a measured value replaces it (docs/PERFORMANCE.md).
pub const DEFAULT_BATCH_LINGER: Duration = Duration::ZERO;

/// Bytes one connection's outgoing queue may hold by default (8 MiB).
pub const DEFAULT_QUEUE_BYTES: usize = 8 * 1024 * 1024;

/// Largest file a user may send by default (100 MiB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Bytes of files the host keeps by default before evicting the oldest (2 GiB).
pub const DEFAULT_FILES_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Bytes one user may upload per hour by default (1 GiB).
pub const DEFAULT_UPLOAD_BYTES_PER_HOUR: u64 = 1024 * 1024 * 1024;
/// Largest image, in pixels, the host decodes to make a thumbnail (50
/// megapixels); a larger one is sent as a plain file, never decoded.
pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 50_000_000;

/// Everything that tunes a server. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding `hearth.db`, `cert.pem` and `key.pem`; created on first start.
    pub data_dir: PathBuf,
    /// Account name that becomes the owner; without one, the first account registered is.
    pub owner: Option<String>,
    /// Extra subject alternative names for a newly generated certificate.
    pub extra_sans: Vec<String>,
    /// Largest frame body a client may send, in bytes.
    pub max_frame: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time a connection may stay unauthenticated (after connecting or after logout).
    pub auth_timeout: Duration,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Most connections open at once; further ones wait in the kernel backlog.
    pub max_connections: usize,
    /// Frames that may wait in one connection's outgoing queue before it is cut off.
    pub queue_frames: usize,
    /// Bytes that may wait in one connection's outgoing queue before it is cut off.
    pub queue_bytes: usize,
    /// Messages a connection may send in a burst.
    pub msg_burst: u32,
    /// Sustained messages per second per connection; 0 turns flood control off.
    pub msg_rate: u32,
    /// Argon2id memory cost in KiB for new password hashes.
    pub argon2_memory_kib: u32,
    /// Argon2id passes for new password hashes.
    pub argon2_iterations: u32,
    /// How long presence changes are gathered before `list`/`list_room` pushes go out.
    pub presence_delay: Duration,
    /// While messages keep arriving (the previous batch began less than four lingers ago),
    /// how long the message pipeline keeps a batch open for more before storing and
    /// delivering it, so that several messages share each recipient's write. A lone message
    /// in a quiet room is never held. Zero turns it off.
    pub batch_linger: Duration,
    /// Longest delay before a failed login on an account that keeps failing is
    /// answered (the delays double from 1 s up to this; zero turns them off).
    pub max_login_delay: Duration,
    /// Largest file a user may send, in bytes.
    pub max_file_bytes: u64,
    /// Bytes of files kept; past it the oldest are evicted.
    pub files_quota_bytes: u64,
    /// Bytes one user may upload per hour (a bucket that refills evenly).
    pub upload_bytes_per_hour: u64,
    /// Largest image, in pixels, decoded for a thumbnail.
    pub max_image_pixels: u64,
    /// The wall clock for message times and the edit window.
    pub clock: Clock,
}

/// The server's wall clock: the system's, plus an offset that only tests move
/// (to step past the 24-hour edit window without waiting a day).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Added to the system time, in milliseconds. Shared by clones, so a test
    /// keeps one and moves the running server's time. Atomic: read by every
    /// connection task, written only by tests.
    offset_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    /// Now, in UTC.
    pub fn now(&self) -> time::OffsetDateTime {
        let offset = self.offset_ms.load(std::sync::atomic::Ordering::Relaxed);
        time::OffsetDateTime::now_utc() + time::Duration::milliseconds(offset)
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms
            .fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Config {
    /// Defaults with the given data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            owner: None,
            extra_sans: Vec::new(),
            max_frame: DEFAULT_MAX_CLIENT_FRAME,
            handshake_timeout: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            max_connections: 4096,
            queue_frames: 8192,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            msg_burst: 20,
            msg_rate: 5,
            // OWASP's first Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            presence_delay: Duration::from_millis(15),
            batch_linger: DEFAULT_BATCH_LINGER,
            max_login_delay: Duration::from_secs(30),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            files_quota_bytes: DEFAULT_FILES_QUOTA_BYTES,
            upload_bytes_per_hour: DEFAULT_UPLOAD_BYTES_PER_HOUR,
            max_image_pixels: DEFAULT_MAX_IMAGE_PIXELS,
            clock: Clock::default(),
        }
    }

    /// Directory of sent files inside the data directory.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Path of the SQLite database inside the data directory.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("hearth.db")
    }
}
