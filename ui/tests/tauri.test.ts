import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../src/lib/backend/errors';
import { TauriBackend } from '../src/lib/backend/tauri';
import type { HearthEvent } from '../src/lib/backend/types';
import { settle } from './helpers';

afterEach(() => clearMocks());

/** Every Backend method, the Rust command it must call, and the exact invoke payload. */
const CASES: [keyof TauriBackend, unknown, string, Record<string, unknown>][] = [
  ['hostStart', { port: 7878, username: 'a', password: 'pppp', color: '#112233' }, 'host_start', { args: { port: 7878, username: 'a', password: 'pppp', color: '#112233' } }],
  ['hostStop', undefined, 'host_stop', {}],
  ['hostStatus', undefined, 'host_status', {}],
  ['connect', { address: '10.0.0.1:7878', join_code: 'ABCD' }, 'connect', { args: { address: '10.0.0.1:7878', join_code: 'ABCD' } }],
  ['trustHost', { address: 'h:1', fingerprint: 'SHA256:ab' }, 'trust_host', { args: { address: 'h:1', fingerprint: 'SHA256:ab' } }],
  ['forgetHost', { address: 'h:1' }, 'forget_host', { args: { address: 'h:1' } }],
  ['disconnect', undefined, 'disconnect', {}],
  ['savedServers', undefined, 'saved_servers', {}],
  ['register', { username: 'a', password: 'pppp', color: null }, 'register', { args: { username: 'a', password: 'pppp', color: null } }],
  ['login', { username: 'a', password: 'pppp', remember: true }, 'login', { args: { username: 'a', password: 'pppp', remember: true } }],
  ['loginSaved', undefined, 'login_saved', {}],
  ['savedLogin', { address: 'h:1' }, 'saved_login', { args: { address: 'h:1' } }],
  ['forgetLogin', { address: 'h:1' }, 'forget_login', { args: { address: 'h:1' } }],
  ['logout', undefined, 'logout', {}],
  ['listRooms', undefined, 'list_rooms', {}],
  ['createRoom', { room: 'r' }, 'create_room', { args: { room: 'r' } }],
  ['enterRoom', { room: 'r' }, 'enter_room', { args: { room: 'r' } }],
  ['exitRoom', undefined, 'exit_room', {}],
  ['sendMessage', { to: 'public', text: 'hi' }, 'send_message', { args: { to: 'public', text: 'hi' } }],
  ['history', { room: 'r', before_id: 9, limit: 50 }, 'history', { args: { room: 'r', before_id: 9, limit: 50 } }],
  ['privateRequest', { to: 'b' }, 'private_request', { args: { to: 'b' } }],
  ['privateAccept', { from: 'b' }, 'private_accept', { args: { from: 'b' } }],
  ['privateReject', { from: 'b' }, 'private_reject', { args: { from: 'b' } }],
  ['privateEnd', { with: 'b' }, 'private_end', { args: { with: 'b' } }],
  ['privateList', undefined, 'private_list', {}],
  ['kick', { username: 'b', reason: 'r', minutes: 5 }, 'kick', { args: { username: 'b', reason: 'r', minutes: 5 } }],
  ['unkick', { username: 'b' }, 'unkick', { args: { username: 'b' } }],
  ['setRole', { username: 'b', role: 'admin' }, 'set_role', { args: { username: 'b', role: 'admin' } }],
  ['audit', { limit: 10 }, 'audit', { args: { limit: 10 } }],
  ['updateProfile', { color: '#000000' }, 'update_profile', { args: { color: '#000000' } }],
  ['getSettings', undefined, 'get_settings', {}],
  ['setSettings', { notifications: false }, 'set_settings', { args: { notifications: false } }],
];

describe('TauriBackend', () => {
  it.each(CASES)('%s invokes its Rust command with snake_case args', async (method, arg, cmd, payload) => {
    const calls: [string, unknown][] = [];
    mockIPC((c, p) => {
      calls.push([c, p]);
      return { ok: c };
    });
    const backend = new TauriBackend();
    const fn = backend[method] as (a?: unknown) => Promise<unknown>;
    const result = await (arg === undefined ? fn() : fn(arg));
    expect(calls).toEqual([[cmd, payload]]);
    expect(result).toEqual({ ok: cmd });
  });

  it('covers every method of the Backend interface', () => {
    const backend = new TauriBackend();
    const methods = Object.keys(backend).filter((k) => typeof (backend as unknown as Record<string, unknown>)[k] === 'function');
    expect(methods.sort()).toEqual(CASES.map((c) => c[0]).sort());
  });

  it('wraps a {code, message} rejection in a BackendError', async () => {
    mockIPC(() => {
      throw { code: 'port_in_use', message: 'Port 7878 is taken.', suggested_port: 7879 };
    });
    const err = await new TauriBackend().hostStart({ username: 'a', password: 'pppp' }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('port_in_use');
    expect(err.message).toBe('Port 7878 is taken.');
    expect(err.payload.suggested_port).toBe(7879);
  });

  it('wraps a plain string rejection as an internal error', async () => {
    mockIPC(() => {
      throw 'command login not allowed';
    });
    const err = await new TauriBackend().logout().catch((e) => e);
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
