//! The `hearth` binary: the desktop app. Everything lives in the library (`lib.rs`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    hearth_desktop::run();
}
