//! Writing a certificate and key pair to disk.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::{CertError, GeneratedCert};

/// File name of the certificate inside an identity directory.
pub const CERT_FILE_NAME: &str = "cert.pem";

/// File name of the private key inside an identity directory.
pub const KEY_FILE_NAME: &str = "key.pem";

/// Writes `cert` into `dir` as [`CERT_FILE_NAME`] and [`KEY_FILE_NAME`],
/// creating `dir` (and its parents) if needed and replacing existing files.
///
/// Each file is written to a temporary file in `dir` and then renamed into
/// place, so a crash never leaves a half-written file under the final name.
/// On Unix the key file is created with mode `0600` from the start.
pub fn write_pair(dir: &Path, cert: &GeneratedCert) -> Result<(), CertError> {
    fs::create_dir_all(dir).map_err(|e| CertError::io("create directory", dir, e))?;
    write_atomically(dir, KEY_FILE_NAME, cert.key_pem.expose().as_bytes(), true)?;
    write_atomically(dir, CERT_FILE_NAME, cert.cert_pem.as_bytes(), false)?;
    Ok(())
}

/// Writes `contents` to `dir/name` via a temporary file and a rename.
fn write_atomically(
    dir: &Path,
    name: &str,
    contents: &[u8],
    private: bool,
) -> Result<(), CertError> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    match fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(CertError::io("remove stale", &temp, e)),
    }

    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if private { 0o600 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options
            .open(&temp)
            .map_err(|e| CertError::io("create", &temp, e))?;
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| CertError::io("write", &temp, e))?;
        fs::rename(&temp, &target).map_err(|e| CertError::io("rename into", &target, e))
    })();

    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
