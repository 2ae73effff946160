//! Every type that crosses the IPC boundary, mirroring `ui/src/lib/backend/types.ts`
//! (docs/DESKTOP-IPC.md is the contract). Field names are snake_case, as serde writes them.
//!
//! These are DTOs only: the rest of the shell works with the client library's types and
//! converts at the edge (see `events.rs` and `chat.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The Tauri event channel every push is emitted on.
pub const EVENT_CHANNEL: &str = "hearth://event";

// ---------------------------------------------------------------- hosting

/// One LAN address the embedded server can be reached on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostAddress {
    /// The IP address, without brackets.
    pub ip: String,
    /// The port the server listens on.
    pub port: u16,
}

/// What the host panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostInfo {
    /// Every LAN address (loopback excluded).
    pub addresses: Vec<HostAddress>,
    /// The listening port.
    pub port: u16,
    /// `XXXX-XXXX-XXXX-XXXX`.
    pub join_code: String,
    /// `SHA256:<hex>`.
    pub fingerprint: String,
    /// `hearth://HOST:PORT/CODE` for the first address.
    pub join_link: String,
    /// Clients logged in right now, the host included.
    pub connected: u32,
}

/// `host_start` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct HostStartArgs {
    /// Port to listen on; the default port when absent.
    #[serde(default)]
    pub port: Option<u32>,
    /// The host's own account (made the owner).
    pub username: String,
    /// Its password.
    pub password: hearth_client::Secret,
    /// Its colour, `#rrggbb`.
    #[serde(default)]
    pub color: Option<String>,
}

/// Who the app is logged in as, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// `host:port` of the server.
    pub server: String,
    /// The account name as the server spells it.
    pub username: String,
    /// `#rrggbb`.
    pub color: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
}

/// `host_start` result.
#[derive(Debug, Clone, Serialize)]
pub struct HostStarted {
    /// The host panel's data.
    pub host: HostInfo,
    /// The host's own session.
    pub session: Session,
}

// ---------------------------------------------------------------- joining

/// `connect` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectArgs {
    /// `host`, `host:port` or `[v6]:port`.
    pub address: String,
    /// The join code, when the user has one.
    #[serde(default)]
    pub join_code: Option<String>,
}

/// `connect` / `trust_host` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConnectResult {
    /// Connected; log in or register next.
    Connected {
        /// `host:port`.
        server: String,
    },
    /// Unknown host and no code: ask the user about this fingerprint.
    NeedsTrust {
        /// `host:port`.
        server: String,
        /// `SHA256:<hex>`.
        fingerprint: String,
    },
}

/// `trust_host` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct TrustHostArgs {
    /// `host[:port]`.
    pub address: String,
    /// The fingerprint the user confirmed.
    pub fingerprint: String,
}

/// Arguments naming one server.
#[derive(Debug, Clone, Deserialize)]
pub struct AddressArgs {
    /// `host[:port]`.
    pub address: String,
}

/// One remembered server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedServer {
    /// `host:port`.
    pub address: String,
    /// Fingerprint in known hosts, if trusted.
    pub fingerprint: Option<String>,
    /// Username saved in the keychain for this server.
    pub saved_user: Option<String>,
    /// ISO 8601 of the last successful connect.
    pub last_used: Option<String>,
}

/// A login saved in the keychain (the password never leaves Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedLogin {
    /// The account name.
    pub username: String,
}

// ---------------------------------------------------------------- auth

/// `register` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisterArgs {
    /// New account name.
    pub username: String,
    /// Its password.
    pub password: hearth_client::Secret,
    /// `#rrggbb`, or the server picks one.
    #[serde(default)]
    pub color: Option<String>,
}

/// `login` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginArgs {
    /// Account name.
    pub username: String,
    /// Password.
    pub password: hearth_client::Secret,
    /// Save the credentials in the OS keychain for this server.
    #[serde(default)]
    pub remember: bool,
}

// ---------------------------------------------------------------- rooms and messages

/// Room name → users in it, `lobby` included.
pub type RoomMap = BTreeMap<String, Vec<String>>;

/// Arguments naming a room.
#[derive(Debug, Clone, Deserialize)]
pub struct RoomArgs {
    /// The room.
    pub room: String,
}

/// `send_message` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct SendArgs {
    /// `"public"` for the current room, or a username with an active private chat.
    pub to: String,
    /// The text.
    pub text: String,
}

/// A chat message as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// Server-wide id.
    pub id: i64,
    /// Room of a public message.
    pub room: Option<String>,
    /// The other person of a private message, from this user's point of view.
    pub with: Option<String>,
    /// Sender.
    pub from: String,
    /// Text (always rendered as text by the UI).
    pub text: String,
    /// ISO 8601.
    pub ts: String,
    /// Sender's colour.
    pub color: String,
    /// True for a private message.
    pub private: bool,
}

/// `history` arguments.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryArgs {
    /// A room's public history.
    #[serde(default)]
    pub room: Option<String>,
    /// The private history with this user.
    #[serde(default)]
    pub with: Option<String>,
    /// Messages older than this id.
    #[serde(default)]
    pub before_id: Option<i64>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPage {
    /// The room, for public history.
    pub room: Option<String>,
    /// The other person, for private history.
    pub with: Option<String>,
    /// Oldest first.
    pub messages: Vec<ChatMessage>,
}

// ---------------------------------------------------------------- private chats

/// `private_request` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct ToArgs {
    /// Whom to ask.
    pub to: String,
}

/// `private_accept` / `private_reject` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct FromArgs {
    /// Who asked.
    pub from: String,
}

/// `private_end` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct WithArgs {
    /// The other person.
    pub with: String,
}

/// `private_list` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateList {
    /// Open private chats.
    pub active: Vec<String>,
    /// Requests waiting for this user's answer.
    pub incoming: Vec<String>,
    /// This user's requests waiting for an answer.
    pub outgoing: Vec<String>,
}

// ---------------------------------------------------------------- admin

/// `kick` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct KickArgs {
    /// Who.
    pub username: String,
    /// Why (required).
    pub reason: String,
    /// Cooldown; 0 = none.
    pub minutes: u32,
}

/// Arguments naming a user.
#[derive(Debug, Clone, Deserialize)]
pub struct UsernameArgs {
    /// The user.
    pub username: String,
}

/// `set_role` arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct SetRoleArgs {
    /// The user.
    pub username: String,
    /// `admin` or `member`.
    pub role: String,
}

/// `audit` arguments.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditArgs {
    /// Most entries to return.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One audit log row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When (ISO 8601).
    pub ts: String,
    /// login, logout, disconnect, kick, unkick, role.
    pub kind: String,
    /// Whom it concerns.
    pub user: String,
    /// Who did it.
    pub by: Option<String>,
    /// Peer IP.
    pub ip: Option<String>,
    /// Peer port.
    pub port: Option<u16>,
    /// Reason, role, …
    pub detail: Option<String>,
}

// ---------------------------------------------------------------- profile and settings

/// A password change.
#[derive(Debug, Clone, Deserialize)]
pub struct PasswordChange {
    /// Current password.
    pub old: hearth_client::Secret,
    /// New password.
    pub new: hearth_client::Secret,
}

/// `update_profile` arguments; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileArgs {
    /// New colour.
    #[serde(default)]
    pub color: Option<String>,
    /// New name.
    #[serde(default)]
    pub username: Option<String>,
    /// New password.
    #[serde(default)]
    pub password: Option<PasswordChange>,
}

/// App settings, saved in the app config dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Desktop notifications for private messages, mentions and private requests.
    pub notifications: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notifications: true,
        }
    }
}

// ---------------------------------------------------------------- events

/// Every push the UI receives on [`EVENT_CHANNEL`], tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HearthEvent {
    /// Dialing a server.
    Connecting {
        /// `host:port`.
        server: String,
    },
    /// Connected (first time or after a reconnect).
    Connected {
        /// `host:port`.
        server: String,
    },
    /// The connection dropped; the client library is retrying.
    Reconnecting {
        /// Attempt number, from 1.
        attempt: u32,
        /// Wait before this attempt.
        retry_in_ms: u64,
    },
    /// The connection is gone for good.
    Disconnected {
        /// Why, in plain language.
        reason: String,
    },
    /// A chat message.
    Msg {
        /// The message.
        message: ChatMessage,
    },
    /// Recent history after entering a room.
    History {
        /// The page.
        page: HistoryPage,
    },
    /// The lobby's view of every room.
    Rooms {
        /// Room → users.
        rooms: RoomMap,
    },
    /// The current room's members.
    Members {
        /// The room.
        room: String,
        /// Its members.
        users: Vec<String>,
    },
    /// Someone joined, left, dropped, changed profile or was kicked.
    Notice {
        /// `joined`, `left`, `disconnected`, `profile` or `kicked`.
        notice: String,
        /// Whom it is about.
        user: String,
        /// Where.
        room: Option<String>,
        /// When (ISO 8601).
        ts: String,
        /// For a rename.
        #[serde(skip_serializing_if = "Option::is_none")]
        old_username: Option<String>,
        /// For a profile change.
        #[serde(skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        /// For a kick.
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// For a kick.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Someone asks for a private chat (never with any content).
    PrivateRequest {
        /// Who asks.
        from: String,
    },
    /// A private chat opened.
    PrivateStarted {
        /// The other person.
        with: String,
    },
    /// A private request was declined.
    PrivateRejected {
        /// Who declined.
        by: String,
    },
    /// A private chat ended.
    PrivateEnded {
        /// The other person.
        with: String,
        /// Why.
        reason: String,
    },
    /// A pending private request was cancelled.
    PrivateCancelled {
        /// The other person.
        with: String,
        /// Why.
        reason: String,
    },
    /// This user was kicked.
    Kicked {
        /// Who kicked.
        by: String,
        /// Why.
        reason: String,
        /// End of the cooldown (ISO 8601), or null.
        until: Option<String>,
    },
    /// The server said goodbye.
    Bye {
        /// The server's message.
        message: String,
    },
    /// This user's session changed (rename, colour, role).
    Session {
        /// The new session.
        session: Session,
    },
    /// The hosted server's connected count changed.
    HostStatus {
        /// Clients logged in, the host included.
        connected: u32,
    },
    /// A `hearth://` link was opened.
    JoinLink {
        /// `host:port`.
        address: String,
        /// The code from the link.
        join_code: Option<String>,
    },
}
