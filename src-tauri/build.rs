//! Reads `tauri.conf.json` and declares the app's commands, so that each gets an
//! `allow-<command>` permission and `capabilities/` can grant exactly these.
//!
//! The config lives at the repository root; `src-tauri/tauri.conf.json` is a symlink to it,
//! and its paths are relative to `src-tauri/`. Cargo (this script and
//! `generate_context!()`) and the Tauri CLI (run from `src-tauri/`) therefore all resolve
//! them from the same directory. Reading it as `../tauri.conf.json` would make
//! `generate_context!` resolve `frontendDist` from the root instead.

/// Every command the UI may call (docs/DESKTOP-IPC.md). Keep in step with `lib.rs`.
const COMMANDS: &[&str] = &[
    "host_start",
    "host_stop",
    "host_status",
    "connect",
    "trust_host",
    "forget_host",
    "disconnect",
    "saved_servers",
    "register",
    "login",
    "login_saved",
    "saved_login",
    "forget_login",
    "logout",
    "list_rooms",
    "create_room",
    "enter_room",
    "exit_room",
    "send_message",
    "history",
    "private_request",
    "private_accept",
    "private_reject",
    "private_end",
    "private_list",
    "kick",
    "unkick",
    "set_role",
    "audit",
    "update_profile",
    "get_settings",
    "set_settings",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script failed");
}
