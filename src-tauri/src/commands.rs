//! The `#[tauri::command]` functions and the invoke handler, generated from the
//! one list in `command_list.rs`: each command calls the [`Core`] method of the
//! same name, with the one argument struct the UI sends as `args`.

use hearth_protocol::requests::{
    Audit, Create, Delete, DeviceList, Edit, Enter, History, Kick, Msg, PrivateAccept, PrivateEnd,
    PrivateReject, PrivateRequest, Profile, React, Read, Register, RevokeDevice, Search, SetRole,
    Typing, Unkick,
};
use hearth_protocol::{AuditEntry, PrivateLinks, UnreadCount};
use tauri::{Builder, Runtime, State};

use hearth_discovery::Finding;

use crate::error::CmdResult;
use crate::ipc::{
    AddressArgs, ConnectArgs, ConnectResult, DiscoveryJoinArgs, DiscoveryState, FileBytes,
    FileBytesArgs, HistoryView, HostCheckArgs, HostInfo, HostStartArgs, HostStarted, LoginArgs,
    ParsedAddress, RoomListing, SaveFileArgs, SavedLogin, SavedServer, SearchView, SendFileArgs,
    Session, Settings, TransferArgs, TrustHostArgs, UnreadTotal,
};
use crate::state::Core;

macro_rules! define_commands {
    ($($name:ident $(($args:ty))? -> $ret:ty;)*) => {
        $(define_commands!(@one $name $(($args))? -> $ret);)*
    };
    (@one $name:ident ($args:ty) -> $ret:ty) => {
        #[doc = concat!("`", stringify!($name), "`: [`Core::", stringify!($name), "`].")]
        #[tauri::command]
        pub async fn $name(core: State<'_, Core>, args: $args) -> CmdResult<$ret> {
            core.$name(args).await
        }
    };
    (@one $name:ident -> $ret:ty) => {
        #[doc = concat!("`", stringify!($name), "`: [`Core::", stringify!($name), "`].")]
        #[tauri::command]
        pub async fn $name(core: State<'_, Core>) -> CmdResult<$ret> {
            core.$name().await
        }
    };
}
with_command_list!(define_commands);

macro_rules! invoke_handler {
    ($($name:ident $(($args:ty))? -> $ret:ty;)*) => {
        tauri::generate_handler![$($name),*]
    };
}

/// Adds the app's commands to `builder`. Generic over the runtime so tests can use
/// `tauri::test::mock_builder()`.
pub fn with_commands<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(with_command_list!(invoke_handler))
}

macro_rules! command_names {
    ($($name:ident $(($args:ty))? -> $ret:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command, in the order of `command_list.rs`.
pub const COMMANDS: &[&str] = with_command_list!(command_names);

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    /// The capability file grants exactly the app's own commands, and event listening.
    #[test]
    fn the_capability_file_grants_exactly_the_commands() {
        let text = include_str!("../capabilities/default.json");
        let file: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut granted: Vec<String> = file["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        granted.sort();
        let mut expected: Vec<String> = COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .chain([
                "core:event:allow-listen".into(),
                "core:event:allow-unlisten".into(),
            ])
            .collect();
        expected.sort();
        assert_eq!(
            granted, expected,
            "capabilities/default.json must grant exactly the commands of command_list.rs"
        );
    }

    /// docs/DESKTOP-IPC.md describes every command.
    #[test]
    fn every_command_is_documented() {
        let doc = include_str!("../../docs/DESKTOP-IPC.md");
        for command in COMMANDS {
            assert!(
                doc.contains(&format!("`{command}`")),
                "docs/DESKTOP-IPC.md does not describe `{command}`"
            );
        }
    }
}
