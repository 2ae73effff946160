//! Pushes: what the server sends without being asked (docs/PROTOCOL.md section
//! 6). One type per push `type`; [`crate::for_each_push!`] is the one list, and
//! [`PushMsg`] (what a client decodes a push into) is generated from it.

use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::types::{ChatMessage, KickInfo, Role, RoomMembers};

/// One push type: its wire name and its `message`.
pub trait Push: Serialize + for<'de> Deserialize<'de> {
    /// The `type` on the wire.
    const TYPE: &'static str;

    /// The envelope's `message` (most pushes have none).
    fn message(&self) -> Option<String> {
        None
    }
}

/// Calls `$callback!` with every push as `Variant(Type)`.
#[macro_export]
macro_rules! for_each_push {
    ($callback:ident) => {
        $callback! {
            Msg($crate::types::ChatMessage),
            History($crate::push::HistoryPush),
            List($crate::push::LobbyList),
            ListRoom($crate::push::RoomList),
            Event($crate::push::Notice),
            PrivateRequest($crate::push::PrivateRequestPush),
            PrivateStarted($crate::push::PrivateStarted),
            PrivateRejected($crate::push::PrivateRejected),
            PrivateEnded($crate::push::PrivateEnded),
            PrivateCancelled($crate::push::PrivateCancelled),
            Kicked($crate::push::KickedPush),
            Bye($crate::push::Bye),
            Typing($crate::push::TypingPush),
            Reactions($crate::requests::MessageReactions),
            Edited($crate::push::EditedPush),
            Deleted($crate::requests::MessageDeleted),
            Activity($crate::push::Activity),
        }
    };
}

impl Push for ChatMessage {
    const TYPE: &'static str = "msg";
}

/// `history`: a room's recent messages, right after entering it.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPush {
    /// The room entered.
    pub room: String,
    /// Oldest first; the newest is the last one pushed before the client came in.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
}

impl Push for HistoryPush {
    const TYPE: &'static str = "history";
}

/// `list`: every room and who is in it, to lobby members when it changes.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LobbyList(pub RoomMembers);

impl Push for LobbyList {
    const TYPE: &'static str = "list";
}

/// `list_room`: the current room's members (`{room: [members]}`), to its members
/// when it changes.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomList(pub RoomMembers);

impl Push for RoomList {
    const TYPE: &'static str = crate::requests::LIST_ROOM;
}

/// `event`: something happened to someone (tagged by `kind`).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// `user` came into `room` (or the lobby).
    Joined {
        /// Who.
        user: String,
        /// Where (`lobby` or a room).
        room: String,
        /// When.
        #[serde(default)]
        ts: String,
    },
    /// `user` left `room` (for another place, or logged out).
    Left {
        /// Who.
        user: String,
        /// Where from.
        room: String,
        /// When.
        #[serde(default)]
        ts: String,
    },
    /// `user`'s connection dropped while in `room`.
    Disconnected {
        /// Who.
        user: String,
        /// Where.
        room: String,
        /// When.
        #[serde(default)]
        ts: String,
    },
    /// `user` changed colour or name (to every online user).
    Profile {
        /// The current name.
        user: String,
        /// The name before a rename; absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_username: Option<String>,
        /// The colour now.
        color: String,
        /// When.
        #[serde(default)]
        ts: String,
    },
    /// `user` was kicked (to every online user).
    Kicked {
        /// Who.
        user: String,
        /// By whom.
        by: String,
        /// Why.
        reason: String,
        /// End of the cooldown, or null.
        until: Option<String>,
        /// When.
        #[serde(default)]
        ts: String,
    },
    /// `user`'s role changed (to every online user).
    Role {
        /// Whose role.
        user: String,
        /// The new role.
        role: Role,
        /// The owner who changed it.
        by: String,
        /// When.
        #[serde(default)]
        ts: String,
    },
}

impl Notice {
    /// Whom the notice is about.
    pub fn user(&self) -> &str {
        match self {
            Notice::Joined { user, .. }
            | Notice::Left { user, .. }
            | Notice::Disconnected { user, .. }
            | Notice::Profile { user, .. }
            | Notice::Kicked { user, .. }
            | Notice::Role { user, .. } => user,
        }
    }

    /// The place of a joined/left/disconnected notice.
    pub fn room(&self) -> Option<&str> {
        match self {
            Notice::Joined { room, .. }
            | Notice::Left { room, .. }
            | Notice::Disconnected { room, .. } => Some(room),
            _ => None,
        }
    }

    /// When it happened.
    pub fn ts(&self) -> &str {
        match self {
            Notice::Joined { ts, .. }
            | Notice::Left { ts, .. }
            | Notice::Disconnected { ts, .. }
            | Notice::Profile { ts, .. }
            | Notice::Kicked { ts, .. }
            | Notice::Role { ts, .. } => ts,
        }
    }

    /// The `kind` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::Joined { .. } => "joined",
            Notice::Left { .. } => "left",
            Notice::Disconnected { .. } => "disconnected",
            Notice::Profile { .. } => "profile",
            Notice::Kicked { .. } => "kicked",
            Notice::Role { .. } => "role",
        }
    }
}

/// `typing`: `user` is typing in your room (`room` set) or to you in your
/// private chat (no `room`). Show it for [`crate::rules::TYPING_SHOW_MS`] or
/// until a message of theirs lands.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingPush {
    /// Who is typing.
    pub user: String,
    /// The room, for a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

impl Push for TypingPush {
    const TYPE: &'static str = "typing";
}

impl Push for crate::requests::MessageReactions {
    const TYPE: &'static str = "reactions";
}

/// `edited`: a message you can see was edited; the data is the whole message
/// as it is now (its `edited` set).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EditedPush(pub ChatMessage);

impl Push for EditedPush {
    const TYPE: &'static str = "edited";
}

impl Push for crate::requests::MessageDeleted {
    const TYPE: &'static str = "deleted";
}

/// `activity`: a new message in a room you are not in, so unread counts and
/// mention badges stay live (its text is not sent; enter the room to read it).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The room.
    pub room: String,
    /// The new message's id.
    pub id: i64,
    /// Its sender.
    pub from: String,
    /// Users it mentions by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

impl Push for Activity {
    const TYPE: &'static str = "activity";
}

impl Push for Notice {
    const TYPE: &'static str = "event";
}

/// `private_request`: `from` asks for a private chat (never any content).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateRequestPush {
    /// Who asks.
    pub from: String,
}

impl Push for PrivateRequestPush {
    const TYPE: &'static str = "private_request";
}

/// `private_started`: a private chat with `with` is open (to both).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateStarted {
    /// The other person.
    pub with: String,
}

impl Push for PrivateStarted {
    const TYPE: &'static str = "private_started";
}

/// `private_rejected`: `by` declined your request.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateRejected {
    /// Who declined.
    pub by: String,
}

impl Push for PrivateRejected {
    const TYPE: &'static str = "private_rejected";
}

/// `private_ended`: the private chat with `with` ended.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateEnded {
    /// The other person.
    pub with: String,
    /// Why: `ended by X`, `logged out`, `disconnected`, `X was kicked`.
    pub reason: String,
}

impl Push for PrivateEnded {
    const TYPE: &'static str = "private_ended";
}

/// `private_cancelled`: a pending request with `with` was cancelled.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateCancelled {
    /// The other person.
    pub with: String,
    /// Why.
    pub reason: String,
}

impl Push for PrivateCancelled {
    const TYPE: &'static str = "private_cancelled";
}

/// `kicked`: you were kicked; the connection closes right after.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KickedPush(pub KickInfo);

impl Push for KickedPush {
    const TYPE: &'static str = "kicked";

    fn message(&self) -> Option<String> {
        Some(format!(
            "You were kicked by {}: {}",
            self.0.by, self.0.reason
        ))
    }
}

/// Why the server is about to close a connection (`bye` push).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ByeReason {
    /// The account logged in from another connection.
    Takeover,
    /// Not logged in within the deadline.
    AuthTimeout,
    /// Nothing received for too long.
    IdleTimeout,
    /// The server is restarting: clients should reconnect.
    Shutdown,
    /// The host stopped hosting: the session is over.
    Closed,
    /// The connection made too many refused attempts (failed logins, flood
    /// strikes); the error reply just before says which.
    Refused,
    /// A reason this build does not know (from a newer server).
    #[serde(other)]
    Other,
}

impl ByeReason {
    /// The text people read.
    pub fn message(self) -> &'static str {
        match self {
            ByeReason::Takeover => "You logged in from another place; this connection is closed",
            ByeReason::AuthTimeout => "Not logged in in time; closing",
            ByeReason::IdleTimeout => "Nothing received for too long; closing",
            ByeReason::Shutdown => "The server is shutting down",
            ByeReason::Closed => "The host closed the room",
            ByeReason::Refused => "Too many refused attempts on this connection; closing",
            ByeReason::Other => "The server closed the connection",
        }
    }

    /// True when a client should reconnect (the server is only restarting).
    pub fn may_reconnect(self) -> bool {
        self == ByeReason::Shutdown
    }
}

/// `bye`: the connection is about to be closed, and why.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bye {
    /// Why.
    pub reason: ByeReason,
}

impl Push for Bye {
    const TYPE: &'static str = "bye";

    fn message(&self) -> Option<String> {
        Some(self.reason.message().to_owned())
    }
}

macro_rules! push_enum {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// A push, decoded.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum PushMsg {
            $(
                #[doc = concat!("`", stringify!($ty), "`")]
                $variant($ty),
            )*
        }

        impl PushMsg {
            /// Every push `type`.
            pub const TYPES: &'static [&'static str] = &[$(<$ty as Push>::TYPE),*];

            /// Decodes an ok envelope whose `type` is a known push. `None` for an
            /// error, an unknown type, or data of the wrong shape.
            pub fn decode(env: &Envelope) -> Option<PushMsg> {
                if !env.is_ok() {
                    return None;
                }
                $(
                    if env.kind == <$ty as Push>::TYPE {
                        return env.data_as::<$ty>().ok().map(PushMsg::$variant);
                    }
                )*
                None
            }
        }
    };
}
crate::for_each_push!(push_enum);
