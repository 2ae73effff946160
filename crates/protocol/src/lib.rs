//! The Hearth wire protocol, with no I/O of its own beyond `AsyncRead`/`AsyncWrite`.
//!
//! Layout:
//! - [`frame`]: the 4-byte big-endian length prefix, a cheap completeness
//!   [`frame::check`], and a [`frame::FrameReader`] generic over any async stream
//!   (TLS or in-memory).
//! - [`envelope`]: the JSON object every frame carries (`type`, `status`,
//!   `message`, `data`, optional `id`) and how replies and pushes are encoded.
//! - [`request`]: typed client requests ([`request::Command`]) parsed from a frame.
//! - [`rules`]: what makes a valid name, colour, password or message text.
//!
//! This crate is pure: it never opens sockets, never touches TLS or SQLite.
//! `docs/PROTOCOL.md` is the human reference for everything here.

pub mod envelope;
pub mod frame;
pub mod request;
pub mod rules;
pub mod secret;

pub use envelope::{Envelope, RequestId, Status};
pub use frame::{FrameError, FrameReader};
pub use request::{Command, CommandError, Request};
pub use secret::Secret;
