//! The probe a benchmark message carries in its text, and the cheap scanner
//! that finds it again in a `msg` push.
//!
//! A probe text is `hb:<intended µs>:<sender index>:<written µs>`
//! (optionally padded with `.`): the time the message was meant to be sent
//! and the time it was actually written, both on the
//! [`crate::stats::now_us`] clock, and the member who sent it. Receivers at a million deliveries per second cannot
//! afford a full JSON parse of every push, so [`scan`] only checks the
//! `type` and then jumps to the `"text"` key. It accepts the whitespace the
//! original Python server put after `:` as well as the compact form.
//! Quotes inside JSON strings are escaped, so `"text"` can only match a key.

use std::fmt::Write as _;
use std::sync::LazyLock;

use bytes::{BufMut, BytesMut};
use hearth_protocol::frame::HEADER_LEN;
use memchr::memmem::Finder;

/// What every probe text starts with.
pub const MAGIC: &str = "hb:";

static TEXT_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"text\""));
static TYPE_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"type\""));

/// What a probe says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Intended send time, µs on the process clock.
    pub sent_us: u64,
    /// Index of the sending member.
    pub sender: u32,
    /// When the message was actually written, µs on the process clock.
    pub written_us: u64,
}

/// The text of a probe, padded with `.` to at least `min_len` bytes.
pub fn text(p: &Probe, min_len: usize) -> String {
    let mut s = String::with_capacity(min_len.max(32));
    // Writing to a String cannot fail.
    let _ = write!(s, "{MAGIC}{}:{}:{}", p.sent_us, p.sender, p.written_us);
    while s.len() < min_len {
        s.push('.');
    }
    s
}

/// Appends a whole `msg` request frame carrying a probe to `dst`.
///
/// The request is `{"type":"msg","data":{"to":"public","text":T}}`; the text
/// needs no JSON escaping, so it is written directly.
pub fn put_msg_frame(dst: &mut BytesMut, probe: &Probe, min_len: usize) {
    let start = dst.len();
    dst.put_u32(0);
    let t = text(probe, min_len);
    // Writing to a BytesMut cannot fail.
    let _ = write!(
        dst,
        r#"{{"type":"msg","data":{{"to":"public","text":"{t}"}}}}"#
    );
    let len = (dst.len() - start - HEADER_LEN) as u32;
    dst[start..start + HEADER_LEN].copy_from_slice(&len.to_be_bytes());
}

/// The probe in a `msg` push, or `None` for any other frame.
pub fn scan(body: &[u8]) -> Option<Probe> {
    if frame_type(body)? != b"msg" {
        return None;
    }
    let at = TEXT_KEY.find(body)? + b"\"text\"".len();
    let rest = skip_ws(&body[at..]);
    let rest = skip_ws(rest.strip_prefix(b":")?);
    let rest = rest.strip_prefix(b"\"")?.strip_prefix(MAGIC.as_bytes())?;
    let (sent_us, rest) = digits(rest)?;
    let (sender, rest) = digits(rest.strip_prefix(b":")?)?;
    let (written_us, _) = digits(rest.strip_prefix(b":")?)?;
    Some(Probe {
        sent_us,
        sender: u32::try_from(sender).ok()?,
        written_us,
    })
}

/// The value of the top-level `type` key, without its quotes, found cheaply:
/// a fast path for the compact form Hearth writes, then a search. Type names
/// never contain escapes.
pub fn frame_type(body: &[u8]) -> Option<&[u8]> {
    let rest = match body.strip_prefix(b"{\"type\":\"") {
        Some(rest) => rest,
        None => {
            let at = TYPE_KEY.find(body)? + b"\"type\"".len();
            let rest = skip_ws(&body[at..]);
            skip_ws(rest.strip_prefix(b":")?).strip_prefix(b"\"")?
        }
    };
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}

fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn digits(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > 19 {
        return None;
    }
    let v = s[..n]
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    Some((v, &s[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_protocol::frame;

    const P: Probe = Probe {
        sent_us: 77,
        sender: 3,
        written_us: 78,
    };

    fn push(text: &str) -> String {
        format!(
            r##"{{"type":"msg","status":"ok","message":null,"data":{{"to":"public","from":"bob","text":"{text}","id":7,"ts":"2025-01-01T00:00:00Z","color":"#e0605e","room":"r"}}}}"##
        )
    }

    #[test]
    fn finds_the_probe_in_a_hearth_push() {
        let probe = Probe {
            sent_us: 123_456,
            sender: 42,
            written_us: 123_999,
        };
        let body = push(&text(&probe, 0));
        assert_eq!(scan(body.as_bytes()), Some(probe));
    }

    #[test]
    fn padding_and_python_spacing_are_fine() {
        let probe = Probe {
            sent_us: 9,
            sender: 1,
            written_us: 10,
        };
        let t = text(&probe, 64);
        assert_eq!(t.len(), 64);
        let body =
            format!(r#"{{"type": "msg", "status": "ok", "data": {{"from": "a", "text": "{t}"}}}}"#);
        assert_eq!(scan(body.as_bytes()), Some(probe));
    }

    #[test]
    fn ignores_other_frames_and_other_texts() {
        assert_eq!(scan(push("hello").as_bytes()), None);
        let history = format!(
            r#"{{"type":"history","status":"ok","message":null,"data":{{"messages":[{{"text":"{}"}}]}}}}"#,
            text(&P, 0)
        );
        assert_eq!(scan(history.as_bytes()), None);
        assert_eq!(scan(br#"{"type":"pong","status":"ok"}"#), None);
        assert_eq!(scan(b"not json"), None);
        assert_eq!(scan(push("hb:12").as_bytes()), None);
        assert_eq!(scan(push("hb:12:3").as_bytes()), None);
        // An escaped quote inside a value is never taken for the key.
        let tricky = r#"{"type":"msg","data":{"from":"x","to":"\"text\":\"hb:1:1","text":"hi"}}"#;
        assert_eq!(scan(tricky.as_bytes()), None);
    }

    #[test]
    fn frame_type_fast_and_slow() {
        assert_eq!(frame_type(br#"{"type":"bye","x":1}"#), Some(&b"bye"[..]));
        assert_eq!(
            frame_type(br#"{ "status":"ok", "type" : "list_room"}"#),
            Some(&b"list_room"[..])
        );
        assert_eq!(frame_type(b"{}"), None);
    }

    #[test]
    fn msg_frame_is_a_valid_request() {
        let mut buf = BytesMut::new();
        put_msg_frame(&mut buf, &P, 0);
        put_msg_frame(&mut buf, &P, 40);
        let len = frame::check(&buf, 1024).unwrap().unwrap();
        let req = hearth_protocol::RawRequest::parse(&buf[HEADER_LEN..HEADER_LEN + len]).unwrap();
        match req.command().unwrap() {
            hearth_protocol::Command::Msg(msg) => {
                assert_eq!(msg.to, "public");
                assert_eq!(msg.text, text(&P, 0));
            }
            other => panic!("not a msg: {other:?}"),
        }
    }
}
