//! The known-hosts file: which key each server had when the user first trusted it.
//!
//! One line per server, `HOST:PORT SHA256:<hex>`; blank lines and lines starting
//! with `#` are ignored. The file is rewritten whole through a temporary file
//! and a rename, so a crash never leaves half a file behind.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use hearth_certs::Fingerprint;

use crate::addr::ServerAddr;

/// Name of the file inside the user's Hearth config directory.
pub const FILE_NAME: &str = "known_hosts";

const HEADER: &str = "# Hearth known hosts: HOST:PORT SHA256:<key fingerprint>\n\
# Remove a line (or use \"forget host\") only if you know why the server's key changed.\n";

/// A known-hosts file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    /// Reading or writing failed.
    #[error("cannot {action} known-hosts file {}: {cause}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// A line is not `HOST:PORT SHA256:<hex>`.
    #[error("known-hosts file {}, line {line}: {reason}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// [`KnownHosts::trust`] on a host saved with another key.
    #[error("{addr} is already saved with key {saved}; forget it first to trust a new key")]
    AlreadySaved {
        /// The server.
        addr: ServerAddr,
        /// The key on file.
        saved: Fingerprint,
    },
}

/// What the file says about a server's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStatus {
    /// The server is saved with exactly this key.
    Known,
    /// The server is not in the file.
    Unknown,
    /// The server is saved with a different key.
    Changed {
        /// The key on file.
        saved: Fingerprint,
    },
}

/// The contents of one known-hosts file, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHosts {
    path: PathBuf,
    entries: BTreeMap<ServerAddr, Fingerprint>,
}

impl KnownHosts {
    /// `<config dir>/hearth/known_hosts`, when the platform has a config dir.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("hearth").join(FILE_NAME))
    }

    /// Reads the file at `path`; a missing file is an empty list.
    pub fn load(path: impl Into<PathBuf>) -> Result<KnownHosts, KnownHostsError> {
        let path = path.into();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(cause) => {
                return Err(KnownHostsError::Io {
                    action: "read",
                    path,
                    cause,
                })
            }
        };
        let entries = parse(&text).map_err(|(line, reason)| KnownHostsError::Syntax {
            path: path.clone(),
            line,
            reason,
        })?;
        Ok(KnownHosts { path, entries })
    }

    /// Where the file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved key of `addr`.
    pub fn get(&self, addr: &ServerAddr) -> Option<Fingerprint> {
        self.entries.get(addr).copied()
    }

    /// Every saved server, sorted by address.
    pub fn iter(&self) -> impl Iterator<Item = (&ServerAddr, &Fingerprint)> {
        self.entries.iter()
    }

    /// Compares `key` with what is saved for `addr`.
    pub fn check(&self, addr: &ServerAddr, key: &Fingerprint) -> HostStatus {
        match self.entries.get(addr) {
            None => HostStatus::Unknown,
            Some(saved) if saved == key => HostStatus::Known,
            Some(saved) => HostStatus::Changed { saved: *saved },
        }
    }

    /// Saves `key` for `addr` and writes the file.
    ///
    /// The file is read again first, so that entries another process added
    /// meanwhile are kept. Trusting the key already saved is a no-op; a
    /// different key is refused until the host is [forgotten](Self::forget).
    pub fn trust(&mut self, addr: &ServerAddr, key: Fingerprint) -> Result<(), KnownHostsError> {
        self.reload()?;
        match self.check(addr, &key) {
            HostStatus::Known => Ok(()),
            HostStatus::Changed { saved } => Err(KnownHostsError::AlreadySaved {
                addr: addr.clone(),
                saved,
            }),
            HostStatus::Unknown => {
                self.entries.insert(addr.clone(), key);
                self.save()
            }
        }
    }

    /// Removes `addr` and writes the file; returns whether it was there.
    pub fn forget(&mut self, addr: &ServerAddr) -> Result<bool, KnownHostsError> {
        self.reload()?;
        if self.entries.remove(addr).is_none() {
            return Ok(false);
        }
        self.save()?;
        Ok(true)
    }

    fn reload(&mut self) -> Result<(), KnownHostsError> {
        self.entries = KnownHosts::load(self.path.clone())?.entries;
        Ok(())
    }

    /// Writes every entry, creating the directory if needed.
    fn save(&self) -> Result<(), KnownHostsError> {
        let io_err = |action, path: &Path| {
            let path = path.to_path_buf();
            move |cause| KnownHostsError::Io {
                action,
                path,
                cause,
            }
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err("create the directory of", &self.path))?;
        }
        let mut text = String::from(HEADER);
        for (addr, key) in &self.entries {
            text.push_str(&format!("{addr} {key}\n"));
        }
        let temp = self
            .path
            .with_file_name(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .and_then(|mut f| {
                f.write_all(text.as_bytes())?;
                f.sync_all()
            })
            .and_then(|()| fs::rename(&temp, &self.path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map_err(io_err("write", &self.path))
    }
}

/// Parses file text; errors carry the 1-based line number.
fn parse(text: &str) -> Result<BTreeMap<ServerAddr, Fingerprint>, (usize, String)> {
    let mut entries = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(addr), Some(key), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err((i + 1, "expected HOST:PORT SHA256:<hex>".into()));
        };
        let addr: ServerAddr = addr
            .parse()
            .map_err(|e: crate::addr::AddrError| (i + 1, e.to_string()))?;
        let key: Fingerprint = key
            .parse()
            .map_err(|e: hearth_certs::CertError| (i + 1, e.to_string()))?;
        entries.insert(addr, key);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> ServerAddr {
        s.parse().unwrap()
    }

    #[test]
    fn missing_file_is_empty_and_trust_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let mut kh = KnownHosts::load(&path).unwrap();
        assert_eq!(kh.iter().count(), 0);
        let key = Fingerprint::of_spki_der(b"one");
        assert_eq!(kh.check(&addr("a:1"), &key), HostStatus::Unknown);
        kh.trust(&addr("A:1"), key).unwrap();

        let again = KnownHosts::load(&path).unwrap();
        assert_eq!(again.check(&addr("a:1"), &key), HostStatus::Known);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("a:1 {key}\n")), "{text}");
    }

    #[test]
    fn changed_key_is_reported_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let (one, two) = (
            Fingerprint::of_spki_der(b"one"),
            Fingerprint::of_spki_der(b"two"),
        );
        let mut kh = KnownHosts::load(&path).unwrap();
        kh.trust(&addr("[::1]:7"), one).unwrap();
        assert_eq!(
            kh.check(&addr("[::1]:7"), &two),
            HostStatus::Changed { saved: one }
        );
        assert!(matches!(
            kh.trust(&addr("[::1]:7"), two),
            Err(KnownHostsError::AlreadySaved { saved, .. }) if saved == one
        ));
        assert!(kh.forget(&addr("[::1]:7")).unwrap());
        assert!(!kh.forget(&addr("[::1]:7")).unwrap());
        kh.trust(&addr("[::1]:7"), two).unwrap();
        assert_eq!(
            KnownHosts::load(&path).unwrap().get(&addr("[::1]:7")),
            Some(two)
        );
    }

    #[test]
    fn entries_added_by_another_process_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut first = KnownHosts::load(&path).unwrap();
        let mut second = KnownHosts::load(&path).unwrap();
        first
            .trust(&addr("a:1"), Fingerprint::of_spki_der(b"a"))
            .unwrap();
        second
            .trust(&addr("b:2"), Fingerprint::of_spki_der(b"b"))
            .unwrap();
        let all = KnownHosts::load(&path).unwrap();
        assert_eq!(all.iter().count(), 2);
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_errors_name_the_line() {
        let key = Fingerprint::of_spki_der(b"k");
        let text = format!("# c\n\n  host.lan:7070   {key}  \n");
        let entries = parse(&text).unwrap();
        assert_eq!(entries.get(&addr("host.lan:7070")), Some(&key));

        assert_eq!(parse("a:1\n").unwrap_err().0, 1);
        assert_eq!(parse(&format!("# x\nnoport {key}\n")).unwrap_err().0, 2);
        assert_eq!(parse("a:1 SHA256:zz\n").unwrap_err().0, 1);
        assert_eq!(parse(&format!("a:1 {key} extra\n")).unwrap_err().0, 1);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "garbage\n").unwrap();
        let err = KnownHosts::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
