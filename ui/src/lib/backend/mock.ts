// An in-memory fake of "the Rust side": the embedded server, a remote server
// with a few simulated friends, the client library and the keychain. It keeps
// the same rules as the real thing (docs/DESKTOP-IPC.md, docs/PROTOCOL.md) so
// the UI can be developed and tested without Rust. Tests steer the simulated
// friends through `MockBackend.control` (exposed as `window.__hearthMock`).

import type { Backend } from './backend';
import { BackendError } from './errors';
import type {
  AddressArgs,
  AuditArgs,
  AuditEntry,
  ChatMessage,
  Color,
  ConnectArgs,
  ConnectResult,
  ErrorPayload,
  EventHandler,
  HearthEvent,
  HistoryArgs,
  HistoryPage,
  HostInfo,
  HostStartArgs,
  HostStarted,
  KickArgs,
  LoginArgs,
  PrivateList,
  ProfileArgs,
  RegisterArgs,
  Role,
  RoomArgs,
  RoomMap,
  SavedLogin,
  SavedServer,
  SendArgs,
  Session,
  SetRoleArgs,
  Settings,
  TrustHostArgs,
  UsernameArgs,
} from './types';
import {
  DEFAULT_PORT,
  formatAddress,
  isColor,
  nameProblem,
  normalizeCode,
  parseAddress,
  passwordProblem,
} from '../util/validate';

export interface MockOptions {
  /** Latency of every command, in ms. */
  delayMs?: number;
  /** Friends accept private requests and answer private messages by themselves. */
  auto?: boolean;
  /** Seed the world with friends, rooms and history. */
  seed?: boolean;
}

interface Account {
  username: string;
  password: string;
  color: Color;
  role: Role;
}

interface Kick {
  by: string;
  reason: string;
  until: number | null;
}

const key = (name: string) => name.toLowerCase();
const fail = (code: ErrorPayload['code'], message: string, extra: Partial<ErrorPayload> = {}) =>
  new BackendError({ code, message, ...extra });

const PALETTE = ['#e0a458', '#6cc4a1', '#8ab4f8', '#f28b82', '#c58af9', '#fdd663', '#78d9ec', '#ff8bcb'];
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A stable pseudo-random 32-bit hash (FNV-1a). */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function fakeKey(seed: string): { fingerprint: string; code: string } {
  let hex = '';
  let code = '';
  for (let i = 0; hex.length < 64; i++) hex += fnv(`${seed}/${i}`).toString(16).padStart(8, '0');
  for (let i = 0; code.length < 16; i++) code += CROCKFORD[fnv(`${seed}#${i}`) % 32];
  return {
    fingerprint: `SHA256:${hex.slice(0, 64)}`,
    code: code.match(/.{4}/g)!.join('-'),
  };
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

export class MockBackend implements Backend {
  private handlers = new Set<EventHandler>();
  private delayMs: number;
  auto: boolean;

  // the "network"
  private serverKeys = new Map<string, string>(); // address -> key seed
  private knownHosts = new Map<string, string>(); // address -> fingerprint
  private savedLogins = new Map<string, { username: string; password: string }>();
  private lastUsed = new Map<string, string>();
  private unreachable = new Set<string>();
  private portsInUse = new Set<number>();
  keychainAvailable = true;

  // the server world (one world, whichever address you join)
  private accounts = new Map<string, Account>();
  private rooms: string[] = ['lobby'];
  private where = new Map<string, string>(); // online username -> room or 'lobby'
  private messages: ChatMessage[] = [];
  private nextId = 1;
  private kicks = new Map<string, Kick>();
  private auditLog: AuditEntry[] = [];

  // this client
  private server: string | null = null;
  private me: Session | null = null;
  private hosting: HostInfo | null = null;
  private active = new Set<string>();
  private incoming = new Set<string>();
  private outgoing = new Set<string>();
  private settings: Settings = { notifications: true };
  private timers = new Set<ReturnType<typeof setTimeout>>();

  readonly control: MockControl;

  constructor(options: MockOptions = {}) {
    this.delayMs = options.delayMs ?? 0;
    this.auto = options.auto ?? false;
    if (options.seed ?? true) this.seed();
    this.control = new MockControl(this);
  }

  // ------------------------------------------------------------ plumbing

  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Deliver a push asynchronously, as the real event channel does. */
  emit(event: HearthEvent): void {
    const copy = structuredClone(event);
    queueMicrotask(() => {
      for (const h of [...this.handlers]) h(copy);
    });
  }

  private async tick(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  later(ms: number, fn: () => void): void {
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
    this.handlers.clear();
  }

  private seed(): void {
    const now = Date.now();
    this.addAccount('mara', '#e0a458', 'admin');
    this.addAccount('tobi', '#6cc4a1', 'member');
    this.addAccount('jun', '#8ab4f8', 'member');
    this.addAccount('rin', '#f28b82', 'member');
    this.rooms.push('general', 'games');
    this.where.set('mara', 'general');
    this.where.set('tobi', 'general');
    this.where.set('jun', 'lobby');
    const talkers = ['mara', 'tobi', 'jun'];
    for (let i = 0; i < 120; i++) {
      const from = talkers[i % 3];
      this.store({
        room: 'general',
        with: null,
        from,
        text: `${FRIEND_LINES[i % FRIEND_LINES.length]} (#${i + 1})`,
        ts: new Date(now - (120 - i) * 60_000).toISOString(),
        color: this.accounts.get(from)!.color,
        private: false,
      });
    }
    this.audit_('login', 'mara', null, null);
  }

  addAccount(username: string, color: Color, role: Role = 'member', password = 'secret'): Account {
    const acc = { username, password, color, role };
    this.accounts.set(key(username), acc);
    return acc;
  }

  private store(m: Omit<ChatMessage, 'id'>): ChatMessage {
    const msg = { ...m, id: this.nextId++ };
    this.messages.push(msg);
    return msg;
  }

  private audit_(kind: AuditEntry['kind'], user: string, by: string | null, detail: string | null): void {
    const n = this.auditLog.length;
    this.auditLog.push({
      ts: new Date().toISOString(),
      kind,
      user,
      by,
      ip: by === null && kind !== 'kick' ? `192.168.1.${40 + (n % 50)}` : null,
      port: by === null && kind !== 'kick' ? 50000 + n : null,
      detail,
    });
  }

  keyFor(address: string): { fingerprint: string; code: string } {
    return fakeKey(this.serverKeys.get(address) ?? address);
  }

  changeKey(address: string): void {
    this.serverKeys.set(address, `${address}/rotated/${Math.random()}`);
  }

  roomMap(): RoomMap {
    const map: RoomMap = {};
    for (const r of this.rooms) map[r] = [];
    for (const [user, place] of this.where) (map[place] ??= []).push(user);
    for (const users of Object.values(map)) users.sort((a, b) => a.localeCompare(b));
    return map;
  }

  private place(): string | null {
    return this.me ? (this.where.get(this.me.username) ?? null) : null;
  }

  myName(): string | null {
    return this.me?.username ?? null;
  }

  isOnline(user: string): boolean {
    return this.where.has(user);
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

  /** Presence changed: push what the real server would push. */
  presenceChanged(rooms: string[]): void {
    const place = this.place();
    const map = this.roomMap();
    if (place === 'lobby') this.emit({ kind: 'rooms', rooms: map });
    if (place && place !== 'lobby' && rooms.includes(place)) {
      this.emit({ kind: 'members', room: place, users: map[place] ?? [] });
    }
    if (this.hosting) {
      this.hosting.connected = this.where.size;
      this.emit({ kind: 'host_status', connected: this.where.size });
    }
  }

  /** A user moves to a place (or goes offline with null), with the notices people there see. */
  move(user: string, to: string | null, how: 'left' | 'disconnected' = 'left'): void {
    const from = this.where.get(user) ?? null;
    if (from === to) return;
    const mine = this.place();
    const ts = new Date().toISOString();
    if (from !== null && from === mine && user !== this.myName()) {
      this.emit({ kind: 'notice', notice: to === null ? how : 'left', user, room: from, ts });
    }
    if (to === null) this.where.delete(user);
    else this.where.set(user, to);
    if (to !== null && to === mine && user !== this.myName()) {
      this.emit({ kind: 'notice', notice: 'joined', user, room: to, ts });
    }
    this.presenceChanged([from, to].filter((x): x is string => x !== null));
  }

  /** A simulated user sends a public message to a room. */
  friendSays(from: string, text: string, room: string): ChatMessage {
    const acc = this.accounts.get(key(from)) ?? this.addAccount(from, PALETTE[fnv(from) % PALETTE.length]);
    const msg = this.store({
      room,
      with: null,
      from: acc.username,
      text,
      ts: new Date().toISOString(),
      color: acc.color,
      private: false,
    });
    if (this.place() === room) this.emit({ kind: 'msg', message: msg });
    return msg;
  }

  friendPrivate(from: string, text: string): void {
    const me = this.requireLogin();
    const acc = this.accounts.get(key(from));
    if (!acc || !this.active.has(acc.username)) throw new Error(`no private chat with ${from}`);
    const msg = this.store({
      room: null,
      with: acc.username,
      from: acc.username,
      text,
      ts: new Date().toISOString(),
      color: acc.color,
      private: true,
    });
    // stored once, seen as "with the other person" by each side
    this.emit({ kind: 'msg', message: { ...msg, with: acc.username } });
    void me;
  }

  friendRequests(from: string): void {
    if (this.outgoing.has(from)) {
      this.outgoing.delete(from);
      this.active.add(from);
      this.emit({ kind: 'private_started', with: from });
      return;
    }
    if (this.incoming.has(from) || this.active.has(from)) return;
    this.incoming.add(from);
    this.emit({ kind: 'private_request', from });
  }

  friendAnswers(user: string, accept: boolean): void {
    if (!this.outgoing.delete(user)) return;
    if (accept) {
      this.active.add(user);
      this.emit({ kind: 'private_started', with: user });
    } else {
      this.emit({ kind: 'private_rejected', by: user });
    }
  }

  friendEnds(user: string, reason: string): void {
    if (this.active.delete(user)) this.emit({ kind: 'private_ended', with: user, reason });
    if (this.incoming.delete(user) || this.outgoing.delete(user)) {
      this.emit({ kind: 'private_cancelled', with: user, reason });
    }
  }

  kickMe(by: string, reason: string, minutes: number): void {
    const me = this.requireLogin();
    const until = minutes > 0 ? Date.now() + minutes * 60_000 : null;
    this.kicks.set(key(me.username), { by, reason, until });
    this.emit({ kind: 'kicked', by, reason, until: until === null ? null : new Date(until).toISOString() });
    this.where.delete(me.username);
    this.dropSession();
  }

  /** The client library lost the link: it retries with backoff, then comes back. */
  simulateOutage(outageMs: number, stepMs = 1000): void {
    let attempt = 0;
    let elapsed = 0;
    const retry = () => {
      attempt += 1;
      const wait = Math.min(stepMs * attempt, Math.max(0, outageMs - elapsed));
      this.emit({ kind: 'reconnecting', attempt, retry_in_ms: wait });
      elapsed += wait;
      if (elapsed >= outageMs) {
        this.later(wait, () => this.emit({ kind: 'connected', server: this.server ?? '' }));
      } else {
        this.later(wait, retry);
      }
    };
    retry();
  }

  disconnectFinal(reason: string): void {
    this.emit({ kind: 'disconnected', reason });
    if (this.me) this.where.delete(this.me.username);
    this.dropSession();
    this.server = null;
  }

  bye(message: string): void {
    this.emit({ kind: 'bye', message });
    if (this.me) this.where.delete(this.me.username);
    this.dropSession();
    this.server = null;
  }

  private dropSession(): void {
    this.me = null;
    this.active.clear();
    this.incoming.clear();
    this.outgoing.clear();
  }

  occupyPort(port: number): void {
    this.portsInUse.add(port);
  }

  markUnreachable(address: string): void {
    this.unreachable.add(address);
  }

  // ------------------------------------------------------------ hosting

  async hostStart(args: HostStartArgs): Promise<HostStarted> {
    await this.tick();
    if (this.hosting) throw fail('server_error', 'You are already hosting a room.');
    const port = args.port ?? DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw fail('invalid_input', 'The port must be a number from 1 to 65535.');
    }
    if (this.portsInUse.has(port)) {
      let free = port + 1;
      while (this.portsInUse.has(free)) free++;
      throw fail('port_in_use', `Port ${port} is already in use on this computer.`, { suggested_port: free });
    }
    this.validateNew(args.username, args.password, args.color);
    const existing = this.accounts.get(key(args.username));
    if (existing && existing.password !== args.password) {
      throw fail('auth_failed', 'That name already has an account here with a different password.');
    }
    const acc = existing ?? this.addAccount(args.username, args.color ?? '#ff9966', 'owner', args.password);
    acc.role = 'owner';
    const address = formatAddress('192.168.1.23', port);
    const { fingerprint, code } = this.keyFor(address);
    this.hosting = {
      addresses: [
        { ip: '192.168.1.23', port },
        { ip: '10.0.0.5', port },
      ],
      port,
      join_code: code,
      fingerprint,
      join_link: `hearth://${address}/${code}`,
      connected: 0,
    };
    this.server = formatAddress('127.0.0.1', port);
    this.me = { server: this.server, username: acc.username, color: acc.color, role: 'owner' };
    this.where.set(acc.username, 'lobby');
    this.hosting.connected = this.where.size;
    this.audit_('login', acc.username, null, null);
    this.emit({ kind: 'connected', server: this.server });
    this.emit({ kind: 'rooms', rooms: this.roomMap() });
    return { host: structuredClone(this.hosting), session: { ...this.me } };
  }

  async hostStop(): Promise<void> {
    await this.tick();
    if (!this.hosting) throw fail('server_error', 'You are not hosting.');
    this.hosting = null;
    if (this.me) this.where.delete(this.me.username);
    this.dropSession();
    this.server = null;
  }

  async hostStatus(): Promise<HostInfo | null> {
    await this.tick();
    return this.hosting ? structuredClone(this.hosting) : null;
  }

  // ------------------------------------------------------------ joining

  private normalize(address: string): string {
    const parsed = parseAddress(address);
    if (!parsed) throw fail('invalid_input', `"${address}" is not an address. Use host or host:port.`);
    return formatAddress(parsed.host, parsed.port);
  }

  private open(address: string): ConnectResult {
    this.server = address;
    this.lastUsed.set(address, new Date().toISOString());
    this.emit({ kind: 'connecting', server: address });
    this.emit({ kind: 'connected', server: address });
    return { status: 'connected', server: address };
  }

  async connect(args: ConnectArgs): Promise<ConnectResult> {
    await this.tick();
    const address = this.normalize(args.address);
    if (this.unreachable.has(address)) {
      throw fail('unreachable', `Could not reach ${address}. Check the address and that the host is running.`);
    }
    const { fingerprint, code } = this.keyFor(address);
    const known = this.knownHosts.get(address);
    if (args.join_code) {
      if (normalizeCode(args.join_code) !== normalizeCode(code)) {
        throw fail('wrong_code', 'This is not the host you were given the code for.');
      }
      if (known !== undefined && known !== fingerprint) {
        throw fail('key_changed', `The host at ${address} has a different key than last time.`, { fingerprint });
      }
      this.knownHosts.set(address, fingerprint);
      return this.open(address);
    }
    if (known === undefined) return { status: 'needs_trust', server: address, fingerprint };
    if (known !== fingerprint) {
      throw fail('key_changed', `The host at ${address} has a different key than last time.`, { fingerprint });
    }
    return this.open(address);
  }

  async trustHost(args: TrustHostArgs): Promise<ConnectResult> {
    await this.tick();
    const address = this.normalize(args.address);
    const { fingerprint } = this.keyFor(address);
    if (fingerprint !== args.fingerprint) {
      throw fail('key_changed', 'The host presented another key while you were deciding.', { fingerprint });
    }
    this.knownHosts.set(address, fingerprint);
    return this.open(address);
  }

  async forgetHost(args: AddressArgs): Promise<void> {
    await this.tick();
    const address = this.normalize(args.address);
    this.knownHosts.delete(address);
    this.savedLogins.delete(address);
    this.lastUsed.delete(address);
  }

  async disconnect(): Promise<void> {
    await this.tick();
    if (this.me) this.move(this.me.username, null, 'disconnected');
    this.dropSession();
    this.server = null;
  }

  async savedServers(): Promise<SavedServer[]> {
    await this.tick();
    const addresses = new Set([...this.knownHosts.keys(), ...this.savedLogins.keys()]);
    return [...addresses].sort().map((address) => ({
      address,
      fingerprint: this.knownHosts.get(address) ?? null,
      saved_user: this.savedLogins.get(address)?.username ?? null,
      last_used: this.lastUsed.get(address) ?? null,
    }));
  }

  // ------------------------------------------------------------ account

  private validateNew(username: string, password: string, color?: Color | null): void {
    const problem = nameProblem(username) ?? passwordProblem(password);
    if (problem) throw fail('invalid_input', problem);
    if (color != null && !isColor(color)) throw fail('invalid_input', 'Colors must look like #rrggbb.');
  }

  async register(args: RegisterArgs): Promise<void> {
    await this.tick();
    this.requireServer();
    this.validateNew(args.username, args.password, args.color);
    if (this.accounts.has(key(args.username))) throw fail('name_taken', `The name "${args.username}" is taken.`);
    const color = args.color ?? PALETTE[this.accounts.size % PALETTE.length];
    this.addAccount(args.username, color, this.accounts.size === 0 ? 'owner' : 'member', args.password);
  }

  async login(args: LoginArgs): Promise<Session> {
    await this.tick();
    const server = this.requireServer();
    if (args.remember && !this.keychainAvailable) {
      throw fail('keychain_unavailable', 'No keychain is available on this computer, so your login cannot be remembered.');
    }
    const acc = this.accounts.get(key(args.username));
    if (!acc || acc.password !== args.password) throw fail('auth_failed', 'Wrong name or password.');
    const kick = this.kicks.get(key(acc.username));
    if (kick && (kick.until === null ? false : kick.until > Date.now())) {
      const until = new Date(kick.until!).toISOString();
      throw fail('kicked', `You were kicked by ${kick.by} (${kick.reason}) and may rejoin later.`, {
        until,
        by: kick.by,
        reason: kick.reason,
      });
    }
    if (args.remember) this.savedLogins.set(server, { username: acc.username, password: args.password });
    this.me = { server, username: acc.username, color: acc.color, role: acc.role };
    this.move(acc.username, 'lobby');
    this.audit_('login', acc.username, null, null);
    this.emit({ kind: 'rooms', rooms: this.roomMap() });
    return { ...this.me };
  }

  async loginSaved(): Promise<Session> {
    const server = this.requireServer();
    const saved = this.savedLogins.get(server);
    if (!saved) throw fail('auth_failed', 'No saved login for this server.');
    return this.login({ ...saved, remember: false });
  }

  async savedLogin(args: AddressArgs): Promise<SavedLogin | null> {
    await this.tick();
    const saved = this.savedLogins.get(this.normalize(args.address));
    return saved ? { username: saved.username } : null;
  }

  async forgetLogin(args: AddressArgs): Promise<void> {
    await this.tick();
    this.savedLogins.delete(this.normalize(args.address));
  }

  async logout(): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    this.audit_('logout', me.username, null, null);
    this.move(me.username, null);
    for (const u of this.active) this.emit({ kind: 'private_ended', with: u, reason: 'you logged out' });
    this.dropSession();
  }

  // ------------------------------------------------------------ rooms and messages

  async listRooms(): Promise<RoomMap> {
    await this.tick();
    this.requireLogin();
    return this.roomMap();
  }

  async createRoom(args: RoomArgs): Promise<void> {
    await this.tick();
    this.requireLogin();
    const problem = nameProblem(args.room, 'Room name');
    if (problem) throw fail('invalid_input', problem);
    if (this.rooms.some((r) => key(r) === key(args.room))) throw fail('name_taken', `A room called "${args.room}" already exists.`);
    this.rooms.push(args.room);
    this.presenceChanged([args.room]);
  }

  async enterRoom(args: RoomArgs): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    const room = this.rooms.find((r) => key(r) === key(args.room));
    if (!room || room === 'lobby') throw fail('invalid_input', `There is no room called "${args.room}".`);
    this.move(me.username, room);
    const users = this.roomMap()[room] ?? [];
    this.emit({ kind: 'members', room, users });
    this.emit({ kind: 'history', page: this.page({ room, limit: 50 }) });
  }

  async exitRoom(): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    if (this.place() === 'lobby') throw fail('invalid_input', 'You are not in a room.');
    this.move(me.username, 'lobby');
  }

  async sendMessage(args: SendArgs): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    const text = args.text;
    if (text.trim().length === 0 || text.length > 4000) throw fail('invalid_input', 'Messages must be 1 to 4000 characters.');
    const ts = new Date().toISOString();
    if (args.to === 'public') {
      const room = this.place();
      if (!room || room === 'lobby') throw fail('invalid_input', 'Enter a room to talk in it.');
      const msg = this.store({ room, with: null, from: me.username, text, ts, color: me.color, private: false });
      this.emit({ kind: 'msg', message: msg });
      return;
    }
    const partner = [...this.active].find((u) => key(u) === key(args.to));
    if (!partner) throw fail('not_linked', `You have no private chat with ${args.to}. Send a private request first.`);
    const msg = this.store({ room: null, with: partner, from: me.username, text, ts, color: me.color, private: true });
    this.emit({ kind: 'msg', message: msg });
    if (this.auto) this.later(1200, () => this.active.has(partner) && this.friendPrivate(partner, `got it: "${text.slice(0, 40)}"`));
  }

  private page(args: HistoryArgs): HistoryPage {
    const me = this.myName();
    const limit = Math.min(Math.max(1, args.limit ?? 50), 200);
    const withUser = args.with ?? null;
    const matching = this.messages.filter((m) => {
      if (args.before_id != null && m.id >= args.before_id) return false;
      if (withUser) {
        if (!m.private) return false;
        const pair = [key(m.from), key(m.with ?? '')];
        return pair.includes(key(withUser)) && pair.includes(key(me ?? ''));
      }
      return !m.private && m.room === args.room;
    });
    const messages = matching.slice(-limit).map((m) => (m.private ? { ...m, with: withUser } : { ...m }));
    return { room: withUser ? null : (args.room ?? null), with: withUser, messages };
  }

  async history(args: HistoryArgs): Promise<HistoryPage> {
    await this.tick();
    this.requireLogin();
    if (!args.room && !args.with) throw fail('invalid_input', 'Say which room or person.');
    return this.page(args);
  }

  // ------------------------------------------------------------ private chats

  async privateRequest(args: { to: string }): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    const acc = this.accounts.get(key(args.to));
    if (!acc || key(acc.username) === key(me.username) || !this.where.has(acc.username)) {
      throw fail('invalid_input', `${args.to} is not online.`);
    }
    const to = acc.username;
    if (this.active.has(to)) return;
    if (this.incoming.has(to)) {
      this.incoming.delete(to);
      this.active.add(to);
      this.emit({ kind: 'private_started', with: to });
      return;
    }
    this.outgoing.add(to);
    if (this.auto) this.later(1500, () => this.friendAnswers(to, true));
  }

  async privateAccept(args: { from: string }): Promise<void> {
    await this.tick();
    this.requireLogin();
    if (!this.incoming.delete(args.from)) throw fail('invalid_input', `${args.from} has no pending request.`);
    this.active.add(args.from);
    this.emit({ kind: 'private_started', with: args.from });
  }

  async privateReject(args: { from: string }): Promise<void> {
    await this.tick();
    this.requireLogin();
    if (!this.incoming.delete(args.from)) throw fail('invalid_input', `${args.from} has no pending request.`);
  }

  async privateEnd(args: { with: string }): Promise<void> {
    await this.tick();
    this.requireLogin();
    if (this.active.delete(args.with)) {
      this.emit({ kind: 'private_ended', with: args.with, reason: 'you ended the chat' });
    } else if (this.outgoing.delete(args.with)) {
      this.emit({ kind: 'private_cancelled', with: args.with, reason: 'you cancelled the request' });
    } else {
      throw fail('not_linked', `You have no private chat with ${args.with}.`);
    }
  }

  async privateList(): Promise<PrivateList> {
    await this.tick();
    this.requireLogin();
    const sorted = (s: Set<string>) => [...s].sort();
    return { active: sorted(this.active), incoming: sorted(this.incoming), outgoing: sorted(this.outgoing) };
  }

  // ------------------------------------------------------------ admin

  async kick(args: KickArgs): Promise<void> {
    await this.tick();
    const me = this.requireAdmin();
    const reason = args.reason.trim();
    if (reason.length === 0 || reason.length > 200) throw fail('invalid_input', 'A reason (1 to 200 characters) is required.');
    if (![0, 5, 15, 60].includes(args.minutes) && !(Number.isInteger(args.minutes) && args.minutes >= 0)) {
      throw fail('invalid_input', 'The cooldown must be a whole number of minutes.');
    }
    const target = this.accounts.get(key(args.username));
    if (!target) throw fail('invalid_input', `There is no user called ${args.username}.`);
    if (target.role === 'owner') throw fail('forbidden', 'The owner cannot be kicked.');
    if (target.role === 'admin' && me.role !== 'owner') throw fail('forbidden', 'Only the owner can kick an admin.');
    if (key(target.username) === key(me.username)) throw fail('forbidden', 'You cannot kick yourself.');
    const until = args.minutes > 0 ? Date.now() + args.minutes * 60_000 : null;
    this.kicks.set(key(target.username), { by: me.username, reason, until });
    this.audit_('kick', target.username, me.username, reason);
    const ts = new Date().toISOString();
    const wasIn = this.where.get(target.username) ?? null;
    this.emit({ kind: 'notice', notice: 'kicked', user: target.username, room: wasIn, ts, by: me.username, reason });
    this.friendEnds(target.username, `${target.username} was kicked`);
    if (wasIn !== null) {
      this.where.delete(target.username);
      this.presenceChanged([wasIn]);
    }
  }

  async unkick(args: UsernameArgs): Promise<void> {
    await this.tick();
    const me = this.requireAdmin();
    if (!this.kicks.delete(key(args.username))) throw fail('invalid_input', `${args.username} has no cooldown.`);
    this.audit_('unkick', args.username, me.username, null);
  }

  async setRole(args: SetRoleArgs): Promise<void> {
    await this.tick();
    const me = this.requireLogin();
    if (me.role !== 'owner') throw fail('forbidden', 'Only the owner can change roles.');
    const target = this.accounts.get(key(args.username));
    if (!target) throw fail('invalid_input', `There is no user called ${args.username}.`);
    if (target.role === 'owner') throw fail('forbidden', "The owner's role cannot change.");
    target.role = args.role;
    this.audit_('role', target.username, me.username, args.role);
  }

  async audit(args: AuditArgs): Promise<AuditEntry[]> {
    await this.tick();
    this.requireAdmin();
    const limit = Math.min(args.limit ?? 100, 500);
    return this.auditLog.slice(-limit).reverse();
  }

  // ------------------------------------------------------------ profile and settings

  async updateProfile(args: ProfileArgs): Promise<Session> {
    await this.tick();
    const me = this.requireLogin();
    const acc = this.accounts.get(key(me.username))!;
    if (args.color != null && !isColor(args.color)) throw fail('invalid_input', 'Colors must look like #rrggbb.');
    if (args.password) {
      if (args.password.old !== acc.password) throw fail('auth_failed', 'Your current password is not right.');
      const problem = passwordProblem(args.password.new);
      if (problem) throw fail('invalid_input', problem);
    }
    let old: string | null = null;
    if (args.username != null && args.username !== acc.username) {
      const problem = nameProblem(args.username);
      if (problem) throw fail('invalid_input', problem);
      const other = this.accounts.get(key(args.username));
      if (other && other !== acc) throw fail('name_taken', `The name "${args.username}" is taken.`);
      old = acc.username;
      this.accounts.delete(key(acc.username));
      acc.username = args.username;
      this.accounts.set(key(acc.username), acc);
      const place = this.where.get(old);
      this.where.delete(old);
      if (place) this.where.set(acc.username, place);
    }
    if (args.password) acc.password = args.password.new;
    if (args.color != null) acc.color = args.color;
    this.me = { ...me, username: acc.username, color: acc.color };
    if (old !== null || args.color != null) {
      this.emit({
        kind: 'notice',
        notice: 'profile',
        user: acc.username,
        room: this.place(),
        ts: new Date().toISOString(),
        old_username: old,
        color: acc.color,
      });
    }
    if (old !== null) this.presenceChanged([this.place() ?? 'lobby']);
    this.emit({ kind: 'session', session: { ...this.me } });
    return { ...this.me };
  }

  async getSettings(): Promise<Settings> {
    await this.tick();
    return { ...this.settings };
  }

  async setSettings(args: Settings): Promise<Settings> {
    await this.tick();
    this.settings = { notifications: Boolean(args.notifications) };
    return { ...this.settings };
  }

  /** For the control API: where a user is now. */
  whereIs(user: string): string | null {
    return this.where.get(user) ?? null;
  }

  currentPlace(): string | null {
    return this.place();
  }

  privateState(): PrivateList {
    return { active: [...this.active], incoming: [...this.incoming], outgoing: [...this.outgoing] };
  }

  hostedInfo(): HostInfo | null {
    return this.hosting;
  }
}

/**
 * What tests (and curious people in a plain browser) can do to the simulated
 * world. Playwright reaches it as `window.__hearthMock`.
 */
export class MockControl {
  constructor(private readonly mock: MockBackend) {}

  /** Friends answer private requests and messages by themselves. */
  setAuto(on: boolean): void {
    this.mock.auto = on;
  }

  /** Add a user who exists on the server (no validation: tests use odd names). */
  addUser(username: string, color: string, online = true): void {
    this.mock.addAccount(username, color);
    if (online) this.mock.move(username, 'lobby');
  }

  /** A user goes to a room (or the lobby). */
  join(user: string, room: string): void {
    this.mock.move(user, room);
  }

  /** A user goes offline. */
  leave(user: string, disconnected = false): void {
    this.mock.move(user, null, disconnected ? 'disconnected' : 'left');
  }

  /** A user says something in your current room (joining it first if needed). */
  say(user: string, text: string): number {
    const room = this.mock.currentPlace();
    if (!room || room === 'lobby') throw new Error('you are not in a room');
    if (this.mock.whereIs(user) !== room) this.mock.move(user, room);
    return this.mock.friendSays(user, text, room).id;
  }

  requestPrivate(from: string): void {
    this.mock.friendRequests(from);
  }

  acceptPrivate(user: string): void {
    this.mock.friendAnswers(user, true);
  }

  rejectPrivate(user: string): void {
    this.mock.friendAnswers(user, false);
  }

  endPrivate(user: string, reason = `${user} ended the chat`): void {
    this.mock.friendEnds(user, reason);
  }

  privateSay(user: string, text: string): void {
    this.mock.friendPrivate(user, text);
  }

  kickMe(by: string, reason: string, minutes: number): void {
    this.mock.kickMe(by, reason, minutes);
  }

  /** Lose the connection for `ms`, with the reconnect attempts the client library would make. */
  dropConnection(ms = 4000, stepMs = 1000): void {
    this.mock.simulateOutage(ms, stepMs);
  }

  /** Lose the connection for good. */
  disconnect(reason = 'The connection was lost.'): void {
    this.mock.disconnectFinal(reason);
  }

  bye(message = 'The host closed the room.'): void {
    this.mock.bye(message);
  }

  occupyPort(port: number): void {
    this.mock.occupyPort(port);
  }

  /** The host at `address` now presents a different certificate key. */
  changeHostKey(address: string): void {
    this.mock.changeKey(address);
  }

  codeFor(address: string): string {
    return this.mock.keyFor(address).code;
  }

  fingerprintFor(address: string): string {
    return this.mock.keyFor(address).fingerprint;
  }

  setKeychainAvailable(available: boolean): void {
    this.mock.keychainAvailable = available;
  }

  setUnreachable(address: string): void {
    this.mock.markUnreachable(address);
  }

  /** A `hearth://` link was opened (the deep-link plugin would emit this). */
  openLink(address: string, joinCode: string | null): void {
    this.mock.emit({ kind: 'join_link', address, join_code: joinCode });
  }

  state(): { place: string | null; me: string | null; privates: PrivateList; host: HostInfo | null } {
    return {
      place: this.mock.currentPlace(),
      me: this.mock.myName(),
      privates: this.mock.privateState(),
      host: this.mock.hostedInfo(),
    };
  }
}
