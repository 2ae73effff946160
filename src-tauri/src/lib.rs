//! Hearth's desktop app: the thin Tauri 2 shell around the client library and, when
//! hosting, the embedded server. The UI (`ui/`) reaches it only through the commands
//! below and the events on `hearth://event` (docs/DESKTOP-IPC.md).
//!
//! Code map:
//! - [`state`]: [`Core`], the state every command and task shares. It knows nothing of
//!   Tauri: events leave through a sink, so tests drive the same code without a window.
//! - `host`: the embedded server, the owner account, LAN addresses, join code, stop.
//! - `join`: connect (join code or trust on first use), trust/forget a host, saved servers.
//! - `auth` + `keychain`: register, login, "remember me" in the OS keychain.
//! - `chat`: rooms, messages, history, private chats, admin, profile.
//! - `events`: client-library events → typed UI events (and which deserve a notification).
//! - `attention`, `notify`, `fullscreen`: when a desktop notification may show (never while
//!   focused, per the setting, held over a fullscreen app and then one digest), the running
//!   app's notifier, and each platform's fullscreen signal.
//! - `links`: `hearth://` deep links. `settings`: the settings file. `error`: `{code, message}`.
//! - [`ipc`]: the shell's own types that cross the IPC boundary (commands also take
//!   protocol types such as `Register` directly).
//! - `command_list.rs`: the one list of commands; [`commands`] generates the
//!   `#[tauri::command]` functions and the invoke handler from it, and [`bindings`] the
//!   UI's TypeScript (types, command map, limits).
//!
//! Invariants: this is the only crate that depends on tauri or keyring; every chat
//! operation goes through `hearth_client`, the host's own account included; no std lock is
//! held across an `.await`.

// Commands return `Result<T, CommandError>`, and `CommandError` carries the optional
// fields some codes need inline (flattened into the UI's `ErrorPayload`); it is a
// little over clippy's size threshold and only ever travels the cold error path.
#![allow(clippy::result_large_err)]

#[macro_use]
mod command_list;

pub mod attention;

mod allocator;
mod auth;
pub mod bindings;
mod chat;
pub mod commands;
mod discovery;
pub mod error;
pub mod events;
mod files;
mod fullscreen;
mod host;
pub mod ipc;
mod join;
pub mod keychain;
mod links;
mod notify;
mod settings;
pub mod state;
mod transfers;
mod webview;

#[cfg(test)]
pub(crate) mod test_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::{App, AppHandle, Builder, Emitter, Manager, RunEvent, Runtime};

pub use commands::with_commands;
pub use state::{Core, CoreConfig, Paths, Sink};

/// Longest wait, at exit, for the hosted server to say goodbye and stop.
const EXIT_TIMEOUT: Duration = Duration::from_secs(8);

/// The sink of the running app: emit on `hearth://event`, and show a desktop notification
/// for alerts when they are wanted.
pub fn app_sink<R: Runtime>(app: AppHandle<R>) -> Sink {
    let notifier = notify::Notifier::new(app.clone());
    std::sync::Arc::new(move |emit: events::Emit| {
        if let Err(e) = app.emit(ipc::EVENT_CHANNEL, &emit.event) {
            log::warn!("cannot emit an event: {e}");
        }
        let Some(alert) = emit.alert else { return };
        // Only when the notification plugin is there (the mock runtime in tests has none).
        if app
            .try_state::<tauri_plugin_notification::Notification<R>>()
            .is_none()
        {
            return;
        }
        let settings = app
            .try_state::<Core>()
            .map(|core| core.settings())
            .unwrap_or_default();
        notifier.offer(alert, settings);
    })
}

/// The OS save dialog, through the dialog plugin (from Rust only: the UI has
/// no dialog permissions).
pub fn save_dialog<R: Runtime>(app: AppHandle<R>) -> state::SaveDialog {
    use tauri_plugin_dialog::DialogExt;
    std::sync::Arc::new(move |name: &str| {
        let picked = app
            .dialog()
            .file()
            .set_title("Save file")
            .set_file_name(name)
            .blocking_save_file()?;
        picked.into_path().ok()
    })
}

/// The unread total on the main window's taskbar or dock icon (macOS, Linux
/// desktops with launcher badges; elsewhere Tauri reports it unsupported and
/// the title's count remains).
pub fn badge<R: Runtime>(app: AppHandle<R>) -> state::Badge {
    std::sync::Arc::new(move |count: Option<u64>| {
        let Some(window) = app.get_webview_window(notify::MAIN_WINDOW) else {
            return;
        };
        let count = count.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        if let Err(e) = window.set_badge_count(count) {
            log::debug!("no taskbar badge here: {e}");
        }
    })
}

/// Makes the [`Core`] (files in the app data and config dirs) unless one is managed already.
pub fn manage_core<R: Runtime>(app: &App<R>) -> tauri::Result<()> {
    if app.try_state::<Core>().is_some() {
        return Ok(());
    }
    let paths = Paths {
        data_dir: app.path().app_data_dir()?,
        config_dir: app.path().app_config_dir()?,
    };
    log::info!(
        "data in {}, settings in {}",
        paths.data_dir.display(),
        paths.config_dir.display()
    );
    let core = Core::new(CoreConfig::new(paths), app_sink(app.handle().clone()));
    core.set_save_dialog(save_dialog(app.handle().clone()));
    core.set_badge(badge(app.handle().clone()));
    app.manage(core);
    Ok(())
}

/// Runs the app until it exits.
pub fn run() {
    allocator::return_large_blocks();
    webview::prepare_process();
    let log = tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir {
                file_name: Some("hearth".into()),
            }),
            tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout),
        ])
        .level(log::LevelFilter::Info)
        .build();
    let builder = Builder::default()
        // First, so a second launch (or a link opened while running) reaches this instance.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // The user launched Hearth again: show the running window.
            if let Some(w) = app.get_webview_window(notify::MAIN_WINDOW) {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(log)
        .setup(|app| {
            manage_core(app)?;
            webview::tune(app);
            links::setup(app);
            exit_on_signal(app.handle().clone());
            Ok(())
        })
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                links::page_loaded(webview.app_handle());
            }
        });
    let app = with_commands(builder)
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("hearth: cannot start: {e}");
            std::process::exit(1);
        });
    app.run(on_run_event);
}

/// Turns SIGTERM and Ctrl-C (a desktop session ending, `kill`) into a normal exit request, so
/// a host still says goodbye to its friends and closes the database.
fn exit_on_signal<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        log::info!("asked to stop by a signal");
        app.exit(0);
    });
}

/// Set once the exit-time shutdown has run, so the second exit request goes through.
static SHUTDOWN_DONE: AtomicBool = AtomicBool::new(false);

/// On exit, says goodbye to the server's clients and stops hosting before the process ends.
fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    let RunEvent::ExitRequested { api, .. } = event else {
        return;
    };
    if SHUTDOWN_DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let Some(core) = app.try_state::<Core>().map(|c| c.inner().clone()) else {
        return;
    };
    api.prevent_exit();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if tokio::time::timeout(EXIT_TIMEOUT, core.shutdown())
            .await
            .is_err()
        {
            log::warn!("the hosted server did not stop in time");
        }
        app.exit(0);
    });
}
