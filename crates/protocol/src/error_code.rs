//! The stable, machine-readable reason carried by every error reply (`"code"`).
//!
//! Programs act on the code, never on the human-readable `message`, which may be
//! reworded at any time. docs/PROTOCOL.md lists every code with when it is sent;
//! a test keeps that list and this enum in step.

use serde::{Deserialize, Deserializer, Serialize};

/// Why a request was refused. Serialized in `snake_case` (`name_taken`, …).
///
/// New codes may be added; a client reads a code it does not know as
/// [`ErrorCode::Unknown`] and treats it like [`ErrorCode::ServerError`].
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ServerErrorCode")]
pub enum ErrorCode {
    /// The frame is not a request: not UTF-8 JSON, not an object, no string
    /// `type`, a `data` that is neither an object nor null, or fields missing or
    /// of the wrong JSON type.
    BadRequest,
    /// The `type` is not part of the protocol.
    UnknownType,
    /// The request does not fit the connection's state (log in first, exit the
    /// room first, …).
    WrongState,
    /// A value breaks an input rule: a name, password, colour, text, reason or
    /// number out of range.
    InvalidInput,
    /// The user or room name is already taken (compared case-insensitively).
    NameTaken,
    /// Wrong username or password (the same for both), or the current password
    /// is wrong.
    AuthFailed,
    /// The login is refused during a kick cooldown; `data` has `{until, by, reason}`.
    Kicked,
    /// Too fast: flood control on messages, or too many failed logins from
    /// the address.
    SlowDown,
    /// The user's role does not allow it.
    Forbidden,
    /// The named room or user does not exist.
    NotFound,
    /// The named user is not online.
    NotOnline,
    /// There is no private chat (or no pending request) with that user.
    NotLinked,
    /// A private chat with that user is already open.
    AlreadyLinked,
    /// The frame is larger than the server accepts; the connection is closed.
    TooLarge,
    /// A file is larger than the host's per-file cap or its whole file quota.
    FileTooBig,
    /// The user has uploaded as much as the host allows per hour; the message
    /// says when more fits.
    UploadLimit,
    /// An `upload_chunk` does not continue its upload: wrong offset, past the
    /// announced size, or empty or oversized data.
    BadChunk,
    /// The uploaded bytes do not have the announced SHA-256; the upload is dropped.
    HashMismatch,
    /// The file or upload is no longer there (evicted for the quota, finished,
    /// cancelled or expired).
    FileGone,
    /// An edit came after the 24-hour edit window closed.
    TooLate,
    /// A reaction that is not one emoji.
    NotEmoji,
    /// The server failed (storage, an internal error); trying again may work.
    ServerError,
    /// A code this build does not know (sent by a newer server). Never sent.
    Unknown,
}

impl ErrorCode {
    /// Every code a server may send, in documentation order.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::BadRequest,
        ErrorCode::UnknownType,
        ErrorCode::WrongState,
        ErrorCode::InvalidInput,
        ErrorCode::NameTaken,
        ErrorCode::AuthFailed,
        ErrorCode::Kicked,
        ErrorCode::SlowDown,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::NotOnline,
        ErrorCode::NotLinked,
        ErrorCode::AlreadyLinked,
        ErrorCode::TooLarge,
        ErrorCode::FileTooBig,
        ErrorCode::UploadLimit,
        ErrorCode::BadChunk,
        ErrorCode::HashMismatch,
        ErrorCode::FileGone,
        ErrorCode::TooLate,
        ErrorCode::NotEmoji,
        ErrorCode::ServerError,
    ];

    /// The wire spelling, e.g. `"name_taken"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::WrongState => "wrong_state",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::AuthFailed => "auth_failed",
            ErrorCode::Kicked => "kicked",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotOnline => "not_online",
            ErrorCode::NotLinked => "not_linked",
            ErrorCode::AlreadyLinked => "already_linked",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::FileTooBig => "file_too_big",
            ErrorCode::UploadLimit => "upload_limit",
            ErrorCode::BadChunk => "bad_chunk",
            ErrorCode::HashMismatch => "hash_mismatch",
            ErrorCode::FileGone => "file_gone",
            ErrorCode::TooLate => "too_late",
            ErrorCode::NotEmoji => "not_emoji",
            ErrorCode::ServerError => "server_error",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    /// Reads a code; one this build does not know becomes [`ErrorCode::Unknown`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .unwrap_or(ErrorCode::Unknown))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_the_serde_spelling() {
        for code in ErrorCode::ALL.iter().chain([&ErrorCode::Unknown]) {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        }
    }

    #[test]
    fn a_code_from_a_newer_server_reads_as_unknown() {
        let code: ErrorCode = serde_json::from_str("\"quota_exceeded_somewhere\"").unwrap();
        assert_eq!(code, ErrorCode::Unknown);
    }
}
