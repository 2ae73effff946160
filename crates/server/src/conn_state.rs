//! What one connection's task owns while it serves the connection: its place
//! in the hub, its outbox, its login and its budgets. Handlers get it as
//! `&mut ConnState`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hearth_protocol::envelope::encode_reply;
use hearth_protocol::{Request, RequestId};

use crate::flood::TokenBucket;
use crate::hub::{ConnId, HubError, OnlineUser, State};
use crate::outbox::Outbox;
use crate::outcome::Answer;
use crate::shared::Shared;

/// The login this connection made: its row in the sessions table, and the
/// device whose token it used or was issued (for "log out on this device").
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginRow {
    pub id: i64,
    pub device: Option<i64>,
}

/// Per-connection state owned by the connection's task.
#[derive(Debug)]
pub(crate) struct ConnState {
    pub shared: Arc<Shared>,
    pub id: ConnId,
    pub peer: SocketAddr,
    pub outbox: Outbox,
    /// The login this task made; the hub may have ended it since (takeover, kick).
    pub login: Option<LoginRow>,
    /// When the connection entered the auth state (for the login deadline).
    pub auth_since: Option<Instant>,
    /// Failed logins on this connection; too many close it.
    pub failed_logins: u32,
    /// Flood control for `msg`.
    pub bucket: TokenBucket,
    /// Set to end the connection after the current reply.
    pub closing: bool,
    /// The id of the request being handled (for replies a handler queues itself).
    pub request_id: Option<RequestId>,
    /// The connection's log span: every line logged while serving it says whose it is.
    pub span: tracing::Span,
    /// The file this connection downloads, as last looked up (a download is many
    /// `download` requests for the same file; only the first asks the database).
    pub download: Option<DownloadTarget>,
    /// When this connection's last `typing` was relayed (its rate limit).
    pub last_typing: Option<Instant>,
}

/// A file one user may download: looked up once per file and user.
#[derive(Debug, Clone)]
pub(crate) struct DownloadTarget {
    /// Who looked it up.
    pub user: i64,
    /// The file's message id.
    pub id: i64,
    /// What was sent.
    pub meta: hearth_storage::FileMeta,
}

impl ConnState {
    /// The connection's state as the hub sees it.
    pub(crate) fn state(&self) -> State {
        let id = self.id;
        self.shared.with_hub(|hub| hub.state(id))
    }

    /// The account this connection is logged in as.
    pub(crate) fn me(&self) -> Result<OnlineUser, HubError> {
        let id = self.id;
        self.shared.with_hub(|hub| hub.me(id).cloned())
    }

    /// Queues a frame for this connection only.
    pub(crate) fn push(&self, frame: Bytes) {
        self.outbox.push(frame);
    }

    /// Encodes an ok reply to the request of type `R` being handled.
    pub(crate) fn reply_frame<R: Request>(&self, answer: &Answer<R::Reply>) -> Bytes {
        encode_reply(
            answer.kind.unwrap_or(R::REPLY_TYPE),
            answer.message.as_deref(),
            &answer.data,
            self.request_id.as_ref(),
        )
    }

    /// Notes in the log span who this connection is now (after a login or rename).
    pub(crate) fn record_user(&self, name: &str) {
        self.span.record("user", name);
    }
}
