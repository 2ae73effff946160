//! What a command rejects with: `{code, message, ...}` as `ErrorPayload` in
//! `ui/src/lib/backend/types.ts`, with the optional fields present only for the codes
//! that carry them.
//!
//! Library errors ([`ClientError`], [`TrustError`], [`KeychainError`], I/O) are turned
//! into a code and a plain-language message here and nowhere else.

use hearth_client::{ClientError, TrustError};
use serde::Serialize;

use crate::keychain::KeychainError;

/// The error codes the UI knows (`ErrorCode` in types.ts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Wrong name or password.
    AuthFailed,
    /// The name (account or room) is taken.
    NameTaken,
    /// The request is not valid.
    InvalidInput,
    /// Refused during a kick cooldown.
    Kicked,
    /// The server's key differs from the saved or confirmed one.
    KeyChanged,
    /// The server's key does not match the join code.
    WrongCode,
    /// The server could not be reached.
    Unreachable,
    /// The port is taken on this computer.
    PortInUse,
    /// No usable OS keychain.
    KeychainUnavailable,
    /// No connection (or it is reconnecting).
    NotConnected,
    /// No private chat with that user.
    NotLinked,
    /// Not allowed for this role.
    Forbidden,
    /// Flood control or login throttling.
    SlowDown,
    /// The server failed or said something unexpected.
    ServerError,
    /// A bug or local failure in the app.
    Internal,
}

/// The error every command returns; serialized as the UI's `ErrorPayload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// Plain language, ready to show.
    pub message: String,
    /// The fields only some codes carry (boxed: errors stay small on the happy path).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    details: Option<Box<ErrorDetails>>,
}

/// The optional fields of an error; each is serialized only when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorDetails {
    /// `port_in_use`: a free port to offer instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_port: Option<u16>,
    /// `kicked`: end of the cooldown (ISO 8601), or null for no end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Option<String>>,
    /// `kicked`: who kicked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// `kicked`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `key_changed`: the fingerprint the host presents now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

const NO_DETAILS: ErrorDetails = ErrorDetails {
    suggested_port: None,
    until: None,
    by: None,
    reason: None,
    fingerprint: None,
};

/// What commands return.
pub type CmdResult<T> = Result<T, CommandError>;

impl CommandError {
    /// An error with just a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// The same error with some optional fields set.
    pub fn with(mut self, set: impl FnOnce(&mut ErrorDetails)) -> CommandError {
        set(self.details.get_or_insert_with(Default::default));
        self
    }

    /// The optional fields (all `None` for most codes).
    pub fn details(&self) -> &ErrorDetails {
        self.details.as_deref().unwrap_or(&NO_DETAILS)
    }

    /// `invalid_input`.
    pub fn invalid(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorCode::InvalidInput, message)
    }

    /// `not_connected`.
    pub fn not_connected() -> CommandError {
        CommandError::new(
            ErrorCode::NotConnected,
            "You are not connected to a server.",
        )
    }

    /// `internal`, for local failures (files, tasks).
    pub fn internal(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorCode::Internal, message)
    }

    /// `key_changed` with the fingerprint presented now.
    pub fn key_changed(message: impl Into<String>, fingerprint: String) -> CommandError {
        CommandError::new(ErrorCode::KeyChanged, message)
            .with(|d| d.fingerprint = Some(fingerprint))
    }
}

impl From<TrustError> for CommandError {
    fn from(e: TrustError) -> Self {
        match e {
            TrustError::WrongCode { .. } => CommandError::new(
                ErrorCode::WrongCode,
                "This is not the host you were given the code for. Check the address and the code.",
            ),
            TrustError::WrongKey { got, .. } => CommandError::key_changed(
                "The host presented a different key than the one you confirmed, so Hearth did not connect.",
                got.to_string(),
            ),
            TrustError::HostKeyChanged { addr, got, .. } => CommandError::key_changed(
                format!(
                    "The host at {addr} has a different key than last time. Someone may be pretending \
                     to be it, so Hearth refused to connect. Only if the host's owner tells you they \
                     reinstalled or reset Hearth, forget this server and connect again."
                ),
                got.to_string(),
            ),
            // `connect` turns this into `needs_trust` before it gets here.
            TrustError::UnknownHost { addr, .. } => CommandError::new(
                ErrorCode::KeyChanged,
                format!("{addr} is not a known host yet."),
            ),
            TrustError::BadCertificate(why) => CommandError::new(
                ErrorCode::Unreachable,
                format!("The server sent an unreadable certificate ({why})."),
            ),
            TrustError::KnownHosts(e) => CommandError::internal(e.to_string()),
        }
    }
}

impl From<ClientError> for CommandError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Address(e) => CommandError::invalid(format!(
                "\"{}\" is not an address ({}). Use host or host:port.",
                e.input, e.reason
            )),
            ClientError::Connect { addr, .. } => CommandError::new(
                ErrorCode::Unreachable,
                format!("Could not reach {addr}. Check the address and that the host is running."),
            ),
            ClientError::Trust(e) => e.into(),
            ClientError::Handshake(why) => CommandError::new(
                ErrorCode::Unreachable,
                format!("The secure connection could not be set up ({why})."),
            ),
            ClientError::Server {
                request,
                message,
                data,
            } => from_refusal(&request, message, data),
            ClientError::Timeout(_) => {
                CommandError::new(ErrorCode::ServerError, "The server did not answer in time.")
            }
            ClientError::Reconnecting => CommandError::new(
                ErrorCode::NotConnected,
                "The connection dropped and Hearth is reconnecting; try again in a moment.",
            ),
            ClientError::ConnectionLost | ClientError::Closed => CommandError::not_connected(),
            ClientError::Protocol(why) => CommandError::new(
                ErrorCode::ServerError,
                format!("The server sent something unexpected: {why}"),
            ),
            ClientError::Io(why) => CommandError::new(
                ErrorCode::Unreachable,
                format!("The connection failed: {why}"),
            ),
        }
    }
}

/// Classifies a request the server refused. The protocol has no error codes, so the
/// documented messages (docs/PROTOCOL.md, section 5) are matched; anything else is
/// `invalid_input` with the server's own words.
fn from_refusal(request: &str, message: String, data: Option<serde_json::Value>) -> CommandError {
    let lower = message.to_lowercase();
    if let Some(data) = data.as_ref().filter(|d| d.get("until").is_some()) {
        let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        return CommandError::new(ErrorCode::Kicked, message).with(|d| {
            d.until = Some(text("until"));
            d.by = text("by");
            d.reason = text("reason");
        });
    }
    let code = if lower.contains("too many failed logins") || lower.starts_with("slow down") {
        ErrorCode::SlowDown
    } else if lower.contains("invalid username or password")
        || lower.contains("current password is wrong")
    {
        ErrorCode::AuthFailed
    } else if lower.contains("already in use") || lower.contains("already exists") {
        ErrorCode::NameTaken
    } else if lower.contains("no private chat with") || lower.contains("has not asked you") {
        ErrorCode::NotLinked
    } else if lower.contains("only the owner")
        || lower.contains("only admins")
        || lower.contains("cannot be kicked")
        || lower.contains("cannot kick yourself")
        || lower.contains("cannot be changed")
    {
        ErrorCode::Forbidden
    } else if lower.contains("could not store") {
        ErrorCode::ServerError
    } else {
        ErrorCode::InvalidInput
    };
    let message = match code {
        ErrorCode::AuthFailed if request == "login" => "Wrong name or password.".to_owned(),
        _ => capitalized(message),
    };
    CommandError::new(code, message)
}

/// The server's messages start in lower case; the UI shows sentences.
fn capitalized(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => message,
    }
}

impl From<KeychainError> for CommandError {
    fn from(e: KeychainError) -> Self {
        match e {
            KeychainError::Unavailable(_) => CommandError::new(
                ErrorCode::KeychainUnavailable,
                "No keychain is available on this computer, so your login cannot be remembered.",
            ),
            KeychainError::Other(why) => {
                CommandError::internal(format!("The keychain failed: {why}"))
            }
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        CommandError::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_only_the_fields_of_its_code() {
        let e = CommandError::new(ErrorCode::PortInUse, "taken");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"code": "port_in_use", "message": "taken"})
        );
        let kicked = from_refusal(
            "login",
            "You were kicked by root: spam; you may rejoin in 5 minutes".into(),
            Some(json!({"until": null, "by": "root", "reason": "spam"})),
        );
        assert_eq!(
            serde_json::to_value(&kicked).unwrap(),
            json!({"code": "kicked", "message": "You were kicked by root: spam; you may rejoin in 5 minutes",
                   "until": null, "by": "root", "reason": "spam"})
        );
    }

    #[test]
    fn server_refusals_get_codes() {
        let code = |req: &str, msg: &str| from_refusal(req, msg.into(), None).code;
        assert_eq!(
            code("login", "Invalid username or password"),
            ErrorCode::AuthFailed
        );
        assert_eq!(
            code("register", "Username already in use, try another one"),
            ErrorCode::NameTaken
        );
        assert_eq!(code("create", "games already exists"), ErrorCode::NameTaken);
        assert_eq!(
            code("msg", "slow down: you are sending messages too fast"),
            ErrorCode::SlowDown
        );
        assert_eq!(
            code(
                "msg",
                "you have no private chat with bob: send a private request first"
            ),
            ErrorCode::NotLinked
        );
        assert_eq!(
            code("kick", "the owner cannot be kicked"),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code("kick", "only admins and the owner can do that"),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code("enter", "Destination room x not found"),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            from_refusal("login", "Invalid username or password".into(), None).message,
            "Wrong name or password."
        );
        assert_eq!(
            from_refusal("msg", "message text is empty".into(), None).message,
            "Message text is empty"
        );
    }
}
