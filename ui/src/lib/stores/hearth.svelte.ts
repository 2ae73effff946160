import { getContext, setContext } from 'svelte';
import type { Backend } from '../backend/backend';
import { BackendError, errorMessage } from '../backend/errors';
import { LIMITS } from '../backend/types';
import type { ConnectResult, EventOf, HearthEvent, HostStartArgs, Kick, LoginArgs, Profile, SearchView, Session, SetRole, Settings, UnreadCount } from '../backend/types';
import { AppStore } from './app.svelte';
import { ChatStore, MAIN_TAB, PAGE, dmKey, roomKey } from './chat.svelte';
import { DiscoveryStore } from './discovery.svelte';
import { PrivateStore } from './privates.svelte';
import { TransferStore } from './transfers.svelte';

/**
 * The app's brain: owns the three stores, turns backend events into store
 * changes, and offers the actions the screens call. Actions throw
 * BackendError; screens show `err.message` next to the control that failed.
 */
export class Hearth {
  readonly app = new AppStore();
  readonly chat = new ChatStore();
  readonly privates = new PrivateStore();
  /** The Join screen's hosts on the LAN. */
  readonly discovery = new DiscoveryStore();
  readonly transfers: TransferStore;
  /** `data:` URLs of images shown, by `id:thumb|full` (each fetched once). */
  private images = new Map<string, Promise<string>>();
  /** When we last told each conversation we are typing (ms since the epoch). */
  private typingSent = new Map<string, number>();
  /** The newest id we sent a read mark for, per conversation (so each is sent once). */
  private readSent = new Map<string, number>();

  constructor(readonly backend: Backend) {
    this.transfers = new TransferStore(backend, (name, path) => this.app.toast(`Saved ${name} to ${path}`));
  }

  /** Subscribe to events and pick up where the Rust side is (hosting, settings). */
  start(): () => void {
    const stopEvents = this.backend.subscribe((e) => this.handle(e));
    // Messages on screen count as read only while the window has the focus.
    const focus = (e?: Event) => (this.chat.focused = e ? e.type === 'focus' : document.hasFocus());
    focus();
    window.addEventListener('focus', focus);
    window.addEventListener('blur', focus);
    const stop = () => {
      stopEvents();
      window.removeEventListener('focus', focus);
      window.removeEventListener('blur', focus);
    };
    void this.backend.invoke('get_settings').then((s) => (this.app.settings = s)).catch(() => {});
    void this.backend
      .invoke('host_status')
      .then((h) => {
        if (h) this.app.host = h;
      })
      .catch(() => {});
    return stop;
  }

  // ---------------------------------------------------------------- events

  handle(e: HearthEvent): void {
    const { app, chat, privates } = this;
    switch (e.kind) {
      case 'connecting':
        break;
      case 'connected':
        // back after a reconnect: what happened meanwhile is in the server's counts
        if (app.connection.state === 'reconnecting' && app.session) void this.refreshRooms();
        app.connection = { state: 'ok' };
        break;
      case 'reconnecting':
        app.connection = { state: 'reconnecting', attempt: e.attempt, retryAt: Date.now() + e.retry_in_ms };
        break;
      case 'disconnected':
        this.end('Disconnected', e.reason);
        break;
      case 'bye':
        this.end('The room was closed', e.message);
        break;
      case 'kicked':
        app.kicked = { by: e.by, reason: e.reason, until: e.until, server: app.server };
        this.leaveSession();
        app.screen = 'kicked';
        break;
      case 'msg':
        if (e.message.private && e.message.with && !privates.tab(e.message.with)) privates.started(e.message.with);
        chat.addMessage(e.message);
        break;
      case 'transfer':
        this.transfers.progress(e.transfer, e.done, e.total);
        break;
      case 'activity':
        // a room we are not in; a room we just entered gets it as history
        if (e.room !== chat.room && e.from !== app.session?.username) chat.unseen(roomKey(e.room), e.id, e.mentions_me);
        break;
      case 'typing': {
        const key = e.room === null ? dmKey(e.user) : e.room === chat.room ? roomKey(e.room) : null;
        if (key && e.user !== app.session?.username) chat.startTyping(key, e.user);
        break;
      }
      case 'reactions':
        chat.setReactions(e.id, e.reactions);
        break;
      case 'edited':
        chat.edited(e.message);
        break;
      case 'deleted':
        chat.deleted(e.id);
        break;
      case 'history': {
        const key = e.page.with ? dmKey(e.page.with) : e.page.room ? roomKey(e.page.room) : null;
        if (key) chat.addHistory(key, e.page.messages, e.page.messages.length >= PAGE, false);
        break;
      }
      case 'rooms':
        chat.setRooms(e.rooms);
        break;
      case 'members':
        if (e.room === chat.room) chat.setMembers(e.users);
        chat.placeUsers(e.room, e.users);
        break;
      case 'notice':
        this.notice(e);
        break;
      case 'private_request':
        privates.requested(e.from);
        break;
      case 'private_started':
        privates.started(e.with);
        this.openPrivate(e.with);
        break;
      case 'private_rejected':
        privates.rejected(e.by);
        chat.drop(dmKey(e.by));
        app.toast(`${e.by} declined your private chat.`);
        break;
      case 'private_ended':
        privates.ended(e.with, e.reason);
        if (chat.conversations[dmKey(e.with)]) chat.notice(dmKey(e.with), `Chat ended: ${e.reason}`, new Date().toISOString(), 'warn');
        break;
      case 'private_cancelled':
        privates.cancelled(e.with, e.reason);
        break;
      case 'session':
        this.setSession(e.session);
        break;
      case 'host_status':
        if (app.host) app.host.connected = e.connected;
        break;
      case 'discovery':
        this.discovery.update(e.state);
        break;
      case 'join_link':
        if (app.session) {
          app.toast(`Leave ${app.server ?? 'this server'} first to join ${e.address}.`);
        } else {
          app.joinPrefill = { address: e.address, code: e.join_code ?? '' };
          app.screen = 'join';
        }
        break;
    }
  }

  private notice(e: EventOf<'notice'>): void {
    const { chat, privates } = this;
    const here = chat.mainKey;
    switch (e.notice) {
      case 'joined':
      case 'left':
      case 'disconnected':
        // The server tells a joiner about itself too; we know where we went.
        if (here && e.room === chat.room && e.user !== this.app.session?.username) {
          const verb = e.notice === 'joined' ? 'joined the room' : e.notice === 'left' ? 'left the room' : 'disconnected';
          chat.notice(here, `${e.user} ${verb}`, e.ts);
        }
        break;
      case 'kicked':
        if (here) chat.notice(here, `${e.user} was kicked by ${e.by ?? 'an admin'}: ${e.reason ?? ''}`.trim(), e.ts, 'warn');
        break;
      case 'profile':
        if (e.color) chat.colors[e.user] = e.color;
        if (e.old_username && e.old_username !== e.user) {
          chat.rename(e.old_username, e.user);
          privates.rename(e.old_username, e.user);
          if (here) chat.notice(here, `${e.old_username} is now called ${e.user}`, e.ts);
        }
        break;
    }
  }

  private end(title: string, message: string): void {
    this.app.ended = { title, message, server: this.app.server };
    this.leaveSession();
    this.app.server = null;
    this.app.screen = 'ended';
  }

  /** Forget everything about the logged-in session (hosting info stays). */
  private leaveSession(): void {
    this.app.clearSession();
    this.chat.reset();
    this.privates.reset();
  }

  // ---------------------------------------------------------------- hosting

  async hostStart(args: HostStartArgs): Promise<void> {
    const res = await this.backend.invoke('host_start', args);
    this.app.host = res.host;
    this.app.server = res.session.server;
    this.setSession(res.session);
    this.setUnread(res.session.unread);
    this.app.screen = 'host';
    await this.refreshRooms();
  }

  async hostStop(): Promise<void> {
    await this.backend.invoke('host_stop');
    this.app.host = null;
    this.app.server = null;
    this.leaveSession();
    this.app.screen = 'start';
  }

  // ---------------------------------------------------------------- joining

  async connect(address: string, joinCode: string | null): Promise<ConnectResult> {
    const res = await this.backend.invoke('connect', { address, join_code: joinCode || null });
    if (res.status === 'connected') this.connected(res.server);
    return res;
  }

  /** Listen for hosts on the LAN (the Join screen opened); `discovery` events follow. */
  async startDiscovery(): Promise<void> {
    const generation = this.discovery.begin();
    try {
      const state = await this.backend.invoke('discovery_start');
      // closed before the shell answered: stop what it started (a newer start replaces it by itself)
      if (!this.discovery.started(generation, state) && !this.discovery.running) await this.backend.invoke('discovery_stop').catch(() => {});
    } catch (err) {
      this.discovery.failed(generation, errorMessage(err));
    }
  }

  /** Stop listening (the Join screen closed). */
  async stopDiscovery(): Promise<void> {
    this.discovery.end();
    await this.backend.invoke('discovery_stop').catch(() => {});
  }

  /** Join a host of the list: with the code the user typed, else the one it announces. */
  async discoveryJoin(address: string, joinCode: string | null): Promise<ConnectResult> {
    const res = await this.backend.invoke('discovery_join', { address, join_code: joinCode?.trim() || null });
    if (res.status === 'connected') {
      // the shell stopped listening
      this.discovery.end();
      this.connected(res.server);
    }
    return res;
  }

  async trust(address: string, fingerprint: string): Promise<void> {
    const res = await this.backend.invoke('trust_host', { address, fingerprint });
    this.connected(res.server);
  }

  private connected(server: string): void {
    this.app.server = server;
    this.app.connection = { state: 'ok' };
    this.app.joinPrefill = null;
    this.app.screen = 'auth';
  }

  /** Leave the server we joined (hosts stop hosting instead). */
  async leaveServer(): Promise<void> {
    await this.backend.invoke('disconnect').catch(() => {});
    this.leaveSession();
    this.app.server = null;
    this.app.screen = 'start';
  }

  // ---------------------------------------------------------------- account

  async login(args: LoginArgs): Promise<void> {
    try {
      this.loggedIn(await this.backend.invoke('login', args));
    } catch (err) {
      this.maybeKicked(err);
      throw err;
    }
  }

  async loginSaved(): Promise<void> {
    try {
      this.loggedIn(await this.backend.invoke('login_saved'));
    } catch (err) {
      this.maybeKicked(err);
      throw err;
    }
  }

  private maybeKicked(err: unknown): void {
    const e = BackendError.from(err);
    if (e.code !== 'kicked') return;
    this.app.kicked = {
      by: e.payload.by ?? 'an admin',
      reason: e.payload.reason ?? e.message,
      until: e.payload.until ?? null,
      server: this.app.server,
    };
    this.app.screen = 'kicked';
  }

  /** Our own profile: also our color in every list. */
  private setSession(session: Session): void {
    this.app.session = session;
    this.chat.me = session.username;
    this.chat.colors[session.username] = session.color;
  }

  private loggedIn(session: Session): void {
    this.app.kicked = null;
    this.chat.reset();
    this.privates.reset();
    this.readSent.clear();
    this.setSession(session);
    this.setUnread(session.unread);
    this.app.screen = 'main';
    void this.refreshRooms();
  }

  /** The counts at login; private chats with unread messages get a tab to read them in. */
  private setUnread(counts: UnreadCount[]): void {
    this.chat.setUnread(counts);
    this.showMissedChats(counts);
  }

  /** A read-only tab for each private chat with unread messages and no tab yet. */
  private showMissedChats(counts: UnreadCount[]): void {
    for (const c of counts) if (c.with && c.unread > 0 && this.privates.missed(c.with)) this.openPrivate(c.with);
  }

  async logout(): Promise<void> {
    await this.backend.invoke('logout');
    this.leaveSession();
    this.app.screen = 'auth';
  }

  /** Rooms, who is where, and the unread counts as the server has them now. */
  async refreshRooms(): Promise<void> {
    try {
      const listing = await this.backend.invoke('list_rooms');
      this.chat.setRooms(listing.rooms);
      this.chat.syncUnread(listing.unread);
      this.showMissedChats(listing.unread);
    } catch {
      // presence pushes will fill it in
    }
  }

  /** After a kick: connect again (known host, no prompt) and log in when we can. */
  async rejoin(): Promise<void> {
    const server = this.app.kicked?.server ?? this.app.ended?.server;
    if (!server) {
      this.app.screen = 'join';
      return;
    }
    const res = await this.connect(server, null);
    if (res.status !== 'connected') {
      this.app.joinPrefill = { address: server, code: '' };
      this.app.screen = 'join';
    }
  }

  // ---------------------------------------------------------------- rooms and messages

  async createRoom(room: string): Promise<void> {
    await this.backend.invoke('create_room', { room });
    await this.refreshRooms();
  }

  async enterRoom(room: string): Promise<void> {
    if (this.chat.room === room) {
      this.chat.activate(MAIN_TAB);
      return;
    }
    if (this.chat.room !== null) await this.exitRoom();
    this.chat.enter(room);
    const me = this.app.session?.username;
    if (me) this.chat.placeUsers(room, [...(this.chat.rooms[room] ?? []).filter((u) => u !== me), me]);
    try {
      await this.backend.invoke('enter_room', { room });
    } catch (err) {
      this.chat.exit();
      throw err;
    }
  }

  async exitRoom(): Promise<void> {
    await this.backend.invoke('exit_room');
    this.chat.exit();
    await this.refreshRooms();
  }

  /** Send to whatever the active tab shows. */
  async send(text: string): Promise<void> {
    const tab = this.chat.activeTab;
    const to = tab === MAIN_TAB ? 'public' : tab.slice('dm:'.length);
    await this.backend.invoke('send_message', { to, text });
  }

  /** Queue files to send to the conversation on screen. */
  sendFiles(files: File[]): void {
    const tab = this.chat.activeTab;
    const to = tab === MAIN_TAB ? 'public' : tab.slice('dm:'.length);
    const key = tab === MAIN_TAB ? roomKey(this.chat.room ?? '') : tab;
    this.transfers.send(files, to, key);
  }

  /** A `data:` URL of an inline image (or its thumbnail), fetched once. */
  imageUrl(id: number, thumbnail: boolean): Promise<string> {
    const key = `${id}:${thumbnail ? 'thumb' : 'full'}`;
    let url = this.images.get(key);
    if (!url) {
      url = this.backend.invoke('file_bytes', { id, thumbnail }).then((f) => {
        if (!f.mime.startsWith('image/')) throw new Error('This file is not an image.');
        return `data:${f.mime};base64,${f.data}`;
      });
      url.catch(() => this.images.delete(key));
      this.images.set(key, url);
    }
    return url;
  }

  /** `{room}` or `{with}` for a conversation key. */
  private target(key: string): { room: string } | { with: string } {
    return key.startsWith('dm:') ? { with: key.slice(3) } : { room: key.slice(5) };
  }

  /** Fetch the page after the newest message we show (after a jump into older history). */
  async loadNewer(key: string): Promise<void> {
    const conv = this.chat.conv(key);
    const after = this.chat.newestId(key);
    if (conv.loading || !conv.hasNewer || after === null) return;
    conv.loading = true;
    try {
      const page = await this.backend.invoke('history', { ...this.target(key), after_id: after, limit: PAGE });
      this.chat.addNewer(key, page.messages, page.messages.length >= PAGE);
    } finally {
      conv.loading = false;
    }
  }

  /** Back to the newest messages after a jump. */
  async jumpToLatest(key: string): Promise<void> {
    const page = await this.backend.invoke('history', { ...this.target(key), limit: PAGE });
    this.chat.showWindow(key, page.messages, page.messages.length >= PAGE, false);
  }

  /**
   * Bring message `id` of `key` into view (a search result): at once when it
   * is loaded, else after loading the history around it.
   */
  async jumpTo(key: string, id: number): Promise<void> {
    const loaded = this.chat.conv(key).items.some((i) => i.type === 'msg' && i.msg.id === id);
    if (!loaded) {
      const half = PAGE / 2;
      const [older, newer] = await Promise.all([
        this.backend.invoke('history', { ...this.target(key), before_id: id + 1, limit: half }),
        this.backend.invoke('history', { ...this.target(key), after_id: id, limit: half }),
      ]);
      this.chat.showWindow(key, [...older.messages, ...newer.messages], older.messages.length >= half, newer.messages.length >= half);
    }
    this.chat.highlight = { key, id };
  }

  /**
   * The newest message of `key` is on screen and the window has the focus:
   * it and everything before it is read. The server is told once per message;
   * a failure is not shown (the next message on screen tries again).
   */
  async markRead(key: string): Promise<void> {
    const conv = this.chat.conversations[key];
    const newest = this.chat.newestId(key);
    if (!conv || conv.hasNewer || newest === null) return;
    const count = this.chat.countOf(key);
    if (count.unread === 0 && newest <= count.lastRead) return;
    this.chat.read(key, newest);
    if ((this.readSent.get(key) ?? 0) >= newest) return;
    this.readSent.set(key, newest);
    try {
      this.chat.applyCount(await this.backend.invoke('mark_read', { ...this.target(key), id: newest }));
    } catch {
      this.readSent.delete(key);
    }
  }

  /**
   * The user is typing in the conversation on screen: tell the others, at most
   * every LIMITS.typingSendIntervalMs and only when they share it. Returns
   * whether it was sent. A refusal (slow_down, the chat ended) only means
   * nobody hears it, so it is not shown.
   */
  typing(now: number = Date.now()): boolean {
    const key = this.chat.keyOfTab(this.chat.activeTab);
    if (!key || !this.app.settings.share_typing) return false;
    if (now - (this.typingSent.get(key) ?? -Infinity) < LIMITS.typingSendIntervalMs) return false;
    this.typingSent.set(key, now);
    void this.backend.invoke('typing', this.target(key)).catch(() => {});
    return true;
  }

  /** Give or take back an emoji; the `reactions` event updates the message. */
  async react(id: number, emoji: string): Promise<void> {
    await this.backend.invoke('react', { id, emoji });
  }

  async editMessage(id: number, text: string): Promise<void> {
    await this.backend.invoke('edit_message', { id, text });
  }

  async deleteMessage(id: number): Promise<void> {
    await this.backend.invoke('delete_message', { id });
  }

  /** One page of search results in a conversation, newest first. */
  async search(key: string, query: string, before?: number): Promise<SearchView> {
    return this.backend.invoke('search', { ...this.target(key), query, ...(before !== undefined && { before }) });
  }

  /** Puts the unread total on the taskbar or dock icon (the shell ignores it where there is none). */
  showUnreadTotal(total: number): void {
    void this.backend.invoke('set_unread_total', { total }).catch(() => {});
  }

  /** Unread messages in the window title's count: rooms, and private chats with a tab. */
  get totalUnread(): number {
    return this.chat.totalUnread(this.privates.tabs.map((t) => dmKey(t.user)));
  }

  /** Fetch the page before the oldest message we show. */
  async loadOlder(key: string): Promise<void> {
    const conv = this.chat.conv(key);
    if (conv.loading || !conv.hasMore) return;
    const before = this.chat.oldestId(key);
    conv.loading = true;
    try {
      const page = await this.backend.invoke('history', { ...this.target(key), before_id: before, limit: PAGE });
      this.chat.addHistory(key, page.messages, page.messages.length >= PAGE, true);
    } finally {
      conv.loading = false;
    }
  }

  // ---------------------------------------------------------------- private chats

  async requestPrivate(user: string): Promise<void> {
    await this.backend.invoke('private_request', { to: user });
    if (this.privates.tab(user)?.state !== 'active') this.privates.asked(user);
    this.chat.activate(dmKey(user));
  }

  async accept(user: string): Promise<void> {
    await this.backend.invoke('private_accept', { from: user });
    this.privates.started(user);
    this.openPrivate(user);
    this.chat.activate(dmKey(user));
  }

  /** A private chat runs (or an earlier one is shown): make its conversation and fetch what the two said before. */
  private openPrivate(user: string): void {
    const key = dmKey(user);
    const fresh = !this.chat.conversations[key];
    this.chat.conv(key);
    if (fresh) void this.loadOlder(key).catch(() => {});
  }

  async reject(user: string): Promise<void> {
    this.privates.dismissRequest(user);
    await this.backend.invoke('private_reject', { from: user });
  }

  /** End an active chat, or withdraw a pending request. */
  async endPrivate(user: string): Promise<void> {
    const pending = this.privates.tab(user)?.state === 'pending';
    try {
      await this.backend.invoke('private_end', { with: user });
    } catch (err) {
      if (!pending) throw err;
    }
    if (pending) this.closeTab(user);
  }

  closeTab(user: string): void {
    this.privates.close(user);
    this.chat.drop(dmKey(user));
  }

  // ---------------------------------------------------------------- admin

  async kick(args: Kick): Promise<void> {
    await this.backend.invoke('kick', args);
  }

  async unkick(username: string): Promise<void> {
    await this.backend.invoke('unkick', { username });
  }

  async setRole(args: SetRole): Promise<void> {
    await this.backend.invoke('set_role', args);
  }

  // ---------------------------------------------------------------- profile and settings

  async updateProfile(args: Profile): Promise<void> {
    this.setSession(await this.backend.invoke('update_profile', args));
  }

  /** Change some settings (the shell saves the whole object). */
  async saveSettings(change: Partial<Settings>): Promise<void> {
    this.app.settings = await this.backend.invoke('set_settings', { ...this.app.settings, ...change });
  }
}

const KEY = Symbol('hearth');

export function provideHearth(hearth: Hearth): Hearth {
  return setContext(KEY, hearth);
}

export function useHearth(): Hearth {
  const h = getContext<Hearth | undefined>(KEY);
  if (!h) throw new Error('useHearth() outside <App>');
  return h;
}

export const HEARTH_CONTEXT = KEY;
