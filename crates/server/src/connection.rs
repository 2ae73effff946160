//! One TCP connection from accept to close: TLS handshake, the reading loop
//! with its deadlines, and the clean-up that keeps presence honest.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use hearth_protocol::envelope::error_frame;
use hearth_protocol::{FrameError, FrameReader};
use tokio::io::AsyncRead;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::audit;
use crate::cmd::{auth::end_session, private::drop_links};
use crate::events::{bye_frame, place_event};
use crate::flood::TokenBucket;
use crate::outbox::{run_writer, Outbox};
use crate::session::Session;
use crate::shared::Shared;

/// Why the reading loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client closed the connection.
    Closed,
    /// Not logged in within the deadline.
    AuthTimeout,
    /// Silent for too long.
    IdleTimeout,
    /// Cut off by the server (kick, takeover, full queue).
    Killed,
    /// The server is shutting down.
    Shutdown,
    /// A handler asked to close (too many failed logins, flooding).
    Requested,
    /// A frame larger than allowed was announced.
    TooLarge,
    /// The stream failed.
    Broken,
}

impl End {
    fn reason(self) -> &'static str {
        match self {
            End::Closed => "disconnected",
            End::AuthTimeout => "login timeout",
            End::IdleTimeout => "idle timeout",
            End::Killed => "cut off by the server",
            End::Shutdown => "server shutdown",
            End::Requested => "closed after an error",
            End::TooLarge => "frame too large",
            End::Broken => "connection error",
        }
    }
}

/// Serves one accepted TCP connection until it ends.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) {
    // Replies and pushes are small and latency-sensitive; the writer already coalesces.
    let _ = tcp.set_nodelay(true);
    let tls =
        match tokio::time::timeout(shared.config.handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                return;
            }
        };
    let (reader, writer) = tokio::io::split(tls);
    let (outbox, rx) = Outbox::new(shared.config.queue_frames);
    let id = shared.with_hub(|hub| hub.add_conn(outbox.clone(), peer));
    let writer_task = tokio::spawn(run_writer(writer, rx, outbox.kill_token().clone()));
    tracing::debug!(%peer, conn = id, "connected");

    let mut session = Session {
        bucket: TokenBucket::new(shared.config.msg_burst, shared.config.msg_rate),
        shared,
        id,
        peer,
        outbox,
        login: None,
        auth_since: Some(Instant::now()),
        failed_logins: 0,
        closing: false,
        current: None,
    };
    let max = session.shared.config.max_frame;
    let end = read_loop(&mut session, FrameReader::new(reader, max)).await;
    if session.outbox.overflowed() {
        tracing::warn!(%peer, "client fell too far behind; disconnected");
    }
    clean_up(&mut session, end).await;
    session.outbox.close();
    drop(session);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer_task).await;
    tracing::debug!(%peer, conn = id, reason = end.reason(), "closed");
}

async fn read_loop<R: AsyncRead + Unpin>(s: &mut Session, mut reader: FrameReader<R>) -> End {
    let config = s.shared.config.clone();
    let kill = s.outbox.kill_token().clone();
    let shutdown = s.shared.shutdown.clone();
    let mut last_heard = Instant::now();
    loop {
        if s.closing {
            return End::Requested;
        }
        let idle_deadline = last_heard + config.idle_timeout;
        let (deadline, on_timeout) = match s.auth_since {
            Some(since) if since + config.auth_timeout < idle_deadline => {
                (since + config.auth_timeout, End::AuthTimeout)
            }
            _ => (idle_deadline, End::IdleTimeout),
        };
        let read = tokio::select! {
            biased;
            _ = kill.cancelled() => return End::Killed,
            _ = shutdown.cancelled() => {
                let bye = if s.shared.closing_for_good.load(std::sync::atomic::Ordering::SeqCst) {
                    bye_frame("The host closed the room", "closed")
                } else {
                    bye_frame("The server is shutting down", "shutdown")
                };
                s.outbox.close_with(bye);
                return End::Shutdown;
            }
            r = tokio::time::timeout_at(deadline.into(), reader.read_frame()) => r,
        };
        match read {
            Err(_) => {
                let (why, reason) = if on_timeout == End::AuthTimeout {
                    ("Not logged in in time; closing", "auth_timeout")
                } else {
                    ("Nothing received for too long; closing", "idle_timeout")
                };
                s.outbox.close_with(bye_frame(why, reason));
                return on_timeout;
            }
            Ok(Ok(Some(body))) => {
                last_heard = Instant::now();
                s.handle_frame(&body).await;
            }
            Ok(Ok(None)) => return End::Closed,
            Ok(Err(FrameError::TooLarge { len, max })) => {
                let msg = format!(
                    "frame of {len} bytes is larger than the limit of {max} bytes; closing"
                );
                s.outbox.close_with(error_frame("error", &msg, None));
                return End::TooLarge;
            }
            Ok(Err(_)) => return End::Broken,
        }
    }
}

/// Removes the connection from presence and tells the people who could see it.
async fn clean_up(s: &mut Session, end: End) {
    let id = s.id;
    let removed = s.shared.with_hub(|hub| {
        let conn = hub.remove_conn(id)?;
        if let (Some(user), Some(room)) = (&conn.user, conn.room) {
            place_event(hub, "disconnected", &user.name, room);
        }
        Some(conn)
    });
    let Some(conn) = removed else {
        return;
    };
    match conn.user {
        Some(user) => {
            drop_links(&s.shared, &user, "disconnected");
            end_session(s, end.reason()).await;
            audit::record(
                &s.shared,
                "disconnect",
                &user.name,
                None,
                Some(s.peer),
                Some(end.reason()),
            )
            .await;
        }
        None => end_session(s, conn.end_reason.unwrap_or(end.reason())).await,
    }
}
