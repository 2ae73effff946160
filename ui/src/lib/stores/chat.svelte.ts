import { LIMITS } from '../backend/types';
import type { MessageView, Reaction, RoomMap, UnreadCount } from '../backend/types';

export type Item =
  | { type: 'msg'; msg: MessageView }
  | { type: 'notice'; key: string; text: string; ts: string; tone: 'info' | 'warn' };

export interface Conversation {
  items: Item[];
  /** The server may have older messages. */
  hasMore: boolean;
  /**
   * The server has newer messages than the last one shown (after a jump into
   * older history); live messages wait until the newer pages are loaded.
   */
  hasNewer: boolean;
  loading: boolean;
  /**
   * The read mark when the conversation was opened, or when messages started
   * arriving unseen: the "new messages" divider goes before the first message
   * from someone else after it. Null: no divider.
   */
  dividerAfter: number | null;
}

/** Unread messages (from others) and mentions in a room or private chat, and its read mark. */
export interface Count {
  unread: number;
  mentions: number;
  /** Every message up to this id is read. */
  lastRead: number;
}

const NO_COUNT: Count = Object.freeze({ unread: 0, mentions: 0, lastRead: 0 });

export const PAGE = 50;
export const MAIN_TAB = 'main';

export const roomKey = (room: string) => `room:${room}`;
export const dmKey = (user: string) => `dm:${user}`;

/** Names as lists show them: sorted, whatever order the server sent. */
export const sortNames = (names: string[]) => [...names].sort((a, b) => a.localeCompare(b));

/** The key of the conversation an UnreadCount is about. */
export const countKey = (c: Pick<UnreadCount, 'room' | 'with'>): string | null => (c.with ? dmKey(c.with) : c.room ? roomKey(c.room) : null);

/** The server's counts by conversation key. */
function countsOf(list: UnreadCount[]): Record<string, Count> {
  const counts: Record<string, Count> = {};
  for (const c of list) {
    const key = countKey(c);
    if (key) counts[key] = { unread: c.unread, mentions: c.mentions, lastRead: c.last_read };
  }
  return counts;
}

/** "alice is typing…", "alice and bob are typing…", "several people are typing…"; empty for nobody. */
export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

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
  /** Unread counts by conversation key, rooms we are not in included. */
  counts = $state<Record<string, Count>>({});
  /** Who is typing where: conversation key → user → until when (ms since the epoch). */
  typing = $state<Record<string, Record<string, number>>>({});
  /** The window has the focus (messages on screen are being read). */
  focused = $state(true);
  /** This user's name: their own messages are never unread. */
  me = $state<string | null>(null);
  /** A message to bring into view and mark for a moment (a search result). */
  highlight = $state<{ key: string; id: number } | null>(null);
  private noticeSeq = 0;
  private typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

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
    return (this.conversations[key] ??= { items: [], hasMore: true, hasNewer: false, loading: false, dividerAfter: null });
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

  /** Show a tab. Opening a conversation puts its divider after the read mark, if anything is unread. */
  activate(tab: string): void {
    const changed = tab !== this.activeTab;
    this.activeTab = tab;
    const key = this.keyOfTab(tab);
    if (changed && key && this.conversations[key]) this.conversations[key].dividerAfter = this.dividerFor(key);
  }

  /** The conversation a tab shows (null: the lobby). */
  keyOfTab(tab: string): string | null {
    return tab === MAIN_TAB ? this.mainKey : tab;
  }

  private dividerFor(key: string): number | null {
    const c = this.countOf(key);
    return c.unread > 0 ? c.lastRead : null;
  }

  /** The counts of a conversation (zeros when nothing is known). */
  countOf(key: string): Count {
    return this.counts[key] ?? NO_COUNT;
  }

  private count(key: string): Count {
    return (this.counts[key] ??= { ...NO_COUNT });
  }

  unreadFor(tab: string): number {
    const key = this.keyOfTab(tab);
    return key ? this.countOf(key).unread : 0;
  }

  mentionsFor(tab: string): number {
    const key = this.keyOfTab(tab);
    return key ? this.countOf(key).mentions : 0;
  }

  /** Unread messages in every room, and in the private chats given (those with a tab). */
  totalUnread(privateKeys: string[]): number {
    let total = 0;
    for (const [key, c] of Object.entries(this.counts)) if (key.startsWith('room:') || privateKeys.includes(key)) total += c.unread;
    return total;
  }

  /** The counts at login. */
  setUnread(list: UnreadCount[]): void {
    this.counts = countsOf(list);
  }

  /**
   * Someone else's message `id` arrived in `key` (live, or as `activity` for a
   * room we are not in). It counts as unread until the view reports it read.
   */
  unseen(key: string, id: number, mentionsMe: boolean): void {
    const c = this.count(key);
    if (id <= c.lastRead) return;
    if (c.unread === 0) {
      // everything before it was read
      c.lastRead = Math.max(c.lastRead, id - 1);
      // not being watched: the divider goes above it
      const conv = this.conversations[key];
      if (conv && !(this.focused && this.isVisible(key))) conv.dividerAfter = c.lastRead;
    }
    c.unread += 1;
    if (mentionsMe) c.mentions += 1;
  }

  /** Everything up to `id` in `key` was read here (the server is told separately). */
  read(key: string, id: number): void {
    const c = this.count(key);
    c.lastRead = Math.max(c.lastRead, id);
    c.unread = 0;
    c.mentions = 0;
  }

  /**
   * The server's counts as they are now (a `list_rooms` reply, after a
   * reconnect): they replace ours, except where we read further than the
   * server knows yet (our `read` is still on its way).
   */
  syncUnread(list: UnreadCount[]): void {
    const next = countsOf(list);
    for (const [key, mine] of Object.entries(this.counts)) {
      const theirs = next[key];
      if (theirs ? mine.lastRead > theirs.lastRead : mine.unread === 0) next[key] = mine;
    }
    this.counts = next;
  }

  /** The server's counts after a read: its mark never moves ours back. */
  applyCount(count: UnreadCount): void {
    const key = countKey(count);
    if (!key) return;
    const c = this.count(key);
    if (count.last_read >= c.lastRead) Object.assign(c, { lastRead: count.last_read, unread: count.unread, mentions: count.mentions });
  }

  newestId(key: string): number | null {
    const items = this.conversations[key]?.items ?? [];
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (item.type === 'msg') return item.msg.id;
    }
    return null;
  }

  /** `user` is typing in `key`: shown for LIMITS.typingShowMs, or until their message lands. */
  startTyping(key: string, user: string, ms: number = LIMITS.typingShowMs): void {
    const id = `${key}\n${user}`;
    clearTimeout(this.typingTimers.get(id));
    (this.typing[key] ??= {})[user] = Date.now() + ms;
    this.typingTimers.set(
      id,
      setTimeout(() => this.stopTyping(key, user), ms),
    );
  }

  stopTyping(key: string, user: string): void {
    const id = `${key}\n${user}`;
    clearTimeout(this.typingTimers.get(id));
    this.typingTimers.delete(id);
    if (this.typing[key]?.[user] !== undefined) delete this.typing[key][user];
  }

  /** Who is typing in `key`, sorted. */
  typersOf(key: string): string[] {
    return sortNames(Object.keys(this.typing[key] ?? {}));
  }

  /** A message's reactions changed. */
  setReactions(id: number, reactions: Reaction[]): void {
    const found = this.find(id);
    if (found) found.reactions = reactions;
  }

  /** A message was edited: it keeps its place. */
  edited(msg: MessageView): void {
    const found = this.find(msg.id);
    if (found) Object.assign(found, msg);
  }

  /** A message was deleted: it stays, as "message deleted". */
  deleted(id: number): void {
    const found = this.find(id);
    if (found) Object.assign(found, { deleted: true, text: '', file: null, mentions: [], mention_room: false, mentions_me: false, reactions: [] });
  }

  private find(id: number): MessageView | null {
    for (const conv of Object.values(this.conversations)) {
      const item = conv.items.find((i) => i.type === 'msg' && i.msg.id === id);
      if (item?.type === 'msg') return item.msg;
    }
    return null;
  }

  /** A window of history around a message we jumped to: it replaces what we showed. */
  showWindow(key: string, messages: MessageView[], hasOlder: boolean, hasNewer: boolean): void {
    const conv = this.conv(key);
    for (const m of messages) this.colors[m.from] ??= m.color;
    conv.items = messages.map((msg) => ({ type: 'msg' as const, msg }));
    conv.hasMore = hasOlder;
    conv.hasNewer = hasNewer;
  }

  /** A page of newer history after a jump; `full`: there may be more. */
  addNewer(key: string, messages: MessageView[], full: boolean): void {
    const conv = this.conv(key);
    const last = this.newestId(key) ?? 0;
    for (const m of messages) this.colors[m.from] ??= m.color;
    conv.items.push(...messages.filter((m) => m.id > last).map((msg) => ({ type: 'msg' as const, msg })));
    conv.hasNewer = full;
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
    this.stopTyping(key, msg.from);
    // after a jump into older history, the newer pages bring it
    if (!conv.hasNewer) conv.items.push({ type: 'msg', msg });
    if (msg.from !== this.me) this.unseen(key, msg.id, msg.mentions_me);
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
    this.conversations[roomKey(room)] = { items: [], hasMore: true, hasNewer: false, loading: false, dividerAfter: this.dividerFor(roomKey(room)) };
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
    if (this.counts[from]) {
      this.counts[dmKey(newName)] = this.counts[from];
      delete this.counts[from];
    }
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
    this.counts = {};
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.typing = {};
    this.highlight = null;
  }
}
