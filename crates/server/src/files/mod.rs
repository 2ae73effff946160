//! Files sent in rooms and private chats: where their bytes live on disk
//! ([`FileDisk`]), uploads in progress and each user's upload budget
//! ([`Uploads`]), what a file's content is ([`inspect`]: sniffed type,
//! thumbnail), and how a complete upload becomes kept content ([`keep`], then
//! [`record`]).
//!
//! Nothing partial is ever offered: bytes land in `partial/` and move into
//! `blobs/` (named by their SHA-256, so the same content is kept once) only
//! once all of them are in and the hash checks; the blob's database row comes
//! after the move, and the file's message after the row.

mod disk;
mod inspect;
mod keep;
mod uploads;

pub(crate) use disk::{read_at, FileDisk};
pub(crate) use inspect::inspect;
pub(crate) use keep::{keep, record};
pub(crate) use uploads::{Announce, Chunked, Done, Started, UploadError, Uploads};
