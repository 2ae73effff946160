// Generated from the Rust definitions by `cargo test -p hearth-desktop --lib bindings`
// (src-tauri/src/bindings.rs). Do not edit: change the Rust side and run the tests with
// HEARTH_WRITE_BINDINGS=1.

/**
 * Arguments naming one server (or, for `parse_address`, what the user typed).
 */
export type AddressArgs = { 
/**
 * `host[:port]`.
 */
address: string, };

/**
 * Failures only the app can have; none shares a name with a protocol code.
 */
export type AppCode = "key_changed" | "wrong_code" | "not_this_host" | "unreachable" | "port_in_use" | "keychain_unavailable" | "not_connected" | "cancelled" | "internal";

/**
 * `audit {limit?}` (admins and the owner): newest entry first.
 */
export type Audit = { 
/**
 * How many entries (default 100, at most 1000).
 */
limit?: number | null, };

/**
 * One row of the audit log.
 */
export type AuditEntry = { 
/**
 * Row id, rising.
 */
id: number, 
/**
 * When (RFC 3339).
 */
ts: string, 
/**
 * `login`, `logout`, `disconnect`, `kick`, `unkick` or `role`.
 */
kind: string, 
/**
 * Whom it concerns.
 */
user: string, 
/**
 * Who did it, for admin actions.
 */
by: string | null, 
/**
 * Peer IP address, when known.
 */
ip: string | null, 
/**
 * Peer port, when known.
 */
port: number | null, 
/**
 * The kick reason and minutes, the new role, or why a connection ended.
 */
detail: string | null, };

/**
 * `connect` arguments.
 */
export type ConnectArgs = { 
/**
 * `host`, `host:port`, `[v6]:port` or a `hearth://` join link.
 */
address: string, 
/**
 * The join code, when the user has one.
 */
join_code?: string | null, };

/**
 * `connect` / `trust_host` result.
 */
export type ConnectResult = { "status": "connected", 
/**
 * `host:port`.
 */
server: string, } | { "status": "needs_trust", 
/**
 * `host:port`.
 */
server: string, 
/**
 * `SHA256:<hex>`.
 */
fingerprint: string, };

/**
 * `create {room}`.
 */
export type Create = { 
/**
 * The new room's name.
 */
room: string, };

/**
 * `delete {id}`: deletes a message: your own, or anyone's in a room if you
 * are an admin. Its text is erased from the host's database and its file
 * deleted; history shows it as deleted.
 */
export type Delete = { 
/**
 * The message.
 */
id: number, };

/**
 * One signed-in device.
 */
export type DeviceInfo = { 
/**
 * Its id, for `revoke_device`.
 */
id: number, 
/**
 * The name it gave itself.
 */
name: string, 
/**
 * When its token was issued (RFC 3339).
 */
created: string, 
/**
 * When it last logged in (RFC 3339).
 */
last_used: string, 
/**
 * The address it last logged in from.
 */
last_ip: string | null, 
/**
 * True for the device this connection logged in with.
 */
current: boolean, };

/**
 * The `devices` reply.
 */
export type DeviceList = { 
/**
 * Most recently used first.
 */
devices: Array<DeviceInfo>, };

/**
 * One host found on the LAN.
 */
export type DiscoveredHost = { 
/**
 * The room name it announces.
 */
name: string, 
/**
 * The host computer's name.
 */
host_name: string, 
/**
 * `ip:port` of its chat server (where the announcement came from).
 */
address: string, 
/**
 * The join code it announces, to compare with the host's screen.
 */
join_code: string, 
/**
 * Users logged in there now.
 */
online: number, 
/**
 * How it was heard.
 */
via: Array<Via>, 
/**
 * How far it can be trusted.
 */
trust: DiscoveredTrust, };

/**
 * How far a discovered host can be trusted, before joining.
 */
export type DiscoveredTrust = "new" | "known" | "key_changed" | "not_this_host";

/**
 * `discovery_join` arguments.
 */
export type DiscoveryJoinArgs = { 
/**
 * The host's `address` from the list.
 */
address: string, 
/**
 * A join code the user typed or scanned: it wins over the announced one.
 */
join_code?: string | null, };

/**
 * The Join screen's list of hosts on the LAN (also the `discovery` event).
 */
export type DiscoveryState = { 
/**
 * The hosts heard, newest first.
 */
hosts: Array<DiscoveredHost>, 
/**
 * The interfaces searched, `name (ip)`.
 */
searched: Array<string>, 
/**
 * Listeners that could not start, in plain words.
 */
problems: Array<string>, 
/**
 * True once 5 seconds passed with nothing found: show why and the manual path.
 */
nothing_found: boolean, };

/**
 * `edit {id, text}`: replaces the text of your own message, within
 * [`crate::rules::EDIT_WINDOW_SECS`] of sending it. The reply is the message
 * as edited; everyone who can see it gets an `edited` push.
 */
export type Edit = { 
/**
 * The message.
 */
id: number, 
/**
 * The new text (the rules of `msg`).
 */
text: string, };

/**
 * `enter {room}`: the reply, then a `history` push, then live messages.
 */
export type Enter = { 
/**
 * The room to enter (any case).
 */
room: string, };

/**
 * Why a command failed: a code of the protocol's list (the server's own when
 * it refused the request), or one of the app's own.
 */
export type ErrorCode = ServerErrorCode | AppCode;

/**
 * The error every command returns.
 */
export type ErrorPayload = { 
/**
 * What kind of failure.
 */
code: ErrorCode, 
/**
 * Plain language, ready to show.
 */
message: string, 
/**
 * `port_in_use`: a free port to offer instead.
 */
suggested_port?: number, 
/**
 * `kicked`: end of the cooldown (ISO 8601), or null for no end.
 */
until?: string | null, 
/**
 * `kicked`: who kicked.
 */
by?: string, 
/**
 * `kicked`: why.
 */
reason?: string, 
/**
 * `key_changed`: the fingerprint the host presents now.
 */
fingerprint?: string, };

/**
 * What `file_bytes` returns: enough for a `data:` URL.
 */
export type FileBytes = { 
/**
 * The MIME type (`image/png` for a thumbnail).
 */
mime: string, 
/**
 * The bytes, base64.
 */
data: string, };

/**
 * `file_bytes`: a file (or its thumbnail) to show.
 */
export type FileBytesArgs = { 
/**
 * The file's message id.
 */
id: number, 
/**
 * The thumbnail (a PNG) instead of the file.
 */
thumbnail: boolean, };

/**
 * A file attached to a chat message (the `file` of a `msg` push or a history
 * entry). The message's `id` names the file in `download`.
 */
export type FileInfo = { 
/**
 * The name the sender gave it (no directories).
 */
name: string, 
/**
 * Its size in bytes.
 */
size: number, 
/**
 * The type the host found by sniffing the content (never from the name);
 * `application/octet-stream` when unknown.
 */
mime: string, 
/**
 * Its SHA-256, 64 lowercase hex digits.
 */
sha256: string, 
/**
 * For an inline image: its width and height in pixels. Absent for other
 * files and for images the host would not decode (over its pixel cap).
 */
image?: ImageSize | null, 
/**
 * True once the host has evicted the bytes to stay inside its quota: the
 * message stays, `download` answers `file_gone`.
 */
expired?: boolean, };

/**
 * One thing the check found, ready to show.
 */
export type Finding = { 
/**
 * Which finding.
 */
code: FindingCode, 
/**
 * How much it matters.
 */
severity: Severity, 
/**
 * One line: what is wrong (or right).
 */
title: string, 
/**
 * What to do about it, or why it could not be checked.
 */
detail: string, };

/**
 * Which finding it is (the UI may pick an icon by it; the text is in the finding).
 */
export type FindingCode = "lan_ready" | "no_lan" | "only_virtual" | "adapters_skipped" | "port_taken" | "public_network" | "no_firewall_rule" | "firewall_drops" | "firewall_open" | "not_checked";

/**
 * Every push the UI receives on [`EVENT_CHANNEL`], tagged by `kind`.
 */
export type HearthEvent = { "kind": "discovery", 
/**
 * The list now.
 */
state: DiscoveryState, } | { "kind": "typing", 
/**
 * Who.
 */
user: string, 
/**
 * The room, for a room.
 */
room: string | null, } | { "kind": "reactions", 
/**
 * The message.
 */
id: number, 
/**
 * Its room, for a room message.
 */
room: string | null, 
/**
 * All of its reactions now.
 */
reactions: Array<Reaction>, } | { "kind": "edited", 
/**
 * The message.
 */
message: MessageView, } | { "kind": "deleted", 
/**
 * The message.
 */
id: number, 
/**
 * Its room, for a room message.
 */
room: string | null, 
/**
 * Who deleted it.
 */
by: string, } | { "kind": "activity", 
/**
 * The room.
 */
room: string, 
/**
 * The message's id.
 */
id: number, 
/**
 * Its sender.
 */
from: string, 
/**
 * True when it mentions this user.
 */
mentions_me: boolean, } | { "kind": "connecting", 
/**
 * `host:port`.
 */
server: string, } | { "kind": "connected", 
/**
 * `host:port`.
 */
server: string, } | { "kind": "reconnecting", 
/**
 * Attempt number, from 1.
 */
attempt: number, 
/**
 * Wait before this attempt.
 */
retry_in_ms: number, } | { "kind": "disconnected", 
/**
 * Why, in plain language.
 */
reason: string, } | { "kind": "msg", 
/**
 * The message.
 */
message: MessageView, } | { "kind": "transfer", 
/**
 * The id the UI gave it.
 */
transfer: string, 
/**
 * Bytes confirmed (up) or written (down).
 */
done: number, 
/**
 * The file's size.
 */
total: number, } | { "kind": "history", 
/**
 * The page.
 */
page: HistoryView, } | { "kind": "rooms", 
/**
 * Room → users.
 */
rooms: RoomMap, } | { "kind": "members", 
/**
 * The room.
 */
room: string, 
/**
 * Its members.
 */
users: Array<string>, } | { "kind": "notice", 
/**
 * What happened.
 */
notice: NoticeKind, 
/**
 * Whom it is about.
 */
user: string, 
/**
 * Where.
 */
room: string | null, 
/**
 * When (ISO 8601).
 */
ts: string, 
/**
 * For a rename.
 */
old_username?: string, 
/**
 * For a profile change.
 */
color?: string, 
/**
 * For a kick.
 */
by?: string, 
/**
 * For a kick.
 */
reason?: string, } | { "kind": "private_request", 
/**
 * Who asks.
 */
from: string, } | { "kind": "private_started", 
/**
 * The other person.
 */
with: string, } | { "kind": "private_rejected", 
/**
 * Who declined.
 */
by: string, } | { "kind": "private_ended", 
/**
 * The other person.
 */
with: string, 
/**
 * Why.
 */
reason: string, } | { "kind": "private_cancelled", 
/**
 * The other person.
 */
with: string, 
/**
 * Why.
 */
reason: string, } | { "kind": "kicked", 
/**
 * Who kicked.
 */
by: string, 
/**
 * Why.
 */
reason: string, 
/**
 * End of the cooldown (ISO 8601), or null.
 */
until: string | null, } | { "kind": "bye", 
/**
 * The server's message.
 */
message: string, } | { "kind": "session", 
/**
 * The new session.
 */
session: Session, } | { "kind": "host_status", 
/**
 * Clients logged in, the host included.
 */
connected: number, } | { "kind": "join_link", 
/**
 * `host:port`.
 */
address: string, 
/**
 * The code from the link.
 */
join_code: string | null, };

/**
 * `history {room?, with?, before_id?, after_id?, limit?}`: one page, oldest first.
 */
export type History = { 
/**
 * The room whose public history to read (defaults to the current room).
 */
room?: string | null, 
/**
 * Read the private history with this user instead.
 */
with?: string | null, 
/**
 * The newest `limit` messages before this id.
 */
before_id?: number | null, 
/**
 * The oldest `limit` messages after this id.
 */
after_id?: number | null, 
/**
 * Page size (default 50, clamped to 1–200).
 */
limit?: number | null, };

/**
 * A page of history as the UI shows it, oldest first.
 */
export type HistoryView = { 
/**
 * The room, for public history.
 */
room: string | null, 
/**
 * The other person, for private history.
 */
with: string | null, 
/**
 * Oldest first.
 */
messages: Array<MessageView>, };

/**
 * One LAN address the embedded server can be reached on.
 */
export type HostAddress = { 
/**
 * The IP address, without brackets.
 */
ip: string, 
/**
 * The port the server listens on.
 */
port: number, };

/**
 * `host_check` arguments.
 */
export type HostCheckArgs = { 
/**
 * The port to check before hosting (the default port when absent); ignored while
 * hosting, when the room's own port is checked.
 */
port?: number | null, };

/**
 * What the host panel shows.
 */
export type HostInfo = { 
/**
 * Every LAN address (loopback excluded).
 */
addresses: Array<HostAddress>, 
/**
 * The listening port.
 */
port: number, 
/**
 * `XXXX-XXXX-XXXX-XXXX`.
 */
join_code: string, 
/**
 * `SHA256:<hex>`.
 */
fingerprint: string, 
/**
 * `hearth://HOST:PORT/CODE` for the first address.
 */
join_link: string, 
/**
 * Clients logged in right now, the host included.
 */
connected: number, 
/**
 * The room name friends see in their Join list.
 */
room_name: string, 
/**
 * Whether the room is announced on the LAN (mDNS and UDP beacons); when not, friends
 * join by address.
 */
announcing: boolean, 
/**
 * The join link as a QR code, for the UI to draw (`null` only if the link could not be
 * encoded, which a join link never is).
 */
join_qr: JoinQr | null, };

/**
 * `host_start` arguments.
 */
export type HostStartArgs = { 
/**
 * Port to listen on; the default port when absent.
 */
port?: number | null, 
/**
 * The host's own account (made the owner).
 */
username: string, 
/**
 * Its password.
 */
password: Secret, 
/**
 * Its colour, `#rrggbb`.
 */
color?: string | null, 
/**
 * The largest file friends may send, in MiB (the server's default when absent).
 */
max_file_mib?: number | null, 
/**
 * The room name friends see in their Join list ("USERNAME's room" when absent).
 */
room_name?: string | null, };

/**
 * `host_start` result.
 */
export type HostStarted = { 
/**
 * The host panel's data.
 */
host: HostInfo, 
/**
 * The host's own session.
 */
session: Session, };

/**
 * An image's size in pixels.
 */
export type ImageSize = { 
/**
 * Width.
 */
width: number, 
/**
 * Height.
 */
height: number, };

/**
 * A QR code as data, not markup: the UI draws it as an inline SVG `<path>`, dark modules on
 * a light square that leaves the quiet zone scanners need around them.
 */
export type JoinQr = { 
/**
 * Modules per side, without the quiet zone.
 */
width: number, 
/**
 * SVG path data of the dark modules, one unit per module, origin at the top left module:
 * each run of dark modules in a row is one `M{x} {y}h{n}v1h-{n}z`.
 */
dark_path: string, };

/**
 * `kick {username, reason, minutes?}` (admins and the owner).
 */
export type Kick = { 
/**
 * Who.
 */
username: string, 
/**
 * Why (1–200 characters).
 */
reason: string, 
/**
 * Cooldown in minutes (default 5; 0 = none, which also lifts a running one).
 */
minutes?: number | null, };

/**
 * `login` arguments.
 */
export type LoginArgs = { 
/**
 * Account name.
 */
username: string, 
/**
 * Password.
 */
password: Secret, 
/**
 * Save the credentials in the OS keychain for this server.
 */
remember: boolean, };

/**
 * A chat message as the UI shows it (the protocol's message, seen from this
 * user's side: `with` names the other person of a private message).
 */
export type MessageView = { 
/**
 * Server-wide id.
 */
id: number, 
/**
 * Room of a public message.
 */
room: string | null, 
/**
 * The other person of a private message, from this user's point of view.
 */
with: string | null, 
/**
 * Sender.
 */
from: string, 
/**
 * Text (always rendered as text by the UI).
 */
text: string, 
/**
 * ISO 8601.
 */
ts: string, 
/**
 * Sender's colour.
 */
color: string, 
/**
 * True for a private message.
 */
private: boolean, 
/**
 * The attached file, for a file message.
 */
file: FileInfo | null, 
/**
 * Users the text mentions by name (as registered), for highlighting.
 */
mentions: Array<string>, 
/**
 * The text mentions everyone in the room (`@room`).
 */
mention_room: boolean, 
/**
 * True when the text mentions this user (by name, or `@room`).
 */
mentions_me: boolean, 
/**
 * When it was last edited (ISO 8601).
 */
edited: string | null, 
/**
 * Deleted: show "message deleted" instead of the text.
 */
deleted: boolean, 
/**
 * Emoji reactions, in the order first given.
 */
reactions: Array<Reaction>, };

/**
 * `msg {to, text}`: `to` is `"public"` (the current room) or a user with an
 * open private chat. Success has no reply of its own: the sender's copy of the
 * `msg` push carries the request's `id`.
 */
export type Msg = { 
/**
 * `"public"` or a user name.
 */
to: string, 
/**
 * The text.
 */
text: string, };

/**
 * The notices the UI shows in a conversation.
 */
export type NoticeKind = "joined" | "left" | "disconnected" | "profile" | "kicked";

/**
 * Which messages raise a desktop notification.
 */
export type NotifyLevel = "all" | "mentions" | "off";

/**
 * `parse_address` result: what the user typed, understood.
 */
export type ParsedAddress = { 
/**
 * `host:port` (the default port added when none was typed).
 */
address: string, 
/**
 * The join code, when a `hearth://` link was typed.
 */
join_code: string | null, };

/**
 * A password change inside `profile`.
 */
export type PasswordChange = { 
/**
 * The current password.
 */
old: Secret, 
/**
 * The new password.
 */
new: Secret, };

/**
 * `private_accept {from}`.
 */
export type PrivateAccept = { 
/**
 * Who asked.
 */
from: string, };

/**
 * `private_end {with}`.
 */
export type PrivateEnd = { 
/**
 * The other person.
 */
with: string, };

/**
 * Open private chats and pending requests, both ways (the `private_list` reply).
 */
export type PrivateLinks = { 
/**
 * Users with an open private chat.
 */
active: Array<string>, 
/**
 * Users who asked you and wait for an answer.
 */
incoming: Array<string>, 
/**
 * Users you asked who have not answered.
 */
outgoing: Array<string>, };

/**
 * `private_reject {from}`.
 */
export type PrivateReject = { 
/**
 * Who asked.
 */
from: string, };

/**
 * `private_request {to}`.
 */
export type PrivateRequest = { 
/**
 * Whom to ask.
 */
to: string, };

/**
 * `profile {color?, username?, password?, device?}` (at least one of the first three).
 */
export type Profile = { 
/**
 * New colour.
 */
color?: string | null, 
/**
 * New name.
 */
username?: string | null, 
/**
 * New password, with the current one. It revokes every login token of the
 * account.
 */
password?: PasswordChange | null, 
/**
 * With a new password: issue a fresh login token for a device of this name.
 */
device?: string | null, };

/**
 * `react {id, emoji}`: gives your `emoji` on message `id`, or takes it back
 * when you gave it already. Allowed on any message you may read.
 */
export type React = { 
/**
 * The message.
 */
id: number, 
/**
 * Exactly one emoji.
 */
emoji: string, };

/**
 * One emoji on a message and who gave it.
 */
export type Reaction = { 
/**
 * The emoji.
 */
emoji: string, 
/**
 * Who gave it, in the order they did.
 */
users: Array<string>, };

/**
 * `read {room | with, id}`: every message up to `id` in the room (or the
 * private chat with `with`) is read. Without either, the current room. A
 * read mark never moves back. The reply has the counts after.
 */
export type Read = { 
/**
 * The room.
 */
room?: string | null, 
/**
 * The other user of a private chat.
 */
with?: string | null, 
/**
 * The newest message read.
 */
id: number, };

/**
 * `register {username, password, color?}`: makes an account (does not log in).
 */
export type Register = { 
/**
 * The new account's name.
 */
username: string, 
/**
 * Its password.
 */
password: Secret, 
/**
 * `#rrggbb`; without one the server picks from its palette.
 */
color?: string | null, };

/**
 * `revoke_device {id}`: signs one of your devices out for good (its token no
 * longer logs in).
 */
export type RevokeDevice = { 
/**
 * The device's id (from `devices`).
 */
id: number, };

/**
 * What a user may do on the server.
 */
export type Role = "owner" | "admin" | "member";

/**
 * `list_rooms` result: the rooms, and the unread counts as the server keeps
 * them now (after a reconnect they replace what the UI counted).
 */
export type RoomListing = { 
/**
 * Room → users (inside a room: only that room).
 */
rooms: RoomMap, 
/**
 * Unread messages and mentions per room and private chat.
 */
unread: Array<UnreadCount>, };

/**
 * Room name → users in it, `lobby` included.
 * (A newtype struct: serde_json writes it as the bare map.)
 */
export type RoomMap = Record<string, string[]>;

/**
 * `save_file`: downloads a file to where the OS save dialog says.
 */
export type SaveFileArgs = { 
/**
 * An id the UI picks for this transfer.
 */
transfer: string, 
/**
 * The file's message id.
 */
id: number, 
/**
 * The name the dialog suggests.
 */
name: string, };

/**
 * A login saved in the keychain (the password never leaves Rust).
 */
export type SavedLogin = { 
/**
 * The account name.
 */
username: string, };

/**
 * One remembered server.
 */
export type SavedServer = { 
/**
 * `host:port`.
 */
address: string, 
/**
 * Fingerprint in known hosts, if trusted.
 */
fingerprint: string | null, 
/**
 * Username saved in the keychain for this server.
 */
saved_user: string | null, 
/**
 * ISO 8601 of the last successful connect.
 */
last_used: string | null, };

/**
 * `search {room | with, query, before?, limit?}`: messages whose text has
 * every word of `query` (the last one as a prefix), newest first. Rooms are
 * readable by everyone logged in; `with` searches only your own private
 * chat with that user.
 */
export type Search = { 
/**
 * The room (default: the current room).
 */
room?: string | null, 
/**
 * The other user of your private chat.
 */
with?: string | null, 
/**
 * What to look for.
 */
query: string, 
/**
 * Only messages with a smaller id (the next page).
 */
before?: number, 
/**
 * Page size (default `rules::SEARCH_PAGE_DEFAULT`, clamped to 1 to
 * `rules::SEARCH_PAGE_MAX`).
 */
limit?: number | null, };

/**
 * One page of `search` results, newest first.
 */
export type SearchView = { 
/**
 * The room searched.
 */
room: string | null, 
/**
 * The private chat searched.
 */
with: string | null, 
/**
 * Matches, newest first.
 */
messages: Array<MessageView>, 
/**
 * More matches may follow: search again with `before` = the last id.
 */
more: boolean, };

/**
 * A secret string. `Debug` prints `<redacted>`; read it with [`Secret::expose`].
 * It serializes as the plain string (a client must send it), so only ever
 * serialize it into a request frame.
 */
export type Secret = string;

/**
 * `send_file`: bytes the UI read (a paste, a drop, the file picker), sent as
 * a file to the current room (`to: "public"`) or a private partner.
 */
export type SendFileArgs = { 
/**
 * An id the UI picks for this transfer (for progress events and `cancel_transfer`).
 */
transfer: string, 
/**
 * `"public"` or the private partner.
 */
to: string, 
/**
 * The file's name.
 */
name: string, 
/**
 * The bytes, base64.
 */
data: string, };

/**
 * Why a request was refused. Serialized in `snake_case` (`name_taken`, …).
 *
 * New codes may be added; a client reads a code it does not know as
 * [`ErrorCode::Unknown`] and treats it like [`ErrorCode::ServerError`].
 */
export type ServerErrorCode = "bad_request" | "unknown_type" | "wrong_state" | "invalid_input" | "name_taken" | "auth_failed" | "kicked" | "slow_down" | "forbidden" | "not_found" | "not_online" | "not_linked" | "already_linked" | "too_large" | "file_too_big" | "upload_limit" | "bad_chunk" | "hash_mismatch" | "file_gone" | "too_late" | "not_emoji" | "server_error" | "unknown";

/**
 * Who the app is logged in as, and where.
 */
export type Session = { 
/**
 * `host:port` of the server.
 */
server: string, 
/**
 * The account name as the server spells it.
 */
username: string, 
/**
 * `#rrggbb`.
 */
color: string, 
/**
 * The role on that server.
 */
role: Role, 
/**
 * Unread messages and mentions per room and private chat, as of the
 * login (live changes arrive as `msg` and `activity` events).
 */
unread: Array<UnreadCount>, };

/**
 * `role {username, role}` (owner only): `role` is `admin` or `member`.
 */
export type SetRole = { 
/**
 * Whose role.
 */
username: string, 
/**
 * `admin` or `member` (any other text is refused with a message).
 */
role: string, };

/**
 * App settings, saved in the app config dir.
 */
export type Settings = { 
/**
 * Which messages raise a desktop notification (never while the window is focused).
 */
notifications: NotifyLevel, 
/**
 * Tell the others when this user is typing ("share that I am typing").
 */
share_typing: boolean, 
/**
 * Do not disturb: no notifications and no sound at all, until switched off.
 */
do_not_disturb: boolean, 
/**
 * A short sound with each mention notification.
 */
mention_sound: boolean, };

/**
 * How much a finding matters.
 */
export type Severity = "problem" | "warning" | "info" | "ok";

/**
 * `cancel_transfer`: stops a transfer in progress.
 */
export type TransferArgs = { 
/**
 * The id the UI gave the transfer.
 */
transfer: string, };

/**
 * `trust_host` arguments.
 */
export type TrustHostArgs = { 
/**
 * `host[:port]`.
 */
address: string, 
/**
 * The fingerprint the user confirmed.
 */
fingerprint: string, };

/**
 * `typing {room | with}`: tells the others in your current room (or your
 * private partner) that you are typing. Relayed at most once per
 * [`crate::rules::TYPING_RELAY_INTERVAL_MS`]; more are refused with `slow_down`.
 */
export type Typing = { 
/**
 * The current room (the only one whose members hear it).
 */
room?: string | null, 
/**
 * A private partner.
 */
with?: string | null, };

/**
 * `unkick {username}`: lifts a cooldown.
 */
export type Unkick = { 
/**
 * Who.
 */
username: string, };

/**
 * Unread messages in one room or private chat (exactly one of `room` and `with`).
 */
export type UnreadCount = { 
/**
 * The room.
 */
room?: string | null, 
/**
 * The other user of a private chat.
 */
with?: string | null, 
/**
 * Every message up to this id is read.
 */
last_read: number, 
/**
 * Messages from others after `last_read`.
 */
unread: number, 
/**
 * How many of them mention you.
 */
mentions: number, };

/**
 * `set_unread_total`: what the taskbar or dock badge shows.
 */
export type UnreadTotal = { 
/**
 * Unread messages over every room and private chat (0: no badge).
 */
total: number, };

/**
 * How a host was heard.
 */
export type Via = "mdns" | "beacon";

/** Every command: its `args` (null: none) and what it resolves to. */
export interface Commands {
  host_start: { args: HostStartArgs; result: HostStarted };
  host_stop: { args: null; result: null };
  host_status: { args: null; result: HostInfo | null };
  host_check: { args: HostCheckArgs; result: Array<Finding> };
  connect: { args: ConnectArgs; result: ConnectResult };
  trust_host: { args: TrustHostArgs; result: ConnectResult };
  forget_host: { args: AddressArgs; result: null };
  disconnect: { args: null; result: null };
  saved_servers: { args: null; result: Array<SavedServer> };
  parse_address: { args: AddressArgs; result: ParsedAddress };
  discovery_start: { args: null; result: DiscoveryState };
  discovery_stop: { args: null; result: null };
  discovery_join: { args: DiscoveryJoinArgs; result: ConnectResult };
  register: { args: Register; result: null };
  login: { args: LoginArgs; result: Session };
  login_saved: { args: null; result: Session };
  saved_login: { args: AddressArgs; result: SavedLogin | null };
  forget_login: { args: AddressArgs; result: null };
  logout: { args: null; result: null };
  list_devices: { args: null; result: DeviceList };
  revoke_device: { args: RevokeDevice; result: null };
  list_rooms: { args: null; result: RoomListing };
  create_room: { args: Create; result: null };
  enter_room: { args: Enter; result: null };
  exit_room: { args: null; result: null };
  send_message: { args: Msg; result: null };
  history: { args: History; result: HistoryView };
  react: { args: React; result: null };
  edit_message: { args: Edit; result: null };
  delete_message: { args: Delete; result: null };
  search: { args: Search; result: SearchView };
  mark_read: { args: Read; result: UnreadCount };
  typing: { args: Typing; result: null };
  set_unread_total: { args: UnreadTotal; result: null };
  send_file: { args: SendFileArgs; result: null };
  cancel_transfer: { args: TransferArgs; result: null };
  file_bytes: { args: FileBytesArgs; result: FileBytes };
  save_file: { args: SaveFileArgs; result: string | null };
  private_request: { args: PrivateRequest; result: null };
  private_accept: { args: PrivateAccept; result: null };
  private_reject: { args: PrivateReject; result: null };
  private_end: { args: PrivateEnd; result: null };
  private_list: { args: null; result: PrivateLinks };
  kick: { args: Kick; result: null };
  unkick: { args: Unkick; result: null };
  set_role: { args: SetRole; result: null };
  audit: { args: Audit; result: Array<AuditEntry> };
  update_profile: { args: Profile; result: Session };
  get_settings: { args: null; result: Settings };
  set_settings: { args: Settings; result: Settings };
}

/** The Tauri event channel every push arrives on. */
export const EVENT_CHANNEL = "hearth://event";

/** The input rules the server enforces (hearth_protocol::rules); lengths count
 * Unicode scalar values (code points), not UTF-16 units. */
export const LIMITS = {
  nameMaxChars: 32,
  namePunctuation: "_-.",
  passwordMinChars: 4,
  passwordMaxChars: 1024,
  textMaxChars: 4000,
  reasonMaxChars: 200,
  defaultPort: 7878,
  fileNameMaxChars: 255,
  defaultMaxFileBytes: 104857600,
  filesQuotaBytes: 2147483648,
  inlineImageTypes: ["image/png", "image/jpeg", "image/gif", "image/webp"],
  typingSendIntervalMs: 3000,
  typingRelayIntervalMs: 2000,
  typingShowMs: 5000,
  editWindowSecs: 86400,
  searchQueryMaxChars: 200,
  searchPageDefault: 20,
  searchPageMax: 50,
  maxReactionEmojis: 20,
  mentionMaxNames: 20,
  roomMention: "room",
  hostRoomNameMaxChars: 64,
} as const;

/** The name colours the server hands out, in order. */
export const PALETTE = ["#e0605e", "#e8944a", "#d4b43c", "#6cbf5a", "#3fb6a8", "#4aa3df", "#6f7ee8", "#a070e0", "#d867b8", "#c98a5a", "#8fae3c", "#5c9ead"] as const;
