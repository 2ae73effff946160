import type { HostInfo, Session, Settings } from '../backend/types';

export type Screen = 'start' | 'host' | 'join' | 'auth' | 'main' | 'kicked' | 'ended';
export type Dialog = null | 'settings' | 'admin' | { kick: string };

export type Connection =
  | { state: 'ok' }
  | { state: 'reconnecting'; attempt: number; retryAt: number };

export interface KickInfo {
  by: string;
  reason: string;
  /** ISO 8601, or null when there is no cooldown. */
  until: string | null;
  server: string | null;
}

export interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

/** Where the app is: screen, session, hosting, connection health, toasts. */
export class AppStore {
  screen = $state<Screen>('start');
  session = $state<Session | null>(null);
  /** `host:port` of the server we are connected to. */
  server = $state<string | null>(null);
  host = $state<HostInfo | null>(null);
  connection = $state<Connection>({ state: 'ok' });
  kicked = $state<KickInfo | null>(null);
  ended = $state<{ title: string; message: string; server: string | null } | null>(null);
  joinPrefill = $state<{ address: string; code: string } | null>(null);
  settings = $state<Settings>({ notifications: 'mentions', share_typing: true, do_not_disturb: false, mention_sound: false });
  dialog = $state<Dialog>(null);
  toasts = $state<Toast[]>([]);
  private nextToast = 1;

  get isAdmin(): boolean {
    return this.session?.role === 'owner' || this.session?.role === 'admin';
  }

  get isOwner(): boolean {
    return this.session?.role === 'owner';
  }

  toast(text: string, tone: Toast['tone'] = 'info', ttlMs = 5000): number {
    const id = this.nextToast++;
    this.toasts.push({ id, text, tone });
    if (ttlMs > 0) setTimeout(() => this.dismiss(id), ttlMs);
    return id;
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  /** Forget the server session (not the hosting info). */
  clearSession(): void {
    this.session = null;
    this.connection = { state: 'ok' };
    this.dialog = null;
  }
}
