//! docs/PROTOCOL.md and the code agree: every request type, push type and
//! error code is documented, and every complete frame quoted in a `json` block
//! decodes into its type and encodes back to the same JSON (a table of real
//! frames for the round trip).

use hearth_protocol::envelope::{
    encode_error, encode_list_reply, encode_push, encode_reply, Envelope,
};
use hearth_protocol::{Command, ErrorCode, PushMsg, RawRequest, Request, RoomMembers};
use serde_json::Value;

fn doc() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/PROTOCOL.md");
    std::fs::read_to_string(path).expect("docs/PROTOCOL.md")
}

/// The JSON values of every ```json block that is one complete JSON object.
fn json_blocks(doc: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("```json") {
        let body = &rest[start + "```json".len()..];
        let end = body.find("```").expect("closed code block");
        if let Ok(value) = serde_json::from_str::<Value>(body[..end].trim()) {
            blocks.push(value);
        }
        rest = &body[end + 3..];
    }
    blocks
}

fn body(frame: &bytes::Bytes) -> Value {
    serde_json::from_slice(&frame[4..]).unwrap()
}

#[test]
fn every_type_and_code_is_documented() {
    let doc = doc();
    for kind in Command::TYPES {
        assert!(
            doc.contains(&format!("`{kind}")),
            "request `{kind}` is not in PROTOCOL.md"
        );
    }
    for kind in PushMsg::TYPES {
        assert!(
            doc.contains(&format!("| `{kind}` |")),
            "push `{kind}` is not in PROTOCOL.md's table of pushes"
        );
    }
    for code in ErrorCode::ALL {
        assert!(
            doc.contains(&format!("| `{code}` |")),
            "error code `{code}` is not in PROTOCOL.md's table of codes"
        );
    }
}

#[test]
fn the_documented_transfer_windows_are_the_clients() {
    use hearth_protocol::files::{DOWNLOAD_WINDOW, UPLOAD_WINDOW};
    // One sentence, so a paragraph rewrapped across the numbers fails here too.
    let doc = doc().split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = format!(
        "Hearth's client sends {UPLOAD_WINDOW} upload chunks or {DOWNLOAD_WINDOW} download chunks ahead"
    );
    assert!(
        doc.contains(&sentence),
        "PROTOCOL.md should say: {sentence}"
    );
}

/// Re-encodes a documented reply as the request type whose reply it is.
fn reencode_reply(env: &Envelope) -> Option<Value> {
    macro_rules! try_each {
        ($($variant:ident($ty:ty)),* $(,)?) => {
            $(
                if env.kind == <$ty as Request>::REPLY_TYPE
                    || (env.kind == hearth_protocol::requests::LIST_ROOM
                        && <$ty as Request>::TYPE == "list")
                {
                    let data: <$ty as Request>::Reply = env
                        .data_as()
                        .unwrap_or_else(|e| panic!("documented {} reply: {e}", env.kind));
                    return Some(body(&encode_reply(&env.kind, env.message.as_deref(), &data, env.id.as_ref())));
                }
            )*
        };
    }
    hearth_protocol::for_each_request!(try_each);
    None
}

#[test]
fn documented_frames_round_trip() {
    let blocks = json_blocks(&doc());
    assert!(
        blocks.len() >= 5,
        "expected the example frames, found {}",
        blocks.len()
    );
    for block in blocks {
        let text = block.to_string();
        if block.get("status").is_none() {
            // A request: it must parse into its typed request.
            let raw = RawRequest::parse(text.as_bytes()).expect(&text);
            raw.command().unwrap_or_else(|e| panic!("{text}: {e}"));
            continue;
        }
        let env = Envelope::from_slice(text.as_bytes()).expect(&text);
        let again = if !env.is_ok() {
            let code = env
                .code
                .unwrap_or_else(|| panic!("error reply without a code: {text}"));
            body(&encode_error(
                &env.kind,
                code,
                env.message.as_deref().unwrap_or(""),
                env.data.as_ref(),
                env.id.as_ref(),
            ))
        } else if let Some(unread) = &env.unread {
            // Only `list` replies carry counts beside their data.
            let rooms: RoomMembers = env.data_as().expect(&text);
            body(&encode_list_reply(
                &env.kind,
                &rooms,
                unread,
                env.id.as_ref(),
            ))
        } else if let Some(push) = PushMsg::decode(&env).filter(|_| env.id.is_none()) {
            macro_rules! encode_any {
                ($($variant:ident($ty:ty)),* $(,)?) => {
                    match &push {
                        $(PushMsg::$variant(p) => body(&encode_push(p, None)),)*
                    }
                };
            }
            hearth_protocol::for_each_push!(encode_any)
        } else {
            reencode_reply(&env)
                .unwrap_or_else(|| panic!("no request answers {}: {text}", env.kind))
        };
        assert_eq!(again, block, "PROTOCOL.md's frame does not round-trip");
    }
}
