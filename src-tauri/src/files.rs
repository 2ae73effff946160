//! Small JSON files in the app config dir, written whole through a temporary file and a
//! rename so that a crash never leaves half a file behind.

use std::io;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Reads `path` as JSON; a missing or unreadable file gives `T::default()` (and a warning
/// for an unreadable one, which the next write replaces).
pub fn read_json<T: DeserializeOwned + Default>(path: &Path) -> T {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            log::warn!("ignoring unreadable {}: {e}", path.display());
            T::default()
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => T::default(),
        Err(e) => {
            log::warn!("cannot read {}: {e}", path.display());
            T::default()
        }
    }
}

/// Writes `value` to `path` as pretty JSON, creating the directory if needed.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
