//! Files from the desktop: sending bytes the UI read (a paste, a drop, the
//! paperclip's file picker), fetching a file's bytes to show it (thumbnails
//! and the image viewer), saving one where the OS save dialog says, progress
//! as `transfer` events, and cancelling. Each is one client-library call; the
//! client resumes a transfer after a reconnect by itself.

use std::path::PathBuf;

use hearth_client::{CancellationToken, TransferProgress};
use hearth_protocol::files::Base64;
use tokio::io::AsyncWriteExt;

use crate::error::{CmdResult, CommandError};
use crate::ipc::{FileBytes, FileBytesArgs, HearthEvent, SaveFileArgs, SendFileArgs, TransferArgs};
use crate::state::Core;

impl Core {
    /// Registers a transfer so that `cancel_transfer` can stop it.
    fn begin_transfer(&self, transfer: &str) -> CancellationToken {
        let token = CancellationToken::new();
        self.transfers().insert(transfer.to_owned(), token.clone());
        token
    }

    fn end_transfer(&self, transfer: &str) {
        self.transfers().remove(transfer);
    }

    /// A progress callback that emits `transfer` events.
    fn progress_events(&self, transfer: &str) -> impl FnMut(TransferProgress) + Send + 'static {
        let core = self.clone();
        let transfer = transfer.to_owned();
        move |p: TransferProgress| {
            core.emit(HearthEvent::Transfer {
                transfer: transfer.clone(),
                done: p.done,
                total: p.total,
            })
        }
    }

    /// `send_file`: returns once the host has the whole file; the file's
    /// message arrives as a `msg` event.
    pub async fn send_file(&self, args: SendFileArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let cancel = self.begin_transfer(&args.transfer);
        let progress = self.progress_events(&args.transfer);
        let sent = client
            .send_file(&args.to, &args.name, args.data.0.into(), progress, &cancel)
            .await;
        self.end_transfer(&args.transfer);
        sent?;
        Ok(())
    }

    /// `cancel_transfer`: a transfer that already ended is no error.
    pub async fn cancel_transfer(&self, args: TransferArgs) -> CmdResult<()> {
        if let Some(token) = self.transfers().get(&args.transfer) {
            token.cancel();
        }
        Ok(())
    }

    /// `file_bytes`: the whole file or its thumbnail, in memory.
    pub async fn file_bytes(&self, args: FileBytesArgs) -> CmdResult<FileBytes> {
        let (client, _) = self.client()?;
        let mut data = Vec::new();
        client
            .download_file(
                args.id,
                args.thumbnail,
                &mut data,
                |_| {},
                &CancellationToken::new(),
            )
            .await?;
        let mime = if args.thumbnail {
            "image/png".to_owned()
        } else {
            sniff_image(&data)
                .unwrap_or("application/octet-stream")
                .to_owned()
        };
        Ok(FileBytes {
            mime,
            data: Base64(data),
        })
    }

    /// `save_file`: asks the OS save dialog where, then downloads there with
    /// `transfer` events. `None` when the dialog was cancelled. The bytes go
    /// to a `.part` file first, renamed when complete, so a cancelled or
    /// failed download leaves nothing under the chosen name.
    pub async fn save_file(&self, args: SaveFileArgs) -> CmdResult<Option<String>> {
        let (client, _) = self.client()?;
        let Some(dialog) = self.save_dialog() else {
            return Err(CommandError::internal("no save dialog in this build"));
        };
        let name = args.name.clone();
        let chosen = tokio::task::spawn_blocking(move || dialog(&name))
            .await
            .map_err(|e| CommandError::internal(format!("save dialog: {e}")))?;
        let Some(path) = chosen else {
            return Ok(None);
        };
        let part = part_path(&path);
        let mut file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| CommandError::invalid(format!("Cannot write {}: {e}", part.display())))?;
        let cancel = self.begin_transfer(&args.transfer);
        let progress = self.progress_events(&args.transfer);
        let got = client
            .download_file(args.id, false, &mut file, progress, &cancel)
            .await;
        self.end_transfer(&args.transfer);
        let finished = match got {
            Ok(_) => file.flush().await.and(file.sync_all().await),
            Err(e) => {
                drop(file);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(e.into());
            }
        };
        drop(file);
        finished
            .and(tokio::fs::rename(&part, &path).await)
            .map_err(|e| CommandError::invalid(format!("Cannot write {}: {e}", path.display())))?;
        Ok(Some(path.display().to_string()))
    }
}

/// `NAME.part` next to `path`.
fn part_path(path: &std::path::Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// The type of the four inline image formats, from their first bytes.
fn sniff_image(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_inline_types_are_recognised() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"<svg xmlns="), None);
        assert_eq!(sniff_image(b""), None);
    }

    #[test]
    fn a_download_writes_next_to_its_name_first() {
        assert_eq!(
            part_path(std::path::Path::new("/tmp/shot.png")),
            PathBuf::from("/tmp/shot.png.part")
        );
    }
}
