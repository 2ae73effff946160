//! The library's error type.

use hearth_protocol::ErrorCode;
use serde_json::Value;

use crate::trust::TrustError;

/// Everything a client call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server address is not `HOST:PORT`.
    #[error(transparent)]
    Address(#[from] crate::addr::AddrError),
    /// The TCP connection could not be opened.
    #[error("cannot connect to {addr}: {cause}")]
    Connect {
        /// The server address.
        addr: String,
        /// Why.
        cause: std::io::Error,
    },
    /// The server's key was not trusted (nothing was sent to it).
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The TLS handshake failed for another reason (e.g. a bad signature).
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
    /// The server answered the request with an error.
    #[error("{message}")]
    Server {
        /// The request type that failed.
        request: String,
        /// Why, for programs: act on this, never on the message text.
        code: ErrorCode,
        /// The server's explanation, as sent (for people).
        message: String,
        /// The reply's `data`, if any (e.g. `{until, by, reason}` for a kick cooldown).
        data: Option<Value>,
    },
    /// No reply came in time.
    #[error("timed out while {0}")]
    Timeout(&'static str),
    /// The connection dropped and the client is reconnecting; try again shortly.
    #[error("not connected right now (reconnecting); try again shortly")]
    Reconnecting,
    /// The connection dropped before the reply came.
    #[error("the connection was lost before the server answered")]
    ConnectionLost,
    /// The client has stopped for good (closed, kicked, replaced, or gave up).
    #[error("the connection is closed")]
    Closed,
    /// The server sent something this client does not understand.
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    /// The caller cancelled the transfer.
    #[error("cancelled")]
    Cancelled,
    /// Reading or writing the connection failed.
    #[error("connection error: {0}")]
    Io(String),
}

impl ClientError {
    /// The error code, when the server refused the request.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The server's message, when the server refused the request.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            ClientError::Server { message, .. } => Some(message),
            _ => None,
        }
    }

    /// For a login refused during a kick cooldown: when it ends (ISO 8601),
    /// `Some(None)` when it lasts until an admin lifts it.
    pub fn kick_until(&self) -> Option<Option<&str>> {
        match self {
            ClientError::Server {
                data: Some(data), ..
            } => data.get("until").map(Value::as_str),
            _ => None,
        }
    }

    /// True for failures of the connection or of trust, as opposed to a
    /// request the server refused.
    pub fn is_connection_failure(&self) -> bool {
        !matches!(self, ClientError::Server { .. } | ClientError::Protocol(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_error_shows_the_servers_message_and_keeps_data() {
        let e = ClientError::Server {
            request: "login".into(),
            code: ErrorCode::Kicked,
            message: "You were kicked by root: spam; you may rejoin in 5 minutes".into(),
            data: Some(json!({"until": "2030-01-01T00:00:00.000Z", "by": "root"})),
        };
        assert_eq!(
            e.to_string(),
            "You were kicked by root: spam; you may rejoin in 5 minutes"
        );
        assert_eq!(e.kick_until(), Some(Some("2030-01-01T00:00:00.000Z")));
        assert_eq!(e.code(), Some(ErrorCode::Kicked));
        assert!(!e.is_connection_failure());

        let forever = ClientError::Server {
            request: "login".into(),
            code: ErrorCode::Kicked,
            message: "x".into(),
            data: Some(json!({"until": null})),
        };
        assert_eq!(forever.kick_until(), Some(None));
        assert!(ClientError::Closed.is_connection_failure());
    }
}
