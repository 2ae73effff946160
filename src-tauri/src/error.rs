//! What a command rejects with: `{code, message, ...}` (`ErrorPayload` in the
//! generated TypeScript), the optional fields present only for the codes that
//! carry them.
//!
//! A refusal from the server keeps the server's own code (the wire's
//! `ErrorCode`); failures on this side have an [`AppCode`]. Nothing here reads
//! the text of a server message. Library errors ([`ClientError`],
//! [`TrustError`], [`KeychainError`], I/O) become a code and a plain-language
//! message here and nowhere else.

use hearth_client::{ClientError, ErrorCode as ServerCode, TrustError};
use hearth_protocol::KickInfo;
use serde::Serialize;
use ts_rs::TS;

use crate::keychain::KeychainError;

/// Why a command failed: a code of the protocol's list (the server's own when
/// it refused the request), or one of the app's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum ErrorCode {
    /// A protocol code: as the server sent it, or (`invalid_input`,
    /// `server_error`) the same meaning found on this side.
    Protocol(ServerCode),
    /// A failure only the app can have.
    App(AppCode),
}

/// Failures only the app can have; none shares a name with a protocol code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppCode {
    /// The server's key differs from the saved or confirmed one.
    KeyChanged,
    /// The server's key does not match the join code.
    WrongCode,
    /// A host found on the LAN is not who it announced: its key does not match the code
    /// it announced.
    NotThisHost,
    /// The server could not be reached.
    Unreachable,
    /// The port is taken on this computer.
    PortInUse,
    /// No usable OS keychain.
    KeychainUnavailable,
    /// No connection (or it is reconnecting).
    NotConnected,
    /// The user cancelled a file transfer.
    Cancelled,
    /// A bug or local failure in the app.
    Internal,
}

impl From<AppCode> for ErrorCode {
    fn from(code: AppCode) -> Self {
        ErrorCode::App(code)
    }
}

impl From<ServerCode> for ErrorCode {
    fn from(code: ServerCode) -> Self {
        ErrorCode::Protocol(code)
    }
}

/// The error every command returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(rename = "ErrorPayload")]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// Plain language, ready to show.
    pub message: String,
    /// The fields only some codes carry.
    #[serde(flatten)]
    #[ts(flatten)]
    details: ErrorDetails,
}

/// The optional fields of an error; each is serialized only when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ErrorDetails {
    /// `port_in_use`: a free port to offer instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub suggested_port: Option<u16>,
    /// `kicked`: end of the cooldown (ISO 8601), or null for no end.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<String>", optional = nullable)]
    pub until: Option<Option<String>>,
    /// `kicked`: who kicked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub by: Option<String>,
    /// `kicked`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// `key_changed`: the fingerprint the host presents now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fingerprint: Option<String>,
}

/// What commands return.
pub type CmdResult<T> = Result<T, CommandError>;

impl CommandError {
    /// An error with just a code and a message.
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> CommandError {
        CommandError {
            code: code.into(),
            message: message.into(),
            details: ErrorDetails::default(),
        }
    }

    /// The same error with some optional fields set.
    pub fn with(mut self, set: impl FnOnce(&mut ErrorDetails)) -> CommandError {
        set(&mut self.details);
        self
    }

    /// The optional fields (all `None` for most codes).
    pub fn details(&self) -> &ErrorDetails {
        &self.details
    }

    /// `invalid_input`, for what the app refuses before asking a server.
    pub fn invalid(message: impl Into<String>) -> CommandError {
        CommandError::new(ServerCode::InvalidInput, message)
    }

    /// `server_error`: the server (or this app's hosting of one) failed.
    pub fn server_error(message: impl Into<String>) -> CommandError {
        CommandError::new(ServerCode::ServerError, message)
    }

    /// `not_connected`.
    pub fn not_connected() -> CommandError {
        CommandError::new(AppCode::NotConnected, "You are not connected to a server.")
    }

    /// `internal`, for local failures (files, tasks).
    pub fn internal(message: impl Into<String>) -> CommandError {
        CommandError::new(AppCode::Internal, message)
    }

    /// `key_changed` with the fingerprint presented now.
    pub fn key_changed(message: impl Into<String>, fingerprint: String) -> CommandError {
        CommandError::new(AppCode::KeyChanged, message).with(|d| d.fingerprint = Some(fingerprint))
    }

    /// True when the code is the protocol's `code`.
    pub fn is(&self, code: ServerCode) -> bool {
        self.code == ErrorCode::Protocol(code)
    }
}

impl From<TrustError> for CommandError {
    fn from(e: TrustError) -> Self {
        match e {
            TrustError::WrongCode { .. } => CommandError::new(
                AppCode::WrongCode,
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
                AppCode::KeyChanged,
                format!("{addr} is not a known host yet."),
            ),
            TrustError::BadCertificate(why) => CommandError::new(
                AppCode::Unreachable,
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
                AppCode::Unreachable,
                format!("Could not reach {addr}. Check the address and that the host is running."),
            ),
            ClientError::Trust(e) => e.into(),
            ClientError::Handshake(why) => CommandError::new(
                AppCode::Unreachable,
                format!("The secure connection could not be set up ({why})."),
            ),
            ClientError::Server {
                request,
                code,
                message,
                data,
            } => refusal(&request, code, message, data),
            ClientError::Timeout(_) => {
                CommandError::server_error("The server did not answer in time.")
            }
            ClientError::Reconnecting => CommandError::new(
                AppCode::NotConnected,
                "The connection dropped and Hearth is reconnecting; try again in a moment.",
            ),
            ClientError::ConnectionLost | ClientError::Closed => CommandError::not_connected(),
            ClientError::Cancelled => CommandError::new(AppCode::Cancelled, "Cancelled."),
            ClientError::Protocol(why) => {
                CommandError::server_error(format!("The server sent something unexpected: {why}"))
            }
            ClientError::Io(why) => CommandError::new(
                AppCode::Unreachable,
                format!("The connection failed: {why}"),
            ),
        }
    }
}

/// A request the server refused: its code as sent, its message as a sentence,
/// and for a kicked login the cooldown from `data`.
fn refusal(
    request: &str,
    code: ServerCode,
    message: String,
    data: Option<serde_json::Value>,
) -> CommandError {
    let message = match code {
        ServerCode::AuthFailed if request == "login" => "Wrong name or password.".to_owned(),
        _ => capitalized(message),
    };
    let error = CommandError::new(code, message);
    let kick = data.and_then(|d| serde_json::from_value::<KickInfo>(d).ok());
    match (code, kick) {
        (ServerCode::Kicked, Some(kick)) => error.with(|d| {
            d.until = Some(kick.until);
            d.by = Some(kick.by);
            d.reason = Some(kick.reason);
        }),
        _ => error,
    }
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
                AppCode::KeychainUnavailable,
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

    fn server(
        request: &str,
        code: ServerCode,
        message: &str,
        data: Option<serde_json::Value>,
    ) -> CommandError {
        ClientError::Server {
            request: request.into(),
            code,
            message: message.into(),
            data,
        }
        .into()
    }

    #[test]
    fn serializes_only_the_fields_of_its_code() {
        let e = CommandError::new(AppCode::PortInUse, "taken");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"code": "port_in_use", "message": "taken"})
        );
        let kicked = server(
            "login",
            ServerCode::Kicked,
            "You were kicked by root: spam; you may rejoin in 5 minutes",
            Some(json!({"until": null, "by": "root", "reason": "spam"})),
        );
        assert_eq!(
            serde_json::to_value(&kicked).unwrap(),
            json!({"code": "kicked", "message": "You were kicked by root: spam; you may rejoin in 5 minutes",
                   "until": null, "by": "root", "reason": "spam"})
        );
    }

    #[test]
    fn server_refusals_keep_the_servers_code_whatever_the_words() {
        for code in ServerCode::ALL {
            let e = server("create", *code, "any wording at all", None);
            assert_eq!(e.code, ErrorCode::Protocol(*code));
            assert_eq!(
                serde_json::to_value(&e).unwrap()["code"],
                json!(code.as_str())
            );
        }
        assert_eq!(
            server(
                "login",
                ServerCode::AuthFailed,
                "Invalid username or password",
                None
            )
            .message,
            "Wrong name or password."
        );
        assert_eq!(
            server(
                "msg",
                ServerCode::InvalidInput,
                "message text is empty",
                None
            )
            .message,
            "Message text is empty"
        );
    }

    #[test]
    fn app_codes_and_server_codes_never_share_a_name() {
        let app = [
            AppCode::KeyChanged,
            AppCode::WrongCode,
            AppCode::NotThisHost,
            AppCode::Unreachable,
            AppCode::PortInUse,
            AppCode::KeychainUnavailable,
            AppCode::NotConnected,
            AppCode::Cancelled,
            AppCode::Internal,
        ];
        for a in app {
            let name = serde_json::to_value(a).unwrap();
            assert!(
                ServerCode::ALL.iter().all(|s| json!(s.as_str()) != name),
                "{name} is both an app and a server code"
            );
        }
    }
}
