//! The Hearth client library, shared by the desktop app and `hearth-cli`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hearth_client::ClientError> {
//! use hearth_client::{Client, Event, JoinLink, Secret, ClientOptions};
//! let link: JoinLink = "hearth://192.168.1.20:7070/Q9W1-DFWF-077Y-MGA1".parse().unwrap();
//! let (client, mut events) = Client::connect_link(&link, ClientOptions::default()).await?;
//! client.login("alice", &Secret::new("correct horse")).await?;
//! client.enter("general").await?;
//! client.send_public("hello").await?;
//! while let Some(event) = events.recv().await {
//!     if let Event::Message(m) = event {
//!         println!("{}: {}", m.from, m.text);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Code map:
//! - Trust: [`trust`] decides whether a server key is acceptable (join code,
//!   exact key, or trust on first use via [`known_hosts`]); `tls` plugs that
//!   decision into the rustls handshake through `hearth_certs::PinnedVerifier`
//!   (signatures still checked) and dials. A refused key fails the handshake, so no credential is
//!   ever sent to the wrong server.
//! - Addresses and links: [`addr`] (`HOST:PORT`), [`link`] (`hearth://HOST:PORT/CODE`).
//! - Session: [`Client`] ([`Client::request`] for any `hearth_protocol`
//!   request type, plus named shorthands) hands calls to a driver task that
//!   owns the connection, matches replies by numeric `id`,
//!   turns pushes into [`Event`]s, sends heartbeats, and reconnects with
//!   backoff, resuming the login, the room and the missed messages.
//!
//! Invariants: credentials are only held inside [`Secret`] (whose `Debug` is
//! `<redacted>`) and never logged; after a `kicked` or `bye` push the client
//! never reconnects; reconnects are pinned to the key seen first.

pub mod addr;
mod client;
mod driver;
mod error;
mod event;
pub mod known_hosts;
pub mod link;
mod options;
mod tls;
mod transfer;
pub mod trust;
mod types;

pub use addr::ServerAddr;
pub use client::{Client, ClientStatus};
pub use error::ClientError;
pub use event::{ConnectionState, Event, EventStream};
pub use hearth_certs::{Fingerprint, JoinCode};
pub use hearth_protocol::push::Notice;
pub use hearth_protocol::requests::{History, HistoryPage, Profile};
pub use hearth_protocol::{
    AuditEntry, ChatMessage, ErrorCode, FileInfo, PrivateLinks, RoomMembers, Secret,
};
pub use known_hosts::KnownHosts;
pub use link::JoinLink;
pub use options::ClientOptions;
pub use tokio_util::sync::CancellationToken;
pub use transfer::{sha256_hex, TransferProgress, DOWNLOAD_WINDOW, UPLOAD_WINDOW};
pub use trust::{OnUnknownHost, Trust, TrustError, TrustOutcome};
pub use types::{AssignableRole, ListReply, Reply, RoomList};
