//! One connection's protocol session: parse a request, check it fits the
//! connection's state, run its handler, and queue the reply.
//!
//! Handlers live in `crate::cmd`, one module per group of requests. Each
//! returns an [`Outcome`]: a reply to send, nothing (a successful `msg`), or a
//! [`Refusal`] that becomes an error reply with the request's `type` and `id`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hearth_protocol::envelope::{encode_frame, error_frame, ok_frame};
use hearth_protocol::{Command, Request, RequestId, Status};
use serde_json::Value;

use crate::hub::{ConnId, State};
use crate::outbox::Outbox;
use crate::shared::Shared;

/// A successful reply.
#[derive(Debug, Default)]
pub(crate) struct Reply {
    /// Reply type when it differs from the request's (`list` in a room → `list_room`,
    /// `ping` → `pong`).
    pub kind: Option<&'static str>,
    pub message: Option<String>,
    /// A JSON object, or `None` for null.
    pub data: Option<Value>,
}

impl Reply {
    /// A reply with a message and no data.
    pub(crate) fn message(text: impl Into<String>) -> Reply {
        Reply {
            message: Some(text.into()),
            ..Reply::default()
        }
    }

    /// A reply with data and no message.
    pub(crate) fn data(data: Value) -> Reply {
        Reply {
            data: Some(data),
            ..Reply::default()
        }
    }
}

/// A refused request: an error reply.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub message: String,
    pub data: Option<Value>,
    /// Close the connection after sending the error.
    pub close: bool,
}

impl Refusal {
    /// An error reply with this message.
    pub(crate) fn new(message: impl Into<String>) -> Refusal {
        Refusal {
            message: message.into(),
            data: None,
            close: false,
        }
    }

    /// The generic answer when the server itself failed; details go to the log.
    pub(crate) fn internal(err: impl std::fmt::Display) -> Refusal {
        tracing::error!(error = %err, "request failed inside the server");
        Refusal::new("the server hit an internal error; please try again")
    }
}

impl From<hearth_protocol::rules::RuleError> for Refusal {
    fn from(e: hearth_protocol::rules::RuleError) -> Self {
        Refusal::new(e.to_string())
    }
}

/// What a handler produced.
#[derive(Debug)]
pub(crate) enum Handled {
    /// Send this reply.
    Reply(Reply),
    /// The handler already queued its reply (it had to precede other frames).
    Sent,
    /// Nothing to send (a successful `msg`).
    Silent,
}

/// Result of a handler.
pub(crate) type Outcome = Result<Handled, Refusal>;

/// Who this connection is logged in as, from its own point of view.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    /// Row in the sessions table.
    pub session_id: i64,
}

/// Per-connection state owned by the connection's task.
#[derive(Debug)]
pub(crate) struct Session {
    pub shared: Arc<Shared>,
    pub id: ConnId,
    pub peer: SocketAddr,
    pub outbox: Outbox,
    /// The login this task made; the hub may have ended it since (takeover, kick).
    pub login: Option<Login>,
    /// When the connection entered the auth state (for the login deadline).
    pub auth_since: Option<Instant>,
    /// Failed logins on this connection; too many close it.
    pub failed_logins: u32,
    /// Flood control for `msg`.
    pub bucket: crate::flood::TokenBucket,
    /// Set by a handler to end the connection after its reply.
    pub closing: bool,
    /// The request being handled (for replies queued by handlers themselves).
    pub current: Option<(String, Option<RequestId>)>,
}

impl Session {
    /// The connection's state as the hub sees it.
    pub(crate) fn state(&self) -> State {
        self.shared.hub().state(self.id)
    }

    /// Queues a frame for this connection only.
    pub(crate) fn push(&self, frame: Bytes) {
        self.outbox.push(frame);
    }

    /// Encodes an ok reply for the request being handled.
    pub(crate) fn reply_frame(&self, reply: &Reply) -> Bytes {
        let (kind, id) = match &self.current {
            Some((kind, id)) => (kind.as_str(), id.as_ref()),
            None => ("error", None),
        };
        ok_frame(
            reply.kind.unwrap_or(kind),
            reply.message.as_deref(),
            reply.data.as_ref(),
            id,
        )
    }

    /// Handles one frame body.
    pub(crate) async fn handle_frame(&mut self, body: &[u8]) {
        let request = match Request::parse(body) {
            Ok(r) => r,
            Err(e) => {
                self.push(error_frame("error", &e.to_string(), None));
                return;
            }
        };
        let command = match request.command() {
            Ok(c) => c,
            Err(e) => {
                self.push(error_frame(
                    &request.kind,
                    &e.to_string(),
                    request.id.as_ref(),
                ));
                return;
            }
        };
        self.current = Some((request.kind.clone(), request.id.clone()));
        let state = self.state();
        let outcome = match check_state(&command, state) {
            Ok(()) => self.run(command, state, request.id.clone()).await,
            Err(refusal) => Err(refusal),
        };
        match outcome {
            Ok(Handled::Reply(reply)) => self.push(self.reply_frame(&reply)),
            Ok(Handled::Sent | Handled::Silent) => {}
            Err(refusal) => {
                let frame = encode_frame(
                    &request.kind,
                    Status::Error,
                    Some(&refusal.message),
                    refusal.data.as_ref(),
                    request.id.as_ref(),
                );
                self.push(frame);
                if refusal.close {
                    self.closing = true;
                }
            }
        }
        self.current = None;
    }

    async fn run(&mut self, command: Command, state: State, id: Option<RequestId>) -> Outcome {
        use crate::cmd::{admin, auth, history, lobby, private, profile, room};
        match command {
            Command::Ping => Ok(Handled::Reply(Reply {
                kind: Some("pong"),
                ..Reply::default()
            })),
            Command::Register {
                username,
                password,
                color,
            } => auth::register(self, username, password, color).await,
            Command::Login { username, password } => auth::login(self, username, password).await,
            Command::Logout => auth::logout(self).await,
            Command::List => lobby::list(self, state),
            Command::Create { room } => lobby::create(self, room).await,
            Command::Enter { room } => lobby::enter(self, room).await,
            Command::Exit => room::exit(self, state),
            Command::Msg { to, text } => room::msg(self, state, to, text, id).await,
            Command::Profile {
                color,
                username,
                password,
            } => profile::update(self, color, username, password).await,
            Command::PrivateRequest { to } => private::request(self, to),
            Command::PrivateAccept { from } => private::accept(self, from),
            Command::PrivateReject { from } => private::reject(self, from),
            Command::PrivateEnd { with } => private::end(self, with),
            Command::PrivateList => private::list(self),
            Command::Role { username, role } => admin::role(self, username, role).await,
            Command::Kick {
                username,
                reason,
                minutes,
            } => admin::kick(self, username, reason, minutes).await,
            Command::Unkick { username } => admin::unkick(self, username).await,
            Command::History(query) => history::page(self, state, query).await,
            Command::Audit { limit } => admin::audit(self, limit).await,
        }
    }
}

/// Refuses a request that does not fit the connection's state.
fn check_state(command: &Command, state: State) -> Result<(), Refusal> {
    let (allowed, hint) = match command {
        Command::Ping => (true, ""),
        Command::Register { .. } | Command::Login { .. } => {
            (state == State::Auth, "; log out first")
        }
        Command::Create { .. } | Command::Enter { .. } => {
            (state == State::Lobby, "; exit the room first")
        }
        Command::Exit => (matches!(state, State::Room(_)), "; you are not in a room"),
        _ => (state != State::Auth, "; log in first"),
    };
    if allowed {
        Ok(())
    } else {
        let kind = command_name(command);
        Err(Refusal::new(format!(
            "'{kind}' is not allowed in the {} state{hint}",
            state.name()
        )))
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Ping => "ping",
        Command::Register { .. } => "register",
        Command::Login { .. } => "login",
        Command::Logout => "logout",
        Command::List => "list",
        Command::Create { .. } => "create",
        Command::Enter { .. } => "enter",
        Command::Exit => "exit",
        Command::Msg { .. } => "msg",
        Command::Profile { .. } => "profile",
        Command::PrivateRequest { .. } => "private_request",
        Command::PrivateAccept { .. } => "private_accept",
        Command::PrivateReject { .. } => "private_reject",
        Command::PrivateEnd { .. } => "private_end",
        Command::PrivateList => "private_list",
        Command::Role { .. } => "role",
        Command::Kick { .. } => "kick",
        Command::Unkick { .. } => "unkick",
        Command::History(_) => "history",
        Command::Audit { .. } => "audit",
    }
}
