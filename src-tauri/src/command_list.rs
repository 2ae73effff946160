// The one list of the desktop app's commands: `name(ArgsType) -> ResultType`,
// or `name -> ResultType` for a command without arguments. Everything else is
// derived from it: the `#[tauri::command]` functions and the invoke handler
// (`commands.rs`), the permissions `build.rs` declares, the command map of
// `ui/src/lib/backend/generated.ts` (`bindings.rs`), and a test checks that
// `capabilities/default.json` grants exactly these. Each command calls the
// `Core` method of the same name. This file is also read by `build.rs`, so it
// holds nothing but the macro.
macro_rules! with_command_list {
    ($callback:ident) => {
        $callback! {
            // hosting
            host_start(HostStartArgs) -> HostStarted;
            host_stop -> ();
            host_status -> Option<HostInfo>;
            host_check(HostCheckArgs) -> Vec<Finding>;
            // joining
            connect(ConnectArgs) -> ConnectResult;
            trust_host(TrustHostArgs) -> ConnectResult;
            forget_host(AddressArgs) -> ();
            disconnect -> ();
            saved_servers -> Vec<SavedServer>;
            parse_address(AddressArgs) -> ParsedAddress;
            discovery_start -> DiscoveryState;
            discovery_stop -> ();
            discovery_join(DiscoveryJoinArgs) -> ConnectResult;
            // account
            register(Register) -> ();
            login(LoginArgs) -> Session;
            login_saved -> Session;
            saved_login(AddressArgs) -> Option<SavedLogin>;
            forget_login(AddressArgs) -> ();
            logout -> ();
            list_devices -> DeviceList;
            revoke_device(RevokeDevice) -> ();
            // rooms and messages
            list_rooms -> RoomListing;
            create_room(Create) -> ();
            enter_room(Enter) -> ();
            exit_room -> ();
            send_message(Msg) -> ();
            history(History) -> HistoryView;
            react(React) -> ();
            edit_message(Edit) -> ();
            delete_message(Delete) -> ();
            search(Search) -> SearchView;
            mark_read(Read) -> UnreadCount;
            typing(Typing) -> ();
            set_unread_total(UnreadTotal) -> ();
            // files
            send_file(SendFileArgs) -> ();
            cancel_transfer(TransferArgs) -> ();
            file_bytes(FileBytesArgs) -> FileBytes;
            save_file(SaveFileArgs) -> Option<String>;
            // private chats
            private_request(PrivateRequest) -> ();
            private_accept(PrivateAccept) -> ();
            private_reject(PrivateReject) -> ();
            private_end(PrivateEnd) -> ();
            private_list -> PrivateLinks;
            // admin
            kick(Kick) -> ();
            unkick(Unkick) -> ();
            set_role(SetRole) -> ();
            audit(Audit) -> Vec<AuditEntry>;
            // profile and settings
            update_profile(Profile) -> Session;
            get_settings -> Settings;
            set_settings(Settings) -> Settings;
        }
    };
}
