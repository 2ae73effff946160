//! The shell's state: [`Core`], one cheap-to-clone handle that every command and every
//! background task shares.
//!
//! `Core` knows nothing about Tauri. It reports events through a [`Sink`] (in the app: emit
//! on `hearth://event` and maybe notify; in tests: a channel), so the same code paths run
//! under `tauri::test::mock_builder()`, in plain `#[tokio::test]`s and in the app.
//!
//! Each concern adds its methods to `Core` in its own module: `host.rs`, `join.rs`,
//! `auth.rs`, `chat.rs`, `transfers.rs`, `settings.rs`, `discovery.rs`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use hearth_client::{CancellationToken, Client, ClientOptions, ServerAddr};

use crate::error::{CmdResult, CommandError};
use crate::events::Emit;
use crate::host::Host;
use crate::ipc::{HearthEvent, Session, Settings};
use crate::keychain::Keychain;

/// The port hosting uses, and joining assumes, when none is given.
pub const DEFAULT_PORT: u16 = hearth_protocol::DEFAULT_PORT;

/// Where events go. Called from async tasks; it must not block.
pub type Sink = Arc<dyn Fn(Emit) + Send + Sync>;

/// Asks where to save a file, suggesting a name (the OS save dialog in the
/// app); `None` when the user cancels. Blocking: called on a blocking thread.
pub type SaveDialog = Arc<dyn Fn(&str) -> Option<PathBuf> + Send + Sync>;

/// Shows a number on the app's taskbar or dock icon (`None`: no badge). Set by
/// the app at start-up; a test gives its own.
pub type Badge = Arc<dyn Fn(Option<u64>) + Send + Sync>;

/// Where the shell keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The app data dir: the hosted server's database and certificate live in `server/`.
    pub data_dir: PathBuf,
    /// The app config dir: `known_hosts`, `servers.json`, `settings.json`.
    pub config_dir: PathBuf,
}

impl Paths {
    /// The hosted server's data directory.
    pub fn server_dir(&self) -> PathBuf {
        self.data_dir.join("server")
    }

    /// The known-hosts file (trust on first use).
    pub fn known_hosts(&self) -> PathBuf {
        self.config_dir.join(hearth_client::known_hosts::FILE_NAME)
    }
}

/// Settings a `Core` is made with; `Default` suits the app, tests change a few.
#[derive(Clone)]
pub struct CoreConfig {
    /// Files.
    pub paths: Paths,
    /// The address hosting listens on: every interface in the app, loopback in tests.
    pub bind_ip: IpAddr,
    /// The port hosting uses when the UI gives none ([`DEFAULT_PORT`]; tests use 0, any
    /// free port).
    pub default_port: u16,
    /// Client library options for every connection.
    pub client: ClientOptions,
    /// Lets tests lower the server's Argon2 cost; the app leaves the defaults.
    pub server_tuning: fn(&mut hearth_server::Config),
    /// How a hosted room is announced on the LAN; `None` does not announce (tests on a
    /// machine whose LAN they must not touch).
    pub announce: Option<hearth_discovery::announce::AnnounceOptions>,
    /// How the Join screen listens for hosts.
    pub browse: hearth_discovery::BrowseOptions,
}

impl CoreConfig {
    /// The app's settings with these paths.
    pub fn new(paths: Paths) -> CoreConfig {
        CoreConfig {
            paths,
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            default_port: DEFAULT_PORT,
            client: ClientOptions::default(),
            server_tuning: |_| {},
            announce: Some(hearth_discovery::announce::AnnounceOptions::default()),
            browse: hearth_discovery::BrowseOptions::default(),
        }
    }
}

/// The shell's state, shared by commands and background tasks. Clones share everything.
#[derive(Clone)]
pub struct Core {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: CoreConfig,
    pub(crate) keychain: Keychain,
    sink: Sink,
    /// Hosting and the current connection. A std mutex: every critical section only reads
    /// or swaps fields (no I/O, no `.await`); anything slow is taken out first and done
    /// after the guard is dropped.
    inner: Mutex<Inner>,
    /// The settings as last loaded or saved. A std mutex, held only to copy the value.
    pub(crate) settings: Mutex<Settings>,
    /// Serializes read-modify-write of `servers.json` (blocking file I/O, run on the
    /// blocking pool; never held across an `.await`).
    pub(crate) servers_file: Mutex<()>,
    /// File transfers in progress, by the UI's id, for `cancel_transfer`. A std
    /// mutex, held only to insert, remove or look up one entry.
    transfers: Mutex<HashMap<String, CancellationToken>>,
    /// The OS save dialog, set once at start-up (none in tests unless one is given).
    save_dialog: std::sync::OnceLock<SaveDialog>,
    /// The taskbar/dock badge, set once at start-up.
    badge: std::sync::OnceLock<Badge>,
    /// The Join screen's LAN discovery while it runs. A std mutex, held only to put in
    /// or take out the handle (stopping it blocks, so that happens after the guard).
    pub(crate) discovery: Mutex<Option<crate::discovery::Discovery>>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) host: HostSlot,
    pub(crate) conn: Option<ServerConn>,
    /// Numbers connections so that events from a replaced one are dropped.
    pub(crate) next_generation: u64,
}

/// Whether this app is hosting.
#[derive(Default)]
pub(crate) enum HostSlot {
    /// Not hosting.
    #[default]
    Idle,
    /// `host_start` or `host_stop` is under way.
    Busy,
    /// Hosting.
    Running(Box<Host>),
}

/// The connection to one server (the app's own when hosting).
pub(crate) struct ServerConn {
    pub(crate) generation: u64,
    pub(crate) client: Client,
    pub(crate) addr: ServerAddr,
    /// Set once logged in.
    pub(crate) session: Option<Session>,
    /// The task that turns this connection's events into UI events; stops when dropped.
    pub(crate) _events: TaskGuard,
}

/// A background task that is aborted when this guard is dropped.
#[derive(Debug)]
pub struct TaskGuard(tokio::task::JoinHandle<()>);

impl TaskGuard {
    /// Spawns `fut` on the current tokio runtime.
    pub fn spawn(fut: impl std::future::Future<Output = ()> + Send + 'static) -> TaskGuard {
        TaskGuard(tokio::spawn(fut))
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Core {
    /// A core with no connection and not hosting. Settings are read from the config dir.
    pub fn new(config: CoreConfig, sink: Sink) -> Core {
        let settings = crate::settings::load(&config.paths);
        Core {
            shared: Arc::new(Shared {
                config,
                keychain: Keychain::default(),
                sink,
                inner: Mutex::new(Inner::default()),
                settings: Mutex::new(settings),
                servers_file: Mutex::new(()),
                transfers: Mutex::new(HashMap::new()),
                save_dialog: std::sync::OnceLock::new(),
                badge: std::sync::OnceLock::new(),
                discovery: Mutex::new(None),
            }),
        }
    }

    /// Makes `dialog` the way this core asks where to save files. Only the
    /// first call counts (the app sets it once, at start-up).
    pub fn set_save_dialog(&self, dialog: SaveDialog) {
        if self.shared.save_dialog.set(dialog).is_err() {
            log::warn!("the save dialog was set already; keeping the first one");
        }
    }

    /// Makes `badge` the way this core shows the unread total on the app's
    /// icon. Only the first call counts.
    pub fn set_badge(&self, badge: Badge) {
        if self.shared.badge.set(badge).is_err() {
            log::warn!("the badge was set already; keeping the first one");
        }
    }

    /// `set_unread_total`: the number of unread messages on the taskbar or dock
    /// icon (none at 0). Platforms without icon badges ignore it.
    pub async fn set_unread_total(
        &self,
        args: crate::ipc::UnreadTotal,
    ) -> crate::error::CmdResult<()> {
        if let Some(badge) = self.shared.badge.get() {
            badge((args.total > 0).then_some(args.total));
        }
        Ok(())
    }

    /// The save dialog, if this core has one.
    pub(crate) fn save_dialog(&self) -> Option<SaveDialog> {
        self.shared.save_dialog.get().cloned()
    }

    /// Locks the transfers in progress.
    pub(crate) fn transfers(&self) -> MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.shared
            .transfers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The OS keychain this core saves logins in.
    pub fn keychain(&self) -> &Keychain {
        &self.shared.keychain
    }

    /// The settings this core was made with.
    pub fn config(&self) -> &CoreConfig {
        &self.shared.config
    }

    /// Locks the state. Poisoning is ignored: every critical section leaves it consistent.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends one event to the UI, with no desktop notification.
    pub(crate) fn emit(&self, event: HearthEvent) {
        (self.shared.sink)(Emit { event, alert: None });
    }

    /// Sends an event (and perhaps a notification) to the UI.
    pub(crate) fn emit_full(&self, emit: Emit) {
        (self.shared.sink)(emit);
    }

    /// The current connection's client and address, or `not_connected`.
    pub(crate) fn client(&self) -> CmdResult<(Client, ServerAddr)> {
        let inner = self.lock();
        let conn = inner
            .conn
            .as_ref()
            .ok_or_else(CommandError::not_connected)?;
        Ok((conn.client.clone(), conn.addr.clone()))
    }

    /// The current session, or `not_connected` when not logged in.
    pub(crate) fn session(&self) -> CmdResult<Session> {
        self.lock()
            .conn
            .as_ref()
            .and_then(|c| c.session.clone())
            .ok_or_else(|| {
                CommandError::new(
                    crate::error::AppCode::NotConnected,
                    "You are not logged in.",
                )
            })
    }

    /// Records the session of the connection `generation` (if it is still the current one)
    /// and returns it.
    pub(crate) fn set_session(&self, generation: u64, session: Option<Session>) {
        let mut inner = self.lock();
        if let Some(conn) = inner.conn.as_mut().filter(|c| c.generation == generation) {
            conn.session = session;
        }
    }

    /// Closes the current connection, if any, and waits until it is closed.
    pub(crate) async fn drop_connection(&self) {
        let old = self.lock().conn.take();
        if let Some(old) = old {
            old.client.close().await;
        }
    }

    /// Stops everything: closes the connection and stops hosting. Called when the app exits.
    pub async fn shutdown(&self) {
        self.drop_connection().await;
        let host = match std::mem::take(&mut self.lock().host) {
            HostSlot::Running(host) => Some(host),
            _ => None,
        };
        if let Some(host) = host {
            host.stop().await;
            log::info!("stopped hosting (the app is closing)");
        }
    }
}
