//! Client requests: the envelope (`type`, `data`, `id`) and the typed [`Command`].
//!
//! Parsing happens in two steps so that a bad `data` can still be answered
//! with the request's own `type` and `id`: [`Request::parse`] reads the
//! envelope, and [`Request::command`] reads `data` for that type.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::envelope::RequestId;
use crate::secret::Secret;

/// A request envelope whose `data` has not been interpreted yet.
///
/// `Debug` leaves `data` out: it may hold a password.
pub struct Request {
    /// The request `type`.
    pub kind: String,
    /// The client's id, echoed in the reply.
    pub id: Option<RequestId>,
    data: Option<Box<RawValue>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a frame is not a request at all.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Not UTF-8 JSON, not an object, or `type` missing or not a string.
    #[error("malformed request: {0}")]
    Malformed(String),
}

/// Why a request's `data` does not fit its `type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The `type` is not part of the protocol.
    #[error("unknown request type '{0}'")]
    UnknownType(String),
    /// `data` is null or missing but the request needs fields.
    #[error("'{0}' needs a data object")]
    MissingData(&'static str),
    /// `data` has missing or mistyped fields.
    #[error("bad data for '{kind}': {detail}")]
    BadData {
        /// The request type.
        kind: &'static str,
        /// What serde found wrong.
        detail: String,
    },
}

#[derive(Deserialize)]
struct RawRequest {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    id: Option<RequestId>,
}

impl Request {
    /// Reads the envelope of one frame body.
    pub fn parse(body: &[u8]) -> Result<Request, RequestError> {
        let raw: RawRequest =
            serde_json::from_slice(body).map_err(|e| RequestError::Malformed(e.to_string()))?;
        Ok(Request {
            kind: raw.kind,
            id: raw.id,
            data: raw.data.filter(|d| d.get() != "null"),
        })
    }

    /// Interprets `data` according to `type`.
    pub fn command(&self) -> Result<Command, CommandError> {
        Command::parse(&self.kind, self.data.as_deref())
    }
}

/// A password change inside `profile`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PasswordChange {
    /// Current password.
    pub old: Secret,
    /// New password.
    pub new: Secret,
}

/// The page selector of a `history` request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct HistoryQuery {
    /// Room whose public history to read (defaults to the current room).
    #[serde(default)]
    pub room: Option<String>,
    /// Read the private history with this user instead.
    #[serde(default)]
    pub with: Option<String>,
    /// Newest `limit` messages before this id.
    #[serde(default)]
    pub before_id: Option<i64>,
    /// Oldest `limit` messages after this id.
    #[serde(default)]
    pub after_id: Option<i64>,
    /// Page size (default 50, clamped to 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Every request the server understands, with its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // Fields are documented in docs/PROTOCOL.md, one section per request.
pub enum Command {
    Ping,
    Register {
        username: String,
        password: Secret,
        color: Option<String>,
    },
    Login {
        username: String,
        password: Secret,
    },
    Logout,
    List,
    Create {
        room: String,
    },
    Enter {
        room: String,
    },
    Exit,
    Msg {
        to: String,
        text: String,
    },
    Profile {
        color: Option<String>,
        username: Option<String>,
        password: Option<PasswordChange>,
    },
    PrivateRequest {
        to: String,
    },
    PrivateAccept {
        from: String,
    },
    PrivateReject {
        from: String,
    },
    PrivateEnd {
        with: String,
    },
    PrivateList,
    Role {
        username: String,
        role: String,
    },
    Kick {
        username: String,
        reason: String,
        minutes: Option<u32>,
    },
    Unkick {
        username: String,
    },
    History(HistoryQuery),
    Audit {
        limit: Option<u32>,
    },
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: Secret,
    #[serde(default)]
    color: Option<String>,
}
#[derive(Deserialize)]
struct RoomField {
    room: String,
}
#[derive(Deserialize)]
struct MsgFields {
    to: String,
    text: String,
}
#[derive(Deserialize)]
struct ProfileFields {
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<PasswordChange>,
}
#[derive(Deserialize)]
struct ToField {
    to: String,
}
#[derive(Deserialize)]
struct FromField {
    from: String,
}
#[derive(Deserialize)]
struct WithField {
    with: String,
}
#[derive(Deserialize)]
struct RoleFields {
    username: String,
    role: String,
}
#[derive(Deserialize)]
struct KickFields {
    username: String,
    reason: String,
    #[serde(default)]
    minutes: Option<u32>,
}
#[derive(Deserialize)]
struct UsernameField {
    username: String,
}
#[derive(Deserialize, Default)]
struct LimitField {
    #[serde(default)]
    limit: Option<u32>,
}

/// Reads required `data` as `T`.
fn fields<T: DeserializeOwned>(
    kind: &'static str,
    data: Option<&RawValue>,
) -> Result<T, CommandError> {
    let raw = data.ok_or(CommandError::MissingData(kind))?;
    serde_json::from_str(raw.get()).map_err(|e| CommandError::BadData {
        kind,
        detail: e.to_string(),
    })
}

/// Reads optional `data` as `T`, using `T::default()` for null.
fn optional_fields<T: DeserializeOwned + Default>(
    kind: &'static str,
    data: Option<&RawValue>,
) -> Result<T, CommandError> {
    match data {
        None => Ok(T::default()),
        Some(_) => fields(kind, data),
    }
}

impl Command {
    /// Parses `data` for the request type `kind`.
    pub fn parse(kind: &str, data: Option<&RawValue>) -> Result<Command, CommandError> {
        Ok(match kind {
            "ping" => Command::Ping,
            "register" => {
                let c: Credentials = fields("register", data)?;
                Command::Register {
                    username: c.username,
                    password: c.password,
                    color: c.color,
                }
            }
            "login" => {
                let c: Credentials = fields("login", data)?;
                Command::Login {
                    username: c.username,
                    password: c.password,
                }
            }
            "logout" => Command::Logout,
            "list" => Command::List,
            "create" => Command::Create {
                room: fields::<RoomField>("create", data)?.room,
            },
            "enter" => Command::Enter {
                room: fields::<RoomField>("enter", data)?.room,
            },
            "exit" => Command::Exit,
            "msg" => {
                let m: MsgFields = fields("msg", data)?;
                Command::Msg {
                    to: m.to,
                    text: m.text,
                }
            }
            "profile" => {
                let p: ProfileFields = fields("profile", data)?;
                Command::Profile {
                    color: p.color,
                    username: p.username,
                    password: p.password,
                }
            }
            "private_request" => Command::PrivateRequest {
                to: fields::<ToField>("private_request", data)?.to,
            },
            "private_accept" => Command::PrivateAccept {
                from: fields::<FromField>("private_accept", data)?.from,
            },
            "private_reject" => Command::PrivateReject {
                from: fields::<FromField>("private_reject", data)?.from,
            },
            "private_end" => Command::PrivateEnd {
                with: fields::<WithField>("private_end", data)?.with,
            },
            "private_list" => Command::PrivateList,
            "role" => {
                let r: RoleFields = fields("role", data)?;
                Command::Role {
                    username: r.username,
                    role: r.role,
                }
            }
            "kick" => {
                let k: KickFields = fields("kick", data)?;
                Command::Kick {
                    username: k.username,
                    reason: k.reason,
                    minutes: k.minutes,
                }
            }
            "unkick" => Command::Unkick {
                username: fields::<UsernameField>("unkick", data)?.username,
            },
            "history" => Command::History(optional_fields("history", data)?),
            "audit" => Command::Audit {
                limit: optional_fields::<LimitField>("audit", data)?.limit,
            },
            other => return Err(CommandError::UnknownType(other.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(json: &str) -> Result<Command, CommandError> {
        Request::parse(json.as_bytes()).unwrap().command()
    }

    #[test]
    fn original_client_requests_parse() {
        assert_eq!(
            cmd(r#"{"type": "list", "data": null}"#).unwrap(),
            Command::List
        );
        assert_eq!(
            cmd(r#"{"type": "login", "data": {"username": "bob", "password": "pw12"}}"#).unwrap(),
            Command::Login {
                username: "bob".into(),
                password: Secret::new("pw12")
            }
        );
        // The original client sends `from`; the server ignores it.
        assert_eq!(
            cmd(r#"{"type":"msg","data":{"from":"mallory","to":"public","text":"hi"}}"#).unwrap(),
            Command::Msg {
                to: "public".into(),
                text: "hi".into()
            }
        );
    }

    #[test]
    fn id_is_kept() {
        let r = Request::parse(br#"{"type":"ping","id":"x1"}"#).unwrap();
        assert_eq!(r.id, Some(RequestId::Str("x1".into())));
        let r = Request::parse(br#"{"type":"ping","id":42}"#).unwrap();
        assert_eq!(r.id, Some(42u64.into()));
    }

    #[test]
    fn malformed_envelopes() {
        for bad in [
            &b"not json"[..],
            b"[1,2]",
            b"{}",
            br#"{"type":5}"#,
            b"",
            br#"{"type":"x","id":[1]}"#,
        ] {
            assert!(
                Request::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn missing_and_bad_fields_are_errors() {
        assert_eq!(
            cmd(r#"{"type":"login","data":null}"#),
            Err(CommandError::MissingData("login"))
        );
        let err = cmd(r#"{"type":"login","data":{"username":"bob"}}"#).unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
        let err = cmd(r#"{"type":"enter","data":{"room":7}}"#).unwrap_err();
        assert!(matches!(err, CommandError::BadData { kind: "enter", .. }));
        assert_eq!(
            cmd(r#"{"type":"dance","data":null}"#),
            Err(CommandError::UnknownType("dance".into()))
        );
    }

    #[test]
    fn optional_data_defaults() {
        assert_eq!(
            cmd(r#"{"type":"history"}"#).unwrap(),
            Command::History(HistoryQuery::default())
        );
        assert_eq!(
            cmd(r#"{"type":"audit","data":{"limit":5}}"#).unwrap(),
            Command::Audit { limit: Some(5) }
        );
        assert_eq!(
            cmd(r#"{"type":"kick","data":{"username":"a","reason":"r"}}"#).unwrap(),
            Command::Kick {
                username: "a".into(),
                reason: "r".into(),
                minutes: None
            }
        );
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn debug_of_a_login_never_shows_the_password() {
        let r =
            Request::parse(br#"{"type":"login","data":{"username":"bob","password":"s3cret-pw"}}"#)
                .unwrap();
        let shown = format!("{r:?} {:?}", r.command().unwrap());
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    }
}
