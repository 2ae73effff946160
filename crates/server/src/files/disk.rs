//! The files directory: `blobs/<sha256>` (kept content), `thumbs/<sha256>.png`
//! (thumbnails of inline images) and `partial/<upload id>` (uploads in
//! progress, wiped at every start: an upload does not survive a restart).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The files directory's layout. Every method does blocking file I/O: call it
/// from a blocking thread.
#[derive(Debug)]
pub(crate) struct FileDisk {
    root: PathBuf,
}

impl FileDisk {
    /// Creates the directories if needed and deletes every unfinished upload
    /// of an earlier run.
    pub(crate) fn open(root: &Path) -> io::Result<FileDisk> {
        let disk = FileDisk {
            root: root.to_owned(),
        };
        for dir in ["blobs", "thumbs", "partial"] {
            fs::create_dir_all(root.join(dir))?;
        }
        for entry in fs::read_dir(root.join("partial"))? {
            fs::remove_file(entry?.path())?;
        }
        Ok(disk)
    }

    /// Deletes kept content that has no database row: the host stopped between
    /// moving an upload into place and recording it. Returns how many.
    pub(crate) fn sweep(&self, recorded: &HashSet<String>) -> io::Result<usize> {
        let mut removed = 0;
        for dir in ["blobs", "thumbs"] {
            for entry in fs::read_dir(self.root.join(dir))? {
                let path = entry?.path();
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if !recorded.contains(stem) {
                    fs::remove_file(&path)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Where an upload's bytes go while it is in progress.
    pub(crate) fn partial(&self, upload: &str) -> PathBuf {
        self.root.join("partial").join(upload)
    }

    /// Where kept content lives.
    pub(crate) fn blob(&self, sha256: &str) -> PathBuf {
        self.root.join("blobs").join(sha256)
    }

    /// Where the thumbnail of kept content lives.
    pub(crate) fn thumbnail(&self, sha256: &str) -> PathBuf {
        self.root.join("thumbs").join(format!("{sha256}.png"))
    }

    /// Moves a complete upload into place (or drops it when the same content
    /// is already kept) and writes its thumbnail. Both are flushed to disk
    /// before they are renamed, so a crash leaves whole files or none.
    pub(crate) fn keep(
        &self,
        partial: &Path,
        sha256: &str,
        thumbnail: Option<&[u8]>,
    ) -> io::Result<()> {
        if let Some(png) = thumbnail {
            let path = self.thumbnail(sha256);
            if !path.exists() {
                let tmp = self.partial(&format!("{sha256}.thumb"));
                let mut file = File::create(&tmp)?;
                file.write_all(png)?;
                file.sync_all()?;
                fs::rename(&tmp, &path)?;
            }
        }
        let blob = self.blob(sha256);
        if blob.exists() {
            fs::remove_file(partial)
        } else {
            fs::rename(partial, blob)
        }
    }

    /// Deletes kept content and its thumbnail (missing files are fine).
    pub(crate) fn remove(&self, sha256: &str) -> io::Result<()> {
        for path in [self.blob(sha256), self.thumbnail(sha256)] {
            match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Reads up to `length` bytes at `offset`; returns them with the file's size.
pub(crate) fn read_at(path: &Path, offset: u64, length: usize) -> io::Result<(Vec<u8>, u64)> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let start = offset.min(size);
    let want = (size - start).min(length as u64) as usize;
    let mut data = vec![0; want];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut data)?;
    Ok((data, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_wipes_partial_uploads_and_sweep_drops_unrecorded_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let disk = FileDisk::open(dir.path()).unwrap();
        fs::write(disk.partial("u1"), b"half").unwrap();
        fs::write(disk.blob("aa"), b"kept").unwrap();
        fs::write(disk.blob("bb"), b"orphan").unwrap();
        fs::write(disk.thumbnail("bb"), b"png").unwrap();
        let disk = FileDisk::open(dir.path()).unwrap();
        assert!(!disk.partial("u1").exists());
        let recorded = HashSet::from(["aa".to_owned()]);
        assert_eq!(disk.sweep(&recorded).unwrap(), 2);
        assert!(disk.blob("aa").exists());
        assert!(!disk.blob("bb").exists());
    }

    #[test]
    fn keeping_the_same_content_twice_keeps_one_copy() {
        let dir = tempfile::tempdir().unwrap();
        let disk = FileDisk::open(dir.path()).unwrap();
        for upload in ["u1", "u2"] {
            fs::write(disk.partial(upload), b"same").unwrap();
            disk.keep(&disk.partial(upload), "cc", Some(b"thumb"))
                .unwrap();
            assert!(!disk.partial(upload).exists());
        }
        assert_eq!(fs::read(disk.blob("cc")).unwrap(), b"same");
        assert_eq!(fs::read_dir(dir.path().join("blobs")).unwrap().count(), 1);
        assert_eq!(
            read_at(&disk.blob("cc"), 1, 2).unwrap(),
            (b"am".to_vec(), 4)
        );
        assert_eq!(read_at(&disk.blob("cc"), 9, 2).unwrap(), (Vec::new(), 4));
        disk.remove("cc").unwrap();
        disk.remove("cc").unwrap();
        assert!(!disk.thumbnail("cc").exists());
    }
}
