//! One connection from accept to close: TLS handshake, the reading loop
//! with its deadlines, and the clean-up that keeps presence honest.
//!
//! The whole connection runs in a `conn` tracing span with the peer address
//! and (once logged in) the user, so every log line says whose it is.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use hearth_protocol::envelope::{encode_error, encode_push};
use hearth_protocol::frame::MAX_SERVER_FRAME;
use hearth_protocol::push::{Bye, ByeReason};
use hearth_protocol::{ErrorCode, FrameError, FrameReader};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tracing::Instrument;

use crate::cmd::{end_login, EndAudit};
use crate::conn_state::ConnState;
use crate::dispatch::handle_frame;
use crate::flood::TokenBucket;
use crate::outbox::{run_writer, Outbox};
use crate::shared::Shared;

/// The next request is read only once at most this much is queued for the
/// client: one largest reply. A client that stops reading its replies stops
/// being read (TCP pushes back on it) instead of piling up replies here.
const REPLY_ROOM: usize = MAX_SERVER_FRAME;

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

    /// Whether the server ended a connection the client may still be
    /// writing to, so its last frames (a `bye`, an error) need a lingering
    /// close to arrive (see [`linger`]).
    fn server_decided(self) -> bool {
        matches!(
            self,
            End::AuthTimeout | End::IdleTimeout | End::Shutdown | End::Requested | End::TooLarge
        )
    }
}

/// Longest a closed connection keeps reading (and discarding) what the client
/// still sends, after the server has said why it closes.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

fn bye(reason: ByeReason) -> bytes::Bytes {
    encode_push(&Bye { reason }, None)
}

/// Serves one accepted TCP connection until it ends.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    acceptor: crate::tls::Acceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) {
    let span = tracing::info_span!("conn", %peer, user = tracing::field::Empty);
    serve_in_span(shared, acceptor, tcp, peer, span.clone())
        .instrument(span)
        .await;
}

async fn serve_in_span(
    shared: Arc<Shared>,
    acceptor: crate::tls::Acceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    span: tracing::Span,
) {
    // Replies and pushes are small and latency-sensitive; the writer already coalesces.
    let _ = tcp.set_nodelay(true);
    // The handshake's future is boxed so that its state is freed once it is
    // done instead of staying in the task (see the size test in `server.rs`).
    let tls = match tokio::time::timeout(
        shared.config.handshake_timeout,
        Box::pin(acceptor.accept(tcp)),
    )
    .await
    {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            return;
        }
    };
    // Boxed: a TLS stream is ~1.2 KB, and a future keeps room for its
    // arguments for as long as it lives, so passed by value it would sit in
    // every connection's task twice over.
    serve_stream(shared, Box::new(tls), peer, span).await;
}

/// Serves one connection over `stream`, already secured (the TLS stream; the
/// fuzzing harness passes an in-memory stream), until it ends.
pub(crate) async fn serve_stream<S>(
    shared: Arc<Shared>,
    stream: S,
    peer: SocketAddr,
    span: tracing::Span,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (reader, writer) = tokio::io::split(stream);
    let (outbox, rx) = Outbox::new(shared.config.queue_frames, shared.config.queue_bytes);
    let id = shared.with_hub(|hub| hub.add_conn(outbox.clone(), peer));
    // The writer logs nothing, so it runs outside the span: entering and leaving a span on
    // every wake-up was ~2% of the server's CPU in an open-loop fan-out profile.
    let writer_task = tokio::spawn(run_writer(writer, rx, outbox.clone()));
    tracing::debug!(conn = id, "connected");

    let mut conn = ConnState {
        bucket: TokenBucket::new(shared.config.msg_burst, shared.config.msg_rate),
        shared,
        id,
        peer,
        outbox,
        login: None,
        auth_since: Some(Instant::now()),
        failed_logins: 0,
        closing: false,
        request_id: None,
        download: None,
        last_typing: None,
        span,
    };
    let max = conn.shared.config.max_frame;
    let mut reader = FrameReader::new(reader, max);
    let end = read_loop(&mut conn, &mut reader).await;
    if conn.outbox.overflowed() {
        tracing::warn!("client fell too far behind; disconnected");
    }
    clean_up(&mut conn, end).await;
    conn.outbox.close();
    drop(conn);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer_task).await;
    if end.server_decided() {
        linger(reader.into_inner()).await;
    }
    tracing::debug!(conn = id, reason = end.reason(), "closed");
}

/// Reads and discards what the client still sends until it closes, for at
/// most [`LINGER`]. Closing a socket with unread input makes the kernel
/// reset the connection and drop what it has not sent yet, so without this
/// the `bye` that says why could be lost on the way to a client that was
/// still writing (a flooder, a client mid-request at shutdown).
async fn linger<R: AsyncRead + Unpin>(mut reader: R) {
    let mut sink = tokio::io::sink();
    let _ = tokio::time::timeout(LINGER, tokio::io::copy(&mut reader, &mut sink)).await;
}

async fn read_loop<R: AsyncRead + Unpin>(conn: &mut ConnState, reader: &mut FrameReader<R>) -> End {
    let config = conn.shared.config.clone();
    let kill = conn.outbox.kill_token().clone();
    let shutdown = conn.shared.shutdown.clone();
    let outbox = conn.outbox.clone();
    let mut last_heard = Instant::now();
    loop {
        if conn.closing {
            return End::Requested;
        }
        let idle_deadline = last_heard + config.idle_timeout;
        let (deadline, on_timeout) = match conn.auth_since {
            Some(since) if since + config.auth_timeout < idle_deadline => {
                (since + config.auth_timeout, End::AuthTimeout)
            }
            _ => (idle_deadline, End::IdleTimeout),
        };
        let read = tokio::select! {
            biased;
            _ = kill.cancelled() => return End::Killed,
            _ = shutdown.cancelled() => {
                let reason = if conn.shared.closing_for_good.load(std::sync::atomic::Ordering::SeqCst) {
                    ByeReason::Closed
                } else {
                    ByeReason::Shutdown
                };
                conn.outbox.close_with(bye(reason));
                return End::Shutdown;
            }
            r = tokio::time::timeout_at(deadline.into(), async {
                outbox.room_for(REPLY_ROOM).await;
                reader.read_frame().await
            }) => r,
        };
        match read {
            Err(_) => {
                let reason = if on_timeout == End::AuthTimeout {
                    ByeReason::AuthTimeout
                } else {
                    ByeReason::IdleTimeout
                };
                conn.outbox.close_with(bye(reason));
                return on_timeout;
            }
            Ok(Ok(Some(body))) => {
                last_heard = Instant::now();
                // Frames that have arrived already, taken only on the same
                // terms as a read: while the client reads its answers. A
                // read error here shows again on the next read.
                let mut ready = || {
                    if outbox.has_room(REPLY_ROOM) {
                        reader.take_ready().ok().flatten()
                    } else {
                        None
                    }
                };
                let mut next = Some(body);
                while let Some(body) = next.take() {
                    next = handle_frame(conn, &body, &mut ready).await;
                    if conn.closing {
                        break;
                    }
                }
            }
            Ok(Ok(None)) => return End::Closed,
            Ok(Err(FrameError::TooLarge { len, max })) => {
                let msg = format!(
                    "frame of {len} bytes is larger than the limit of {max} bytes; closing"
                );
                conn.outbox.close_with(encode_error(
                    "error",
                    ErrorCode::TooLarge,
                    &msg,
                    None,
                    None,
                ));
                return End::TooLarge;
            }
            Ok(Err(_)) => return End::Broken,
        }
    }
}

/// Removes the connection from presence and tells the people who could see it.
async fn clean_up(conn: &mut ConnState, end: End) {
    let id = conn.id;
    let departed = conn.shared.with_hub(|hub| {
        let departed = hub.remove_conn(id)?;
        if let Some(user) = &departed.user {
            hub.drop_private(user, "disconnected");
        }
        Some(departed)
    });
    let Some(departed) = departed else {
        return;
    };
    match departed.user {
        Some(user) => {
            let audit_row = EndAudit {
                kind: "disconnect",
                user: &user.name,
                detail: Some(end.reason()),
            };
            end_login(conn, end.reason(), Some(audit_row)).await;
        }
        None => end_login(conn, departed.end_reason.unwrap_or(end.reason()), None).await,
    }
}
