import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArgsOf, Backend, Command } from '../src/lib/backend/backend';
import { BackendError } from '../src/lib/backend/errors';
import { TauriBackend } from '../src/lib/backend/tauri';
import type { HearthEvent, Session } from '../src/lib/backend/types';
import { generatedCommands, settle } from './helpers';

afterEach(() => clearMocks());

/** Every command of the generated list with sample arguments (null: it takes none). */
const CASES: { [K in Command]: ArgsOf<K> } = {
  host_start: { port: 7878, username: 'a', password: 'pppp', color: '#112233', room_name: 'LAN night' },
  host_stop: null,
  host_status: null,
  host_check: { port: 7879 },
  connect: { address: '10.0.0.1:7878', join_code: 'ABCD' },
  trust_host: { address: 'h:1', fingerprint: 'SHA256:ab' },
  forget_host: { address: 'h:1' },
  disconnect: null,
  saved_servers: null,
  parse_address: { address: 'hearth://h:1/ABCD' },
  discovery_start: null,
  discovery_stop: null,
  discovery_join: { address: '192.168.1.31:7878', join_code: 'ABCD-EFGH-JKMN-PQRS' },
  register: { username: 'a', password: 'pppp', color: null },
  login: { username: 'a', password: 'pppp', remember: true },
  login_saved: null,
  saved_login: { address: 'h:1' },
  forget_login: { address: 'h:1' },
  logout: null,
  list_devices: null,
  revoke_device: { id: 7 },
  list_rooms: null,
  create_room: { room: 'r' },
  enter_room: { room: 'r' },
  exit_room: null,
  send_message: { to: 'public', text: 'hi' },
  history: { room: 'r', before_id: 9, limit: 50 },
  react: { id: 3, emoji: '👍' },
  edit_message: { id: 3, text: 'fixed' },
  delete_message: { id: 3 },
  search: { room: 'r', query: 'pizza', before: 40, limit: 20 },
  mark_read: { with: 'b', id: 12 },
  typing: { room: 'r' },
  set_unread_total: { total: 3 },
  send_file: { transfer: 't1', to: 'public', name: 'a.png', data: 'iVBORw==' },
  cancel_transfer: { transfer: 't1' },
  file_bytes: { id: 4, thumbnail: true },
  save_file: { transfer: 't2', id: 4, name: 'a.png' },
  private_request: { to: 'b' },
  private_accept: { from: 'b' },
  private_reject: { from: 'b' },
  private_end: { with: 'b' },
  private_list: null,
  kick: { username: 'b', reason: 'r', minutes: 5 },
  unkick: { username: 'b' },
  set_role: { username: 'b', role: 'admin' },
  audit: { limit: 10 },
  update_profile: { color: '#000000' },
  get_settings: null,
  set_settings: { notifications: 'off', share_typing: false, do_not_disturb: true, mention_sound: true },
};

describe('TauriBackend', () => {
  it.each(Object.entries(CASES))('%s invokes its Rust command with one `args` parameter, or none', async (cmd, args) => {
    const calls: [string, unknown][] = [];
    mockIPC((c, p) => {
      calls.push([c, p]);
      return { ok: c };
    });
    const backend = new TauriBackend();
    const invoke = backend.invoke.bind(backend) as (cmd: string, ...args: unknown[]) => Promise<unknown>;
    const result = await (args === null ? invoke(cmd) : invoke(cmd, args));
    expect(calls).toEqual([[cmd, args === null ? {} : { args }]]);
    expect(result).toEqual({ ok: cmd });
  });

  it('covers every command of the generated list', () => {
    expect(generatedCommands().length).toBeGreaterThan(30);
    expect(Object.keys(CASES).sort()).toEqual(generatedCommands().sort());
  });

  it('types each command from the list: no arguments where it takes none, exactly its own otherwise', () => {
    // Checked by svelte-check (npm run check); never run.
    const typed = async (backend: Backend) => {
      const session: Session = await backend.invoke('login', { username: 'a', password: 'pppp', remember: false });
      const none: null = await backend.invoke('logout');
      // @ts-expect-error logout takes no arguments
      await backend.invoke('logout', {});
      // @ts-expect-error connect needs its arguments
      await backend.invoke('connect');
      // @ts-expect-error these are not connect's arguments
      await backend.invoke('connect', { room: 'r' });
      // @ts-expect-error there is no such command
      await backend.invoke('no_such_command');
      return [session, none];
    };
    expect(typed).toBeTypeOf('function');
  });

  it('wraps a {code, message} rejection in a BackendError', async () => {
    mockIPC(() => {
      throw { code: 'port_in_use', message: 'Port 7878 is taken.', suggested_port: 7879 };
    });
    const err = await new TauriBackend().invoke('host_start', { username: 'a', password: 'pppp' }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('port_in_use');
    expect(err.message).toBe('Port 7878 is taken.');
    expect(err.payload.suggested_port).toBe(7879);
  });

  it('wraps a plain string rejection as an internal error', async () => {
    mockIPC(() => {
      throw 'command login not allowed';
    });
    const err = await new TauriBackend().invoke('logout').catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('internal');
    expect(err.message).toBe('command login not allowed');
  });

  it('delivers hearth://event payloads to subscribers until unsubscribed', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: HearthEvent[] = [];
    const stop = new TauriBackend().subscribe((e) => seen.push(e));
    await settle();
    await emit('hearth://event', { kind: 'bye', message: 'closing' });
    await emit('some-other-event', { kind: 'bye', message: 'not for us' });
    await settle();
    expect(seen).toEqual([{ kind: 'bye', message: 'closing' }]);
    stop();
    await settle();
    await emit('hearth://event', { kind: 'bye', message: 'after stop' });
    await settle();
    expect(seen).toHaveLength(1);
  });
});
