import type {
  AddressArgs,
  AuditArgs,
  AuditEntry,
  ConnectArgs,
  ConnectResult,
  EventHandler,
  HistoryArgs,
  HistoryPage,
  HostInfo,
  HostStartArgs,
  HostStarted,
  KickArgs,
  LoginArgs,
  PrivateList,
  ProfileArgs,
  RegisterArgs,
  RoomArgs,
  RoomMap,
  SavedLogin,
  SavedServer,
  SendArgs,
  Session,
  SetRoleArgs,
  Settings,
  TrustHostArgs,
  UsernameArgs,
} from './types';

/**
 * Everything the UI can ask of the Rust side: one method per Tauri command
 * (the command name is in the comment), plus one event subscription.
 * Every method rejects with a BackendError (see errors.ts).
 */
export interface Backend {
  // hosting
  /** host_start */ hostStart(args: HostStartArgs): Promise<HostStarted>;
  /** host_stop */ hostStop(): Promise<void>;
  /** host_status */ hostStatus(): Promise<HostInfo | null>;

  // joining
  /** connect */ connect(args: ConnectArgs): Promise<ConnectResult>;
  /** trust_host */ trustHost(args: TrustHostArgs): Promise<ConnectResult>;
  /** forget_host */ forgetHost(args: AddressArgs): Promise<void>;
  /** disconnect */ disconnect(): Promise<void>;
  /** saved_servers */ savedServers(): Promise<SavedServer[]>;

  // account
  /** register */ register(args: RegisterArgs): Promise<void>;
  /** login */ login(args: LoginArgs): Promise<Session>;
  /** login_saved */ loginSaved(): Promise<Session>;
  /** saved_login */ savedLogin(args: AddressArgs): Promise<SavedLogin | null>;
  /** forget_login */ forgetLogin(args: AddressArgs): Promise<void>;
  /** logout */ logout(): Promise<void>;

  // rooms and messages
  /** list_rooms */ listRooms(): Promise<RoomMap>;
  /** create_room */ createRoom(args: RoomArgs): Promise<void>;
  /** enter_room */ enterRoom(args: RoomArgs): Promise<void>;
  /** exit_room */ exitRoom(): Promise<void>;
  /** send_message */ sendMessage(args: SendArgs): Promise<void>;
  /** history */ history(args: HistoryArgs): Promise<HistoryPage>;

  // private chats
  /** private_request */ privateRequest(args: { to: string }): Promise<void>;
  /** private_accept */ privateAccept(args: { from: string }): Promise<void>;
  /** private_reject */ privateReject(args: { from: string }): Promise<void>;
  /** private_end */ privateEnd(args: { with: string }): Promise<void>;
  /** private_list */ privateList(): Promise<PrivateList>;

  // admin
  /** kick */ kick(args: KickArgs): Promise<void>;
  /** unkick */ unkick(args: UsernameArgs): Promise<void>;
  /** set_role */ setRole(args: SetRoleArgs): Promise<void>;
  /** audit */ audit(args: AuditArgs): Promise<AuditEntry[]>;

  // profile and settings
  /** update_profile */ updateProfile(args: ProfileArgs): Promise<Session>;
  /** get_settings */ getSettings(): Promise<Settings>;
  /** set_settings */ setSettings(args: Settings): Promise<Settings>;

  /** Listen to every push on `hearth://event`. Returns the unsubscribe function. */
  subscribe(handler: EventHandler): () => void;
}
