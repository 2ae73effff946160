//! The few client-side shapes the protocol does not define itself: a reply's
//! parts, a room list that knows where it came from, and the roles the owner
//! can hand out. Everything else is a `hearth_protocol` type.

use hearth_protocol::RoomMembers;

/// An ok reply: the server's message and the typed `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply<T> {
    /// The server's message, e.g. "games created successfully".
    pub message: Option<String>,
    /// The reply's `data`.
    pub data: T,
}

/// Rooms and who is in them: the `list` / `list_room` reply or push.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomList {
    /// True when this came from inside a room (`list_room`): only that room is listed.
    pub in_room: bool,
    /// Room → member names, in the server's order (lobby first).
    pub rooms: RoomMembers,
}

/// The reply to `list`: the rooms, and the user's unread counts beside them.
#[derive(Debug, Clone, PartialEq)]
pub struct ListReply {
    /// The rooms and who is in them.
    pub list: RoomList,
    /// The user's unread counts as the server keeps them now (rooms and
    /// private chats; empty from servers that do not send them).
    pub unread: Vec<hearth_protocol::UnreadCount>,
}

/// A role the owner can give with `role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignableRole {
    /// May kick members.
    Admin,
    /// An ordinary user.
    Member,
}

impl AssignableRole {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignableRole::Admin => "admin",
            AssignableRole::Member => "member",
        }
    }
}
