//! What a request handler produces: an answer (the ok reply's message and
//! typed `data`), nothing, or a [`Refusal`] that becomes an error reply with
//! the request's `type`, `id` and an [`ErrorCode`].

use hearth_protocol::rules::RuleError;
use hearth_protocol::ErrorCode;
use serde_json::Value;

use crate::hub::HubError;

/// A successful reply's parts; `data` is the request's reply type.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    /// Reply type when it differs from the request's usual one (`list` in a
    /// room is answered as `list_room`).
    pub kind: Option<&'static str>,
    pub message: Option<String>,
    pub data: T,
}

impl<T> Answer<T> {
    /// A reply with data and no message.
    pub(crate) fn data(data: T) -> Answer<T> {
        Answer {
            kind: None,
            message: None,
            data,
        }
    }

    /// A reply with a message and data.
    pub(crate) fn with_message(message: impl Into<String>, data: T) -> Answer<T> {
        Answer {
            kind: None,
            message: Some(message.into()),
            data,
        }
    }
}

/// What a handler did with its request.
#[derive(Debug)]
pub(crate) enum Handled<T> {
    /// Send this reply.
    Reply(Answer<T>),
    /// The handler already queued its reply (it had to precede other frames).
    Sent,
    /// Nothing to send (a successful `msg`: the sender's copy is the answer).
    Silent,
}

/// Result of a handler whose reply `data` is `T`.
pub(crate) type Outcome<T> = Result<Handled<T>, Refusal>;

/// A refused request: an error reply.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    /// Details for some codes (the cooldown of a kicked login).
    pub data: Option<Value>,
    /// Close the connection after sending the error.
    pub close: bool,
}

impl Refusal {
    /// An error reply with this code and message.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
            data: None,
            close: false,
        }
    }

    /// The generic answer when the server itself failed; details go to the log.
    pub(crate) fn internal(err: impl std::fmt::Display) -> Refusal {
        tracing::error!(error = %err, "request failed inside the server");
        Refusal::new(
            ErrorCode::ServerError,
            "the server hit an internal error; please try again",
        )
    }

    /// The same refusal, closing the connection after it when `close` is set.
    pub(crate) fn closing_if(mut self, close: bool) -> Refusal {
        self.close = close;
        self
    }
}

impl From<RuleError> for Refusal {
    fn from(e: RuleError) -> Self {
        Refusal::new(e.code(), e.to_string())
    }
}

impl From<HubError> for Refusal {
    fn from(e: HubError) -> Self {
        match e {
            HubError::NotLoggedIn => Refusal::new(ErrorCode::WrongState, "you are not logged in"),
            HubError::NotOnline(name) => {
                Refusal::new(ErrorCode::NotOnline, format!("{name} is not online"))
            }
            HubError::WithSelf => Refusal::new(
                ErrorCode::InvalidInput,
                "you cannot open a private chat with yourself",
            ),
            HubError::AlreadyLinked(name) => Refusal::new(
                ErrorCode::AlreadyLinked,
                format!("you already have a private chat with {name}"),
            ),
            HubError::NotAsked(name) => Refusal::new(
                ErrorCode::NotLinked,
                format!("{name} has not asked you for a private chat"),
            ),
            HubError::NotLinked(name) => Refusal::new(
                ErrorCode::NotLinked,
                format!("you have no private chat with {name}"),
            ),
        }
    }
}
