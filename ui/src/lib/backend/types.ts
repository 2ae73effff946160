// Every type that crosses the Tauri IPC boundary. docs/DESKTOP-IPC.md is the
// contract; field names are snake_case because the Rust side serializes its
// structs with serde defaults.

export type Role = 'owner' | 'admin' | 'member';

/** `#rrggbb`; anything else is ignored by the UI (see util/color.ts). */
export type Color = string;

// ---------------------------------------------------------------- errors

export type ErrorCode =
  | 'auth_failed'
  | 'name_taken'
  | 'invalid_input'
  | 'kicked'
  | 'key_changed'
  | 'wrong_code'
  | 'unreachable'
  | 'port_in_use'
  | 'keychain_unavailable'
  | 'not_connected'
  | 'not_linked'
  | 'forbidden'
  | 'slow_down'
  | 'server_error'
  | 'internal';

/** What a command rejects with. Optional fields are present only for the codes named. */
export interface ErrorPayload {
  code: ErrorCode;
  /** Plain language, ready to show. */
  message: string;
  /** port_in_use: a free port the UI offers instead. */
  suggested_port?: number;
  /** kicked: end of the cooldown (ISO 8601) or null. */
  until?: string | null;
  /** kicked: who kicked and why, when the server said so. */
  by?: string;
  reason?: string;
  /** key_changed: the fingerprint the host presents now. */
  fingerprint?: string;
}

// ---------------------------------------------------------------- hosting

export interface HostAddress {
  ip: string;
  port: number;
}

export interface HostInfo {
  /** Every LAN address the embedded server listens on, loopback excluded. */
  addresses: HostAddress[];
  port: number;
  /** `XXXX-XXXX-XXXX-XXXX` */
  join_code: string;
  /** `SHA256:<hex>` */
  fingerprint: string;
  /** `hearth://HOST:PORT/CODE` using the first address. */
  join_link: string;
  /** Clients logged in right now, the host included. */
  connected: number;
}

export interface HostStartArgs {
  port?: number | null;
  username: string;
  password: string;
  color?: Color | null;
}

export interface Session {
  /** `host:port` of the server. */
  server: string;
  username: string;
  color: Color;
  role: Role;
}

export interface HostStarted {
  host: HostInfo;
  session: Session;
}

// ---------------------------------------------------------------- joining

export interface ConnectArgs {
  /** `host`, `host:port` or `[v6]:port`; the default port is used when absent. */
  address: string;
  join_code?: string | null;
}

export type ConnectResult =
  | { status: 'connected'; server: string }
  | { status: 'needs_trust'; server: string; fingerprint: string };

export interface TrustHostArgs {
  address: string;
  fingerprint: string;
}

export interface AddressArgs {
  address: string;
}

export interface SavedServer {
  /** `host:port` */
  address: string;
  /** Fingerprint in known hosts, if trusted. */
  fingerprint: string | null;
  /** Username stored in the keychain for this server, if any. */
  saved_user: string | null;
  /** ISO 8601 of the last successful connect. */
  last_used: string | null;
}

export interface SavedLogin {
  username: string;
}

// ---------------------------------------------------------------- auth

export interface RegisterArgs {
  username: string;
  password: string;
  color?: Color | null;
}

export interface LoginArgs {
  username: string;
  password: string;
  /** Save the credentials in the OS keychain for this server. */
  remember: boolean;
}

// ---------------------------------------------------------------- rooms and messages

/** Room name → users in it; `lobby` included. */
export type RoomMap = Record<string, string[]>;

export interface RoomArgs {
  room: string;
}

export interface SendArgs {
  /** `"public"` for the current room, or a username with an active private chat. */
  to: string;
  text: string;
}

export interface ChatMessage {
  id: number;
  /** Room of a public message; null for private ones. */
  room: string | null;
  /** The other person of a private message (from the receiver's point of view); null for public. */
  with: string | null;
  from: string;
  text: string;
  /** ISO 8601 */
  ts: string;
  color: Color;
  private: boolean;
}

export interface HistoryArgs {
  room?: string | null;
  with?: string | null;
  before_id?: number | null;
  limit?: number | null;
}

export interface HistoryPage {
  room: string | null;
  with: string | null;
  /** Oldest first. */
  messages: ChatMessage[];
}

// ---------------------------------------------------------------- private chats

export interface PrivateList {
  active: string[];
  incoming: string[];
  outgoing: string[];
}

// ---------------------------------------------------------------- admin

export interface KickArgs {
  username: string;
  reason: string;
  /** 0 = no cooldown. */
  minutes: number;
}

export interface UsernameArgs {
  username: string;
}

export interface SetRoleArgs {
  username: string;
  role: 'admin' | 'member';
}

export interface AuditArgs {
  limit?: number | null;
}

export type AuditKind = 'login' | 'logout' | 'disconnect' | 'kick' | 'unkick' | 'role';

export interface AuditEntry {
  ts: string;
  kind: AuditKind;
  user: string;
  by: string | null;
  ip: string | null;
  port: number | null;
  detail: string | null;
}

// ---------------------------------------------------------------- profile and settings

export interface ProfileArgs {
  color?: Color | null;
  username?: string | null;
  password?: { old: string; new: string } | null;
}

export interface Settings {
  /** Desktop notifications for private messages, mentions and private requests. */
  notifications: boolean;
}

// ---------------------------------------------------------------- events

/** The Tauri event channel every push arrives on. */
export const EVENT_CHANNEL = 'hearth://event';

export type NoticeKind = 'joined' | 'left' | 'disconnected' | 'profile' | 'kicked';

export type HearthEvent =
  | { kind: 'connecting'; server: string }
  | { kind: 'connected'; server: string }
  | { kind: 'reconnecting'; attempt: number; retry_in_ms: number }
  | { kind: 'disconnected'; reason: string }
  | { kind: 'msg'; message: ChatMessage }
  | { kind: 'history'; page: HistoryPage }
  | { kind: 'rooms'; rooms: RoomMap }
  | { kind: 'members'; room: string; users: string[] }
  | {
      kind: 'notice';
      notice: NoticeKind;
      user: string;
      room: string | null;
      ts: string;
      old_username?: string | null;
      color?: Color | null;
      by?: string | null;
      reason?: string | null;
    }
  | { kind: 'private_request'; from: string }
  | { kind: 'private_started'; with: string }
  | { kind: 'private_rejected'; by: string }
  | { kind: 'private_ended'; with: string; reason: string }
  | { kind: 'private_cancelled'; with: string; reason: string }
  | { kind: 'kicked'; by: string; reason: string; until: string | null }
  | { kind: 'bye'; message: string }
  | { kind: 'session'; session: Session }
  | { kind: 'host_status'; connected: number }
  | { kind: 'join_link'; address: string; join_code: string | null };

export type EventKind = HearthEvent['kind'];
export type EventOf<K extends EventKind> = Extract<HearthEvent, { kind: K }>;
export type EventHandler = (event: HearthEvent) => void;
