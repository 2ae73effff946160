import { render } from '@testing-library/svelte';
import { tick } from 'svelte';
import App from '../src/App.svelte';
import generatedSource from '../src/lib/backend/generated.ts?raw';
import { MockBackend } from '../src/lib/backend/mock';
import { Hearth } from '../src/lib/stores/hearth.svelte';
import type { MessageView } from '../src/lib/backend/types';

/** Let queued microtasks (mock events) and Svelte updates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    await tick();
  }
}

export function setup(opts: { seed?: boolean } = {}) {
  const mock = new MockBackend({ delayMs: 0, auto: false, seed: opts.seed ?? true });
  const hearth = new Hearth(mock);
  return { mock, hearth, control: mock.control };
}

/** Render the whole app on a fresh mock, optionally after some set-up. */
export async function renderApp(prepare?: (h: ReturnType<typeof setup>) => Promise<void> | void) {
  const ctx = setup();
  if (prepare) await prepare(ctx);
  const view = render(App, { props: { hearth: ctx.hearth } });
  // jsdom's window never has the focus; the user looks at the app (messages on screen are read)
  window.dispatchEvent(new FocusEvent('focus'));
  await settle();
  return { ...ctx, ...view };
}

/** Host a room as `owner` (the mock makes you the owner). */
export async function hostAsOwner(h: Hearth): Promise<void> {
  await h.hostStart({ username: 'owner', password: 'pass1234', color: '#f0773a', port: 7878 });
  h.app.screen = 'main';
  await settle();
}

/** Join a remote server as a member. */
export async function joinAsMember(h: Hearth, mock: MockBackend, name = 'guest'): Promise<void> {
  const address = '192.168.1.50:7878';
  await h.connect(address, mock.control.codeFor(address));
  await h.backend.invoke('register', { username: name, password: 'pw1234', color: '#78d9ec' });
  await h.login({ username: name, password: 'pw1234', remember: false });
  await settle();
}

/** The command names in generated.ts (the shell's one command list). */
export function generatedCommands(): string[] {
  const list = /export interface Commands \{([\s\S]*?)\n\}/.exec(generatedSource)![1];
  return [...list.matchAll(/^\s+(\w+): \{ args:/gm)].map((m) => m[1]);
}

/** A room message from mara in #general, as the shell sends it; `extra` overrides fields. */
export const messageView = (id: number, extra: Partial<MessageView> = {}): MessageView => ({
  id,
  room: 'general',
  with: null,
  from: 'mara',
  text: `m${id}`,
  ts: '2024-01-01T10:00:00Z',
  color: '#e0a458',
  private: false,
  file: null,
  mentions: [],
  mention_room: false,
  mentions_me: false,
  edited: null,
  deleted: false,
  reactions: [],
  ...extra,
});
