//! The task behind a [`crate::Client`]: it owns the connection, gives each
//! request a numeric id and matches the reply to it, turns pushes into
//! events, sends heartbeats, and reconnects after a drop.
//!
//! One task owns everything here, so nothing needs a lock: the `Client`
//! handles talk to it through a channel of [`Call`]s, and it talks back
//! through one-shot reply channels and the event channel.

mod conn;
mod flap;
mod resume;
mod route;
mod state;

use std::collections::HashMap;

use bytes::Bytes;
use hearth_protocol::request::encode_request;
use hearth_protocol::requests::Ping;
use hearth_protocol::{Envelope, ErrorCode, RequestId};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::addr::ServerAddr;
use crate::error::ClientError;
use crate::event::{ConnectionState, Event};
use crate::options::ClientOptions;
use crate::trust::Trust;
use crate::ClientStatus;

pub(crate) use conn::{BoxTransport, LiveConn};
pub(crate) use state::{Credential, Track};

/// Encodes one request as a frame, given the id the driver picked for it.
/// (A closure, so the typed request and any password in it never sit in a
/// `Debug`-printable field.)
pub(crate) type Encoder = Box<dyn FnOnce(u64) -> Bytes + Send>;

/// Where the answer to one call goes.
pub(crate) type ReplyTx = oneshot::Sender<Result<Envelope, ClientError>>;

/// What a `Client` handle asks the driver to do.
pub(crate) enum Call {
    /// Send a request and answer `reply` with its reply.
    Request {
        kind: &'static str,
        encode: Encoder,
        track: Track,
        reply: ReplyTx,
    },
    /// Close the connection for good; `done` fires once it is closed.
    Close { done: oneshot::Sender<()> },
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Call::Request { kind, track, .. } => f
                .debug_struct("Request")
                .field("kind", kind)
                .field("track", track)
                .finish_non_exhaustive(),
            Call::Close { .. } => f.write_str("Close"),
        }
    }
}

/// A request waiting for its reply.
#[derive(Debug)]
struct AwaitingReply {
    kind: &'static str,
    track: Track,
    reply: Option<ReplyTx>,
}

/// How to connect again after a drop.
#[derive(Debug)]
pub(crate) struct Dialer {
    pub addr: ServerAddr,
    /// After the first connection this pins the exact key seen then.
    pub trust: Trust,
}

/// Why a connection stopped being served.
enum End {
    /// The client asked to close (or every handle was dropped).
    Closed(Option<oneshot::Sender<()>>),
    /// A `kicked` or `bye` push: stop for good.
    Final(String),
    /// The connection dropped; reconnecting may help.
    Lost(String),
}

/// The driver's state; see the module docs.
pub(crate) struct Driver {
    calls: mpsc::Receiver<Call>,
    events: mpsc::UnboundedSender<Event>,
    status: watch::Sender<ClientStatus>,
    options: ClientOptions,
    dialer: Option<Dialer>,
    next_id: u64,
    pending: HashMap<u64, AwaitingReply>,
    resume: state::Resume,
    flaps: flap::FlapFilter,
    /// Set by a `kicked` or `bye` push: the connection ends for good.
    final_reason: Option<String>,
    /// After re-entering a room on reconnect, the room's history push is
    /// dropped: the `history after_id` pages already cover it.
    skip_history: Option<String>,
}

impl Driver {
    pub(crate) fn new(
        calls: mpsc::Receiver<Call>,
        events: mpsc::UnboundedSender<Event>,
        status: watch::Sender<ClientStatus>,
        options: ClientOptions,
        dialer: Option<Dialer>,
    ) -> Driver {
        Driver {
            calls,
            events,
            status,
            flaps: flap::FlapFilter::new(options.flap_grace),
            options,
            dialer,
            next_id: 0,
            pending: HashMap::new(),
            resume: state::Resume::default(),
            final_reason: None,
            skip_history: None,
        }
    }

    /// Serves `conn`, and the connections that replace it, until the client stops.
    pub(crate) async fn run(mut self, mut conn: LiveConn) {
        self.publish(true);
        let done = loop {
            let end = self.serve(&mut conn).await;
            self.fail_pending();
            match end {
                End::Closed(done) => {
                    conn.close().await;
                    self.stop("closed by the client".into());
                    break done;
                }
                End::Final(reason) => {
                    conn.close().await;
                    self.stop(reason);
                    break None;
                }
                End::Lost(reason) => {
                    tracing::info!(%reason, "connection lost");
                    if !self.options.reconnect || self.dialer.is_none() {
                        self.stop(reason);
                        break None;
                    }
                    self.publish(false);
                    match self.reconnect(reason).await {
                        Ok(fresh) => conn = fresh,
                        Err(resume::Closed(done)) => break done,
                    }
                }
            }
        };
        if let Some(done) = done {
            let _ = done.send(());
        }
    }

    /// Reads frames, sends requests and heartbeats until the connection ends.
    async fn serve(&mut self, conn: &mut LiveConn) -> End {
        loop {
            if let Some(reason) = self.final_reason.take() {
                return End::Final(reason);
            }
            let heartbeat_at = conn.last_write + self.options.heartbeat;
            let dead_at = conn.last_read + self.options.dead_after;
            let flap_at = self.flaps.next_due();
            tokio::select! {
                frame = conn.read() => match frame {
                    Ok(Some(body)) => self.on_frame(&body),
                    Ok(None) => return End::Lost("the server closed the connection".into()),
                    Err(e) => return End::Lost(e.to_string()),
                },
                call = self.calls.recv() => match call {
                    None => return End::Closed(None),
                    Some(Call::Close { done }) => return End::Closed(Some(done)),
                    Some(Call::Request { kind, encode, track, reply }) => {
                        if let Err(e) = self.send(conn, kind, encode, track, Some(reply)).await {
                            return End::Lost(e);
                        }
                    }
                },
                () = tokio::time::sleep_until(heartbeat_at) => {
                    let ping: Encoder = Box::new(|id| encode_request(&Ping {}, Some(&id.into())));
                    if let Err(e) = self.send(conn, "ping", ping, Track::Heartbeat, None).await {
                        return End::Lost(e);
                    }
                }
                () = tokio::time::sleep_until(dead_at) => {
                    return End::Lost("the server stopped answering".into());
                }
                () = sleep_until_some(flap_at) => self.release_flaps(),
            }
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Registers the request as pending, then writes it.
    async fn send(
        &mut self,
        conn: &mut LiveConn,
        kind: &'static str,
        encode: Encoder,
        track: Track,
        reply: Option<ReplyTx>,
    ) -> Result<(), String> {
        let id = self.next_id();
        tracing::debug!(kind, id, "request");
        self.pending
            .insert(id, AwaitingReply { kind, track, reply });
        conn.send(encode(id), self.options.request_timeout).await
    }

    /// Handles one frame from the server: a reply, a push, or both (the
    /// sender's own copy of a `msg` echoes the request's id).
    fn on_frame(&mut self, body: &[u8]) {
        let env = match Envelope::from_slice(body) {
            Ok(env) => env,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable frame from the server");
                if self.options.raw_frames {
                    self.emit(Event::Raw(String::from_utf8_lossy(body).into_owned()));
                }
                return;
            }
        };
        let pending = numeric_id(&env).and_then(|id| self.pending.remove(&id));
        let heartbeat = matches!(
            &pending,
            Some(AwaitingReply {
                track: Track::Heartbeat,
                ..
            })
        );
        if self.options.raw_frames && !heartbeat {
            self.emit(Event::Raw(String::from_utf8_lossy(body).into_owned()));
        }
        match pending {
            Some(p) if env.kind == "msg" && env.is_ok() => {
                let copy = env.clone();
                self.complete(p, env);
                self.on_push(copy);
            }
            Some(p) => self.complete(p, env),
            None => self.on_push(env),
        }
    }

    /// Answers a pending request with its reply.
    fn complete(&mut self, p: AwaitingReply, env: Envelope) {
        let result = if env.is_ok() {
            if matches!(p.track, Track::Enter) {
                self.skip_history = None;
            }
            self.resume.apply(p.track, &env);
            self.publish(true);
            Ok(env)
        } else {
            Err(ClientError::Server {
                request: p.kind.to_owned(),
                code: env.code.unwrap_or(ErrorCode::Unknown),
                message: env
                    .message
                    .unwrap_or_else(|| format!("the server refused '{}'", p.kind)),
                data: env.data,
            })
        };
        if let Some(reply) = p.reply {
            let _ = reply.send(result);
        }
    }

    /// Turns a push into events, dropping duplicates and flapping notices.
    fn on_push(&mut self, env: Envelope) {
        match route::to_event(env) {
            Event::Message(m) => {
                if self.resume.admit(&m) {
                    self.emit(Event::Message(m));
                } else {
                    tracing::debug!(id = m.id, "duplicate message dropped");
                }
            }
            Event::History { room, messages } => self.on_history(room, messages),
            Event::Notice(n) => {
                if let Some(n) = self.flaps.admit(n, Instant::now()) {
                    self.emit(Event::Notice(n));
                }
            }
            Event::Kicked { by, reason, until } => {
                self.final_reason = Some(format!("kicked by {by}: {reason}"));
                self.emit(Event::Kicked { by, reason, until });
            }
            Event::Bye {
                message,
                restarting,
            } => {
                // A restarting server is an outage like any other: reconnect.
                if !restarting {
                    self.final_reason = Some(
                        message
                            .clone()
                            .unwrap_or_else(|| "the server ended the session".into()),
                    );
                }
                self.emit(Event::Bye {
                    message,
                    restarting,
                });
            }
            other => self.emit(other),
        }
    }

    fn on_history(&mut self, room: String, messages: Vec<hearth_protocol::ChatMessage>) {
        if self.resume.room.as_deref() != Some(room.as_str()) {
            self.emit(Event::History { room, messages });
            return;
        }
        if self.skip_history.as_deref() == Some(room.as_str()) {
            self.skip_history = None;
            return;
        }
        let messages: Vec<_> = messages
            .into_iter()
            .filter(|m| self.resume.admit(m))
            .collect();
        if self.resume.last_seen.is_none() {
            // The room had no history: everything from now on is new.
            self.resume.last_seen = Some(0);
        }
        self.emit(Event::History { room, messages });
    }

    fn release_flaps(&mut self) {
        for n in self.flaps.due(Instant::now()) {
            self.emit(Event::Notice(n));
        }
    }

    /// Fails every request still waiting: its connection is gone.
    fn fail_pending(&mut self) {
        for (_, p) in self.pending.drain() {
            if let Some(reply) = p.reply {
                let _ = reply.send(Err(ClientError::ConnectionLost));
            }
        }
    }

    /// Stops for good: releases held notices and reports why.
    fn stop(&mut self, reason: String) {
        for n in self.flaps.drain() {
            self.emit(Event::Notice(n));
        }
        tracing::info!(%reason, "client stopped");
        self.emit(Event::Connection(ConnectionState::Disconnected { reason }));
        self.publish(false);
    }

    fn emit(&self, event: Event) {
        // Nobody listening is fine: the caller dropped the event stream.
        let _ = self.events.send(event);
    }

    fn publish(&self, connected: bool) {
        self.status.send_replace(ClientStatus {
            username: self.resume.username().map(str::to_owned),
            room: self.resume.room.clone(),
            connected,
        });
    }
}

/// The request id of a reply, when it is one of ours (a number).
fn numeric_id(env: &Envelope) -> Option<u64> {
    match env.id.as_ref()? {
        RequestId::Num(n) => n.as_u64(),
        RequestId::Str(_) => None,
    }
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
