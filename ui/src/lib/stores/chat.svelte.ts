import type { MessageView, RoomMap } from '../backend/types';

export type Item =
  | { type: 'msg'; msg: MessageView }
  | { type: 'notice'; key: string; text: string; ts: string; tone: 'info' | 'warn' };

export interface Conversation {
  items: Item[];
  /** The server may have older messages. */
  hasMore: boolean;
  loading: boolean;
  unread: number;
}

export const PAGE = 50;
export const MAIN_TAB = 'main';

export const roomKey = (room: string) => `room:${room}`;
export const dmKey = (user: string) => `dm:${user}`;

/** Names as lists show them: sorted, whatever order the server sent. */
export const sortNames = (names: string[]) => [...names].sort((a, b) => a.localeCompare(b));

/** Rooms, presence, the messages of every open conversation, tabs and unread counts. */
export class ChatStore {
  /** Lobby presence: room → users. */
  rooms = $state<RoomMap>({});
  /** The room we are in; null in the lobby. */
  room = $state<string | null>(null);
  members = $state<string[]>([]);
  conversations = $state<Record<string, Conversation>>({});
  /** `main` (lobby or room) or `dm:USER`. */
  activeTab = $state<string>(MAIN_TAB);
  /** Last color seen for each user, learned from messages and profile notices. */
  colors = $state<Record<string, string>>({});
  private noticeSeq = 0;

  /** Everyone online, each once, sorted. */
  get online(): string[] {
    const all = new Set<string>();
    for (const users of Object.values(this.rooms)) for (const u of users) all.add(u);
    for (const u of this.members) all.add(u);
    return sortNames([...all]);
  }

  /** Lobby presence from the server (it lists people in the order they came in). */
  setRooms(rooms: RoomMap): void {
    this.rooms = Object.fromEntries(Object.entries(rooms).map(([room, users]) => [room, sortNames(users)]));
  }

  /** The members of the room we are in. */
  setMembers(users: string[]): void {
    this.members = sortNames(users);
  }

  /** Rooms other than the lobby, sorted by name. */
  get roomNames(): string[] {
    return Object.keys(this.rooms)
      .filter((r) => r !== 'lobby')
      .sort((a, b) => a.localeCompare(b));
  }

  /** The conversation key the main tab shows, or null in the lobby. */
  get mainKey(): string | null {
    return this.room === null ? null : roomKey(this.room);
  }

  conv(key: string): Conversation {
    return (this.conversations[key] ??= { items: [], hasMore: true, loading: false, unread: 0 });
  }

  /** `users` are now in `room` (and so in no other room). */
  placeUsers(room: string, users: string[]): void {
    const next: RoomMap = {};
    for (const [r, list] of Object.entries(this.rooms)) next[r] = list.filter((u) => !users.includes(u));
    next[room] = sortNames(users);
    this.rooms = next;
  }

  /** Which tab a conversation lives in. */
  tabOf(key: string): string {
    return key.startsWith('dm:') ? key : MAIN_TAB;
  }

  isVisible(key: string): boolean {
    const tab = this.tabOf(key);
    return tab === this.activeTab && (tab !== MAIN_TAB || key === this.mainKey);
  }

  activate(tab: string): void {
    this.activeTab = tab;
    const key = tab === MAIN_TAB ? this.mainKey : tab;
    if (key && this.conversations[key]) this.conversations[key].unread = 0;
  }

  unreadFor(tab: string): number {
    const key = tab === MAIN_TAB ? this.mainKey : tab;
    return key ? (this.conversations[key]?.unread ?? 0) : 0;
  }

  keyOf(msg: MessageView): string | null {
    if (msg.private) return msg.with ? dmKey(msg.with) : null;
    return msg.room ? roomKey(msg.room) : null;
  }

  /** A live message. Returns false when it was a duplicate. */
  addMessage(msg: MessageView): boolean {
    const key = this.keyOf(msg);
    if (!key) return false;
    this.colors[msg.from] = msg.color;
    const conv = this.conv(key);
    if (conv.items.some((i) => i.type === 'msg' && i.msg.id === msg.id)) return false;
    conv.items.push({ type: 'msg', msg });
    if (!this.isVisible(key)) conv.unread += 1;
    return true;
  }

  /**
   * A page of history. Messages older than what we show go on top; others we
   * have not seen go at the end; duplicates are dropped. `full` says whether the
   * page was a full one (so there may be more).
   */
  addHistory(key: string, messages: MessageView[], full: boolean, older: boolean): void {
    const conv = this.conv(key);
    const seen = new Set(conv.items.flatMap((i) => (i.type === 'msg' ? [i.msg.id] : [])));
    const fresh = messages.filter((m) => !seen.has(m.id));
    for (const m of fresh) this.colors[m.from] ??= m.color;
    const firstId = conv.items.find((i) => i.type === 'msg')?.msg.id;
    const before = fresh.filter((m) => firstId === undefined || m.id < firstId).map((msg) => ({ type: 'msg' as const, msg }));
    const after = fresh.filter((m) => firstId !== undefined && m.id > firstId).map((msg) => ({ type: 'msg' as const, msg }));
    conv.items = [...before, ...conv.items, ...after];
    if (older || conv.items.length === before.length) conv.hasMore = full;
  }

  oldestId(key: string): number | null {
    const first = this.conversations[key]?.items.find((i) => i.type === 'msg');
    return first && first.type === 'msg' ? first.msg.id : null;
  }

  notice(key: string, text: string, ts: string, tone: 'info' | 'warn' = 'info'): void {
    this.conv(key).items.push({ type: 'notice', key: `n${++this.noticeSeq}`, text, ts, tone });
  }

  /** We entered a room: its conversation starts fresh (history follows). */
  enter(room: string): void {
    this.room = room;
    this.members = [];
    this.conversations[roomKey(room)] = { items: [], hasMore: true, loading: false, unread: 0 };
    this.activate(MAIN_TAB);
  }

  exit(): void {
    if (this.room !== null) delete this.conversations[roomKey(this.room)];
    this.room = null;
    this.members = [];
    this.activate(MAIN_TAB);
  }

  /** Someone was renamed: carry their color and private conversation over. */
  rename(oldName: string, newName: string): void {
    if (this.colors[oldName]) this.colors[newName] = this.colors[oldName];
    const from = dmKey(oldName);
    if (this.conversations[from]) {
      this.conversations[dmKey(newName)] = this.conversations[from];
      delete this.conversations[from];
      if (this.activeTab === from) this.activeTab = dmKey(newName);
    }
    this.members = sortNames(this.members.map((m) => (m === oldName ? newName : m)));
  }

  drop(key: string): void {
    delete this.conversations[key];
    if (this.activeTab === key) this.activate(MAIN_TAB);
  }

  reset(): void {
    this.colors = {};
    this.rooms = {};
    this.room = null;
    this.members = [];
    this.conversations = {};
    this.activeTab = MAIN_TAB;
  }
}
