import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Backend } from './backend';
import { BackendError } from './errors';
import {
  EVENT_CHANNEL,
  type AddressArgs,
  type AuditArgs,
  type AuditEntry,
  type ConnectArgs,
  type ConnectResult,
  type EventHandler,
  type HearthEvent,
  type HistoryArgs,
  type HistoryPage,
  type HostInfo,
  type HostStartArgs,
  type HostStarted,
  type KickArgs,
  type LoginArgs,
  type PrivateList,
  type ProfileArgs,
  type RegisterArgs,
  type RoomArgs,
  type RoomMap,
  type SavedLogin,
  type SavedServer,
  type SendArgs,
  type Session,
  type SetRoleArgs,
  type Settings,
  type TrustHostArgs,
  type UsernameArgs,
} from './types';

/**
 * Calls a Rust command. Commands with arguments take ONE parameter named
 * `args` (a serde struct with snake_case fields), so key casing never depends
 * on Tauri's camelCase conversion of parameter names.
 */
async function call<T>(cmd: string, args?: object): Promise<T> {
  try {
    return await invoke<T>(cmd, args === undefined ? {} : { args });
  } catch (err) {
    throw BackendError.from(err);
  }
}

/** The real backend: Tauri commands and the `hearth://event` channel. */
export class TauriBackend implements Backend {
  hostStart = (args: HostStartArgs) => call<HostStarted>('host_start', args);
  hostStop = () => call<void>('host_stop');
  hostStatus = () => call<HostInfo | null>('host_status');

  connect = (args: ConnectArgs) => call<ConnectResult>('connect', args);
  trustHost = (args: TrustHostArgs) => call<ConnectResult>('trust_host', args);
  forgetHost = (args: AddressArgs) => call<void>('forget_host', args);
  disconnect = () => call<void>('disconnect');
  savedServers = () => call<SavedServer[]>('saved_servers');

  register = (args: RegisterArgs) => call<void>('register', args);
  login = (args: LoginArgs) => call<Session>('login', args);
  loginSaved = () => call<Session>('login_saved');
  savedLogin = (args: AddressArgs) => call<SavedLogin | null>('saved_login', args);
  forgetLogin = (args: AddressArgs) => call<void>('forget_login', args);
  logout = () => call<void>('logout');

  listRooms = () => call<RoomMap>('list_rooms');
  createRoom = (args: RoomArgs) => call<void>('create_room', args);
  enterRoom = (args: RoomArgs) => call<void>('enter_room', args);
  exitRoom = () => call<void>('exit_room');
  sendMessage = (args: SendArgs) => call<void>('send_message', args);
  history = (args: HistoryArgs) => call<HistoryPage>('history', args);

  privateRequest = (args: { to: string }) => call<void>('private_request', args);
  privateAccept = (args: { from: string }) => call<void>('private_accept', args);
  privateReject = (args: { from: string }) => call<void>('private_reject', args);
  privateEnd = (args: { with: string }) => call<void>('private_end', args);
  privateList = () => call<PrivateList>('private_list');

  kick = (args: KickArgs) => call<void>('kick', args);
  unkick = (args: UsernameArgs) => call<void>('unkick', args);
  setRole = (args: SetRoleArgs) => call<void>('set_role', args);
  audit = (args: AuditArgs) => call<AuditEntry[]>('audit', args);

  updateProfile = (args: ProfileArgs) => call<Session>('update_profile', args);
  getSettings = () => call<Settings>('get_settings');
  setSettings = (args: Settings) => call<Settings>('set_settings', args);

  subscribe(handler: EventHandler): () => void {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    void listen<HearthEvent>(EVENT_CHANNEL, (e) => handler(e.payload)).then((fn) => {
      if (stopped) fn();
      else unlisten = fn;
    });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }
}
