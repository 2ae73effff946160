//! Data shapes that appear in more than one message: a chat message, a room
//! list, a role, an audit entry.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a user may do on the server.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The server's owner (exactly one).
    Owner,
    /// May kick members and read the audit log.
    Admin,
    /// An ordinary user.
    Member,
}

impl Role {
    /// The wire spelling: `owner`, `admin` or `member`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// True for the owner and admins.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A chat message: the data of a `msg` push, and one entry of a history page.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `"public"` for a room message, else the recipient's name.
    #[serde(default = "public")]
    pub to: String,
    /// The sender's name (always the authenticated one).
    pub from: String,
    /// The text.
    pub text: String,
    /// Server-wide id; ids rise in delivery order.
    pub id: i64,
    /// When the server accepted it (RFC 3339, UTC, milliseconds).
    pub ts: String,
    /// The sender's colour, `#rrggbb`.
    #[serde(default)]
    pub color: String,
    /// The room, for a public message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// True for a private message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub private: bool,
    /// The attached file, for a file message (whose `text` then reads
    /// `[file] NAME (SIZE)` for clients that know nothing of files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<crate::files::FileInfo>,
    /// Users the text mentions by name (`@name`), spelled as registered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, proptest(strategy = "proptest::collection::vec(\".*\", 0..3)"))]
    pub mentions: Vec<String>,
    /// True when the text mentions everyone in the room (`@room`, admins only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub mention_room: bool,
    /// When the author last edited it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<String>,
    /// True once deleted: the text then reads [`DELETED_TEXT`] and there is no file.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Emoji reactions, in the order they were first given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(
        test,
        proptest(
            strategy = "proptest::collection::vec(proptest::arbitrary::any::<Reaction>(), 0..3)"
        )
    )]
    pub reactions: Vec<Reaction>,
}

/// The `text` a deleted message carries, for clients that know nothing of deletion.
pub const DELETED_TEXT: &str = "[message deleted]";

/// One emoji on a message and who gave it.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// Who gave it, in the order they did.
    #[cfg_attr(test, proptest(strategy = "proptest::collection::vec(\".*\", 1..3)"))]
    pub users: Vec<String>,
}

/// Unread messages in one room or private chat (exactly one of `room` and `with`).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UnreadCount {
    /// The room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub room: Option<String>,
    /// The other user of a private chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub with: Option<String>,
    /// Every message up to this id is read.
    #[ts(type = "number")]
    pub last_read: i64,
    /// Messages from others after `last_read`.
    #[ts(type = "number")]
    pub unread: u64,
    /// How many of them mention you.
    #[ts(type = "number")]
    pub mentions: u64,
}

fn public() -> String {
    PUBLIC.to_owned()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The `to` of a message to the current room.
pub const PUBLIC: &str = "public";

/// Rooms and who is in them, in the server's order (the lobby first, then the
/// rooms in creation order; members in the order they came in). On the wire a
/// JSON object `{room: [users]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomMembers(pub Vec<(String, Vec<String>)>);

impl RoomMembers {
    /// The members of `room`, if it is listed.
    pub fn get(&self, room: &str) -> Option<&[String]> {
        self.0
            .iter()
            .find(|(name, _)| name == room)
            .map(|(_, users)| users.as_slice())
    }

    /// Room names, in order.
    pub fn rooms(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }
}

/// `members["room"]`: the members of a listed room; panics when it is not listed.
impl std::ops::Index<&str> for RoomMembers {
    type Output = [String];

    fn index(&self, room: &str) -> &[String] {
        self.get(room)
            .unwrap_or_else(|| panic!("room {room:?} is not in the list"))
    }
}

impl Serialize for RoomMembers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (room, users) in &self.0 {
            map.serialize_entry(room, users)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for RoomMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = RoomMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of room names to arrays of user names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RoomMembers, A::Error> {
                let mut rooms = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, Vec<String>>()? {
                    rooms.push(entry);
                }
                Ok(RoomMembers(rooms))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// One row of the audit log.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AuditEntry {
    /// Row id, rising.
    #[ts(type = "number")]
    pub id: i64,
    /// When (RFC 3339).
    pub ts: String,
    /// `login`, `logout`, `disconnect`, `kick`, `unkick` or `role`.
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
    /// The kick reason and minutes, the new role, or why a connection ended.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Open private chats and pending requests, both ways (the `private_list` reply).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PrivateLinks {
    /// Users with an open private chat.
    #[serde(default)]
    pub active: Vec<String>,
    /// Users who asked you and wait for an answer.
    #[serde(default)]
    pub incoming: Vec<String>,
    /// Users you asked who have not answered.
    #[serde(default)]
    pub outgoing: Vec<String>,
}

/// The cooldown of a kick: in the `kicked` push, and in the `data` of a login
/// refused with [`crate::ErrorCode::Kicked`].
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KickInfo {
    /// When the cooldown ends (RFC 3339), or null when it lasts until lifted
    /// (or, in the push, when there is none).
    pub until: Option<String>,
    /// Who kicked.
    pub by: String,
    /// Why.
    pub reason: String,
}

/// Room names are unique on a server, so generated lists have unique names too.
#[cfg(test)]
impl proptest::arbitrary::Arbitrary for RoomMembers {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<RoomMembers>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        proptest::collection::vec((".*", proptest::collection::vec(".*", 0..4)), 0..5)
            .prop_map(|mut rooms| {
                let mut seen = std::collections::HashSet::new();
                rooms.retain(|(name, _)| seen.insert(name.clone()));
                RoomMembers(rooms)
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_members_keep_the_wire_order() {
        let json = r#"{"lobby":["b","a"],"zeta":[],"alpha":["c"]}"#;
        let members: RoomMembers = serde_json::from_str(json).unwrap();
        assert_eq!(
            members.rooms().collect::<Vec<_>>(),
            ["lobby", "zeta", "alpha"]
        );
        assert_eq!(members.get("lobby").unwrap(), ["b", "a"]);
        assert_eq!(serde_json::to_string(&members).unwrap(), json);
        assert!(serde_json::from_str::<RoomMembers>(r#"{"lobby":"a"}"#).is_err());
        assert!(serde_json::from_str::<RoomMembers>("[]").is_err());
    }

    #[test]
    fn a_public_message_has_no_private_key_and_a_private_one_no_room() {
        let m = ChatMessage {
            to: PUBLIC.into(),
            from: "a".into(),
            text: "hi".into(),
            id: 1,
            ts: "2026-01-01T00:00:00.000Z".into(),
            color: "#000000".into(),
            room: Some("r".into()),
            private: false,
            ..ChatMessage::default()
        };
        let v = serde_json::to_value(&m).unwrap();
        assert!(v.get("private").is_none());
        let p = ChatMessage {
            room: None,
            private: true,
            ..m
        };
        let v = serde_json::to_value(&p).unwrap();
        assert!(v.get("room").is_none());
        assert_eq!(v["private"], true);
    }
}
