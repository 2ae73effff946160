//! The JSON object every server frame carries, and how it is encoded.
//!
//! Replies and pushes look like
//! `{"type": T, "status": "ok" | "error", "message": string | null, "data": {...} | null}`,
//! with `"code"` added on error replies, the user's `"unread"` counts on `list`
//! replies, and the request's `id` echoed on replies. Keys are written in that
//! order; the first four are the original Python server's. Requests are
//! encoded in [`crate::request`].

use bytes::{BufMut, Bytes, BytesMut};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::frame::HEADER_LEN;
use crate::push::Push;
use crate::types::{RoomMembers, UnreadCount};

/// A request id chosen by the client, echoed in the reply: a string or a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// A numeric id (kept exactly as sent).
    Num(serde_json::Number),
    /// A string id.
    Str(String),
}

impl From<u64> for RequestId {
    fn from(n: u64) -> Self {
        RequestId::Num(n.into())
    }
}

/// Whether a reply or push reports success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Success (every push uses this).
    Ok,
    /// The request failed; `message` says why and `code` what kind of failure.
    Error,
}

/// A reply or push as received by a client, with `data` not yet interpreted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Message type, e.g. `login`, `msg`, `list_room`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Success or failure.
    pub status: Status,
    /// Human-readable text, or null.
    #[serde(default)]
    pub message: Option<String>,
    /// Payload: a JSON object, or null.
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    /// On error replies: why, for programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// On `list` replies: the user's unread counts. They travel beside `data`
    /// because `data` is the original protocol's map of room names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<Vec<UnreadCount>>,
    /// The request id this reply answers (absent on pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
}

impl Envelope {
    /// Parses a frame body: one JSON object in UTF-8 (see
    /// [`crate::frame::object_text`]) whose `data` is an object or null, the
    /// rules the server holds requests to.
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        use serde::de::Error;
        let text = crate::frame::object_text(body).map_err(serde_json::Error::custom)?;
        let env: Envelope = serde_json::from_str(text)?;
        match &env.data {
            None | Some(serde_json::Value::Null | serde_json::Value::Object(_)) => Ok(env),
            Some(_) => Err(serde_json::Error::custom(
                "data must be a JSON object or null",
            )),
        }
    }

    /// True for `status: "ok"`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// Reads `data` (null when absent) as `T`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match &self.data {
            Some(data) => T::deserialize(data),
            None => T::deserialize(serde_json::Value::Null),
        }
    }
}

/// The server's frame, borrowed, so that nothing is copied before encoding.
#[derive(Serialize)]
struct Outgoing<'a, D: Serialize + ?Sized> {
    #[serde(rename = "type")]
    kind: &'a str,
    status: Status,
    message: Option<&'a str>,
    data: Option<&'a D>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<ErrorCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
}

/// Serializes `value` as one complete frame (length prefix included).
pub(crate) fn frame_of<T: Serialize + ?Sized>(value: &T) -> Bytes {
    let mut buf = BytesMut::with_capacity(128);
    buf.put_u32(0);
    let mut writer = buf.writer();
    // Every message type is plain structs, strings, numbers and JSON values
    // with string keys, written to memory: serializing cannot fail.
    serde_json::to_writer(&mut writer, value).expect("in-memory JSON encoding");
    let mut buf = writer.into_inner();
    let len = (buf.len() - HEADER_LEN) as u32;
    buf[..HEADER_LEN].copy_from_slice(&len.to_be_bytes());
    buf.freeze()
}

/// Encodes an ok reply of type `kind` (the request's reply type).
///
/// `data` must serialize to a JSON object or null (`()`).
pub fn encode_reply<D: Serialize + ?Sized>(
    kind: &str,
    message: Option<&str>,
    data: &D,
    id: Option<&RequestId>,
) -> Bytes {
    frame_of(&Outgoing {
        kind,
        status: Status::Ok,
        message,
        data: Some(data),
        code: None,
        id,
    })
}

/// Encodes an error reply of type `kind` with its `code`; `data` (an object)
/// carries details for some codes, e.g. the cooldown of [`ErrorCode::Kicked`].
pub fn encode_error(
    kind: &str,
    code: ErrorCode,
    message: &str,
    data: Option<&serde_json::Value>,
    id: Option<&RequestId>,
) -> Bytes {
    frame_of(&Outgoing {
        kind,
        status: Status::Error,
        message: Some(message),
        data,
        code: Some(code),
        id,
    })
}

/// The `list` reply: the seed's `{room: [users]}` map as `data`, and the
/// user's unread counts beside it.
#[derive(Serialize)]
struct ListOutgoing<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    status: Status,
    message: Option<&'a str>,
    data: &'a RoomMembers,
    unread: &'a [UnreadCount],
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
}

/// Encodes the reply to `list` (of type `kind`: `list`, or `list_room` inside a
/// room) with the user's `unread` counts as a top-level key: the original
/// clients read only the first four keys, and `data` must stay a map of rooms.
pub fn encode_list_reply(
    kind: &str,
    rooms: &RoomMembers,
    unread: &[UnreadCount],
    id: Option<&RequestId>,
) -> Bytes {
    frame_of(&ListOutgoing {
        kind,
        status: Status::Ok,
        message: None,
        data: rooms,
        unread,
        id,
    })
}

/// Encodes a push. `id` is only for the sender's own copy of a `msg`.
pub fn encode_push<P: Push>(push: &P, id: Option<&RequestId>) -> Bytes {
    let message = push.message();
    frame_of(&Outgoing {
        kind: P::TYPE,
        status: Status::Ok,
        message: message.as_deref(),
        data: Some(push),
        code: None,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::{Bye, ByeReason};
    use crate::types::RoomMembers;

    fn body(frame: &Bytes) -> &str {
        let len = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        assert_eq!(len, frame.len() - 4);
        std::str::from_utf8(&frame[4..]).unwrap()
    }

    #[test]
    fn ok_reply_has_all_four_keys_in_order() {
        let f = encode_reply("register", Some("done"), &(), None);
        assert_eq!(
            body(&f),
            r#"{"type":"register","status":"ok","message":"done","data":null}"#
        );
    }

    #[test]
    fn errors_carry_a_code_and_echo_the_id() {
        let f = encode_error(
            "enter",
            ErrorCode::NotFound,
            "no such room",
            None,
            Some(&RequestId::Str("a1".into())),
        );
        assert_eq!(
            body(&f),
            r#"{"type":"enter","status":"error","message":"no such room","data":null,"code":"not_found","id":"a1"}"#
        );
        let env = Envelope::from_slice(&f[4..]).unwrap();
        assert_eq!(env.code, Some(ErrorCode::NotFound));
        let f = encode_reply(
            "list",
            None,
            &RoomMembers(vec![("lobby".into(), vec![])]),
            Some(&7u64.into()),
        );
        assert_eq!(
            body(&f),
            r#"{"type":"list","status":"ok","message":null,"data":{"lobby":[]},"id":7}"#
        );
    }

    #[test]
    fn only_utf8_objects_with_object_data_are_envelopes() {
        let ok = br#"{"type":"pong","status":"ok","message":null,"data":null}"#;
        assert!(Envelope::from_slice(ok).is_ok());
        assert!(
            Envelope::from_slice(br#" {"type":"msg","status":"ok","data":{"to":"public"}}"#)
                .is_ok()
        );
        for bad in [
            &br#"["pong","ok",null,null]"#[..],
            br#"{"type":"msg","status":"ok","message":null,"data":["public","hi"]}"#,
            br#"{"type":"msg","status":"ok","message":null,"data":"hi"}"#,
            b"{\"type\":\"pong\",\"status\":\"ok\",\"x\":\"\xed\xa0\x80\"}",
        ] {
            let refused = Envelope::from_slice(bad);
            assert!(refused.is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn pushes_carry_their_message() {
        let f = encode_push(
            &Bye {
                reason: ByeReason::Takeover,
            },
            None,
        );
        assert_eq!(
            body(&f),
            r#"{"type":"bye","status":"ok","message":"You logged in from another place; this connection is closed","data":{"reason":"takeover"}}"#
        );
        let env = Envelope::from_slice(&f[4..]).unwrap();
        assert_eq!(env.data_as::<Bye>().unwrap().reason, ByeReason::Takeover);
    }
}
