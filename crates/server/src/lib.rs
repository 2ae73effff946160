//! Hearth's TLS chat server, as a library (embedded by the desktop app) and
//! the `hearth-server` binary.
//!
//! Code map:
//! - [`server`]: [`start`] a server on a bound listener; the [`RunningServer`]
//!   handle stops it. Accepts under a connection cap, drains on shutdown.
//! - `connection`: one connection's life: handshake deadline, reading loop,
//!   auth/idle deadlines, clean-up of presence.
//! - `session` + `cmd/*`: parse a request, check the state, run its handler.
//! - `hub`: the single owner of live presence (who is where), behind one
//!   std mutex that is never held across an `.await`.
//! - `outbox`: per-connection bounded queue and the one task that writes each
//!   TLS stream, coalescing queued frames into one write.
//! - `persist`: the message pipeline: one thread stores each batch, then
//!   delivers it (encoded once per message).
//! - `presence`: debounced `list`/`list_room` pushes.
//! - `passwords`, `throttle`, `flood`: Argon2id off the async threads, login
//!   brute-force limits, per-connection message budget.

mod audit;
mod cmd;
pub mod config;
mod connection;
pub mod error;
mod events;
mod flood;
mod hub;
mod outbox;
mod passwords;
mod persist;
mod presence;
pub mod server;
mod session;
mod shared;
mod throttle;
mod tls;

pub use config::Config;
pub use error::ServerError;
pub use server::{start, RunningServer};
pub use shared::Stats;
