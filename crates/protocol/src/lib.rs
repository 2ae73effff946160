//! The Hearth wire protocol, with no I/O of its own beyond `AsyncRead`/`AsyncWrite`.
//!
//! This crate owns the schema, both directions: every request, reply and push
//! is a Rust type here, the server encodes only from these types, and clients
//! decode only into them.
//!
//! Layout:
//! - [`frame`]: the 4-byte big-endian length prefix, a cheap completeness
//!   [`frame::check`], and a [`frame::FrameReader`] generic over any async stream
//!   (TLS or in-memory).
//! - [`request`]: the [`Request`] trait (a type's wire name and its reply's
//!   `data`), the request envelope, and [`Command`], what the server parses a
//!   frame into. [`requests`] has one struct per request type and
//!   [`for_each_request!`], the one list of them.
//! - [`push`]: the [`Push`] trait, one type per push, [`for_each_push!`] and
//!   [`PushMsg`], what a client decodes a push into.
//! - [`envelope`]: the reply/push envelope (`type`, `status`, `message`,
//!   `data`, `code`, `id`) and how the server encodes one.
//! - [`error_code`]: [`ErrorCode`], the stable reason on every error reply.
//! - [`types`]: shapes used by several messages (a chat message, room lists).
//! - [`files`]: the `file` of a chat message, chunk sizes, and [`files::Base64`],
//!   how bytes travel in a JSON frame.
//! - [`rules`]: what makes a valid name, colour, password or message text, and
//!   the limits the UI enforces too.
//!
//! This crate is pure: it never opens sockets, never touches TLS or SQLite.
//! `docs/PROTOCOL.md` is the human reference for everything here; tests keep
//! the two in step.

pub mod envelope;
pub mod error_code;
pub mod files;
pub mod frame;
pub mod push;
pub mod request;
pub mod requests;
pub mod rules;
pub mod secret;
pub mod types;

#[cfg(test)]
mod roundtrip;

/// The port a host listens on, and a joiner assumes, when none is given.
pub const DEFAULT_PORT: u16 = 7878;

/// Version of this protocol, announced in LAN discovery beacons. The message set only
/// grows (new types and fields are added, never changed), so this rises only if that
/// promise is ever broken.
pub const PROTOCOL_VERSION: u32 = 1;

pub use envelope::{Envelope, RequestId, Status};
pub use error_code::ErrorCode;
pub use files::FileInfo;
pub use frame::{FrameError, FrameReader};
pub use push::{Push, PushMsg};
pub use request::{Command, CommandError, RawRequest, Request, RequestError};
pub use secret::Secret;
pub use types::{
    AuditEntry, ChatMessage, KickInfo, PrivateLinks, Reaction, Role, RoomMembers, UnreadCount,
    DELETED_TEXT, PUBLIC,
};
