//! An in-process server for the fuzz targets (`fuzz/`), behind the `fuzzing`
//! feature: the real server state, handlers and connection loop, with
//! in-memory streams in place of TCP + TLS, so that a fuzz target can drive
//! connections through any sequence of operations quickly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::io::DuplexStream;
use tokio::sync::watch;
use tracing::Instrument;

use crate::config::Config;
use crate::connection;
use crate::error::ServerError;
use crate::server::{open, Opened};
use crate::shared::{Shared, Stats};

/// Bytes buffered in each direction of an in-memory connection (about what a
/// socket buffers).
const STREAM_BUFFER: usize = 256 * 1024;

/// A server whose connections are in-memory streams.
pub struct Harness {
    shared: Arc<Shared>,
    stats: watch::Receiver<Stats>,
    writer: Option<std::thread::JoinHandle<()>>,
    next_peer: u32,
    /// Connection tasks not yet ended. The server's own count drops when a
    /// connection leaves presence; this one when its task is gone, with the
    /// streams and buffers it holds.
    tasks: Arc<watch::Sender<usize>>,
}

/// Counts a connection task down when it ends (or is dropped unfinished).
struct TaskGuard(Arc<watch::Sender<usize>>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl Harness {
    /// Opens `config.data_dir` as a real server would. Call inside a Tokio
    /// runtime; the server's tasks run on it.
    pub async fn start(config: Config) -> Result<Harness, ServerError> {
        let Opened { shared, writer, .. } = open(config).await?;
        let stats = shared.stats.subscribe();
        Ok(Harness {
            shared,
            stats,
            writer: Some(writer),
            next_peer: 0,
            tasks: Arc::new(watch::Sender::new(0)),
        })
    }

    /// A new connection, past the TLS handshake, from an address of its own
    /// (so one connection's failed logins do not block the next).
    pub fn connect(&mut self) -> DuplexStream {
        self.next_peer = self.next_peer.wrapping_add(1);
        let [_, a, b, c] = self.next_peer.to_be_bytes();
        let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, a, b, c.max(1))), 40_000);
        let (client, server) = tokio::io::duplex(STREAM_BUFFER);
        let span = tracing::info_span!("conn", %peer, user = tracing::field::Empty);
        let shared = Arc::clone(&self.shared);
        self.tasks.send_modify(|n| *n += 1);
        let guard = TaskGuard(Arc::clone(&self.tasks));
        let serve = connection::serve_stream(shared, server, peer, span.clone());
        tokio::spawn(
            async move {
                let _guard = guard;
                serve.await;
            }
            .instrument(span),
        );
        client
    }

    /// Connection tasks still running.
    pub fn running_tasks(&self) -> usize {
        *self.tasks.borrow()
    }

    /// Waits until every connection task has ended.
    pub async fn wait_for_tasks_to_end(&self) {
        let mut tasks = self.tasks.subscribe();
        let _ = tasks.wait_for(|n| *n == 0).await;
    }

    /// Open connections and logged-in accounts right now.
    pub fn stats(&self) -> Stats {
        *self.stats.borrow()
    }

    /// Waits until the counts satisfy `ready`.
    pub async fn wait_for_stats(&mut self, ready: impl FnMut(&Stats) -> bool) {
        let _ = self.stats.wait_for(ready).await;
    }

    /// Stops: connections are told goodbye, and the message writer stores what
    /// it holds before this returns.
    pub async fn close(mut self) {
        self.shared.shutdown.cancel();
        self.wait_for_stats(|s| s.connections == 0).await;
        let writer = self.writer.take();
        drop(self);
        if let Some(writer) = writer {
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
    }
}
