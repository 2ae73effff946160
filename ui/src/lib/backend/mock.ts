// An in-memory stand-in for "the Rust side" (the embedded server, a remote
// server with a few simulated friends, the client library and the keychain),
// used by vitest, Playwright and `npm run dev` in a plain browser. It holds no
// protocol rules of its own: its command table is typed against the generated
// `Commands`, its shapes are the generated types, its input checks are the
// forms' own (util/validate.ts, built on the generated LIMITS) and its palette
// is PALETTE. tests/recorded.test.ts checks it against a session recorded from
// the real shell. Tests steer the world through `control` (`window.__hearthMock`).

import type { ArgsOf, Backend, Command, InvokeArgs, ResultOf } from './backend';
import { BackendError } from './errors';
import { LIMITS, PALETTE } from './types';
import type { AuditEntry, DeviceInfo, ErrorCode, ErrorPayload, EventHandler, HearthEvent, History, HostInfo, JoinQr } from './types';
import type { FileInfo, MessageView, NoticeKind, ParsedAddress, PrivateLinks, Role, RoomMap, Session, Settings } from './types';
import type { DiscoveredTrust, DiscoveryState, Finding, Reaction, Severity, UnreadCount, Via } from './types';
import { fromBase64, humanSize, toBase64 } from '../util/files';
import { isColor, isEmoji, mentionSpans, nameProblem, normalizeCode, passwordProblem, queryProblem, reasonProblem, roomNameProblem, textProblem } from '../util/validate';

export interface MockOptions {
  /** Latency of every command, in ms. */
  delayMs?: number;
  /** Friends accept private requests and answer private messages by themselves. */
  auto?: boolean;
  /** Seed the world with friends, rooms and history. */
  seed?: boolean;
}

/** One handler per command of the generated list: a missing or mistyped one fails the type check. */
type Handlers = { [K in Command]: (args: ArgsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

interface Account {
  username: string;
  password: string;
  color: string;
  role: Role;
  /** Its signed-in devices: the login tokens the server issued ("remember me"). */
  devices: Device[];
  /** Read marks: the last message read, per `room:NAME` or `dm:OTHER` (lowercase). */
  reads: Map<string, number>;
  /** The newest message id when the account was made: older ones count as read. */
  since: number;
}

/** What a new message is made of; the server adds the id, mentions and the rest. */
type NewMessage = Pick<MessageView, 'room' | 'with' | 'from' | 'text' | 'ts' | 'color' | 'private' | 'file'>;

/** Where a message lives, as a read mark's key. */
const readKey = (m: { room: string | null; private: boolean }, other: string | null) => (m.private ? `dm:${key(other ?? '')}` : `room:${m.room}`);
/** A message id no read mark reaches below: everything after it. */
const NOTHING_READ = 0;

/** A login token as the server keeps it: the device's name, times and address (the token, for the mock, in clear). */
type Device = Omit<DeviceInfo, 'current'> & { token: string };

/** The address this computer talks to a joined server from. */
const MY_IP = '192.168.1.77';

const key = (name: string) => name.toLowerCase();
const now = () => new Date().toISOString();

/** The type of the four inline image formats, from their first bytes (as the shell checks again). */
function sniffImage(b: Uint8Array): string | null {
  const starts = (sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

/** The host sniffs content, never names: images, zip, PDF, SVG, else unknown. */
function sniffType(b: Uint8Array): string {
  const image = sniffImage(b);
  if (image) return image;
  const head = new TextDecoder().decode(b.subarray(0, 256)).trimStart();
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'application/zip';
  if (head.startsWith('%PDF')) return 'application/pdf';
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml';
  return 'application/octet-stream';
}

/** Width and height from a PNG or GIF header (the host decodes the other two; the mock does not). */
function imageSize(b: Uint8Array): { width: number; height: number } | null {
  const type = sniffImage(b);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (type === 'image/png' && b.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (type === 'image/gif' && b.length >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  return null;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return [...digest].map((x) => x.toString(16).padStart(2, '0')).join('');
}
const fail = (code: ErrorCode, message: string, extra: Partial<ErrorPayload> = {}) => new BackendError({ code, message, ...extra });
/** Refuse with `invalid_input` when validate.ts found a problem. */
function check(problem: string | null): void {
  if (problem) throw fail('invalid_input', problem);
}

/**
 * A stand-in for the shell's one address parser, just good enough for the
 * addresses the tests type. It is not a parser to rely on: the app uses Rust's.
 */
function parseAddress(input: string): ParsedAddress {
  const text = input.trim();
  const link = /^hearth:\/\/([^/]+)\/([^/]*)$/i.exec(text);
  const m = /^([\w.-]+|\[[\da-f:]+\])(?::(\d+))?$/i.exec(link ? link[1] : text);
  if (!m) throw fail('invalid_input', `"${text}" is not an address. Use host or host:port.`);
  return { address: `${m[1].toLowerCase()}:${m[2] ?? LIMITS.defaultPort}`, join_code: link?.[2] || null };
}

/** A stable pseudo-random 32-bit hash (FNV-1a). */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * FNV-1a with murmur3's finalizer: every bit depends on the whole text (FNV-1a's low
 * bits alone depend only on the low bits of each character, so codes made from them
 * would repeat across addresses).
 */
function mixed(text: string): number {
  let h = fnv(text);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A fake certificate fingerprint and join code for a server. */
function fakeKey(seed: string): { fingerprint: string; code: string } {
  const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let hex = '';
  let code = '';
  for (let i = 0; hex.length < 64; i++) hex += fnv(`${seed}/${i}`).toString(16).padStart(8, '0');
  for (let i = 0; code.length < 16; i++) code += crockford[mixed(`${seed}#${i}`) % 32];
  return { fingerprint: `SHA256:${hex.slice(0, 64)}`, code: code.match(/.{4}/g)!.join('-') };
}

/** The words of a text for search: case and accents ignored. */
function folded(text: string): string[] {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Whether the server's search finds `text` for `query`: every word, the last
 * as a prefix, case and accents ignored (checked against SQLite's FTS5 by the
 * shared cases in crates/protocol/tests/vectors/conversation_rules.json).
 */
export function matchesQuery(text: string, query: string): boolean {
  const words = folded(query);
  const last = words.pop();
  if (last === undefined) return false;
  const have = folded(text);
  return words.every((w) => have.includes(w)) && have.some((w) => w.startsWith(last));
}

const FRIEND_LINES = [
  'anyone up for another round?',
  'brb, getting snacks',
  'that last match was wild',
  'who has the map pack?',
  'lol',
  'ok I am back',
  'does the LAN feel slow to anyone else?',
  'gg everyone',
  'pizza is here!',
  'I am on the blue team this time',
];

/** A host announcing its room on the mock's LAN. */
export interface MockAnnouncement {
  /** The room name it announces. */
  name: string;
  /** The host computer's name. */
  host_name: string;
  /** `ip:port` of its chat server. */
  address: string;
  /** Users logged in there. */
  online: number;
  /** How it is heard. */
  via: Via[];
  /** When discovery hears it, in ms after `discovery_start`. */
  afterMs: number;
}

/** Who announces on the mock's LAN unless a test says otherwise: both heard within a second. */
const ANNOUNCEMENTS: MockAnnouncement[] = [
  { name: "Mara's room", host_name: 'mara-desktop', address: '192.168.1.31:7878', online: 4, via: ['mdns', 'beacon'], afterMs: 300 },
  { name: 'Friday LAN party', host_name: 'tobi-pc', address: '192.168.1.42:7878', online: 7, via: ['beacon'], afterMs: 800 },
];

/** With nothing heard for this long, the list says so (the shell's NOTHING_FOUND_AFTER). */
const NOTHING_FOUND_AFTER_MS = 5000;
/** How often a running discovery looks at its list again (the shell's REFRESH). */
const DISCOVERY_REFRESH_MS = 1000;
/** The UDP port of the beacons (hearth_discovery::BEACON_PORT), for the network check's advice. */
const BEACON_PORT = 7879;

/** Most serious first, as the shell sorts findings. */
const SEVERITY_ORDER: Severity[] = ['problem', 'warning', 'info', 'ok'];

/**
 * A QR-like picture for the mock's host panel, in the shell's form (`JoinQr`): the three
 * finder squares and a pattern from the link's hash, each run of dark modules in a row one
 * `M{x} {y}h{n}v1h-{n}z`. It is NOT a QR code (the shell encodes the real one with the
 * qrcode crate); it only gives the panel a picture of the same kind.
 */
function mockJoinQr(link: string): JoinQr {
  const width = 25;
  // A finder: a dark ring, a light ring, a dark 3×3 centre; (x, y) from its top left.
  const finderDark = (x: number, y: number) => x === 0 || y === 0 || x === 6 || y === 6 || (x >= 2 && x <= 4 && y >= 2 && y <= 4);
  const dark = (x: number, y: number): boolean => {
    for (const [fx, fy] of [[0, 0], [width - 7, 0], [0, width - 7]]) {
      // The finder and the light separator around it.
      if (x >= fx - 1 && x <= fx + 7 && y >= fy - 1 && y <= fy + 7) return x >= fx && x < fx + 7 && y >= fy && y < fy + 7 && finderDark(x - fx, y - fy);
    }
    return mixed(`${link}/${x},${y}`) % 2 === 1;
  };
  let dark_path = '';
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; ) {
      const start = x;
      while (x < width && dark(x, y)) x++;
      if (x > start) dark_path += `M${start} ${y}h${x - start}v1h-${x - start}z`;
      else x++;
    }
  }
  return { width, dark_path };
}

/** The Join screen's discovery while it runs. */
interface MockDiscovery {
  started: number;
  /** Address -> the order it was first heard in (the list shows the newest first). */
  heard: Map<string, number>;
  nextHeard: number;
  /** Announcements (`address/code`) whose server's key did not match the code. */
  refused: Set<string>;
  /** The list as last sent. */
  last: string;
  timers: ReturnType<typeof setTimeout>[];
  refresh: ReturnType<typeof setInterval>;
}

export type MockControl = MockBackend['control'];

export class MockBackend implements Backend {
  private listeners = new Set<EventHandler>();
  private delayMs: number;
  private auto: boolean;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  /** A simulated friend typing, until their message is sent. */
  private typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

  // the network and this computer
  private serverKeys = new Map<string, string>(); // address -> key seed
  private knownHosts = new Map<string, string>(); // address -> fingerprint
  /** The keychain: a login token per server, never a password. */
  private savedLogins = new Map<string, { username: string; token: string }>();
  /** The name this computer gives its login tokens (the shell uses the computer's name); null: "<user>'s computer". */
  private deviceName: string | null = null;
  private lastUsed = new Map<string, string>();
  private unreachable = new Set<string>();
  private portsInUse = new Set<number>();
  private keychainAvailable = true;
  private settings: Settings = { notifications: 'mentions', share_typing: true, do_not_disturb: false, mention_sound: false };
  /** What the taskbar badge would show (`set_unread_total`). */
  private badge = 0;
  /** When this user's last `typing` was relayed (Date.now()). */
  private lastTyping = -Infinity;

  // the server world (one world, whichever address you join)
  private accounts = new Map<string, Account>();
  private rooms: string[] = ['lobby'];
  /** Online user -> room or `lobby`, in the order they came in (as the server lists them). */
  private where = new Map<string, string>();
  private messages: MessageView[] = [];
  /** For each `@room` message, who was in the room when it was sent (lowercase names). */
  private roomMentioned = new Map<number, Set<string>>();
  private kicks = new Map<string, { by: string; reason: string; until: number | null }>();
  private auditLog: AuditEntry[] = [];
  private nextDevice = 1;

  // this client
  private server: string | null = null;
  private me: Session | null = null;
  /** The device (login token) this session logged in with or was issued, if any. */
  private myDevice: number | null = null;
  private hosting: HostInfo | null = null;
  private active = new Set<string>();
  private incoming = new Set<string>();
  private outgoing = new Set<string>();

  // files: the bytes of every file message, and the transfers running
  private files = new Map<number, Uint8Array>();
  private running = new Map<string, { cancelled: boolean }>();
  /** How long each fifth of a transfer takes (the mock's idea of the network). */
  private transferStepMs = 120;
  /** While the connection is down (`dropConnection`): the messages the client will catch up on. */
  private outage: HearthEvent[] | null = null;
  /** The host's per-file cap (the desktop host's default unless a test sets one). */
  private maxFileBytes: number = LIMITS.defaultMaxFileBytes;
  /** What the save dialog answers: a directory, or null for "cancelled". */
  private saveDirectory: string | null = '/home/you/Downloads';

  // the LAN: hosts announcing their rooms, and the Join screen's discovery
  private announcements: MockAnnouncement[] = structuredClone(ANNOUNCEMENTS);
  /** Addresses whose beacon announces a code its server's key does not match. */
  private forged = new Set<string>();
  /** The interfaces discovery listens on, as the shell labels them. */
  private searched: string[] = [`eth0 (${MY_IP})`];
  /** Listeners that could not start. */
  private discoveryProblems: string[] = [];
  private nothingFoundAfterMs = NOTHING_FOUND_AFTER_MS;
  private discovery: MockDiscovery | null = null;
  // hosting: announcing the room, and what the network check finds
  private announcing = true;
  private firewall: 'none' | 'open' | 'drops' = 'none';
  private hostFindings: Finding[] | null = null;

  constructor(options: MockOptions = {}) {
    this.delayMs = options.delayMs ?? 0;
    this.auto = options.auto ?? false;
    if (options.seed ?? true) this.seed();
  }

  // ------------------------------------------------------------ plumbing

  async invoke<K extends Command>(cmd: K, ...args: InvokeArgs<K>): Promise<ResultOf<K>> {
    // The delay stands for the network; the shell parses addresses by itself.
    if (cmd !== 'parse_address') await this.tick();
    const handler: (args: ArgsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> = this.commands[cmd];
    // A copy, as if it had crossed the IPC boundary.
    return structuredClone(await handler((args[0] ?? null) as ArgsOf<K>));
  }

  subscribe(handler: EventHandler): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** Deliver a push asynchronously, as the real event channel does. */
  private emit(event: HearthEvent): void {
    if (this.outage !== null && event.kind !== 'reconnecting' && event.kind !== 'connected') {
      // the client library catches up on the room it is in after it reconnects; every other push is lost
      if (event.kind === 'msg' && !event.message.private) this.outage.push(event);
      return;
    }
    const copy = structuredClone(event);
    queueMicrotask(() => {
      for (const h of [...this.listeners]) h(copy);
    });
  }

  private async tick(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Stop every pending timer (tests call this in cleanup). */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.stopDiscovery();
    this.listeners.clear();
  }

  // ------------------------------------------------------------ the world

  private seed(): void {
    const start = Date.now();
    this.addAccount('mara', '#e0a458', 'admin');
    this.addAccount('tobi', '#6cc4a1');
    this.addAccount('jun', '#8ab4f8');
    this.addAccount('rin', '#f28b82');
    this.rooms.push('general', 'games');
    this.where.set('mara', 'general').set('tobi', 'general').set('jun', 'lobby');
    const talkers = ['mara', 'tobi', 'jun'];
    for (let i = 0; i < 120; i++) {
      const from = this.accounts.get(talkers[i % 3])!;
      const ts = new Date(start - (120 - i) * 60_000).toISOString();
      const line = i === 113 ? '@tobi did you bring the spare cables?' : FRIEND_LINES[i % FRIEND_LINES.length];
      this.store({ room: 'general', with: null, from: from.username, text: `${line} (#${i + 1})`, ts, color: from.color, private: false, file: null });
    }
    // the friends read general up to a while ago
    for (const acc of this.accounts.values()) acc.reads.set('room:general', 110);
    this.audit('login', 'mara');
    // devices that stay signed in elsewhere (a long name and an IPv6 address among them)
    const ago = (hours: number) => new Date(start - hours * 3_600_000).toISOString();
    const seedDevice = (user: string, name: string, created: number, used: number, ip: string | null) =>
      this.accounts.get(user)!.devices.push({ id: this.nextDevice, name, token: `seeded-${this.nextDevice++}`, created: ago(created), last_used: ago(used), last_ip: ip });
    seedDevice('tobi', "tobi's gaming PC", 24 * 40, 3, '192.168.1.42');
    seedDevice('tobi', 'Tobias-Steam-Deck-living-room-the-one-with-the-cracked-screen', 24 * 12, 50, '2001:db8:4f2a:91c0:7a3e:1dff:fe4b:9c21');
    seedDevice('mara', 'mara-thinkpad', 24 * 90, 0.2, '192.168.1.31');
  }

  private addAccount(username: string, color: string, role: Role = 'member', password = 'secret'): Account {
    const acc: Account = { username, password, color, role, devices: [], reads: new Map(), since: this.messages.length };
    this.accounts.set(key(username), acc);
    return acc;
  }

  private store(m: NewMessage): MessageView {
    const msg: MessageView = { ...m, id: this.messages.length + 1, mentions: [], mention_room: false, mentions_me: false, edited: null, deleted: false, reactions: [] };
    this.resolveMentions(msg);
    this.messages.push(msg);
    return msg;
  }

  /**
   * The server reads `@name`s: existing accounts (as registered), not the
   * sender, at most LIMITS.mentionMaxNames; `@room` in a room mentions everyone there now.
   */
  private resolveMentions(msg: MessageView): void {
    const names: string[] = [];
    let room = false;
    for (const { name } of mentionSpans(msg.text)) {
      if (!msg.private && key(name) === LIMITS.roomMention) {
        room = true;
        continue;
      }
      const acc = this.accounts.get(key(name));
      if (acc && key(acc.username) !== key(msg.from) && !names.includes(acc.username) && names.length < LIMITS.mentionMaxNames) names.push(acc.username);
    }
    msg.mentions = names;
    msg.mention_room = room;
    if (room && msg.room) this.roomMentioned.set(msg.id, new Set([...this.where].filter(([, p]) => p === msg.room).map(([u]) => key(u))));
    else this.roomMentioned.delete(msg.id);
  }

  /** True when `msg` mentions `user` (by name, or `@room` while they were there). */
  private mentions(msg: MessageView, user: string): boolean {
    if (key(msg.from) === key(user)) return false;
    return msg.mentions.some((n) => key(n) === key(user)) || (msg.mention_room && (this.roomMentioned.get(msg.id)?.has(key(user)) ?? false));
  }

  /** A message as this client's user sees it. */
  private view(msg: MessageView): MessageView {
    const me = this.me?.username ?? '';
    return { ...msg, with: this.otherOf(msg, me), mentions_me: me !== '' && this.mentions(msg, me) };
  }

  /**
   * A new message reaches this client: live if we are in its room (or it is
   * private), else as `activity` (no text) so the unread counts stay live.
   */
  private deliver(msg: MessageView): void {
    if (!this.me) return;
    if (msg.private || this.place() === msg.room) this.emit({ kind: 'msg', message: this.view(msg) });
    else if (msg.room && key(msg.from) !== key(this.me.username)) {
      this.emit({ kind: 'activity', room: msg.room, id: msg.id, from: msg.from, mentions_me: this.mentions(msg, this.me.username) });
    }
  }

  /** True when this client sees `msg` live (its room, or our private chat). */
  private seesLive(msg: MessageView): boolean {
    const other = this.otherOf(msg, this.me?.username ?? '');
    return msg.private ? other !== null && this.active.has(other) : this.place() === msg.room;
  }

  /** A private message is between its sender and `with` (its recipient). */
  private between(msg: MessageView, user: string): boolean {
    return msg.private && (key(msg.from) === key(user) || key(msg.with ?? '') === key(user));
  }

  /** The private partner of `msg` for `user` (null for a room message). */
  private otherOf(msg: MessageView, user: string): string | null {
    if (!msg.private) return null;
    return key(msg.from) === key(user) ? msg.with : msg.from;
  }

  /** Unread messages from others and mentions after `user`'s read marks, per room and private chat. */
  private unreadOf(acc: Account): UnreadCount[] {
    const counts = new Map<string, UnreadCount>();
    for (const m of this.messages) {
      if (m.deleted || key(m.from) === key(acc.username)) continue;
      if (m.private && !this.between(m, acc.username)) continue;
      const other = this.otherOf(m, acc.username);
      const mark = readKey(m, other);
      const last = acc.reads.get(mark) ?? acc.since;
      if (m.id <= last) continue;
      const c = counts.get(mark) ?? { ...(m.private ? { with: other } : { room: m.room }), last_read: last, unread: 0, mentions: 0 };
      c.unread += 1;
      if (this.mentions(m, acc.username)) c.mentions += 1;
      counts.set(mark, c);
    }
    return [...counts.values()];
  }

  /** The room or private chat a `search` or `read` names: `{room | with}`, the current room by default. */
  private target(args: { room?: string | null; with?: string | null }): { room: string | null; with: string | null } {
    const me = this.requireLogin();
    if (args.room && args.with) throw fail('invalid_input', 'Say a room or a person, not both.');
    if (args.with) {
      const acc = this.account(args.with);
      if (key(acc.username) === key(me.username)) throw fail('invalid_input', 'That is you.');
      return { room: null, with: acc.username };
    }
    if (args.room) {
      const room = this.rooms.find((r) => key(r) === key(args.room!) && r !== 'lobby');
      if (!room) throw fail('not_found', `There is no room called "${args.room}".`);
      return { room, with: null };
    }
    const here = this.place();
    if (!here || here === 'lobby') throw fail('wrong_state', 'Say which room or person.');
    return { room: here, with: null };
  }

  /** Gives `user`'s `emoji` on `m`, or takes it back (at most LIMITS.maxReactionEmojis different ones). */
  private toggleReaction(m: MessageView, user: string, emoji: string): void {
    const plain = (e: string) => e.replace(/\uFE0F/g, '');
    const r = m.reactions.find((x) => plain(x.emoji) === plain(emoji));
    if (r?.users.some((u) => key(u) === key(user))) {
      r.users = r.users.filter((u) => key(u) !== key(user));
      if (r.users.length === 0) m.reactions = m.reactions.filter((x) => x !== r);
    } else if (r) r.users.push(user);
    else {
      if (m.reactions.length >= LIMITS.maxReactionEmojis) throw fail('invalid_input', `A message can have at most ${LIMITS.maxReactionEmojis} different emojis.`);
      m.reactions.push({ emoji, users: [user] } satisfies Reaction);
    }
  }

  /** A deletion erases the text, its mentions, reactions and file. */
  private erase(m: MessageView): void {
    Object.assign(m, { text: '[message deleted]', deleted: true, file: null, mentions: [], mention_room: false, reactions: [] });
    this.roomMentioned.delete(m.id);
    this.files.delete(m.id);
  }

  /** The message `id` if `user` may see it (not deleted): a room message, or one of their private ones. */
  private visible(id: number, user: string): MessageView {
    const m = this.messages[id - 1];
    if (!m || m.deleted || (m.private && !this.between(m, user))) throw fail('not_found', `There is no message ${id}.`);
    return m;
  }

  /** A file message: stored, its bytes kept, pushed where it belongs. */
  private async fileMessage(from: Account, name: string, bytes: Uint8Array, place: { room: string | null; with: string | null }): Promise<MessageView> {
    const file: FileInfo = { name, size: bytes.length, mime: sniffType(bytes), sha256: await sha256Hex(bytes), image: imageSize(bytes) };
    const msg = this.store({ room: place.room, with: place.with, from: from.username, text: `[file] ${name} (${humanSize(bytes.length)})`, ts: now(), color: from.color, private: place.room === null, file });
    this.files.set(msg.id, bytes);
    return msg;
  }

  /** Moves a transfer on in five steps with `transfer` events; throws `cancelled` if cancelled. */
  private async run(transfer: string, total: number): Promise<void> {
    const flight = { cancelled: false };
    this.running.set(transfer, flight);
    try {
      for (let step = 1; step <= 5; step++) {
        await new Promise((r) => setTimeout(r, this.transferStepMs));
        if (flight.cancelled) throw fail('cancelled', 'Cancelled.');
        this.emit({ kind: 'transfer', transfer, done: Math.floor((total * step) / 5), total });
      }
    } finally {
      this.running.delete(transfer);
    }
  }

  private audit(kind: string, user: string, by: string | null = null, detail: string | null = null): void {
    const n = this.auditLog.length;
    const peer = by === null && kind !== 'kick';
    this.auditLog.push({ id: n + 1, ts: now(), kind, user, by, ip: peer ? `192.168.1.${40 + (n % 50)}` : null, port: peer ? 50000 + n : null, detail });
  }

  private keyFor(address: string): { fingerprint: string; code: string } {
    return fakeKey(this.serverKeys.get(address) ?? address);
  }

  /** Every room, lobby first, with its users in the order they came in. */
  private roomMap(): RoomMap {
    const map: RoomMap = Object.fromEntries(this.rooms.map((r) => [r, []]));
    for (const [user, place] of this.where) (map[place] ??= []).push(user);
    return map;
  }

  private place(): string | null {
    return this.me ? (this.where.get(this.me.username) ?? null) : null;
  }

  private notice(notice: NoticeKind, user: string, room: string): void {
    this.emit({ kind: 'notice', notice, user, room, ts: now() });
  }

  /**
   * A user goes to a place (or offline, with null). Everyone in the place left
   * and in the place joined is told, the joiner included. Returns the places
   * whose presence changed.
   */
  private relocate(user: string, to: string | null, how: 'left' | 'disconnected' = 'left'): string[] {
    const from = this.where.get(user) ?? null;
    if (from === to) return [];
    const mine = this.place();
    this.where.delete(user);
    if (to !== null) this.where.set(user, to);
    if (from !== null && from === mine && user !== this.me?.username) this.notice(to === null ? how : 'left', user, from);
    if (to !== null && to === this.place()) this.notice('joined', user, to);
    return [from, to].filter((p): p is string => p !== null);
  }

  /** Presence changed: the lobby gets the room list, a room its member list, the host its count. */
  private presence(changed: string[]): void {
    const place = this.place();
    const map = this.roomMap();
    if (place === 'lobby') this.emit({ kind: 'rooms', rooms: map });
    else if (place !== null && changed.includes(place)) this.emit({ kind: 'members', room: place, users: map[place] });
    if (this.hosting) {
      this.hosting.connected = this.where.size;
      this.emit({ kind: 'host_status', connected: this.where.size });
    }
  }

  private move(user: string, to: string | null, how: 'left' | 'disconnected' = 'left'): void {
    this.presence(this.relocate(user, to, how));
  }

  /** A public message from a simulated user, seen if we are in that room. */
  private publicMessage(from: string, text: string, room: string): MessageView {
    const acc = this.accounts.get(key(from)) ?? this.addAccount(from, PALETTE[fnv(from) % PALETTE.length]);
    const msg = this.store({ room, with: null, from: acc.username, text, ts: now(), color: acc.color, private: false, file: null });
    this.deliver(msg);
    this.stopTyping(acc.username);
    return msg;
  }

  private privateMessage(from: string, text: string): void {
    const acc = this.accounts.get(key(from));
    if (!acc || !this.active.has(acc.username)) throw new Error(`no private chat with ${from}`);
    // stored once, from the sender `with` the recipient; each side sees `with` as the other person
    const msg = this.store({ room: null, with: this.me?.username ?? null, from: acc.username, text, ts: now(), color: acc.color, private: true, file: null });
    this.deliver(msg);
    this.stopTyping(acc.username);
  }

  /** A simulated friend's typing ends with their message (the UI hides it then by itself). */
  private stopTyping(user: string): void {
    const t = this.typingTimers.get(user);
    if (t !== undefined) clearTimeout(t);
    this.typingTimers.delete(user);
  }

  /** A simulated friend types in a room (theirs) or to us, and says `text` after `ms` if given. */
  private friendTypes(user: string, room: string | null, then?: { text: string; ms: number }): void {
    if (room === null ? this.active.has(user) : room === this.place()) this.emit({ kind: 'typing', user, room });
    if (!then) return;
    this.stopTyping(user);
    const t = setTimeout(() => {
      this.typingTimers.delete(user);
      if (room === null) {
        if (this.active.has(user)) this.privateMessage(user, then.text);
      } else this.publicMessage(user, then.text, room);
    }, then.ms);
    this.typingTimers.set(user, t);
  }

  /** `@room` is for admins and the owner (in a room; in a private chat it is plain text). */
  private checkRoomMention(me: Session, text: string, inRoom: boolean): void {
    const everyone = inRoom && mentionSpans(text).some((m) => key(m.name) === LIMITS.roomMention);
    if (everyone && me.role === 'member') throw fail('forbidden', `Only admins and the owner may mention @${LIMITS.roomMention}.`);
  }

  private answerRequest(user: string, accept: boolean): void {
    if (!this.outgoing.delete(user)) return;
    if (accept) this.active.add(user);
    this.emit(accept ? { kind: 'private_started', with: user } : { kind: 'private_rejected', by: user });
  }

  /** A user's private chat and requests with us end (they left, were kicked, or ended it). */
  private dropPrivate(user: string, reason: string): void {
    if (this.active.delete(user)) this.emit({ kind: 'private_ended', with: user, reason });
    if (this.incoming.delete(user) || this.outgoing.delete(user)) this.emit({ kind: 'private_cancelled', with: user, reason });
  }

  private dropSession(): void {
    this.me = null;
    this.myDevice = null;
    this.active.clear();
    this.incoming.clear();
    this.outgoing.clear();
  }

  /** The connection is over: we are offline and not connected. */
  private closed(): void {
    if (this.me) this.where.delete(this.me.username);
    this.dropSession();
    this.server = null;
  }

  private page(args: History): MessageView[] {
    const me = this.me?.username ?? '';
    const other = args.with ? key(args.with) : null;
    const limit = Math.min(200, Math.max(1, args.limit ?? 50));
    const matching = this.messages.filter((m) => {
      if (args.before_id != null && m.id >= args.before_id) return false;
      if (args.after_id != null && m.id <= args.after_id) return false;
      if (other === null) return !m.private && m.room === args.room;
      return this.between(m, me) && key(this.otherOf(m, me) ?? '') === other;
    });
    // the newest `limit` before before_id; with only after_id, the oldest `limit` after it
    const page = args.after_id != null && args.before_id == null ? matching.slice(0, limit) : matching.slice(-limit);
    return page.map((m) => this.view(m));
  }

  private requireServer(): string {
    if (!this.server) throw fail('not_connected', 'You are not connected to a server.');
    return this.server;
  }

  private requireLogin(): Session {
    this.requireServer();
    if (!this.me) throw fail('not_connected', 'You are not logged in.');
    return this.me;
  }

  private requireAdmin(): Session {
    const me = this.requireLogin();
    if (me.role === 'member') throw fail('forbidden', 'Only admins and the owner can do that.');
    return me;
  }

  private account(name: string): Account {
    const acc = this.accounts.get(key(name));
    if (!acc) throw fail('not_found', `There is no user called ${name}.`);
    return acc;
  }

  private refuseKicked(acc: Account): void {
    const kick = this.kicks.get(key(acc.username));
    if (kick?.until != null && kick.until > Date.now()) {
      const { by, reason } = kick;
      throw fail('kicked', `You were kicked by ${by} (${reason}) and may rejoin later.`, { until: new Date(kick.until).toISOString(), by, reason });
    }
  }

  /** Logged in on `server` with the password, or with the login token of `used`; `issued`: a token the login asked for. */
  private startSession(acc: Account, server: string, used: Device | null, issued: Device | null = null): Session {
    this.me = { server, username: acc.username, color: acc.color, role: acc.role, unread: this.unreadOf(acc) };
    this.myDevice = (used ?? issued)?.id ?? null;
    this.audit('login', acc.username, null, used && `with the login token of ${used.name}`);
    if (issued) this.audit('device', acc.username, null, issued.name);
    this.where.delete(acc.username); // a simulated friend's own login is taken over
    this.move(acc.username, 'lobby');
    return this.me;
  }

  /** The address the server sees this computer's client at. */
  private myIp(): string {
    return this.hosting ? '127.0.0.1' : MY_IP;
  }

  /** The server issues this computer a login token for `acc` (the caller audits it). */
  private issueDevice(acc: Account): Device {
    const id = this.nextDevice++;
    const name = this.deviceName ?? `${acc.username}'s computer`;
    const device = { id, name, token: `token-${id}-${fnv(`${acc.username}/${id}`).toString(16)}`, created: now(), last_used: now(), last_ip: this.myIp() };
    acc.devices.push(device);
    return device;
  }

  /** Login tokens stop working (audited as the server does: `<devices>: <why>`). */
  private revokeDevices(acc: Account, gone: Device[], why: string, by: string | null = null): void {
    if (gone.length === 0) return;
    acc.devices = acc.devices.filter((d) => !gone.includes(d));
    if (gone.some((d) => d.id === this.myDevice)) this.myDevice = null;
    this.audit('revoke', acc.username, by, `${gone.map((d) => d.name).join(', ')}: ${why}`);
  }

  private checkAccount(username: string, password: string, color?: string | null): void {
    check(nameProblem(username));
    check(passwordProblem(password));
    if (color != null && !isColor(color)) throw fail('invalid_input', 'Colors must look like #rrggbb.');
  }

  private open(address: string): ResultOf<'connect'> {
    this.server = address;
    this.lastUsed.set(address, now());
    this.emit({ kind: 'connecting', server: address });
    this.emit({ kind: 'connected', server: address });
    return { status: 'connected', server: address };
  }

  private keyChanged(address: string, fingerprint: string): BackendError {
    return fail('key_changed', `The host at ${address} has a different key than last time.`, { fingerprint });
  }

  // ------------------------------------------------------------ discovery

  /** The key a host's beacon names by its code: its server's own, unless forged. */
  private announcedKey(address: string): { fingerprint: string; code: string } {
    return this.forged.has(address) ? fakeKey(`forged/${address}`) : this.keyFor(address);
  }

  /** Refused after a join, else what known hosts say of the address (as the shell's `trust_of`). */
  private trustOf(address: string, code: string, refused: Set<string>): DiscoveredTrust {
    if (refused.has(`${address}/${code}`)) return 'not_this_host';
    const known = this.knownHosts.get(address);
    if (known === undefined) return 'new';
    return known === this.announcedKey(address).fingerprint ? 'known' : 'key_changed';
  }

  private discoveryState(): DiscoveryState {
    const d = this.discovery;
    const heard = d ? [...d.heard].sort((a, b) => b[1] - a[1]) : [];
    const hosts = heard.flatMap(([address]) => {
      const a = this.announcements.find((x) => x.address === address);
      if (!a || !d) return [];
      const code = this.announcedKey(address).code;
      return [{ name: a.name, host_name: a.host_name, address, join_code: code, online: a.online, via: [...a.via], trust: this.trustOf(address, code, d.refused) }];
    });
    const waited = d !== null && Date.now() - d.started >= this.nothingFoundAfterMs;
    return { hosts, searched: [...this.searched], problems: [...this.discoveryProblems], nothing_found: hosts.length === 0 && waited };
  }

  /** Sends the list when it changed since it was last sent. */
  private refreshDiscovery(): void {
    const d = this.discovery;
    if (!d) return;
    const state = this.discoveryState();
    const text = JSON.stringify(state);
    if (text === d.last) return;
    d.last = text;
    this.emit({ kind: 'discovery', state });
  }

  /** A running discovery hears `a` once its time comes. */
  private scheduleHearing(a: MockAnnouncement): void {
    const d = this.discovery;
    if (!d) return;
    const wait = Math.max(0, d.started + a.afterMs - Date.now());
    d.timers.push(
      setTimeout(() => {
        if (this.discovery !== d || d.heard.has(a.address) || !this.announcements.includes(a)) return;
        d.heard.set(a.address, d.nextHeard++);
        this.refreshDiscovery();
      }, wait),
    );
  }

  /** Looks at the list again when "nothing found" is due. */
  private scheduleNothingFound(): void {
    const d = this.discovery;
    if (!d) return;
    d.timers.push(setTimeout(() => this.refreshDiscovery(), Math.max(0, d.started + this.nothingFoundAfterMs - Date.now())));
  }

  private startDiscovery(): DiscoveryState {
    this.stopDiscovery();
    const d: MockDiscovery = {
      started: Date.now(),
      heard: new Map(),
      nextHeard: 0,
      refused: new Set(),
      last: '',
      timers: [],
      refresh: setInterval(() => this.refreshDiscovery(), DISCOVERY_REFRESH_MS),
    };
    this.discovery = d;
    for (const a of this.announcements) this.scheduleHearing(a);
    this.scheduleNothingFound();
    // the shell's task sends the first list at once, beside the command's answer
    this.refreshDiscovery();
    return this.discoveryState();
  }

  private stopDiscovery(): void {
    const d = this.discovery;
    if (!d) return;
    for (const t of d.timers) clearTimeout(t);
    clearInterval(d.refresh);
    this.discovery = null;
  }

  /** What would stop friends from finding or reaching this computer on `port` (a Linux host on two LANs). */
  private networkCheck(port: number): Finding[] {
    const out: Finding[] = [
      { code: 'lan_ready', severity: 'ok', title: 'Announcing on eth0 (192.168.1.23), wlan0 (10.0.0.5).', detail: 'Friends on these networks see this room in their Join list.' },
      {
        code: 'adapters_skipped',
        severity: 'info',
        title: 'Not announcing on docker0 (172.17.0.1).',
        detail: 'VPN and virtual machine adapters are left out: friends are not on them. Someone reaching you through one can still join by address.',
      },
      { code: 'not_checked', severity: 'info', title: 'Network profile: not checked.', detail: 'Only Windows has network profiles.' },
      { code: 'not_checked', severity: 'info', title: 'Windows Firewall rule: not checked.', detail: 'Only Windows Firewall keeps a rule per app.' },
    ];
    if (!this.hosting && this.portsInUse.has(port)) {
      out.push({ code: 'port_taken', severity: 'problem', title: `Port ${port} is used by another program.`, detail: 'Choose another port in the host settings, or close the program that uses it.' });
    }
    if (this.firewall === 'drops') {
      out.push({
        code: 'firewall_drops',
        severity: 'problem',
        title: `The firewall drops connections to port ${port}.`,
        detail:
          `Let the port in: \`sudo ufw allow ${port}/tcp\` with ufw, or \`sudo nft add rule inet filter input tcp dport ${port} accept\` with nftables ` +
          `(for the table and chain your ruleset uses). For discovery, also allow UDP ${BEACON_PORT}.`,
      });
    } else if (this.firewall === 'open') {
      out.push({ code: 'firewall_open', severity: 'ok', title: `The firewall lets port ${port} in.`, detail: '' });
    }
    return out.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  }

  // ------------------------------------------------------------ the commands

  readonly commands: Handlers = {
    // hosting
    host_start: (args) => {
      if (this.hosting) throw fail('server_error', 'You are already hosting a room.');
      const port = args.port ?? LIMITS.defaultPort;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('invalid_input', 'The port must be a number from 1 to 65535.');
      const quotaMib = LIMITS.filesQuotaBytes / 2 ** 20;
      const mib = args.max_file_mib;
      if (mib != null && (!Number.isInteger(mib) || mib < 1 || mib > quotaMib)) throw fail('invalid_input', `The largest file must be 1 to ${quotaMib} MiB.`);
      if (this.portsInUse.has(port)) {
        let free = port + 1;
        while (this.portsInUse.has(free)) free++;
        throw fail('port_in_use', `Port ${port} is already in use on this computer.`, { suggested_port: free });
      }
      this.checkAccount(args.username, args.password, args.color);
      check(roomNameProblem(args.room_name ?? ''));
      const room_name = args.room_name?.trim() || `${args.username.trim()}'s room`;
      const existing = this.accounts.get(key(args.username));
      if (existing && existing.password !== args.password) throw fail('auth_failed', 'That name already has an account here with a different password.');
      const acc = existing ?? this.addAccount(args.username, args.color ?? PALETTE[0], 'owner', args.password);
      this.maxFileBytes = mib != null ? mib * 2 ** 20 : LIMITS.defaultMaxFileBytes;
      acc.role = 'owner';
      const address = `192.168.1.23:${port}`;
      const { fingerprint, code } = this.keyFor(address);
      const addresses = [{ ip: '192.168.1.23', port }, { ip: '10.0.0.5', port }];
      const link = `hearth://${address}/${code}`;
      this.hosting = { addresses, port, join_code: code, fingerprint, join_link: link, connected: 0, room_name, announcing: this.announcing, join_qr: mockJoinQr(link) };
      this.server = `127.0.0.1:${port}`;
      this.me = { server: this.server, username: acc.username, color: acc.color, role: 'owner', unread: this.unreadOf(acc) };
      this.myDevice = null;
      this.audit('login', acc.username);
      this.emit({ kind: 'connected', server: this.server });
      this.where.set(acc.username, 'lobby');
      this.presence(['lobby']);
      return { host: this.hosting, session: this.me };
    },
    host_stop: () => {
      if (!this.hosting) throw fail('server_error', 'You are not hosting.');
      this.hosting = null;
      this.closed();
      return null;
    },
    host_status: () => this.hosting,
    host_check: (args) => {
      const port = this.hosting?.port ?? args.port ?? LIMITS.defaultPort;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('invalid_input', 'The port must be a number from 1 to 65535.');
      return this.hostFindings ?? this.networkCheck(port);
    },

    // discovery
    discovery_start: () => this.startDiscovery(),
    discovery_stop: () => {
      this.stopDiscovery();
      return null;
    },
    discovery_join: async (args) => {
      const d = this.discovery;
      if (!d) throw fail('invalid_input', 'The list of hosts is closed. Open Join again.');
      const address = args.address.trim();
      const heard = this.announcements.find((a) => a.address === address && d.heard.has(address));
      if (!heard) throw fail('invalid_input', `${address} is no longer announcing. Wait for it to reappear, or join by address.`);
      const typed = args.join_code?.trim() || null;
      const announced = this.announcedKey(address).code;
      const beacon = `${address}/${announced}`;
      const notThisHost = () =>
        fail(
          'not_this_host',
          `The computer at ${address} is not "${heard.name}": its key does not match the code it announced (${announced}). Hearth did not join. Ask the host for the address and join code.`,
        );
      if (typed === null && d.refused.has(beacon)) throw notThisHost();
      try {
        // the typed code wins; else the announced one is trusted on first use
        const res = await this.commands.connect({ address, join_code: typed ?? announced });
        this.stopDiscovery();
        return res;
      } catch (err) {
        if (typed === null && err instanceof BackendError && err.code === 'wrong_code') {
          d.refused.add(beacon);
          this.refreshDiscovery();
          throw notThisHost();
        }
        throw err;
      }
    },

    // joining
    parse_address: (args) => parseAddress(args.address),
    connect: (args) => {
      const parsed = parseAddress(args.address);
      const address = parsed.address;
      const joinCode = args.join_code || parsed.join_code;
      if (this.unreachable.has(address)) throw fail('unreachable', `Could not reach ${address}. Check the address and that the host is running.`);
      const { fingerprint, code } = this.keyFor(address);
      const known = this.knownHosts.get(address);
      if (joinCode) {
        if (normalizeCode(joinCode) !== normalizeCode(code)) throw fail('wrong_code', 'This is not the host you were given the code for.');
        if (known !== undefined && known !== fingerprint) throw this.keyChanged(address, fingerprint);
        this.knownHosts.set(address, fingerprint);
        return this.open(address);
      }
      if (known === undefined) return { status: 'needs_trust', server: address, fingerprint };
      if (known !== fingerprint) throw this.keyChanged(address, fingerprint);
      return this.open(address);
    },
    trust_host: (args) => {
      const { address } = parseAddress(args.address);
      const { fingerprint } = this.keyFor(address);
      if (fingerprint !== args.fingerprint) throw fail('key_changed', 'The host presented another key while you were deciding.', { fingerprint });
      this.knownHosts.set(address, fingerprint);
      return this.open(address);
    },
    forget_host: (args) => {
      const { address } = parseAddress(args.address);
      this.knownHosts.delete(address);
      this.savedLogins.delete(address);
      this.lastUsed.delete(address);
      return null;
    },
    disconnect: () => {
      if (this.me) this.move(this.me.username, null, 'disconnected');
      this.closed();
      return null;
    },
    saved_servers: () =>
      [...new Set([...this.knownHosts.keys(), ...this.savedLogins.keys()])].sort().map((address) => ({
        address,
        fingerprint: this.knownHosts.get(address) ?? null,
        saved_user: this.savedLogins.get(address)?.username ?? null,
        last_used: this.lastUsed.get(address) ?? null,
      })),

    // account
    register: (args) => {
      this.requireServer();
      this.checkAccount(args.username, args.password, args.color);
      if (this.accounts.has(key(args.username))) throw fail('name_taken', `The name "${args.username}" is taken.`);
      const color = args.color ?? PALETTE[this.accounts.size % PALETTE.length];
      this.addAccount(args.username, color, this.accounts.size === 0 ? 'owner' : 'member', args.password);
      return null;
    },
    login: (args) => {
      const server = this.requireServer();
      if (args.remember && !this.keychainAvailable) {
        throw fail('keychain_unavailable', 'No keychain is available on this computer, so your login cannot be remembered.');
      }
      const acc = this.accounts.get(key(args.username));
      if (!acc || acc.password !== args.password) throw fail('auth_failed', 'Wrong name or password.');
      this.refuseKicked(acc);
      // remembered: the server issues this computer a token, and the keychain keeps it
      const device = args.remember ? this.issueDevice(acc) : null;
      if (device) this.savedLogins.set(server, { username: acc.username, token: device.token });
      return this.startSession(acc, server, null, device);
    },
    login_saved: () => {
      const server = this.requireServer();
      const saved = this.savedLogins.get(server);
      if (!saved) throw fail('auth_failed', 'No saved login for this server.');
      const acc = this.accounts.get(key(saved.username));
      if (acc) this.refuseKicked(acc);
      const device = acc?.devices.find((d) => d.token === saved.token);
      if (!acc || !device) {
        // revoked elsewhere, by a password change or a kick: the shell forgets it
        this.savedLogins.delete(server);
        throw fail('auth_failed', "This computer's saved login was signed out. Log in again.");
      }
      device.last_used = now();
      device.last_ip = this.myIp();
      return this.startSession(acc, server, device);
    },
    saved_login: (args) => {
      const saved = this.savedLogins.get(parseAddress(args.address).address);
      return saved ? { username: saved.username } : null;
    },
    forget_login: (args) => {
      this.savedLogins.delete(parseAddress(args.address).address);
      return null;
    },
    logout: () => {
      const me = this.requireLogin();
      this.audit('logout', me.username);
      // on a remembered device: "log out on this device" revokes its token and forgets it
      if (this.savedLogins.delete(me.server)) {
        const acc = this.accounts.get(key(me.username))!;
        this.revokeDevices(acc, acc.devices.filter((d) => d.id === this.myDevice), 'logged out on this device');
      }
      this.move(me.username, null);
      for (const u of this.active) this.emit({ kind: 'private_ended', with: u, reason: 'you logged out' });
      this.dropSession();
      return null;
    },
    list_devices: () => {
      const me = this.requireLogin();
      const devices = [...this.accounts.get(key(me.username))!.devices]
        .sort((a, b) => b.last_used.localeCompare(a.last_used) || b.id - a.id)
        .map((d): DeviceInfo => ({ id: d.id, name: d.name, created: d.created, last_used: d.last_used, last_ip: d.last_ip, current: d.id === this.myDevice }));
      return { devices };
    },
    revoke_device: ({ id }) => {
      const me = this.requireLogin();
      const acc = this.accounts.get(key(me.username))!;
      const device = acc.devices.find((d) => d.id === id);
      if (!device) throw fail('not_found', `no signed-in device ${id} on your account`);
      // the shell forgets the saved login when it was this device's
      if (device.id === this.myDevice) this.savedLogins.delete(me.server);
      this.revokeDevices(acc, [device], 'signed out');
      return null;
    },

    // rooms and messages
    list_rooms: () => {
      const me = this.requireLogin();
      return { rooms: this.roomMap(), unread: this.unreadOf(this.account(me.username)) };
    },
    create_room: ({ room }) => {
      this.requireLogin();
      check(nameProblem(room, 'Room name'));
      if (this.rooms.some((r) => key(r) === key(room))) throw fail('name_taken', `A room called "${room}" already exists.`);
      this.rooms.push(room);
      this.presence([room]);
      return null;
    },
    enter_room: (args) => {
      const me = this.requireLogin();
      const room = this.rooms.find((r) => key(r) === key(args.room));
      if (!room || room === 'lobby') throw fail('not_found', `There is no room called "${args.room}".`);
      // its history first, then what happens there from now on
      this.emit({ kind: 'history', page: { room, with: null, messages: this.page({ room }) } });
      this.move(me.username, room);
      return null;
    },
    exit_room: () => {
      const me = this.requireLogin();
      if (this.place() === 'lobby') throw fail('wrong_state', 'You are not in a room.');
      this.move(me.username, 'lobby');
      return null;
    },
    send_message: ({ to, text }) => {
      const me = this.requireLogin();
      check(textProblem(text));
      const mine = { from: me.username, text, ts: now(), color: me.color };
      if (to === 'public') {
        const room = this.place();
        if (!room || room === 'lobby') throw fail('wrong_state', 'Enter a room to talk in it.');
        this.checkRoomMention(me, text, true);
        this.deliver(this.store({ ...mine, room, with: null, private: false, file: null }));
        return null;
      }
      const partner = [...this.active].find((u) => key(u) === key(to));
      if (!partner) throw fail('not_linked', `You have no private chat with ${to}. Send a private request first.`);
      this.deliver(this.store({ ...mine, room: null, with: partner, private: true, file: null }));
      if (this.auto) this.later(400, () => this.active.has(partner) && this.friendTypes(partner, null, { text: `got it: "${text.slice(0, 40)}"`, ms: 1500 }));
      return null;
    },
    send_file: async ({ transfer, to, name, data }) => {
      const me = this.requireLogin();
      const bytes = fromBase64(data);
      if (bytes.length > this.maxFileBytes) {
        throw fail('file_too_big', `The file ${name} is ${humanSize(bytes.length)}; this host takes files of up to ${humanSize(this.maxFileBytes)}`);
      }
      let place: { room: string | null; with: string | null };
      if (to === 'public') {
        const room = this.place();
        if (!room || room === 'lobby') throw fail('wrong_state', 'Enter a room to send files to it.');
        place = { room, with: null };
      } else {
        const partner = [...this.active].find((u) => key(u) === key(to));
        if (!partner) throw fail('not_linked', `You have no private chat with ${to}. Send a private request first.`);
        place = { room: null, with: partner };
      }
      await this.run(transfer, bytes.length);
      this.deliver(await this.fileMessage(this.account(me.username), name, bytes, place));
      return null;
    },
    cancel_transfer: ({ transfer }) => {
      const flight = this.running.get(transfer);
      if (flight) flight.cancelled = true;
      return null;
    },
    file_bytes: ({ id }) => {
      this.requireLogin();
      const bytes = this.files.get(id);
      if (!bytes) throw fail('not_found', `no file with id ${id}`);
      return { mime: sniffImage(bytes) ?? 'application/octet-stream', data: toBase64(bytes) };
    },
    save_file: async ({ transfer, id, name }) => {
      this.requireLogin();
      const bytes = this.files.get(id);
      if (!bytes) throw fail('not_found', `no file with id ${id}`);
      if (this.saveDirectory === null) return null;
      await this.run(transfer, bytes.length);
      return `${this.saveDirectory}/${name}`;
    },
    history: (args) => {
      this.requireLogin();
      if (!args.room && !args.with) throw fail('invalid_input', 'Say which room or person.');
      return { room: args.with ? null : (args.room ?? null), with: args.with ?? null, messages: this.page(args) };
    },

    // conversations
    react: ({ id, emoji }) => {
      const me = this.requireLogin();
      const m = this.visible(id, me.username);
      if (!isEmoji(emoji)) throw fail('not_emoji', 'A reaction is exactly one emoji.');
      this.toggleReaction(m, me.username, emoji);
      // the reply, which the shell passes on as an event to this window too
      this.emit({ kind: 'reactions', id: m.id, room: m.room, reactions: m.reactions });
      return null;
    },
    edit_message: ({ id, text }) => {
      const me = this.requireLogin();
      const m = this.visible(id, me.username);
      if (key(m.from) !== key(me.username)) throw fail('forbidden', 'You can only edit your own messages.');
      if (Date.now() - new Date(m.ts).getTime() > LIMITS.editWindowSecs * 1000) throw fail('too_late', 'Messages can be edited for 24 hours after sending them.');
      if (m.file) throw fail('invalid_input', 'A file has no text to edit.');
      check(textProblem(text));
      this.checkRoomMention(me, text, !m.private);
      m.text = text;
      m.edited = now();
      this.resolveMentions(m);
      this.emit({ kind: 'edited', message: this.view(m) });
      return null;
    },
    delete_message: ({ id }) => {
      const me = this.requireLogin();
      const m = this.visible(id, me.username);
      const own = key(m.from) === key(me.username);
      if (!own && (m.private || me.role === 'member')) throw fail('forbidden', 'You can only delete your own messages.');
      this.erase(m);
      this.emit({ kind: 'deleted', id: m.id, room: m.room, by: me.username });
      return null;
    },
    search: (args) => {
      const me = this.requireLogin();
      check(queryProblem(args.query));
      const place = this.target(args);
      const limit = Math.min(LIMITS.searchPageMax, Math.max(1, args.limit ?? LIMITS.searchPageDefault));
      const found = this.messages
        .filter((m) => {
          if (m.deleted || (args.before != null && m.id >= args.before)) return false;
          if (place.with === null ? m.private || m.room !== place.room : !this.between(m, me.username) || key(this.otherOf(m, me.username) ?? '') !== key(place.with)) return false;
          return matchesQuery(m.text, args.query);
        })
        .reverse();
      return { ...place, messages: found.slice(0, limit).map((m) => this.view(m)), more: found.length > limit };
    },
    mark_read: (args) => {
      const me = this.requireLogin();
      const place = this.target(args);
      const acc = this.account(me.username);
      const mark = place.with === null ? `room:${place.room}` : `dm:${key(place.with)}`;
      // a mark never moves back
      acc.reads.set(mark, Math.max(acc.reads.get(mark) ?? acc.since, args.id));
      const count = this.unreadOf(acc).find((c) => (place.with === null ? c.room === place.room : key(c.with ?? '') === key(place.with)));
      return { ...place, last_read: acc.reads.get(mark)!, unread: count?.unread ?? 0, mentions: count?.mentions ?? 0 };
    },
    typing: (args) => {
      const me = this.requireLogin();
      if (args.room && args.with) throw fail('invalid_input', 'Say a room or a person, not both.');
      if (args.with) {
        if (![...this.active].some((u) => key(u) === key(args.with!))) throw fail('not_linked', `You have no private chat with ${args.with}.`);
      } else if ((args.room ?? this.place()) !== this.place() || this.place() === 'lobby') {
        throw fail('wrong_state', 'You are not in that room.');
      }
      // Relayed at most once per LIMITS.typingRelayIntervalMs, like the server.
      const now = Date.now();
      if (now - this.lastTyping < LIMITS.typingRelayIntervalMs) {
        throw fail('slow_down', 'typing is relayed at most once every 2 seconds');
      }
      this.lastTyping = now;
      void me;
      return null;
    },
    set_unread_total: (args) => {
      this.badge = args.total;
      return null;
    },

    // private chats
    private_request: (args) => {
      const me = this.requireLogin();
      const acc = this.accounts.get(key(args.to));
      if (acc && key(acc.username) === key(me.username)) throw fail('invalid_input', 'You cannot open a private chat with yourself.');
      if (!acc || !this.where.has(acc.username)) throw fail('not_online', `${args.to} is not online.`);
      const to = acc.username;
      if (this.active.has(to)) throw fail('already_linked', `You already have a private chat with ${to}.`);
      if (this.incoming.delete(to)) {
        this.active.add(to);
        this.emit({ kind: 'private_started', with: to });
      } else {
        this.outgoing.add(to);
        if (this.auto) this.later(1500, () => this.answerRequest(to, true));
      }
      return null;
    },
    private_accept: ({ from }) => {
      this.requireLogin();
      if (!this.incoming.delete(from)) throw fail('not_linked', `${from} has no pending request.`);
      this.active.add(from);
      this.emit({ kind: 'private_started', with: from });
      return null;
    },
    private_reject: ({ from }) => {
      this.requireLogin();
      if (!this.incoming.delete(from)) throw fail('not_linked', `${from} has no pending request.`);
      return null;
    },
    private_end: (args) => {
      this.requireLogin();
      if (this.active.delete(args.with)) this.emit({ kind: 'private_ended', with: args.with, reason: 'you ended the chat' });
      else if (this.outgoing.delete(args.with)) this.emit({ kind: 'private_cancelled', with: args.with, reason: 'you cancelled the request' });
      else throw fail('not_linked', `You have no private chat with ${args.with}.`);
      return null;
    },
    private_list: () => {
      this.requireLogin();
      return this.privateLinks();
    },

    // admin
    kick: (args) => {
      const me = this.requireAdmin();
      check(reasonProblem(args.reason));
      const minutes = args.minutes ?? 5;
      if (!Number.isInteger(minutes) || minutes < 0) throw fail('invalid_input', 'The cooldown must be a whole number of minutes.');
      const target = this.account(args.username);
      if (key(target.username) === key(me.username)) throw fail('forbidden', 'You cannot kick yourself.');
      if (target.role === 'owner') throw fail('forbidden', 'The owner cannot be kicked.');
      if (target.role === 'admin' && me.role !== 'owner') throw fail('forbidden', 'Only the owner can kick an admin.');
      const { reason } = args;
      this.kicks.set(key(target.username), { by: me.username, reason, until: minutes > 0 ? Date.now() + minutes * 60_000 : null });
      // a cooldown also signs every device out
      if (minutes > 0) this.revokeDevices(target, target.devices, 'kicked', me.username);
      this.audit('kick', target.username, me.username, reason);
      // offline at once (their place is told they left), then everyone still online hears why
      const changed = this.relocate(target.username, null);
      this.dropPrivate(target.username, `${target.username} was kicked`);
      this.emit({ kind: 'notice', notice: 'kicked', user: target.username, room: null, ts: now(), by: me.username, reason });
      this.presence(changed);
      return null;
    },
    unkick: (args) => {
      const me = this.requireAdmin();
      if (!this.kicks.delete(key(args.username))) throw fail('not_found', `${args.username} has no cooldown.`);
      this.audit('unkick', args.username, me.username);
      return null;
    },
    set_role: (args) => {
      const me = this.requireLogin();
      if (me.role !== 'owner') throw fail('forbidden', 'Only the owner can change roles.');
      if (args.role !== 'admin' && args.role !== 'member') throw fail('invalid_input', 'The role must be admin or member.');
      const target = this.account(args.username);
      if (target.role === 'owner') throw fail('forbidden', "The owner's role cannot change.");
      target.role = args.role;
      this.audit('role', target.username, me.username, args.role);
      return null;
    },
    audit: (args) => {
      this.requireAdmin();
      return this.auditLog.slice(-(args.limit ?? 100)).reverse();
    },

    // profile and settings
    update_profile: (args) => {
      const me = this.requireLogin();
      const acc = this.accounts.get(key(me.username))!;
      const rename = args.username != null && args.username !== acc.username ? args.username : null;
      if (args.color != null && !isColor(args.color)) throw fail('invalid_input', 'Colors must look like #rrggbb.');
      if (args.password && args.password.old !== acc.password) throw fail('auth_failed', 'Your current password is not right.');
      if (args.password) check(passwordProblem(args.password.new));
      if (rename !== null) {
        check(nameProblem(rename));
        const other = this.accounts.get(key(rename));
        if (other && other !== acc) throw fail('name_taken', `The name "${rename}" is taken.`);
      }
      const remembered = this.savedLogins.get(me.server);
      if (args.password) {
        // every token of the account stops working; a remembered session gets a fresh one
        acc.password = args.password.new;
        this.revokeDevices(acc, acc.devices, 'the password changed');
        if (remembered) {
          const device = this.issueDevice(acc);
          this.audit('device', acc.username, null, device.name);
          this.myDevice = device.id;
          remembered.token = device.token;
        }
      }
      if (args.color != null) acc.color = args.color;
      const old = acc.username;
      if (rename !== null) {
        this.accounts.delete(key(old));
        acc.username = rename;
        this.accounts.set(key(rename), acc);
        this.where = new Map([...this.where].map(([u, p]) => [u === old ? rename : u, p]));
        if (remembered) remembered.username = rename;
      }
      this.me = { ...me, username: acc.username, color: acc.color };
      if (rename !== null || args.color != null) {
        this.emit({ kind: 'notice', notice: 'profile', user: acc.username, room: null, ts: now(), color: acc.color, ...(rename !== null && { old_username: old }) });
        this.emit({ kind: 'session', session: this.me });
      }
      if (rename !== null) this.presence([this.place() ?? 'lobby']);
      return this.me;
    },
    get_settings: () => this.settings,
    set_settings: (args) => {
      if (!['all', 'mentions', 'off'].includes(args.notifications)) throw fail('invalid_input', 'Notifications are all, mentions or off.');
      const { notifications, share_typing, do_not_disturb, mention_sound } = args;
      this.settings = { notifications, share_typing: Boolean(share_typing), do_not_disturb: Boolean(do_not_disturb), mention_sound: Boolean(mention_sound) };
      return this.settings;
    },
  };

  private privateLinks(): PrivateLinks {
    const sorted = (s: Set<string>) => [...s].sort();
    return { active: sorted(this.active), incoming: sorted(this.incoming), outgoing: sorted(this.outgoing) };
  }

  // ------------------------------------------------------------ the control API

  /**
   * What tests (and curious people in a plain browser) can do to the simulated
   * world: what other people and the network do. Playwright reaches it as
   * `window.__hearthMock`.
   */
  readonly control = {
    /** Add a user who exists on the server (no validation: tests use odd names). */
    addUser: (username: string, color: string, online = true): void => {
      this.addAccount(username, color);
      if (online) this.move(username, 'lobby');
    },
    /** Someone creates a room. */
    addRoom: (room: string): void => {
      this.rooms.push(room);
      this.presence([room]);
    },
    /** A user goes to a room (or the lobby). */
    join: (user: string, room: string): void => this.move(user, room),
    /** A user goes offline. */
    leave: (user: string, disconnected = false): void => this.move(user, null, disconnected ? 'disconnected' : 'left'),
    /** A user says something in a room (yours by default), walking in first if needed. */
    say: (user: string, text: string, room: string | null = this.place()): number => {
      if (!room || room === 'lobby') throw new Error('say where? you are not in a room');
      if (this.where.get(user) !== room) this.move(user, room);
      return this.publicMessage(user, text, room).id;
    },
    /** A user asks us for a private chat (or accepts ours, if we asked first). */
    requestPrivate: (from: string): void => {
      if (this.outgoing.has(from)) return this.answerRequest(from, true);
      if (this.incoming.has(from) || this.active.has(from)) return;
      this.incoming.add(from);
      this.emit({ kind: 'private_request', from });
    },
    acceptPrivate: (user: string): void => this.answerRequest(user, true),
    rejectPrivate: (user: string): void => this.answerRequest(user, false),
    endPrivate: (user: string, reason = `${user} ended the chat`): void => this.dropPrivate(user, reason),
    privateSay: (user: string, text: string): void => this.privateMessage(user, text),
    /** An admin kicks us. */
    kickMe: (by: string, reason: string, minutes: number): void => {
      const me = this.requireLogin();
      const until = minutes > 0 ? Date.now() + minutes * 60_000 : null;
      this.kicks.set(key(me.username), { by, reason, until });
      const acc = this.accounts.get(key(me.username));
      if (acc && until !== null) this.revokeDevices(acc, acc.devices, 'kicked', by);
      this.emit({ kind: 'kicked', by, reason, until: until === null ? null : new Date(until).toISOString() });
      this.where.delete(me.username);
      this.dropSession();
    },
    /** Lose the connection for `ms`, with the reconnect attempts the client library would make. */
    dropConnection: (ms = 4000, stepMs = 1000): void => {
      let attempt = 0;
      let elapsed = 0;
      this.outage ??= [];
      const back = () => {
        const missed = this.outage ?? [];
        this.outage = null;
        this.emit({ kind: 'connected', server: this.server ?? '' });
        for (const e of missed) this.emit(e);
      };
      const retry = () => {
        attempt += 1;
        const wait = Math.min(stepMs * attempt, Math.max(0, ms - elapsed));
        this.emit({ kind: 'reconnecting', attempt, retry_in_ms: wait });
        elapsed += wait;
        this.later(wait, elapsed >= ms ? back : retry);
      };
      retry();
    },
    /** The server closes our connection for good. */
    bye: (message = 'The host closed the room.'): void => {
      this.emit({ kind: 'bye', message });
      this.closed();
    },
    occupyPort: (port: number): void => void this.portsInUse.add(port),
    /** The host at `address` now presents a different certificate key. */
    changeHostKey: (address: string): void => void this.serverKeys.set(address, `${address}/rotated/${Math.random()}`),
    codeFor: (address: string): string => this.keyFor(address).code,
    fingerprintFor: (address: string): string => this.keyFor(address).fingerprint,
    setKeychainAvailable: (available: boolean): void => void (this.keychainAvailable = available),
    /** A user signs all their devices out from a computer of their own. */
    signOutDevices: (user: string): void => {
      const acc = this.account(user);
      this.revokeDevices(acc, acc.devices, 'signed out');
    },
    /** The name this computer gives its login tokens (null: "<user>'s computer"). */
    setDeviceName: (name: string | null): void => void (this.deviceName = name),
    setUnreachable: (address: string): void => void this.unreachable.add(address),
    /** A user sends a file to a room (yours by default), walking in first if needed. Resolves to its message id. */
    sendFile: async (user: string, name: string, bytes: Uint8Array | number[], room: string | null = this.place()): Promise<number> => {
      if (!room || room === 'lobby') throw new Error('send where? you are not in a room');
      if (this.where.get(user) !== room) this.move(user, room);
      const msg = await this.fileMessage(this.account(user), name, Uint8Array.from(bytes), { room, with: null });
      this.deliver(msg);
      return msg.id;
    },
    /** The host's per-file cap, in bytes. */
    setMaxFileBytes: (bytes: number): void => void (this.maxFileBytes = bytes),
    /** How long each fifth of a transfer takes. */
    setTransferStepMs: (ms: number): void => void (this.transferStepMs = ms),
    /** Where the save dialog says to save (null: the user cancels it). */
    setSaveDirectory: (dir: string | null): void => void (this.saveDirectory = dir),
    /** The bytes of a file message (what a friend's `/save` would get). */
    fileOf: (id: number): number[] | null => {
      const bytes = this.files.get(id);
      return bytes ? [...bytes] : null;
    },
    /** A user types in a room (yours by default; null: to us, in our private chat); with `then`, they send it after `ms`. */
    typing: (user: string, room: string | null = this.place(), then?: { text: string; ms: number }): void => {
      if (room !== null && this.where.get(user) !== room) this.move(user, room);
      this.friendTypes(user, room, then);
    },
    /** A user gives or takes back an emoji on a message. */
    react: (user: string, id: number, emoji: string): void => {
      const m = this.messages[id - 1];
      if (!m || m.deleted) throw new Error(`no message ${id}`);
      this.toggleReaction(m, user, emoji);
      if (this.seesLive(m)) this.emit({ kind: 'reactions', id, room: m.room, reactions: m.reactions });
    },
    /** The author edits a message. */
    edit: (id: number, text: string): void => {
      const m = this.messages[id - 1];
      if (!m || m.deleted) throw new Error(`no message ${id}`);
      Object.assign(m, { text, edited: now() });
      this.resolveMentions(m);
      if (this.seesLive(m)) this.emit({ kind: 'edited', message: this.view(m) });
    },
    /** `by` (the author or an admin) deletes a message. */
    deleteMessage: (by: string, id: number): void => {
      const m = this.messages[id - 1];
      if (!m || m.deleted) throw new Error(`no message ${id}`);
      this.erase(m);
      if (this.seesLive(m)) this.emit({ kind: 'deleted', id, room: m.room, by });
    },
    /** A message was sent `hours` earlier than it says (to pass the edit window). */
    backdate: (id: number, hours: number): void => {
      const m = this.messages[id - 1];
      m.ts = new Date(new Date(m.ts).getTime() - hours * 3_600_000).toISOString();
    },
    /** The id of the newest message anywhere. */
    lastId: (): number => this.messages.length,
    /** The unread total the app last put on its taskbar icon. */
    badge: (): number => this.badge,
    /** The settings as the shell saved them. */
    settings: (): Settings => structuredClone(this.settings),
    /** The hosts announcing on the LAN from now on (a running discovery hears new ones after their `afterMs`, and drops the rest). */
    setAnnouncements: (list: MockAnnouncement[]): void => {
      this.announcements = structuredClone(list);
      const d = this.discovery;
      if (!d) return;
      for (const address of [...d.heard.keys()]) if (!this.announcements.some((a) => a.address === address)) d.heard.delete(address);
      for (const a of this.announcements) this.scheduleHearing(a);
      this.refreshDiscovery();
    },
    /** Nobody announces: after `afterMs` (the shell waits 5 s) the list says so, with the interfaces searched and what could not start. */
    announceNothing: (opts: { afterMs?: number; searched?: string[]; problems?: string[] } = {}): void => {
      this.nothingFoundAfterMs = opts.afterMs ?? NOTHING_FOUND_AFTER_MS;
      if (opts.searched) this.searched = [...opts.searched];
      if (opts.problems) this.discoveryProblems = [...opts.problems];
      this.control.setAnnouncements([]);
      this.scheduleNothingFound();
    },
    /** The beacon at `address` announces a code its server's key does not match (someone pretending to be a host there). */
    forgeAnnouncement: (address: string): void => void this.forged.add(address),
    /** This computer trusted the key of the host at `address` before (it is in known hosts). */
    knowHost: (address: string): void => void this.knownHosts.set(address, this.keyFor(address).fingerprint),
    /** True while the Join screen's discovery runs. */
    discovering: (): boolean => this.discovery !== null,
    /** Whether hosting announces the room on the LAN (the shell's config can switch it off, or announcing can fail). */
    setAnnouncing: (on: boolean): void => void (this.announcing = on),
    /** What the firewall does to the chat port, for the network check. */
    setFirewall: (verdict: 'none' | 'open' | 'drops'): void => void (this.firewall = verdict),
    /** The network check's findings exactly as given (null: the mock's own, from the port and the firewall). */
    setHostFindings: (findings: Finding[] | null): void => void (this.hostFindings = findings && structuredClone(findings)),
    state: () => ({ place: this.place(), me: this.me?.username ?? null, privates: this.privateLinks(), host: this.hosting }),
  };
}
