//! The single error type returned by every storage call.

/// Everything that can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A user or room with the same case-insensitive name already exists.
    #[error("name is already taken")]
    NameTaken,
    /// The row the call refers to does not exist.
    #[error("not found")]
    NotFound,
    /// An error reported by SQLite.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be decoded (bad timestamp, unknown role, ...).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The schema could not be migrated (for example the file is from a newer version).
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database file or its parent directory could not be created.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand for results of storage calls.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// True when `err` is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// Maps a UNIQUE constraint violation to [`StorageError::NameTaken`], anything else to `Sqlite`.
pub(crate) fn map_unique(err: rusqlite::Error) -> StorageError {
    if is_unique_violation(&err) {
        StorageError::NameTaken
    } else {
        StorageError::Sqlite(err)
    }
}
