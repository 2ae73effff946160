//! Reads `tauri.conf.json` and declares the app's commands, so that each gets an
//! `allow-<command>` permission and `capabilities/` can grant exactly these.
//!
//! The commands come from `src/command_list.rs`, the one list the app's invoke
//! handler is generated from too, so the two cannot disagree.
//!
//! The config lives at the repository root; `src-tauri/tauri.conf.json` is a symlink to it,
//! and its paths are relative to `src-tauri/`. Cargo (this script and
//! `generate_context!()`) and the Tauri CLI (run from `src-tauri/`) therefore all resolve
//! them from the same directory. Reading it as `../tauri.conf.json` would make
//! `generate_context!` resolve `frontendDist` from the root instead.

include!("src/command_list.rs");

macro_rules! command_names {
    ($($name:ident $(($args:ty))? -> $ret:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command the UI may call.
const COMMANDS: &[&str] = with_command_list!(command_names);

fn main() {
    println!("cargo:rerun-if-changed=src/command_list.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script failed");
}
