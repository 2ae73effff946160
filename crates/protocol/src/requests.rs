//! Every request type, with the `data` of its ok reply. One struct per `type`,
//! in the order of docs/PROTOCOL.md section 5; [`crate::for_each_request!`] is
//! the one list of them.
//!
//! Optional fields are left out when empty, so a client's frames look like the
//! examples in PROTOCOL.md. Unknown fields are ignored (the original client
//! sends `from` with `msg`).

use serde::{Deserialize, Serialize};

use crate::files::Base64;
use crate::request::Request;
use crate::secret::Secret;
use crate::types::{
    AuditEntry, ChatMessage, PrivateLinks, Reaction, Role, RoomMembers, UnreadCount,
};

/// Calls `$callback!` with every request as `Variant(Type)`, in documentation
/// order. The protocol's [`crate::Command`] enum and the server's dispatch are
/// both generated from this list, so a request added here must be handled.
#[macro_export]
macro_rules! for_each_request {
    ($callback:ident) => {
        $callback! {
            Ping($crate::requests::Ping),
            Register($crate::requests::Register),
            Login($crate::requests::Login),
            Logout($crate::requests::Logout),
            List($crate::requests::List),
            Create($crate::requests::Create),
            Enter($crate::requests::Enter),
            Exit($crate::requests::Exit),
            Msg($crate::requests::Msg),
            Profile($crate::requests::Profile),
            PrivateRequest($crate::requests::PrivateRequest),
            PrivateAccept($crate::requests::PrivateAccept),
            PrivateReject($crate::requests::PrivateReject),
            PrivateEnd($crate::requests::PrivateEnd),
            PrivateList($crate::requests::PrivateList),
            SetRole($crate::requests::SetRole),
            Kick($crate::requests::Kick),
            Unkick($crate::requests::Unkick),
            History($crate::requests::History),
            Audit($crate::requests::Audit),
            Devices($crate::requests::Devices),
            RevokeDevice($crate::requests::RevokeDevice),
            Upload($crate::requests::Upload),
            UploadChunk($crate::requests::UploadChunk),
            UploadCancel($crate::requests::UploadCancel),
            Download($crate::requests::Download),
            Read($crate::requests::Read),
            Typing($crate::requests::Typing),
            React($crate::requests::React),
            Edit($crate::requests::Edit),
            Delete($crate::requests::Delete),
            Search($crate::requests::Search),
        }
    };
}

macro_rules! request {
    ($ty:ident = $name:literal => $reply:ty) => {
        impl Request for $ty {
            const TYPE: &'static str = $name;
            type Reply = $reply;
        }
    };
}

// ---------------------------------------------------------------- any state

/// `ping`: answered with `pong` (keeps the connection alive, measures latency).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {}

impl Request for Ping {
    const TYPE: &'static str = "ping";
    const REPLY_TYPE: &'static str = "pong";
    type Reply = ();
}

// ---------------------------------------------------------------- auth

/// `register {username, password, color?}`: makes an account (does not log in).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Register {
    /// The new account's name.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// `#rrggbb`; without one the server picks from its palette.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub color: Option<String>,
}
request!(Register = "register" => Account);

/// An account as the server describes it (`register` and `profile` replies).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The name, spelled as registered.
    pub username: String,
    /// `#rrggbb`.
    pub color: String,
    /// The role.
    pub role: Role,
    /// A fresh login token, when a password change named a `device`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

/// `login {username, password, device?}` or `login {username, token}`.
///
/// With `device` (a name for this device, like "alice's laptop"), a password
/// login also issues a login token for that device, returned once in the reply;
/// the device can then log in with `token` instead of the password (no Argon2
/// hash to pay, and the password need not be kept). The original clients send
/// only `username` and `password`.
/// Exactly one of `password` and `token` is set (parsing refuses anything else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LoginFields")]
pub struct Login {
    /// The account name (any case).
    pub username: String,
    /// Its password (or give `token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// A login token issued earlier to a device of this account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// With a password: issue a token for a device of this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}
request!(Login = "login" => LoggedIn);

/// `login`'s fields as sent, before the one-credential rule is checked.
#[derive(Deserialize)]
struct LoginFields {
    username: String,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default)]
    device: Option<String>,
}

impl TryFrom<LoginFields> for Login {
    type Error = &'static str;

    fn try_from(f: LoginFields) -> Result<Login, &'static str> {
        match (&f.password, &f.token, &f.device) {
            (None, None, _) => Err("missing field `password`"),
            (Some(_), Some(_), _) => Err("give a password or a token, not both"),
            (None, Some(_), Some(_)) => Err("a device is named only with a password"),
            _ => Ok(Login {
                username: f.username,
                password: f.password,
                token: f.token,
                device: f.device,
            }),
        }
    }
}

/// A login with a password (perhaps naming a device), or with a token.
#[cfg(test)]
impl proptest::arbitrary::Arbitrary for Login {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Login>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        (
            any::<String>(),
            any::<Secret>(),
            any::<bool>(),
            any::<Option<String>>(),
        )
            .prop_map(|(username, secret, with_token, device)| Login {
                username,
                password: (!with_token).then(|| secret.clone()),
                token: with_token.then_some(secret),
                device: device.filter(|_| !with_token),
            })
            .boxed()
    }
}

/// The `login` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedIn {
    /// The name, spelled as registered, whatever case was typed.
    pub username: String,
    /// Where the login lands: always `lobby` (the original protocol's key).
    pub chatroom: String,
    /// `#rrggbb`.
    pub color: String,
    /// The role.
    pub role: Role,
    /// The new device's login token, when the request named a `device`. Shown
    /// only this once; keep it like a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// Rooms and private chats with unread messages or mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<UnreadCount>,
}

/// `logout {forget_device?}`: back to the auth state on the same connection.
/// With `forget_device`, the login token this connection logged in with (or
/// was issued) is revoked: "log out on this device".
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logout {
    /// Also revoke this device's login token.
    #[serde(default, skip_serializing_if = "is_false")]
    pub forget_device: bool,
}
request!(Logout = "logout" => ());

fn is_false(b: &bool) -> bool {
    !*b
}

// ---------------------------------------------------------------- lobby and room

/// `list`: every room in the lobby; inside a room the reply is `list_room`
/// with that room only.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {}
request!(List = "list" => RoomMembers);

/// The reply type of `list` inside a room.
pub const LIST_ROOM: &str = "list_room";

/// `create {room}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Create {
    /// The new room's name.
    pub room: String,
}
request!(Create = "create" => RoomName);

/// `{room}`: the `create` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomName {
    /// The room, spelled as created.
    pub room: String,
}

/// `enter {room}`: the reply, then a `history` push, then live messages.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Enter {
    /// The room to enter (any case).
    pub room: String,
}
request!(Enter = "enter" => Entered);

/// The `enter` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entered {
    /// Who entered.
    pub username: String,
    /// The room, spelled as created.
    pub room: String,
}

/// `exit`: back to the lobby.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {}
request!(Exit = "exit" => ());

/// `msg {to, text}`: `to` is `"public"` (the current room) or a user with an
/// open private chat. Success has no reply of its own: the sender's copy of the
/// `msg` push carries the request's `id`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Msg {
    /// `"public"` or a user name.
    pub to: String,
    /// The text.
    pub text: String,
}
request!(Msg = "msg" => ChatMessage);

// ---------------------------------------------------------------- profile

/// `profile {color?, username?, password?, device?}` (at least one of the first three).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Profile {
    /// New colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub color: Option<String>,
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub username: Option<String>,
    /// New password, with the current one. It revokes every login token of the
    /// account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub password: Option<PasswordChange>,
    /// With a new password: issue a fresh login token for a device of this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub device: Option<String>,
}
request!(Profile = "profile" => Account);

/// A password change inside `profile`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PasswordChange {
    /// The current password.
    pub old: Secret,
    /// The new password.
    pub new: Secret,
}

// ---------------------------------------------------------------- private chats

/// `private_request {to}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PrivateRequest {
    /// Whom to ask.
    pub to: String,
}
request!(PrivateRequest = "private_request" => PrivateRequested);

/// The `private_request` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateRequested {
    /// Whom you asked, spelled as registered.
    pub to: String,
    /// True when they had asked you too, so the chat started at once.
    pub started: bool,
}

/// `private_accept {from}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PrivateAccept {
    /// Who asked.
    pub from: String,
}
request!(PrivateAccept = "private_accept" => Partner);

/// `{with}`: the other person of a private chat.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    /// The other person.
    pub with: String,
}

/// `private_reject {from}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PrivateReject {
    /// Who asked.
    pub from: String,
}
request!(PrivateReject = "private_reject" => Requester);

/// `{from}`: the `private_reject` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Who had asked.
    pub from: String,
}

/// `private_end {with}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PrivateEnd {
    /// The other person.
    pub with: String,
}
request!(PrivateEnd = "private_end" => Partner);

/// `private_list`: open chats and pending requests.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateList {}
request!(PrivateList = "private_list" => PrivateLinks);

// ---------------------------------------------------------------- roles, kicks, audit

/// `role {username, role}` (owner only): `role` is `admin` or `member`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SetRole {
    /// Whose role.
    pub username: String,
    /// `admin` or `member` (any other text is refused with a message).
    pub role: String,
}
request!(SetRole = "role" => RoleChanged);

/// The `role` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChanged {
    /// Whose role changed.
    pub username: String,
    /// The new role.
    pub role: Role,
}

/// `kick {username, reason, minutes?}` (admins and the owner).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Kick {
    /// Who.
    pub username: String,
    /// Why (1–200 characters).
    pub reason: String,
    /// Cooldown in minutes (default 5; 0 = none, which also lifts a running one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub minutes: Option<u32>,
}
request!(Kick = "kick" => Kicked);

/// The `kick` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kicked {
    /// Who was kicked.
    pub username: String,
    /// End of the cooldown (RFC 3339), or null for none.
    pub until: Option<String>,
    /// Whether they were online (and so were disconnected).
    pub online: bool,
}

/// `unkick {username}`: lifts a cooldown.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Unkick {
    /// Who.
    pub username: String,
}
request!(Unkick = "unkick" => Username);

/// `{username}`: the `unkick` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username {
    /// The user, spelled as registered.
    pub username: String,
}

/// `history {room?, with?, before_id?, after_id?, limit?}`: one page, oldest first.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct History {
    /// The room whose public history to read (defaults to the current room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub room: Option<String>,
    /// Read the private history with this user instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub with: Option<String>,
    /// The newest `limit` messages before this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub before_id: Option<i64>,
    /// The oldest `limit` messages after this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub after_id: Option<i64>,
    /// Page size (default 50, clamped to 1–200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
}
request!(History = "history" => HistoryPage);

/// A page of history, oldest message first.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The room, for public history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The other person, for private history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// The messages, oldest first.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
    /// True when the page was cut short to fit in one frame; page again from its edge.
    #[serde(default)]
    pub trimmed: bool,
}

/// `audit {limit?}` (admins and the owner): newest entry first.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Audit {
    /// How many entries (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
}
request!(Audit = "audit" => AuditPage);

/// The `audit` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

// ---------------------------------------------------------------- signed-in devices

/// `devices`: the devices signed in to your account with a login token.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devices {}
request!(Devices = "devices" => DeviceList);

/// The `devices` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DeviceList {
    /// Most recently used first.
    pub devices: Vec<DeviceInfo>,
}

/// One signed-in device.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DeviceInfo {
    /// Its id, for `revoke_device`.
    pub id: i64,
    /// The name it gave itself.
    pub name: String,
    /// When its token was issued (RFC 3339).
    pub created: String,
    /// When it last logged in (RFC 3339).
    pub last_used: String,
    /// The address it last logged in from.
    pub last_ip: Option<String>,
    /// True for the device this connection logged in with.
    pub current: bool,
}

/// `revoke_device {id}`: signs one of your devices out for good (its token no
/// longer logs in).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RevokeDevice {
    /// The device's id (from `devices`).
    pub id: i64,
}
request!(RevokeDevice = "revoke_device" => RevokeDevice);

// ---------------------------------------------------------------- files

/// `upload {to, name, size, sha256}`: announces a file for the current room
/// (`to: "public"`) or an open private chat (`to`: the partner). Refused
/// before any byte is sent when it is over a limit. Sending the same
/// announcement again (after a reconnect) resumes the unfinished upload.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// `"public"` or a user name, as for `msg`.
    pub to: String,
    /// The file's name (directories are dropped).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, 64 lowercase hex digits; the host checks it before the
    /// file becomes visible.
    pub sha256: String,
}
request!(Upload = "upload" => UploadProgress);

/// The reply to `upload` and `upload_chunk`: how far an upload has come.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadProgress {
    /// The upload's id, for `upload_chunk` and `upload_cancel`.
    pub upload: String,
    /// Bytes the host has stored: the next chunk starts here.
    pub received: u64,
    /// True once every byte is in and the hash checked: the file's message
    /// follows as a `msg` push.
    pub complete: bool,
}

/// `upload_chunk {upload, offset, data}`: the next bytes of an upload, in
/// order; `offset` must be the `received` so far.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadChunk {
    /// The upload's id.
    pub upload: String,
    /// Where these bytes start in the file.
    pub offset: u64,
    /// 1 to [`crate::files::UPLOAD_CHUNK_BYTES`] bytes, base64.
    pub data: Base64,
}
impl Request for UploadChunk {
    const TYPE: &'static str = "upload_chunk";
    type Reply = UploadProgress;

    /// Writes the base64 straight into the frame: no base64 `String`, no
    /// scan for characters to escape. The bytes are what serde would write.
    fn frame(&self, id: Option<&crate::RequestId>) -> bytes::Bytes {
        let shell = crate::request::encode_generic(
            &UploadChunk {
                upload: self.upload.clone(),
                offset: self.offset,
                data: Base64::default(),
            },
            id,
        );
        crate::files::fill_base64(&shell, &self.data.0)
            .unwrap_or_else(|| crate::request::encode_generic(self, id))
    }
}

/// `upload_cancel {upload}`: drops an unfinished upload and its bytes.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCancel {
    /// The upload's id.
    pub upload: String,
}
request!(UploadCancel = "upload_cancel" => UploadCancel);

/// `download {id, offset?, length?, thumbnail?}`: one chunk of the file of
/// message `id` (or of its thumbnail). Anyone logged in may fetch a room's
/// files; a private file only its two partners.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    /// The message the file is attached to.
    pub id: i64,
    /// The first byte wanted (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offset: u64,
    /// How many bytes (default and most: [`crate::files::DOWNLOAD_CHUNK_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Fetch the thumbnail (a PNG) instead of the file.
    #[serde(default, skip_serializing_if = "is_false")]
    pub thumbnail: bool,
}
request!(Download = "download" => FileChunk);

/// The `download` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChunk {
    /// The message the file is attached to.
    pub id: i64,
    /// Where `data` starts.
    pub offset: u64,
    /// The whole file's (or thumbnail's) size: the download is done when
    /// `offset` + the data's length reaches it.
    pub size: u64,
    /// The bytes, base64 (empty past the end).
    pub data: Base64,
}

// ---------------------------------------------------------------- conversation

/// `read {room | with, id}`: every message up to `id` in the room (or the
/// private chat with `with`) is read. Without either, the current room. A
/// read mark never moves back. The reply has the counts after.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Read {
    /// The room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub room: Option<String>,
    /// The other user of a private chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub with: Option<String>,
    /// The newest message read.
    #[ts(type = "number")]
    pub id: i64,
}
request!(Read = "read" => UnreadCount);

/// `typing {room | with}`: tells the others in your current room (or your
/// private partner) that you are typing. Relayed at most once per
/// [`crate::rules::TYPING_RELAY_INTERVAL_MS`]; more are refused with `slow_down`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Typing {
    /// The current room (the only one whose members hear it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub room: Option<String>,
    /// A private partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub with: Option<String>,
}
request!(Typing = "typing" => ());

/// `react {id, emoji}`: gives your `emoji` on message `id`, or takes it back
/// when you gave it already. Allowed on any message you may read.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct React {
    /// The message.
    #[ts(type = "number")]
    pub id: i64,
    /// Exactly one emoji.
    pub emoji: String,
}
request!(React = "react" => MessageReactions);

/// A message's reactions after a change: the `react` reply and the
/// `reactions` push.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReactions {
    /// The message.
    pub id: i64,
    /// Its room, for a room message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// All of its reactions now (empty when the last one was taken back).
    #[serde(default)]
    pub reactions: Vec<Reaction>,
}

/// `edit {id, text}`: replaces the text of your own message, within
/// [`crate::rules::EDIT_WINDOW_SECS`] of sending it. The reply is the message
/// as edited; everyone who can see it gets an `edited` push.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Edit {
    /// The message.
    #[ts(type = "number")]
    pub id: i64,
    /// The new text (the rules of `msg`).
    pub text: String,
}
request!(Edit = "edit" => ChatMessage);

/// `delete {id}`: deletes a message: your own, or anyone's in a room if you
/// are an admin. Its text is erased from the host's database and its file
/// deleted; history shows it as deleted.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Delete {
    /// The message.
    #[ts(type = "number")]
    pub id: i64,
}
request!(Delete = "delete" => MessageDeleted);

/// A deleted message: the `delete` reply and the `deleted` push.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeleted {
    /// The message.
    pub id: i64,
    /// Its room, for a room message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Who deleted it.
    pub by: String,
}

/// `search {room | with, query, before?, limit?}`: messages whose text has
/// every word of `query` (the last one as a prefix), newest first. Rooms are
/// readable by everyone logged in; `with` searches only your own private
/// chat with that user.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Search {
    /// The room (default: the current room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub room: Option<String>,
    /// The other user of your private chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub with: Option<String>,
    /// What to look for.
    pub query: String,
    /// Only messages with a smaller id (the next page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable, type = "number")]
    pub before: Option<i64>,
    /// Page size (default `rules::SEARCH_PAGE_DEFAULT`, clamped to 1 to
    /// `rules::SEARCH_PAGE_MAX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
}
request!(Search = "search" => SearchPage);

/// The `search` reply.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    /// The room searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The private chat searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// Matches, newest first.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
    /// True when there may be more: ask again with `before` = the last id.
    #[serde(default)]
    pub more: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
