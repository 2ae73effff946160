//! Client requests: the [`Request`] trait every request type implements, the
//! envelope (`type`, `data`, `id`), and [`Command`], the one enum the server
//! parses a frame into.
//!
//! Parsing happens in two steps so that a bad `data` can still be answered with
//! the request's own `type` and `id`: [`RawRequest::parse`] reads the envelope,
//! and [`RawRequest::command`] reads `data` for that type.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::envelope::RequestId;
use crate::error_code::ErrorCode;

/// One request type: its wire name and the `data` of its ok reply.
///
/// The struct itself is the request's `data` object. Requests without fields
/// are empty braced structs, so that `data` may be absent, `null` or `{}`.
pub trait Request: Serialize + DeserializeOwned + Send + 'static {
    /// The `type` on the wire.
    const TYPE: &'static str;
    /// The `type` of the ok reply (the request's own, except `ping` → `pong`).
    const REPLY_TYPE: &'static str = Self::TYPE;
    /// The `data` of the ok reply (`()` for `null`).
    type Reply: Serialize + DeserializeOwned + Send + 'static;

    /// This request as a complete frame (length prefix included), with
    /// `id`. Requests that carry file bytes write them faster than this
    /// default; the frame is the same.
    fn frame(&self, id: Option<&RequestId>) -> bytes::Bytes
    where
        Self: Sized,
    {
        encode_generic(self, id)
    }
}

/// A request envelope whose `data` has not been interpreted yet.
///
/// `Debug` leaves `data` out: it may hold a password.
pub struct RawRequest {
    /// The request `type`.
    pub kind: String,
    /// The client's id, echoed in the reply.
    pub id: Option<RequestId>,
    data: Option<Box<RawValue>>,
}

impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a frame is not a request at all (answered with `type: "error"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not UTF-8, not JSON, not an object, or `type` missing or not a string,
    /// or `id` neither a string nor a number.
    #[error("malformed request: {0}")]
    Malformed(String),
}

impl RequestError {
    /// The error code sent with this refusal.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::BadRequest
    }
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
    /// `data` is there but is not a JSON object (an array, a string, a number).
    #[error("bad data for '{0}': data must be a JSON object or null")]
    NotAnObject(&'static str),
    /// `data` has missing or mistyped fields.
    #[error("bad data for '{kind}': {detail}")]
    BadData {
        /// The request type.
        kind: &'static str,
        /// What serde found wrong.
        detail: String,
    },
}

impl CommandError {
    /// The error code sent with this refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            CommandError::UnknownType(_) => ErrorCode::UnknownType,
            _ => ErrorCode::BadRequest,
        }
    }
}

#[derive(Deserialize)]
struct EnvelopeIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    id: Option<RequestId>,
}

impl RawRequest {
    /// Reads the envelope of one frame body. The whole body must be UTF-8,
    /// including parts the server does not look at.
    pub fn parse(body: &[u8]) -> Result<RawRequest, RequestError> {
        let text =
            crate::frame::object_text(body).map_err(|why| RequestError::Malformed(why.into()))?;
        let raw: EnvelopeIn =
            serde_json::from_str(text).map_err(|e| RequestError::Malformed(e.to_string()))?;
        Ok(RawRequest {
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

/// Reads the `data` of a request of type `R`: an object, or (for requests whose
/// fields are all optional) nothing.
pub fn parse_data<R: Request>(data: Option<&RawValue>) -> Result<R, CommandError> {
    match data {
        None => serde_json::from_str("{}").map_err(|_| CommandError::MissingData(R::TYPE)),
        Some(raw) if !raw.get().starts_with('{') => Err(CommandError::NotAnObject(R::TYPE)),
        Some(raw) => serde_json::from_str(raw.get()).map_err(|e| CommandError::BadData {
            kind: R::TYPE,
            detail: e.to_string(),
        }),
    }
}

/// The request envelope as a client writes it.
#[derive(Serialize)]
struct EnvelopeOut<'a, R> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: &'a R,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
}

/// Encodes a request as a complete frame (length prefix included).
pub fn encode_request<R: Request>(request: &R, id: Option<&RequestId>) -> bytes::Bytes {
    request.frame(id)
}

/// Serializes a request as a complete frame: [`Request::frame`]'s default.
pub(crate) fn encode_generic<R: Request>(request: &R, id: Option<&RequestId>) -> bytes::Bytes {
    crate::envelope::frame_of(&EnvelopeOut {
        kind: R::TYPE,
        data: request,
        id,
    })
}

macro_rules! command_enum {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// Every request the server understands, parsed.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Command {
            $(
                #[doc = concat!("`", stringify!($ty), "`")]
                $variant($ty),
            )*
        }

        impl Command {
            /// Every request `type`, in documentation order.
            pub const TYPES: &'static [&'static str] = &[$(<$ty as Request>::TYPE),*];

            /// Parses `data` for the request type `kind`.
            pub fn parse(kind: &str, data: Option<&RawValue>) -> Result<Command, CommandError> {
                $(
                    if kind == <$ty as Request>::TYPE {
                        return parse_data::<$ty>(data).map(Command::$variant);
                    }
                )*
                Err(CommandError::UnknownType(kind.to_owned()))
            }

            /// Encodes the request as a complete frame (length prefix included).
            pub fn encode(&self, id: Option<&RequestId>) -> bytes::Bytes {
                match self {
                    $(Command::$variant(request) => encode_request(request, id),)*
                }
            }

            /// The request's `type`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Command::$variant(_) => <$ty as Request>::TYPE,)*
                }
            }
        }
    };
}
crate::for_each_request!(command_enum);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::*;
    use crate::Secret;

    fn cmd(json: &str) -> Result<Command, CommandError> {
        RawRequest::parse(json.as_bytes()).unwrap().command()
    }

    #[test]
    fn original_client_requests_parse() {
        assert_eq!(
            cmd(r#"{"type": "list", "data": null}"#).unwrap(),
            Command::List(List {})
        );
        assert_eq!(
            cmd(r#"{"type": "login", "data": {"username": "bob", "password": "pw12"}}"#).unwrap(),
            Command::Login(Login {
                username: "bob".into(),
                password: Some(Secret::new("pw12")),
                token: None,
                device: None,
            })
        );
        // The original client sends `from`; the server ignores it.
        assert_eq!(
            cmd(r#"{"type":"msg","data":{"from":"mallory","to":"public","text":"hi"}}"#).unwrap(),
            Command::Msg(Msg {
                to: "public".into(),
                text: "hi".into()
            })
        );
    }

    #[test]
    fn id_is_kept() {
        let r = RawRequest::parse(br#"{"type":"ping","id":"x1"}"#).unwrap();
        assert_eq!(r.id, Some(RequestId::Str("x1".into())));
        let r = RawRequest::parse(br#"{"type":"ping","id":42}"#).unwrap();
        assert_eq!(r.id, Some(42u64.into()));
    }

    #[test]
    fn whitespace_may_come_before_the_object() {
        let r = RawRequest::parse(b" \r\n\t{\"type\":\"ping\"}").unwrap();
        assert_eq!(r.kind, "ping");
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
            b"{\"type\":\"ping\",\"x\":\"\xed\xa0\x80\"}",
            b"{\"type\":\"ping\"}\xff",
            br#"["ping"]"#,
            br#"["public","hi"]"#,
            br#" ["msg",{"to":"public","text":"hi"}]"#,
        ] {
            let err = RawRequest::parse(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BadRequest);
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
        assert_eq!(err.code(), ErrorCode::BadRequest);
        let err = cmd(r#"{"type":"enter","data":{"room":7}}"#).unwrap_err();
        assert!(matches!(err, CommandError::BadData { kind: "enter", .. }));
        let err = cmd(r#"{"type":"dance","data":null}"#).unwrap_err();
        assert_eq!(err, CommandError::UnknownType("dance".into()));
        assert_eq!(err.code(), ErrorCode::UnknownType);
    }

    #[test]
    fn data_must_be_an_object_or_null() {
        for bad in [
            r#"{"type":"msg","data":["public","hi"]}"#,
            r#"{"type":"create","data":["room"]}"#,
            r#"{"type":"history","data":[]}"#,
            r#"{"type":"ping","data":"x"}"#,
            r#"{"type":"list","data":7}"#,
            r#"{"type":"logout","data":true}"#,
        ] {
            let err = cmd(bad).unwrap_err();
            assert!(
                matches!(err, CommandError::NotAnObject(_)),
                "{bad}: {err:?}"
            );
            assert_eq!(err.code(), ErrorCode::BadRequest);
        }
        assert_eq!(
            cmd(r#"{"type":"ping","data":{}}"#).unwrap(),
            Command::Ping(Ping {})
        );
        assert_eq!(cmd(r#"{"type":"ping"}"#).unwrap(), Command::Ping(Ping {}));
    }

    #[test]
    fn optional_data_defaults() {
        assert_eq!(
            cmd(r#"{"type":"history"}"#).unwrap(),
            Command::History(History::default())
        );
        assert_eq!(
            cmd(r#"{"type":"audit","data":{"limit":5}}"#).unwrap(),
            Command::Audit(Audit { limit: Some(5) })
        );
        assert_eq!(
            cmd(r#"{"type":"kick","data":{"username":"a","reason":"r"}}"#).unwrap(),
            Command::Kick(Kick {
                username: "a".into(),
                reason: "r".into(),
                minutes: None
            })
        );
    }

    #[test]
    fn every_type_is_listed_once() {
        let mut types = Command::TYPES.to_vec();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), Command::TYPES.len());
    }

    #[test]
    fn debug_of_a_login_never_shows_the_password() {
        let r = RawRequest::parse(
            br#"{"type":"login","data":{"username":"bob","password":"s3cret-pw"}}"#,
        )
        .unwrap();
        let shown = format!("{r:?} {:?}", r.command().unwrap());
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    }
}
