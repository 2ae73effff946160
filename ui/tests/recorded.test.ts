// The mock and the real shell agree. fixtures/friend-session.json is what the
// desktop shell emitted to a friend's UI (src-tauri/tests/desktop.rs,
// records_a_friends_session_for_the_ui_tests): "bob" joins a host's server with
// the join code, registers and logs in, enters "games", is mentioned, accepts a
// private chat with the host, gets a private message, and is kicked.
//
// (a) The recording is replayed through the real stores, with the same user
//     actions at the same points; (b) the same scenario is driven through the
//     mock, the host's part through its control API; (c) what the user sees is
//     the same at every checkpoint, once times, message ids and the server's
//     address are set aside. When they differ, the mock is wrong: the recording
//     is the truth.

import { describe, expect, it } from 'vitest';
import type { Backend, Command, InvokeArgs, ResultOf } from '../src/lib/backend/backend';
import { MockBackend, type MockControl } from '../src/lib/backend/mock';
import type { EventHandler, EventKind, HearthEvent, HistoryView, RoomMap, Session } from '../src/lib/backend/types';
import { Hearth } from '../src/lib/stores/hearth.svelte';
import recordingText from './fixtures/friend-session.json?raw';
import { settle } from './helpers';

interface Recording {
  steps: { checkpoint: string; events: HearthEvent[] }[];
}
const RECORDING = JSON.parse(recordingText) as Recording;
/** The server bob's app connected to, as recorded. */
const RECORDED_SERVER = RECORDING.steps.flatMap((s) => s.events).find((e) => e.kind === 'connected')!.server;

// The scenario of desktop.rs: the host "Hostess" (#ff8800) made "games", went in
// and said "welcome to games"; then the friend came.
const HOST = { username: 'Hostess', color: '#ff8800' };
const BOB = { username: 'bob', password: 'bob-pw', color: '#3366ff' };
/** Where the mock's bob joins (the recording calls its server host.lan:7878 too). */
const MOCK_ADDRESS = 'host.lan:7878';

/** One thing that happens in a step. `until`: the recorded event that answers it (the rest of the step when absent). */
type Move =
  | { by: 'bob'; act: (hearth: Hearth, joinCode: string) => Promise<unknown>; until?: EventKind }
  | { by: 'host'; act: (control: MockControl) => unknown; until?: EventKind };

const bob = (act: (hearth: Hearth, joinCode: string) => Promise<unknown>, until?: EventKind): Move => ({ by: 'bob', act, until });
const host = (act: (control: MockControl) => unknown, until?: EventKind): Move => ({ by: 'host', act, until });

/** bob's actions go through the store methods the screens call. */
const SCENARIO: { checkpoint: string; moves: Move[] }[] = [
  { checkpoint: 'joined_server', moves: [bob((h, code) => h.connect(MOCK_ADDRESS, code))] },
  {
    checkpoint: 'logged_in',
    moves: [
      bob(async (h) => {
        // as RegisterForm does
        await h.backend.invoke('register', { username: BOB.username, password: BOB.password, color: BOB.color });
        await h.login({ username: BOB.username, password: BOB.password, remember: false });
      }),
    ],
  },
  { checkpoint: 'in_room', moves: [bob((h) => h.enterRoom('games'))] },
  { checkpoint: 'mentioned', moves: [host((c) => c.say(HOST.username, 'hello @bob'))] },
  {
    checkpoint: 'private_chat',
    moves: [
      host((c) => c.requestPrivate(HOST.username), 'private_request'),
      bob((h) => h.accept(HOST.username), 'private_started'),
      host((c) => c.privateSay(HOST.username, 'psst')),
    ],
  },
  { checkpoint: 'kicked', moves: [host((c) => c.kickMe(HOST.username, 'spamming', 5))] },
];

/**
 * Plays the recording back: emits its events when told to, and answers the
 * commands the stores call the way the shell answered them in the recorded
 * session. A command it has no answer for is noted in `unanswered`.
 */
class Replay implements Backend {
  private listeners = new Set<EventHandler>();
  private emitted: HearthEvent[] = [];
  private pending: HearthEvent[] = [];
  readonly unanswered: string[] = [];

  readonly server = RECORDED_SERVER;

  subscribe(handler: EventHandler): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** The next checkpoint's recorded events. */
  load(events: HearthEvent[]): void {
    expect(this.pending).toEqual([]);
    this.pending = [...events];
  }

  /** Emits the recorded events up to the first of `kind`, or all that are left. */
  emitUntil(kind?: EventKind): void {
    const end = kind === undefined ? this.pending.length : this.pending.findIndex((e) => e.kind === kind) + 1;
    if (end === 0) throw new Error(`no ${kind} event left in this step of the recording`);
    for (const event of this.pending.splice(0, end)) {
      this.emitted.push(event);
      for (const h of [...this.listeners]) h(structuredClone(event));
    }
  }

  async invoke<K extends Command>(cmd: K, ...args: InvokeArgs<K>): Promise<ResultOf<K>> {
    return structuredClone(this.answer(cmd, args[0])) as ResultOf<K>;
  }

  private answer(cmd: Command, args: unknown): unknown {
    const session: Session = { server: this.server, username: BOB.username, color: BOB.color, role: 'member', unread: [] };
    switch (cmd) {
      case 'get_settings':
        return { notifications: 'mentions', share_typing: true, do_not_disturb: false, mention_sound: false };
      case 'host_status':
        return null; // bob does not host
      case 'connect':
        return { status: 'connected', server: this.server };
      case 'register':
      case 'enter_room':
      case 'private_accept':
        return null;
      case 'login':
        return session;
      case 'list_rooms':
        // who was where then: the newest room list of the step so far
        return [...this.emitted, ...this.pending].reverse().find((e): e is Extract<HearthEvent, { kind: 'rooms' }> => e.kind === 'rooms')?.rooms ?? ({} satisfies RoomMap);
      case 'history': {
        // what had been said in that place by then
        const { room = null, with: other = null } = args as { room?: string | null; with?: string | null };
        const said = this.emitted.flatMap((e) => (e.kind === 'msg' ? [e.message] : e.kind === 'history' ? e.page.messages : []));
        const messages = said.filter((m) => (other === null ? !m.private && m.room === room : m.private && m.with === other));
        return { room: other === null ? room : null, with: other, messages } satisfies HistoryView;
      }
      default:
        this.unanswered.push(cmd);
        throw new Error(`the recording has no answer for ${cmd}`);
    }
  }
}

/** What bob sees. */
function snapshot(checkpoint: string, { app, chat, privates }: Hearth) {
  return {
    checkpoint,
    screen: app.screen,
    server: app.server,
    connection: app.connection.state,
    session: app.session,
    kicked: app.kicked,
    ended: app.ended,
    toasts: app.toasts.map((t) => ({ text: t.text, tone: t.tone })),
    rooms: chat.rooms,
    room: chat.room,
    members: chat.members,
    online: chat.online,
    colors: chat.colors,
    activeTab: chat.activeTab,
    conversations: Object.fromEntries(
      Object.entries(chat.conversations).map(([key, c]) => [
        key,
        {
          unread: chat.countOf(key).unread,
          mentions: chat.countOf(key).mentions,
          hasMore: c.hasMore,
          items: c.items.map((i) =>
            i.type === 'msg'
              ? { id: i.msg.id, from: i.msg.from, text: i.msg.text, ts: i.msg.ts, color: i.msg.color, private: i.msg.private, with: i.msg.with, room: i.msg.room }
              : { notice: i.text, tone: i.tone, ts: i.ts },
          ),
        },
      ]),
    ),
    incoming: privates.incoming,
    tabs: privates.tabs,
  };
}
type Snapshot = ReturnType<typeof snapshot>;

/** A plain copy with only what legitimately differs set aside: times, message ids and the server's address. */
function normalized<T>(value: T, server: string): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => {
    if ((key === 'ts' || key === 'until') && typeof v === 'string') return '<time>';
    if (key === 'id' && typeof v === 'number') return '<id>';
    return v === server ? '<server>' : v;
  }) as T;
}

/** An event as comparable text: normalized, keys sorted. */
function canonical(event: HearthEvent, server: string): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]))
        : v;
  return JSON.stringify(sortKeys(normalized(event, server)));
}

/** (a) The recording through the real stores. */
async function replayed(): Promise<{ snapshots: Snapshot[]; unanswered: string[] }> {
  const replay = new Replay();
  const hearth = new Hearth(replay);
  const stop = hearth.start();
  await settle();
  const snapshots: Snapshot[] = [];
  for (const [i, step] of SCENARIO.entries()) {
    expect(RECORDING.steps[i].checkpoint).toBe(step.checkpoint);
    replay.load(RECORDING.steps[i].events);
    for (const move of step.moves) {
      if (move.by === 'bob') await move.act(hearth, 'the code bob was given');
      replay.emitUntil(move.until);
      await settle();
    }
    snapshots.push(normalized(snapshot(step.checkpoint, hearth), replay.server));
  }
  stop();
  return { snapshots, unanswered: replay.unanswered };
}

/** (b) The same scenario through the mock. */
async function mocked(): Promise<{ snapshots: Snapshot[]; events: HearthEvent[][] }> {
  const mock = new MockBackend({ seed: false });
  const { control } = mock;
  control.addUser(HOST.username, HOST.color);
  control.addRoom('games');
  control.join(HOST.username, 'games');
  control.say(HOST.username, 'welcome to games', 'games');
  const hearth = new Hearth(mock);
  const stop = hearth.start();
  const seen: HearthEvent[] = [];
  mock.subscribe((e) => seen.push(e));
  await settle();
  const snapshots: Snapshot[] = [];
  const events: HearthEvent[][] = [];
  for (const step of SCENARIO) {
    seen.length = 0;
    for (const move of step.moves) {
      if (move.by === 'bob') await move.act(hearth, control.codeFor(MOCK_ADDRESS));
      else move.act(control);
      await settle();
    }
    events.push([...seen]);
    snapshots.push(normalized(snapshot(step.checkpoint, hearth), MOCK_ADDRESS));
  }
  stop();
  mock.dispose();
  return { snapshots, events };
}

describe('a friend session recorded from the real shell', () => {
  it('is a session the scenario follows, checkpoint by checkpoint', () => {
    expect(RECORDING.steps.map((s) => s.checkpoint)).toEqual(SCENARIO.map((s) => s.checkpoint));
  });

  it('replays through the stores to what bob should see', async () => {
    const { snapshots, unanswered } = await replayed();
    expect(unanswered).toEqual([]);
    const at = (checkpoint: string) => snapshots.find((s) => s.checkpoint === checkpoint)!;
    expect(at('joined_server')).toMatchObject({ screen: 'auth', server: '<server>', session: null });
    expect(at('logged_in')).toMatchObject({
      screen: 'main',
      session: { server: '<server>', username: 'bob', color: '#3366ff', role: 'member' },
      rooms: { lobby: ['bob'], games: ['Hostess'] },
    });
    expect(at('in_room')).toMatchObject({ room: 'games', members: ['bob', 'Hostess'] });
    expect(at('in_room').conversations['room:games'].items).toEqual([
      { id: '<id>', from: 'Hostess', text: 'welcome to games', ts: '<time>', color: '#ff8800', private: false, with: null, room: 'games' },
    ]);
    expect(at('mentioned').conversations['room:games'].items.map((i) => ('text' in i ? i.text : i.notice))).toEqual(['welcome to games', 'hello @bob']);
    expect(at('private_chat')).toMatchObject({ activeTab: 'dm:Hostess', incoming: [], tabs: [{ user: 'Hostess', state: 'active', reason: null }] });
    expect(at('private_chat').conversations['dm:Hostess'].items).toMatchObject([{ from: 'Hostess', text: 'psst', private: true, with: 'Hostess', room: null }]);
    expect(at('kicked')).toMatchObject({
      screen: 'kicked',
      session: null,
      kicked: { by: 'Hostess', reason: 'spamming', until: '<time>', server: '<server>' },
      conversations: {},
      tabs: [],
    });
  });

  it('leaves bob seeing the same with the mock at every checkpoint', async () => {
    const recorded = await replayed();
    const mock = await mocked();
    expect(mock.snapshots).toEqual(recorded.snapshots);
  });

  it('has the mock emit what the shell emitted at every checkpoint', async () => {
    const { events } = await mocked();
    // Within a step, independent pushes may come in any order (as desktop.rs compares them).
    const asSet = (list: HearthEvent[], server: string) => list.map((e) => canonical(e, server)).sort();
    for (const [i, step] of RECORDING.steps.entries()) {
      expect({ checkpoint: step.checkpoint, events: asSet(events[i], MOCK_ADDRESS) }).toEqual({
        checkpoint: step.checkpoint,
        events: asSet(step.events, RECORDED_SERVER),
      });
    }
  });
});
