//! The [`Client`] handle: [`Client::request`] for any request type, and one
//! named method per request that people use often (some of which the client
//! also remembers, to resume after a reconnect).

use std::marker::PhantomData;
use std::time::Duration;

use hearth_certs::Fingerprint;
use hearth_protocol::request::encode_request;
use hearth_protocol::requests::{
    Account, Audit, Create, Delete, Edit, Enter, Entered, Exit, History, HistoryPage, Kick, Kicked,
    List, LoggedIn, Login, Logout, MessageDeleted, MessageReactions, Msg, Partner, Ping,
    PrivateAccept, PrivateEnd, PrivateList, PrivateReject, PrivateRequest, PrivateRequested,
    Profile, React, Read, Register, Requester, RoleChanged, RoomName, Search, SearchPage, SetRole,
    Typing, Unkick, Username, LIST_ROOM,
};
use hearth_protocol::{
    AuditEntry, ChatMessage, Envelope, PrivateLinks, Request, Secret, UnreadCount, PUBLIC,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::addr::ServerAddr;
use crate::driver::{BoxTransport, Call, Credential, Dialer, Driver, Encoder, LiveConn, Track};
use crate::error::ClientError;
use crate::event::EventStream;
use crate::link::JoinLink;
use crate::options::ClientOptions;
use crate::trust::{Trust, TrustOutcome};
use crate::types::{AssignableRole, ListReply, Reply, RoomList};

/// Calls that may wait for the driver before `Client` methods wait too.
const CALL_QUEUE: usize = 64;

/// Who and where the client is, as of the last reply or connection change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientStatus {
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
    status: watch::Receiver<ClientStatus>,
    server_key: Option<Fingerprint>,
    trust_outcome: Option<TrustOutcome>,
    request_timeout: Duration,
}

/// A request handed to the driver whose reply has not been read yet.
pub(crate) struct InFlight<T> {
    answer: oneshot::Receiver<Result<Envelope, ClientError>>,
    timeout: Duration,
    reply: PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> InFlight<T> {
    /// Waits for the reply envelope (an error reply is an `Err`).
    async fn envelope(self) -> Result<Envelope, ClientError> {
        match tokio::time::timeout(self.timeout, self.answer).await {
            Err(_) => Err(ClientError::Timeout("waiting for the reply")),
            Ok(Err(_)) => Err(ClientError::Closed),
            Ok(Ok(result)) => result,
        }
    }

    /// Waits for the reply and reads its `data`.
    pub(crate) async fn answer(self) -> Result<T, ClientError> {
        let env = self.envelope().await?;
        env.data_as::<T>()
            .map_err(|e| ClientError::Protocol(format!("'{}' reply: {e}", env.kind)))
    }
}

/// The encoder of one request: it gets the id the driver gives it.
fn encoder<R: Request>(request: R) -> Encoder {
    Box::new(move |id| encode_request(&request, Some(&id.into())))
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
        let (status_tx, status_rx) = watch::channel(ClientStatus::default());
        let request_timeout = options.request_timeout;
        let driver = Driver::new(calls_rx, events_tx, status_tx, options, dialer);
        tokio::spawn(driver.run(LiveConn::new(stream)));
        let client = Client {
            calls: calls_tx,
            status: status_rx,
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
    pub fn status(&self) -> ClientStatus {
        self.status.borrow().clone()
    }

    /// Closes the connection for good and waits until it is closed.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.calls.send(Call::Close { done }).await.is_ok() {
            let _ = closed.await;
        }
    }

    /// Hands one request to the driver without waiting for its reply:
    /// requests submitted one after another go out in that order, so several
    /// can be in flight (a transfer's window).
    pub(crate) async fn submit<R: Request>(
        &self,
        request: R,
    ) -> Result<InFlight<R::Reply>, ClientError> {
        self.submit_tracked(request, Track::Nothing).await
    }

    async fn submit_tracked<R: Request>(
        &self,
        request: R,
        track: Track,
    ) -> Result<InFlight<R::Reply>, ClientError> {
        let (reply, answer) = oneshot::channel();
        let call = Call::Request {
            kind: R::TYPE,
            encode: encoder(request),
            track,
            reply,
        };
        self.calls
            .send(call)
            .await
            .map_err(|_| ClientError::Closed)?;
        Ok(InFlight {
            answer,
            timeout: self.request_timeout,
            reply: PhantomData,
        })
    }

    /// Sends one request and waits for its reply envelope.
    async fn call<R: Request>(&self, request: R, track: Track) -> Result<Envelope, ClientError> {
        self.submit_tracked(request, track).await?.envelope().await
    }

    /// The status channel (to wait for a reconnect).
    pub(crate) fn status_watch(&self) -> watch::Receiver<ClientStatus> {
        self.status.clone()
    }

    /// Sends a request and reads its reply as the request type's reply.
    async fn typed<R: Request>(
        &self,
        request: R,
        track: Track,
    ) -> Result<Reply<R::Reply>, ClientError> {
        let env = self.call(request, track).await?;
        let data = env
            .data_as::<R::Reply>()
            .map_err(|e| ClientError::Protocol(format!("'{}' reply: {e}", env.kind)))?;
        Ok(Reply {
            message: env.message,
            data,
        })
    }

    /// Sends any request and returns its reply. The named methods below are
    /// shorthands; a request without one is sent with this.
    pub async fn request<R: Request>(&self, request: R) -> Result<Reply<R::Reply>, ClientError> {
        self.typed(request, Track::Nothing).await
    }

    /// `register {username, password, color?}`. Does not log in.
    pub async fn register(
        &self,
        username: &str,
        password: &Secret,
        color: Option<&str>,
    ) -> Result<Reply<Account>, ClientError> {
        self.request(Register {
            username: username.to_owned(),
            password: password.clone(),
            color: color.map(str::to_owned),
        })
        .await
    }

    /// `login {username, password}`. The credentials are kept (redacted) to
    /// log in again after a reconnect.
    pub async fn login(&self, username: &str, password: &Secret) -> Result<LoggedIn, ClientError> {
        self.login_as(username, Credential::Password(password.clone()), None)
            .await
    }

    /// `login {username, password, device}`: logs in and has the server issue a
    /// login token for this device (in the reply's `token`). The client then
    /// reconnects with the token, and forgets the password.
    pub async fn login_device(
        &self,
        username: &str,
        password: &Secret,
        device: &str,
    ) -> Result<LoggedIn, ClientError> {
        self.login_as(
            username,
            Credential::Password(password.clone()),
            Some(device.to_owned()),
        )
        .await
    }

    /// `login {username, token}`: logs in with a device's login token (no
    /// password, and no Argon2 hash for the server to pay).
    pub async fn login_token(
        &self,
        username: &str,
        token: &Secret,
    ) -> Result<LoggedIn, ClientError> {
        self.login_as(username, Credential::Token(token.clone()), None)
            .await
    }

    async fn login_as(
        &self,
        username: &str,
        credential: Credential,
        device: Option<String>,
    ) -> Result<LoggedIn, ClientError> {
        let (password, token) = match &credential {
            Credential::Password(p) => (Some(p.clone()), None),
            Credential::Token(t) => (None, Some(t.clone())),
        };
        let login = Login {
            username: username.to_owned(),
            password,
            token,
            device,
        };
        let track = Track::Login {
            username: username.to_owned(),
            credential,
        };
        Ok(self.typed(login, track).await?.data)
    }

    /// `logout`: back to the auth state; the held credentials are forgotten.
    pub async fn logout(&self) -> Result<Reply<()>, ClientError> {
        self.typed(Logout::default(), Track::Logout).await
    }

    /// `logout {forget_device}`: logs out and revokes this device's login token.
    pub async fn logout_and_forget_device(&self) -> Result<Reply<()>, ClientError> {
        self.typed(
            Logout {
                forget_device: true,
            },
            Track::Logout,
        )
        .await
    }

    /// `list`: every room in the lobby, or the current room's members inside
    /// one, with the user's unread counts.
    pub async fn list(&self) -> Result<ListReply, ClientError> {
        let env = self.call(List {}, Track::Nothing).await?;
        let rooms = env.data_as().map_err(|e| {
            ClientError::Protocol(format!("'{}' data is not a room list: {e}", env.kind))
        })?;
        Ok(ListReply {
            list: RoomList {
                in_room: env.kind == LIST_ROOM,
                rooms,
            },
            unread: env.unread.unwrap_or_default(),
        })
    }

    /// `create {room}`.
    pub async fn create(&self, room: &str) -> Result<Reply<RoomName>, ClientError> {
        self.request(Create {
            room: room.to_owned(),
        })
        .await
    }

    /// `enter {room}`. The room's recent history follows as [`crate::Event::History`].
    pub async fn enter(&self, room: &str) -> Result<Entered, ClientError> {
        let enter = Enter {
            room: room.to_owned(),
        };
        Ok(self.typed(enter, Track::Enter).await?.data)
    }

    /// `exit`: back to the lobby.
    pub async fn exit(&self) -> Result<Reply<()>, ClientError> {
        self.typed(Exit {}, Track::Exit).await
    }

    /// `msg {to: "public", text}`: returns the server's copy (with id and time).
    pub async fn send_public(&self, text: &str) -> Result<ChatMessage, ClientError> {
        self.send_msg(PUBLIC, text).await
    }

    /// `msg {to: user, text}` over an open private chat.
    pub async fn send_private(&self, to: &str, text: &str) -> Result<ChatMessage, ClientError> {
        self.send_msg(to, text).await
    }

    async fn send_msg(&self, to: &str, text: &str) -> Result<ChatMessage, ClientError> {
        let msg = Msg {
            to: to.to_owned(),
            text: text.to_owned(),
        };
        Ok(self.request(msg).await?.data)
    }

    /// `profile {color?, username?, password?}`.
    pub async fn profile(&self, update: Profile) -> Result<Account, ClientError> {
        let track = Track::Profile {
            new_password: update.password.as_ref().map(|p| p.new.clone()),
        };
        Ok(self.typed(update, track).await?.data)
    }

    /// `private_request {to}`: ask `to` for a private chat.
    pub async fn private_request(&self, to: &str) -> Result<Reply<PrivateRequested>, ClientError> {
        self.request(PrivateRequest { to: to.to_owned() }).await
    }

    /// `private_accept {from}`.
    pub async fn private_accept(&self, from: &str) -> Result<Reply<Partner>, ClientError> {
        self.request(PrivateAccept {
            from: from.to_owned(),
        })
        .await
    }

    /// `private_reject {from}`.
    pub async fn private_reject(&self, from: &str) -> Result<Reply<Requester>, ClientError> {
        self.request(PrivateReject {
            from: from.to_owned(),
        })
        .await
    }

    /// `private_end {with}`.
    pub async fn private_end(&self, with: &str) -> Result<Reply<Partner>, ClientError> {
        self.request(PrivateEnd {
            with: with.to_owned(),
        })
        .await
    }

    /// `private_list`: open chats and pending requests.
    pub async fn private_list(&self) -> Result<PrivateLinks, ClientError> {
        Ok(self.request(PrivateList {}).await?.data)
    }

    /// `role {username, role}` (owner only).
    pub async fn role(
        &self,
        username: &str,
        role: AssignableRole,
    ) -> Result<Reply<RoleChanged>, ClientError> {
        self.request(SetRole {
            username: username.to_owned(),
            role: role.as_str().to_owned(),
        })
        .await
    }

    /// `kick {username, reason, minutes?}` (admins and the owner). `minutes`
    /// defaults to 5 on the server; 0 means no cooldown.
    pub async fn kick(
        &self,
        username: &str,
        reason: &str,
        minutes: Option<u32>,
    ) -> Result<Reply<Kicked>, ClientError> {
        self.request(Kick {
            username: username.to_owned(),
            reason: reason.to_owned(),
            minutes,
        })
        .await
    }

    /// `unkick {username}`: lifts a cooldown.
    pub async fn unkick(&self, username: &str) -> Result<Reply<Username>, ClientError> {
        self.request(Unkick {
            username: username.to_owned(),
        })
        .await
    }

    /// `history {...}`: one page, oldest message first.
    pub async fn history(&self, query: History) -> Result<HistoryPage, ClientError> {
        Ok(self.request(query).await?.data)
    }

    /// `audit {limit?}` (admins and the owner): newest entry first.
    pub async fn audit(&self, limit: Option<u32>) -> Result<Vec<AuditEntry>, ClientError> {
        Ok(self.request(Audit { limit }).await?.data.entries)
    }

    /// `read {room | with, id}`: everything up to message `id` is read; returns
    /// the counts after.
    pub async fn read(&self, place: Read) -> Result<UnreadCount, ClientError> {
        Ok(self.request(place).await?.data)
    }

    /// `typing {room | with}`: tells the others you are typing. Call it at
    /// most every [`hearth_protocol::rules::TYPING_SEND_INTERVAL_MS`].
    pub async fn typing(&self, place: Typing) -> Result<(), ClientError> {
        self.request(place).await?;
        Ok(())
    }

    /// `react {id, emoji}`: gives or takes back your emoji on a message.
    pub async fn react(&self, id: i64, emoji: &str) -> Result<MessageReactions, ClientError> {
        let react = React {
            id,
            emoji: emoji.to_owned(),
        };
        Ok(self.request(react).await?.data)
    }

    /// `edit {id, text}`: replaces the text of your message; returns it as edited.
    pub async fn edit(&self, id: i64, text: &str) -> Result<ChatMessage, ClientError> {
        let edit = Edit {
            id,
            text: text.to_owned(),
        };
        Ok(self.request(edit).await?.data)
    }

    /// `delete {id}`.
    pub async fn delete(&self, id: i64) -> Result<MessageDeleted, ClientError> {
        Ok(self.request(Delete { id }).await?.data)
    }

    /// `search {room | with, query, before?, limit?}`: matches, newest first.
    pub async fn search(&self, query: Search) -> Result<SearchPage, ClientError> {
        Ok(self.request(query).await?.data)
    }

    /// `ping`: returns the round-trip time.
    pub async fn ping(&self) -> Result<Duration, ClientError> {
        let start = Instant::now();
        self.request(Ping {}).await?;
        Ok(start.elapsed())
    }
}
