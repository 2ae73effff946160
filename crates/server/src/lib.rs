//! Hearth's TLS chat server, as a library (embedded by the desktop app) and
//! the `hearth-server` binary.
//!
//! Code map, bottom to top (a module uses only the ones above it in this list;
//! ARCHITECTURE.md states the layers and a test checks them):
//! - `config`, `error`, `flood`, `throttle`, `passwords`, `tls`, `roles`,
//!   `tokens`: settings, errors, budgets, Argon2id off the async threads, the
//!   rustls acceptor, the stored-role ↔ wire-role conversion, login tokens.
//! - `files`: the files directory, uploads in progress with each user's
//!   budget, type sniffing and thumbnails, keeping complete uploads.
//! - `outbox`: per-connection bounded queue and the one task that writes each
//!   TLS stream, coalescing queued frames into one write.
//! - `hub`: the single owner of live presence and private chats, with their
//!   rules. `message`: a chat message accepted but not yet stored.
//! - `shared`: what every connection shares; the hub behind one std mutex,
//!   reached only through `Shared::with_hub`.
//! - `audit`, `presence`, `persist`: audit rows, debounced `list`/`list_room`
//!   pushes, and the message pipeline (one thread stores each batch, then
//!   delivers it, encoded once per message).
//! - `outcome`, `conn_state`, `handle`: what a handler returns, what a
//!   connection's task owns, and the `Handle` trait each request implements.
//! - `cmd/*`: the handlers, one module per group of requests.
//! - `dispatch`: parse a frame, check the state rule, run the handler, reply.
//! - `connection`: one connection's life: handshake deadline, reading loop,
//!   auth/idle deadlines, clean-up of presence.
//! - [`server`]: [`start`] a server on a bound listener; the [`RunningServer`]
//!   handle stops it. Accepts under a connection cap, drains on shutdown.
//!   `fuzzing` (feature `fuzzing`): the same server with in-memory connections,
//!   for the fuzz targets.

pub mod config;
pub mod error;
mod flood;
mod passwords;
mod roles;
mod throttle;
mod tls;
mod tokens;

mod files;
mod outbox;

mod hub;
mod message;

mod shared;

mod audit;
mod persist;
mod presence;

mod conn_state;
mod handle;
mod outcome;

mod cmd;

mod dispatch;

mod connection;

pub mod server;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use config::{Clock, Config};
pub use error::ServerError;
pub use server::{start, RunningServer};
pub use shared::Stats;
