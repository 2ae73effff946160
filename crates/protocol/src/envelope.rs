//! The JSON object every frame carries, and how the server encodes one.
//!
//! Requests look like `{"type": T, "data": {...} | null, "id"?: string | number}`.
//! Replies and pushes look like
//! `{"type": T, "status": "ok" | "error", "message": string | null, "data": {...} | null}`,
//! with the request's `id` echoed on replies. Keys are written in that order,
//! as the original Python server did.

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use crate::frame::HEADER_LEN;

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
    /// The request failed; `message` says why.
    Error,
}

/// A reply or push as received by a client.
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
    /// The request id this reply answers (absent on pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
}

impl Envelope {
    /// Parses a frame body.
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// True for `status: "ok"`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}

/// Borrowed form used to encode without copying the parts.
#[derive(Serialize)]
struct Outgoing<'a, D: Serialize + ?Sized> {
    #[serde(rename = "type")]
    kind: &'a str,
    status: Status,
    message: Option<&'a str>,
    data: Option<&'a D>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
}

/// Encodes one reply or push as a complete frame (length prefix included).
///
/// `data` must serialize to a JSON object; pass `None` for `null`.
pub fn encode_frame<D: Serialize + ?Sized>(
    kind: &str,
    status: Status,
    message: Option<&str>,
    data: Option<&D>,
    id: Option<&RequestId>,
) -> Bytes {
    let out = Outgoing {
        kind,
        status,
        message,
        data,
        id,
    };
    let mut buf = BytesMut::with_capacity(128);
    buf.put_u32(0);
    let mut writer = buf.writer();
    // Serializing plain structs, strings, numbers and serde_json values into
    // memory cannot fail: there is no I/O and every key is a string.
    serde_json::to_writer(&mut writer, &out).expect("in-memory JSON encoding");
    let mut buf = writer.into_inner();
    let len = (buf.len() - HEADER_LEN) as u32;
    buf[..HEADER_LEN].copy_from_slice(&len.to_be_bytes());
    buf.freeze()
}

/// Encodes an `ok` reply or push.
pub fn ok_frame<D: Serialize + ?Sized>(
    kind: &str,
    message: Option<&str>,
    data: Option<&D>,
    id: Option<&RequestId>,
) -> Bytes {
    encode_frame(kind, Status::Ok, message, data, id)
}

/// Encodes an `error` reply with no data.
pub fn error_frame(kind: &str, message: &str, id: Option<&RequestId>) -> Bytes {
    encode_frame::<()>(kind, Status::Error, Some(message), None, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(frame: &Bytes) -> &str {
        let len = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        assert_eq!(len, frame.len() - 4);
        std::str::from_utf8(&frame[4..]).unwrap()
    }

    #[test]
    fn ok_reply_has_all_four_keys_in_order() {
        let f = ok_frame::<()>("register", Some("done"), None, None);
        assert_eq!(
            body(&f),
            r#"{"type":"register","status":"ok","message":"done","data":null}"#
        );
    }

    #[test]
    fn id_is_echoed_string_or_number() {
        let f = error_frame("enter", "no such room", Some(&RequestId::Str("a1".into())));
        assert_eq!(
            body(&f),
            r#"{"type":"enter","status":"error","message":"no such room","data":null,"id":"a1"}"#
        );
        let f = ok_frame(
            "list",
            None,
            Some(&json!({"lobby": []})),
            Some(&7u64.into()),
        );
        assert_eq!(
            body(&f),
            r#"{"type":"list","status":"ok","message":null,"data":{"lobby":[]},"id":7}"#
        );
    }

    #[test]
    fn envelope_round_trips() {
        let f = ok_frame("msg", None, Some(&json!({"text": "héllo"})), None);
        let env = Envelope::from_slice(&f[4..]).unwrap();
        assert_eq!(env.kind, "msg");
        assert!(env.is_ok());
        assert_eq!(env.data.unwrap()["text"], "héllo");
        assert!(env.id.is_none());
    }
}
