//! Every type that crosses the IPC boundary and is not a protocol type. The
//! UI's TypeScript for all of them (and for the protocol types commands take,
//! such as `Register` or `Msg`) is generated from here into
//! `ui/src/lib/backend/generated.ts` (see `bindings.rs`). Field names are
//! snake_case, as serde writes them.
//!
//! These are DTOs only: the rest of the shell works with the client library's
//! types and converts at the edge (see `events.rs` and `chat.rs`).

use std::collections::BTreeMap;

use hearth_protocol::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The Tauri event channel every push is emitted on.
pub const EVENT_CHANNEL: &str = "hearth://event";

// ---------------------------------------------------------------- hosting

/// One LAN address the embedded server can be reached on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HostAddress {
    /// The IP address, without brackets.
    pub ip: String,
    /// The port the server listens on.
    pub port: u16,
}

/// What the host panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
    /// The room name friends see in their Join list.
    pub room_name: String,
    /// Whether the room is announced on the LAN (mDNS and UDP beacons); when not, friends
    /// join by address.
    pub announcing: bool,
    /// The join link as a QR code, for the UI to draw (`null` only if the link could not be
    /// encoded, which a join link never is).
    pub join_qr: Option<JoinQr>,
}

/// A QR code as data, not markup: the UI draws it as an inline SVG `<path>`, dark modules on
/// a light square that leaves the quiet zone scanners need around them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct JoinQr {
    /// Modules per side, without the quiet zone.
    pub width: u32,
    /// SVG path data of the dark modules, one unit per module, origin at the top left module:
    /// each run of dark modules in a row is one `M{x} {y}h{n}v1h-{n}z`.
    pub dark_path: String,
}

/// `host_check` arguments.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct HostCheckArgs {
    /// The port to check before hosting (the default port when absent); ignored while
    /// hosting, when the room's own port is checked.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub port: Option<u32>,
}

/// `host_start` arguments.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct HostStartArgs {
    /// Port to listen on; the default port when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub port: Option<u32>,
    /// The host's own account (made the owner).
    pub username: String,
    /// Its password.
    pub password: hearth_client::Secret,
    /// Its colour, `#rrggbb`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub color: Option<String>,
    /// The largest file friends may send, in MiB (the server's default when absent).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub max_file_mib: Option<u32>,
    /// The room name friends see in their Join list ("USERNAME's room" when absent).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub room_name: Option<String>,
}

/// Who the app is logged in as, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Session {
    /// `host:port` of the server.
    pub server: String,
    /// The account name as the server spells it.
    pub username: String,
    /// `#rrggbb`.
    pub color: String,
    /// The role on that server.
    pub role: Role,
    /// Unread messages and mentions per room and private chat, as of the
    /// login (live changes arrive as `msg` and `activity` events).
    pub unread: Vec<hearth_protocol::UnreadCount>,
}

/// `host_start` result.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HostStarted {
    /// The host panel's data.
    pub host: HostInfo,
    /// The host's own session.
    pub session: Session,
}

// ---------------------------------------------------------------- joining

/// `connect` arguments.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectArgs {
    /// `host`, `host:port`, `[v6]:port` or a `hearth://` join link.
    pub address: String,
    /// The join code, when the user has one.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub join_code: Option<String>,
}

/// `connect` / `trust_host` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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

// ---------------------------------------------------------------- discovery

/// How far a discovered host can be trusted, before joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveredTrust {
    /// First seen: joining trusts the key its announced code names (no dialog).
    New,
    /// This app trusted the address's key before, and the announced code matches it.
    Known,
    /// This app trusted another key at this address: joining is refused until the user
    /// forgets the old key (the host may have been reset, or someone is pretending).
    KeyChanged,
    /// Joining found that the server's key does not match the code it announced: not
    /// the host it claims to be. Never joined.
    NotThisHost,
}

/// One host found on the LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DiscoveredHost {
    /// The room name it announces.
    pub name: String,
    /// The host computer's name.
    pub host_name: String,
    /// `ip:port` of its chat server (where the announcement came from).
    pub address: String,
    /// The join code it announces, to compare with the host's screen.
    pub join_code: String,
    /// Users logged in there now.
    pub online: u32,
    /// How it was heard.
    pub via: Vec<hearth_discovery::Via>,
    /// How far it can be trusted.
    pub trust: DiscoveredTrust,
}

/// The Join screen's list of hosts on the LAN (also the `discovery` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DiscoveryState {
    /// The hosts heard, newest first.
    pub hosts: Vec<DiscoveredHost>,
    /// The interfaces searched, `name (ip)`.
    pub searched: Vec<String>,
    /// Listeners that could not start, in plain words.
    pub problems: Vec<String>,
    /// True once 5 seconds passed with nothing found: show why and the manual path.
    pub nothing_found: bool,
}

/// `discovery_join` arguments.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DiscoveryJoinArgs {
    /// The host's `address` from the list.
    pub address: String,
    /// A join code the user typed or scanned: it wins over the announced one.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub join_code: Option<String>,
}

/// `trust_host` arguments.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct TrustHostArgs {
    /// `host[:port]`.
    pub address: String,
    /// The fingerprint the user confirmed.
    pub fingerprint: String,
}

/// Arguments naming one server (or, for `parse_address`, what the user typed).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddressArgs {
    /// `host[:port]`.
    pub address: String,
}

/// `parse_address` result: what the user typed, understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ParsedAddress {
    /// `host:port` (the default port added when none was typed).
    pub address: String,
    /// The join code, when a `hearth://` link was typed.
    pub join_code: Option<String>,
}

/// One remembered server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SavedLogin {
    /// The account name.
    pub username: String,
}

// ---------------------------------------------------------------- auth

/// `login` arguments.
#[derive(Debug, Clone, Deserialize, TS)]
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
/// (A newtype struct: serde_json writes it as the bare map.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct RoomMap(#[ts(type = "Record<string, string[]>")] pub BTreeMap<String, Vec<String>>);

/// `list_rooms` result: the rooms, and the unread counts as the server keeps
/// them now (after a reconnect they replace what the UI counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct RoomListing {
    /// Room → users (inside a room: only that room).
    pub rooms: RoomMap,
    /// Unread messages and mentions per room and private chat.
    pub unread: Vec<hearth_protocol::UnreadCount>,
}

/// A chat message as the UI shows it (the protocol's message, seen from this
/// user's side: `with` names the other person of a private message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MessageView {
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
    /// The attached file, for a file message.
    pub file: Option<hearth_protocol::FileInfo>,
    /// Users the text mentions by name (as registered), for highlighting.
    pub mentions: Vec<String>,
    /// The text mentions everyone in the room (`@room`).
    pub mention_room: bool,
    /// True when the text mentions this user (by name, or `@room`).
    pub mentions_me: bool,
    /// When it was last edited (ISO 8601).
    pub edited: Option<String>,
    /// Deleted: show "message deleted" instead of the text.
    pub deleted: bool,
    /// Emoji reactions, in the order first given.
    pub reactions: Vec<hearth_protocol::Reaction>,
}

/// `set_unread_total`: what the taskbar or dock badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
pub struct UnreadTotal {
    /// Unread messages over every room and private chat (0: no badge).
    #[ts(type = "number")]
    pub total: u64,
}

/// One page of `search` results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SearchView {
    /// The room searched.
    pub room: Option<String>,
    /// The private chat searched.
    pub with: Option<String>,
    /// Matches, newest first.
    pub messages: Vec<MessageView>,
    /// More matches may follow: search again with `before` = the last id.
    pub more: bool,
}

/// A page of history as the UI shows it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryView {
    /// The room, for public history.
    pub room: Option<String>,
    /// The other person, for private history.
    pub with: Option<String>,
    /// Oldest first.
    pub messages: Vec<MessageView>,
}

// ---------------------------------------------------------------- files

/// `send_file`: bytes the UI read (a paste, a drop, the file picker), sent as
/// a file to the current room (`to: "public"`) or a private partner.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct SendFileArgs {
    /// An id the UI picks for this transfer (for progress events and `cancel_transfer`).
    pub transfer: String,
    /// `"public"` or the private partner.
    pub to: String,
    /// The file's name.
    pub name: String,
    /// The bytes, base64.
    #[ts(type = "string")]
    pub data: hearth_protocol::files::Base64,
}

/// `cancel_transfer`: stops a transfer in progress.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct TransferArgs {
    /// The id the UI gave the transfer.
    pub transfer: String,
}

/// `file_bytes`: a file (or its thumbnail) to show.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct FileBytesArgs {
    /// The file's message id.
    pub id: i64,
    /// The thumbnail (a PNG) instead of the file.
    pub thumbnail: bool,
}

/// What `file_bytes` returns: enough for a `data:` URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FileBytes {
    /// The MIME type (`image/png` for a thumbnail).
    pub mime: String,
    /// The bytes, base64.
    #[ts(type = "string")]
    pub data: hearth_protocol::files::Base64,
}

/// `save_file`: downloads a file to where the OS save dialog says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct SaveFileArgs {
    /// An id the UI picks for this transfer.
    pub transfer: String,
    /// The file's message id.
    pub id: i64,
    /// The name the dialog suggests.
    pub name: String,
}

// ---------------------------------------------------------------- settings

/// App settings, saved in the app config dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Which messages raise a desktop notification (never while the window is focused).
    pub notifications: NotifyLevel,
    /// Tell the others when this user is typing ("share that I am typing").
    pub share_typing: bool,
    /// Do not disturb: no notifications and no sound at all, until switched off.
    pub do_not_disturb: bool,
    /// A short sound with each mention notification.
    pub mention_sound: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notifications: NotifyLevel::Mentions,
            share_typing: true,
            do_not_disturb: false,
            mention_sound: false,
        }
    }
}

/// Which messages raise a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NotifyLevel {
    /// Every message from someone else (and private requests).
    All,
    /// Mentions of this user, private messages and private requests.
    Mentions,
    /// None.
    Off,
}

/// Reads `"all"`, `"mentions"` or `"off"`, or the `true`/`false` that settings
/// files of earlier versions hold (on: mentions and private messages).
impl<'de> Deserialize<'de> for NotifyLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Name(String),
            On(bool),
        }
        match Stored::deserialize(d)? {
            Stored::Name(name) => match name.as_str() {
                "all" => Ok(NotifyLevel::All),
                "mentions" => Ok(NotifyLevel::Mentions),
                "off" => Ok(NotifyLevel::Off),
                other => Err(serde::de::Error::unknown_variant(
                    other,
                    &["all", "mentions", "off"],
                )),
            },
            Stored::On(true) => Ok(NotifyLevel::Mentions),
            Stored::On(false) => Ok(NotifyLevel::Off),
        }
    }
}

// ---------------------------------------------------------------- events

/// Every push the UI receives on [`EVENT_CHANNEL`], tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HearthEvent {
    /// The list of hosts on the LAN changed (only while discovery runs).
    Discovery {
        /// The list now.
        state: DiscoveryState,
    },
    /// `user` is typing in `room` (or, without a room, to you in your private chat).
    Typing {
        /// Who.
        user: String,
        /// The room, for a room.
        room: Option<String>,
    },
    /// A message's reactions changed.
    Reactions {
        /// The message.
        #[ts(type = "number")]
        id: i64,
        /// Its room, for a room message.
        room: Option<String>,
        /// All of its reactions now.
        reactions: Vec<hearth_protocol::Reaction>,
    },
    /// A message was edited: the message as it is now.
    Edited {
        /// The message.
        message: MessageView,
    },
    /// A message was deleted.
    Deleted {
        /// The message.
        #[ts(type = "number")]
        id: i64,
        /// Its room, for a room message.
        room: Option<String>,
        /// Who deleted it.
        by: String,
    },
    /// A new message in a room this user is not in (for its unread badge).
    Activity {
        /// The room.
        room: String,
        /// The message's id.
        #[ts(type = "number")]
        id: i64,
        /// Its sender.
        from: String,
        /// True when it mentions this user.
        mentions_me: bool,
    },
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
        message: MessageView,
    },
    /// A file transfer moved on (`send_file` or `save_file`).
    Transfer {
        /// The id the UI gave it.
        transfer: String,
        /// Bytes confirmed (up) or written (down).
        #[ts(type = "number")]
        done: u64,
        /// The file's size.
        #[ts(type = "number")]
        total: u64,
    },
    /// Recent history after entering a room.
    History {
        /// The page.
        page: HistoryView,
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
        /// What happened.
        notice: NoticeKind,
        /// Whom it is about.
        user: String,
        /// Where.
        room: Option<String>,
        /// When (ISO 8601).
        ts: String,
        /// For a rename.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        old_username: Option<String>,
        /// For a profile change.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        color: Option<String>,
        /// For a kick.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        by: Option<String>,
        /// For a kick.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
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

/// The notices the UI shows in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Came into the room.
    Joined,
    /// Left the room.
    Left,
    /// The connection dropped.
    Disconnected,
    /// Changed name or colour.
    Profile,
    /// Was kicked.
    Kicked,
}
