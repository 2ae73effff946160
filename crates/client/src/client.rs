//! The [`Client`] handle: one async method per request.

use std::time::Duration;

use hearth_certs::Fingerprint;
use hearth_protocol::{Envelope, Secret};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::addr::ServerAddr;
use crate::driver::{BoxTransport, Call, Conn, Dialer, Driver, Payload, Track};
use crate::error::ClientError;
use crate::event::EventStream;
use crate::link::JoinLink;
use crate::options::ClientOptions;
use crate::trust::{Trust, TrustOutcome};
use crate::types::{
    room_list, Ack, AssignableRole, AuditEntry, Entered, HistoryPage, HistoryQuery, LoginInfo,
    Message, PrivateLinks, ProfileInfo, ProfileUpdate, RoomList,
};

/// Calls that may wait for the driver before `Client` methods wait too.
const CALL_QUEUE: usize = 64;

/// Where the client stands, as of the last reply or connection change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInfo {
    /// The account, once logged in (spelled as the server spells it).
    pub username: Option<String>,
    /// The room, when in one (`None` in the lobby).
    pub room: Option<String>,
    /// False while reconnecting and after the client stopped.
    pub connected: bool,
}

/// A connection to a Hearth server.
///
/// Cheap to clone; every clone talks to the same connection. The connection
/// (and its reconnecting) stops when [`Client::close`] is called or the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    calls: mpsc::Sender<Call>,
    info: watch::Receiver<SessionInfo>,
    server_key: Option<Fingerprint>,
    trust_outcome: Option<TrustOutcome>,
    request_timeout: Duration,
}

impl Client {
    /// Connects to `addr` (`HOST:PORT`, IPv6 in brackets) over TLS, trusting
    /// the server's key as `trust` says, with default options.
    ///
    /// A key that is not trusted fails here, inside the TLS handshake,
    /// before anything is sent to the server.
    pub async fn connect(addr: &str, trust: Trust) -> Result<(Client, EventStream), ClientError> {
        Client::connect_with(addr, trust, ClientOptions::default()).await
    }

    /// Connects through a join link (`hearth://HOST:PORT/CODE`).
    pub async fn connect_link(
        link: &JoinLink,
        options: ClientOptions,
    ) -> Result<(Client, EventStream), ClientError> {
        Client::connect_with(&link.addr.to_string(), Trust::Code(link.code), options).await
    }

    /// [`Client::connect`] with options.
    pub async fn connect_with(
        addr: &str,
        trust: Trust,
        options: ClientOptions,
    ) -> Result<(Client, EventStream), ClientError> {
        let addr: ServerAddr = addr.parse()?;
        let dialed = crate::tls::dial(&addr, &trust, options.connect_timeout).await?;
        tracing::info!(server = %addr, key = %dialed.fingerprint, trust = ?dialed.outcome, "connected");
        let dialer = Dialer {
            addr,
            // Reconnects must reach the very same key.
            trust: Trust::Key(dialed.fingerprint),
        };
        let (mut client, events) = Client::spawn(Box::new(dialed.stream), options, Some(dialer));
        client.server_key = Some(dialed.fingerprint);
        client.trust_outcome = Some(dialed.outcome);
        Ok((client, events))
    }

    /// Speaks the protocol over an already connected stream (no TLS, no
    /// reconnecting). Meant for tests and unusual transports.
    pub fn from_stream<S>(stream: S, options: ClientOptions) -> (Client, EventStream)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Client::spawn(Box::new(stream), options, None)
    }

    fn spawn(
        stream: BoxTransport,
        options: ClientOptions,
        dialer: Option<Dialer>,
    ) -> (Client, EventStream) {
        let (calls_tx, calls_rx) = mpsc::channel(CALL_QUEUE);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (info_tx, info_rx) = watch::channel(SessionInfo::default());
        let request_timeout = options.request_timeout;
        let driver = Driver::new(calls_rx, events_tx, info_tx, options, dialer);
        tokio::spawn(driver.run(Conn::new(stream)));
        let client = Client {
            calls: calls_tx,
            info: info_rx,
            server_key: None,
            trust_outcome: None,
            request_timeout,
        };
        (client, EventStream::new(events_rx))
    }

    /// The server's key fingerprint (absent for [`Client::from_stream`]).
    pub fn server_key(&self) -> Option<Fingerprint> {
        self.server_key
    }

    /// Why the server's key was trusted (absent for [`Client::from_stream`]).
    pub fn trust_outcome(&self) -> Option<TrustOutcome> {
        self.trust_outcome
    }

    /// Who and where the client is now.
    pub fn session(&self) -> SessionInfo {
        self.info.borrow().clone()
    }

    /// Closes the connection for good and waits until it is closed.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.calls.send(Call::Close { done }).await.is_ok() {
            let _ = closed.await;
        }
    }

    /// Sends one request and waits for its reply.
    async fn call(
        &self,
        kind: &'static str,
        data: Option<Value>,
        track: Track,
    ) -> Result<Envelope, ClientError> {
        let (reply, answer) = oneshot::channel();
        let call = Call::Request {
            kind,
            data: Payload(data),
            track,
            reply,
        };
        self.calls
            .send(call)
            .await
            .map_err(|_| ClientError::Closed)?;
        match tokio::time::timeout(self.request_timeout, answer).await {
            Err(_) => Err(ClientError::Timeout("waiting for the reply")),
            Ok(Err(_)) => Err(ClientError::Closed),
            Ok(Ok(result)) => result,
        }
    }

    async fn ack(
        &self,
        kind: &'static str,
        data: Option<Value>,
        track: Track,
    ) -> Result<Ack, ClientError> {
        let env = self.call(kind, data, track).await?;
        Ok(Ack {
            message: env.message,
            data: env.data,
        })
    }

    /// `register {username, password, color?}`. Does not log in.
    pub async fn register(
        &self,
        username: &str,
        password: &Secret,
        color: Option<&str>,
    ) -> Result<Ack, ClientError> {
        let mut data = json!({ "username": username, "password": password.expose() });
        if let Some(color) = color {
            data["color"] = json!(color);
        }
        self.ack("register", Some(data), Track::Nothing).await
    }

    /// `login {username, password}`. The credentials are kept (redacted) to
    /// log in again after a reconnect.
    pub async fn login(&self, username: &str, password: &Secret) -> Result<LoginInfo, ClientError> {
        let data = json!({ "username": username, "password": password.expose() });
        let track = Track::Login {
            username: username.to_owned(),
            password: password.clone(),
        };
        typed(&self.call("login", Some(data), track).await?)
    }

    /// `logout`: back to the auth state; the held credentials are forgotten.
    pub async fn logout(&self) -> Result<Ack, ClientError> {
        self.ack("logout", None, Track::Logout).await
    }

    /// `list`: every room in the lobby, or the current room's members inside one.
    pub async fn list(&self) -> Result<RoomList, ClientError> {
        let env = self.call("list", None, Track::Nothing).await?;
        room_list(env.data.as_ref(), env.kind == "list_room")
            .ok_or_else(|| ClientError::Protocol(format!("'{}' data is not a room list", env.kind)))
    }

    /// `create {room}`.
    pub async fn create(&self, room: &str) -> Result<Ack, ClientError> {
        self.ack("create", Some(json!({ "room": room })), Track::Nothing)
            .await
    }

    /// `enter {room}`. The room's recent history follows as [`crate::Event::History`].
    pub async fn enter(&self, room: &str) -> Result<Entered, ClientError> {
        typed(
            &self
                .call("enter", Some(json!({ "room": room })), Track::Enter)
                .await?,
        )
    }

    /// `exit`: back to the lobby.
    pub async fn exit(&self) -> Result<Ack, ClientError> {
        self.ack("exit", None, Track::Exit).await
    }

    /// `msg {to: "public", text}`: returns the server's copy (with id and time).
    pub async fn send_public(&self, text: &str) -> Result<Message, ClientError> {
        self.send_msg("public", text).await
    }

    /// `msg {to: user, text}` over an open private link.
    pub async fn send_private(&self, to: &str, text: &str) -> Result<Message, ClientError> {
        self.send_msg(to, text).await
    }

    async fn send_msg(&self, to: &str, text: &str) -> Result<Message, ClientError> {
        let data = json!({ "to": to, "text": text });
        typed(&self.call("msg", Some(data), Track::Nothing).await?)
    }

    /// `profile {color?, username?, password?}`.
    pub async fn profile(&self, update: ProfileUpdate) -> Result<ProfileInfo, ClientError> {
        let mut data = json!({});
        if let Some(color) = &update.color {
            data["color"] = json!(color);
        }
        if let Some(name) = &update.username {
            data["username"] = json!(name);
        }
        let new_password = update.password.as_ref().map(|(_, new)| new.clone());
        if let Some((old, new)) = &update.password {
            data["password"] = json!({ "old": old.expose(), "new": new.expose() });
        }
        typed(
            &self
                .call("profile", Some(data), Track::Profile { new_password })
                .await?,
        )
    }

    /// `private_request {to}`: ask `to` for a private chat.
    pub async fn private_request(&self, to: &str) -> Result<Ack, ClientError> {
        self.ack("private_request", Some(json!({ "to": to })), Track::Nothing)
            .await
    }

    /// `private_accept {from}`.
    pub async fn private_accept(&self, from: &str) -> Result<Ack, ClientError> {
        self.ack(
            "private_accept",
            Some(json!({ "from": from })),
            Track::Nothing,
        )
        .await
    }

    /// `private_reject {from}`.
    pub async fn private_reject(&self, from: &str) -> Result<Ack, ClientError> {
        self.ack(
            "private_reject",
            Some(json!({ "from": from })),
            Track::Nothing,
        )
        .await
    }

    /// `private_end {with}`.
    pub async fn private_end(&self, with: &str) -> Result<Ack, ClientError> {
        self.ack("private_end", Some(json!({ "with": with })), Track::Nothing)
            .await
    }

    /// `private_list`: open links and pending requests.
    pub async fn private_list(&self) -> Result<PrivateLinks, ClientError> {
        typed(&self.call("private_list", None, Track::Nothing).await?)
    }

    /// `role {username, role}` (owner only).
    pub async fn role(&self, username: &str, role: AssignableRole) -> Result<Ack, ClientError> {
        let data = json!({ "username": username, "role": role.as_str() });
        self.ack("role", Some(data), Track::Nothing).await
    }

    /// `kick {username, reason, minutes?}` (admins and the owner). `minutes`
    /// defaults to 5 on the server; 0 means no cooldown.
    pub async fn kick(
        &self,
        username: &str,
        reason: &str,
        minutes: Option<u32>,
    ) -> Result<Ack, ClientError> {
        let mut data = json!({ "username": username, "reason": reason });
        if let Some(minutes) = minutes {
            data["minutes"] = json!(minutes);
        }
        self.ack("kick", Some(data), Track::Nothing).await
    }

    /// `unkick {username}`: lifts a cooldown.
    pub async fn unkick(&self, username: &str) -> Result<Ack, ClientError> {
        self.ack(
            "unkick",
            Some(json!({ "username": username })),
            Track::Nothing,
        )
        .await
    }

    /// `history {...}`: one page, oldest message first.
    pub async fn history(&self, query: &HistoryQuery) -> Result<HistoryPage, ClientError> {
        let data = serde_json::to_value(query)
            .map_err(|e| ClientError::Protocol(format!("history query: {e}")))?;
        typed(&self.call("history", Some(data), Track::Nothing).await?)
    }

    /// `audit {limit?}` (admins and the owner): newest entry first.
    pub async fn audit(&self, limit: Option<u32>) -> Result<Vec<AuditEntry>, ClientError> {
        let data = limit.map(|l| json!({ "limit": l }));
        let env = self.call("audit", data, Track::Nothing).await?;
        let entries = env
            .data
            .as_ref()
            .and_then(|d| d.get("entries"))
            .cloned()
            .unwrap_or(Value::Null);
        serde_json::from_value(entries)
            .map_err(|e| ClientError::Protocol(format!("'audit' entries: {e}")))
    }

    /// `ping`: returns the round-trip time.
    pub async fn ping(&self) -> Result<Duration, ClientError> {
        let start = Instant::now();
        self.call("ping", None, Track::Nothing).await?;
        Ok(start.elapsed())
    }
}

/// Reads a reply's `data` as `T`.
fn typed<T: DeserializeOwned>(env: &Envelope) -> Result<T, ClientError> {
    serde_json::from_value(env.data.clone().unwrap_or(Value::Null))
        .map_err(|e| ClientError::Protocol(format!("'{}' reply: {e}", env.kind)))
}
