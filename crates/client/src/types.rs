//! Typed replies and push payloads, read from the server's `data` objects.
//!
//! Unknown fields are ignored and optional ones default, so a newer server
//! that adds fields does not break an older client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// A chat message: a `msg` push, or one entry of a history page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Server-wide id; ids rise in the order messages are delivered.
    pub id: i64,
    /// The sender's name.
    pub from: String,
    /// `"public"` for a room message, else the recipient's name.
    #[serde(default = "public")]
    pub to: String,
    /// The text.
    pub text: String,
    /// When the server accepted it (RFC 3339, UTC).
    pub ts: String,
    /// The sender's colour, `#rrggbb`.
    #[serde(default)]
    pub color: String,
    /// The room, for a public message.
    #[serde(default)]
    pub room: Option<String>,
    /// True for a private message.
    #[serde(default)]
    pub private: bool,
}

fn public() -> String {
    "public".to_owned()
}

impl Message {
    /// The timestamp, parsed.
    pub fn time(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.ts, &time::format_description::well_known::Rfc3339).ok()
    }
}

/// A reply that carries nothing but an optional message (and whatever data came along).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ack {
    /// The server's message, e.g. "general created successfully".
    pub message: Option<String>,
    /// The reply's `data`, untyped.
    pub data: Option<Value>,
}

/// The `login` reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginInfo {
    /// The account name with the case it was registered with.
    pub username: String,
    /// Where the login lands: `lobby`.
    #[serde(default)]
    pub chatroom: String,
    /// `#rrggbb`.
    #[serde(default)]
    pub color: String,
    /// `owner`, `admin` or `member`.
    #[serde(default)]
    pub role: String,
}

/// The `enter` reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entered {
    /// Who entered.
    pub username: String,
    /// The room's name as created.
    pub room: String,
}

/// Rooms and who is in them: the `list` / `list_room` reply or push.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomList {
    /// True when this came from inside a room (`list_room`): only that room is listed.
    pub in_room: bool,
    /// Room name → member names.
    pub rooms: BTreeMap<String, Vec<String>>,
}

/// A profile as returned by `profile`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProfileInfo {
    /// Current name.
    pub username: String,
    /// Current colour.
    #[serde(default)]
    pub color: String,
    /// Current role, when the server says.
    #[serde(default)]
    pub role: Option<String>,
}

/// What to change with `profile`; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// New colour, `#rrggbb`.
    pub color: Option<String>,
    /// New name.
    pub username: Option<String>,
    /// `(old, new)` password.
    pub password: Option<(hearth_protocol::Secret, hearth_protocol::Secret)>,
}

/// The `private_list` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct PrivateLinks {
    /// Users with an open private link.
    #[serde(default)]
    pub active: Vec<String>,
    /// Users who asked you and wait for an answer.
    #[serde(default)]
    pub incoming: Vec<String>,
    /// Users you asked who have not answered.
    #[serde(default)]
    pub outgoing: Vec<String>,
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

/// Which page of history to read with `history`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HistoryQuery {
    /// A room's public history (defaults to the current room).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The private history with this user instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// The newest `limit` messages before this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_id: Option<i64>,
    /// The oldest `limit` messages after this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_id: Option<i64>,
    /// Page size (server default 50, at most 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of history, oldest message first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HistoryPage {
    /// The room, for public history.
    #[serde(default)]
    pub room: Option<String>,
    /// The other person, for private history.
    #[serde(default)]
    pub with: Option<String>,
    /// The messages, oldest first.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// True when the server cut the page short to fit in one frame.
    #[serde(default)]
    pub trimmed: bool,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub ts: String,
    /// login, logout, disconnect, kick, unkick, role.
    pub kind: String,
    /// Whom it concerns.
    pub user: String,
    /// Who did it, for admin actions.
    #[serde(default)]
    pub by: Option<String>,
    /// Peer IP address, when known.
    #[serde(default)]
    pub ip: Option<String>,
    /// Peer port, when known.
    #[serde(default)]
    pub port: Option<u16>,
    /// Kick reason, new role, …
    #[serde(default)]
    pub detail: Option<String>,
}

/// Reads `{room: [members]}` (the shape of `list` and `list_room`).
pub(crate) fn room_list(data: Option<&Value>, in_room: bool) -> Option<RoomList> {
    let map = data?.as_object()?;
    let mut rooms = BTreeMap::new();
    for (room, members) in map {
        let members = members
            .as_array()?
            .iter()
            .map(|m| m.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        rooms.insert(room.clone(), members);
    }
    Some(RoomList { in_room, rooms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_from_a_push_and_from_history() {
        let m: Message = serde_json::from_value(json!({
            "to": "public", "from": "alice", "text": "hi", "id": 7,
            "ts": "2026-01-02T03:04:05.678Z", "color": "#112233", "room": "general"
        }))
        .unwrap();
        assert_eq!(m.room.as_deref(), Some("general"));
        assert!(!m.private);
        assert_eq!(m.time().unwrap().second(), 5);

        let p: Message = serde_json::from_value(json!({
            "to": "bob", "from": "alice", "text": "psst", "id": 8,
            "ts": "2026-01-02T03:04:05.678Z", "color": "#112233", "private": true, "extra": 1
        }))
        .unwrap();
        assert!(p.private);
        assert_eq!(p.to, "bob");
    }

    #[test]
    fn room_lists() {
        let l = room_list(Some(&json!({"lobby": ["a"], "fun": []})), false).unwrap();
        assert_eq!(l.rooms["lobby"], vec!["a".to_owned()]);
        assert!(l.rooms["fun"].is_empty());
        assert!(room_list(Some(&json!({"lobby": "a"})), false).is_none());
        assert!(room_list(None, true).is_none());
    }
}
