/**
 * `past`: no chat runs, but an earlier one left unread messages (known from
 * the server's counts at login or after a reconnect); read-only like `ended`.
 */
export type TabState = 'pending' | 'active' | 'ended' | 'past';

export interface PrivateTab {
  user: string;
  state: TabState;
  /** Why it ended, when it did. */
  reason: string | null;
}

/** Private chats: incoming requests (toasts) and one tab per chat. */
export class PrivateStore {
  /** People asking us; shown as toasts with Accept/Reject and no content. */
  incoming = $state<string[]>([]);
  tabs = $state<PrivateTab[]>([]);

  tab(user: string): PrivateTab | undefined {
    return this.tabs.find((t) => t.user === user);
  }

  requested(from: string): void {
    if (!this.incoming.includes(from) && this.tab(from)?.state !== 'active') this.incoming.push(from);
  }

  /** We asked: a pending tab, unless the chat already runs. */
  asked(user: string): void {
    const tab = this.tab(user);
    if (!tab) this.tabs.push({ user, state: 'pending', reason: null });
    else if (tab.state === 'ended' || tab.state === 'past') Object.assign(tab, { state: 'pending', reason: null });
  }

  /** Unread messages from `user` with no chat running: a read-only tab to read them in. */
  missed(user: string): boolean {
    if (this.tab(user)) return false;
    this.tabs.push({ user, state: 'past', reason: null });
    return true;
  }

  started(user: string): void {
    this.incoming = this.incoming.filter((u) => u !== user);
    const tab = this.tab(user);
    if (tab) Object.assign(tab, { state: 'active', reason: null });
    else this.tabs.push({ user, state: 'active', reason: null });
  }

  /** Our request was turned down: the pending tab goes away. */
  rejected(user: string): void {
    this.tabs = this.tabs.filter((t) => !(t.user === user && t.state === 'pending'));
  }

  /** A chat ended: its tab stays, read-only, until closed. */
  ended(user: string, reason: string): void {
    const tab = this.tab(user);
    if (tab) Object.assign(tab, { state: 'ended', reason });
  }

  /** A pending request (either way) was withdrawn. */
  cancelled(user: string, reason: string): void {
    this.incoming = this.incoming.filter((u) => u !== user);
    const tab = this.tab(user);
    if (tab?.state === 'pending') Object.assign(tab, { state: 'ended', reason });
  }

  dismissRequest(user: string): void {
    this.incoming = this.incoming.filter((u) => u !== user);
  }

  close(user: string): void {
    this.tabs = this.tabs.filter((t) => t.user !== user);
  }

  rename(oldName: string, newName: string): void {
    this.incoming = this.incoming.map((u) => (u === oldName ? newName : u));
    for (const t of this.tabs) if (t.user === oldName) t.user = newName;
  }

  reset(): void {
    this.incoming = [];
    this.tabs = [];
  }
}
