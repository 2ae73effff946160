//! Starting, running and stopping a server.
//!
//! [`start`] takes a bound listener (tests bind `127.0.0.1:0`; the app binds
//! the LAN port) and returns a [`RunningServer`] handle. Dropping the handle
//! starts a graceful shutdown; [`RunningServer::shutdown`] also waits for it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hearth_certs::{Fingerprint, JoinCode};
use hearth_storage::{Page, Role, Store};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::error::ServerError;
use crate::files::FileDisk;
use crate::hub::Hub;
use crate::passwords::Passwords;
use crate::shared::{Shared, Stats};
use crate::{connection, persist, presence, tls};

/// Messages that may wait for the database writer before senders are slowed.
const MESSAGE_QUEUE: usize = 16 * 1024;
/// Longest wait for connections to say goodbye at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A server that is accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    fingerprint: Fingerprint,
    shutdown: CancellationToken,
    closing_for_good: Arc<AtomicBool>,
    stats: watch::Receiver<Stats>,
    task: Option<JoinHandle<Result<(), ServerError>>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// SHA-256 of the certificate's public key.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The join code that pins this server's key.
    pub fn join_code(&self) -> JoinCode {
        JoinCode::from_fingerprint(&self.fingerprint)
    }

    /// Connection and login counts, updated live.
    pub fn stats(&self) -> watch::Receiver<Stats> {
        self.stats.clone()
    }

    /// Closes the server for good (the host stopped hosting): clients get a
    /// final `bye` (reason `closed`) and do not try to reconnect. Otherwise
    /// the same as [`RunningServer::shutdown`].
    pub async fn close(self) -> Result<(), ServerError> {
        self.closing_for_good.store(true, Ordering::SeqCst);
        self.shutdown().await
    }

    /// Says goodbye to every client (reason `shutdown`: the server may come
    /// back, so clients keep trying), stops, flushes and closes the database.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        self.shutdown.cancel();
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| ServerError::Internal(format!("server task: {e}")))?,
            None => Ok(()),
        }
    }

    /// Waits until the server stops (after a shutdown from elsewhere).
    pub async fn wait(mut self) -> Result<(), ServerError> {
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| ServerError::Internal(format!("server task: {e}")))?,
            None => Ok(()),
        }
    }

    /// A token that starts the shutdown when cancelled (e.g. on Ctrl-C).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Opens the data directory (database, certificate) and starts serving on `listener`.
pub async fn start(config: Config, listener: TcpListener) -> Result<RunningServer, ServerError> {
    let addr = listener.local_addr()?;
    let opened = open(config).await?;
    let acceptor = tls::Acceptor::new(&opened.identity)?;
    let Opened {
        shared,
        store,
        writer,
        identity,
    } = opened;
    let shutdown = shared.shutdown.clone();
    let closing_for_good = Arc::clone(&shared.closing_for_good);
    let stats = shared.stats.subscribe();
    let task = tokio::spawn(run(shared, listener, acceptor, store, writer));
    tracing::info!(%addr, fingerprint = %identity.fingerprint, "listening");
    Ok(RunningServer {
        addr,
        fingerprint: identity.fingerprint,
        shutdown,
        closing_for_good,
        stats,
        task: Some(task),
    })
}

/// A server's state, ready to serve connections: what every connection
/// shares, the database, and the message writer thread.
pub(crate) struct Opened {
    pub shared: Arc<Shared>,
    pub store: Store,
    pub writer: std::thread::JoinHandle<()>,
    pub identity: hearth_certs::ServerIdentity,
}

/// Opens the data directory (certificate, database, migrations, owner), and
/// starts the message writer thread and the presence task.
pub(crate) async fn open(config: Config) -> Result<Opened, ServerError> {
    let dir = config.data_dir.clone();
    let sans = config.extra_sans.clone();
    let owner = config.owner.clone();
    let db_path = config.db_path();
    let files_dir = config.files_dir();
    let (identity, store, rooms, disk) = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let identity = hearth_certs::load_or_create_identity(&dir, &sans)?;
        let store = Store::open(&db_path)?;
        report_name_clashes(&store)?;
        let disk = open_files(&files_dir, &store)?;
        store.end_open_sessions(OffsetDateTime::now_utc(), "server restarted")?;
        if let Some(owner) = &owner {
            ensure_owner(&store, owner)?;
        }
        let mut rooms = Vec::new();
        for room in store.rooms()? {
            let last = store
                .room_history(room.id, Page::Latest { limit: 1 })?
                .last()
                .map_or(0, |m| m.id);
            rooms.push((room, last));
        }
        Ok::<_, ServerError>((identity, store, rooms, disk))
    })
    .await
    .map_err(|e| ServerError::Internal(format!("startup task: {e}")))??;

    let hub = Hub::new(
        rooms
            .into_iter()
            .map(|(room, last)| (room.id, room.name, room.key, last))
            .collect(),
    );
    let passwords = Passwords::new(config.argon2_memory_kib, config.argon2_iterations)?;
    let (msg_tx, msg_rx) = mpsc::channel(MESSAGE_QUEUE);
    let shared = Arc::new(Shared::new(
        config,
        store.clone(),
        hub,
        msg_tx,
        passwords,
        CancellationToken::new(),
        Arc::new(AtomicBool::new(false)),
        Arc::new(disk),
    ));
    let writer = persist::spawn_writer(
        Arc::downgrade(&shared),
        store.clone(),
        msg_rx,
        shared.config.batch_linger,
    )?;
    tokio::spawn(presence::run(Arc::clone(&shared)));
    Ok(Opened {
        shared,
        store,
        writer,
        identity,
    })
}

/// Opens the files directory: drops unfinished uploads and content the
/// database does not know (the host stopped between keeping and recording it).
fn open_files(dir: &std::path::Path, store: &Store) -> Result<FileDisk, ServerError> {
    let disk = FileDisk::open(dir)?;
    let recorded = store
        .blobs_oldest_first()?
        .into_iter()
        .map(|blob| blob.sha256)
        .collect();
    let swept = disk.sweep(&recorded)?;
    if swept > 0 {
        tracing::warn!(
            swept,
            "deleted files that were never recorded (the host stopped while keeping them)"
        );
    }
    Ok(disk)
}

/// Logs and audits the names an upgrade found to collide under the new name
/// keys: the later of each pair keeps working under its exact name.
fn report_name_clashes(store: &Store) -> Result<(), ServerError> {
    for clash in store.name_clashes() {
        let detail = format!(
            "{} #{} looks like {:?} under the new name rules; it keeps working under its exact name",
            clash.table, clash.id, clash.clashes_with
        );
        tracing::warn!(name = %clash.name, "{detail}");
        store.audit(&hearth_storage::NewAudit {
            ts: OffsetDateTime::now_utc(),
            kind: "name_clash",
            user: &clash.name,
            by: None,
            ip: None,
            port: None,
            detail: Some(&detail),
        })?;
    }
    Ok(())
}

/// Makes `name` the owner if that account exists (and the only owner).
fn ensure_owner(store: &Store, name: &str) -> Result<(), ServerError> {
    let Some(user) = store.user_by_name(name)? else {
        return Ok(());
    };
    if user.role == Role::Owner {
        return Ok(());
    }
    if let Some(old) = store.owner()? {
        store.set_role(old.id, Role::Admin)?;
    }
    store.set_role(user.id, Role::Owner)?;
    Ok(())
}

/// Accepts until shutdown, then drains connections and closes the database.
async fn run(
    shared: Arc<Shared>,
    listener: TcpListener,
    acceptor: tls::Acceptor,
    store: Store,
    writer: std::thread::JoinHandle<()>,
) -> Result<(), ServerError> {
    let limit = Arc::new(Semaphore::new(shared.config.max_connections));
    let tracker = TaskTracker::new();
    loop {
        let permit = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            p = Arc::clone(&limit).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, peer) = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(pair) => pair,
                Err(e) => {
                    // Usually EMFILE: wait for descriptors to free up instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (shared, acceptor) = (Arc::clone(&shared), acceptor.clone());
        tracker.spawn(async move {
            connection::serve(shared, acceptor, tcp, peer).await;
            drop(permit);
        });
    }
    drop(listener);
    tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not close in time");
        for outbox in shared.with_hub(|hub| hub.all_outboxes()) {
            outbox.kill();
        }
    }
    // Last strong reference: dropping it closes the message queue, so the
    // writer thread stores what is left and ends.
    drop(shared);
    tokio::task::spawn_blocking(move || {
        let _ = writer.join();
        store.checkpoint()
    })
    .await
    .map_err(|e| ServerError::Internal(format!("shutdown task: {e}")))??;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::net::{TcpListener, TcpStream};

    use super::open;
    use crate::config::Config;
    use crate::tls::Acceptor;

    /// Every connection's task lives as long as the connection, so its size
    /// is paid per idle connection (docs/PERFORMANCE.md, ≤ 16 KiB each).
    /// Handler futures (`dispatch.rs`), the handshake and the TLS stream
    /// (`connection.rs`) are boxed to keep it small: without those boxes this future is ~4,950
    /// bytes (debug and release builds alike); with them, ~1,850.
    #[tokio::test]
    async fn a_connection_task_holds_no_handler_state_while_idle() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(Config::new(dir.path().join("data"))).await.unwrap();
        let acceptor = Acceptor::new(&opened.identity).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let ((tcp, peer), _client) =
            tokio::join!(async { listener.accept().await.unwrap() }, async {
                client.await.unwrap()
            });
        let task = crate::connection::serve(Arc::clone(&opened.shared), acceptor, tcp, peer);
        let size = std::mem::size_of_val(&task);
        assert!(size <= 2560, "a connection's task is {size} bytes");
        drop(task);
        opened.shared.shutdown.cancel();
    }
}
